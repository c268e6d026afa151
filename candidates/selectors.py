"""Reads on candidates, sessions and enrolments, with the permission filter built in
(DESIGN.md §8). Out of reach means absent: views answer 404."""

from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from accounts.permissions import by_role, is_administrator, is_candidate
from candidates.models import AcquiredBloc, Candidate, Enrolment, Session, TargetBloc
from certifications.models import Bloc, Referentiel


def session_list_for_user(*, user: User) -> QuerySet[Session]:
    """Administrators see every session; a candidate the sessions they are enrolled in.
    Jury members reach sessions through their jury (juries app), not this list."""
    sessions = Session.objects.select_related("referentiel__certification", "partner")
    if is_administrator(user):
        return sessions
    if is_candidate(user):
        return sessions.filter(enrolments__candidate__user=user).distinct()
    return sessions.none()


def candidate_list_for_user(*, user: User) -> QuerySet[Candidate]:
    return Candidate.objects.filter(by_role(user, admin=Q(), candidate=Q(user=user)))


def enrolment_list_for_user(*, user: User) -> QuerySet[Enrolment]:
    enrolments = Enrolment.objects.select_related(
        "candidate", "session__referentiel__certification"
    )
    return enrolments.filter(by_role(user, admin=Q(), candidate=Q(candidate__user=user)))


def candidate_for_user(*, user: User) -> Candidate | None:
    """The candidate record of a signed-in candidate, if any."""
    if not is_candidate(user):
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


# -- candidate space and session dashboard ------------------------------------------------
def _with_progress_relations(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """What a progress computation reads of an enrolment, in a constant number of queries."""
    return enrolments.select_related(
        "candidate", "session__referentiel__certification"
    ).prefetch_related(
        # Bloc keys only: the blocs themselves come once, with the référentiel.
        Prefetch("targetbloc_set", queryset=TargetBloc.objects.only("enrolment_id", "bloc_id")),
        "acquired_blocs",
    )


def space_enrolments_for_user(*, user: User) -> list[Enrolment]:
    """The signed-in candidate's own enrolments, newest session first; nobody else has a
    space of their own."""
    if not is_candidate(user):
        return []
    enrolments = enrolment_list_for_user(user=user).filter(candidate__anonymised_at__isnull=True)
    return list(_with_progress_relations(enrolments).order_by("-session__starts_on", "-pk"))


def enrolment_get_for_user(
    *, user: User, session_id: UUID | str, candidate_id: UUID | str
) -> Enrolment:
    """One enrolment by its session and candidate; Enrolment.DoesNotExist when out of reach."""
    return _with_progress_relations(enrolment_list_for_user(user=user)).get(
        session__public_id=session_id, candidate__public_id=candidate_id
    )


def session_get_for_user(*, user: User, public_id: UUID | str) -> Session:
    """Session.DoesNotExist when out of reach (the view answers 404)."""
    return session_list_for_user(user=user).get(public_id=public_id)


def session_enrolments_for_user(
    *, user: User, session: Session, access_route: str = "", search: str = ""
) -> list[Enrolment]:
    """A session's enrolments for its dashboard, filtered by access route and by words
    found in the candidate's names or e-mail (every word must match)."""
    enrolments = enrolment_list_for_user(user=user).filter(session=session)
    if access_route:
        enrolments = enrolments.filter(access_route=access_route)
    for word in search.split():
        enrolments = enrolments.filter(
            Q(candidate__birth_name__icontains=word) | Q(candidate__usage_name__icontains=word)
            | Q(candidate__first_names__icontains=word) | Q(candidate__email__icontains=word)
        )
    return list(
        _with_progress_relations(enrolments).order_by(
            "candidate__birth_name", "candidate__first_names", "pk"
        )
    )


def referentiel_blocs(*, referentiel: Referentiel) -> list[Bloc]:
    """A référentiel's blocs with their compétences, in two queries. Reached only through
    an enrolment or a session the user was given by the selectors above."""
    return list(referentiel.blocs.prefetch_related("competences"))


