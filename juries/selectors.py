"""Reads on juries and the scoring work, with the permission filter built in
(DESIGN.md §8): a jury member reaches only the sittings they are assigned to."""

from django.db.models import QuerySet

from accounts.models import Role, User
from assessments.models import Sitting
from juries.models import Assignment, Jury, JuryMember


def member_for_user(*, user: User) -> JuryMember | None:
    if not user.is_authenticated or user.role != Role.JURY:
        return None
    return JuryMember.objects.filter(user=user).first()


def sittings_for_scorer(*, user: User) -> QuerySet[Sitting]:
    """The sittings a user may score: those they are assigned to (nobody else's)."""
    if not user.is_authenticated or user.role != Role.JURY:
        return Sitting.objects.none()
    return Sitting.objects.filter(assignments__member__user=user).select_related(
        "assessment__session__referentiel__scale",
        "assessment__modality",
        "enrolment__candidate",
    )


def sitting_get_for_scorer(*, user: User, public_id: str) -> Sitting:
    """Raises Sitting.DoesNotExist when the user is not assigned (the view answers 404)."""
    return sittings_for_scorer(user=user).get(public_id=public_id)


def assignment_list_for_user(*, user: User) -> QuerySet[Assignment]:
    assignments = Assignment.objects.select_related(
        "member__user", "sitting__assessment__session", "sitting__enrolment__candidate"
    )
    if not user.is_authenticated:
        return assignments.none()
    if user.role == Role.ADMIN:
        return assignments
    if user.role == Role.JURY:
        return assignments.filter(member__user=user)
    return assignments.none()


def jury_presided_by(*, user: User, session_id: int) -> Jury | None:
    """The session's jury when ``user`` is its president."""
    return Jury.objects.filter(session_id=session_id, president__user=user).first()
