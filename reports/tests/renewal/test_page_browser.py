"""The renewal page (with its insertion section) in a real browser: axe-core finds no
WCAG 2.1 A/AA violation, in French and in English."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser import BROWSER_MARKS, page_violations

pytestmark = BROWSER_MARKS


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_page_has_no_accessibility_violation(live_server, client, alice, surveyed,
                                                 language):
    client.cookies["django_language"] = language
    path = reverse("reports:renewal", args=[surveyed.public_id]) + \
        "?promotion=2025&promotion=2026"
    assert page_violations(live_server, client, alice, path) == []
