// Work done in the background (a township's zip, a monthly report): every element still queued or
// running asks the server for its progress every 2 seconds and is replaced by the answer, until done.
(function () {
  "use strict";
  function poll(row) {
    var url = row.getAttribute("data-progress");
    if (!url) {
      return;
    }
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html === null) {
            poll(row);
            return;
          }
          var holder = document.createElement("template");
          holder.innerHTML = html.trim();
          var fresh = holder.content.firstElementChild;
          row.replaceWith(fresh);
          poll(fresh);
        })
        .catch(function () {
          poll(row);
        });
    }, 2000);
  }
  document.querySelectorAll("[data-progress]").forEach(poll);
})();
