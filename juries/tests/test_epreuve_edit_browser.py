"""A real Chromium on the pages of épreuve editing, time slots and jury invitation:
axe-core finds no WCAG 2.1 A/AA violation, in French and in English (screenshots saved
under $EPREUVES_SHOTS when set, to look at the pages as a user)."""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from assessments.services import assessment_create, assessment_slots_distribute
from candidates.tests.factories import EnrolmentFactory, SessionFactory
from juries.models import Quality
from juries.services import jury_compose, jury_member_invite
from juries.tests.factories import MemberFactory
from tests.browser import (
    BROWSER_MARKS,
    CHROMIUM,
    CHROMIUM_ARGS,
    axe_violations,
    session_cookie,
    sync_api,
)

pytestmark = BROWSER_MARKS


@pytest.fixture
def pages(alice, bob):
    session = SessionFactory()
    modality = session.referentiel.modalities.order_by("position").first()
    modality.duration_minutes = 90
    modality.save(update_fields=["duration_minutes"])
    enrolments = [EnrolmentFactory(session=session, candidate__user=None,
                                   extra_time_percent=percent) for percent in (0, 33, 0)]
    member = MemberFactory(user=bob, quality=Quality.EMPLOYER)
    jury_compose(session=session, members=[member], president=member)
    jury_member_invite(session=session, invited_by=alice, first_name="Inès",
                       last_name="Marchal", email="ines@nova.example",
                       quality=Quality.EMPLOYER, organisation="Nova Conseil")
    assessment = assessment_create(
        session=session, modality=modality, place="Salle 204", enrolments=enrolments,
        starts_at=timezone.now().replace(hour=9, minute=0) + datetime.timedelta(days=5),
        created_by=alice)
    assessment_slots_distribute(assessment=assessment, by=alice, pause_minutes=15)
    return [
        ("list", reverse("juries:assessment_list", args=[session.public_id])),
        ("edit", reverse("juries:assessment_edit", args=[assessment.public_id])),
        ("cancel", reverse("juries:assessment_cancel", args=[assessment.public_id])),
        ("delete", reverse("juries:assessment_delete", args=[assessment.public_id])),
        ("assignments", reverse("juries:assignments", args=[assessment.public_id])),
        ("jury", reverse("juries:jury_compose", args=[session.public_id])),
    ]


def test_the_pages_have_no_wcag_violation_in_french_and_english(
        live_server, client, alice, pages):
    cookie = session_cookie(client, alice)
    shots = os.environ.get("EPREUVES_SHOTS")
    found = {}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for language in ("fr", "en"):
                context = browser.new_context(extra_http_headers={"Accept-Language": language},
                                              viewport={"width": 1280, "height": 900})
                context.add_cookies([
                    {"name": settings.SESSION_COOKIE_NAME, "value": cookie,
                     "url": live_server.url},
                    {"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                     "url": live_server.url}])
                page = context.new_page()
                for name, path in pages:
                    response = page.goto(f"{live_server.url}{path}")
                    assert response is not None
                    assert response.status == 200
                    if shots:
                        page.screenshot(path=str(Path(shots) / f"{name}-{language}.png"),
                                        full_page=True)
                    violations = axe_violations(page)
                    if violations:
                        found[(name, language)] = violations
                context.close()
        finally:
            browser.close()
    assert found == {}
