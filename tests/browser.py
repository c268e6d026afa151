"""Shared plumbing of the browser tests: Debian's chromium driven by Playwright, logged in
with a Django session cookie, and axe-core's WCAG 2.1 A/AA checks.

A test module sets ``pytestmark = BROWSER_MARKS`` and imports what it needs from here.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

BROWSER_MARKS = [
    pytest.mark.browser,
    # CI installs chromium (.ci/run): there a missing browser is a failure, not a skip.
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason="needs Debian's chromium at /usr/bin/chromium (apt-get install "
                              "chromium)"),
    pytest.mark.django_db(transaction=True),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")
axe_package = pytest.importorskip("axe_playwright_python",
                                  reason="needs axe-playwright-python (bundles axe.min.js)")
AXE_JS = Path(axe_package.__file__).parent / "axe.min.js"


def session_cookie(client, user) -> str:
    """Logged in before the browser starts (no database access inside its event loop)."""
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def open_page(playwright, live_server, cookie, path):
    """A new browser on ``path`` with the session cookie; returns (browser, page)."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    context = browser.new_context()
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie,
                          "url": live_server.url}])
    page = context.new_page()
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None
    assert response.status == 200
    return browser, page


def axe_violations(page) -> list:
    # Evaluated by the driver, not injected as an inline <script> the page's Content
    # Security Policy would (rightly) refuse.
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    assert result["passes"], "axe checked nothing"
    return [(v["id"], v["help"], [node["html"] for node in v["nodes"]])
            for v in result["violations"]]


def page_violations(live_server, client, user, path) -> list:
    """Open ``path`` as ``user`` and return axe's violations."""
    cookie = session_cookie(client, user)
    with sync_api.sync_playwright() as playwright:
        browser, page = open_page(playwright, live_server, cookie, path)
        try:
            return axe_violations(page)
        finally:
            browser.close()
