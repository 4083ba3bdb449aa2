// A table wider than its column scrolls sideways in its .table-wrap (workspace.css). While it does,
// the wrap is made a region that the keyboard can reach and scroll, named by its table's caption
// (WCAG 2.1.1; axe-core's scrollable-region-focusable); when the window is wide enough, it is a
// plain box again, not a needless stop for the Tab key. Wraps that mark themselves in the page
// (the Tables page's crosstab) are left alone.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.hasAttribute("tabindex") && !wrap.hasAttribute("data-region")) return;  // marked in the page
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("data-region", "");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", caption ? caption.textContent.trim().replace(/\s+/g, " ") : "Table");
      } else if (wrap.hasAttribute("data-region")) {
        ["data-region", "tabindex", "role", "aria-label"].forEach(function (name) { wrap.removeAttribute(name); });
      }
    });
  }
  var waiting = null;
  window.addEventListener("resize", function () {
    clearTimeout(waiting);
    waiting = setTimeout(mark, 100);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
})();
