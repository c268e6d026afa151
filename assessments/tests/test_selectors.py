"""Reads for the candidate space and dashboards: compétences scored, sittings;
one query for any number of enrolments, never another enrolment's rows."""

import datetime

import pytest
from django.utils import timezone

from assessments.models import Attendance, Sitting
from assessments.selectors import (
    enrolments_holding_every_bloc,
    scored_competences_for_enrolments,
    sittings_for_enrolments,
)
from assessments.services import assessment_create, score_record
from candidates.models import AcquiredBloc, AcquisitionOrigin
from candidates.tests.factories import CandidateFactory, EnrolmentFactory, SessionFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def session():
    return SessionFactory()


@pytest.fixture
def charlies(session, charlie):
    return EnrolmentFactory(session=session,
                            candidate=CandidateFactory(user=charlie, email=charlie.email))


@pytest.fixture
def daves(session, dave):
    return EnrolmentFactory(session=session,
                            candidate=CandidateFactory(user=dave, email=dave.email))


def schedule(session, *enrolments, days=-7, place="Salle 204"):  # held: scored
    return assessment_create(session=session, modality=session.referentiel.modalities.first(),
                             starts_at=NOW + datetime.timedelta(days=days), place=place,
                             enrolments=enrolments)


def sitting_of(assessment, enrolment):
    return Sitting.objects.select_related(
        "assessment__session__referentiel", "enrolment__candidate"
    ).get(assessment=assessment, enrolment=enrolment)


def competences(session):
    return list(session.referentiel.modalities.first().competences.order_by("pk"))


def score(scorer, sitting, competence, level, comment="", version=0):
    return score_record(scorer=scorer, sitting=sitting, competence=competence, level=level,
                        comment=comment or ("Écarts" if level and level > 2 else ""),
                        expected_version=version)


def test_it_gives_each_enrolment_the_competences_with_a_level(session, charlies, daves, bob,
                                                             alice):
    assessment = schedule(session, charlies, daves)
    first, second, third, *_ = competences(session)
    score(bob, sitting_of(assessment, charlies), first, 2)
    score(alice, sitting_of(assessment, charlies), first, 3)  # a second scorer
    score(bob, sitting_of(assessment, charlies), second, 4)
    score(bob, sitting_of(assessment, daves), third, 1)
    found = scored_competences_for_enrolments(enrolments=[charlies, daves])
    assert found == {charlies.pk: frozenset({first.pk, second.pk}),
                     daves.pk: frozenset({third.pk})}


def test_it_ignores_a_score_without_a_level(session, charlies, bob):
    assessment = schedule(session, charlies)
    first = competences(session)[0]
    score(bob, sitting_of(assessment, charlies), first, None, comment="À revoir")
    assert scored_competences_for_enrolments(enrolments=[charlies]) == {
        charlies.pk: frozenset()}


def test_it_counts_a_level_given_then_cleared_as_not_scored(session, charlies, bob):
    assessment = schedule(session, charlies)
    first = competences(session)[0]
    score(bob, sitting_of(assessment, charlies), first, 2)
    score(bob, sitting_of(assessment, charlies), first, None, version=1)
    assert scored_competences_for_enrolments(enrolments=[charlies])[charlies.pk] == frozenset()


def test_it_never_gives_another_enrolments_scores(session, charlies, daves, bob):
    assessment = schedule(session, charlies, daves)
    score(bob, sitting_of(assessment, daves), competences(session)[0], 2)
    assert scored_competences_for_enrolments(enrolments=[charlies]) == {
        charlies.pk: frozenset()}


def test_it_lists_past_and_upcoming_sittings_soonest_first(session, charlies):
    later = schedule(session, charlies, days=30, place="Amphi B")
    sooner = schedule(session, charlies, days=2, place="Salle 12")
    past = schedule(session, charlies, days=-1, place="Passée")
    found = sittings_for_enrolments(enrolments=[charlies])
    assert [s.assessment for s in found[charlies.pk]] == [past, sooner, later]


def test_it_never_gives_another_enrolments_sittings(session, charlies, daves):
    schedule(session, daves, place="Salle de Dave")
    found = sittings_for_enrolments(enrolments=[charlies, daves])
    assert found[charlies.pk] == []
    assert [s.assessment.place for s in found[daves.pk]] == ["Salle de Dave"]


def test_it_reads_everything_in_one_query(session, charlies, daves, bob,
                                          django_assert_num_queries):
    assessment = schedule(session, charlies, daves)
    schedule(session, charlies, days=3)
    score(bob, sitting_of(assessment, charlies), competences(session)[0], 2)
    enrolments = [charlies, daves]
    with django_assert_num_queries(1):
        scored_competences_for_enrolments(enrolments=enrolments)
    with django_assert_num_queries(1):
        found = sittings_for_enrolments(enrolments=enrolments)
        shown = [(s.assessment.starts_at, s.assessment.place, s.assessment.modality.title,
                  s.assessment.modality.duration_minutes, s.team, s.attendance)
                 for s in found[charlies.pk]]
    assert len(shown) == 2
    assert shown[0][2:] == ("Étude de cas", 30, "", Attendance.PRESENT)


def test_it_runs_no_query_for_no_enrolment(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert scored_competences_for_enrolments(enrolments=[]) == {}
        assert sittings_for_enrolments(enrolments=[]) == {}


def test_holding_every_bloc_needs_every_bloc_and_a_bloc_at_all():
    session = SessionFactory()
    modalities = list(session.referentiel.modalities.order_by("position"))
    modality = next(m for m in modalities if m.blocs.exists())
    blocs = list(modality.blocs.order_by("position"))
    full, partial, none = EnrolmentFactory.create_batch(3, session=session, candidate__user=None)
    for enrolment, held in ((full, blocs), (partial, blocs[:-1])):
        for bloc in held:
            AcquiredBloc.objects.create(enrolment=enrolment, bloc=bloc,
                                        origin=AcquisitionOrigin.EQUIVALENCE,
                                        acquired_on=datetime.date(2024, 1, 5))
    found = enrolments_holding_every_bloc(modality=modality, enrolments=[none, partial, full])
    assert [(e.pk, [b.code for b in held]) for e, held in found] == [
        (full.pk, [b.code for b in blocs])]
    modality.blocs.clear()
    assert enrolments_holding_every_bloc(modality=modality, enrolments=[full]) == []
