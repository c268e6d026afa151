"""The pre-declaration report in Chromium, in French: axe finds nothing on it. With
SCREENSHOTS=<folder>, a screenshot is saved there (to look at; never into the repository)."""

from __future__ import annotations

import os
from pathlib import Path

from django.urls import reverse

from candidates.tests.factories import SessionFactory
from reports.tests.cdc_helpers import configure
from reports.tests.test_cdc_precheck import enrol
from tests.browser import BROWSER_MARKS, axe_violations, open_page, session_cookie, sync_api

pytestmark = BROWSER_MARKS

SHOTS = os.environ.get("SCREENSHOTS", "")


def test_the_report_reads_in_french_and_passes_axe(live_server, client, alice):
    session = SessionFactory(name="Promotion printemps 2027")
    configure(session.referentiel.certification, cdc_contract_id="")
    enrol(session)
    enrol(session, birth_name="Roux", first_names="Anne", sex="", birth_insee_code="")
    enrol(session, birth_name="Morel", first_names="Luc Paul Jean Marie",
          birth_commune="Rennes")
    enrol(session, birth_name="Benali", first_names="Karim", sex="M", birth_commune="Alger",
          birth_insee_code="99352", birth_country="Algérie")
    cookie = session_cookie(client, alice)
    url = reverse("reports:cdc_precheck", args=[session.public_id])
    with sync_api.sync_playwright() as playwright:
        browser, page = open_page(playwright, live_server, cookie, url)
        try:
            page.select_option("#language-select", "fr")
            page.locator(".language-switcher button").click()
            page.wait_for_load_state()
            text = page.content()
            assert "1 candidat à compléter avant la déclaration." in text
            assert "Le sexe manque." in text
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(SHOTS) / "cdc-precheck-fr.png"), full_page=True)
            assert axe_violations(page) == []
            # The session page says it from the enrolment stage, and links the report.
            page.goto(live_server.url + reverse("candidates:session_detail",
                                                args=[session.public_id]))
            hub = page.content()
            assert "1 candidat à compléter avant la déclaration à la Caisse des Dépôts." in hub
            assert "(idContrat)" in hub  # the certification's problem, before signing too
            if SHOTS:
                page.screenshot(path=str(Path(SHOTS) / "session-hub-fr.png"), full_page=True)
            page.click(f"#stage-enrolment a[href='{url}']")
            page.wait_for_load_state()
            assert page.url.endswith(url)
        finally:
            browser.close()
