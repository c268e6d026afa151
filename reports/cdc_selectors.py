"""Reads of the Caisse des Dépôts declaration process (reports/cdc_flux.py), administrators
only: anyone else reaches nothing (the views answer 404). Each read is a constant number of
queries whatever the number of sessions, fluxes and passages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_administrator
from candidates.models import Session
from certifications.models import Certification
from deliberations.models import CandidateOutcome, Deliberation
from reports.cdc import CdcDeadline, cdc_deadline
from reports.cdc_flux import REASON_FIXES
from reports.models import CdcFlux, CdcPassage, CdcPassageState

S = CdcPassageState


@dataclass(frozen=True)
class PassageCounts:
    """A session's (or a flux's) passages by state."""

    holders: int = 0  # holders of the whole certification (the decisions)
    to_declare: int = 0
    declared: int = 0  # sent, no answer yet (declared and re-declared)
    accepted: int = 0
    rejected: int = 0
    corrected: int = 0
    revoked: int = 0

    @property
    def tracked(self) -> int:
        return (self.to_declare + self.declared + self.accepted + self.rejected
                + self.corrected + self.revoked)

    @property
    def pending(self) -> int:
        """Holders not sent yet: never declared, to declare, or corrected (to re-declare);
        a rejected holder waits for its correction."""
        return max(0, self.holders - self.declared - self.accepted - self.revoked
                   - self.rejected) if self.holders else 0


_COUNTS = {
    "to_declare": Q(state=S.TO_DECLARE),
    "declared": Q(state__in=[S.DECLARED, S.REDECLARED]),
    "accepted": Q(state=S.ACCEPTED),
    "rejected": Q(state=S.REJECTED),
    "corrected": Q(state=S.CORRECTED),
    "revoked": Q(state=S.REVOKED_DECLARED),
}


def cdc_passage_counts_for_session(*, session: Session) -> PassageCounts:
    """The session's passages by state (one query); all zero before the first flux. The
    caller has checked that the user may reach the session."""
    rows = (CdcPassage.objects.filter(decision__deliberation__session=session)
            .aggregate(**{name: Count("pk", filter=q) for name, q in _COUNTS.items()}))
    return PassageCounts(**rows)


@dataclass(frozen=True)
class SessionDeclaration:
    session: Session
    deliberation: Deliberation
    deadline: CdcDeadline
    counts: PassageCounts

    @property
    def late(self) -> bool:
        return self.counts.pending > 0 and self.deadline.overdue

    @property
    def due_soon(self) -> bool:
        return self.counts.pending > 0 and self.deadline.soon


@dataclass(frozen=True)
class RejectedPassage:
    passage: CdcPassage
    fix: str  # what to fix, from the Caisse des Dépôts' reason

    @property
    def enrolment(self):
        return self.passage.decision.enrolment


@dataclass(frozen=True)
class DeclarationsOverview:
    late: list[SessionDeclaration] = field(default_factory=list)
    due_soon: list[SessionDeclaration] = field(default_factory=list)
    pending: list[SessionDeclaration] = field(default_factory=list)  # later deadlines
    fluxes: list[CdcFlux] = field(default_factory=list)
    rejected: list[RejectedPassage] = field(default_factory=list)
    revoked: list[CdcPassage] = field(default_factory=list)  # to withdraw on the portal


def _deliberations_with_counts() -> QuerySet[Deliberation]:
    holders = Q(candidates__outcome=CandidateOutcome.FULL_SUCCESS)
    annotations = {"n_holders": Count("candidates", filter=holders, distinct=True)}
    for name, q in _COUNTS.items():
        prefixed = Q(*[(f"candidates__cdc_passage__{key}", value)
                       for key, value in q.children])
        annotations[f"n_{name}"] = Count("candidates__cdc_passage", filter=prefixed,
                                         distinct=True)
    return (Deliberation.objects.filter(status=Deliberation.Status.SIGNED,
                                        signed_at__isnull=False)
            .select_related("session__referentiel__certification")
            .annotate(**annotations).order_by("signed_at", "pk"))


def _counts_of(deliberation: Deliberation) -> PassageCounts:
    return PassageCounts(holders=deliberation.n_holders,
                         **{name: getattr(deliberation, f"n_{name}") for name in _COUNTS})


def cdc_declarations_for_admin(*, user: User, today: date | None = None
                               ) -> DeclarationsOverview | None:
    """The certifier-wide « Déclarations » page: sessions late or due soon (holders not
    declared yet), the fluxes, the rejected passages with what to fix, the revoked holders
    to withdraw on the portal. None for anyone but an administrator. Four queries."""
    if not is_administrator(user):
        return None
    return cdc_declarations_overview(today=today)


def cdc_declarations_overview(*, today: date | None = None) -> DeclarationsOverview:
    """What ``cdc_declarations_for_admin`` reads, without the permission check (the
    ``cdc_declaration status`` command)."""
    today = today or timezone.localdate()
    overview = DeclarationsOverview()
    for deliberation in _deliberations_with_counts():
        counts = _counts_of(deliberation)
        if not counts.pending:
            continue
        item = SessionDeclaration(deliberation.session, deliberation,
                                  cdc_deadline(deliberation=deliberation, today=today), counts)
        (overview.late if item.late else overview.due_soon if item.due_soon
         else overview.pending).append(item)
    overview.fluxes.extend(_fluxes()[:50])
    passages = (CdcPassage.objects.filter(state__in=[S.REJECTED, S.REVOKED_DECLARED])
                .select_related("decision__enrolment__candidate",
                                "decision__enrolment__session", "last_flux")
                .order_by("decision__enrolment__candidate__birth_name", "pk"))
    for passage in passages:
        if passage.state == S.REJECTED:
            overview.rejected.append(RejectedPassage(
                passage, str(REASON_FIXES.get(passage.reason_code, REASON_FIXES["other"]))))
        else:
            overview.revoked.append(passage)
    return overview


def cdc_flux_list_for_admin(*, user: User) -> QuerySet[CdcFlux]:
    """The fluxes, newest first, without their files; none for anyone but an administrator."""
    return _fluxes() if is_administrator(user) else CdcFlux.objects.none()


def _fluxes() -> QuerySet[CdcFlux]:
    return (CdcFlux.objects.defer("content", "report")
            .select_related("certification", "session", "created_by")
            .order_by("-created_at", "-pk"))


def cdc_flux_get_for_admin(*, user: User, public_id: UUID | str) -> CdcFlux:
    """One flux (with its file); ``CdcFlux.DoesNotExist`` for anyone but an administrator."""
    if not is_administrator(user):
        raise CdcFlux.DoesNotExist
    return (CdcFlux.objects.select_related("certification", "session", "created_by")
            .get(public_id=public_id))


def cdc_flux_passages(*, flux: CdcFlux) -> list[CdcPassage]:
    """The passages a flux sent, with their state today (one query)."""
    return list(CdcPassage.objects.filter(
        transitions__flux=flux, transitions__to_state__in=[S.DECLARED, S.REDECLARED])
        .select_related("decision__enrolment__candidate", "decision__enrolment__session")
        .distinct().order_by("decision__enrolment__candidate__birth_name", "pk"))


def cdc_status_lines() -> list[tuple[str, int]]:
    """Passages by state across the certifier (the command's ``status``)."""
    counts = dict(CdcPassage.objects.order_by().values_list("state")
                  .annotate(n=Count("pk")).values_list("state", "n"))
    return [(label, counts.get(value, 0)) for value, label in S.choices]




def cdc_passage_get_for_admin(*, user: User, public_id: UUID | str) -> CdcPassage:
    """One passage with its holder; ``CdcPassage.DoesNotExist`` for anyone but an
    administrator."""
    if not is_administrator(user):
        raise CdcPassage.DoesNotExist
    return (CdcPassage.objects.select_related("decision__enrolment__candidate",
                                              "decision__enrolment__session")
            .get(public_id=public_id))


def cdc_certifications_for_admin(*, user: User) -> QuerySet[Certification]:
    """The certifications a declaration flux may be built for (the period form)."""
    if not is_administrator(user):
        return Certification.objects.none()
    return Certification.objects.order_by("code").only("public_id", "code", "title")


def cdc_rejected_passage_of_enrolment(*, session: Session, enrolment_id: UUID | str
                                      ) -> CdcPassage | None:
    """The enrolment's passage the Caisse des Dépôts rejected, if any (one query)."""
    return CdcPassage.objects.filter(
        decision__enrolment__session=session, decision__enrolment__public_id=enrolment_id,
        state=CdcPassageState.REJECTED).first()
