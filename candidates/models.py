"""Candidates, sessions and enrolments (DESIGN.md §2).

The candidate's identity is what documents print and what is reported to the Caisse
des Dépôts; it is personal data (RGPD): see ``candidates.services.candidate_erase``.
"""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.staging import StagedImport
from candidates.validators import validate_insee_code
from certifications.models import Bloc, Partner, Referentiel


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class Candidate(models.Model):
    # PII: every identity field below, e-mail and phone.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="candidate", verbose_name=_("user account"),
    )
    birth_name = models.CharField(_("birth name"), max_length=150)
    usage_name = models.CharField(_("usage name"), max_length=150, blank=True)
    first_names = models.CharField(
        _("first names"), max_length=200, help_text=_("All first names, as on the ID document.")
    )
    birth_date = models.DateField(_("birth date"), null=True)
    birth_commune = models.CharField(_("birth commune"), max_length=150, blank=True)
    birth_insee_code = models.CharField(
        _("INSEE code of the birth commune"), max_length=5, blank=True,
        validators=[validate_insee_code],
    )
    birth_country = models.CharField(
        _("birth country"), max_length=100, blank=True,
        help_text=_("For candidates born outside France."),
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("language of documents"), max_length=10, choices=settings.LANGUAGES,
        default="fr",
        help_text=_("Transcript, attestations and certificate are issued in this language."),
    )
    # Normalised "birth name|first names|birth date" to find the same person twice.
    identity_key = models.CharField(max_length=400, editable=False, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["birth_name", "first_names"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity_key"], condition=Q(anonymised_at__isnull=True),
                name="candidate_identity_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """Usage name when there is one, as a person is addressed."""
        return f"{self.first_names} {(self.usage_name or self.birth_name).upper()}".strip()

    @property
    def legal_name(self) -> str:
        """As printed on documents: birth name, then usage name (« épouse », « nom d'usage »)."""
        name = self.birth_name.upper()
        if self.usage_name and self.usage_name.upper() != name:
            name = f"{name} ({self.usage_name.upper()})"
        return f"{name} {self.first_names}"


class Session(models.Model):
    """A cohort taking the certification on one référentiel version."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referentiel = models.ForeignKey(
        Referentiel, on_delete=models.PROTECT, related_name="sessions",
        verbose_name=_("framework version"),
    )
    name = models.CharField(_("name"), max_length=200)
    place = models.CharField(_("place"), max_length=300, blank=True)
    # Empty: the certifier organises the session itself.
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions",
        verbose_name=_("partner organising the session"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True)
    # Set by the deliberation's signature, in its transaction: from then on the session,
    # its jury, épreuves, sittings, enrolments, scores and decisions are read-only but for
    # amendments (``candidates.services.session_lock_for_write``).
    signed_at = models.DateTimeField(_("deliberation signed"), null=True, blank=True,
                                     editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="session_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def results_published(self) -> bool:
        return self.results_published_at is not None

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class AccessRoute(models.TextChoices):
    INITIAL = "formation_initiale", _("initial training")
    APPRENTICESHIP = "apprentissage", _("apprenticeship")
    CONTINUING = "formation_continue", _("continuing education")
    PROFESSIONALISATION = "contrat_pro", _("professionalisation contract")
    VAE = "vae", _("validation of prior experience (VAE)")
    FREE = "candidature_libre", _("independent candidate")
    EQUIVALENCE = "equivalence", _("equivalence")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("enrolled")
    WITHDRAWN = "withdrawn", _("withdrawn")
    COMPLETED = "completed", _("completed")


class Enrolment(models.Model):
    """A candidate in a session, with their route, target and accommodations."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="enrolments",
        verbose_name=_("candidate"),
    )
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("session")
    )
    access_route = models.CharField(_("access route"), max_length=30, choices=AccessRoute.choices)
    whole_certification = models.BooleanField(
        _("targets the whole certification"), default=True,
        help_text=_("Otherwise only the chosen blocs."),
    )
    target_blocs = models.ManyToManyField(
        Bloc, blank=True, related_name="+", through="TargetBloc", verbose_name=_("chosen blocs")
    )
    extra_time_percent = models.PositiveSmallIntegerField(
        _("extra time (%)"), default=0, validators=[MinValueValidator(0)],
        help_text=_("Tiers-temps: 33."),
    )
    technical_aids = models.TextField(_("technical aids"), blank=True)
    other_accommodations = models.TextField(_("other accommodations"), blank=True)
    employer = models.CharField(
        _("employer or host organisation"), max_length=300, blank=True,
        help_text=_("A jury member working there may not assess the candidate."),
    )
    jury_note = models.TextField(
        _("note for the jury"), blank=True,
        help_text=_("What the jury must know about the accommodations, shown on the grid."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
    )
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["session", "candidate__birth_name", "candidate__first_names"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "session"], name="enrolment_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} — {self.session}"

    @property
    def has_accommodations(self) -> bool:
        return bool(self.extra_time_percent or self.technical_aids or self.other_accommodations)


class TargetBloc(models.Model):
    """A bloc an enrolment targets. PROTECT: a re-import never deletes a chosen bloc
    (it makes a new référentiel version instead)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE)
    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "bloc"], name="target_bloc_once"),
        ]

    def __str__(self) -> str:
        return str(self.bloc)


class AcquisitionOrigin(models.TextChoices):
    CAPITALISATION = "capitalisation", _("capitalisation (earlier session)")
    EQUIVALENCE = "equivalence", _("equivalence")
    VAE = "vae", _("VAE")


class AcquiredBloc(models.Model):
    """A bloc the candidate acquired before this session."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="acquired_blocs",
        verbose_name=_("enrolment"),
    )
    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("skills block"))
    acquired_on = models.DateField(_("acquired on"))
    origin = models.CharField(_("origin"), max_length=20, choices=AcquisitionOrigin.choices)
    reference = models.CharField(
        _("reference"), max_length=200, blank=True,
        help_text=_("Attestation number, earlier session, equivalence decision…"),
    )

    class Meta:
        verbose_name = _("bloc acquired before")
        verbose_name_plural = _("blocs acquired before")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "bloc"], name="acquired_bloc_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bloc} ({self.get_origin_display()}, {self.acquired_on})"


class ErasureRecord(models.Model):
    """Who erased a candidate's personal data, when and why (RGPD art. 17, accountability
    art. 5.2). PROTECT: a candidate who was erased can no longer be deleted, so the trace
    stays."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="erasures", verbose_name=_("candidate")
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("erased by"),
    )
    erased_at = models.DateTimeField(_("erased"), auto_now_add=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"{self.candidate} — {self.erased_at:%Y-%m-%d}"


class EnrolmentImport(StagedImport):
    """A spreadsheet of enrolments waiting for an administrator's confirmation.

    The file is not kept: its rows are parsed and checked at upload, and what the
    confirmation enrols is those rows, so the preview and the import cannot differ.
    PII: ``rows`` holds identities until the import is confirmed or cancelled, then it is
    emptied (the enrolments themselves are the record).
    """

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="enrolment_imports",
        verbose_name=_("session"),
    )
    rows = models.JSONField(_("rows"), default=list, blank=True)

    class Meta(StagedImport.Meta):
        verbose_name = _("enrolment import")
        verbose_name_plural = _("enrolment imports")
