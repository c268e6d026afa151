"""Signed means signed (issue 15): once the deliberation is signed, no door changes the
session, its jury, assessments, sittings, assignments, enrolments or scores — the
administrator's API token included — and a score saved while the president signs either
commits before the signature or is refused. Run on SQLite and, with DATABASE_URL, on
PostgreSQL."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from assessments.models import Assessment, Score, Sitting
from assessments.services import ScoringClosedError
from candidates.models import Enrolment, Session
from candidates.services import EnrolmentTerms, SessionLockedError, enrolment_create
from candidates.tests.factories import CandidateFactory
from deliberations.models import Deliberation
from deliberations.services import deliberation_propose, deliberation_sign
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from juries.models import Assignment, Jury, JuryMember
from juries.services import assignment_create, grid_score_save, jury_compose
from juries.tests.factories import MemberFactory, loaded

pytestmark = pytest.mark.django_db


def _admin_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def signed(alice):
    setup = jury_setup()
    enrolments = [enrol(setup) for _ in range(2)]
    for enrolment in enrolments:
        score_all(setup, enrolment, 2)
    sitting = Sitting.objects.get(enrolment=enrolments[0])
    Assignment.objects.create(sitting=sitting, member=setup.members[1])
    deliberation_propose(session=setup.session, by=alice)
    deliberation_sign(deliberation=Deliberation.objects.get(session=setup.session),
                      members_present=setup.members, by=setup.president.user)
    return setup


def _counts(setup) -> tuple:
    session = setup.session
    return (
        sorted(Jury.objects.get(session=session).members.values_list("pk", flat=True)),
        Jury.objects.get(session=session).president_id,
        Assignment.objects.filter(sitting__assessment__session=session).count(),
        Assessment.objects.filter(session=session).count(),
        Sitting.objects.filter(assessment__session=session).count(),
        Enrolment.objects.filter(session=session).count(),
        Score.objects.filter(sitting__assessment__session=session).count(),
    )


def _refused(response, before, setup) -> None:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "session_signed", body
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert _counts(setup) == before


def test_it_refuses_to_recompose_the_jury_of_a_signed_session(signed, alice):
    intruder = MemberFactory()
    before, events = _counts(signed), AuditEvent.objects.count()
    response = _admin_client(alice).post("/api/v1/juries/", {
        "session": str(signed.session.public_id),
        "members": [str(intruder.public_id), *[str(m.public_id) for m in signed.members]],
        "president": str(intruder.public_id)}, format="json")
    _refused(response, before, signed)
    assert AuditEvent.objects.count() == events


def test_it_refuses_assignments_made_or_withdrawn_after_signing(signed, alice):
    client = _admin_client(alice)
    sitting = Sitting.objects.filter(assessment__session=signed.session).exclude(
        assignments__member=signed.members[2]).first()
    before = _counts(signed)
    response = client.post("/api/v1/assignments/", {
        "sitting": str(sitting.public_id), "member": str(signed.members[2].public_id)},
        format="json")
    _refused(response, before, signed)
    assignment = Assignment.objects.filter(sitting__assessment__session=signed.session).first()
    response = client.delete(f"/api/v1/assignments/{assignment.public_id}/")
    _refused(response, before, signed)


def test_it_refuses_an_assessment_scheduled_in_a_signed_session(signed, alice):
    before = _counts(signed)
    response = _admin_client(alice).post("/api/v1/assessments/", {
        "session": str(signed.session.public_id),
        "modality": signed.session.referentiel.modalities.first().pk,
        "starts_at": (timezone.now() + datetime.timedelta(days=3)).isoformat(),
        "all_candidates": True}, format="json")
    _refused(response, before, signed)


def test_it_refuses_an_enrolment_in_a_signed_session(signed, alice):
    candidate = CandidateFactory()
    before = _counts(signed)
    response = _admin_client(alice).post("/api/v1/enrolments/", {
        "candidate": str(candidate.public_id), "session": str(signed.session.public_id),
        "access_route": "candidature_libre", "invite": False}, format="json")
    _refused(response, before, signed)


def test_the_services_refuse_whoever_calls_them(signed, alice):
    """A command or a task calls the services directly: the same lock."""
    before = _counts(signed)
    with pytest.raises(SessionLockedError):
        jury_compose(session=signed.session, members=signed.members[:2],
                     president=signed.president, composed_by=alice)
    with pytest.raises(SessionLockedError):
        enrolment_create(candidate=CandidateFactory(), session=signed.session,
                         terms=EnrolmentTerms(access_route="candidature_libre"), invite=False)
    sitting = Sitting.objects.filter(assessment__session=signed.session).first()
    with pytest.raises(SessionLockedError):
        assignment_create(sitting=sitting, member=signed.members[2], assigned_by=alice)
    assert _counts(signed) == before


def test_a_score_on_a_locked_sitting_is_refused(signed):
    member = signed.members[1]
    sitting = loaded(Assignment.objects.get(member=member).sitting)
    competence = sitting.assessment.modality.competences.first()
    score = Score.objects.get(sitting=sitting, competence=competence, scorer=member.user)
    with pytest.raises(ScoringClosedError):
        grid_score_save(user=member.user, sitting=sitting, competence=competence, level=4,
                        comment="Écarts majeurs.", expected_version=score.version)
    response = _admin_client(member.user).post("/api/v1/scores/", {
        "sitting": str(sitting.public_id), "competence": competence.pk, "level": 4,
        "comment": "Écarts majeurs.", "expected_version": score.version}, format="json")
    assert response.status_code == 400, response.content  # the grid's own refusal
    assert response.json()["code"] == "locked"
    assert Score.objects.get(pk=score.pk).level == 2


# -- the race: members save while the president signs ---------------------------------------
THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_no_score_is_written_after_the_signature(alice):
    setup = jury_setup()
    member = setup.members[1]
    sittings = []
    for _ in range(THREADS):
        enrolment = enrol(setup)
        sitting = Sitting.objects.get(enrolment=enrolment)
        Assignment.objects.create(sitting=sitting, member=member)
        sittings.append(loaded(sitting))
    competence = setup.assessment.modality.competences.first()
    # Each member saves again the level the proposal counted (2): the proposal stays what
    # the president saw, so only the lock stands between a save and the signature.
    # Every compétence scored (signing needs it); the race is on the first one.
    Score.objects.bulk_create(Score(sitting=s, competence=c, scorer=member.user, level=2)
                              for s in sittings
                              for c in setup.assessment.modality.competences.all())
    deliberation_propose(session=setup.session, by=alice)
    deliberation = Deliberation.objects.get(session=setup.session)
    start = threading.Barrier(THREADS + 1)
    first_saved = threading.Event()  # the president signs while the members save
    outcomes: list[str] = []

    def save(sitting: Sitting) -> None:
        try:
            start.wait()
            for version in range(1, 11):  # several saves each, to overlap the signature
                grid_score_save(user=member.user, sitting=sitting, competence=competence,
                                level=2, comment="", expected_version=version)
                first_saved.set()
            outcomes.append("saved")
        except ScoringClosedError:
            outcomes.append("refused")
        except Exception as exc:
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    def sign() -> None:
        try:
            start.wait()
            first_saved.wait(timeout=10)
            deliberation_sign(deliberation=deliberation, members_present=setup.members,
                              by=setup.president.user)
            outcomes.append("signed")
        except Exception as exc:
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(s,)) for s in sittings]
    threads.append(threading.Thread(target=sign))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert "signed" in outcomes, outcomes
    assert set(outcomes) <= {"saved", "refused", "signed"}, outcomes
    assert Score.objects.filter(sitting__in=sittings, version__gt=1).exists()  # they raced
    signed_at = Deliberation.objects.get(pk=deliberation.pk).signed_at
    late = Score.objects.filter(sitting__assessment__session=setup.session,
                                updated_at__gt=signed_at)
    assert not late.exists(), list(late.values("updated_at", "version"))
    assert Session.objects.get(pk=setup.session.pk).signed_at == signed_at
    assert not Sitting.objects.filter(assessment__session=setup.session,
                                      locked_at__isnull=True).exists()
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_member_added_after_signing_never_amends(signed, alice):
    """The attack of the issue: recompose the jury, then amend as its new president."""
    intruder = MemberFactory()
    with pytest.raises(SessionLockedError):
        jury_compose(session=signed.session, members=[*signed.members, intruder],
                     president=intruder, composed_by=alice)
    assert not JuryMember.objects.filter(juries__session=signed.session,
                                         pk=intruder.pk).exists()


# -- the pages say why ------------------------------------------------------------------------
def test_the_pages_refuse_with_the_message(signed, alice, client):
    from django.urls import reverse

    client.force_login(alice)
    before = _counts(signed)
    url = reverse("juries:jury_compose", args=[signed.session.public_id])
    response = client.post(url, {"form": "jury", "jury-members": [m.pk for m in signed.members],
                                 "jury-president": signed.members[1].pk})
    assert response.status_code == 200
    assert "délibération de cette session est signée" in response.content.decode()
    assignment = Assignment.objects.filter(sitting__assessment__session=signed.session).first()
    url = reverse("juries:assignments", args=[signed.assessment.public_id])
    response = client.post(url, {"action": "unassign", "assignment": str(assignment.public_id)},
                           follow=True)
    assert response.status_code == 200
    assert "délibération de cette session est signée" in response.content.decode()
    assert _counts(signed) == before


def test_a_conflict_declared_after_signing_keeps_the_signed_assignments(signed, alice):
    from juries.models import ConflictKind, ConflictOfInterest
    from juries.services import conflict_declare

    assignment = Assignment.objects.filter(sitting__assessment__session=signed.session).first()
    candidate = assignment.sitting.enrolment.candidate
    conflict_declare(member=assignment.member, candidate=candidate,
                     kind=ConflictKind.TRAINED, declared_by=alice)
    assert ConflictOfInterest.objects.filter(candidate=candidate).exists()
    assert Assignment.objects.filter(pk=assignment.pk).exists()
