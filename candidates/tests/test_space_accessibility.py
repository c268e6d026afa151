"""axe-core finds no WCAG 2.1 A/AA violation on the candidate space and the session
dashboard, rendered by a real Chromium against the live server."""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from candidates.models import AcquiredBloc, AcquisitionOrigin, TargetBloc
from candidates.tests.factories import (
    CandidateFactory,
    EnrolmentFactory,
    SessionFactory,
    make_referentiel,
)
from candidates.views import space

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = [
    pytest.mark.browser,
    # CI installs chromium (.ci/run): there a missing browser is a failure, not a skip.
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason="needs Debian's chromium at /usr/bin/chromium (apt-get install "
                              "chromium)"),
    pytest.mark.django_db(transaction=True),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")
axe_package = pytest.importorskip("axe_playwright_python",
                                  reason="needs axe-playwright-python (bundles axe.min.js)")
AXE_JS = Path(axe_package.__file__).parent / "axe.min.js"


@pytest.fixture
def session_with_results(monkeypatch):
    """A session whose results are published, with every status on the page."""
    session = SessionFactory(referentiel=make_referentiel(blocs=4, competences=3),
                             results_published_at=timezone.now())
    competences = [c.pk for b in session.referentiel.blocs.all() for c in b.competences.all()]
    levels = dict(zip(competences, [1, 2, 2, 1, 3, 2, 4, 1, 2], strict=False))
    monkeypatch.setattr(
        space, "results_for_enrolments",
        lambda enrolments: {e.pk: space.EnrolmentResults(
            final_levels=levels, scored=frozenset(competences)) for e in enrolments},
    )
    return session


def enrol(user, session, **kwargs):
    candidate = CandidateFactory(user=user, email=user.email)
    enrolment = EnrolmentFactory(candidate=candidate, session=session, extra_time_percent=33,
                                 technical_aids="Logiciel de synthèse vocale", **kwargs)
    AcquiredBloc.objects.create(enrolment=enrolment, bloc=session.referentiel.blocs.last(),
                                origin=AcquisitionOrigin.VAE,
                                acquired_on=datetime.date(2025, 6, 1))
    return enrolment


def violations(live_server, client, user, path):
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie,
                                  "url": live_server.url}])
            page = context.new_page()
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            assert response.status == 200
            page.add_script_tag(path=str(AXE_JS))
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
            )
        finally:
            browser.close()
    assert result["passes"], "axe checked nothing"
    return [(v["id"], v["help"], [node["html"] for node in v["nodes"]])
            for v in result["violations"]]


def test_it_finds_no_violation_on_the_candidate_space(live_server, client, charlie,
                                                      session_with_results):
    enrol(charlie, session_with_results)
    assert violations(live_server, client, charlie, reverse("candidates:space")) == []


def test_it_finds_no_violation_on_an_empty_candidate_space(live_server, client, charlie):
    enrolment = enrol(charlie, SessionFactory(), whole_certification=False)
    TargetBloc.objects.create(enrolment=enrolment,
                              bloc=enrolment.session.referentiel.blocs.first())
    EnrolmentFactory(candidate=enrolment.candidate, session=SessionFactory(
        starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2026, 12, 1)))  # a switcher
    assert violations(live_server, client, charlie, reverse("candidates:space")) == []


def test_it_finds_no_violation_on_the_session_dashboard(live_server, client, alice, charlie,
                                                        dave, session_with_results):
    enrol(charlie, session_with_results)
    enrol(dave, session_with_results)
    path = reverse("candidates:session_dashboard", args=[session_with_results.public_id])
    assert violations(live_server, client, alice, path) == []
