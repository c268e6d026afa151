"""Reads on the document register, with the permission filter built in (DESIGN.md §8):
a candidate reaches their own issued documents, an administrator any; anyone else
nothing (the view answers 404). Verification by code is public."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.permissions import is_administrator
from candidates.facts import facts_completed, issuing_closed, printed_name
from candidates.models import Session
from deliberations.models import CandidateDecision, CandidateOutcome, Deliberation
from deliberations.selectors import deliberation_of_session
from reports.models import (
    Document,
    DocumentKind,
    DocumentStatus,
    IssuingOverride,
    SessionExport,
    SessionExportStatus,
    verification_code_normalize,
)


def document_list_for_user(*, user: User) -> QuerySet[Document]:
    """Administrators: every document; a candidate: their own, once the session's results
    are published (DESIGN.md §5: before publication a candidate sees no document — the
    list, the detail and every download go through here); anyone else: none."""
    rows = Document.objects.select_related("enrolment__candidate", "bloc", "session")
    if is_administrator(user):
        return rows
    if not user.is_authenticated:
        return rows.none()
    return rows.filter(enrolment__candidate__user=user,
                       session__results_published_at__isnull=False)


def document_download_get_for_user(*, user: User, public_id: UUID | str) -> Document:
    """An issued document the user may download; ``Document.DoesNotExist`` otherwise."""
    return document_list_for_user(user=user).get(public_id=public_id,
                                                 status=DocumentStatus.ISSUED)


def document_get_for_admin(*, user: User, public_id: UUID | str) -> Document:
    if not is_administrator(user):
        raise Document.DoesNotExist
    return Document.objects.select_related("session").get(public_id=public_id)


def session_get_for_admin(*, user: User, public_id: UUID | str) -> Session:
    if not is_administrator(user):
        raise Session.DoesNotExist
    return Session.objects.select_related("referentiel__certification").get(public_id=public_id)


def session_documents_for_admin(*, user: User, session: Session) -> QuerySet[Document]:
    reissued = Document.objects.filter(replaces=OuterRef("pk"))
    return (document_list_for_user(user=user).filter(session=session)
            .select_related("replaces", "revoked_by")
            .annotate(reissued=Exists(reissued)).order_by("number"))


def deliberation_facts(deliberation: Deliberation) -> dict:
    """What the documents of a signed deliberation state: the facts frozen at signing
    (``juries``' minutes), completed where they were empty from the live certification
    and certifier (``candidates.facts.facts_completed``)."""
    frozen = deliberation.minutes or {}
    certification = deliberation.session.referentiel.certification
    return {**frozen,
            "certification": facts_completed(frozen.get("certification", {}), certification)}


def issuing_closed_on(deliberation: Deliberation, facts: dict | None = None
                      ) -> datetime.date | None:
    """The certification's last issuing date (else its end of registration) when this
    deliberation was signed after it and no override is recorded; None otherwise
    (certificates may be issued)."""
    if not deliberation.is_signed:
        return None
    facts = facts if facts is not None else deliberation_facts(deliberation)
    closed = issuing_closed(facts["certification"], timezone.localdate(deliberation.signed_at))
    if closed and IssuingOverride.objects.filter(deliberation=deliberation).exists():
        return None
    return closed


def document_statement(document: Document) -> dict[str, str]:
    """What a document states about its holder, certification, bloc and session, as it
    was on the day of the signature (a later rename or import does not change it)."""
    facts = deliberation_facts(document.deliberation)
    certification = facts["certification"]
    statement = {"holder": "", "certification_code": certification.get("code", ""),
                 "certification_title": certification.get("title", ""),
                 "bloc_code": "", "bloc_title": "",
                 "session": facts.get("session", {}).get("name") or document.session.name}
    if document.enrolment_id is not None:
        candidate = document.enrolment.candidate
        holder = facts.get("holders", {}).get(str(candidate.public_id))
        statement["holder"] = printed_name(holder) if holder else candidate.legal_name
    if document.bloc_id is not None:
        frozen = {b["id"]: b for b in facts.get("referentiel", {}).get("blocs", [])}
        bloc = frozen.get(document.bloc_id, {"code": document.bloc.code,
                                             "title": document.bloc.title})
        statement["bloc_code"], statement["bloc_title"] = bloc["code"], bloc["title"]
    return statement


def document_for_verification(*, code: str) -> Document:
    """The document behind a verification code, if it was ever issued; the code is
    random, so a lookup reveals nothing about the other documents. ``statement`` holds
    what it states, frozen at signing (``document_statement``)."""
    document = (Document.objects
                .select_related("enrolment__candidate", "bloc", "deliberation",
                                "session__referentiel__certification")
                .exclude(issued_at__isnull=True)
                .get(verification_code=verification_code_normalize(code)))
    document.statement = document_statement(document)
    return document


def issued_documents_for_enrolments(*, enrolment_ids: list[int]) -> dict[int, list[Document]]:
    """The valid documents of each enrolment (one query for the whole list), newest
    first. The caller decides who may see them (a candidate: once results are published)."""
    found: dict[int, list[Document]] = {pk: [] for pk in enrolment_ids}
    if not enrolment_ids:
        return found
    rows = (Document.objects.filter(enrolment_id__in=enrolment_ids,
                                    status=DocumentStatus.ISSUED)
            .select_related("bloc", "session__referentiel__certification")
            .order_by("-issued_at", "number"))
    for document in rows:
        found[document.enrolment_id].append(document)
    return found


# -- what an export holds ---------------------------------------------------------------------
def exportable_documents(*, session: Session) -> QuerySet[Document]:
    """The documents an export of the session holds: every one not revoked (the heads of
    the reissue chains, since a reissue revokes the old row)."""
    return Document.objects.filter(session=session).exclude(status=DocumentStatus.REVOKED)


def documents_digest(rows: Iterable[tuple[int, str]]) -> str:
    """The fingerprint of a set of documents from their ``(pk, sha256)``: it changes when a
    document is issued, reissued, revoked or added."""
    text = ";".join(f"{pk}:{sha}" for pk, sha in sorted(rows))
    return hashlib.sha256(text.encode()).hexdigest()


def session_documents_digest(*, session: Session) -> tuple[int, str]:
    """How many documents an export of the session would hold today, and their digest."""
    rows = list(exportable_documents(session=session).values_list("pk", "sha256"))
    return len(rows), documents_digest(rows)



# -- a session's export -----------------------------------------------------------------------
@dataclass(frozen=True)
class SessionExportState:
    """What the export panel of a session's documents shows."""

    export: SessionExport | None  # the latest one
    documents: int  # how many an export would hold today
    outdated: bool  # done, but the documents changed since

    @property
    def can_start(self) -> bool:
        if not self.documents or (self.export is not None and self.export.is_active):
            return False
        return (self.export is None or self.outdated
                or self.export.status == SessionExportStatus.FAILED)


def session_export_state_for_admin(*, user: User, session: Session) -> SessionExportState:
    if not is_administrator(user):
        raise Session.DoesNotExist
    export = (SessionExport.objects.filter(session=session)
              .select_related("requested_by").first())
    if export is not None and export.is_active:  # polled: one query while it runs
        return SessionExportState(export, export.total, outdated=False)
    documents, digest = session_documents_digest(session=session)
    outdated = (export is not None and export.status == SessionExportStatus.DONE
                and export.documents_digest != digest)
    return SessionExportState(export, documents, outdated)


def session_export_get_for_admin(*, user: User, session: Session,
                                 public_id: UUID | str) -> SessionExport:
    """A finished export of the session; ``SessionExport.DoesNotExist`` otherwise."""
    if not is_administrator(user):
        raise SessionExport.DoesNotExist
    return SessionExport.objects.exclude(file="").get(
        session=session, public_id=public_id, status=SessionExportStatus.DONE)


def signed_deliberation_of_session(*, session: Session) -> Deliberation | None:
    """The session's deliberation once signed (what documents and the Caisse des Dépôts
    declaration are made from), else None. The caller has checked who may reach it."""
    deliberation = deliberation_of_session(session=session)
    if deliberation is None or not deliberation.is_signed or deliberation.signed_at is None:
        return None
    return deliberation


@dataclass(frozen=True)
class CdcHolders:
    """Who the Caisse des Dépôts file declares, and who it leaves out: a holder whose
    certificate was revoked (and not reissued) holds nothing to declare."""

    declared: list[CandidateDecision]
    revoked: list[CandidateDecision]


def cdc_holders_split(*, deliberation: Deliberation) -> CdcHolders:
    """Who obtained the certification (one query). Erased candidates stay: erasure keeps
    the legal identity. Partial successes are not declared: the format (XSD 1.1.2) has a
    passage per certification, with no element for a skills block. A holder whose
    certificate, at the head of its reissue chain, is revoked is left out (``revoked``):
    a reissued certificate is declared, a certificate not issued yet too (the jury's
    decision stands until the certifier revokes it)."""
    revoked_certificate = Document.objects.filter(
        deliberation=deliberation, enrolment=OuterRef("enrolment"),
        kind=DocumentKind.CERTIFICATE, status=DocumentStatus.REVOKED,
        replaced_by__isnull=True)
    rows = (CandidateDecision.objects
            .filter(deliberation=deliberation, outcome=CandidateOutcome.FULL_SUCCESS)
            .annotate(certificate_revoked=Exists(revoked_certificate))
            .select_related("enrolment__candidate")
            .order_by("enrolment__candidate__birth_name", "enrolment__candidate__first_names",
                      "enrolment__pk"))
    declared: list[CandidateDecision] = []
    revoked: list[CandidateDecision] = []
    for decision in rows:
        (revoked if decision.certificate_revoked else declared).append(decision)
    return CdcHolders(declared, revoked)


def cdc_holders(*, deliberation: Deliberation) -> list[CandidateDecision]:
    """The holders the Caisse des Dépôts file declares (``cdc_holders_split``)."""
    return cdc_holders_split(deliberation=deliberation).declared


def session_documents_incomplete_for_admin(*, user: User, session: Session) -> bool:
    """Whether issuing is useful: the deliberation is signed and the session has no
    document yet or failed ones."""
    if not is_administrator(user):
        return False
    if signed_deliberation_of_session(session=session) is None:
        return False
    counts = Document.objects.filter(session=session).aggregate(
        total=Count("pk"), failed=Count("pk", filter=Q(status=DocumentStatus.FAILED)))
    return not counts["total"] or bool(counts["failed"])


@dataclass(frozen=True)
class SessionDocumentCounts:
    """How many of a session's documents are in each state (the session page's
    timeline): ``pending`` counts those waiting and those being rendered."""

    issued: int = 0
    pending: int = 0
    failed: int = 0
    revoked: int = 0

    @property
    def total(self) -> int:
        return self.issued + self.pending + self.failed + self.revoked


def session_document_counts(*, session: Session) -> SessionDocumentCounts:
    """The session's documents counted by state, in one query. The caller has checked
    that the user may reach the session's documents."""
    counts = dict(Document.objects.filter(session=session).order_by()
                  .values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return SessionDocumentCounts(
        issued=counts.get(DocumentStatus.ISSUED, 0),
        pending=counts.get(DocumentStatus.PENDING, 0) + counts.get(DocumentStatus.RENDERING, 0),
        failed=counts.get(DocumentStatus.FAILED, 0),
        revoked=counts.get(DocumentStatus.REVOKED, 0),
    )


def cdc_last_export(*, deliberation: Deliberation) -> AuditEvent | None:
    """The last download of the deliberation's Caisse des Dépôts holders file (the audit
    event ``cdc_accrochage.exported``, with who downloaded it), None if never. One query."""
    return (AuditEvent.objects.filter(
        action="cdc_accrochage.exported", object_type="deliberations.deliberation",
        object_id=str(deliberation.pk)).select_related("actor").order_by("-at", "-pk").first())
