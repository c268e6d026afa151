"""The assessments, assignments and scores API (/api/v1/), tried by alice (administrator),
bob (jury member, assigned to one sitting), charlie (a candidate sitting) and dave (another
candidate): each reaches what the pages give them, nothing more."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from assessments.models import Assessment, Score, Sitting
from assessments.services import assessment_create
from candidates.models import Enrolment, Session
from candidates.tests.factories import CandidateFactory, EnrolmentFactory, SessionFactory
from juries.models import Assignment, ConflictKind, Jury, JuryMember
from juries.services import conflict_declare, grid_score_save, jury_compose
from juries.tests.factories import MemberFactory, loaded

pytestmark = pytest.mark.django_db
# Épreuves that took place: they are scored from their date on.
HELD = datetime.datetime(2026, 3, 15, 9, tzinfo=datetime.UTC)

ASSESSMENTS = "/api/v1/assessments/"
ASSIGNMENTS = "/api/v1/assignments/"
SCORES = "/api/v1/scores/"


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def _ids(response, key: str = "id") -> set[str]:
    assert response.status_code == 200, response.content
    return {str(row[key]) for row in response.json()["results"]}


@pytest.fixture
def session() -> Session:
    return SessionFactory()


@pytest.fixture
def charlie_enrolment(charlie, session) -> Enrolment:
    return EnrolmentFactory(session=session, candidate=CandidateFactory(
        user=charlie, email=charlie.email))


@pytest.fixture
def other_enrolment(session) -> Enrolment:
    return EnrolmentFactory(session=session, candidate__user=None)


@pytest.fixture
def bob_member(bob) -> JuryMember:
    return MemberFactory(user=bob)


@pytest.fixture
def teacher() -> JuryMember:
    return MemberFactory()


@pytest.fixture
def jury(session, bob_member, teacher) -> Jury:
    return jury_compose(session=session, members=[bob_member, teacher], president=teacher)


@pytest.fixture
def assessment(session, jury, charlie_enrolment, other_enrolment) -> Assessment:
    return assessment_create(
        session=session, modality=session.referentiel.modalities.order_by("position").first(),
        starts_at=HELD,
        enrolments=[charlie_enrolment, other_enrolment],
    )


@pytest.fixture
def bob_sitting(assessment, charlie_enrolment, bob_member) -> Sitting:
    """bob is assigned to charlie's sitting only; the teacher to the other one."""
    sitting = assessment.sittings.get(enrolment=charlie_enrolment)
    Assignment.objects.create(sitting=sitting, member=bob_member)
    return loaded(sitting)


@pytest.fixture
def other_sitting(assessment, other_enrolment, teacher) -> Sitting:
    sitting = assessment.sittings.get(enrolment=other_enrolment)
    Assignment.objects.create(sitting=sitting, member=teacher)
    return loaded(sitting)


@pytest.fixture
def other_assessment(dave) -> Assessment:
    session = SessionFactory()
    enrolment = EnrolmentFactory(session=session, candidate=CandidateFactory(
        user=dave, email=dave.email))
    return assessment_create(session=session, modality=session.referentiel.modalities.first(),
                             starts_at=HELD,
                             enrolments=[enrolment])


def _competence(sitting: Sitting):
    return sitting.assessment.modality.competences.order_by("pk").first()


def _score(sitting: Sitting, level: int = 2, version: int = 0, comment: str = "") -> dict:
    return {"sitting": str(sitting.public_id), "competence": _competence(sitting).pk,
            "level": level, "comment": comment, "expected_version": version}


# -- assessments -------------------------------------------------------------------------
def test_each_persona_lists_only_the_assessments_within_reach(
        alice, bob, charlie, dave, assessment, other_assessment, bob_sitting):
    both = {str(assessment.public_id), str(other_assessment.public_id)}
    assert _ids(_client(alice).get(ASSESSMENTS)) == both
    assert _ids(_client(bob).get(ASSESSMENTS)) == {str(assessment.public_id)}
    assert _ids(_client(charlie).get(ASSESSMENTS)) == {str(assessment.public_id)}
    assert _ids(_client(dave).get(ASSESSMENTS)) == {str(other_assessment.public_id)}
    assert _client().get(ASSESSMENTS).status_code == 401


def test_a_member_without_assignment_sees_no_assessment(bob, assessment, bob_member):
    assert _ids(_client(bob).get(ASSESSMENTS)) == set()
    url = f"{ASSESSMENTS}{assessment.public_id}/"
    assert _client(bob).get(url).status_code == 404


def test_retrieving_an_assessment_out_of_reach_is_a_404(charlie, assessment, other_assessment):
    assert _client(charlie).get(f"{ASSESSMENTS}{other_assessment.public_id}/").status_code == 404
    own = _client(charlie).get(f"{ASSESSMENTS}{assessment.public_id}/")
    assert own.json()["session"] == str(assessment.session.public_id)


def test_an_administrator_schedules_an_assessment(alice, session, charlie_enrolment,
                                                  other_enrolment):
    modality = session.referentiel.modalities.order_by("position").last()
    response = _client(alice).post(ASSESSMENTS, {
        "session": str(session.public_id), "modality": modality.pk,
        "starts_at": "2027-05-02T14:00:00+02:00", "place": "Salle 204",
        "candidates": [str(charlie_enrolment.public_id)],
    }, format="json")
    assert response.status_code == 201, response.content
    assessment = Assessment.objects.get(public_id=response.json()["id"])
    assert [s.enrolment for s in assessment.sittings.all()] == [charlie_enrolment]
    assert AuditEvent.objects.filter(action="assessment.created").exists()


def test_scheduling_refuses_unknown_ids(alice, session, other_assessment):
    modality = session.referentiel.modalities.first()
    foreign = other_assessment.sittings.get().enrolment
    response = _client(alice).post(ASSESSMENTS, {
        "session": str(session.public_id), "modality": modality.pk,
        "starts_at": "2027-05-02T14:00:00Z", "candidates": [str(foreign.public_id)],
    }, format="json")
    assert response.status_code == 400
    assert "candidates" in response.json()["errors"]


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_only_administrators_schedule(request, persona, session):
    response = _client(request.getfixturevalue(persona)).post(ASSESSMENTS, {
        "session": str(session.public_id), "modality": session.referentiel.modalities.first().pk,
        "starts_at": "2027-05-02T14:00:00Z", "all_candidates": True,
    }, format="json")
    assert response.status_code == 403
    assert not Assessment.objects.exists()


# -- assignments -------------------------------------------------------------------------
def test_a_member_lists_only_their_own_assignments(alice, bob, charlie, bob_sitting,
                                                   other_sitting):
    mine = Assignment.objects.get(sitting=bob_sitting)
    assert _ids(_client(bob).get(ASSIGNMENTS)) == {str(mine.public_id)}
    assert len(_ids(_client(alice).get(ASSIGNMENTS))) == 2
    assert _ids(_client(charlie).get(ASSIGNMENTS)) == set()
    other = Assignment.objects.get(sitting=other_sitting)
    assert _client(bob).get(f"{ASSIGNMENTS}{other.public_id}/").status_code == 404


def test_an_administrator_assigns_and_withdraws(alice, assessment, other_enrolment,
                                                bob_member):
    sitting = assessment.sittings.get(enrolment=other_enrolment)
    response = _client(alice).post(ASSIGNMENTS, {"sitting": str(sitting.public_id),
                                                 "member": str(bob_member.public_id)},
                                   format="json")
    assert response.status_code == 201, response.content
    assert response.json()["candidate"] == str(other_enrolment.candidate.public_id)
    url = f"{ASSIGNMENTS}{response.json()['id']}/"
    assert _client(alice).delete(url).status_code == 204
    assert not Assignment.objects.exists()
    assert AuditEvent.objects.filter(action="assignment.deleted").exists()


def test_a_conflict_of_interest_is_a_400_with_the_reason(alice, assessment, other_enrolment,
                                                         bob_member):
    conflict_declare(member=bob_member, candidate=other_enrolment.candidate,
                     kind=ConflictKind.TRAINED, note="Bootcamp 2025", declared_by=alice)
    sitting = assessment.sittings.get(enrolment=other_enrolment)
    response = _client(alice).post(ASSIGNMENTS, {"sitting": str(sitting.public_id),
                                                 "member": str(bob_member.public_id)},
                                   format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "conflict"
    assert "a formé le candidat (Bootcamp 2025)" in response.json()["detail"]
    assert not Assignment.objects.exists()


def test_members_cannot_assign_or_withdraw(bob, assessment, other_enrolment, bob_member,
                                           bob_sitting):
    sitting = assessment.sittings.get(enrolment=other_enrolment)
    response = _client(bob).post(ASSIGNMENTS, {"sitting": str(sitting.public_id),
                                               "member": str(bob_member.public_id)},
                                 format="json")
    assert response.status_code == 403
    mine = Assignment.objects.get(sitting=bob_sitting)
    assert _client(bob).delete(f"{ASSIGNMENTS}{mine.public_id}/").status_code == 403
    assert Assignment.objects.count() == 1


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_withdrawing_an_assignment_out_of_reach_is_a_404(request, persona, other_sitting):
    """DESIGN §8: another member's assignment is out of reach (a 404, as when reading it),
    not a 403 that says it exists; one's own is in reach and refused (403, above)."""
    other = Assignment.objects.get(sitting=other_sitting)
    client = _client(request.getfixturevalue(persona))
    assert client.delete(f"{ASSIGNMENTS}{other.public_id}/").status_code == 404
    assert client.delete(f"{ASSIGNMENTS}{uuid.uuid4()}/").status_code == 404
    assert Assignment.objects.filter(pk=other.pk).exists()


# -- scores ------------------------------------------------------------------------------
def test_a_member_scores_an_assigned_sitting_and_then_changes_it(bob, bob_sitting):
    client = _client(bob)
    created = client.post(SCORES, _score(bob_sitting, 2), format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["level"], created.json()["version"]) == (2, 1)
    assert created.json()["sitting"] == str(bob_sitting.public_id)
    changed = client.post(SCORES, _score(bob_sitting, 1, version=1), format="json")
    assert changed.status_code == 200
    assert Score.objects.get().level == 1


def test_a_stale_write_is_a_409_with_the_current_score(bob, bob_sitting):
    client = _client(bob)
    client.post(SCORES, _score(bob_sitting, 2), format="json")
    stale = client.post(SCORES, _score(bob_sitting, 1, version=0), format="json")
    assert stale.status_code == 409
    assert stale.json()["current"]["level"] == 2
    assert stale.json()["current"]["version"] == 1
    assert Score.objects.get().level == 2


def test_a_validation_error_is_a_400(bob, bob_sitting):
    response = _client(bob).post(SCORES, _score(bob_sitting, 4), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "comment_required"
    wrong = _score(bob_sitting) | {"competence": 999_999}
    assert _client(bob).post(SCORES, wrong, format="json").status_code == 400


def test_scoring_a_sitting_not_assigned_is_a_404(bob, bob_sitting, other_sitting):
    response = _client(bob).post(SCORES, _score(other_sitting), format="json")
    assert response.status_code == 404
    assert not Score.objects.exists()


@pytest.mark.parametrize("persona", ["alice", "charlie", "dave"])
def test_nobody_but_the_assigned_member_scores(request, persona, bob_sitting):
    client = _client(request.getfixturevalue(persona))
    assert client.post(SCORES, _score(bob_sitting), format="json").status_code == 404
    assert not Score.objects.exists()


def test_a_member_lists_only_their_own_scores(alice, bob, charlie, teacher, bob_sitting,
                                              other_sitting):
    grid_score_save(user=bob, sitting=bob_sitting, competence=_competence(bob_sitting),
                    level=2, comment="", expected_version=0)
    grid_score_save(user=teacher.user, sitting=other_sitting,
                    competence=_competence(other_sitting), level=1, comment="",
                    expected_version=0)
    assert _ids(_client(bob).get(SCORES), "sitting") == {str(bob_sitting.public_id)}
    assert len(_client(alice).get(SCORES).json()["results"]) == 2
    assert _client(charlie).get(SCORES).json()["results"] == []
    filtered = _client(alice).get(SCORES, {"sitting": str(other_sitting.public_id)})
    assert _ids(filtered, "sitting") == {str(other_sitting.public_id)}


def test_scores_after_a_withdrawn_assignment_are_no_longer_listed(alice, bob, bob_sitting):
    grid_score_save(user=bob, sitting=bob_sitting, competence=_competence(bob_sitting),
                    level=2, comment="", expected_version=0)
    conflict_declare(member=bob.jury_member, candidate=bob_sitting.enrolment.candidate,
                     kind=ConflictKind.OTHER, declared_by=bob)
    assert _client(bob).get(SCORES).json()["results"] == []
    assert _client(bob).post(SCORES, _score(bob_sitting, 1, version=1),
                             format="json").status_code == 404


@pytest.mark.parametrize("url", [ASSESSMENTS, ASSIGNMENTS, SCORES])
def test_lists_take_constant_queries(alice, session, jury, bob_member, url):
    client = _client(alice)
    counts = []
    for size in (2, 12):
        enrolments = [EnrolmentFactory(session=session, candidate__user=None)
                      for _ in range(size)]
        assessment = assessment_create(
            session=session, modality=session.referentiel.modalities.first(),
            starts_at=HELD,
            enrolments=enrolments)
        for sitting in assessment.sittings.all():
            Assignment.objects.create(sitting=sitting, member=bob_member)
            grid_score_save(user=bob_member.user, sitting=loaded(sitting),
                            competence=_competence(loaded(sitting)), level=2, comment="",
                            expected_version=0)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_schema_documents_the_endpoints():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/v1/assessments/", "/api/v1/assessments/{public_id}/",
                 "/api/v1/assignments/", "/api/v1/assignments/{public_id}/",
                 "/api/v1/scores/"):
        assert path in schema["paths"]
    assert "409" in schema["paths"]["/api/v1/scores/"]["post"]["responses"]
