"""Reads on juries and the scoring work, with the permission filter built in
(DESIGN.md §8): a jury member reaches only the sittings they are assigned to."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import AuditEvent, Role, User
from accounts.permissions import (
    administered_scope,
    by_role,
    is_administrator,
    is_administrator_or_jury,
    is_candidate,
    is_jury_member,
    may_manage_session,
    may_read_audit,
    may_read_scores,
)
from assessments.models import Assessment, CriterionCheck, Score, Sitting
from candidates.models import Candidate, Session
from certifications.models import (
    Bloc,
    Certification,
    Competence,
    Criterion,
    Level,
    Modality,
)
from certifications.rules import (
    CompositionCheck,
    MemberPresence,
    jury_composition_check,
    levels_diverge,
    proposed_level,
)
from certifications.selectors import certification_rules, scale_levels
from juries.models import Assignment, ConflictOfInterest, Jury, JuryMember


def member_for_user(*, user: User) -> JuryMember | None:
    if not is_jury_member(user):
        return None
    return JuryMember.objects.filter(user=user).first()


def sittings_for_scorer(*, user: User) -> QuerySet[Sitting]:
    """The sittings a user may score: those they are assigned to (nobody else's)."""
    if not is_jury_member(user):
        return Sitting.objects.none()
    return Sitting.objects.filter(assignments__member__user=user).select_related(
        "assessment__session__referentiel__scale",
        "assessment__modality",
        "enrolment__candidate",
    )


def sitting_get_for_scorer(*, user: User, public_id: str) -> Sitting:
    """Raises Sitting.DoesNotExist when the user is not assigned (the view answers 404)."""
    return sittings_for_scorer(user=user).get(public_id=public_id)


def assignment_list_for_user(*, user: User) -> QuerySet[Assignment]:
    assignments = Assignment.objects.select_related(
        "member__user", "sitting__assessment__session", "sitting__enrolment__candidate"
    )
    return assignments.filter(by_role(user, admin=Q(), jury=Q(member__user=user)))


def sessions_presided_by(*, user: User) -> QuerySet[Session]:
    """The sessions whose jury ``user`` presides (the president's links to their views)."""
    if not is_jury_member(user):
        return Session.objects.none()
    return Session.objects.filter(jury__president__user=user).order_by("-starts_on")


def sessions_deliberated_with(*, user: User) -> QuerySet[Session]:
    """The sessions whose jury ``user`` sits on without presiding and whose deliberation
    exists: the member reads it (DESIGN.md §8)."""
    if not is_jury_member(user):
        return Session.objects.none()
    return (Session.objects.filter(jury__members__user=user, deliberation__isnull=False)
            .exclude(jury__president__user=user).distinct().order_by("-starts_on"))


def jury_presided_by(*, user: User, session_id: int) -> Jury | None:
    """The session's jury when ``user`` is its president."""
    return Jury.objects.filter(session_id=session_id, president__user=user).first()


# -- administration: juries, assessments, assignments, conflicts (administrators) -------
def jury_member_list_for_user(*, user: User) -> QuerySet[JuryMember]:
    """Every jury member profile, for administrators; nobody else lists them."""
    members = JuryMember.objects.select_related("user")
    return members.filter(administered_scope(user))


def jury_users_for_user(*, user: User) -> QuerySet[User]:
    """Active accounts with the jury role (to give them a member profile)."""
    users = User.objects.filter(role=Role.JURY, is_active=True).select_related("jury_member")
    return users.order_by("last_name", "first_name", "email") if is_administrator(user) \
        else users.none()


def jury_for_session(*, user: User, session: Session) -> Jury | None:
    """The session's jury with its members and president (administrators)."""
    if not may_manage_session(user, session):
        return None
    return (
        Jury.objects.filter(session=session)
        .select_related("president__user")
        .prefetch_related("members__user")
        .first()
    )


def session_jury_members(*, user: User, session: Session) -> QuerySet[JuryMember]:
    """The members of the session's jury (administrators)."""
    members = JuryMember.objects.filter(juries__session=session).select_related("user")
    return members if may_manage_session(user, session) else members.none()


@dataclass(frozen=True)
class CompositionSummary:
    """What the composition looks like now, against the certification's rules."""

    members: int
    external_professionals: int
    women: int
    men: int
    required_share: Decimal
    check: CompositionCheck

    @property
    def external_percent(self) -> int:
        return round(100 * self.external_professionals / self.members) if self.members else 0

    @property
    def required_percent(self) -> int:
        return round(100 * self.required_share)


def jury_composition_summary(*, jury: Jury | None, certification: Certification
                             ) -> CompositionSummary:
    """The composition check of DESIGN.md §5, as if every member were present (the check
    at signing counts those actually present)."""
    rules = certification_rules(certification)
    members = list(jury.members.all()) if jury is not None else []
    president_id = jury.president_id if jury is not None else None
    present = [
        MemberPresence(is_president=member.pk == president_id,
                       is_external_professional=member.is_external_professional,
                       sex=member.sex)
        for member in members
    ]
    return CompositionSummary(
        members=len(members),
        external_professionals=sum(1 for p in present if p.is_external_professional),
        women=sum(1 for p in present if p.sex == "F"),
        men=sum(1 for p in present if p.sex == "M"),
        required_share=rules.external_professional_share,
        check=jury_composition_check(present, rules),
    )


def assessment_list_for_user(*, user: User) -> QuerySet[Assessment]:
    """Administrators: every assessment; a jury member: those where they are assigned to a
    candidate; a candidate: those they sit."""
    assessments = Assessment.objects.select_related(
        "session__referentiel__certification", "modality"
    )
    if is_administrator(user):
        return assessments
    if is_jury_member(user):
        return assessments.filter(sittings__assignments__member__user=user).distinct()
    if is_candidate(user):
        return assessments.filter(sittings__enrolment__candidate__user=user).distinct()
    return assessments.none()


def session_modalities(*, user: User, session: Session) -> QuerySet[Modality]:
    """The épreuves of the session's framework version (administrators schedule them)."""
    modalities = Modality.objects.filter(referentiel_id=session.referentiel_id).order_by(
        "position", "pk")
    return modalities if may_manage_session(user, session) else modalities.none()


def assessment_get_for_user(*, user: User, public_id: UUID | str) -> Assessment:
    """Assessment.DoesNotExist when out of reach (the view answers 404)."""
    return assessment_list_for_user(user=user).get(public_id=public_id)


def assessment_sittings_for_user(*, user: User, assessment: Assessment) -> QuerySet[Sitting]:
    """The candidates sitting an assessment, with what the assignment services read."""
    sittings = (
        Sitting.objects.filter(assessment=assessment)
        .select_related("assessment__session", "enrolment__candidate")
        .order_by("team", "enrolment__candidate__birth_name",
                  "enrolment__candidate__first_names", "pk")
    )
    return sittings if is_administrator(user) else sittings.none()


@dataclass
class MatrixCell:
    member: JuryMember
    assignment: Assignment | None
    conflict_declared: bool
    refusal: str = ""  # why the last try to assign was refused (filled by the page)


@dataclass
class MatrixRow:
    sitting: Sitting
    cells: list[MatrixCell] = field(default_factory=list)


@dataclass
class AssignmentMatrix:
    members: list[JuryMember]
    rows: list[MatrixRow]


def assignment_matrix(*, user: User, assessment: Assessment) -> AssignmentMatrix:
    """Candidates × members of the jury, with assignments and declared conflicts, in four
    queries whatever the number of candidates."""
    members = list(session_jury_members(user=user, session=assessment.session))
    sittings = list(assessment_sittings_for_user(user=user, assessment=assessment))
    assigned = {
        (a.sitting_id, a.member_id): a
        for a in Assignment.objects.filter(sitting__assessment=assessment,
                                           member__in=[m.pk for m in members])
    }
    conflicts = set(
        ConflictOfInterest.objects.filter(
            member__in=[m.pk for m in members],
            candidate__in=[s.enrolment.candidate_id for s in sittings],
        ).values_list("member_id", "candidate_id")
    )
    rows = [
        MatrixRow(sitting, [
            MatrixCell(member, assigned.get((sitting.pk, member.pk)),
                       (member.pk, sitting.enrolment.candidate_id) in conflicts)
            for member in members
        ])
        for sitting in sittings
    ]
    return AssignmentMatrix(members=members, rows=rows)


def conflict_list_for_user(*, user: User, candidate: Candidate) -> QuerySet[ConflictOfInterest]:
    """The conflicts declared about a candidate (administrators)."""
    conflicts = (
        ConflictOfInterest.objects.filter(candidate=candidate)
        .select_related("member__user", "declared_by")
        .order_by("-declared_at")
    )
    return conflicts.filter(administered_scope(user))


def score_list_for_user(*, user: User) -> QuerySet[Score]:
    """Administrators: every score; a jury member: their own scores on the sittings they
    are assigned to; anyone else: nothing."""
    scores = Score.objects.select_related(
        "sitting__assessment__session", "sitting__enrolment__candidate", "competence", "scorer"
    ).order_by("sitting__assessment__starts_at", "sitting_id", "competence__position", "pk")
    return scores.filter(by_role(user, admin=Q(),
                                 jury=Q(scorer=user, sitting__assignments__member__user=user)))


def sitting_list_for_user(*, user: User) -> QuerySet[Sitting]:
    """Every sitting, for administrators (who assign members to them); jury members reach
    theirs through ``sittings_for_scorer``."""
    sittings = Sitting.objects.select_related("assessment__session", "enrolment__candidate")
    return sittings if is_administrator(user) else sittings.none()


def sitting_competences(*, sitting: Sitting) -> QuerySet[Competence]:
    """The compétences the sitting's épreuve evaluates (the sitting was reached through a
    selector already)."""
    return Competence.objects.filter(modalities=sitting.assessment.modality_id)


def sitting_criteria(*, sitting: Sitting) -> QuerySet[Criterion]:
    """The criteria of the sitting's référentiel (the sitting was reached through a
    selector already)."""
    return Criterion.objects.select_related("bloc").filter(
        bloc__referentiel_id=sitting.assessment.session.referentiel_id)


# -- the audit trail (administrators) ----------------------------------------------------
@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""  # an e-mail address, or part of one
    session: UUID | None = None
    candidate: UUID | None = None
    since: date | None = None
    until: date | None = None


def audit_events_for_user(*, user: User, filters: AuditFilters | None = None
                          ) -> QuerySet[AuditEvent]:
    """The audit trail, newest first, filtered; only administrators read it."""
    if not may_read_audit(user):
        return AuditEvent.objects.none()
    filters = filters or AuditFilters()
    events = AuditEvent.objects.select_related("actor")
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.actor:
        events = events.filter(actor__email__icontains=filters.actor)
    if filters.session:
        events = events.filter(context__session=str(filters.session))
    if filters.candidate:
        events = events.filter(context__candidate=str(filters.candidate))
    if filters.since:
        events = events.filter(at__date__gte=filters.since)
    if filters.until:
        events = events.filter(at__date__lte=filters.until)
    return events.order_by("-at", "-id")


def audit_actions_for_user(*, user: User) -> list[str]:
    """The actions recorded so far, for the filter's choices."""
    if not may_read_audit(user):
        return []
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


# -- the scoring grid, the member's home and the president's view ------------------------
@dataclass(frozen=True)
class GridCompetence:
    competence: Competence
    criteria: list[Criterion]  # the criteria shown under it (each criterion once)
    score: Score | None  # this scorer's


@dataclass(frozen=True)
class GridBloc:
    bloc: Bloc
    competences: list[GridCompetence]
    criteria: list[Criterion]  # of this épreuve, linked to no compétence shown


@dataclass(frozen=True)
class ScoringGrid:
    blocs: list[GridBloc]
    levels: list[Level]
    checks: dict[int, CriterionCheck]  # criterion pk → this scorer's check

    @property
    def competences(self) -> list[GridCompetence]:
        return [item for bloc in self.blocs for item in bloc.competences]

    @property
    def scored_count(self) -> int:
        return sum(1 for item in self.competences if item.score and item.score.level)


def grid_for_scorer(*, sitting: Sitting, user: User) -> ScoringGrid:
    """What ``user`` sees on the grid of a sitting reached through
    ``sitting_get_for_scorer``: blocs → compétences the épreuve evaluates → their criteria
    (of this épreuve or of none), the scale's levels, the user's scores and checks. Six
    queries whatever the number of compétences."""
    modality_id = sitting.assessment.modality_id
    referentiel = sitting.assessment.session.referentiel
    competences = list(
        Competence.objects.filter(modalities=modality_id).select_related("bloc")
        .order_by("bloc__position", "bloc_id", "position", "pk")
    )
    bloc_ids = {c.bloc_id for c in competences}
    criteria = list(
        Criterion.objects.filter(bloc__referentiel_id=referentiel.pk)
        .filter(Q(modality_id=modality_id) | Q(modality__isnull=True, bloc_id__in=bloc_ids))
        .select_related("bloc").order_by("bloc__position", "bloc_id", "position", "pk")
    )
    links = Criterion.competences.through.objects.filter(
        criterion__in=[c.pk for c in criteria], competence__in=[c.pk for c in competences]
    ).values_list("criterion_id", "competence_id")
    scores = {s.competence_id: s for s in Score.objects.filter(sitting=sitting, scorer=user)}
    checks = {c.criterion_id: c
              for c in CriterionCheck.objects.filter(sitting=sitting, scorer=user)}
    levels = scale_levels(referentiel=referentiel)
    return ScoringGrid(blocs=_grid_blocs(competences, criteria, list(links), scores),
                       levels=levels, checks=checks)


def _grid_blocs(competences: list[Competence], criteria: list[Criterion],
                links: list[tuple[int, int]], scores: dict[int, Score]) -> list[GridBloc]:
    """Each criterion goes under the first compétence shown that it is linked to, else
    under its bloc."""
    order = {c.pk: index for index, c in enumerate(competences)}
    home: dict[int, int] = {}
    for criterion_id, competence_id in links:
        if criterion_id not in home or order[competence_id] < order[home[criterion_id]]:
            home[criterion_id] = competence_id
    under: dict[int, list[Criterion]] = {}
    loose: dict[int, list[Criterion]] = {}
    for criterion in criteria:
        if criterion.pk in home:
            under.setdefault(home[criterion.pk], []).append(criterion)
        else:
            loose.setdefault(criterion.bloc_id, []).append(criterion)
    blocs = {c.bloc_id: c.bloc for c in [*competences, *criteria]}
    ordered = sorted(blocs.values(), key=lambda bloc: (bloc.position, bloc.pk))
    return [
        GridBloc(
            bloc=bloc,
            competences=[GridCompetence(c, under.get(c.pk, []), scores.get(c.pk))
                         for c in competences if c.bloc_id == bloc.pk],
            criteria=loose.get(bloc.pk, []),
        )
        for bloc in ordered
    ]


def sittings_with_progress_for_scorer(*, user: User) -> QuerySet[Sitting]:
    """The user's assigned sittings in calendar order, each with ``scored`` (compétences
    the user gave a level) and ``competence_total`` (compétences the épreuve evaluates).
    One query."""
    scored = (
        Score.objects.filter(sitting=OuterRef("pk"), scorer=user.pk, level__isnull=False)
        .order_by().values("sitting").annotate(n=Count("pk")).values("n")
    )
    total = (
        Modality.competences.through.objects.filter(modality_id=OuterRef("assessment__modality"))
        .order_by().values("modality_id").annotate(n=Count("pk")).values("n")
    )
    return sittings_for_scorer(user=user).annotate(
        scored=Coalesce(Subquery(scored), 0), competence_total=Coalesce(Subquery(total), 0)
    ).order_by("assessment__session__starts_on", "assessment__session_id",
               "assessment__starts_at", "assessment_id", "team",
               "enrolment__candidate__birth_name", "enrolment__candidate__first_names", "pk")


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


def jury_list_for_user(*, user: User) -> QuerySet[Jury]:
    """Administrators: every jury; a jury member: the juries they preside (what the
    deliberation page shows them); anyone else nothing."""
    juries = Jury.objects.select_related(
        "session__referentiel__certification", "president__user"
    ).prefetch_related("members__user").order_by("-session__starts_on", "-pk")
    if is_administrator(user):
        return juries
    if is_jury_member(user):
        return juries.filter(president__user=user)
    return juries.none()


def sitting_list_for_reader(*, user: User) -> QuerySet[Sitting]:
    """Administrators: every sitting (to assign members); a jury member: the sittings
    assigned to them (to score); anyone else nothing."""
    if is_administrator(user):
        return sitting_list_for_user(user=user)
    return sittings_for_scorer(user=user)
