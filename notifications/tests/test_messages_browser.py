"""The messages page in a real browser, French and English: no WCAG 2.1 A/AA violation,
the table fits the screen. ``SCREENSHOTS_DIR`` keeps a screenshot of each."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from notifications.models import Message, MessageKind, MessageStatus
from notifications.services import convocations_send, message_send
from notifications.tests.conftest import convocation_setup
from tests.browser import BROWSER_MARKS, axe_violations, open_page, session_cookie, sync_api

pytestmark = BROWSER_MARKS


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_messages_page_reads_well_in_a_browser(live_server, client, alice, language):
    setup = convocation_setup("fr")
    convocation_setup("en", session=setup.assessment.session)
    convocations_send(assessment=setup.assessment, by=alice)
    for pk in Message.objects.values_list("pk", flat=True):
        message_send(message_id=pk)
    Message.objects.create(session=setup.assessment.session, kind=MessageKind.RESULTS_PUBLISHED,
                           recipient_email="xavier.long-address@certif.example",
                           recipient_name="Xavier LAMBERT", language="fr",
                           status=MessageStatus.FAILED,
                           error="SMTPRecipientsRefused: {'x@y': (550, b'Mailbox unavailable')}")
    cookie = session_cookie(client, alice)
    message = Message.objects.filter(kind=MessageKind.CONVOCATION).first()
    paths = {
        "messages": reverse("notifications:session_messages",
                            args=[setup.assessment.session.public_id]),
        "detail": reverse("notifications:message_detail",
                          args=[setup.assessment.session.public_id, message.public_id]),
    }
    shots = os.environ.get("SCREENSHOTS_DIR")
    with sync_api.sync_playwright() as playwright:
        for name, path in paths.items():
            browser, page = open_page(playwright, live_server, cookie, path)
            try:
                page.context.add_cookies([{"name": "django_language", "value": language,
                                           "url": live_server.url}])
                page.reload()
                assert page.locator("h1").count() == 1
                assert axe_violations(page) == []
                assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
                    "window.innerWidth")
                if shots:
                    Path(shots).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=f"{shots}/{name}-{language}.png", full_page=True)
            finally:
                browser.close()
