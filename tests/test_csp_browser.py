"""A real Chromium loads the main pages under the Content Security Policy and reports no
violation: no inline script, no inline style, nothing from elsewhere (htmx included, its
indicator <style> turned off and its swaps exercised)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from candidates.tests.factories import SessionFactory, make_referentiel
from juries.tests.factories import AssessmentFactory, MemberFactory, SittingFactory, assign
from reports.models import DocumentKind
from reports.services import document_render, documents_issue_for_deliberation
from reports.tests.conftest import enqueued, rendered, signed  # noqa: F401 - fixtures
from tests.browser import BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, session_cookie, sync_api

pytestmark = BROWSER_MARKS

# Collects every violation the page reports, from the very first byte of each document.
COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} `
    + `(${event.sourceFile || "page"}:${event.lineNumber})`);
});
"""
IDLE = "() => !document.querySelector('.htmx-request')"


class Visit:
    """One browser; ``open`` visits a path (logged in or not) and returns the page."""

    def __init__(self, playwright, live_server) -> None:
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                  args=CHROMIUM_ARGS)
        self.live_server = live_server
        self.console: list[str] = []

    def open(self, path: str, cookie: str | None = None):
        context = self.browser.new_context()
        if cookie:
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie,
                                  "url": self.live_server.url}])
        context.add_init_script(COLLECT)
        page = context.new_page()
        page.on("console", lambda message: self.console.append(message.text)
                if message.type == "error" else None)
        response = page.goto(f"{self.live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        return page

    def violations(self, page) -> list[str]:
        page.wait_for_timeout(100)  # the events are dispatched after the blocked action
        found = page.evaluate("() => window.__cspViolations")
        return [*found, *(text for text in self.console if "Content Security Policy" in text)]


@contextmanager
def browse(live_server) -> Iterator[Visit]:
    """Started after every database access of the test (none inside the browser's loop)."""
    with sync_api.sync_playwright() as playwright:
        visitor = Visit(playwright, live_server)
        try:
            yield visitor
        finally:
            visitor.browser.close()


@pytest.fixture
def sitting(bob):
    session = SessionFactory(referentiel=make_referentiel(blocs=2, competences=2))
    sitting = SittingFactory(assessment=AssessmentFactory(session=session))
    assign(sitting, MemberFactory(user=bob))
    return sitting


@pytest.fixture
def issued(signed, enqueued, rendered):  # noqa: F811 - fixtures imported above
    """The signed session's results published and charlie's bloc attestation issued."""
    session = signed.setup.session
    session.results_published_at = timezone.now()
    session.save(update_fields=["results_published_at"])
    documents = documents_issue_for_deliberation(deliberation=signed.deliberation)
    attestation = next(d for d in documents if d.kind == DocumentKind.BLOC_ATTESTATION
                       and d.enrolment_id == signed.charlie.pk)
    return document_render(document_id=attestation.pk)


def test_the_detector_sees_an_inline_style(live_server):
    with browse(live_server) as visit:
        page = visit.open(reverse("account_login"))
        page.evaluate("() => document.head.insertAdjacentHTML('beforeend', '<style>p{}</style>')")
        found = visit.violations(page)
    assert any("style-src" in violation for violation in found)


def test_the_login_page_has_no_violation(live_server):
    with browse(live_server) as visit:
        page = visit.open(reverse("account_login"))
        page.keyboard.press("Tab")  # the skip link shows on focus (CSS only)
        assert visit.violations(page) == []


def test_the_scoring_grid_has_no_violation_while_htmx_saves(live_server, client, bob,
                                                             sitting):
    competence = sitting.assessment.modality.competences.first()
    cookie, path = session_cookie(client, bob), reverse("juries:grid", args=[sitting.public_id])
    with browse(live_server) as visit:
        page = visit.open(path, cookie)
        page.wait_for_function("() => window.htmx !== undefined")
        assert page.evaluate("() => document.querySelectorAll('style').length") == 0
        page.click(f"#cell-c{competence.pk}-level-2")  # saved: its status region is swapped
        page.wait_for_function(IDLE)
        page.click(f"#cell-c{competence.pk}-level-3")  # refused without a comment: the
        page.wait_for_function(IDLE)                   # whole cell is swapped, explained
        page.wait_for_selector(f"#cell-c{competence.pk}-comment[aria-invalid='true']")
        assert visit.violations(page) == []


def test_the_deliberation_page_has_no_violation(live_server, client, signed):  # noqa: F811
    cookie = session_cookie(client, signed.setup.president.user)
    path = reverse("deliberations:deliberation", args=[signed.setup.session.public_id])
    with browse(live_server) as visit:
        page = visit.open(path, cookie)
        assert visit.violations(page) == []


def test_the_candidate_space_has_no_violation(live_server, client, charlie, issued):
    cookie = session_cookie(client, charlie)
    with browse(live_server) as visit:
        page = visit.open(reverse("candidates:space"), cookie)
        assert visit.violations(page) == []


def test_the_session_documents_page_has_no_violation(live_server, client, alice, issued):
    cookie = session_cookie(client, alice)
    path = reverse("reports:session_documents", args=[issued.session.public_id])
    with browse(live_server) as visit:
        page = visit.open(path, cookie)
        page.wait_for_function("() => window.htmx !== undefined")
        assert page.evaluate("() => document.querySelectorAll('style').length") == 0
        assert visit.violations(page) == []


def test_the_verification_page_has_no_violation(live_server, issued):
    path = reverse("reports:verify", args=[issued.verification_code])
    with browse(live_server) as visit:
        page = visit.open(path)
        assert visit.violations(page) == []


def test_the_api_documentation_has_no_violation(live_server, client, alice):
    cookie = session_cookie(client, alice)
    with browse(live_server) as visit:
        page = visit.open(reverse("api_docs"), cookie)
        page.wait_for_selector(".swagger-ui .opblock")  # the schema was fetched and drawn
        assert visit.violations(page) == []


@pytest.mark.parametrize("url_name", ["admin:index", "admin:accounts_user_changelist",
                                      "admin:accounts_user_add"])
def test_the_django_admin_has_no_violation(live_server, client, alice, url_name):
    cookie = session_cookie(client, alice)
    with browse(live_server) as visit:
        page = visit.open(reverse(url_name), cookie)
        assert visit.violations(page) == []
