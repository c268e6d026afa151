"""When a candidate's épreuve starts and ends: the modality's duration plus the
candidate's extra time (tiers-temps), and whether it is still to come (DESIGN.md §1).

Extra time is rounded UP to the minute, in the candidate's favour: 150 min at 33 % is
49.5 → 50 min, « 2 h 30 + 50 min = 3 h 20 ». An épreuve without a known duration ends
when it starts: it is past as soon as it has begun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from assessments.models import Assessment, Sitting


def extra_minutes(minutes: int | None, percent: int) -> int:
    """The extra time in whole minutes, rounded up; 0 without a duration or a percentage."""
    if not minutes or percent <= 0:
        return 0
    return -(-minutes * percent // 100)


class When(StrEnum):
    UPCOMING = "upcoming"
    IN_PROGRESS = "in_progress"
    PAST = "past"


@dataclass(frozen=True)
class CandidateTiming:
    """One candidate's times for one épreuve."""

    starts_at: datetime
    minutes: int | None  # the modality's duration, None when the référentiel gives none
    extra_minutes: int = 0

    @property
    def total_minutes(self) -> int | None:
        return None if self.minutes is None else self.minutes + self.extra_minutes

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.total_minutes or 0)

    def when(self, now: datetime) -> When:
        """Upcoming until it starts, in progress until the candidate's end, then past."""
        if now < self.starts_at:
            return When.UPCOMING
        if now < self.ends_at:
            return When.IN_PROGRESS
        return When.PAST


def candidate_timing(assessment: Assessment, *, extra_time_percent: int,
                     starts_at: datetime | None = None) -> CandidateTiming:
    """Reads ``assessment.modality``: select it with the assessment.

    The candidate starts at ``starts_at`` (their time slot) when given, else at the
    épreuve's time."""
    minutes = assessment.modality.duration_minutes or None
    starts_at = starts_at or assessment.starts_at
    return CandidateTiming(starts_at=starts_at, minutes=minutes,
                           extra_minutes=extra_minutes(minutes, extra_time_percent))


def sitting_timing(sitting: Sitting) -> CandidateTiming:
    """One candidate's times from their sitting: their slot, the modality's duration and
    their extra time (select ``assessment__modality`` and ``enrolment``)."""
    return candidate_timing(sitting.assessment,
                            extra_time_percent=sitting.enrolment.extra_time_percent,
                            starts_at=sitting.slot_starts_at)
