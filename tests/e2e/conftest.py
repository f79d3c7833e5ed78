"""Real-browser fixtures: the app served on loopback, Debian's Chromium driven by Playwright.

Nothing here skips: without /usr/bin/chromium the browser tests fail, as CI must.
CSRF protection stays on.
"""
from __future__ import annotations

import functools
import json
import os
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from skillpass.config import ROOT

CHROMIUM = os.environ.get("SKILLPASS_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run 'make system-deps' (browser tests never skip)")
    scratch = tempfile.mkdtemp(prefix="skillpass-chromium-")
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "TMPDIR"):
        os.environ[var] = scratch
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Anything the Content Security Policy refuses (an inline script or style) fails the test.
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield page
    context.close()
    assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


def sign_out(page):
    """Sign out and wait for the sign-in page: a navigation started before the
    sign-out POST has answered would cancel it, leaving the old person signed in."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to SkillPass")).to_be_visible()


def sign_in(page, base_url, email, password):
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Wait until the browser has left the sign-in page, so the next step acts as this person.
    page.wait_for_url(lambda url: "/sign-in" not in url)
    page.wait_for_load_state("networkidle")


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA, and best practice) on the page as it is now."""
    if not AXE.exists():
        pytest.fail("axe-core is missing from node_modules: run 'make setup'")
    # Evaluated through the DevTools protocol, not as a <script> tag: the app's
    # Content Security Policy (rightly) refuses inline scripts.
    page.evaluate(_axe_source())
    result = page.evaluate(
        """async () => await axe.run(document, {resultTypes: ['violations']})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def assert_no_axe_violations(page):
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)


# What a person must be able to see and reach on a phone: nothing cut at the screen's edge, no label or
# message ending in "…". A table that says it scrolls (.app-table-wrap, labelled) may hold wider content.
_OUTSIDE_VIEWPORT = """(scope) => {
  const root = scope ? document.querySelector(scope) : document.body;
  if (!root) return ["no element matches " + scope];
  const width = document.documentElement.clientWidth;
  const wanted = "label, legend, input:not([type=hidden]), select, textarea, button, .nhsuk-button, "
    + ".nhsuk-error-message, .nhsuk-error-summary, .nhsuk-hint, summary, h1, h2, h3, a";
  const problems = [];
  for (const el of root.querySelectorAll(wanted)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;           // not shown (closed details, hidden)
    if (el.closest(".nhsuk-u-visually-hidden, [hidden]")) continue;
    // Inside a closed <details> (its summary aside): Chromium keeps its boxes but shows nothing of it.
    const closed = el.closest("details:not([open])");
    if (closed && !(el.tagName === "SUMMARY" && el.parentElement === closed) && !el.closest("summary")) continue;
    if (box.width <= 1 && box.height <= 1) continue;            // visually hidden until focused (the skip link)
    if (el.closest("[data-scrolls]")) continue;                   // inside a table that says it scrolls
    const name = (el.innerText || el.value || el.getAttribute("aria-label") || el.id || el.tagName).trim().slice(0, 60);
    if (box.left < -0.5 || box.right > width + 0.5) {
      problems.push(`${el.tagName.toLowerCase()} "${name}" lies outside the screen (${Math.round(box.left)}–${Math.round(box.right)} of ${width}px)`);
      continue;
    }
    const style = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && (style.overflow === "hidden" || style.textOverflow === "ellipsis")
        && !/^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) {
      problems.push(`${el.tagName.toLowerCase()} "${name}" is cut short`);
    }
  }
  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth}px wide on a ${width}px screen)`);
  }
  return problems;
}"""


def outside_viewport(page, scope: str | None = None) -> list[str]:
    """Every visible label, field, hint, error, button and link under `scope` (a CSS selector; the whole page
    by default) that lies outside the screen or is cut short, in words a failing test can print."""
    return page.evaluate(_OUTSIDE_VIEWPORT, scope)


def resize(page, width: int, height: int = 800):
    """Turn the screen to *width* on a page already open, and wait until the page has reflowed to it (the NHS.UK
    header lays its menu out again on a resize, a moment later): what a person sees once it settles. A page
    that stays wider than the screen is left for assert_inside_viewport to report."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.set_viewport_size({"width": width, "height": height})
    try:
        page.wait_for_function("w => window.innerWidth === w && document.documentElement.scrollWidth <= w",
                               arg=width, timeout=10_000)
    except PlaywrightTimeout:
        pass


def assert_inside_viewport(page, scope: str | None = None):
    """Nothing under *scope* outside the screen or cut short, once the page has settled: a page that has just
    been drawn, or swapped in by htmx, may be laid out again a moment later (the NHS.UK header does so), so the
    page is first given a few seconds to fit the screen; one that never does is reported as it stands."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth",
                               timeout=5_000)
    except PlaywrightTimeout:
        pass
    problems = outside_viewport(page, scope)
    assert problems == [], "\n".join(problems)


SCREENSHOTS = ROOT / "docs" / "screenshots"


def screenshot(page, name: str):
    """Save what the page shows now as docs/screenshots/<name>.png, for the README. Taken by the browser
    tests so the pictures always show the app as it is; written only when SKILLPASS_SCREENSHOTS=1
    (make screenshots), so an ordinary test run leaves the working tree clean."""
    if os.environ.get("SKILLPASS_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret would inject a style, which the Content Security Policy refuses.
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False, caret="initial")
