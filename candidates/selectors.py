"""Reads on candidates, sessions and enrolments, with the permission filter built in
(DESIGN.md §8). Out of reach means absent: views answer 404."""

from django.db.models import Prefetch, QuerySet

from accounts.models import Role, User
from candidates.models import AcquiredBloc, Candidate, Enrolment, Session


def session_list_for_user(*, user: User) -> QuerySet[Session]:
    """Administrators see every session; a candidate the sessions they are enrolled in.
    Jury members reach sessions through their jury (juries app), not this list."""
    sessions = Session.objects.select_related("referentiel__certification")
    if not user.is_authenticated:
        return sessions.none()
    if user.role == Role.ADMIN:
        return sessions
    if user.role == Role.CANDIDATE:
        return sessions.filter(enrolments__candidate__user=user).distinct()
    return sessions.none()


def candidate_list_for_user(*, user: User) -> QuerySet[Candidate]:
    candidates = Candidate.objects.all()
    if not user.is_authenticated:
        return candidates.none()
    if user.role == Role.ADMIN:
        return candidates
    if user.role == Role.CANDIDATE:
        return candidates.filter(user=user)
    return candidates.none()


def enrolment_list_for_user(*, user: User) -> QuerySet[Enrolment]:
    enrolments = Enrolment.objects.select_related(
        "candidate", "session__referentiel__certification"
    )
    if not user.is_authenticated:
        return enrolments.none()
    if user.role == Role.ADMIN:
        return enrolments
    if user.role == Role.CANDIDATE:
        return enrolments.filter(candidate__user=user)
    return enrolments.none()


def candidate_for_user(*, user: User) -> Candidate | None:
    """The candidate record of a signed-in candidate, if any."""
    if not user.is_authenticated or user.role != Role.CANDIDATE:
        return None
    return Candidate.objects.filter(user=user, anonymised_at__isnull=True).first()


def enrolments_of_candidate(*, candidate: Candidate) -> list[Enrolment]:
    """A candidate's enrolments with everything the candidate space shows, in a constant
    number of queries."""
    return list(
        Enrolment.objects.filter(candidate=candidate)
        .select_related("session__referentiel__certification", "session__referentiel__scale")
        .prefetch_related(
            "target_blocs",
            Prefetch("acquired_blocs", queryset=AcquiredBloc.objects.select_related("bloc")),
        )
        .order_by("-session__starts_on")
    )
