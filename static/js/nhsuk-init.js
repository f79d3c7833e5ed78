// The NHS.UK frontend ships as an ES module: initialise its components on the
// page, and again inside whatever htmx swaps in (conditional radios, error summaries).
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

initAll();

document.addEventListener("htmx:load", function (event) {
  var element = event.detail.elt;
  if (element && element !== document.body) {
    initAll({ scope: element });
  }
});
