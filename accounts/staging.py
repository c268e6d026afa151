"""An upload awaiting an administrator's confirmation — a référentiel import, a
spreadsheet of enrolments (DESIGN.md §4.1): the file is parsed at upload, what the
confirmation saves is what the preview showed, and it is decided exactly once.

``StagedImport`` is the abstract model both imports extend; ``staged_claim`` moves a
pending one to its decision with one conditional update, so a double submit changes
nothing."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StagedStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")
    FAILED = "failed", _("failed")


class StagedImport(models.Model):
    """What both imports keep while they wait: who uploaded what, when, the report of
    the preview, the decision and what it made."""

    Status = StagedStatus

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=StagedStatus.choices, default=StagedStatus.PENDING
    )
    report = models.JSONField(_("report"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    decided_at = models.DateTimeField(_("confirmed or cancelled"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name or str(self.public_id)

    @property
    def is_pending(self) -> bool:
        return self.status == StagedStatus.PENDING


def staged_claim(staged: StagedImport, status: str) -> bool:
    """Decide a pending import (``status``) exactly once: True for the call that did it;
    False — and the row refreshed — when it was already decided."""
    changed = type(staged).objects.filter(
        pk=staged.pk, status=StagedStatus.PENDING
    ).update(status=status, decided_at=timezone.now())
    if not changed:
        staged.refresh_from_db()
    return bool(changed)
