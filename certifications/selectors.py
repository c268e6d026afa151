"""Reads on référentiels, with the permission filter built in (DESIGN.md §8)."""

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import Role, User
from certifications.models import Bloc, Certification, Competence, Criterion, Referentiel


def certification_list_for_user(*, user: User) -> QuerySet[Certification]:
    """Administrators and jury members read every référentiel; candidates read theirs
    through their enrolment (the candidate space), not this list."""
    if not user.is_authenticated or user.role == Role.CANDIDATE:
        return Certification.objects.none()
    return Certification.objects.annotate(version_count=Count("referentiels")).order_by(
        "code", "title"
    )


def referentiel_get_for_user(*, user: User, public_id: str) -> Referentiel:
    """Raises Referentiel.DoesNotExist when out of reach (the view answers 404)."""
    certifications = certification_list_for_user(user=user)
    return Referentiel.objects.select_related("certification", "scale").get(
        public_id=public_id, certification__in=certifications
    )


def referentiel_tree(*, referentiel: Referentiel) -> list[Bloc]:
    """Blocs with activities, compétences and criteria, in a constant number of queries."""
    return list(
        referentiel.blocs.prefetch_related(
            "activities",
            Prefetch("competences", queryset=Competence.objects.select_related("activity")),
            Prefetch(
                "criteria",
                queryset=Criterion.objects.select_related("modality").prefetch_related(
                    "competences"
                ),
            ),
        )
    )
