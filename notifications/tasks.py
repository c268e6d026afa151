"""Background work of the notifications app, on the ``default`` queue (mail never waits
behind PDF rendering). Thin: take an id, call the service; idempotent (a sent message is
not sent twice)."""

from __future__ import annotations

from celery import shared_task

from notifications import services


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, max_retries=8)
def send_message(message_id: int) -> None:
    """Render and deliver one message; SMTP outages are retried with backoff (the message
    shows « failed » with the error meanwhile)."""
    services.message_send(message_id=message_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_results_published(session_id: int) -> None:
    """One message per candidate of a published session, queued by the worker rather than
    by the publishing request (hundreds of rows); queuing twice queues nothing more."""
    services.results_published_notify(session_id=session_id)


@shared_task
def insertion_surveys_send_task() -> None:
    """Daily (``CELERY_BEAT_SCHEDULE``): the insertion survey's e-mails due today. Safe to
    run twice: each holder's wave is sent once."""
    services.insertion_surveys_send()
