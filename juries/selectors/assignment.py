"""Reads for the administration of assessments: assessments and their sittings, the
assignment matrix (candidates × jury members), declared conflicts of interest."""

from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import (
    administered_scope,
    is_administrator,
    is_candidate,
    is_jury_member,
    may_manage_session,
)
from assessments.models import Assessment, Sitting
from assessments.services import assessment_has_scores
from candidates.models import Candidate, Session
from certifications.models import Modality
from juries.models import Assignment, ConflictOfInterest, JuryMember
from juries.selectors.jury import session_jury_members
from juries.selectors.scoring import sittings_for_scorer


def assessment_list_for_user(*, user: User) -> QuerySet[Assessment]:
    """Administrators: every assessment; a jury member: those where they are assigned to a
    candidate; a candidate: those they sit."""
    assessments = Assessment.objects.select_related(
        "session__referentiel__certification", "modality"
    )
    if is_administrator(user):
        return assessments
    if is_jury_member(user):
        return assessments.filter(sittings__assignments__member__user=user).distinct()
    if is_candidate(user):
        return assessments.filter(sittings__enrolment__candidate__user=user).distinct()
    return assessments.none()


def session_modalities(*, user: User, session: Session) -> QuerySet[Modality]:
    """The épreuves of the session's framework version (administrators schedule them)."""
    modalities = Modality.objects.filter(referentiel_id=session.referentiel_id).order_by(
        "position", "pk")
    return modalities if may_manage_session(user, session) else modalities.none()


def assessment_get_for_user(*, user: User, public_id: UUID | str) -> Assessment:
    """Assessment.DoesNotExist when out of reach (the view answers 404)."""
    return assessment_list_for_user(user=user).get(public_id=public_id)


def assessment_sittings_for_user(*, user: User, assessment: Assessment) -> QuerySet[Sitting]:
    """The candidates sitting an assessment, with what the assignment services read."""
    sittings = (
        Sitting.objects.filter(assessment=assessment)
        .select_related("assessment__session", "assessment__modality", "enrolment__candidate")
        .order_by("team", "enrolment__candidate__birth_name",
                  "enrolment__candidate__first_names", "pk")
    )
    return sittings if is_administrator(user) else sittings.none()


@dataclass
class MatrixCell:
    member: JuryMember
    assignment: Assignment | None
    conflict_declared: bool
    refusal: str = ""  # why the last try to assign was refused (filled by the page)


@dataclass
class MatrixRow:
    sitting: Sitting
    cells: list[MatrixCell] = field(default_factory=list)


@dataclass
class AssignmentMatrix:
    members: list[JuryMember]
    rows: list[MatrixRow]


def assignment_matrix(*, user: User, assessment: Assessment) -> AssignmentMatrix:
    """Candidates × members of the jury, with assignments and declared conflicts, in four
    queries whatever the number of candidates."""
    members = list(session_jury_members(user=user, session=assessment.session))
    sittings = list(assessment_sittings_for_user(user=user, assessment=assessment))
    assigned = {
        (a.sitting_id, a.member_id): a
        for a in Assignment.objects.filter(sitting__assessment=assessment,
                                           member__in=[m.pk for m in members])
    }
    conflicts = set(
        ConflictOfInterest.objects.filter(
            member__in=[m.pk for m in members],
            candidate__in=[s.enrolment.candidate_id for s in sittings],
        ).values_list("member_id", "candidate_id")
    )
    rows = [
        MatrixRow(sitting, [
            MatrixCell(member, assigned.get((sitting.pk, member.pk)),
                       (member.pk, sitting.enrolment.candidate_id) in conflicts)
            for member in members
        ])
        for sitting in sittings
    ]
    return AssignmentMatrix(members=members, rows=rows)


def conflict_list_for_user(*, user: User, candidate: Candidate) -> QuerySet[ConflictOfInterest]:
    """The conflicts declared about a candidate (administrators)."""
    conflicts = (
        ConflictOfInterest.objects.filter(candidate=candidate)
        .select_related("member__user", "declared_by")
        .order_by("-declared_at")
    )
    return conflicts.filter(administered_scope(user))


def sitting_list_for_user(*, user: User) -> QuerySet[Sitting]:
    """Every sitting, for administrators (who assign members to them); jury members reach
    theirs through ``sittings_for_scorer``."""
    sittings = Sitting.objects.select_related("assessment__session", "enrolment__candidate")
    return sittings if is_administrator(user) else sittings.none()


def sitting_list_for_reader(*, user: User) -> QuerySet[Sitting]:
    """Administrators: every sitting (to assign members); a jury member: the sittings
    assigned to them (to score); anyone else nothing."""
    if is_administrator(user):
        return sitting_list_for_user(user=user)
    return sittings_for_scorer(user=user)


def assessment_consequences(*, assessment: Assessment) -> dict[str, object]:
    """What cancelling or deleting the épreuve touches, for its confirmation page: its
    candidates, the assignments made, whether anything was scored. Three queries."""
    return {
        "candidates": assessment.sittings.count(),
        "assigned": Assignment.objects.filter(sitting__assessment=assessment).count(),
        "scored": assessment_has_scores(assessment=assessment),
    }
