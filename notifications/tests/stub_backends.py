"""An e-mail backend whose SMTP server refuses every message."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"x@y": (550, b"Mailbox unavailable")})
