"""A candidate's duration of an épreuve: the modality's minutes plus extra time rounded up,
and whether the épreuve is to come, in progress or past for them."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from assessments.timing import CandidateTiming, When, extra_minutes

STARTS = datetime.datetime(2027, 3, 15, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize(("minutes", "percent", "extra"), [
    (150, 33, 50),   # 49.5 → 50: rounded up, in the candidate's favour
    (30, 33, 10),    # 9.9 → 10
    (120, 25, 30),   # exact
    (90, 0, 0),
    (None, 33, 0),   # no known duration, no minutes to add
])
def test_extra_time_is_a_share_of_the_duration_rounded_up(minutes, percent, extra):
    assert extra_minutes(minutes, percent) == extra


def test_the_candidates_epreuve_ends_after_their_extra_time():
    timing = CandidateTiming(STARTS, 150, 50)
    assert timing.total_minutes == 200
    assert timing.ends_at == STARTS + datetime.timedelta(hours=3, minutes=20)
    assert timing.when(STARTS - datetime.timedelta(seconds=1)) == When.UPCOMING
    assert timing.when(STARTS) == When.IN_PROGRESS
    assert timing.when(timing.ends_at - datetime.timedelta(seconds=1)) == When.IN_PROGRESS
    assert timing.when(timing.ends_at) == When.PAST


def test_an_epreuve_without_duration_is_past_once_started():
    timing = CandidateTiming(STARTS, None)
    assert timing.total_minutes is None
    assert timing.when(STARTS - datetime.timedelta(minutes=1)) == When.UPCOMING
    assert timing.when(STARTS) == When.PAST
