"""Scoring rules: a member scores only their assigned candidates, on the scale, with a
comment where the scale asks one; a stale write is refused; everything is audited."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from assessments.models import Attendance, Score, Sitting
from assessments.services import ScoringClosedError, StaleWriteError
from candidates.models import Session
from certifications.models import Competence
from juries.models import ConflictKind
from juries.services import (
    ConflictOfInterestError,
    NotAssignedError,
    assignment_create,
    conflict_declare,
    grid_attendance_save,
    grid_criterion_save,
    grid_score_save,
)
from juries.tests.factories import MemberFactory, SittingFactory, assign, loaded

pytestmark = pytest.mark.django_db
TRANSACTION_CONTROL = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", re.IGNORECASE)


@pytest.fixture
def sitting():
    return loaded(SittingFactory())


@pytest.fixture
def member(sitting):
    member = MemberFactory()
    assign(sitting, member)
    return member


def competence_of(sitting) -> Competence:
    return sitting.assessment.modality.competences.first()


def save(member, sitting, level, comment="", version=0, competence=None):
    return grid_score_save(user=member.user, sitting=sitting,
                           competence=competence or competence_of(sitting), level=level,
                           comment=comment, expected_version=version, ip_address="10.0.0.7")


def test_an_assigned_member_records_a_level(member, sitting):
    score = save(member, sitting, 2)
    assert (score.level, score.version) == (2, 1)
    assert save(member, sitting, 1, version=1).version == 2
    assert Score.objects.get().level == 1


def test_the_first_score_locks_the_referentiel_version(member, sitting):
    save(member, sitting, 2)
    sitting.assessment.session.referentiel.refresh_from_db()
    assert sitting.assessment.session.referentiel.is_locked


def test_a_member_not_assigned_cannot_score(sitting):
    stranger = MemberFactory()
    with pytest.raises(NotAssignedError):
        save(stranger, sitting, 2)
    assert not Score.objects.exists()


def test_a_stale_write_is_refused_and_overwrites_nothing(member, sitting):
    save(member, sitting, 2)  # tab A saves
    with pytest.raises(StaleWriteError) as raised:  # tab B still thinks there is no score
        save(member, sitting, 4, comment="Écarts majeurs")
    assert raised.value.current.level == 2
    save(member, sitting, 1, version=1)  # tab A again
    with pytest.raises(StaleWriteError):  # tab B with the version it loaded first
        save(member, sitting, 3, comment="Écarts mineurs", version=1)
    assert Score.objects.get().level == 1


def test_levels_three_and_four_need_a_comment(member, sitting):
    with pytest.raises(ValidationError, match="écarts"):
        save(member, sitting, 3)
    assert save(member, sitting, 3, comment="Analyse incomplète").level == 3


def test_a_level_off_the_scale_is_refused(member, sitting):
    with pytest.raises(ValidationError):
        save(member, sitting, 5)


def test_a_competence_outside_the_epreuve_is_refused(member, sitting):
    other = Competence.objects.exclude(
        modalities=sitting.assessment.modality).first() or Competence.objects.create(
        bloc=sitting.assessment.modality.blocs.first(), title="Hors épreuve")
    with pytest.raises(ValidationError):
        save(member, sitting, 2, competence=other)


def test_a_locked_sitting_cannot_change_even_loaded_before_the_signature(member, sitting):
    """The lock is read as committed, inside the write's transaction: the sitting the
    caller loaded before the signature says open, the database says signed."""
    save(member, sitting, 2)
    now = timezone.now()
    Sitting.objects.filter(pk=sitting.pk).update(locked_at=now)
    Session.objects.filter(pk=sitting.assessment.session_id).update(signed_at=now)
    assert sitting.locked_at is None
    criterion = sitting.assessment.modality.criteria.first()
    with pytest.raises(ScoringClosedError):
        save(member, sitting, 1, version=1)
    with pytest.raises(ScoringClosedError):
        save(member, sitting, 2, competence=sitting.assessment.modality.competences.last())
    with pytest.raises(ScoringClosedError):
        grid_criterion_save(user=member.user, sitting=sitting, criterion=criterion,
                            observed=True, note="", expected_version=0)
    with pytest.raises(ScoringClosedError):
        grid_attendance_save(user=member.user, sitting=sitting, attendance=Attendance.ABSENT,
                             expected_version=0)
    assert list(Score.objects.values_list("level", flat=True)) == [2]
    assert Sitting.objects.get(pk=sitting.pk).attendance == Attendance.PRESENT


def test_every_change_is_in_the_audit_trail(member, sitting):
    save(member, sitting, 2)
    save(member, sitting, 3, comment="Écarts mineurs", version=1)
    events = list(AuditEvent.objects.filter(action="score.recorded").order_by("id"))
    assert [e.new["level"] for e in events] == [2, 3]
    assert events[1].old["level"] == 2
    assert events[1].actor == member.user
    assert events[1].ip_address == "10.0.0.7"
    assert events[1].context["candidate"] == str(sitting.enrolment.candidate.public_id)


def test_the_audit_trail_is_append_only(member, sitting):
    save(member, sitting, 2)
    event = AuditEvent.objects.get()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger: PostgreSQL")
def test_the_database_refuses_to_change_the_audit_trail(member, sitting):
    from django.db import DatabaseError, transaction

    save(member, sitting, 2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(action="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "score.recorded"


@pytest.mark.django_db(transaction=True)
def test_saving_one_cell_takes_at_most_five_queries(member, sitting):
    competence = competence_of(sitting)
    for version, level in ((0, 2), (1, 1)):  # creating the score, then changing it
        with CaptureQueriesContext(connection) as queries:
            grid_score_save(user=member.user, sitting=sitting, competence=competence,
                            level=level, expected_version=version, comment="")
        # Transaction control (BEGIN, COMMIT, SAVEPOINT) is not data work.
        statements = [q["sql"] for q in queries if not TRANSACTION_CONTROL.match(q["sql"])]
        # The assignment check is the grid's, the session's lock the signature's (one
        # statement each); the score itself takes the rest.
        scoring = [sql for sql in statements
                   if "juries_assignment" not in sql and "candidates_session" not in sql]
        assert len(scoring) <= 5, scoring
        assert len(statements) == len(scoring) + 2


def test_criteria_checks_and_attendance_follow_the_same_rules(member, sitting):
    criterion = sitting.assessment.modality.criteria.first()
    check = grid_criterion_save(user=member.user, sitting=sitting, criterion=criterion,
                                observed=True, note="", expected_version=0)
    assert check.version == 1
    with pytest.raises(StaleWriteError):
        grid_criterion_save(user=member.user, sitting=sitting, criterion=criterion,
                            observed=False, note="", expected_version=0)
    marked = grid_attendance_save(user=member.user, sitting=sitting,
                                  attendance=Attendance.ABSENT, expected_version=0)
    assert marked.attendance == Attendance.ABSENT
    with pytest.raises(StaleWriteError):
        grid_attendance_save(user=member.user, sitting=sitting,
                             attendance=Attendance.EXCUSED, expected_version=0)


def test_a_declared_conflict_refuses_the_assignment_and_says_why(alice, sitting):
    member = MemberFactory()
    assign(sitting, member).delete()
    candidate = sitting.enrolment.candidate
    conflict_declare(member=member, candidate=candidate, kind=ConflictKind.TRAINED,
                     declared_by=member.user, note="Formateur du module 3")
    with pytest.raises(ConflictOfInterestError, match="Formateur du module 3"):
        assignment_create(sitting=sitting, member=member, assigned_by=alice)


def test_the_same_organisation_refuses_the_assignment(alice, sitting):
    member = MemberFactory(organisation="ACME Conseil")
    assign(sitting, member).delete()
    sitting.enrolment.employer = "Acme  conseil"
    sitting.enrolment.save()
    with pytest.raises(ConflictOfInterestError, match=r"Acme  conseil"):
        assignment_create(sitting=loaded(sitting), member=member, assigned_by=alice)


def test_declaring_a_conflict_withdraws_the_assignment(member, sitting):
    conflict_declare(member=member, candidate=sitting.enrolment.candidate,
                     kind=ConflictKind.ACCOMPANIED, declared_by=member.user)
    with pytest.raises(NotAssignedError):
        save(member, sitting, 2)
    assert AuditEvent.objects.filter(action="assignment.deleted").exists()


def test_only_members_of_the_session_jury_are_assigned(alice, sitting):
    outsider = MemberFactory()
    with pytest.raises(ValidationError, match="jury"):
        assignment_create(sitting=sitting, member=outsider, assigned_by=alice)
