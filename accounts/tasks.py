from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection

from accounts.email import message_from_dict


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, max_retries=8)
def email_send(message: dict) -> None:
    """Deliver one message; SMTP outages are retried with backoff."""
    connection = get_connection(backend=settings.EMAIL_DELIVERY_BACKEND)
    connection.send_messages([message_from_dict(message)])
