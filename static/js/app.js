// The few lines of JavaScript SkillPass needs beyond htmx.
// After an htmx swap, move focus to the element the server marked with
// data-focus, so keyboard and screen-reader users land on the result.
// A row marked data-leaves-focus-to-next (a sign-off queue row) that an htmx
// response removes hands focus to the next row's main button (or the one
// before, or the queue's summary), so a run of decisions goes on from the keyboard.
// Whether focus was in the row when its decision was sent (its button is then
// disabled while the request runs, which drops focus to the page body).
document.addEventListener("htmx:beforeRequest", function (event) {
  var row = event.detail.target;
  if (row && row.hasAttribute && row.hasAttribute("data-leaves-focus-to-next") && row.contains(document.activeElement)) {
    row.setAttribute("data-had-focus", "");
  }
});

document.addEventListener("htmx:beforeSwap", function (event) {
  var row = event.detail.target;
  if (!row || !row.hasAttribute || !row.hasAttribute("data-leaves-focus-to-next")) return;
  // Only when the decision was made from the keyboard in that row: focus elsewhere is left alone.
  var hadFocus = row.hasAttribute("data-had-focus") || row.contains(document.activeElement);
  row.removeAttribute("data-had-focus");
  if (!hadFocus) return;
  var next = row.nextElementSibling || row.previousElementSibling;
  var plan = { id: row.id, next: next && next.id ? next.id : null };
  // The swap runs straight after this event; a removed row's own events no longer reach the document,
  // so look once it is done.
  window.setTimeout(function () {
    if (document.getElementById(plan.id)) return;  // still there: it shows an error, focused by data-focus
    var active = document.activeElement;
    if (active && active !== document.body) return;  // the person has moved on meanwhile
    // The next row itself, not its Approve button: a second press of Enter must not decide it too.
    var target = (plan.next && document.getElementById(plan.next)) || document.getElementById("queue-summary");
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }, 0);
});

// The template editor redraws a whole section (or every section) after a move,
// an archive or an add. A row or section heading someone is editing elsewhere in
// it is put back as it was, typed values and all, instead of being lost.
var OPEN_EDITS = "tr.app-row--editing[id], .app-editor-section__head--editing[id]";
document.addEventListener("htmx:beforeSwap", function (event) {
  var target = event.detail.target;
  if (!target || !target.querySelectorAll || !target.closest("#template-body")) return;
  var source = event.detail.requestConfig && event.detail.requestConfig.elt;
  var open = Array.prototype.filter.call(target.querySelectorAll(OPEN_EDITS), function (el) {
    return !(source && el.contains(source));  // the form being sent is answered by this response
  });
  if (!open.length || event.detail.xhr.status >= 400) return;
  keptEdits = { xhr: event.detail.xhr, open: open };
});
// Put back once htmx has settled: until then it lends the old elements' attributes to the new ones.
var keptEdits = null;
document.addEventListener("htmx:afterSettle", function (event) {
  if (!keptEdits || keptEdits.xhr !== event.detail.xhr) return;
  var open = keptEdits.open;
  keptEdits = null;
  open.forEach(function (editing) {
    var fresh = document.getElementById(editing.id);
    if (fresh && fresh !== editing && !fresh.matches(OPEN_EDITS)) {
      fresh.replaceWith(editing);
      // htmx unhooked it when it swapped it out: hook it up again, or its Save and Cancel are
      // plain (a whole page, or nothing at all when the page is already the editor's address).
      htmx.process(editing);
    }
  });
});

document.addEventListener("htmx:afterSettle", function (event) {
  var target = document.querySelector("[data-focus]");
  // Someone already typing in the new form (quicker than the swap settles) keeps their place: focus is
  // never taken from a field of the same form in the middle of their typing.
  var active = document.activeElement;
  var scope = target && (target.closest("form") || target.parentElement);
  if (target && active && active !== target && scope && scope.contains(active)
      && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) {
    target.removeAttribute("data-focus");
    return;
  }
  if (!target) {
    // Nothing marked, and focus was lost with the element it was on: content marked
    // data-focus-if-lost (a passport row, the queue) takes it, so the keyboard keeps its place.
    var swapped = event.target;
    if (document.activeElement && document.activeElement !== document.body) return;
    if (!swapped || !swapped.hasAttribute || !swapped.hasAttribute("data-focus-if-lost") || !document.contains(swapped)) return;
    target = swapped;
  }
  target.removeAttribute("data-focus");
  if (!/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName) && !target.hasAttribute("tabindex")) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
});

// On a full page (a refused form without htmx, an import with problems, a preview
// to confirm), the element marked data-focus, or else the error summary, takes
// focus as the page opens; every data-focus mark is then
// cleared, so a later htmx swap does not send focus back to it.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.querySelector("[data-focus]") || document.querySelector(".nhsuk-error-summary");
  if (target) {
    if (!/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName) && !target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }
  document.querySelectorAll("[data-focus]").forEach(function (el) { el.removeAttribute("data-focus"); });
});

// Enter on a queue row's checkbox would submit "Approve selected" at once (the
// browser's implicit submission): a checkbox is ticked with Space, never sent with Enter.
document.addEventListener("keydown", function (event) {
  var box = event.target;
  if (event.key === "Enter" && box.matches && box.matches('input[type="checkbox"][form]')) event.preventDefault();
});

// Conditional reveal for radios: a radio with data-reveals="<id>" shows that
// element while it is checked. Without JavaScript the element is always shown.
document.addEventListener("change", function (event) {
  var radio = event.target;
  if (!radio.matches || !radio.matches('input[type="radio"]') || !radio.form) return;
  var group = radio.form.querySelectorAll('input[type="radio"][name="' + radio.name + '"][data-reveals]');
  group.forEach(function (input) {
    var target = document.getElementById(input.getAttribute("data-reveals"));
    if (target) target.toggleAttribute("data-hidden", !input.checked);
  });
});

// "Select all" for the sign-off queue: a checkbox with data-select-all="<form id>"
// ticks every checkbox that belongs to that form. Hidden without JavaScript.
function showSelectAll(root) {
  (root || document).querySelectorAll("[data-select-all]").forEach(function (box) {
    box.closest("[hidden]") && box.closest("[hidden]").removeAttribute("hidden");
  });
}
document.addEventListener("DOMContentLoaded", function () { showSelectAll(); });
document.addEventListener("htmx:load", function (event) { showSelectAll(event.target); });
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches) return;
  if (box.matches("[data-select-all]")) {
    var form = box.getAttribute("data-select-all");
    document.querySelectorAll('input[type="checkbox"][form="' + form + '"]').forEach(function (other) {
      other.checked = box.checked;
    });
    return;
  }
  // Unticking one row unticks "Select all"; ticking the last one ticks it.
  if (!box.matches('input[type="checkbox"][form]')) return;
  var all = document.querySelector('[data-select-all="' + box.getAttribute("form") + '"]');
  if (!all) return;
  var boxes = document.querySelectorAll('input[type="checkbox"][form="' + box.getAttribute("form") + '"]');
  all.checked = Array.prototype.every.call(boxes, function (b) { return b.checked; });
});

// "Approved — Undo" (an element marked data-undo-expires) stays a few seconds, then goes; never while
// focus or the pointer is on it. Without JavaScript it stays until the next page.
var UNDO_SECONDS = 10;
function expireUndo(root) {
  if (!root || !root.querySelectorAll) return;
  var found = Array.prototype.slice.call(root.querySelectorAll("[data-undo-expires]"));
  if (root.matches && root.matches("[data-undo-expires]")) found.push(root);
  found.forEach(function (el) {
    if (el.hasAttribute("data-undo-timer")) return;
    el.setAttribute("data-undo-timer", "");
    function go() {
      if (!document.contains(el)) return;
      if (el.contains(document.activeElement) || el.matches(":hover")) { window.setTimeout(go, 2000); return; }
      el.remove();
    }
    window.setTimeout(go, UNDO_SECONDS * 1000);
  });
}
document.addEventListener("DOMContentLoaded", function () { expireUndo(document); });
document.addEventListener("htmx:load", function (event) { expireUndo(event.target); });
