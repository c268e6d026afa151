"""The page that checks an uploaded PDF in a real Chromium (issue 19): axe-core finds no
WCAG 2.1 A/AA violation on the form nor on the result, and a sealed document of the
register reads as authentic. ``SCREENSHOT_DIR=...`` keeps a screenshot of each."""

from __future__ import annotations

import os
from pathlib import Path

from django.urls import reverse

from reports.services import document_render
from reports.tests.test_seal import (  # noqa: F401 - fixtures
    certificate_of,
    certificate_pdf,
    file_bytes,
    issued,
    real_pdf,
    seal_file,
    sealing,
)
from tests.browser import BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, axe_violations, sync_api

pytestmark = BROWSER_MARKS


def test_an_uploaded_sealed_document_reads_as_authentic(live_server, request, tmp_path):
    for fixture in ("sealing", "real_pdf"):
        request.getfixturevalue(fixture)
    document = document_render(document_id=certificate_of(request.getfixturevalue("issued")).pk)
    path = tmp_path / "certificat.pdf"
    path.write_bytes(file_bytes(document))
    shots = os.environ.get("SCREENSHOT_DIR")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="fr-FR").new_page()
            page.goto(f"{live_server.url}{reverse('reports:verify_file')}")
            form_violations = axe_violations(page)
            page.get_by_label("Fichier PDF").set_input_files(str(path))
            page.get_by_role("button", name="Vérifier le fichier").click()
            page.wait_for_selector("#result-title")
            if shots:
                page.screenshot(path=str(Path(shots) / "verify-file.png"), full_page=True)
            result_violations = axe_violations(page)
            text = page.inner_text("main")
        finally:
            browser.close()
    assert form_violations == []
    assert result_violations == []
    assert "Document authentique et valide" in text
    assert f"exactement le document {document.number}" in text
