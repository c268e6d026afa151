"""An administrator imports a Word référentiel by clicking from the home page only: upload,
correct a compétence's wording in place in the preview (htmx), confirm, and read the result on
the référentiel's page — no typed URL, no Django admin."""

from __future__ import annotations

import re

from django.urls import reverse

from certifications.models import Competence
from certifications.tests.test_import_unseen import word_from_plain_text
from tests.browser import BROWSER_MARKS, open_page, session_cookie, sync_api

pytestmark = BROWSER_MARKS

CORRECTED = "Conduire un entretien d'accueil en posture d'écoute active"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_word_referentiel_is_imported_corrected_and_read_from_the_pages(live_server, client,
                                                                          alice):
    document = word_from_plain_text("c_plain.txt")
    cookie = session_cookie(client, alice)
    with sync_api.sync_playwright() as playwright:
        browser, page = open_page(playwright, live_server, cookie, reverse("home"))
        try:
            page.click(f"header a[href='{reverse('certifications:referentiel_list')}']")
            page.click(f"#main a[href='{reverse('certifications:import_upload')}']")
            page.set_input_files("input[type=file]", files=[
                {"name": "accompagnement.docx", "mimeType": DOCX, "buffer": document}])
            page.locator("#main form button[type=submit]").first.click()
            page.wait_for_url(re.compile(r"/import/[0-9a-f-]+/$"))
            body = page.locator("#main").inner_text()
            assert "Chargé d'accompagnement social et professionnel" in body
            assert "Mobiliser les partenaires du territoire" in body

            # Correct compétence 1.1 in place: the form opens inside the tree (htmx).
            edit = page.locator("a[href*='/edit/competence/'][href*='ref=1.1']").first
            edit.click()
            title = page.locator("form [name=title]").first
            title.wait_for()
            assert page.url.endswith("/")  # still the preview: the form came in place
            title.fill(CORRECTED)
            page.locator("form:has([name=title]) button[type=submit]").first.click()
            page.locator(f"text={CORRECTED}").first.wait_for()
            page.reload()  # the correction is kept with the upload
            assert CORRECTED in page.locator("#main").inner_text()

            page.locator("form[action$='/confirm/'] button[type=submit]").first.click()
            page.wait_for_url(re.compile(r"/result/$"))
            page.locator("#main table a").first.click()
            page.wait_for_url(re.compile(r"/referentiels/[0-9a-f-]+/$"))
            body = page.locator("#main").inner_text()
            assert CORRECTED in body
            assert "RNCP36123BC02" in body
            assert "/admin/certifications/" not in page.content()
        finally:
            browser.close()
    assert Competence.objects.get(code="1.1").title == CORRECTED
