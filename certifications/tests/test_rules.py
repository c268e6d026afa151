"""The rules of DESIGN.md §5, tried exhaustively where the space is small and with
hypothesis elsewhere."""

from datetime import date
from decimal import Decimal
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certifications import rules
from certifications.rules import (
    BlocStatus,
    CandidateResult,
    CertificationRules,
    MemberPresence,
    Outcome,
)
from certifications.vocabulary import LevelOutcome

levels = st.integers(min_value=1, max_value=4)


def test_levels_one_and_two_are_acquired_three_and_four_are_not():
    assert [rules.is_acquired(level) for level in (1, 2, 3, 4)] == [True, True, False, False]
    assert rules.DEFAULT_SCALE_RULES.outcome(3) is LevelOutcome.COMPLEMENT
    assert rules.DEFAULT_SCALE_RULES.outcome(4) is LevelOutcome.RATTRAPAGE


def test_levels_three_and_four_need_a_comment():
    assert [rules.comment_required(level) for level in (1, 2, 3, 4)] == [False, False, True, True]


def test_a_level_off_the_scale_is_refused():
    with pytest.raises(ValueError, match="not on this scale"):
        rules.is_acquired(5)


@pytest.mark.parametrize(
    ("given_levels", "expected"),
    [([2], 2), ([1, 2], 2), ([1, 3], 3), ([1, 1, 4], 1), ([1, 2, 3, 4], 3), ([4, 1], 4)],
)
def test_the_proposal_is_the_median_rounded_to_the_more_demanding_level(given_levels, expected):
    assert rules.proposed_level(given_levels) == expected


@given(st.lists(levels, min_size=1, max_size=9))
def test_the_proposal_lies_between_the_members_levels_and_never_flatters(given_levels):
    proposal = rules.proposed_level(given_levels)
    assert min(given_levels) <= proposal <= max(given_levels)
    # At least half of the members judged the candidate at this level or better.
    assert sum(1 for level in given_levels if level <= proposal) * 2 >= len(given_levels)


def test_no_proposal_without_levels():
    with pytest.raises(ValueError, match="No level"):
        rules.proposed_level([])


def test_differences_of_two_levels_or_more_are_flagged():
    for a, b in product((1, 2, 3, 4), repeat=2):
        assert rules.levels_diverge([a, b]) is (abs(a - b) >= 2)
    assert rules.levels_diverge([1, 2], threshold=1)
    assert not rules.levels_diverge([])


def test_a_bloc_is_validated_only_when_every_competence_is_acquired():
    for combination in product((1, 2, 3, 4), repeat=3):
        status = rules.bloc_status(dict(zip(("C1", "C2", "C3"), combination, strict=True)))
        if all(level <= 2 for level in combination):
            assert status is BlocStatus.VALIDATED
        elif 4 in combination:
            assert status is BlocStatus.RATTRAPAGE
        else:
            assert status is BlocStatus.COMPLEMENT


def test_a_bloc_with_an_unscored_or_no_competence_is_incomplete():
    assert rules.bloc_status({"C1": 1, "C2": None}) is BlocStatus.INCOMPLETE
    assert rules.bloc_status({}) is BlocStatus.INCOMPLETE


def test_an_acquired_bloc_stays_acquired_for_life_by_default():
    assert rules.bloc_still_acquired(date(2000, 1, 1), date(2099, 1, 1), None)


def test_an_acquired_bloc_expires_after_the_validity_period():
    assert rules.bloc_still_acquired(date(2024, 1, 31), date(2029, 1, 30), 60)
    assert not rules.bloc_still_acquired(date(2024, 1, 31), date(2029, 1, 31), 60)
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


@given(st.dates(), st.integers(min_value=0, max_value=600))
def test_adding_months_never_goes_backwards(day, months):
    if day.year < 9000:
        assert rules.add_months(day, months) >= day


ALL = frozenset({"BC1", "BC2", "BC3"})


def result(**kwargs):
    defaults = {"blocs_targeted": ALL, "blocs_validated_now": frozenset(), "all_blocs": ALL}
    return CandidateResult(**{**defaults, **kwargs})


def test_the_certification_needs_every_bloc_now_or_before_and_every_requirement():
    assert rules.certification_awarded(result(blocs_validated_now=ALL))
    assert rules.certification_awarded(
        result(blocs_validated_now=frozenset({"BC1"}),
               blocs_acquired_before=frozenset({"BC2", "BC3"}))
    )
    assert not rules.certification_awarded(result(blocs_validated_now=frozenset({"BC1", "BC2"})))
    assert not rules.certification_awarded(
        result(blocs_validated_now=ALL, requirements_met={"mission": False})
    )


def test_the_outcome_of_a_candidate():
    assert rules.candidate_outcome(result(blocs_validated_now=ALL)) is Outcome.FULL_SUCCESS
    partial = result(blocs_validated_now=frozenset({"BC1"}))
    assert rules.candidate_outcome(partial) is Outcome.PARTIAL_SUCCESS
    assert rules.candidate_outcome(result()) is Outcome.FAILURE
    assert rules.candidate_outcome(result(absent=True)) is Outcome.ABSENT
    assert rules.candidate_outcome(result(excused=True, absent=True)) is Outcome.EXCUSED


def member(president=False, external=True, sex="F"):
    return MemberPresence(is_president=president, is_external_professional=external, sex=sex)


def test_a_complete_jury_can_sign():
    check = rules.jury_composition_check([member(president=True, sex="M"), member()])
    assert check.ok
    assert check.warnings == ()


def test_the_jury_needs_a_quorum_a_president_and_enough_external_professionals():
    assert rules.jury_composition_check([member(president=True)]).errors == ("quorum",)
    assert "president_absent" in rules.jury_composition_check([member(), member()]).errors
    internal_heavy = [member(president=True, external=False), member(external=False), member()]
    assert "external_share" in rules.jury_composition_check(internal_heavy).errors
    relaxed = CertificationRules(external_professional_share=Decimal("0.25"))
    assert rules.jury_composition_check(internal_heavy, relaxed).ok


def test_a_single_gender_jury_is_a_warning_not_an_error():
    check = rules.jury_composition_check([member(president=True), member()])
    assert check.ok
    assert check.warnings == ("single_gender",)
