"""The rules that turn levels into decisions (DESIGN.md §5). Pure functions, no database.

Levels are numbered from 1 (best) upward; a larger number is a more demanding
verdict. What each level means (acquired, complement, rattrapage) comes from the
scale; the other settings come from the certification's ``RuleSet``. Callers turn
those rows into the frozen values below, so every rule can be tested exhaustively.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from certifications.vocabulary import LevelOutcome


@dataclass(frozen=True)
class ScaleRules:
    """What each level of a scale decides, and which levels need a comment."""

    outcomes: Mapping[int, LevelOutcome]
    comment_required: frozenset[int] = frozenset()

    def outcome(self, level: int) -> LevelOutcome:
        try:
            return self.outcomes[level]
        except KeyError:
            raise ValueError(f"Level {level} is not on this scale.") from None


DEFAULT_SCALE_RULES = ScaleRules(
    outcomes={
        1: LevelOutcome.ACQUIRED,
        2: LevelOutcome.ACQUIRED,
        3: LevelOutcome.COMPLEMENT,
        4: LevelOutcome.RATTRAPAGE,
    },
    comment_required=frozenset({3, 4}),
)


@dataclass(frozen=True)
class CertificationRules:
    divergence_threshold: int = 2
    bloc_validity_months: int | None = None  # None: acquired for life
    quorum_min_members: int = 2
    president_required: bool = True
    external_professional_share: Decimal = Decimal("0.50")
    warn_on_single_gender: bool = True


# --- Compétences ----------------------------------------------------------------------


def is_acquired(level: int, scale: ScaleRules = DEFAULT_SCALE_RULES) -> bool:
    return scale.outcome(level) is LevelOutcome.ACQUIRED


def comment_required(level: int, scale: ScaleRules = DEFAULT_SCALE_RULES) -> bool:
    """Levels that fall short (3 and 4 by default) need a comment describing the gaps."""
    return level in scale.comment_required


def proposed_level(levels: Sequence[int]) -> int:
    """The median of the members' levels, rounded towards the more demanding level.

    With an even number of levels the median falls between the two middle ones; the
    proposal is then the larger number (the more demanding verdict).
    """
    if not levels:
        raise ValueError("No level to propose from.")
    ordered = sorted(levels)
    return ordered[len(ordered) // 2]


def levels_diverge(levels: Iterable[int], threshold: int = 2) -> bool:
    """True when two members are `threshold` levels apart or more: the jury must discuss."""
    values = list(levels)
    return bool(values) and max(values) - min(values) >= threshold


# --- Blocs ----------------------------------------------------------------------------


class BlocStatus(enum.StrEnum):
    VALIDATED = "validated"
    COMPLEMENT = "complement"  # some compétence at a complement level, none at rattrapage
    RATTRAPAGE = "rattrapage"  # some compétence at a rattrapage level
    INCOMPLETE = "incomplete"  # some compétence has no final level yet


def bloc_status(
    final_levels: Mapping[str, int | None], scale: ScaleRules = DEFAULT_SCALE_RULES
) -> BlocStatus:
    """A bloc is validated when every compétence of it is acquired (an empty bloc is not)."""
    if not final_levels or any(level is None for level in final_levels.values()):
        return BlocStatus.INCOMPLETE
    outcomes = {scale.outcome(level) for level in final_levels.values() if level is not None}
    if LevelOutcome.RATTRAPAGE in outcomes:
        return BlocStatus.RATTRAPAGE
    if LevelOutcome.COMPLEMENT in outcomes:
        return BlocStatus.COMPLEMENT
    return BlocStatus.VALIDATED


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def bloc_still_acquired(acquired_on: date, on: date, validity_months: int | None) -> bool:
    """A validated bloc stays acquired for life unless the certification sets a validity."""
    if validity_months is None:
        return True
    return on < add_months(acquired_on, validity_months)


# --- Certification and outcome ----------------------------------------------------------


class Outcome(enum.StrEnum):
    FULL_SUCCESS = "full_success"
    PARTIAL_SUCCESS = "partial_success"
    FAILURE = "failure"
    ABSENT = "absent"
    EXCUSED = "excused"


@dataclass(frozen=True)
class CandidateResult:
    """Everything the rules need to decide one candidate's outcome in a session."""

    blocs_targeted: frozenset[str]  # bloc codes the candidate sat for in this session
    blocs_validated_now: frozenset[str]
    blocs_acquired_before: frozenset[str] = frozenset()  # capitalisation, équivalence, VAE
    all_blocs: frozenset[str] = frozenset()  # every bloc of the référentiel
    requirements_met: Mapping[str, bool] = field(default_factory=dict)
    absent: bool = False
    excused: bool = False


def certification_awarded(result: CandidateResult) -> bool:
    """Every bloc validated (now or before) and every extra requirement met."""
    acquired = result.blocs_validated_now | result.blocs_acquired_before
    return (
        bool(result.all_blocs)
        and result.all_blocs <= acquired
        and all(result.requirements_met.values())
    )


def candidate_outcome(result: CandidateResult) -> Outcome:
    if result.excused:
        return Outcome.EXCUSED
    if result.absent:
        return Outcome.ABSENT
    if certification_awarded(result):
        return Outcome.FULL_SUCCESS
    if result.blocs_validated_now & result.blocs_targeted:
        return Outcome.PARTIAL_SUCCESS
    return Outcome.FAILURE


# --- Jury composition -------------------------------------------------------------------


@dataclass(frozen=True)
class MemberPresence:
    is_president: bool
    is_external_professional: bool
    sex: str = ""  # "F", "M" or "" when not declared


@dataclass(frozen=True)
class CompositionCheck:
    errors: tuple[str, ...]  # refuse signing
    warnings: tuple[str, ...]  # shown, signing allowed

    @property
    def ok(self) -> bool:
        return not self.errors


def jury_composition_check(
    present: Sequence[MemberPresence], rules: CertificationRules = CertificationRules()
) -> CompositionCheck:
    """Quorum and composition at signing. Messages are stable keys for the UI to word."""
    errors: list[str] = []
    warnings: list[str] = []
    if len(present) < rules.quorum_min_members:
        errors.append("quorum")
    if rules.president_required and not any(m.is_president for m in present):
        errors.append("president_absent")
    externals = sum(1 for m in present if m.is_external_professional)
    if present and Decimal(externals) < rules.external_professional_share * len(present):
        errors.append("external_share")
    sexes = {m.sex for m in present if m.sex}
    if rules.warn_on_single_gender and present and not {"F", "M"} <= sexes:
        warnings.append("single_gender")
    return CompositionCheck(tuple(errors), tuple(warnings))
