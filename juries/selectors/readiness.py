"""Whether a session's épreuves are over and scored: what stands in the way of signing its
deliberation (DESIGN.md §4.4; issue 18: no signing while an épreuve has not taken place or
a present candidate has not been scored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from assessments.models import Assessment, Attendance, Score, Sitting
from assessments.timing import candidate_timing
from candidates.models import Candidate, Session
from certifications.models import Modality
from juries.models import ConflictOfInterest


@dataclass(frozen=True)
class UnscoredCandidate:
    candidate: Candidate
    scored: int  # compétences of the épreuve with at least one counted level
    total: int  # compétences the épreuve evaluates


@dataclass(frozen=True)
class AssessmentReadiness:
    """An épreuve that holds signing up: not over yet (``ends_at`` in the future), or over
    with present candidates whose scores are missing or incomplete (``unscored``)."""

    assessment: Assessment
    ends_at: datetime
    not_over: bool
    unscored: list[UnscoredCandidate] = field(default_factory=list)


def session_signing_blockers(*, session: Session, now: datetime | None = None
                             ) -> list[AssessmentReadiness]:
    """The session's épreuves not cancelled that are not over (their end, the latest of
    their candidates' ends — own time slot, duration and extra time — is after ``now``),
    then, for those over, the candidates present (not absent, not excused) with a
    compétence of the épreuve that no member gave a level to (a level given by a member in
    conflict with the candidate does not count). Empty: the session may be signed. The
    caller has reached the session. Five queries."""
    now = now or timezone.now()
    assessments = list(Assessment.objects.filter(session=session, cancelled_at__isnull=True)
                       .select_related("modality").order_by("starts_at", "pk"))
    if not assessments:
        return []
    sittings = list(Sitting.objects.filter(assessment__in=assessments)
                    .select_related("enrolment__candidate")
                    .order_by("enrolment__candidate__birth_name",
                              "enrolment__candidate__first_names", "pk"))
    evaluated: dict[int, set[int]] = {}
    for modality_id, competence_id in Modality.competences.through.objects.filter(
            modality_id__in={a.modality_id for a in assessments}).values_list(
            "modality_id", "competence_id"):
        evaluated.setdefault(modality_id, set()).add(competence_id)
    conflicts = set(ConflictOfInterest.objects.filter(
        candidate__in={s.enrolment.candidate_id for s in sittings}).values_list(
        "member__user_id", "candidate_id"))
    levelled: dict[int, set[int]] = {}
    candidate_of = {s.pk: s.enrolment.candidate_id for s in sittings}
    for sitting_id, competence_id, scorer_id in Score.objects.filter(
            sitting__assessment__session=session, level__isnull=False).values_list(
            "sitting_id", "competence_id", "scorer_id"):
        if (scorer_id, candidate_of.get(sitting_id)) not in conflicts:
            levelled.setdefault(sitting_id, set()).add(competence_id)
    by_assessment: dict[int, list[Sitting]] = {}
    for sitting in sittings:
        by_assessment.setdefault(sitting.assessment_id, []).append(sitting)
    blockers = []
    for assessment in assessments:
        of_it = by_assessment.get(assessment.pk, [])
        ends_at = max((candidate_timing(assessment,
                                        extra_time_percent=s.enrolment.extra_time_percent,
                                        starts_at=s.starts_at).ends_at for s in of_it),
                      default=candidate_timing(assessment, extra_time_percent=0).ends_at)
        if now < ends_at:
            blockers.append(AssessmentReadiness(assessment, ends_at, not_over=True))
            continue
        competences = evaluated.get(assessment.modality_id, set())
        unscored = []
        for sitting in of_it:
            if sitting.attendance != Attendance.PRESENT:
                continue
            scored = len(competences & levelled.get(sitting.pk, set()))
            if scored < len(competences):
                unscored.append(UnscoredCandidate(sitting.enrolment.candidate, scored,
                                                  len(competences)))
        if unscored:
            blockers.append(AssessmentReadiness(assessment, ends_at, not_over=False,
                                                unscored=unscored))
    return blockers
