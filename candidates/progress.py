"""A candidate's progress per bloc, for the candidate space and the session dashboard.

Pure functions, no database (DESIGN.md §3): callers turn rows into the values below.
What a level means (acquired, complement, rattrapage) comes from the scale through
``certifications.rules``; a bloc complete in the deliberation gets ``bloc_status``'s
verdict, a bloc still being decided shows the first gap found or "in progress".
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from certifications.rules import DEFAULT_SCALE_RULES, BlocStatus, ScaleRules, bloc_status
from certifications.vocabulary import LevelOutcome


class ProgressStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    VALIDATED = "validated"
    COMPLEMENT = "complement"  # some compétence at a complement level (3 by default)
    RATTRAPAGE = "rattrapage"  # some compétence at a rattrapage level (4 by default)
    ACQUIRED_BEFORE = "acquired_before"  # capitalisation, équivalence, VAE

    @property
    def done(self) -> bool:
        """Counts towards the certification: validated now or acquired before."""
        return self in (ProgressStatus.VALIDATED, ProgressStatus.ACQUIRED_BEFORE)


_FROM_BLOC_STATUS = {
    BlocStatus.VALIDATED: ProgressStatus.VALIDATED,
    BlocStatus.COMPLEMENT: ProgressStatus.COMPLEMENT,
    BlocStatus.RATTRAPAGE: ProgressStatus.RATTRAPAGE,
}


@dataclass(frozen=True)
class BlocInput:
    """A bloc shown to the candidate: its key and its compétences' keys, in order."""

    key: int
    competences: tuple[int, ...]


@dataclass(frozen=True)
class CompetenceProgress:
    key: int
    level: int | None  # the published final level
    outcome: LevelOutcome | None


@dataclass(frozen=True)
class BlocProgress:
    key: int
    status: ProgressStatus
    competences: tuple[CompetenceProgress, ...]
    acquired: int  # compétences acquired (all of them for a bloc acquired before)
    total: int


@dataclass(frozen=True)
class EnrolmentProgress:
    blocs: tuple[BlocProgress, ...]
    blocs_done: int  # validated or acquired before
    blocs_total: int

    def bloc(self, key: int) -> BlocProgress | None:
        return next((bloc for bloc in self.blocs if bloc.key == key), None)


def _status(
    finals: Mapping[int, int], competences: Sequence[int], started: bool, scale: ScaleRules
) -> ProgressStatus:
    if competences and len(finals) == len(competences):
        return _FROM_BLOC_STATUS[bloc_status({str(k): v for k, v in finals.items()}, scale)]
    outcomes = {scale.outcome(level) for level in finals.values()}
    if LevelOutcome.RATTRAPAGE in outcomes:
        return ProgressStatus.RATTRAPAGE
    if LevelOutcome.COMPLEMENT in outcomes:
        return ProgressStatus.COMPLEMENT
    return ProgressStatus.IN_PROGRESS if finals or started else ProgressStatus.NOT_STARTED


def bloc_progress(
    bloc: BlocInput,
    *,
    acquired_before: bool,
    final_levels: Mapping[int, int],
    scored: AbstractSet[int],
    scale: ScaleRules = DEFAULT_SCALE_RULES,
) -> BlocProgress:
    """One bloc: its status and how many of its compétences are acquired."""
    finals = {key: final_levels[key] for key in bloc.competences if key in final_levels}
    competences = tuple(
        CompetenceProgress(
            key=key,
            level=finals.get(key),
            outcome=scale.outcome(finals[key]) if key in finals else None,
        )
        for key in bloc.competences
    )
    total = len(bloc.competences)
    if acquired_before:
        return BlocProgress(bloc.key, ProgressStatus.ACQUIRED_BEFORE, competences, total, total)
    started = any(key in scored for key in bloc.competences)
    acquired = sum(1 for c in competences if c.outcome is LevelOutcome.ACQUIRED)
    status = _status(finals, bloc.competences, started, scale)
    return BlocProgress(bloc.key, status, competences, acquired, total)


def enrolment_progress(
    *,
    blocs: Sequence[BlocInput],
    acquired_before: AbstractSet[int],
    final_levels: Mapping[int, int],
    scored: AbstractSet[int],
    scale: ScaleRules = DEFAULT_SCALE_RULES,
) -> EnrolmentProgress:
    """Every bloc of an enrolment, and how many of them are done.

    ``final_levels`` maps a compétence to its published final level; ``scored`` holds
    the compétences that have at least one score (the épreuve has begun).
    """
    progress = tuple(
        bloc_progress(bloc, acquired_before=bloc.key in acquired_before,
                      final_levels=final_levels, scored=scored, scale=scale)
        for bloc in blocs
    )
    done = sum(1 for bloc in progress if bloc.status.done)
    return EnrolmentProgress(blocs=progress, blocs_done=done, blocs_total=len(progress))


def level_distribution(final_levels: Iterable[Mapping[int, int]]) -> dict[int, Counter[int]]:
    """Per compétence, how many candidates got each level (candidates' final levels in)."""
    distribution: dict[int, Counter[int]] = {}
    for levels in final_levels:
        for competence, level in levels.items():
            distribution.setdefault(competence, Counter())[level] += 1
    return distribution


def percent(part: int, whole: int) -> int:
    """A whole percentage for a progress bar; 0 when there is nothing to count."""
    return round(100 * part / whole) if whole else 0
