"""A real Chromium deliberates with the keyboard only (Tab, Shift+Tab, typing, Enter): on
the candidate's page, the president overrides a proposed level with a justification,
saves, then signs from the action bar through the confirmation page. The skip link is
the first stop, and every stop shows where the focus is. (The scoring grid has its own
keyboard test: juries/tests/test_grid_browser.py.)"""

from __future__ import annotations

from django.urls import reverse

from deliberations.models import CandidateDecision, CompetenceDecision, Deliberation
from deliberations.services import deliberation_propose
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from tests.browser import BROWSER_MARKS, open_page, session_cookie, sync_api

pytestmark = BROWSER_MARKS

FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {id: e.id, tag: e.tagName, classes: e.className, text: (e.textContent || "").trim(),
          form: e.form ? e.form.getAttribute("action") : "",
          visible: outline || style.boxShadow !== "none"};
}"""
JUSTIFICATION = "Écart relevé à l'oral, confirmé par le jury"


def tab_to(page, wanted, stops: list[dict], backwards: bool = False) -> dict:
    """Tab (or Shift+Tab) until ``wanted(focused)``; every stop is kept for the checks."""
    for _ in range(300):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUSED)
        stops.append(focused)
        if wanted(focused):
            return focused
    raise AssertionError(f"never reached; last stops: {stops[-5:]}")


def test_the_president_overrides_and_signs_with_the_keyboard_only(live_server, client,
                                                                   alice):
    setup = jury_setup()
    enrolment = enrol(setup)
    score_all(setup, enrolment, 1)
    deliberation_propose(session=setup.session, by=alice)
    competence = setup.competences[0]
    row = CompetenceDecision.objects.get(candidate_decision__enrolment=enrolment,
                                         competence=competence)
    cookie = session_cookie(client, setup.president.user)
    # The candidate's page (one candidate at a time), as the overview's link leads to.
    path = reverse("deliberations:deliberation_decision",
                   args=[setup.session.public_id, CandidateDecision.objects.get().public_id])
    stops: list[dict] = []
    with sync_api.sync_playwright() as playwright:
        browser, page = open_page(playwright, live_server, cookie, path)
        try:
            page.keyboard.press("Tab")
            first = page.evaluate(FOCUSED)
            stops.append(first)
            tab_to(page, lambda f: f["id"] == f"justification-{row.pk}", stops)
            tab_to(page, lambda f: f["id"] == f"final-{row.pk}", stops, backwards=True)
            page.keyboard.type("2")  # the select's type-ahead picks level 2
            page.keyboard.press("Tab")
            assert page.evaluate(FOCUSED)["id"] == f"justification-{row.pk}"
            page.keyboard.type(JUSTIFICATION)
            tab_to(page, lambda f: f["id"] == "save-decision", stops)
            with page.expect_navigation():
                page.keyboard.press("Enter")
            # The action bar's « Sign the minutes… », at the bottom of the page.
            tab_to(page, lambda f: f["tag"] == "BUTTON" and f["form"].endswith("/sign/"),
                   stops)
            with page.expect_navigation():
                page.keyboard.press("Enter")
            # The confirmation page says what signing does; its button signs.
            confirmation = page.content()
            tab_to(page, lambda f: f["tag"] == "BUTTON" and f["form"].endswith("/sign/"),
                   stops)
            with page.expect_navigation():
                page.keyboard.press("Enter")
            signed_page = page.content()
        finally:
            browser.close()
    assert "skip-link" in first["classes"]
    assert 'name="confirm" value="1"' in confirmation
    assert [stop for stop in stops if not stop["visible"]] == []
    row.refresh_from_db()
    assert (row.final_level, row.justification) == (2, JUSTIFICATION)
    assert Deliberation.objects.get(session=setup.session).is_signed, signed_page[:3000]
