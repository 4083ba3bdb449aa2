// The Tables page, better with JavaScript (it works without: the button sends the form and the
// page comes back with the table). A change of any control asks the server for the same address
// with partial=1, which answers with the parts of the page marked data-swap (the table, the
// error summary, each control's error message); they replace this page's, the address becomes
// the table's own (to share it), and a status line tells screen readers what is shown.
(function () {
  "use strict";
  var form = document.querySelector("form[data-tables]");
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams || !window.DOMParser || !window.history.replaceState) { return; }
  var status = document.getElementById("table-status");
  var timer = null, latest = 0;

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) { params.append(name, value); });
    return params.toString();
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    fresh.querySelectorAll("[data-swap][id]").forEach(function (part) {
      var old = document.getElementById(part.id);
      if (!old) { return; }
      old.replaceWith(document.importNode(part, true));
      var group = document.getElementById(part.id).closest(".form-group");
      if (group && part.classList.contains("error-message")) {
        var wrong = !part.hasAttribute("hidden");
        group.classList.toggle("form-group-error", wrong);
        group.querySelectorAll("input[type=text]").forEach(function (input) {
          input.classList.toggle("input-error", wrong);
          if (wrong) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
        });
      }
    });
    if (fresh.title) { document.title = fresh.title; }
    var summary = document.querySelector("#table-result [data-summary]");
    var problem = document.querySelector("#table-errors .error-summary");
    if (status) { status.textContent = problem ? "There is a problem: " + problem.querySelector("ul").textContent.trim() : (summary ? summary.textContent : ""); }
  }

  function show() {
    var q = query(), mine = ++latest;
    var result = document.getElementById("table-result");
    if (result) { result.setAttribute("aria-busy", "true"); }
    fetch(form.action + "?" + q + "&partial=1", {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        if (mine !== latest) { return; }  // a later change is on its way
        swap(html);
        window.history.replaceState(null, "", window.location.pathname + "?" + q);
      })
      .catch(function () { if (mine === latest) { form.submit(); } })  // as without JavaScript
      .then(function () {
        var now = document.getElementById("table-result");
        if (now && mine === latest) { now.removeAttribute("aria-busy"); }
      });
  }

  form.addEventListener("change", function () { window.clearTimeout(timer); timer = window.setTimeout(show, 300); });
  form.addEventListener("submit", function (event) { event.preventDefault(); window.clearTimeout(timer); show(); });
})();
