// "Copy the address" on the calendar page: shown only where JavaScript runs; without it the address is
// there to select and copy by hand.
(function () {
  "use strict";

  function reveal() {
    document.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
  }

  function said(words) {
    var status = document.getElementById("calendar-copied");
    if (status) status.textContent = words;
  }

  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) return;
    input.select();
    var fallback = function () {
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      said(copied ? "Address copied." : "Press Ctrl+C (or Cmd+C) to copy the selected address.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { said("Address copied."); }, fallback);
    } else {
      fallback();
    }
  });
})();
