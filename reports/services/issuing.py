"""Issue a signed deliberation's documents: create the missing register rows and
send their rendering to the workers after the commit."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.services import audit_log
from deliberations.models import Deliberation
from reports.models import Document, DocumentStatus
from reports.services.register import _current, _decisions, _documents_create, _wanted


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
