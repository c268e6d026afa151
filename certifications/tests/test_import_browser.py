"""An administrator imports a Word référentiel by clicking from the home page only: upload,
correct a compétence's wording in place in the preview (htmx), confirm, and read the result on
the référentiel's page — no typed URL, no Django admin. Then the editor's check as you type."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from django.utils import translation

from certifications.models import Competence
from certifications.selectors import referentiel_import_drafts
from certifications.services import referentiel_import_preview
from certifications.tests.test_import_document import SEED_001
from certifications.tests.test_import_unseen import word_from_plain_text
from certifications.views_editor import anchor
from demo.certifications import SEEDS_DIR
from tests.browser import BROWSER_MARKS, axe_violations, open_page, session_cookie, sync_api

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


def test_the_editor_checks_as_typed_and_corrects_activities(live_server, client, alice):
    """Seed 001 (activities A1.1 …): an activity corrected in place; a compétence's code
    checked while it is typed — the error appears next to the field, the field keeps its
    text and the focus, nothing is saved."""
    with translation.override("en"):
        row = referentiel_import_preview(file=io.BytesIO((SEEDS_DIR / SEED_001).read_bytes()),
                                         file_name="001.txt", created_by=alice)
    preview = reverse("certifications:import_preview", kwargs={"public_id": row.public_id})
    activity, competence = anchor(0, "activity", "A1.1"), anchor(0, "competence", "C1.1.1")
    cookie = session_cookie(client, alice)
    with sync_api.sync_playwright() as playwright:
        browser, page = open_page(playwright, live_server, cookie, preview)
        try:
            page.locator(f"#{activity} a").first.click()
            title = page.locator(f"#{activity} form [name=title]")
            title.wait_for()
            title.fill("Analyser les pratiques")
            page.locator(f"#{activity} form button[type=submit]").click()
            page.locator(f"#{activity}", has_text="Analyser les pratiques").wait_for()

            page.locator(f"#{competence} a[href*='/edit/competence/']").first.click()
            code = page.locator(f"#{competence}-code")
            code.wait_for()
            activities = page.locator(f"#{competence}-activity option").all_inner_texts()
            assert activities[1] == "A1.1 — Analyser les pratiques"
            assert activities[2].startswith("A1.2 — Identification de solution")
            assert len(activities) == 3  # « none », and its bloc's two activities only
            code.click()
            page.keyboard.press("End")
            page.keyboard.press("Backspace")
            page.keyboard.type("2")  # C1.1.2: another compétence's code
            error = page.locator(f"#{competence}-code_live .errorlist")
            error.wait_for()
            assert error.inner_text() in ("Another competence has this code.",
                                          "Une autre compétence a ce code.")
            assert page.evaluate("document.activeElement.id") == f"{competence}-code"
            assert code.input_value() == "C1.1.2"
            assert axe_violations(page) == []
            page.keyboard.press("Backspace")
            page.keyboard.type("9")  # C1.1.9 is free: the error goes
            error.wait_for(state="detached")
            assert code.input_value() == "C1.1.9"
            page.reload()
            assert page.locator(f"#{competence} strong").inner_text() == "C1.1.1"
        finally:
            browser.close()
    row.refresh_from_db()
    (draft,) = referentiel_import_drafts(referentiel_import=row)[:1]
    assert [(c.ref, c.code) for c in draft.blocs[0].competences][:2] == [
        ("C1.1.1", "C1.1.1"), ("C1.1.2", "C1.1.2")]
    assert draft.blocs[0].activities[0].title == "Analyser les pratiques"
