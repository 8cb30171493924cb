// Live updates on a thread page: polls the live endpoint every ~10 s while the tab is
// visible. Expects an element
//   <section data-live-thread-url="/api/v1/threads/42/live/" data-last-post-id="17">
// (data-last-post-id optional: without it the first poll takes the server's newest answer
// as the baseline) and answers rendered as <article class="answer" id="answer-<id>"> with a
// ".score" element inside.
// Uses ETag/If-None-Match (the browser sends it for us on a conditional fetch), so an
// unchanged thread costs one small 304.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-thread-url]");
  if (!root || !window.fetch) return;
  var url = root.getAttribute("data-live-thread-url");
  var lastId = parseInt(root.getAttribute("data-last-post-id") || "0", 10) || 0;
  var baseline = lastId > 0;
  var interval = parseInt(root.getAttribute("data-live-interval") || "10000", 10);
  var etag = null;
  var timer = null;
  var banner = null;
  var lang = document.documentElement.lang || "en";

  function text(n) {
    if (lang.indexOf("de") === 0) {
      return n === 1 ? "1 neue Antwort — anzeigen" : n + " neue Antworten — anzeigen";
    }
    return n === 1 ? "1 new answer — show" : n + " new answers — show";
  }

  function showBanner(count) {
    if (!banner) {
      banner = document.createElement("button");
      banner.type = "button";
      banner.className = "button live-banner";
      banner.setAttribute("aria-live", "polite");
      banner.addEventListener("click", function () {
        // A full reload renders the new answers with the server's own template
        // (vote buttons, accept forms, permissions), which the JSON cannot.
        window.location.reload();
      });
      var answers = document.getElementById("answers");
      (answers || root).insertBefore(banner, (answers || root).firstChild);
    }
    banner.textContent = text(count);
    banner.hidden = false;
  }

  function apply(data) {
    Object.keys(data.scores || {}).forEach(function (id) {
      var el = document.querySelector("#answer-" + id + " .score");
      if (el && el.firstChild && el.firstChild.nodeType === 3) {
        el.firstChild.nodeValue = String(data.scores[id]);
      }
    });
    document.querySelectorAll("article.answer").forEach(function (article) {
      var id = parseInt(article.id.replace("answer-", ""), 10);
      article.classList.toggle("answer-accepted", id === data.accepted_answer_id);
    });
    if (data.new_answer_count > 0) showBanner(data.new_answer_count);
  }

  function poll() {
    if (document.visibilityState !== "visible") return;
    var headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "after=" + lastId, {
      credentials: "same-origin",
      headers: headers,
    })
      .then(function (response) {
        if (response.status === 304 || !response.ok) return null;
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) {
        if (!data) return;
        if (!baseline) {
          // First answer from the server: what the page shows now is "not new".
          baseline = true;
          lastId = data.last_post_id || 0;
          etag = null;
          return;
        }
        apply(data);
      })
      .catch(function () {
        /* offline or server busy: try again on the next tick */
      });
  }

  function start() {
    if (timer === null) timer = window.setInterval(poll, interval);
  }
  function stop() {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      poll();
      start();
    } else {
      stop();
    }
  });
  if (document.visibilityState === "visible") {
    if (!baseline) poll();
    start();
  }
})();
