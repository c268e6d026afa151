"""The public verification pages in a real Chromium (issue 18): axe-core finds no WCAG 2.1
A/AA violation on the form, the unknown-code page and a revoked document's page, and the
form is used with the keyboard only: type the code as printed, press Enter, read the
result. ``SCREENSHOT_DIR=...`` keeps a screenshot of each page (for a human to look at)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from reports.models import Document, DocumentKind
from reports.services import document_render, document_revoke, documents_issue_for_deliberation
from reports.tests.test_cdc_revoked import two_holders  # noqa: F401 - fixture
from tests.browser import (
    BROWSER_MARKS,
    CHROMIUM,
    CHROMIUM_ARGS,
    axe_violations,
    open_page,
    session_cookie,
    sync_api,
)

pytestmark = BROWSER_MARKS


@pytest.fixture
def revoked(signed, enqueued, rendered, alice) -> Document:
    documents = documents_issue_for_deliberation(deliberation=signed.deliberation)
    document = next(d for d in documents if d.kind == DocumentKind.CERTIFICATE)
    document = document_render(document_id=document.pk)
    return document_revoke(document=document, by=alice, reason="Fraude : mémoire plagié",
                           public_reason="Document retiré par le certificateur")


def visit(live_server, paths: dict[str, str]) -> dict[str, tuple[int, list, str]]:
    """Each path as an anonymous French visitor: (status, axe violations, main text)."""
    seen = {}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="fr-FR").new_page()
            for name, path in paths.items():
                response = page.goto(f"{live_server.url}{path}")
                if os.environ.get("SCREENSHOT_DIR"):
                    page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / f"{name}.png"),
                                    full_page=True)
                seen[name] = (response.status, axe_violations(page),
                              page.inner_text("main"))
        finally:
            browser.close()
    return seen


def test_the_verification_pages_have_no_violation(live_server, revoked):
    seen = visit(live_server, {
        "verify-form": reverse("reports:verify_form"),
        "verify-malformed": reverse("reports:verify_form") + "?code=abcd-0000",
        "verify-unknown": reverse("reports:verify", args=["ABCDEFGHJKMN"]),
        "verify-revoked": reverse("reports:verify", args=[revoked.verification_code]),
    })
    assert {name: (status, found) for name, (status, found, _text) in seen.items()} == {
        "verify-form": (200, []), "verify-malformed": (200, []),
        "verify-unknown": (404, []), "verify-revoked": (200, [])}
    assert "Aucun document ne correspond au code ABCDEFGHJKMN." in seen["verify-unknown"][2]
    assert "Document retiré par le certificateur" in seen["verify-revoked"][2]
    assert "Fraude" not in seen["verify-revoked"][2]


def test_the_form_works_with_the_keyboard_alone(live_server, revoked):
    code = revoked.verification_code
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="fr-FR").new_page()
            page.goto(f"{live_server.url}/")  # the login page: the footer links the form
            page.get_by_role("link", name="Vérifier un document").click()
            page.get_by_label("Code de vérification").focus()
            page.keyboard.type(f"{code[:4].lower()} {code[4:8]}-{code[8:]}")
            page.keyboard.press("Enter")
            page.wait_for_url(f"**/verify/{code}/")
            text = page.inner_text("main")
        finally:
            browser.close()
    assert "Document révoqué" in text
    assert revoked.number in text


def test_the_dashboard_lists_the_holders_left_out_without_violation(live_server, client,
                                                                    alice, request):
    signed = request.getfixturevalue("two_holders")
    certificate = Document.objects.get(enrolment=signed.charlie,
                                       kind=DocumentKind.CERTIFICATE)
    document_revoke(document=certificate, by=alice, reason="Fraude : mémoire plagié")
    cookie = session_cookie(client, alice)
    path = reverse("candidates:session_dashboard", args=[signed.setup.session.public_id])
    with sync_api.sync_playwright() as playwright:
        browser, page = open_page(playwright, live_server, cookie, path)
        try:
            if os.environ.get("SCREENSHOT_DIR"):
                page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / "dashboard.png"))
            found = axe_violations(page)
            text = page.inner_text(".cdc-declaration")
        finally:
            browser.close()
    assert found == []
    assert "1 holder left out: certificate revoked" in text  # alice reads English
    assert signed.charlie.candidate.legal_name in text
