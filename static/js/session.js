// Two safety nets of every page after login (a static file: the CSP allows no inline script).
//
// 1. The idle logout (SESSION_COOKIE_AGE) comes with a warning two minutes before; "继续使用"
//    asks the server for /session/alive/, which slides the idle limit.
// 2. Long text fields (every <textarea> of a form that posts) keep a draft in this browser while
//    they are typed, so a talk note survives an idle logout. The draft is keyed by user and page,
//    restored only into an empty field, dropped when the form is sent or after 12 hours, and all
//    of the user's drafts go when they log out (shared office PCs).
(function () {
  "use strict";
  var body = document.body;
  var user = body.dataset.user;
  if (!user) {
    return;
  }
  var DRAFT_HOURS = 12;
  var prefix = "draft:" + user + ":";

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  function draftKey(field) {
    return prefix + window.location.pathname + ":" + field.name;
  }

  function setupDrafts() {
    var store = storage();
    if (!store) {
      return;
    }
    Object.keys(store).forEach(function (key) {
      if (key.indexOf("draft:") === 0) {
        try {
          var saved = JSON.parse(store.getItem(key));
          if (!saved || Date.now() - saved.at > DRAFT_HOURS * 3600 * 1000) {
            store.removeItem(key);
          }
        } catch (e) {
          store.removeItem(key);
        }
      }
    });
    document.querySelectorAll("form[method=post] textarea[name]:not([disabled])").forEach(function (field) {
      var key = draftKey(field);
      var saved = store.getItem(key);
      if (saved && !field.value) {
        field.value = JSON.parse(saved).text;
        var note = document.createElement("p");
        note.className = "help draft-note";
        note.textContent = body.dataset.draftRestored;
        field.insertAdjacentElement("afterend", note);
      }
      var timer = null;
      field.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          if (field.value) {
            store.setItem(key, JSON.stringify({ text: field.value, at: Date.now() }));
          } else {
            store.removeItem(key);
          }
        }, 400);
      });
      field.form.addEventListener("submit", function () {
        store.removeItem(key);
      });
    });
    document.querySelectorAll("form[data-logout]").forEach(function (form) {
      form.addEventListener("submit", function () {
        Object.keys(store).forEach(function (key) {
          if (key.indexOf(prefix) === 0) {
            store.removeItem(key);
          }
        });
      });
    });
  }

  function setupIdleWarning() {
    var idle = parseInt(body.dataset.idleSeconds, 10);
    if (!idle) {
      return;
    }
    var warnAt = Math.max(idle - 120, 0);
    var banner = null;
    var warnTimer = null;

    function warn() {
      banner = document.createElement("div");
      banner.className = "idle-warning";
      banner.setAttribute("role", "alert");
      var text = document.createElement("span");
      text.textContent = body.dataset.idleWarning;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "primary";
      button.textContent = body.dataset.idleContinue;
      button.addEventListener("click", function () {
        window
          .fetch(body.dataset.aliveUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.ok ? response.json() : null;
          })
          .then(function (data) {
            if (banner) {
              banner.remove();
              banner = null;
            }
            if (data && data.idle_seconds) {
              schedule(data.idle_seconds);
            }
          });
      });
      banner.appendChild(text);
      banner.appendChild(button);
      body.insertBefore(banner, body.firstChild);
      button.focus();
    }

    function schedule(seconds) {
      window.clearTimeout(warnTimer);
      warnTimer = window.setTimeout(warn, Math.max(seconds - 120, 0) * 1000);
    }

    schedule(warnAt + 120);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupDrafts();
    setupIdleWarning();
  });
})();
