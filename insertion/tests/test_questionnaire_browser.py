"""The questionnaire in a real browser, without login: axe-core finds no WCAG 2.1 A/AA
violation, in French and in English, empty, with its errors, and once answered."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from insertion.links import survey_token
from insertion.services import survey_open
from insertion.tests.helpers import FULL, decided_session
from tests.browser import BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, axe_violations, sync_api

pytestmark = BROWSER_MARKS


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_questionnaire_has_no_accessibility_violation(live_server, language):
    (holder,) = decided_session(datetime.date(2026, 6, 15), [FULL])
    survey = survey_open(enrolment_id=holder.pk, wave=6, decided_on=datetime.date(2026, 6, 15))
    url = live_server.url + reverse("insertion:questionnaire",
                                    args=[survey_token(survey.public_id)])
    found = {}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                                  "url": live_server.url}])
            page = context.new_page()
            page.goto(url)
            found["empty"] = axe_violations(page)
            page.locator("button[type=submit]").last.click()  # nothing answered: errors
            page.wait_for_load_state()
            assert page.locator("[aria-invalid=true]").count() >= 2
            found["errors"] = axe_violations(page)
            page.locator("input[name=employed][value=yes]").check()
            page.locator("input[name=in_target_job][value=yes]").check()
            page.locator("input[name=contract_type][value=cdi]").check()
            page.locator("button[type=submit]").last.click()
            page.wait_for_load_state()
            assert page.locator("[role=status]").count() == 1
            found["answered"] = axe_violations(page)
        finally:
            browser.close()
    assert found == {"empty": [], "errors": [], "answered": []}
