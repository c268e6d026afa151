"""The members' levels side by side, per candidate and compétence (administrators and
the jury president)."""

from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import is_administrator_or_jury, may_read_scores
from assessments.models import Score, Sitting
from candidates.models import Candidate, Session
from certifications.models import Competence, Level, Modality
from certifications.rules import levels_diverge, proposed_level
from certifications.selectors import certification_rules, scale_levels
from juries.models import ConflictOfInterest


def session_get_for_score_reader(*, user: User, public_id: UUID | str) -> Session:
    """A session whose scores ``user`` may read side by side: administrators, and the
    president of its jury. Session.DoesNotExist otherwise (the view answers 404)."""
    if not is_administrator_or_jury(user):
        raise Session.DoesNotExist
    session = Session.objects.select_related("referentiel__certification").get(
        public_id=public_id
    )
    if not may_read_scores(user, session):
        raise Session.DoesNotExist
    return session


@dataclass(frozen=True)
class MemberLevel:
    scorer: User
    level: int
    comment: str
    conflicted: bool  # a conflict of interest is declared: not counted


@dataclass(frozen=True)
class CompetenceLevels:
    competence: Competence
    levels: list[MemberLevel]
    proposed: int | None
    diverges: bool


@dataclass(frozen=True)
class CandidateLevels:
    candidate: Candidate
    rows: list[CompetenceLevels]


@dataclass(frozen=True)
class SessionScores:
    candidates: list[CandidateLevels]
    levels: dict[int, Level]
    divergence_threshold: int


def session_score_candidates(*, session: Session) -> QuerySet[Candidate]:
    """The candidates sitting an assessment of the session (reached through
    ``session_get_for_score_reader``), in the order of the side-by-side view: a page of
    them is what ``session_scores`` reads."""
    return (Candidate.objects.filter(enrolments__sittings__assessment__session=session)
            .distinct().order_by("birth_name", "first_names", "pk"))


def session_scores(*, session: Session, candidates: list[int] | None = None) -> SessionScores:
    """Every member's level per candidate × compétence of the session (session reached
    through ``session_get_for_score_reader``), with the proposed level and the divergence
    flag; levels of a member in conflict with the candidate are not counted. Only the
    ``candidates`` given (pks), when given: a big session is read a page at a time.
    Constant queries."""
    sittings_of = Sitting.objects.filter(assessment__session=session)
    scored = Score.objects.filter(sitting__assessment__session=session, level__isnull=False)
    if candidates is not None:
        sittings_of = sittings_of.filter(enrolment__candidate__in=candidates)
        scored = scored.filter(sitting__enrolment__candidate__in=candidates)
    sittings = list(
        sittings_of.select_related("enrolment__candidate", "assessment")
        .order_by("enrolment__candidate__birth_name", "enrolment__candidate__first_names", "pk")
    )
    evaluated: dict[int, set[int]] = {}
    for modality_id, competence_id in Modality.competences.through.objects.filter(
        modality__assessments__session=session
    ).values_list("modality_id", "competence_id").distinct():
        evaluated.setdefault(modality_id, set()).add(competence_id)
    competences = list(
        Competence.objects.filter(pk__in={c for ids in evaluated.values() for c in ids})
        .order_by("bloc__position", "bloc_id", "position", "pk")
    )
    scores = list(
        scored.select_related("scorer").order_by("scorer__last_name", "scorer__first_name",
                                                 "pk")
    )
    conflicts = set(
        ConflictOfInterest.objects.filter(
            candidate__in={s.enrolment.candidate_id for s in sittings}
        ).values_list("member__user_id", "candidate_id")
    )
    threshold = certification_rules(session.referentiel.certification).divergence_threshold
    levels = {level.number: level for level in scale_levels(referentiel=session.referentiel)}
    return SessionScores(
        candidates=_candidate_levels(sittings, evaluated, competences, scores, conflicts,
                                     threshold),
        levels=levels, divergence_threshold=threshold,
    )


def _candidate_levels(
    sittings: list[Sitting], evaluated: dict[int, set[int]], competences: list[Competence],
    scores: list[Score], conflicts: set[tuple[int, int]], threshold: int,
) -> list[CandidateLevels]:
    candidates: dict[int, Candidate] = {}
    assessed: dict[int, set[int]] = {}
    candidate_of_sitting: dict[int, int] = {}
    for sitting in sittings:
        candidate = sitting.enrolment.candidate
        candidates.setdefault(candidate.pk, candidate)
        assessed.setdefault(candidate.pk, set()).update(
            evaluated.get(sitting.assessment.modality_id, set()))
        candidate_of_sitting[sitting.pk] = candidate.pk
    given: dict[tuple[int, int], list[MemberLevel]] = {}
    for score in scores:
        candidate_id = candidate_of_sitting[score.sitting_id]
        given.setdefault((candidate_id, score.competence_id), []).append(MemberLevel(
            score.scorer, score.level or 0, score.comment,
            (score.scorer_id, candidate_id) in conflicts,
        ))
    result = []
    for candidate_id, candidate in candidates.items():
        rows = []
        for competence in competences:
            if competence.pk not in assessed[candidate_id]:
                continue
            member_levels = given.get((candidate_id, competence.pk), [])
            counted = [m.level for m in member_levels if not m.conflicted]
            rows.append(CompetenceLevels(
                competence, member_levels, proposed_level(counted) if counted else None,
                levels_diverge(counted, threshold),
            ))
        result.append(CandidateLevels(candidate, rows))
    return result
