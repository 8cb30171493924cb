/* "Was this already asked?" — suggestions under the ask form's title field.
 *
 * Include on the ask page:
 *   <div id="ask-suggestions" data-title-input="id_title"
 *        data-similar-url="{% url 'api:search_similar' %}"
 *        data-deflection-url="{% url 'api:search_deflection_create' %}" hidden></div>
 *   <script src="{% static 'js/ask-suggestions.js' %}" defer></script>
 *
 * While the title is typed (debounced), up to 5 similar threads are shown, solved first.
 * Opening one records a deflection event (POST, JSON, CSRF header from the cookie).
 * Without JavaScript the ask form works as before; no inline script is needed (CSP).
 */
(function () {
  "use strict";

  var box = document.getElementById("ask-suggestions");
  if (!box || !window.fetch) return;
  var input = document.getElementById(box.dataset.titleInput || "id_title");
  if (!input) return;
  var similarUrl = box.dataset.similarUrl || "/api/v1/search/similar/";
  var deflectionUrl = box.dataset.deflectionUrl || "/api/v1/search/deflections/";
  var heading = box.dataset.heading || "Similar questions — one of these may already answer yours:";
  var solvedLabel = box.dataset.solvedLabel || "Solved";
  var timer = null;
  var lastQuery = "";
  var controller = null;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function recordDeflection(threadId, rank) {
    try {
      fetch(deflectionUrl, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true, // the click navigates away; let the request finish
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ thread_id: threadId, query: lastQuery, rank: rank }),
      });
    } catch (e) {
      /* measuring must never get in the way */
    }
  }

  function render(results) {
    box.textContent = "";
    if (!results.length) {
      box.hidden = true;
      return;
    }
    var title = document.createElement("p");
    title.className = "suggestions-heading";
    title.textContent = heading;
    var list = document.createElement("ul");
    list.className = "suggestions-list";
    results.forEach(function (thread, index) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = thread.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = thread.title; // textContent: titles are never parsed as HTML
      link.addEventListener("click", function () {
        recordDeflection(thread.id, index + 1);
      });
      item.appendChild(link);
      if (thread.is_solved) {
        var badge = document.createElement("span");
        badge.className = "badge badge-solved";
        badge.textContent = solvedLabel;
        item.appendChild(document.createTextNode(" "));
        item.appendChild(badge);
      }
      list.appendChild(item);
    });
    box.appendChild(title);
    box.appendChild(list);
    box.hidden = false;
  }

  function lookup() {
    var query = input.value.trim();
    if (query === lastQuery) return;
    lastQuery = query;
    if (query.length < 8) {
      render([]);
      return;
    }
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    fetch(similarUrl + "?title=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        if (query === lastQuery) render(data.results || []);
      })
      .catch(function () {
        /* offline or aborted: keep the form usable */
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 300);
  });
  box.setAttribute("aria-live", "polite");
  if (input.value) lookup();
})();
