"""A real Chromium on the deliberation, one candidate at a time (issue 18): ticking an
extra requirement changes « Proposé : … » without reloading the page (htmx asks the
rules), the action bar stays in view whatever the scroll, and axe-core finds no WCAG 2.1
A/AA violation on the overview and on a candidate's page, before and after the swap."""

import pytest
from django.urls import reverse

from certifications.models import Requirement
from deliberations.models import CandidateDecision
from deliberations.services import deliberation_propose
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from tests.browser import BROWSER_MARKS, axe_violations, open_page, session_cookie, sync_api

pytestmark = BROWSER_MARKS
IDLE = "() => window.htmx !== undefined && !document.querySelector('.htmx-request')"


@pytest.fixture
def setup(alice):
    setup = jury_setup()
    for name in ("ARNAUD", "BERNARD", "CHARPENTIER"):
        score_all(setup, enrol(setup, candidate__birth_name=name), 2)
    deliberation_propose(session=setup.session, by=alice)
    return setup


def in_view(page, selector: str) -> bool:
    return page.evaluate("""selector => {
      const box = document.querySelector(selector).getBoundingClientRect();
      return box.top >= 0 && box.bottom <= window.innerHeight + 1;
    }""", selector)


def test_ticking_a_requirement_changes_the_proposal_without_reloading(live_server, client,
                                                                       setup):
    decision = CandidateDecision.objects.get(enrolment__candidate__birth_name="ARNAUD")
    requirement = Requirement.objects.get()
    cookie = session_cookie(client, setup.president.user)
    path = reverse("deliberations:deliberation_decision",
                   args=[setup.session.public_id, decision.public_id])
    overview = reverse("deliberations:deliberation", args=[setup.session.public_id])
    with sync_api.sync_playwright() as playwright:
        browser, page = open_page(playwright, live_server, cookie, path)
        try:
            page.wait_for_function(IDLE)
            proposal = f"#proposal-{decision.pk}"
            before = page.inner_text(proposal)
            assert axe_violations(page) == []
            page.evaluate("""() => {
              window.notReloaded = true;
              window.cspViolations = [];
              document.addEventListener("securitypolicyviolation",
                                        e => window.cspViolations.push(e.violatedDirective));
            }""")
            page.fill(f"#requirement-justification-{decision.pk}-{requirement.pk}",
                      "Attestation de l'employeur")
            page.check(f"#requirement-{decision.pk}-{requirement.pk}")
            page.wait_for_function(
                "([selector, before]) => document.querySelector(selector).innerText !== before",
                arg=[proposal, before])
            page.wait_for_function(IDLE)
            after = page.inner_text(proposal)
            announced = page.text_content(f"#proposal-announce-{decision.pk}")
            still = page.evaluate("() => window.notReloaded === true")
            csp = page.evaluate("() => window.cspViolations")
            outcome = page.input_value(f"#outcome-{decision.pk}")
            swapped = axe_violations(page)
            # The action bar: at the bottom of the window at the top of the page.
            page.evaluate("() => window.scrollTo(0, 0)")
            bar_in_view = in_view(page, ".deliberation-actions")
            page.goto(f"{live_server.url}{overview}")
            overview_violations = axe_violations(page)
            overview_bar = in_view(page, ".deliberation-actions")
        finally:
            browser.close()
    # Chromium asks for English: « Proposed : partial success » → « full success ».
    assert "partial success" in before
    assert "full success" in after, after
    assert "full success" in announced  # the live region screen readers hear
    assert still
    assert csp == []  # htmx swaps under the Content Security Policy
    assert outcome == "full_success"
    assert swapped == []
    assert bar_in_view
    assert overview_violations == []
    assert overview_bar
    decision.refresh_from_db()
    assert decision.proposed_outcome == "partial_success"  # previewed, not saved
