// Keeps the header bell's unread count fresh (every 60 s while the tab is visible).
// Expects <a class="notification-bell" data-unread-url="/api/v1/notifications/unread-count/">.
(function () {
  "use strict";
  var bell = document.querySelector(".notification-bell[data-unread-url]");
  if (!bell || !window.fetch) return;
  var url = bell.getAttribute("data-unread-url");

  function render(count) {
    var badge = bell.querySelector("[data-notification-count]");
    bell.classList.toggle("has-unread", count > 0);
    if (count > 0) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge notification-count";
        badge.setAttribute("data-notification-count", "");
        bell.appendChild(badge);
      }
      badge.textContent = count > 99 ? "99+" : String(count);
    } else if (badge) {
      badge.remove();
    }
  }

  function poll() {
    if (document.visibilityState !== "visible") return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data.unread); })
      .catch(function () {});
  }
  window.setInterval(poll, 60000);
  document.addEventListener("visibilitychange", poll);
})();
