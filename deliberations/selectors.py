"""Reads on the deliberation (DESIGN.md §4.4, §8): the president of the session's jury
and administrators reach the page; candidates read their final levels only once the
deliberation is signed and its results published."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_administrator, is_administrator_or_jury, is_jury_member
from assessments.models import Assessment, Sitting
from candidates.facts import (
    certification_facts,
    certification_gaps,
    holder_facts,
    holder_gaps,
    issuing_closed,
)
from candidates.models import Candidate, Enrolment, Session
from certifications.models import Level, Requirement
from certifications.selectors import certification_rules, scale_levels
from deliberations.models import (
    BlocDecision,
    BlocDecisionStatus,
    CandidateDecision,
    CandidateOutcome,
    CompetenceDecision,
    Deliberation,
)
from juries.models import Jury, JuryMember
from juries.selectors import session_get_for_score_reader


# -- the deliberation ----------------------------------------------------------------------
def deliberation_session_get_for_user(*, user: User, public_id: UUID | str) -> Session:
    """A session whose deliberation ``user`` reaches: the president of its jury (write)
    and administrators (read, propose). Session.DoesNotExist otherwise (a 404)."""
    return session_get_for_score_reader(user=user, public_id=public_id)


def deliberation_session_get_for_reader(*, user: User, public_id: UUID | str) -> Session:
    """A session whose deliberation ``user`` may read (DESIGN.md §8): administrators, and
    every member of its jury, the president included. Session.DoesNotExist otherwise."""
    if not is_administrator_or_jury(user):
        raise Session.DoesNotExist
    sessions = Session.objects.select_related("referentiel__certification")
    if is_jury_member(user):
        sessions = sessions.filter(jury__members__user=user)
    return sessions.distinct().get(public_id=public_id)


def deliberation_of_session(*, session: Session) -> Deliberation | None:
    """The session's deliberation (signed or not), None before the first proposal. The
    caller has already checked that the user may reach the session."""
    return (Deliberation.objects.filter(session=session)
            .select_related("session__referentiel__certification").first())


def decision_get_for_session(*, session: Session, public_id: UUID | str) -> CandidateDecision:
    """One candidate's decision in the session's deliberation; DoesNotExist otherwise."""
    return CandidateDecision.objects.select_related(
        "deliberation__session__referentiel", "enrolment__candidate",
    ).get(public_id=public_id, deliberation__session=session)


def later_sessions_of(*, session: Session) -> list[Session]:
    """Sessions a rattrapage may be carried to: later, same certification."""
    return list(Session.objects.filter(
        referentiel__certification_id=session.referentiel.certification_id,
        starts_on__gt=session.starts_on).order_by("starts_on", "name"))


@dataclass(frozen=True)
class DeliberationPage:
    """What the deliberation page shows, read in a constant number of queries."""

    deliberation: Deliberation | None
    decisions: list[CandidateDecision]
    requirements: list[Requirement]
    levels: list[Level]
    members: list[JuryMember]
    president_id: int | None
    divergence_threshold: int
    # Assessment pk → the épreuve as the page names it (« E2 Soutenance orale »): each
    # member's level is said with the épreuve it was given in.
    assessments: dict[int, str] = field(default_factory=dict)


def _epreuve(modality) -> str:
    return f"{modality.code} {modality.title}".strip() if modality.code else modality.title


def deliberation_page(*, session: Session, decision_id: UUID | str | None = None
                      ) -> DeliberationPage:
    """The session's deliberation (session reached through
    ``deliberation_session_get_for_user``) with every candidate's decisions, compétence by
    compétence and bloc by bloc, the requirements, the scale, the jury's members and the
    session's épreuves. With ``decision_id``, that candidate's decision only (the page of
    one candidate); the same queries either way."""
    deliberation = Deliberation.objects.filter(session=session).prefetch_related(
        "members_present").first()
    decisions: list[CandidateDecision] = []
    if deliberation is not None:
        rows = CandidateDecision.objects.filter(deliberation=deliberation)
        if decision_id is not None:
            rows = rows.filter(public_id=decision_id)
        decisions = list(
            rows.select_related("enrolment__candidate")
            .prefetch_related(
                Prefetch("competences", queryset=CompetenceDecision.objects
                         .select_related("competence__bloc")
                         .order_by("competence__bloc__position", "competence__bloc_id",
                                   "competence__position", "competence_id")),
                "blocs__bloc", "amendments__by",
            )
            .order_by("enrolment__candidate__birth_name", "enrolment__candidate__first_names",
                      "pk")
        )
    jury = Jury.objects.filter(session=session).first()
    members = list(JuryMember.objects.filter(juries__session=session).select_related("user"))
    certification = session.referentiel.certification
    return DeliberationPage(
        deliberation=deliberation,
        decisions=decisions,
        requirements=list(Requirement.objects.filter(certification=certification)
                          .order_by("position", "pk")),
        levels=scale_levels(referentiel=session.referentiel),
        members=members,
        president_id=jury.president_id if jury else None,
        divergence_threshold=certification_rules(certification).divergence_threshold,
        assessments={assessment.pk: _epreuve(assessment.modality) for assessment in
                     Assessment.objects.filter(session=session).select_related("modality")},
    )


# -- one candidate at a time ----------------------------------------------------------------
class DeliberationFilter(StrEnum):
    """The overview's filters (and the order a candidate's page walks with previous and
    next): ``divergent``: two members' levels on one of the candidate's compétences are
    the certification's divergence threshold apart or more (``CompetenceDecision.divergent``,
    set by the proposal); ``undecided``: a compétence has no final level yet, so a bloc
    cannot be decided (candidates absent or excused aside: nothing to decide);
    ``departs``: the outcome decided differs from the outcome proposed, or a final level
    from the level proposed."""

    DIVERGENT = "divergent"
    UNDECIDED = "undecided"
    DEPARTS = "departs"


@dataclass(frozen=True)
class OverviewRow:
    decision: CandidateDecision
    divergent: bool
    undecided: bool
    outcome_departs: bool
    level_departs: bool

    @property
    def departs(self) -> bool:
        return self.outcome_departs or self.level_departs

    def matches(self, only: DeliberationFilter | str | None) -> bool:
        """Whether the filter ``only`` keeps this candidate (no filter keeps everyone)."""
        match only:
            case DeliberationFilter.DIVERGENT:
                return self.divergent
            case DeliberationFilter.UNDECIDED:
                return self.undecided
            case DeliberationFilter.DEPARTS:
                return self.departs
        return True


def _level_departs() -> Q:
    return (Q(final_level__isnull=True, proposed_level__isnull=False)
            | Q(final_level__isnull=False, proposed_level__isnull=True)
            | (Q(final_level__isnull=False, proposed_level__isnull=False)
               & ~Q(final_level=F("proposed_level"))))


def deliberation_overview(*, session: Session, only: DeliberationFilter | str | None = None
                          ) -> list[OverviewRow]:
    """The session's candidates in the deliberation's order (name), each with the flags
    the overview filters by (``DeliberationFilter``); with ``only``, those it keeps. One
    query whatever the number of candidates."""
    rows = CandidateDecision.objects.filter(deliberation__session=session)
    competences = CompetenceDecision.objects.filter(candidate_decision=OuterRef("pk"))
    rows = rows.select_related("enrolment__candidate").annotate(
        is_divergent=Exists(competences.filter(divergent=True)),
        is_undecided=Exists(competences.filter(final_level__isnull=True)),
        is_level_departing=Exists(competences.filter(_level_departs())),
    ).order_by("enrolment__candidate__birth_name", "enrolment__candidate__first_names", "pk")
    settled = (CandidateOutcome.ABSENT, CandidateOutcome.EXCUSED)  # no level to decide
    found = [OverviewRow(decision, decision.is_divergent,
                         decision.is_undecided and decision.outcome not in settled,
                         decision.outcome != decision.proposed_outcome,
                         decision.is_level_departing) for decision in rows]
    return [row for row in found if row.matches(only)]


@dataclass(frozen=True)
class SigningSummary:
    """What signing and publishing the deliberation will do, from the decisions as they
    stand (said on the confirmation pages): how many candidates, their outcomes, the
    documents the workers will issue and how many candidates have an account to read
    their results in."""

    candidates: int
    outcomes: list[tuple[str, int]]  # (outcome's label, how many), the outcomes present
    transcripts: int
    attestations: int
    certificates: int
    with_account: int

    @property
    def documents(self) -> int:
        return 1 + self.transcripts + self.attestations + self.certificates  # + the minutes

    @property
    def without_account(self) -> int:
        return self.candidates - self.with_account


def signing_summary(*, page: DeliberationPage) -> SigningSummary:
    """Counted from ``page`` (no query): one transcript per candidate, one attestation per
    bloc validated, a certificate per full success and the minutes — the documents the
    reports app issues on signing (``reports.services.register._wanted``), by the same
    rule: ``CandidateDecision.validated_blocs`` and ``earns_certificate``."""
    decisions = page.decisions
    outcomes = [(str(label), sum(1 for d in decisions if d.outcome == value))
                for value, label in CandidateOutcome.choices]
    return SigningSummary(
        candidates=len(decisions),
        outcomes=[(label, count) for label, count in outcomes if count],
        transcripts=len(decisions),
        attestations=sum(len(d.validated_blocs()) for d in decisions),
        certificates=sum(1 for d in decisions if d.earns_certificate),
        with_account=sum(1 for d in decisions if d.enrolment.candidate.user_id is not None),
    )


def published_final_levels_for_enrolments(*, enrolments: Iterable[Enrolment]
                                          ) -> dict[int, dict[int, int]]:
    """Per enrolment pk, compétence pk → final level, from a SIGNED deliberation whose
    results are PUBLISHED (nothing otherwise). One query whatever the number of
    enrolments."""
    found: dict[int, dict[int, int]] = {enrolment.pk: {} for enrolment in enrolments}
    if not found:
        return {}
    rows = CompetenceDecision.objects.filter(
        candidate_decision__enrolment__in=list(found),
        candidate_decision__deliberation__status=Deliberation.Status.SIGNED,
        candidate_decision__deliberation__session__results_published_at__isnull=False,
        final_level__isnull=False,
    ).values_list("candidate_decision__enrolment_id", "competence_id", "final_level")
    for enrolment_pk, competence_pk, level in rows:
        found[enrolment_pk][competence_pk] = level
    return found


def published_decisions_for_enrolments(*, enrolments: Iterable[Enrolment]
                                       ) -> dict[int, CandidateDecision]:
    """Per enrolment pk, the jury's decision (outcome, with the deliberation's signing
    date) from a SIGNED deliberation whose results are PUBLISHED, with ``to_retake``: the
    blocs the jury sent to a rattrapage or asked a complement for (their bloc read along);
    enrolments without one are left out. Two queries whatever the number of enrolments."""
    ids = [enrolment.pk for enrolment in enrolments]
    if not ids:
        return {}
    decisions = CandidateDecision.objects.filter(
        enrolment__in=ids, deliberation__status=Deliberation.Status.SIGNED,
        deliberation__session__results_published_at__isnull=False,
    ).select_related("deliberation").prefetch_related(Prefetch(
        "blocs", to_attr="to_retake",
        queryset=BlocDecision.objects.filter(
            status__in=[BlocDecisionStatus.RATTRAPAGE, BlocDecisionStatus.COMPLEMENT])
        .select_related("bloc").order_by("bloc__position", "bloc__pk")))
    return {decision.enrolment_id: decision for decision in decisions}


def deliberation_list_for_user(*, user: User) -> QuerySet[Deliberation]:
    """The deliberations ``user`` reaches, as the deliberation page: administrators all,
    a jury member (the president included) those of the juries they sit on; anyone else
    none. Writing stays with the president (``deliberation_session_get_for_user``)."""
    deliberations = Deliberation.objects.select_related(
        "session__referentiel__certification", "signed_by", "session__jury__president"
    ).order_by("-session__starts_on", "-pk")
    if is_administrator(user):
        return deliberations
    if is_jury_member(user):
        return deliberations.filter(session__jury__members__user=user).distinct()
    return deliberations.none()


def document_gaps_of(*, session: Session) -> list[str]:
    """Before signing: each mandatory mention the session's documents would lack
    (DESIGN.md §6), said with where to fill it in, and the last issuing date passed.
    Two queries and a constant number more."""
    certification = session.referentiel.certification
    facts = certification_facts(certification)
    gaps = [str(gap) for gap in certification_gaps("certificate", facts)]
    for candidate in Candidate.objects.filter(enrolments__session=session).order_by(
            "birth_name", "first_names"):
        missing = holder_gaps(holder_facts(candidate))
        if missing:
            gaps.append(_("%(name)s: %(gaps)s") % {
                "name": candidate.legal_name,
                "gaps": ", ".join(str(gap.mention) for gap in missing)})
    closed = issuing_closed(facts, timezone.localdate())
    if closed:
        gaps.append(_("The certification could be awarded until %(date)s only: certificates "
                      "will need the certifier's explicit override, with a reason.")
                    % {"date": date_format(closed, "j F Y")})
    return gaps


def member_sessions(*, user: User) -> QuerySet[Session]:
    """The member's sessions on their home, latest first: those whose jury they sit on or
    where candidates are assigned to them, signed ones included, each with ``presides``,
    ``in_jury``, ``deliberated`` (a deliberation exists), ``assigned`` (candidates
    assigned to them) and ``to_score`` (those still open for scoring). One query."""
    if not is_jury_member(user):
        return Session.objects.none()
    mine = Sitting.objects.filter(assignments__member__user=user)

    def count(sittings: QuerySet[Sitting]) -> Coalesce:
        return Coalesce(Subquery(
            sittings.filter(assessment__session=OuterRef("pk")).order_by()
            .values("assessment__session").annotate(n=Count("pk", distinct=True))
            .values("n")), 0)

    return (Session.objects.filter(
        Q(pk__in=Jury.objects.filter(members__user=user).values("session_id"))
        | Q(pk__in=mine.values("assessment__session_id")))
        .annotate(
            presides=Exists(Jury.objects.filter(session=OuterRef("pk"), president__user=user)),
            in_jury=Exists(Jury.objects.filter(session=OuterRef("pk"), members__user=user)),
            deliberated=Exists(Deliberation.objects.filter(session=OuterRef("pk"))),
            assigned=count(mine), to_score=count(mine.filter(locked_at__isnull=True)))
        .order_by("-starts_on", "name", "pk"))
