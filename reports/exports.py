"""Session-wide actions of the staff on the register (DESIGN.md §4.5, §8; docs/documents.md,
"Exporting a session"): issue a signed session's missing or failed documents, and export
every valid document of a session as one zip.

An export is a ``SessionExport`` row created before any work (at most one queued or
running per session: a second click or a reload joins it). It is built in steps by
``reports.tasks.session_export_task``, each step carrying the row's ``step_token``:

1. every document of the session not revoked is made issued, through the idempotent
   ``services.documents_render`` — progress is written after each document, so the work
   of a killed worker is kept;
2. once all are issued, the zip is streamed to a temporary file (the PDFs, checked
   against their recorded hash, and ``manifest.csv``) and saved under ``exports/``.

A step stops starting renders after ``STEP_SECONDS`` and hands over to a new message.
A step whose worker died leaves a stale heartbeat: ``session_exports_resume_stale`` (the
page, its progress poll and a periodic task call it) sends a new token, the old message
is then ignored. Revoked documents are not in the zip. A failed document fails the
export with its reason, once the others are rendered.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import tempfile
import time
import uuid
import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.permissions import may_issue_documents, require
from accounts.services import audit_log
from accounts.spreadsheets import csv_bytes
from candidates.models import Session
from reports import services
from reports.models import (
    EXPORT_ACTIVE,
    Document,
    DocumentStatus,
    SessionExport,
    SessionExportStatus,
)
from reports.selectors import (
    documents_digest,
    exportable_documents,
    signed_deliberation_of_session,
)

# Rendering stops after this long in one step; the next step is a new task message, so a
# big session never meets the task time limit and other PDF work interleaves.
STEP_SECONDS = 60
# A document claimed by another worker is waited for, checking again after this delay.
WAIT_SECONDS = 5
# A step killed this many times (a document that takes its worker down) fails the export.
MAX_RESUMES = 3
CHUNK = 1024 * 1024
MANIFEST_COLUMNS = ("file", "number", "kind", "bloc", "holder", "verification_code",
                    "issued_at", "sha256")


def _stale_before() -> datetime.datetime:
    """A heartbeat or a document claim older than this belongs to a dead worker (past the
    task hard time limit, so a live step is never taken over)."""
    return timezone.now() - datetime.timedelta(seconds=settings.DOCUMENT_RENDER_STALE_AFTER)


class _ExportError(Exception):
    """A reason to fail the export, shown to the staff as it is."""


# -- starting ---------------------------------------------------------------------------------
def _audit_context(export: SessionExport) -> dict[str, str]:
    return {"session": str(export.session.public_id), "export": str(export.public_id)}


def _enqueue(export: SessionExport, *, countdown: int = 0) -> None:
    from reports.tasks import session_export_task

    session_export_task.apply_async_on_commit(
        args=[export.pk, str(export.step_token)], countdown=countdown)


@transaction.atomic
def session_export_start(*, session: Session, by: User) -> tuple[SessionExport, bool]:
    """The session's export to show, and whether this call started it: the running one
    if any (a second click joins it), else the last done one if the documents did not
    change since, else a new export, queued after the commit."""
    require(may_issue_documents(by))
    # Starts of one session queue up here (PostgreSQL); the constraint is the backstop.
    Session.objects.select_for_update().filter(pk=session.pk).exists()
    exports = SessionExport.objects.filter(session=session).select_related("session")
    active = exports.filter(status__in=EXPORT_ACTIVE).first()
    if active is not None:
        return active, False
    rows = list(exportable_documents(session=session).values_list("pk", "sha256"))
    if not rows:
        raise ValidationError(_("This session has no document to export."), code="empty")
    latest = exports.first()
    if (latest is not None and latest.status == SessionExportStatus.DONE
            and latest.documents_digest == documents_digest(rows)):
        return latest, False
    total, done = len(rows), sum(1 for _pk, sha256 in rows if sha256)  # hashed: issued
    try:
        with transaction.atomic():
            export = SessionExport.objects.create(session=session, requested_by=by,
                                                  total=total, done=done)
    except IntegrityError:  # another start won the race
        return exports.get(status__in=EXPORT_ACTIVE), False
    audit_log(actor=by, action="session_export.started", obj=export,
              new={"documents": total}, context=_audit_context(export))
    _enqueue(export)
    return export, True


# -- running ----------------------------------------------------------------------------------
def _claim(export_id: int, token: str) -> bool:
    """Only the message carrying the current token runs the step (or runs it again when
    redelivered after its worker died)."""
    return SessionExport.objects.filter(
        pk=export_id, step_token=token, status__in=EXPORT_ACTIVE,
    ).update(status=SessionExportStatus.RUNNING, heartbeat_at=timezone.now()) == 1


def _held(export: SessionExport, token: str) -> QuerySet[SessionExport]:
    return SessionExport.objects.filter(pk=export.pk, step_token=token,
                                        status=SessionExportStatus.RUNNING)


def _beat(export: SessionExport, token: str) -> bool:
    """Write the progress and a sign of life; False when the step was taken over."""
    counts = exportable_documents(session=export.session).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(status=DocumentStatus.ISSUED)))
    return _held(export, token).update(heartbeat_at=timezone.now(), **counts) == 1


def _to_render(export: SessionExport) -> QuerySet[Document]:
    """Pending, failed before this export (tried again once), or claimed by a dead worker."""
    return exportable_documents(session=export.session).filter(
        Q(status=DocumentStatus.PENDING)
        | Q(status=DocumentStatus.FAILED, rendering_started_at__isnull=True)
        | Q(status=DocumentStatus.FAILED, rendering_started_at__lt=export.created_at)
        | Q(status=DocumentStatus.RENDERING, rendering_started_at__lt=_stale_before()))


def _render_step(export: SessionExport, token: str, deadline: float) -> bool | None:
    """Render what is left, a batch at a time (one layout per batch), until the deadline:
    True when nothing is left, False when time is up, None when the step was taken over.
    Each document is tried once per step, whatever the clocks say."""
    tried: list[int] = []
    while time.monotonic() < deadline:
        batch = list(_to_render(export).exclude(pk__in=tried).order_by("number")
                     .values_list("pk", flat=True)[:settings.DOCUMENT_RENDER_BATCH])
        if not batch:
            return True
        tried += batch
        # A storage error is recorded on the document as failed; it is reported below.
        with contextlib.suppress(OSError):
            services.documents_render(document_ids=batch)
        if not _beat(export, token):
            return None
    return False


def session_export_run(*, export_id: int, token: str) -> None:
    """One step of an export (the task's body); a message that does not hold the current
    token does nothing."""
    if not _claim(export_id, token):
        return
    export = SessionExport.objects.select_related("session").get(pk=export_id)
    if not _beat(export, token):
        return
    finished = _render_step(export, token, time.monotonic() + STEP_SECONDS)
    if finished is None:
        return
    if not finished:
        _hand_over(export, token)
        return
    documents = exportable_documents(session=export.session)
    if documents.filter(status=DocumentStatus.RENDERING).exists():
        _hand_over(export, token, countdown=WAIT_SECONDS)
        return
    failed = list(documents.filter(status=DocumentStatus.FAILED).order_by("number"))
    if failed:
        _fail(export, token, _failed_reason(failed))
        return
    try:
        _write_zip(export, token)
    except Exception as error:  # an export's failure is a recorded status with its reason
        reason = str(error) if isinstance(error, _ExportError) else (
            f"{type(error).__name__}: {error}")
        _fail(export, token, reason[:2000])


def _hand_over(export: SessionExport, token: str, *, countdown: int = 0) -> None:
    """End the step and queue the next one under a new token."""
    new_token = uuid.uuid4()
    if _held(export, token).update(step_token=new_token, status=SessionExportStatus.QUEUED,
                                   heartbeat_at=timezone.now()):
        export.step_token = new_token
        _enqueue(export, countdown=countdown)


def _failed_reason(failed: list[Document]) -> str:
    details = "; ".join(f"{d.number} ({d.failure_reason})" for d in failed)
    return ngettext(
        "%(count)d document could not be rendered: %(details)s",
        "%(count)d documents could not be rendered: %(details)s",
        len(failed)) % {"count": len(failed), "details": details}


def _fail(export: SessionExport, token: str, reason: str) -> None:
    if _held(export, token).update(status=SessionExportStatus.FAILED, failure_reason=reason,
                                   finished_at=timezone.now()):
        audit_log(actor=None, action="session_export.failed", obj=export,
                  new={"reason": reason}, context=_audit_context(export))


# -- the zip ----------------------------------------------------------------------------------
def _member_name(document: Document) -> str:
    """Where a document sits in the zip: the minutes at the top, each candidate's
    documents in their own folder."""
    name = f"{document.number}_{document.kind}"
    if document.bloc is not None:
        name += f"_{slugify(document.bloc.code or document.bloc.title)}"
    if document.enrolment is None:
        return f"{name}.pdf"
    candidate = document.enrolment.candidate
    folder = slugify(candidate.legal_name) or "candidate"
    return f"{folder}-{str(candidate.public_id)[:8]}/{name}.pdf"


def _holder(document: Document) -> str:
    if document.enrolment is None:
        return ""
    return document.enrolment.candidate.legal_name


def _copy_into(archive: zipfile.ZipFile, name: str, document: Document) -> None:
    """Stream the stored PDF into the zip, checking it is the one the register hashed."""
    digest = hashlib.sha256()
    with document.file.open("rb") as source, archive.open(name, "w") as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            target.write(chunk)
    if digest.hexdigest() != document.sha256:
        raise _ExportError(_("The file of document %(number)s does not match its recorded "
                             "hash.") % {"number": document.number})


def _manifest(rows: list[dict[str, str]]) -> bytes:
    return csv_bytes([MANIFEST_COLUMNS, *([row[c] for c in MANIFEST_COLUMNS] for row in rows)],
                     delimiter=",")


def _write_zip(export: SessionExport, token: str) -> None:
    documents = list(exportable_documents(session=export.session)
                     .select_related("enrolment__candidate", "bloc").order_by("number"))
    if any(d.status != DocumentStatus.ISSUED for d in documents):  # changed meanwhile
        _hand_over(export, token)
        return
    rows = []
    beat_at = time.monotonic()
    with tempfile.TemporaryFile() as spool:
        # The PDFs are compressed already: stored as they are; the manifest deflated.
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
            for document in documents:
                name = _member_name(document)
                _copy_into(archive, name, document)
                rows.append({
                    "file": name, "number": document.number, "kind": document.kind,
                    "bloc": document.bloc.code if document.bloc else "",
                    "holder": _holder(document),
                    "verification_code": document.verification_code,
                    "issued_at": document.issued_at.isoformat() if document.issued_at else "",
                    "sha256": document.sha256,
                })
                if time.monotonic() - beat_at > WAIT_SECONDS:
                    if not _held(export, token).update(heartbeat_at=timezone.now()):
                        return
                    beat_at = time.monotonic()
            archive.writestr("manifest.csv", _manifest(rows), zipfile.ZIP_DEFLATED)
        _store(export, token, spool, documents)


def _sha256(spool: IO[bytes]) -> str:
    spool.seek(0)
    digest = hashlib.sha256()
    while chunk := spool.read(CHUNK):
        digest.update(chunk)
    spool.seek(0)
    return digest.hexdigest()


def _store(export: SessionExport, token: str, spool: IO[bytes],
           documents: list[Document]) -> None:
    sha256 = _sha256(spool)
    storage = export.file.storage
    path = export.file.field.generate_filename(export, "export.zip")
    if storage.exists(path):  # left by a step killed between saving and recording
        storage.delete(path)
    name = storage.save(path, File(spool, name="export.zip"))
    updated = _held(export, token).update(
        status=SessionExportStatus.DONE, file=name, sha256=sha256,
        documents_digest=documents_digest((d.pk, d.sha256) for d in documents),
        total=len(documents), done=len(documents), finished_at=timezone.now(),
        heartbeat_at=timezone.now())
    if not updated:  # taken over meanwhile: the step that holds the token writes its own
        storage.delete(name)
        return
    audit_log(actor=None, action="session_export.done", obj=export,
              new={"documents": len(documents), "sha256": sha256},
              context=_audit_context(export))


# -- resuming ---------------------------------------------------------------------------------
def session_exports_resume_stale(*, session: Session | None = None) -> list[SessionExport]:
    """Send again the exports whose step died (or whose message was lost): a new token,
    so a late copy of the old message does nothing. A step killed ``MAX_RESUMES`` times
    fails the export instead."""
    cutoff = _stale_before()
    stale = SessionExport.objects.filter(status__in=EXPORT_ACTIVE, heartbeat_at__lt=cutoff)
    if session is not None:
        stale = stale.filter(session=session)
    resumed = []
    for export in stale.select_related("session"):
        if _resume(export, cutoff):
            resumed.append(export)
    return resumed


def _resume(export: SessionExport, cutoff: datetime.datetime) -> bool:
    died = export.status == SessionExportStatus.RUNNING
    row = SessionExport.objects.filter(pk=export.pk, step_token=export.step_token,
                                       heartbeat_at__lt=cutoff, status__in=EXPORT_ACTIVE)
    if died and export.resumes >= MAX_RESUMES:
        reason = _("The export was interrupted %(count)d times; it was stopped.") % {
            "count": export.resumes + 1}
        if row.update(status=SessionExportStatus.FAILED, failure_reason=reason,
                      finished_at=timezone.now()):
            audit_log(actor=None, action="session_export.failed", obj=export,
                      new={"reason": reason}, context=_audit_context(export))
        return False
    export.step_token = uuid.uuid4()
    export.resumes += int(died)
    if not row.update(step_token=export.step_token, status=SessionExportStatus.QUEUED,
                      heartbeat_at=timezone.now(), resumes=export.resumes):
        return False
    audit_log(actor=None, action="session_export.resumed", obj=export,
              new={"resumes": export.resumes}, context=_audit_context(export))
    _enqueue(export)
    return True


# -- issuing a session's documents ------------------------------------------------------------
def session_documents_issue(*, session: Session, by: User) -> int:
    """Create the missing documents of the session's signed deliberation and render again
    the failed ones (and pending ones, whose message may be lost); returns how many
    were sent to rendering. Running it again only sends renders that claim nothing."""
    require(may_issue_documents(by))
    with transaction.atomic():
        deliberation = signed_deliberation_of_session(session=session)
        if deliberation is None:
            raise ValidationError(_("Only a signed deliberation issues documents."),
                                  code="not_signed")
        created = services.documents_issue_for_deliberation(deliberation=deliberation)
        again = list(Document.objects.filter(
            session=session, status__in=[DocumentStatus.PENDING, DocumentStatus.FAILED])
            .exclude(pk__in=[d.pk for d in created]).values_list("pk", flat=True))
        audit_log(actor=by, action="documents.issue_requested", obj=deliberation,
                  new={"created": [d.number for d in created], "rendered_again": len(again)},
                  context={"session": str(session.public_id)})
        services.render_on_commit(again)
    return len(created) + len(again)

