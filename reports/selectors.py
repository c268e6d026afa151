"""Reads on the document register, with the permission filter built in (DESIGN.md §8):
a candidate reaches their own issued documents, an administrator any; anyone else
nothing (the view answers 404). Verification by code is public."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import User
from candidates.models import Session
from juries.models import Deliberation
from reports.exports import session_documents_digest
from reports.models import Document, DocumentStatus, SessionExport, SessionExportStatus


def _is_administrator(user: User) -> bool:
    return user.is_authenticated and user.is_administrator


def document_list_for_user(*, user: User) -> QuerySet[Document]:
    rows = Document.objects.select_related("enrolment__candidate", "bloc", "session")
    if _is_administrator(user):
        return rows
    if not user.is_authenticated:
        return rows.none()
    return rows.filter(enrolment__candidate__user=user)


def document_download_get_for_user(*, user: User, public_id: UUID | str) -> Document:
    """An issued document the user may download; ``Document.DoesNotExist`` otherwise."""
    return document_list_for_user(user=user).get(public_id=public_id,
                                                 status=DocumentStatus.ISSUED)


def document_get_for_admin(*, user: User, public_id: UUID | str) -> Document:
    if not _is_administrator(user):
        raise Document.DoesNotExist
    return Document.objects.select_related("session").get(public_id=public_id)


def session_get_for_admin(*, user: User, public_id: UUID | str) -> Session:
    if not _is_administrator(user):
        raise Session.DoesNotExist
    return Session.objects.select_related("referentiel__certification").get(public_id=public_id)


def session_documents_for_admin(*, user: User, session: Session) -> QuerySet[Document]:
    reissued = Document.objects.filter(replaces=OuterRef("pk"))
    return (document_list_for_user(user=user).filter(session=session)
            .select_related("replaces", "revoked_by")
            .annotate(reissued=Exists(reissued)).order_by("number"))


def document_for_verification(*, code: str) -> Document:
    """The document behind a verification code, if it was ever issued; the code is
    random, so a lookup reveals nothing about the other documents."""
    return (Document.objects
            .select_related("enrolment__candidate", "bloc",
                            "session__referentiel__certification")
            .exclude(issued_at__isnull=True)
            .get(verification_code=code.strip().upper()))


def issued_documents_for_enrolments(*, enrolment_ids: list[int]) -> dict[int, list[Document]]:
    """The valid documents of each enrolment (one query for the whole list), newest
    first. The caller decides who may see them (a candidate: once results are published)."""
    found: dict[int, list[Document]] = {pk: [] for pk in enrolment_ids}
    if not enrolment_ids:
        return found
    rows = (Document.objects.filter(enrolment_id__in=enrolment_ids,
                                    status=DocumentStatus.ISSUED)
            .select_related("bloc").order_by("-issued_at", "number"))
    for document in rows:
        found[document.enrolment_id].append(document)
    return found


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
    if not _is_administrator(user):
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
    if not _is_administrator(user):
        raise SessionExport.DoesNotExist
    return SessionExport.objects.exclude(file="").get(
        session=session, public_id=public_id, status=SessionExportStatus.DONE)


def session_documents_incomplete_for_admin(*, user: User, session: Session) -> bool:
    """Whether issuing is useful: the deliberation is signed and the session has no
    document yet or failed ones."""
    if not _is_administrator(user):
        return False
    if not Deliberation.objects.filter(session=session,
                                       status=Deliberation.Status.SIGNED).exists():
        return False
    counts = Document.objects.filter(session=session).aggregate(
        total=Count("pk"), failed=Count("pk", filter=Q(status=DocumentStatus.FAILED)))
    return not counts["total"] or bool(counts["failed"])
