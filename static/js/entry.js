// The registration form: the number is checked as it is typed (HTMX, GET to data-check-url), and
// the sex and birth date it holds fill the two fields while they are still empty. A static file,
// because the CSP allows no inline script.
document.addEventListener("DOMContentLoaded", function () {
  var input = document.getElementById("id_person-id_number");
  var target = document.getElementById("id-check");
  if (!input || !target || !window.htmx) {
    return;
  }
  input.setAttribute("hx-get", target.dataset.checkUrl);
  input.setAttribute("hx-trigger", "input changed delay:300ms, blur");
  input.setAttribute("hx-target", "#id-check");
  input.setAttribute("hx-sync", "this:replace");
  window.htmx.process(input);
  // A number typed or pasted before this deferred script ran raised its input event with no
  // listener yet: check it now rather than wait for the next key or the blur.
  if (input.value) {
    window.htmx.trigger(input, "blur");
  }
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== target) {
      return;
    }
    var found = target.querySelector("[data-sex]");
    if (!found) {
      return;
    }
    var sex = document.getElementById("id_person-sex");
    var birth = document.getElementById("id_person-birth_date");
    if (sex && !sex.value) {
      sex.value = found.dataset.sex;
    }
    if (birth && !birth.value) {
      birth.value = found.dataset.birth;
    }
  });
});
