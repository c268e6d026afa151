"""The document register (DESIGN.md §4.5, §6): every issued document is a row created
before it is rendered, numbered in the certifier's register, never deleted."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from candidates.models import Enrolment, Session
from certifications.models import Bloc
from juries.models import Deliberation

# Base32 without the letters read as digits (I, L, O) nor 0 and 1.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def verification_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def document_path(document: Document, filename: str) -> str:
    year = (document.issued_at or document.created_at).year
    return f"documents/{year}/{document.public_id}.pdf"


class DocumentKind(models.TextChoices):
    TRANSCRIPT = "transcript", _("transcript")
    BLOC_ATTESTATION = "bloc_attestation", _("bloc attestation")
    CERTIFICATE = "certificate", _("certificate")
    MINUTES = "minutes", _("minutes")


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RENDERING = "rendering", _("rendering")
    ISSUED = "issued", _("issued")
    FAILED = "failed", _("failed")
    REVOKED = "revoked", _("revoked")


class RegisterCounter(models.Model):
    """The last number given in a certifier's register for one year."""

    certifier = models.CharField(_("certifier"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("register counter")
        verbose_name_plural = _("register counters")
        constraints = [
            models.UniqueConstraint(fields=["certifier", "year"], name="register_counter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.certifier} {self.year}: {self.last}"


class DocumentQuerySet(models.QuerySet["Document"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise models.ProtectedError(_("Documents are never deleted; revoke them."), set(self))


class Document(models.Model):
    """One legal document: a row first (pending), then the rendered PDF (issued)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    # PII: the holder is the enrolment's candidate.
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, null=True, blank=True, related_name="documents",
        verbose_name=_("enrolment"),
    )
    bloc = models.ForeignKey(
        Bloc, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("skills block"),
    )
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="documents", verbose_name=_("session")
    )
    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, related_name="documents",
        verbose_name=_("deliberation"),
    )
    certifier = models.CharField(_("certifier"), max_length=300)
    number = models.CharField(_("number"), max_length=20)
    verification_code = models.CharField(
        _("verification code"), max_length=CODE_LENGTH, unique=True,
        default=verification_code_new, editable=False,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices,
        default=DocumentStatus.PENDING,
    )
    failure_reason = models.TextField(_("failure reason"), blank=True)
    # When a worker claimed the rendering: a claim older than the task time limit is stale.
    rendering_started_at = models.DateTimeField(_("rendering started"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, blank=True)
    language = models.CharField(_("language"), max_length=10, default="fr")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("revoked by"),
    )
    revocation_reason = models.TextField(_("revocation reason"), blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by",
        verbose_name=_("replaces"),
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["certifier", "number"], name="document_number_once"),
        ]
        indexes = [models.Index(fields=["deliberation", "kind", "enrolment", "bloc"])]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_kind_display()})"

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise models.ProtectedError(_("Documents are never deleted; revoke them."), {self})

    @property
    def is_valid(self) -> bool:
        return self.status == DocumentStatus.ISSUED
