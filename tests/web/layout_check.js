// What a person would see as a broken layout, found in the page as it stands; evaluated by the
// browser's tools (Playwright's evaluate), as axe-core is. Returns a list of plain sentences:
// (a) the page is wider than the window, other than inside a region that scrolls sideways;
// (b) two visible boxes that overlap (text, links, buttons, fields, labels, headings, table cells);
// (c) text cut off by an element that hides its overflow (unless it ends in an ellipsis and has a title);
// (d) text that runs out of its own box (a long word that does not break).
() => {
  const SLACK = 2;  // px: borders and rounding are not overlaps
  const view = document.documentElement.clientWidth;
  const style = (el) => getComputedStyle(el);
  const scrolls = (el) => ["auto", "scroll"].includes(style(el).overflowX);
  const clips = (el) => ["auto", "scroll", "hidden", "clip"].includes(style(el).overflowX);

  function name(el) {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    const cls = (el.getAttribute("class") || "").trim().split(/\s+/).filter(Boolean);
    if (cls.length) s += "." + cls.join(".");
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim();
    if (text) s += ` "${text.length > 40 ? text.slice(0, 40) + "…" : text}"`;
    return s;
  }

  function hidden(el) {
    // visually hidden (clipped to nothing), invisible, or inside a closed <details> (not its summary)
    const details = el.closest("details:not([open])");
    if (details && !el.closest("summary")) return true;
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = style(e);
      if (s.visibility === "hidden" || s.opacity === "0" || s.display === "none") return true;
      if (s.position === "absolute" && (s.clip === "rect(0px, 0px, 0px, 0px)" || s.clipPath === "inset(50%)")) return true;
      if (e.getBoundingClientRect().width <= 1 && s.overflow === "hidden") return true;
    }
    return false;
  }

  // The nearest ancestor that clips sideways (a scroll region, or overflow hidden), if any. An
  // absolutely positioned element escapes the regions between it and its containing block (the
  // nearest positioned ancestor): a visually hidden word in a table that scrolls can widen the page.
  function clipper(el) {
    let position = style(el).position;
    if (position === "fixed") return null;
    for (let e = el.parentElement; e && e !== document.body && e !== document.documentElement; e = e.parentElement) {
      const s = style(e);
      if (position === "absolute" && s.position === "static") continue;  // not its containing block
      if (clips(e)) return e;
      if (s.position === "fixed") return null;
      position = s.position;
    }
    return null;
  }

  function visibleRects(el) {
    // the element's boxes (one per line for inline elements), cut to the regions that clip them
    let rects = Array.from(el.getClientRects()).map((r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom}));
    for (let c = clipper(el); c; c = clipper(c)) {
      const b = c.getBoundingClientRect();
      rects = rects.map((r) => ({left: Math.max(r.left, b.left), right: Math.min(r.right, b.right),
                                 top: Math.max(r.top, b.top), bottom: Math.min(r.bottom, b.bottom)}));
    }
    return rects.filter((r) => r.right - r.left > SLACK && r.bottom - r.top > SLACK);
  }

  const problems = [];

  // (a) the page wider than the window
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) {
    const culprits = Array.from(document.body.querySelectorAll("*")).filter((el) => {
      if (clipper(el)) return false;  // inside a region that scrolls or clips: not the page's width
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= view + 1) return false;
      // the outermost: its parent does not stick out (the table, not each of its cells), or is
      // held in a region that clips it (a hidden word that escapes the region its table scrolls in)
      const parent = el.parentElement;
      return parent === document.body || clips(parent) || clipper(parent) || parent.getBoundingClientRect().right <= view + 1;
    });
    problems.push(`the page is ${doc.scrollWidth} px wide in a window ${doc.clientWidth} px wide` +
      (culprits.length ? "; sticking out: " + culprits.slice(0, 5).map((el) => `${name(el)} (to ${Math.round(el.getBoundingClientRect().right)} px)`).join("; ")
                       : ""));
  }

  // (b) boxes that overlap
  const SELECTOR = "a, button, input, select, textarea, label, legend, summary, h1, h2, h3, h4, h5, h6, p, li, dt, dd, th, td, caption, code, strong, progress, img, svg";
  const candidates = new Set(document.body.querySelectorAll(SELECTOR));
  for (const el of document.body.querySelectorAll("*")) {  // and any element with its own words
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
    if (Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim())) candidates.add(el);
  }
  const boxes = [];
  for (const el of candidates) {
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
    if (el.matches("input[type=hidden]") || hidden(el)) continue;
    const rects = visibleRects(el);
    if (rects.length) boxes.push({el, rects});
  }
  const related = (a, b) => a.contains(b) || b.contains(a);
  const overlap = (r, s) => Math.min(r.right, s.right) - Math.max(r.left, s.left) > SLACK &&
                            Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top) > SLACK;
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (related(a.el, b.el)) continue;
      // a label and its own field may share a box (a custom checkbox); a cell and the cells it spans do not overlap
      if (a.el.tagName === "LABEL" && a.el.control === b.el || b.el.tagName === "LABEL" && b.el.control === a.el) continue;
      if (a.rects.some((r) => b.rects.some((s) => overlap(r, s)))) overlaps.push([a.el, b.el]);
    }
  }
  // report each pair once, at the innermost level: a pair whose children also overlap is said by them
  const inner = overlaps.filter(([a, b]) => !overlaps.some(([c, d]) => (c !== a || d !== b) &&
    ((a.contains(c) && b.contains(d)) || (a.contains(d) && b.contains(c)))));
  for (const [a, b] of inner.slice(0, 10)) problems.push(`${name(a)} overlaps ${name(b)}`);
  if (inner.length > 10) problems.push(`and ${inner.length - 10} more overlapping pairs`);

  // (b) also: list markers outside their items in a row (bullets land on the item before)
  for (const li of document.body.querySelectorAll("li")) {
    const s = style(li), parent = li.parentElement && style(li.parentElement);
    if (!parent || !/flex|grid/.test(parent.display) || s.display !== "list-item" || hidden(li)) continue;
    if (s.listStyleType !== "none" && s.listStylePosition === "outside" && li.previousElementSibling &&
        li.getBoundingClientRect().top < li.previousElementSibling.getBoundingClientRect().bottom - SLACK) {
      problems.push(`${name(li)}: its list marker stands on ${name(li.previousElementSibling)} (items side by side keep their bullets)`);
    }
  }

  // (c) text cut off, (d) text out of its box
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg") || el.clientWidth === 0 || el.scrollWidth <= el.clientWidth + 1 || hidden(el)) continue;
    const s = style(el);
    if (el.matches("input, textarea, select")) continue;  // a field scrolls its own text
    if (s.overflowX === "hidden" || s.overflowX === "clip") {
      if (s.textOverflow === "ellipsis" && el.title) continue;
      problems.push(`${name(el)} cuts off its text: ${el.scrollWidth} px of it in ${el.clientWidth} px`);
    } else if (!scrolls(el) && Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim())) {
      problems.push(`${name(el)}: its text runs out of its box (${el.scrollWidth} px of it in ${el.clientWidth} px)`);
    }
  }
  return problems;
}
