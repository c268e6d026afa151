"""Background work of the reports app, all on the ``pdf`` queue (CELERY_TASK_ROUTES).
Thin: take ids, call a service; every task is idempotent (acks late)."""

from __future__ import annotations

from celery import shared_task

from deliberations.models import Amendment, Deliberation
from reports import exports, services
from reports.models import Document
from reports.signals import documents_rendered


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600,
             max_retries=5)
def document_render_task(document_id: int) -> None:
    """Render one document; a second run on an issued document does nothing."""
    services.document_render(document_id=document_id)
    documents_rendered.send(Document, document_ids=[document_id])


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600,
             max_retries=5)
def documents_render_task(document_ids: list[int]) -> None:
    """Render a batch in one layout; documents already issued are left alone."""
    services.documents_render(document_ids=document_ids)
    documents_rendered.send(Document, document_ids=document_ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def issue_for_deliberation_task(deliberation_id: int) -> None:
    services.documents_issue_for_deliberation(
        deliberation=Deliberation.objects.get(pk=deliberation_id))


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def reissue_for_amendment_task(amendment_id: int) -> None:
    services.documents_reissue_for_amendment(
        amendment=Amendment.objects.get(pk=amendment_id))


@shared_task
def session_export_task(export_id: int, token: str) -> None:
    """One step of a session's zip export; a message without the export's current token
    (a duplicate, or one overtaken by a resume) does nothing."""
    exports.session_export_run(export_id=export_id, token=token)


@shared_task
def session_exports_resume_task() -> None:
    """Periodic (CELERY_BEAT_SCHEDULE): send again the exports whose worker died."""
    exports.session_exports_resume_stale()
