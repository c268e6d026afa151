"""Reads on assessments and their results (DESIGN.md §3, §4.6).

Callers pass the enrolments they already reached through their own permission selector
(the candidate space, a dashboard); these functions only gather what is recorded for
them, each in one query whatever the number of enrolments.
"""

from __future__ import annotations

from collections.abc import Sequence

from assessments.models import Score, Sitting
from candidates.models import AcquiredBloc, Enrolment
from certifications.models import Bloc, Modality


def scored_competences_for_enrolments(
    *, enrolments: Sequence[Enrolment]
) -> dict[int, frozenset[int]]:
    """Per enrolment pk, the compétences with at least one level given (any scorer).

    A score without a level (a comment only) does not count: nothing was assessed yet.
    """
    found: dict[int, set[int]] = {enrolment.pk: set() for enrolment in enrolments}
    if not found:
        return {}
    rows = (
        Score.objects.filter(sitting__enrolment__in=list(found), level__isnull=False)
        .values_list("sitting__enrolment_id", "competence_id")
        .distinct()
    )
    for enrolment_pk, competence_pk in rows:
        found[enrolment_pk].add(competence_pk)
    return {pk: frozenset(competences) for pk, competences in found.items()}


def sittings_for_enrolments(*, enrolments: Sequence[Enrolment]) -> dict[int, list[Sitting]]:
    """Per enrolment pk, its sittings of épreuves not cancelled, soonest first, with the
    assessment and its modality selected (date, place, title, duration, team,
    attendance). Past and upcoming are the caller's to tell apart (assessments.timing),
    against its own clock.
    Sorted by each candidate's own time (``Sitting.slot_starts_at``)."""
    found: dict[int, list[Sitting]] = {enrolment.pk: [] for enrolment in enrolments}
    if not found:
        return {}
    sittings = (
        Sitting.objects.filter(enrolment__in=list(found), assessment__cancelled_at__isnull=True)
        .select_related("assessment__modality")
        .order_by("assessment__starts_at", "assessment_id")
    )
    for sitting in sittings:
        found[sitting.enrolment_id].append(sitting)
    for listed in found.values():
        listed.sort(key=lambda s: (s.slot_starts_at, s.assessment_id))
    return found


def enrolments_holding_every_bloc(
    *, modality: Modality, enrolments: Sequence[Enrolment]
) -> list[tuple[Enrolment, list[Bloc]]]:
    """The enrolments that already hold (acquired before the session: capitalisation,
    equivalence, VAE) every bloc the épreuve's modality evaluates, with those blocs, in
    the order given. Nothing for a modality tied to no bloc. Two queries."""
    blocs = list(modality.blocs.order_by("position", "pk"))
    if not blocs or not enrolments:
        return []
    held: dict[int, set[int]] = {}
    for enrolment_id, bloc_id in AcquiredBloc.objects.filter(
        enrolment__in=list(enrolments), bloc__in=blocs
    ).values_list("enrolment_id", "bloc_id"):
        held.setdefault(enrolment_id, set()).add(bloc_id)
    every = {bloc.pk for bloc in blocs}
    return [(enrolment, blocs) for enrolment in enrolments if held.get(enrolment.pk) == every]
