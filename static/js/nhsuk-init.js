// The NHS.UK frontend ships as an ES module: initialise its components.
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

initAll();
