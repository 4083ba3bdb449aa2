// A background job's page, kept up to date without reloading it (the page works without this:
// a link reloads it, or asks it to reload itself). Every few seconds the page is fetched again and
// the part marked data-live replaces this one's (its role="status" line is read out by screen
// readers when it changes); once the job has ended the whole page is shown afresh.
(function () {
  "use strict";
  var live = document.querySelector("[data-live]");
  if (!live || !window.fetch || !window.DOMParser) { return; }
  var seconds = Number(live.getAttribute("data-live")) || 5;
  function look() {
    fetch(window.location.pathname, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live]");
        if (!fresh) { window.location.replace(window.location.pathname); return; }
        var status = live.querySelector("[role=status] p"), next = fresh.querySelector("[role=status] p");
        if (status && next && status.textContent !== next.textContent) { status.textContent = next.textContent; }
        var bar = live.querySelector("progress"), nextBar = fresh.querySelector("progress");
        if (bar && nextBar) {
          ["max", "value"].forEach(function (name) {
            if (nextBar.hasAttribute(name)) { bar.setAttribute(name, nextBar.getAttribute(name)); }
          });
          bar.textContent = nextBar.textContent;
        }
        document.title = new DOMParser().parseFromString(html, "text/html").title;
        window.setTimeout(look, seconds * 1000);
      })
      .catch(function () { window.setTimeout(look, seconds * 2000); });
  }
  window.setTimeout(look, seconds * 1000);
})();
