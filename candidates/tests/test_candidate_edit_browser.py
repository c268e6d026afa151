"""An administrator corrects a candidate's birthplace on the identity page: types a few
letters of the commune, picks Nantes among the suggestions with the keyboard (the INSEE
code fills itself), saves, and reads it on the enrolment's page — axe finds nothing on
the pages. With SCREENSHOTS=<folder>, screenshots in French and English are saved there
(to look at the pages; never into the repository)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from django.urls import reverse

from candidates.models import Candidate
from candidates.tests.factories import CandidateFactory, EnrolmentFactory
from tests.browser import BROWSER_MARKS, axe_violations, open_page, session_cookie, sync_api

pytestmark = BROWSER_MARKS

SHOTS = os.environ.get("SCREENSHOTS", "")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_a_commune_is_picked_from_the_suggestions_by_keyboard(live_server, client, alice):
    enrolment = EnrolmentFactory(
        candidate=CandidateFactory(birth_name="Martin", first_names="Léa",
                                   birth_date=datetime.date(1990, 5, 4),
                                   birth_commune="Nante", birth_insee_code=""),
        extra_time_percent=33, jury_note="Pause toutes les heures")
    kwargs = {"public_id": enrolment.session.public_id, "enrolment_id": enrolment.public_id}
    detail = reverse("candidates:enrolment_detail", kwargs=kwargs)
    cookie = session_cookie(client, alice)
    with sync_api.sync_playwright() as playwright:
        browser, page = open_page(playwright, live_server, cookie, detail)
        try:
            page.select_option("#language-select", "fr")
            page.locator(".language-switcher button").click()
            page.wait_for_load_state()
            assert "Identité, telle que les documents l’impriment" in page.content()
            _shot(page, "detail-fr")
            assert axe_violations(page) == []
            edit = reverse("candidates:candidate_identity_edit", kwargs=kwargs)
            page.click(f"#main a[href='{edit}']")
            commune = page.locator("#id_birth_commune")
            commune.wait_for()
            commune.fill("")
            commune.press_sequentially("nant", delay=40)
            listbox = page.locator("#id_birth_commune-listbox")
            listbox.locator("[data-code='44109']").wait_for()
            assert commune.get_attribute("aria-expanded") == "true"
            _shot(page, "identity-suggestions-fr")
            assert "propositions" in page.locator("#id_birth_commune-listbox-status").inner_text()
            assert axe_violations(page) == []
            options = listbox.locator("[role=option]")
            index = [options.nth(i).get_attribute("data-code")
                     for i in range(options.count())].index("44109")
            for _ in range(index + 1):
                commune.press("ArrowDown")
            assert commune.get_attribute("aria-activedescendant") == \
                options.nth(index).get_attribute("id")
            commune.press("Enter")
            assert commune.input_value() == "Nantes"
            assert page.locator("#id_birth_insee_code").input_value() == "44109"
            assert commune.get_attribute("aria-expanded") == "false"
            page.locator("#main form button[type=submit]").click()
            page.wait_for_url(f"{live_server.url}{detail}")
            body = page.locator("#main").inner_text()
            assert "Nantes" in body
            assert "44109" in body

            # English, with an error kept next to its field.
            page.select_option("#language-select", "en")
            page.locator(".language-switcher button").click()
            page.wait_for_load_state()
            _shot(page, "detail-en")
            page.goto(f"{live_server.url}"
                      f"{reverse('candidates:candidate_identity_edit', kwargs=kwargs)}")
            page.fill("#id_birth_insee_code", "44190")
            page.locator("#main form button[type=submit]").click()
            page.locator(".error-summary").wait_for()
            assert "Did you mean Nantes (44109)?" in page.locator("#main").inner_text()
            _shot(page, "identity-error-en")
            assert axe_violations(page) == []
            for name in ("enrolment_edit", "enrolment_withdraw"):
                page.goto(f"{live_server.url}{reverse(f'candidates:{name}', kwargs=kwargs)}")
                _shot(page, f"{name}-en")
                assert axe_violations(page) == []
        finally:
            browser.close()
    candidate = Candidate.objects.get(pk=enrolment.candidate_id)
    assert (candidate.birth_commune, candidate.birth_insee_code) == ("Nantes", "44109")
