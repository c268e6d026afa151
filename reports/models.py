"""The document register (DESIGN.md §4.5, §6): every issued document is a row created
before it is rendered, numbered in the certifier's register, never deleted."""

from __future__ import annotations

import re
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from candidates.models import Enrolment, Session
from certifications.models import Bloc
from deliberations.models import Deliberation

# Base32 without the letters read as digits (I, L, O) nor 0 and 1.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def verification_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# What a reader may type between the characters of a code: spaces, dashes, dots.
_CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015.]+")


def verification_code_normalize(text: str) -> str:
    """A code as typed or copied (« abcd-efgh jkmn ») as it is stored: without spaces,
    dashes or dots, in upper case."""
    return _CODE_SEPARATORS.sub("", text).upper()


def verification_code_is_wellformed(code: str) -> bool:
    """Whether a normalized code could be one: its length, from the alphabet."""
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)


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
    # Internal: why the certifier revoked (staff, the audit trail). The public reason is the
    # only one the verification page, its API and the holder read.
    revocation_reason = models.TextField(_("revocation reason (internal)"), blank=True)
    public_revocation_reason = models.TextField(
        _("revocation reason (public)"), blank=True,
        help_text=_("Shown on the public verification page. Empty: “Document revoked by "
                    "the certifier.”"),
    )
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
    def public_reason(self) -> str:
        """What the public may read of a revocation (never the internal reason)."""
        if self.status != DocumentStatus.REVOKED:
            return ""
        return self.public_revocation_reason or str(_("Document revoked by the certifier."))

    @property
    def is_valid(self) -> bool:
        return self.status == DocumentStatus.ISSUED


# -- exports of a whole session ---------------------------------------------------------------
def export_path(export: SessionExport, filename: str) -> str:
    return f"exports/{export.created_at.year}/{export.public_id}.zip"


class SessionExportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


EXPORT_ACTIVE = (SessionExportStatus.QUEUED, SessionExportStatus.RUNNING)


class SessionExport(models.Model):
    """One zip of a session's valid documents, asked for by an administrator and built in
    steps by ``reports.tasks.session_export_task`` (rules in ``reports/exports.py``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="exports", verbose_name=_("session"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionExportStatus.choices,
        default=SessionExportStatus.QUEUED,
    )
    failure_reason = models.TextField(_("failure reason"), blank=True)
    total = models.PositiveIntegerField(_("documents"), default=0)
    done = models.PositiveIntegerField(_("documents ready"), default=0)
    # Only the task message carrying this token may run the next step: a duplicate or a
    # message overtaken by a resume does nothing; a redelivered one takes over.
    step_token = models.UUIDField(default=uuid.uuid4, editable=False)
    # Moved on at each step and each document: a stale heartbeat means a dead worker.
    heartbeat_at = models.DateTimeField(_("last sign of life"), default=timezone.now)
    resumes = models.PositiveSmallIntegerField(_("resumes"), default=0)
    file = models.FileField(_("file"), upload_to=export_path, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # What the zip holds (the digest of its documents' ids and hashes): a done export
    # whose digest differs from the session's documents today is outdated.
    documents_digest = models.CharField(_("documents digest"), max_length=64, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("session export")
        verbose_name_plural = _("session exports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=models.Q(status__in=EXPORT_ACTIVE),
                name="session_export_one_active"),
        ]
        indexes = [models.Index(fields=["session", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.session} {self.created_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in EXPORT_ACTIVE


class IssuingOverride(models.Model):
    """The certifier's explicit decision to issue certificates of a deliberation signed
    after the certification's last issuing date (or end of registration), with its
    reason (DESIGN.md §6). Recorded in the audit trail too."""

    deliberation = models.OneToOneField(
        Deliberation, on_delete=models.PROTECT, related_name="issuing_override",
        verbose_name=_("deliberation"),
    )
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                           related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("issuing override")
        verbose_name_plural = _("issuing overrides")

    def __str__(self) -> str:
        return f"{self.deliberation}: {self.reason[:60]}"


# -- the Caisse des Dépôts declaration as a tracked process (issue 20, reports/cdc_flux.py) -----
class CdcFluxState(models.TextChoices):
    PREPARED = "prepared", _("prepared")
    DOWNLOADED = "downloaded", _("downloaded")
    DEPOSITED = "deposited", _("deposited")
    PROCESSED = "processed", _("processed")


class CdcFlux(models.Model):
    """One declaration file (« flux ») for one certification, for a session or a period:
    the XML as it was validated and downloaded, kept whole, and where it stands."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    certification = models.ForeignKey(
        "certifications.Certification", on_delete=models.PROTECT, related_name="cdc_fluxes",
        verbose_name=_("certification"))
    # The ``idFlux`` written in the file (50 characters at most in the XSD).
    id_flux = models.CharField(_("flux id"), max_length=50, unique=True)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="cdc_fluxes",
        verbose_name=_("session"))
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("created by"))
    state = models.CharField(_("state"), max_length=12, choices=CdcFluxState.choices,
                             default=CdcFluxState.PREPARED)
    filename = models.CharField(_("file name"), max_length=120)
    content = models.BinaryField(_("XML file"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    passages_count = models.PositiveIntegerField(_("passages"), default=0)
    # Holders whose certificate was revoked after a declaration: the XSD has no element to
    # withdraw a passage, they are withdrawn on the Caisse des Dépôts portal (printed names).
    revoked_to_withdraw = models.JSONField(_("revoked holders to withdraw"), default=list,
                                           blank=True)
    downloaded_at = models.DateTimeField(_("downloaded"), null=True, blank=True)
    deposited_at = models.DateTimeField(_("deposited"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    # The processing report (accusé de traitement) the Caisse des Dépôts returned.
    report_processing_id = models.CharField(_("processing id"), max_length=50, blank=True)
    report_filename = models.CharField(_("report file name"), max_length=255, blank=True)
    report = models.BinaryField(_("processing report"), null=True, blank=True)

    class Meta:
        verbose_name = _("Caisse des Dépôts flux")
        verbose_name_plural = _("Caisse des Dépôts fluxes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.id_flux} ({self.state})"


class CdcPassageState(models.TextChoices):
    TO_DECLARE = "to_declare", pgettext_lazy("CDC passage", "to declare")
    DECLARED = "declared", pgettext_lazy("CDC passage", "declared")
    ACCEPTED = "accepted", pgettext_lazy("CDC passage", "accepted")
    REJECTED = "rejected", pgettext_lazy("CDC passage", "rejected")
    CORRECTED = "corrected", pgettext_lazy("CDC passage", "corrected")
    REDECLARED = "redeclared", pgettext_lazy("CDC passage", "re-declared")
    REVOKED_DECLARED = "revoked_declared", pgettext_lazy("CDC passage",
                                                         "revoked after declaration")


#: What the next flux carries: new passages and corrected ones.
CDC_TO_SEND = (CdcPassageState.TO_DECLARE, CdcPassageState.CORRECTED)
#: Sent and waiting for (or having) the Caisse des Dépôts' answer.
CDC_SENT = (CdcPassageState.DECLARED, CdcPassageState.REDECLARED, CdcPassageState.ACCEPTED)


class CdcPassage(models.Model):
    """One holder's passage (« passageCertification »): the jury's decision it declares,
    its stable ``idTechnique`` (``reports.cdc.passage_id``) and where it stands."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    decision = models.OneToOneField(
        "deliberations.CandidateDecision", on_delete=models.PROTECT,
        related_name="cdc_passage", verbose_name=_("decision"))
    certification = models.ForeignKey(
        "certifications.Certification", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("certification"))
    id_technique = models.CharField(_("technical id"), max_length=255, unique=True)
    state = models.CharField(_("state"), max_length=20, choices=CdcPassageState.choices,
                             default=CdcPassageState.TO_DECLARE)
    reason_code = models.CharField(_("rejection code"), max_length=60, blank=True)
    reason_text = models.TextField(_("rejection reason"), blank=True)
    last_flux = models.ForeignKey(
        CdcFlux, on_delete=models.PROTECT, null=True, blank=True, related_name="passages",
        verbose_name=_("last sent in"))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("Caisse des Dépôts passage")
        verbose_name_plural = _("Caisse des Dépôts passages")
        ordering = ["pk"]
        indexes = [models.Index(fields=["certification", "state"])]

    def __str__(self) -> str:
        return f"{self.id_technique} ({self.state})"


class CdcPassageTransition(models.Model):
    """One change of a passage's state, kept: who, when, in which flux, why."""

    passage = models.ForeignKey(CdcPassage, on_delete=models.PROTECT,
                                related_name="transitions", verbose_name=_("passage"))
    from_state = models.CharField(_("from"), max_length=20, blank=True,
                                  choices=CdcPassageState.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=CdcPassageState.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+", verbose_name=_("by"))
    flux = models.ForeignKey(CdcFlux, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("flux"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("passage transition")
        verbose_name_plural = _("passage transitions")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.passage_id}: {self.from_state} → {self.to_state}"
