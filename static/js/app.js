// The few lines of JavaScript SkillPass needs beyond htmx.
// After an htmx swap, move focus to the element the server marked with
// data-focus, so keyboard and screen-reader users land on the result.
document.addEventListener("htmx:afterSettle", function () {
  var target = document.querySelector("[data-focus]");
  if (!target) return;
  target.removeAttribute("data-focus");
  if (!/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName) && !target.hasAttribute("tabindex")) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
});
