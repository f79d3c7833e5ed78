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
