"""The partners page, its form and the session form offering partners, in a real browser:
axe-core finds no WCAG 2.1 A/AA violation, in French and in English."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from candidates.tests.factories import make_referentiel
from certifications.models import PartnerKind, PartnerSource
from certifications.tests.factories import PartnerFactory
from tests.browser import BROWSER_MARKS, axe_violations, open_page, session_cookie, sync_api

pytestmark = BROWSER_MARKS


@pytest.fixture
def certification():
    certification = make_referentiel().certification
    PartnerFactory(certification=certification, legal_name="GRETA DES YVELINES",
                   siret="19782587000052", source=PartnerSource.RNCP)
    PartnerFactory(certification=certification, legal_name="AFPA", siret="82422814201189",
                   kind=PartnerKind.PREPARE, ends_on=datetime.date(2027, 8, 31))
    PartnerFactory(certification=certification, legal_name="ANCIEN ORGANISME", active=False)
    return certification


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("page", ["list", "new", "session"])
def test_the_pages_have_no_accessibility_violation(live_server, client, alice, certification,
                                                   language, page):
    path = {
        "list": reverse("certifications:partner_list", args=[certification.public_id]),
        "new": reverse("certifications:partner_new", args=[certification.public_id]),
        "session": reverse("candidates:session_create"),
    }[page]
    cookie = session_cookie(client, alice)
    with sync_api.sync_playwright() as playwright:
        browser, tab = open_page(playwright, live_server, cookie, path)
        try:
            # In the language asked: the cookie set_language leaves, then the page again.
            tab.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME,
                                      "value": language, "url": live_server.url}])
            tab.reload()
            assert tab.locator("html").get_attribute("lang") == language
            assert axe_violations(tab) == []
        finally:
            browser.close()
