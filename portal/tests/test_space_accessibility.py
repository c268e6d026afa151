"""axe-core finds no WCAG 2.1 A/AA violation on the candidate space and the session
dashboard, rendered by a real Chromium against the live server."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import AcquiredBloc, AcquisitionOrigin, TargetBloc
from candidates.tests.factories import (
    CandidateFactory,
    EnrolmentFactory,
    SessionFactory,
    make_referentiel,
)
from portal.views import space
from tests.browser import BROWSER_MARKS, page_violations

pytestmark = BROWSER_MARKS


@pytest.fixture
def session_with_results(monkeypatch):
    """A session whose results are published, with every status on the page."""
    session = SessionFactory(referentiel=make_referentiel(blocs=4, competences=3),
                             results_published_at=timezone.now())
    competences = [c.pk for b in session.referentiel.blocs.all() for c in b.competences.all()]
    levels = dict(zip(competences, [1, 2, 2, 1, 3, 2, 4, 1, 2], strict=False))
    monkeypatch.setattr(
        space, "results_for_enrolments",
        lambda enrolments, **_options: {e.pk: space.EnrolmentResults(
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
    return page_violations(live_server, client, user, path)


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
