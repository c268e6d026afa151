"""Issue a signed deliberation's documents: create the missing register rows and
send their rendering to the workers after the commit."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.services import audit_log
from juries.models import Deliberation
from reports.models import Document, DocumentKind, DocumentStatus
from reports.services.register import _current, _decisions, _documents_create, _wanted
from reports.services.rendering import documents_render


def render_on_commit(document_ids: Sequence[int]) -> None:
    """Send the rendering of these documents to the ``pdf`` queue after the commit, in
    batches of ``DOCUMENT_RENDER_BATCH`` (one layout and one font subsetting per batch
    where batching pays, see ``reports.documents.batching_pays``)."""
    from reports.tasks import documents_render_task

    ids = list(document_ids)
    size = settings.DOCUMENT_RENDER_BATCH
    for start in range(0, len(ids), size):
        documents_render_task.delay_on_commit(ids[start:start + size])


@transaction.atomic
def documents_issue_for_deliberation(*, deliberation: Deliberation) -> list[Document]:
    """Create the missing rows of a signed deliberation — the minutes, and per candidate
    a transcript, an attestation per validated bloc, a certificate if certified — and
    render them after the commit. Running it again creates nothing (nor any number)."""
    deliberation = (Deliberation.objects.select_for_update(of=("self",))
                    .select_related("session__referentiel__certification")
                    .get(pk=deliberation.pk))
    if not deliberation.is_signed:
        raise ValidationError(_("Only a signed deliberation issues documents."),
                              code="not_signed")
    existing = _current(deliberation)
    created = _documents_create(
        deliberation, [w for w in _wanted(_decisions(deliberation)) if w not in existing])
    if created:
        audit_log(actor=None, action="documents.created", obj=deliberation,
                  new={"documents": [d.number for d in created]},
                  context={"session": str(deliberation.session.public_id)})
    render_on_commit([d.pk for d in created if d.status == DocumentStatus.PENDING])
    return created


@dataclass
class IssueReport:
    """What a signed session's issuing made: valid documents per kind, their codes."""

    counts: dict[str, int]
    verification_codes: list[str]
    errors: list[str]


def documents_issue_and_wait(*, session_public_id: str, timeout: float = 600,
                             poll: float = 1.0) -> IssueReport:
    """Issue a signed session's documents and render them here, in bulk, then wait for
    those a worker holds (a command line that must answer with finished documents).
    Everything goes through the same idempotent services as the workers."""
    deliberation = Deliberation.objects.get(session__public_id=session_public_id)
    documents_issue_for_deliberation(deliberation=deliberation)
    rows = Document.objects.filter(deliberation=deliberation)
    todo = list(rows.filter(status__in=[DocumentStatus.PENDING, DocumentStatus.FAILED])
                .order_by("number").values_list("pk", flat=True))
    errors: list[str] = []
    try:
        documents_render(document_ids=todo)
    except OSError as error:
        errors.append(f"{type(error).__name__}: {error}")
    deadline = time.monotonic() + timeout
    busy = [DocumentStatus.PENDING, DocumentStatus.RENDERING]
    while rows.filter(status__in=busy).exists() and time.monotonic() < deadline:
        time.sleep(poll)
    late = rows.filter(status__in=busy).count()
    if late:
        errors.append(f"{late} document(s) still waiting for a worker after {timeout:g} s.")
    errors += [f"{d.number}: {d.failure_reason}"
               for d in rows.filter(status=DocumentStatus.FAILED).order_by("number")]
    issued = list(rows.filter(status=DocumentStatus.ISSUED).order_by("number"))
    counts = dict.fromkeys(DocumentKind.values, 0)
    for document in issued:
        counts[document.kind] += 1
    return IssueReport(counts=counts,
                       verification_codes=[d.verification_code for d in issued],
                       errors=errors)
