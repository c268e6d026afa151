"""The candidate's progress per bloc (candidates.progress): pure, so tested exhaustively."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candidates.progress import (
    BlocInput,
    ProgressStatus,
    bloc_progress,
    enrolment_progress,
    level_distribution,
    percent,
)
from certifications.rules import ScaleRules
from certifications.vocabulary import LevelOutcome

BLOC = BlocInput(key=1, competences=(11, 12, 13))


@pytest.mark.parametrize(
    ("final_levels", "scored", "status", "acquired"),
    [
        ({}, set(), ProgressStatus.NOT_STARTED, 0),
        ({}, {99}, ProgressStatus.NOT_STARTED, 0),  # a score elsewhere starts nothing here
        ({}, {12}, ProgressStatus.IN_PROGRESS, 0),
        ({11: 1}, set(), ProgressStatus.IN_PROGRESS, 1),
        ({11: 1, 12: 2}, {13}, ProgressStatus.IN_PROGRESS, 2),
        ({11: 1, 12: 2, 13: 2}, set(), ProgressStatus.VALIDATED, 3),
        ({11: 1, 12: 3, 13: 2}, set(), ProgressStatus.COMPLEMENT, 2),
        ({11: 4, 12: 3, 13: 2}, set(), ProgressStatus.RATTRAPAGE, 1),
        ({11: 3}, {12}, ProgressStatus.COMPLEMENT, 0),  # a gap shows before the rest is decided
        ({11: 3, 12: 4}, set(), ProgressStatus.RATTRAPAGE, 0),
        ({11: 4, 12: 4, 13: 4}, set(), ProgressStatus.RATTRAPAGE, 0),
    ],
)
def test_it_gives_each_bloc_its_status(final_levels, scored, status, acquired):
    progress = bloc_progress(BLOC, acquired_before=False, final_levels=final_levels,
                             scored=scored)
    assert progress.status is status
    assert (progress.acquired, progress.total) == (acquired, 3)


@pytest.mark.parametrize("final_levels", [{}, {11: 4}, {11: 1, 12: 1, 13: 1}])
def test_it_counts_a_bloc_acquired_before_as_acquired_whatever_the_levels(final_levels):
    progress = bloc_progress(BLOC, acquired_before=True, final_levels=final_levels, scored=set())
    assert progress.status is ProgressStatus.ACQUIRED_BEFORE
    assert (progress.acquired, progress.total) == (3, 3)


def test_it_keeps_the_competences_in_order_with_their_levels_and_outcomes():
    progress = bloc_progress(BLOC, acquired_before=False, final_levels={13: 3, 11: 1},
                             scored=set())
    assert [(c.key, c.level, c.outcome) for c in progress.competences] == [
        (11, 1, LevelOutcome.ACQUIRED),
        (12, None, None),
        (13, 3, LevelOutcome.COMPLEMENT),
    ]


def test_it_leaves_a_bloc_without_competences_not_started():
    empty = BlocInput(key=2, competences=())
    progress = bloc_progress(empty, acquired_before=False, final_levels={}, scored=set())
    assert progress.status is ProgressStatus.NOT_STARTED
    assert (progress.acquired, progress.total) == (0, 0)


def test_it_reads_what_a_level_means_from_the_scale():
    strict = ScaleRules(outcomes={1: LevelOutcome.ACQUIRED, 2: LevelOutcome.COMPLEMENT,
                                  3: LevelOutcome.RATTRAPAGE})
    progress = bloc_progress(BLOC, acquired_before=False, final_levels={11: 1, 12: 2, 13: 1},
                             scored=set(), scale=strict)
    assert progress.status is ProgressStatus.COMPLEMENT
    assert progress.acquired == 2


def test_it_refuses_a_level_off_the_scale():
    with pytest.raises(ValueError, match="not on this scale"):
        bloc_progress(BLOC, acquired_before=False, final_levels={11: 7}, scored=set())


def test_it_counts_blocs_validated_or_acquired_before_for_the_certification():
    blocs = [BlocInput(1, (11, 12)), BlocInput(2, (21,)), BlocInput(3, (31,)), BlocInput(4, ())]
    progress = enrolment_progress(
        blocs=blocs, acquired_before={2}, final_levels={11: 1, 12: 2, 31: 4}, scored={31},
    )
    assert [b.status for b in progress.blocs] == [
        ProgressStatus.VALIDATED, ProgressStatus.ACQUIRED_BEFORE, ProgressStatus.RATTRAPAGE,
        ProgressStatus.NOT_STARTED,
    ]
    assert (progress.blocs_done, progress.blocs_total) == (2, 4)
    assert progress.bloc(3).status is ProgressStatus.RATTRAPAGE
    assert progress.bloc(99) is None


def test_it_has_nothing_to_count_without_blocs():
    progress = enrolment_progress(blocs=[], acquired_before=set(), final_levels={}, scored=set())
    assert (progress.blocs_done, progress.blocs_total) == (0, 0)


@pytest.mark.parametrize(
    ("status", "done"),
    [(ProgressStatus.VALIDATED, True), (ProgressStatus.ACQUIRED_BEFORE, True),
     (ProgressStatus.COMPLEMENT, False), (ProgressStatus.RATTRAPAGE, False),
     (ProgressStatus.IN_PROGRESS, False), (ProgressStatus.NOT_STARTED, False)],
)
def test_it_counts_only_validated_and_acquired_blocs_as_done(status, done):
    assert status.done is done


def test_it_counts_levels_per_competence():
    distribution = level_distribution([{11: 1, 12: 3}, {11: 1, 12: 4}, {}])
    assert distribution == {11: {1: 2}, 12: {3: 1, 4: 1}}


@pytest.mark.parametrize(("part", "whole", "expected"), [(0, 0, 0), (0, 5, 0), (3, 5, 60),
                                                         (1, 3, 33), (2, 3, 67), (7, 7, 100)])
def test_it_rounds_percentages(part, whole, expected):
    assert percent(part, whole) == expected


# -- properties --------------------------------------------------------------------------
levels = st.integers(min_value=1, max_value=4)
competence_keys = st.lists(st.integers(min_value=1, max_value=40), unique=True, max_size=8)


@st.composite
def bloc_cases(draw):
    keys = draw(competence_keys)
    finals = draw(st.dictionaries(st.sampled_from(keys), levels) if keys else st.just({}))
    scored = draw(st.sets(st.sampled_from(keys)) if keys else st.just(set()))
    return BlocInput(key=1, competences=tuple(keys)), finals, scored


@given(bloc_cases())
def test_property_counts_stay_within_the_bloc(case):
    bloc, finals, scored = case
    progress = bloc_progress(bloc, acquired_before=False, final_levels=finals, scored=scored)
    assert 0 <= progress.acquired <= progress.total == len(bloc.competences)
    assert progress.acquired == sum(1 for level in finals.values() if level <= 2)


@given(bloc_cases())
def test_property_validated_means_every_competence_acquired(case):
    bloc, finals, scored = case
    progress = bloc_progress(bloc, acquired_before=False, final_levels=finals, scored=scored)
    every_acquired = bool(bloc.competences) and progress.acquired == progress.total
    assert (progress.status is ProgressStatus.VALIDATED) == every_acquired


@given(bloc_cases())
def test_property_the_worst_gap_wins(case):
    bloc, finals, scored = case
    status = bloc_progress(bloc, acquired_before=False, final_levels=finals,
                           scored=scored).status
    worst = max(finals.values(), default=None)
    if worst == 4:
        assert status is ProgressStatus.RATTRAPAGE
    elif worst == 3:
        assert status is ProgressStatus.COMPLEMENT
    elif status is ProgressStatus.NOT_STARTED:
        assert not finals
        assert not scored


@given(bloc_cases(), st.booleans())
def test_property_levels_pass_through_unchanged(case, acquired_before):
    bloc, finals, scored = case
    progress = bloc_progress(bloc, acquired_before=acquired_before, final_levels=finals,
                             scored=scored)
    assert {c.key: c.level for c in progress.competences if c.level is not None} == finals


@given(st.lists(bloc_cases(), max_size=7), st.data())
def test_property_the_certification_counts_its_done_blocs(cases, data):
    blocs = [BlocInput(key=index, competences=bloc.competences)
             for index, (bloc, _, _) in enumerate(cases)]
    finals = {key: level for _, bloc_finals, _ in cases for key, level in bloc_finals.items()}
    before = data.draw(st.sets(st.sampled_from(range(len(blocs)))) if blocs else st.just(set()))
    progress = enrolment_progress(blocs=blocs, acquired_before=before, final_levels=finals,
                                  scored=set())
    assert progress.blocs_total == len(blocs)
    assert progress.blocs_done == sum(1 for b in progress.blocs if b.status.done)
    assert progress.blocs_done >= len(before)
