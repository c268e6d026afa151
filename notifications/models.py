"""Messages sent to jury members and candidates (DESIGN.md §5).

A message is a row first (queued), then the e-mail the worker sent (sent, with the subject
and body exactly as rendered in the recipient's language) or its failure (failed, with
the error). Sending again creates a new row, so the page keeps what each send said.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from candidates.models import Session


class MessageKind(models.TextChoices):
    JURY_ASSIGNMENT = "jury_assignment", pgettext_lazy("message kind", "jury assignment")
    CONVOCATION = "convocation", pgettext_lazy("message kind", "convocation")
    RESULTS_PUBLISHED = "results_published", pgettext_lazy("message kind", "results published")
    DOCUMENTS_AVAILABLE = "documents_available", pgettext_lazy("message kind",
                                                               "documents available")
    INSERTION_SURVEY = "insertion_survey", pgettext_lazy("message kind", "insertion survey")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Message(models.Model):
    # PII: the recipient's name and address, and the body that names them.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="messages",
        verbose_name=_("session"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=MessageKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("recipient account"),
    )
    recipient_email = models.EmailField(_("recipient's e-mail address"))
    recipient_name = models.CharField(_("recipient"), max_length=300)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    # What the message is about, as plain ids: the épreuve, the candidate's enrolment.
    assessment_ref = models.PositiveBigIntegerField(_("assessment"), null=True, blank=True)
    enrolment_ref = models.PositiveBigIntegerField(_("enrolment"), null=True, blank=True)
    # Automatic messages are queued once per key (a second announcement queues nothing);
    # a message sent again on demand has none.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True,
                                  editable=False)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices,
                              default=MessageStatus.QUEUED)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )
    resent_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="resends",
        verbose_name=_("sent again from"),
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["session", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_email}"
