"""The holder's credential, from the candidate space to the verification page, in a real
Chromium (issue 19): the space offers the badge and LinkedIn; the downloaded file, uploaded
on « Vérifier un badge numérique » reached by links from the verification form, reads as
authentic; axe-core finds no WCAG 2.1 A/AA violation on either page.
``SCREENSHOT_DIR=...`` keeps a screenshot of each."""

from __future__ import annotations

import os
from pathlib import Path

from credentials.tests.test_credentials import issued, of_kind  # noqa: F401 - fixture
from deliberations.services import deliberation_publish
from reports.models import DocumentKind
from tests.browser import (
    BROWSER_MARKS,
    CHROMIUM,
    CHROMIUM_ARGS,
    axe_violations,
    session_cookie,
    sync_api,
)

pytestmark = BROWSER_MARKS


def test_the_holder_downloads_the_badge_and_anyone_verifies_it(
        live_server, request, client, charlie, tmp_path, settings):
    request.getfixturevalue("signing")
    signed = request.getfixturevalue("signed")
    documents = request.getfixturevalue("issued")
    deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    certificate = of_kind(documents, DocumentKind.CERTIFICATE)
    cookie = session_cookie(client, charlie)
    shots = os.environ.get("SCREENSHOT_DIR")
    from django.conf import settings as django_settings
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="fr-FR", accept_downloads=True)
            context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                                  "value": cookie, "url": live_server.url}])
            page = context.new_page()
            page.goto(f"{live_server.url}/")  # a candidate's home is their space
            page.wait_for_selector("#documents-heading")
            space_violations = axe_violations(page)
            if shots:
                page.screenshot(path=str(Path(shots) / "space-credential.png"), full_page=True)
            linkedin = page.get_by_role("listitem").filter(has_text="Certificat").get_by_role(
                "link", name="Ajouter à mon profil LinkedIn")
            linkedin_href = linkedin.get_attribute("href")
            with page.expect_download() as download:
                page.get_by_role("listitem").filter(has_text="Certificat").get_by_role(
                    "link", name="Badge numérique (Open Badges, JSON)").click()
            path = tmp_path / download.value.suggested_filename
            download.value.save_as(path)
            # Anyone: from the footer's verification form to the credential page.
            context.clear_cookies()
            page.goto(f"{live_server.url}/")
            page.get_by_role("contentinfo").get_by_role("link").last.click()
            page.get_by_role("link", name="Vérifiez le badge").click()
            form_violations = axe_violations(page)
            page.get_by_label("Ou le fichier du badge").set_input_files(str(path))
            page.get_by_label("Adresse électronique du titulaire (facultatif)").fill(
                "charlie@certif.example")
            page.get_by_role("button", name="Vérifier le badge").click()
            page.wait_for_selector("#result-title")
            result_violations = axe_violations(page)
            if shots:
                page.screenshot(path=str(Path(shots) / "verify-credential.png"),
                                full_page=True)
            text = page.inner_text("main")
        finally:
            browser.close()
    assert space_violations == []
    assert form_violations == []
    assert result_violations == []
    assert path.suffix == ".json"
    assert linkedin_href.startswith("https://www.linkedin.com/profile/add?")
    assert "Badge numérique authentique et valide" in text
    assert f"document n° {certificate.number}" in text
    assert "a été délivré au titulaire de l’adresse charlie@certif.example" in text
    assert f"Voir le document n° {certificate.number} dans le registre" in text
