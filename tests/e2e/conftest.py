"""Browser tests: Playwright drives Debian's Chromium against live_server.

Every page a test visits is checked with axe-core (serious or critical violations fail the test)
and watched for Content-Security-Policy violations. A failing test leaves a screenshot in
test-artifacts/.
"""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}
# Moderate in axe's scale, blocking here: two landmarks with one name leave a screen reader's
# list of regions ambiguous.
BLOCKING_RULES = {"landmark-unique"}
PHONE_WIDTH = 390
# What sticks out past a phone's edge, to say in the failure which element to fix.
WIDEST_ELEMENTS = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter((e) => !e.closest(".table-scroll") || e.classList.contains("table-scroll"))
  .slice(0, 5)
  .map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
    + " " + Math.round(e.getBoundingClientRect().right) + "px")"""
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def browser():
    # Playwright's sync API runs an event loop in the test thread, where Django's ORM would
    # refuse to run. Allowed for the browser tests only (their own set-up and checks).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


class CheckedPage:
    """A Playwright page whose every visited page is checked for accessibility and CSP."""

    def __init__(self, page):
        self.page = page
        self.csp_violations: list[str] = []
        self.checked_urls: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message):
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def check(self):
        """Run axe-core on the current page; call after every navigation."""
        self.page.wait_for_load_state("load")
        results = AXE.run(self.page)
        blocking = [
            v
            for v in results.response["violations"]
            if v["impact"] in BLOCKING_IMPACTS or v["id"] in BLOCKING_RULES
        ]
        report = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
            for v in blocking
        )
        assert not blocking, f"Accessibility violations on {self.page.url}:\n{report}"
        assert not self.csp_violations, f"CSP violations: {self.csp_violations}"
        self.checked_urls.append(self.page.url)
        self._fits_a_phone()
        if SCREENSHOTS:  # E2E_SCREENSHOTS=folder keeps a picture of every checked page
            self._screenshot("desktop")

    def _screenshot(self, size: str):
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        name = f"{len(self.checked_urls):02d}-" + re.sub(r"[^\w]+", "_", self.page.url)[-60:]
        # caret="initial": Playwright's default hides the caret with an inline style, which
        # the CSP rightly blocks and which would be reported as the app's violation.
        path = f"{SCREENSHOTS}/{name}-{size}.png"
        self.page.screenshot(path=path, full_page=True, caret="initial")

    def _fits_a_phone(self):
        """No page is wider than a 390 px phone: it is laid out again at that width (tables
        become cards, the menu folds) and must not scroll sideways; then back to desktop."""
        desktop = self.page.viewport_size
        self.page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
        try:
            width = self.page.evaluate("document.documentElement.scrollWidth")
            wide = self.page.evaluate(WIDEST_ELEMENTS) if width > PHONE_WIDTH else []
            if SCREENSHOTS:
                self._screenshot("phone")
        finally:
            self.page.set_viewport_size(desktop)
        assert width <= PHONE_WIDTH, (
            f"{self.page.url} is {width} px wide on a {PHONE_WIDTH} px phone: {wide}"
        )

    def goto(self, url: str):
        self.page.goto(url)
        self.check()


@pytest.fixture
def page(browser, request, live_server, transactional_db):
    cache.clear()  # rate-limit counters from earlier tests must not carry over
    context = browser.new_context(timezone_id="America/Chicago", locale="en-GB")
    context.set_default_timeout(10_000)
    checked = CheckedPage(context.new_page())
    yield checked
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        checked.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
