"""Render each document exactly once: claim the row, lay the PDF out, store it
with its hash, or record the failure with its reason."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Q, QuerySet
from django.utils import timezone, translation

from accounts.services import audit_log
from reports.models import Document, DocumentStatus
from reports.seal import SealError, seal_if_configured
from reports.services.context import DeliberationShared, deliberation_shared, document_context


def _claimable(now: datetime.datetime) -> Q:
    """Rows a worker may take: pending, failed, or claimed by a dead worker (a claim older
    than ``DOCUMENT_RENDER_STALE_AFTER`` seconds, past the task hard time limit)."""
    stale = now - datetime.timedelta(seconds=settings.DOCUMENT_RENDER_STALE_AFTER)
    return Q(status__in=[DocumentStatus.PENDING, DocumentStatus.FAILED]) | Q(
        status=DocumentStatus.RENDERING, rendering_started_at__lt=stale)


def _claim(document_id: int) -> bool:
    """Exactly-once effect with at-least-once delivery: only one worker moves the row to
    rendering (conditional update)."""
    now = timezone.now()
    return Document.objects.filter(_claimable(now), pk=document_id).update(
        status=DocumentStatus.RENDERING, rendering_started_at=now, failure_reason="") == 1


def _claim_many(document_ids: Sequence[int]) -> list[int]:
    """``_claim`` for a batch in one update: the rows this call moved to rendering are
    those stamped with its own instant."""
    now = timezone.now()
    Document.objects.filter(_claimable(now), pk__in=document_ids).update(
        status=DocumentStatus.RENDERING, rendering_started_at=now, failure_reason="")
    return list(Document.objects.filter(pk__in=document_ids, status=DocumentStatus.RENDERING,
                                        rendering_started_at=now).values_list("pk", flat=True))


def _look_again_when_stale(document: Document) -> None:
    """Claimed by another worker, alive or dead: a pool process killed mid-render gives
    its task back at once (reject on worker lost), before the claim is stale. Look
    again when it is, or the row would stay "rendering" for ever."""
    from reports.tasks import document_render_task

    started = document.rendering_started_at or timezone.now()
    left = settings.DOCUMENT_RENDER_STALE_AFTER - (timezone.now() - started).total_seconds()
    document_render_task.apply_async(args=[document.pk], countdown=max(1, left + 1))


def _rendering_rows() -> QuerySet[Document]:
    return Document.objects.select_related(
        "session", "enrolment__candidate", "bloc",
        "deliberation__session__referentiel__certification")


def _failed(document: Document, error: Exception) -> None:
    """A legal document's failure is a recorded status with its reason."""
    if isinstance(error, ValidationError):  # a missing mention: said in words
        reason = " ".join(error.messages)[:2000]
    elif isinstance(error, SealError):  # the configured seal cannot be applied: said why
        reason = str(error)[:2000]
    else:
        reason = f"{type(error).__name__}: {error}"[:2000]
    Document.objects.filter(pk=document.pk, status=DocumentStatus.RENDERING).update(
        status=DocumentStatus.FAILED, failure_reason=reason)
    audit_log(actor=None, action="document.failed", obj=document,
              new={"reason": reason}, context=_audit_context(document))


def documents_render(*, document_ids: Sequence[int]) -> list[Document]:
    """Bulk rendering: claim each document, lay the claimed ones out in batches
    (``reports.documents.render_pdfs``: where it pays, one layout and one font subsetting
    per batch, split into standalone PDFs), store each PDF. A batch that fails is rendered again one
    by one, so each failure is recorded on its own document; an ``OSError`` is raised
    again at the end so the task retries (issued documents are not claimed again)."""
    from reports.documents import render_pdfs

    claimed = _claim_many(document_ids)
    for document in Document.objects.filter(pk__in=set(document_ids) - set(claimed),
                                            status=DocumentStatus.RENDERING):
        _look_again_when_stale(document)
    documents = list(_rendering_rows().filter(pk__in=claimed).order_by("number"))
    shared: dict[int, DeliberationShared] = {}

    def shared_of(document: Document) -> DeliberationShared:
        if document.deliberation_id not in shared:
            shared[document.deliberation_id] = deliberation_shared(document.deliberation)
        return shared[document.deliberation_id]

    retry: OSError | None = None
    for language in sorted({d.language for d in documents}):
        batch = [d for d in documents if d.language == language]
        issued_at = timezone.now()
        try:
            with translation.override(language):
                contexts = [document_context(document=d, shared=shared_of(d),
                                             issued_on=timezone.localdate(issued_at))
                            for d in batch]
                pdfs = render_pdfs([(d.kind, c) for d, c in zip(batch, contexts, strict=True)],
                                   language=language)
        except Exception:  # one bad document must not fail its neighbours: one by one
            for document in batch:
                retry = _render_claimed(document) or retry
            continue
        for document, pdf in zip(batch, pdfs, strict=True):
            try:
                _store(document, pdf, issued_at)
            except Exception as error:
                _failed(document, error)
                retry = error if isinstance(error, OSError) else retry
    if retry is not None:
        raise retry
    return list(Document.objects.filter(pk__in=document_ids).order_by("number"))


def _render_claimed(document: Document) -> OSError | None:
    """Render one claimed document; a failure is recorded (an ``OSError`` returned)."""
    try:
        _render_and_store(document)
    except Exception as error:
        _failed(document, error)
        if isinstance(error, OSError):
            return error
    return None


def document_render(*, document_id: int) -> Document:
    """Render a claimed document, store the PDF and its hash, mark it issued. A failure
    is recorded as the failed status with its reason; an ``OSError`` (storage, network)
    is raised again after that so the task retries. Run again on an issued document, it
    does nothing."""
    if not _claim(document_id):
        document = Document.objects.get(pk=document_id)
        if document.status == DocumentStatus.RENDERING:
            _look_again_when_stale(document)
        return document
    document = _rendering_rows().get(pk=document_id)
    error = _render_claimed(document)
    if error is not None:
        raise error
    document.refresh_from_db()
    return document


def _render_and_store(document: Document) -> None:
    from reports.documents import render_pdf

    issued_at = timezone.now()
    with translation.override(document.language):
        context = document_context(document=document, issued_on=timezone.localdate(issued_at))
        pdf = render_pdf(document.kind, context, language=document.language)
    _store(document, pdf, issued_at)


def _store(document: Document, pdf: bytes, issued_at: datetime.datetime) -> None:
    """Save the PDF under the row's own name and mark the claimed row issued.

    The same name on every run (the row's public id under its creation year, the row
    being unissued here): a file a killed worker wrote but did not record is replaced,
    never left beside a copy with a suffix (``get_available_name``).

    The PDF is sealed here, when a seal is configured (``reports.seal``): the file stored,
    downloaded and hashed in the register is the sealed one. A seal that cannot be applied
    raises ``SealError``: the document fails with that reason, never issued unsealed."""
    with translation.override(document.language):  # the seal's alternate text
        pdf = seal_if_configured(pdf)
    name = document.file.field.generate_filename(document, "document.pdf")
    storage = document.file.storage
    if storage.exists(name):
        storage.delete(name)
    name = storage.save(name, ContentFile(pdf))
    sha256 = hashlib.sha256(pdf).hexdigest()
    document.file.name, document.issued_at = name, issued_at
    # Only the claimed row is filled: a revocation in between wins.
    updated = Document.objects.filter(pk=document.pk, status=DocumentStatus.RENDERING).update(
        status=DocumentStatus.ISSUED, file=name, issued_at=issued_at, sha256=sha256,
        failure_reason="")
    if updated:
        audit_log(actor=None, action="document.issued", obj=document,
                  new={"number": document.number, "sha256": sha256},
                  context=_audit_context(document))
    elif not Document.objects.filter(pk=document.pk, file=name).exists():
        storage.delete(name)  # revoked meanwhile: no file without its row


def _audit_context(document: Document) -> dict[str, str]:
    context = {"session": str(document.session.public_id), "document": str(document.public_id)}
    if document.enrolment_id is not None:
        context["candidate"] = str(document.enrolment.candidate.public_id)
    return context
