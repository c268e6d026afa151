"""Whether a session's épreuves are over and scored: what stands in the way of signing its
deliberation (DESIGN.md §4.4; issue 18: no signing while an épreuve has not taken place or
a present candidate has not been scored), and each épreuve's scoring progress (the session
page's timeline)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from assessments.models import Assessment, Attendance, Score, Sitting
from assessments.timing import candidate_timing
from candidates.models import Candidate, EnrolmentStatus, Session
from certifications.models import Modality
from juries.models import Assignment, ConflictOfInterest


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


@dataclass(frozen=True)
class AssessmentProgress:
    """One épreuve of the session and how far its scoring went: ``scheduled`` candidates,
    of them ``present`` (not absent, not excused), of those ``scored`` fully (every
    compétence of the épreuve has a counted level); ``unassigned``: candidates no member is
    assigned to."""

    assessment: Assessment
    ends_at: datetime
    not_over: bool
    scheduled: int
    present: int
    unassigned: int
    unscored: list[UnscoredCandidate]

    @property
    def scored(self) -> int:
        return self.present - len(self.unscored)

    @property
    def fully_scored(self) -> bool:
        return not self.unscored

    @property
    def blocks_signing(self) -> bool:
        return self.not_over or bool(self.unscored)


def session_scoring_progress(*, session: Session, now: datetime | None = None
                             ) -> list[AssessmentProgress]:
    """Every épreuve of the session not cancelled, in calendar order, with its scoring
    progress, candidates withdrawn left out. An épreuve is over at the latest of its
    candidates' ends (own time slot, duration and extra time); a level given by a member in
    conflict with the candidate does not count. The caller has reached the session. Five
    queries whatever the number of épreuves and candidates."""
    now = now or timezone.now()
    assessments = list(Assessment.objects.filter(session=session, cancelled_at__isnull=True)
                       .select_related("modality").order_by("starts_at", "pk"))
    if not assessments:
        return []
    sittings = list(Sitting.objects.filter(assessment__in=assessments)
                    .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
                    .select_related("enrolment__candidate")
                    .annotate(assigned=Exists(Assignment.objects.filter(sitting=OuterRef("pk"))))
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
    progress = []
    for assessment in assessments:
        of_it = by_assessment.get(assessment.pk, [])
        ends_at = max((candidate_timing(assessment,
                                        extra_time_percent=s.enrolment.extra_time_percent,
                                        starts_at=s.starts_at).ends_at for s in of_it),
                      default=candidate_timing(assessment, extra_time_percent=0).ends_at)
        competences = evaluated.get(assessment.modality_id, set())
        present = [s for s in of_it if s.attendance == Attendance.PRESENT]
        unscored = []
        for sitting in present:
            scored = len(competences & levelled.get(sitting.pk, set()))
            if scored < len(competences):
                unscored.append(UnscoredCandidate(sitting.enrolment.candidate, scored,
                                                  len(competences)))
        progress.append(AssessmentProgress(
            assessment, ends_at, not_over=now < ends_at, scheduled=len(of_it),
            present=len(present), unassigned=sum(1 for s in of_it if not s.assigned),
            unscored=unscored))
    return progress


def signing_blockers_of(progress: list[AssessmentProgress]) -> list[AssessmentReadiness]:
    """The épreuves of ``progress`` that hold signing up (no query)."""
    return [
        AssessmentReadiness(item.assessment, item.ends_at, not_over=True) if item.not_over
        else AssessmentReadiness(item.assessment, item.ends_at, not_over=False,
                                 unscored=item.unscored)
        for item in progress if item.blocks_signing
    ]


def session_signing_blockers(*, session: Session, now: datetime | None = None
                             ) -> list[AssessmentReadiness]:
    """The session's épreuves not cancelled that are not over (their end, the latest of
    their candidates' ends — own time slot, duration and extra time — is after ``now``),
    then, for those over, the candidates present (not absent, not excused) with a
    compétence of the épreuve that no member gave a level to (a level given by a member in
    conflict with the candidate does not count). Empty: the session may be signed. The
    caller has reached the session. Five queries."""
    return signing_blockers_of(session_scoring_progress(session=session, now=now))


def session_cancelled_epreuves(*, session: Session) -> list[Assessment]:
    """The session's cancelled épreuves, in calendar order (the hub shows them struck, with
    their reason). One query."""
    return list(Assessment.objects.filter(session=session, cancelled_at__isnull=False)
                .select_related("modality").order_by("starts_at", "pk"))
