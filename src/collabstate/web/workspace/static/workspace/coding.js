// The Coding page's keys (it works without them: tick the boxes and press Save). With the focus on
// an answer or inside it: j or the down arrow moves to the next answer, k or the up arrow to the
// previous one, the digits 1 to 9 tick or untick the answer's first nine codes, and Enter saves its
// codes (the page comes back at the next answer). Typing in a text box or a list is left alone.
(function () {
  "use strict";
  var answers = Array.prototype.slice.call(document.querySelectorAll("[data-answer]"));
  var status = document.getElementById("coding-status");
  if (!answers.length) { return; }

  function say(text) { if (status) { status.textContent = text; } }

  function current() {
    var here = document.activeElement;
    return here ? here.closest("[data-answer]") : null;
  }

  function title(answer) {
    var heading = answer.querySelector("h3");
    return heading ? heading.textContent.split(":")[0].trim() : "Answer";
  }

  function go(answer) {
    answer.focus();
    answer.scrollIntoView({block: "nearest"});
    say(title(answer));
  }

  function typing(target) {
    var tag = target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type !== "checkbox");
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) { return; }
    var answer = current();
    var at = answer ? answers.indexOf(answer) : -1;
    var key = event.key;
    if (key === "j" || key === "ArrowDown") {
      if (at === -1 && key === "ArrowDown") { return; }  // the arrows scroll the page until an answer has the focus
      event.preventDefault();
      go(answers[Math.min(at + 1, answers.length - 1)]);
    } else if (key === "k" || key === "ArrowUp") {
      if (at === -1) { return; }
      event.preventDefault();
      go(answers[Math.max(at - 1, 0)]);
    } else if (answer && /^[1-9]$/.test(key)) {
      var box = answer.querySelectorAll("input[type=checkbox][name=codes]")[Number(key) - 1];
      if (!box) { return; }
      event.preventDefault();
      box.checked = !box.checked;
      var label = answer.querySelector("label[for='" + box.id + "']");
      say((label ? label.textContent.replace(/^\s*\d\s*/, "") : box.value) + (box.checked ? " ticked" : " unticked"));
    } else if (answer && key === "Enter" && (event.target === answer || event.target.type === "checkbox")) {
      var form = answer.querySelector("form[data-coding-form]");
      if (!form) { return; }
      event.preventDefault();
      say("Saving");
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });

  // back from a save: the answer the address names (the next one) has the focus
  var wanted = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (wanted && wanted.hasAttribute("data-answer")) { wanted.focus(); }
})();
