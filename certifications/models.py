"""The référentiel: certification, versions, blocs, compétences, criteria, modalities,
the scale and the rules configuration (DESIGN.md §2, §5).

A référentiel version is read-only once any candidate has been scored against it
(``locked_at``); a re-import then makes a new version and candidates keep theirs.
"""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.staging import StagedImport
from certifications.codes import (
    bloc_code_example,
    bloc_code_is_valid,
    certification_code_is_valid,
    code_normalise,
    siret_is_valid,
    siret_normalise,
)
from certifications.vocabulary import LevelOutcome, ModalityKind


class Certification(models.Model):
    """A qualification registered at the RNCP (a fiche)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        _("RNCP code"), max_length=20, blank=True, help_text=_("For example RNCP35609.")
    )
    title = models.CharField(_("registered title"), max_length=500)
    level = models.PositiveSmallIntegerField(
        _("qualification level"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
    )
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF level"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
    )
    nsf_codes = models.JSONField(_("NSF codes"), default=list, blank=True)
    formacodes = models.JSONField(_("formacodes"), default=list, blank=True)
    rome_codes = models.JSONField(_("ROME codes"), default=list, blank=True)
    certifier_name = models.CharField(_("certifier legal name"), max_length=300, blank=True)
    certifier_siret = models.CharField(_("certifier SIRET"), max_length=14, blank=True)
    co_certifiers = models.JSONField(
        _("other certifiers"), default=list, blank=True,
        help_text=_("Other certifiers named by the fiche (legal name and SIRET)."),
    )
    # Given by the Caisse des Dépôts when the certifier registers for the accrochage
    # (docs/documents.md, "Caisse des Dépôts (accrochage)"); the holders file needs both.
    cdc_client_id = models.CharField(
        _("Caisse des Dépôts client id"), max_length=8, blank=True,
        validators=[RegexValidator(r"^\S{8}$", _("Eight characters, e.g. 03ABC123."))],
        help_text=_("The certifier's idClient for the accrochage (eight characters)."),
    )
    cdc_contract_id = models.CharField(
        _("Caisse des Dépôts contract id"), max_length=20, blank=True,
        help_text=_("The certifier's idContrat for the accrochage, e.g. MCFCER000123."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("validity of the certification (months)"), null=True, blank=True,
        help_text=_("Empty: the certification is valid for life. Reported to the Caisse des "
                    "Dépôts as the end of validity."),
    )
    registration_date = models.DateField(_("registration decision date"), null=True, blank=True)
    registration_end_date = models.DateField(_("end of registration"), null=True, blank=True)
    last_issuing_date = models.DateField(
        _("last issuing date"), null=True, blank=True,
        help_text=_("No certificate is issued after this date without an explicit override."),
    )
    active = models.BooleanField(_("active"), default=True)
    replaces = models.JSONField(_("replaces"), default=list, blank=True)
    replaced_by = models.JSONField(_("replaced by"), default=list, blank=True)
    access_routes = models.JSONField(_("access routes"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    accommodations_available = models.BooleanField(
        _("assessment adaptable for candidates with disabilities"), default=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["code", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="certification_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}" if self.code else self.title

    @property
    def certifier_legal_name(self) -> str:
        """The legal name printed on documents and the register's owner: the fiche's
        certifier when the référentiel names one, else this installation's."""
        return self.certifier_name or settings.CERTIFIER_NAME

    def clean(self) -> None:
        self.code = code_normalise(self.code)
        if self.code and not certification_code_is_valid(self.code):
            raise ValidationError({"code": _("Enter RNCP or RS followed by digits, for "
                                              "example RNCP35609.")})


class Requirement(models.Model):
    """A condition of the certification beyond its blocs (company mission, thesis...)."""

    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="requirements",
        verbose_name=_("certification"),
    )
    label = models.CharField(_("label"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("extra requirement")
        verbose_name_plural = _("extra requirements")
        ordering = ["certification", "position"]

    def __str__(self) -> str:
        return self.label


class RuleSet(models.Model):
    """The deliberation rules of a certification (DESIGN.md §5); the defaults are §5's.

    Which levels are acquired is a property of the scale (``Level.outcome``); the rest
    is here. The pure functions of ``certifications.rules`` apply it.
    """

    certification = models.OneToOneField(
        Certification, on_delete=models.CASCADE, related_name="rules",
        verbose_name=_("certification"),
    )
    bloc_validity_months = models.PositiveIntegerField(
        _("validity of an acquired bloc (months)"), null=True, blank=True,
        help_text=_("Empty: a validated bloc stays acquired for life."),
    )
    divergence_threshold = models.PositiveSmallIntegerField(
        _("divergence flagged from (levels apart)"), default=2,
        validators=[MinValueValidator(1)],
    )
    quorum_min_members = models.PositiveSmallIntegerField(
        _("minimum members present"), default=2, validators=[MinValueValidator(1)]
    )
    president_required = models.BooleanField(_("president must be present"), default=True)
    external_professional_share = models.DecimalField(
        _("minimum share of external professionals"), max_digits=3, decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    warn_on_single_gender = models.BooleanField(
        _("warn when men or women are absent from the jury"), default=True
    )

    class Meta:
        verbose_name = _("rules")
        verbose_name_plural = _("rules")

    def __str__(self) -> str:
        return str(_("Rules of %(certification)s") % {"certification": self.certification})


class Scale(models.Model):
    """An assessment scale; the default one has 4 levels (``DEFAULT_CODE``)."""

    DEFAULT_CODE = "rncp-4-niveaux"  # created by migration 0002

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("scale")
        verbose_name_plural = _("scales")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Level(models.Model):
    scale = models.ForeignKey(
        Scale, on_delete=models.CASCADE, related_name="levels", verbose_name=_("scale")
    )
    number = models.PositiveSmallIntegerField(_("level"), validators=[MinValueValidator(1)])
    label = models.CharField(_("label"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=[
            (LevelOutcome.ACQUIRED.value, _("acquired")),
            (LevelOutcome.COMPLEMENT.value, _("complement required")),
            (LevelOutcome.RATTRAPAGE.value, _("rattrapage required")),
        ],
    )
    comment_required = models.BooleanField(
        _("comment required"), default=False,
        help_text=_("The jury must describe the gaps when giving this level."),
    )

    class Meta:
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        ordering = ["scale", "number"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "number"], name="level_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.label}"


class Referentiel(models.Model):
    """One version of a certification's content."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="referentiels",
        verbose_name=_("certification"),
    )
    version = models.PositiveIntegerField(_("version"))
    scale = models.ForeignKey(
        Scale, on_delete=models.PROTECT, related_name="referentiels", verbose_name=_("scale")
    )
    source_format = models.CharField(_("imported from (format)"), max_length=30, blank=True)
    source_name = models.CharField(_("imported from (file)"), max_length=300, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("imported by"),
    )
    content_signature = models.CharField(max_length=64, blank=True, editable=False)
    locked_at = models.DateTimeField(
        _("locked"), null=True, blank=True,
        help_text=_("Set when the first candidate is scored: the version is then read-only."),
    )

    class Meta:
        verbose_name = _("framework version")
        verbose_name_plural = _("framework versions")
        ordering = ["certification", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "version"], name="referentiel_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("%(certification)s, version %(version)s")
            % {"certification": self.certification, "version": self.version}
        )

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Bloc(models.Model):
    referentiel = models.ForeignKey(
        Referentiel, on_delete=models.CASCADE, related_name="blocs",
        verbose_name=_("framework version"),
    )
    code = models.CharField(_("code"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    assessment_text = models.TextField(_("assessment (as written in the fiche)"), blank=True)
    certifiable_alone = models.BooleanField(_("certifiable on its own"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("skills block")
        verbose_name_plural = _("skills blocks")
        ordering = ["referentiel", "position"]
        indexes = [models.Index(fields=["referentiel", "position"])]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}" if self.code else self.title

    def clean(self) -> None:
        self.code = code_normalise(self.code)
        if not self.code or self.referentiel_id is None:
            return
        certification_code = self.referentiel.certification.code
        if not bloc_code_is_valid(self.code, certification_code=certification_code):
            raise ValidationError({"code": _(
                "Enter the certification's code, BC and digits, for example %(example)s."
            ) % {"example": bloc_code_example(certification_code)}})


class Activity(models.Model):
    bloc = models.ForeignKey(
        Bloc, on_delete=models.CASCADE, related_name="activities", verbose_name=_("skills block")
    )
    code = models.CharField(_("code"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["bloc", "position"]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}" if self.title else self.code


class Competence(models.Model):
    """The unit the jury scores."""

    bloc = models.ForeignKey(
        Bloc, on_delete=models.CASCADE, related_name="competences", verbose_name=_("skills block")
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="competences",
        verbose_name=_("activity"),
    )
    code = models.CharField(_("code"), max_length=40, blank=True)
    title = models.TextField(_("title"))
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("competence")
        verbose_name_plural = _("competences")
        ordering = ["bloc", "position"]
        indexes = [models.Index(fields=["bloc", "position"])]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}" if self.code else self.title


class Modality(models.Model):
    """An épreuve: what the candidate does and hands in; evaluates compétences,
    possibly across blocs."""

    referentiel = models.ForeignKey(
        Referentiel, on_delete=models.CASCADE, related_name="modalities",
        verbose_name=_("framework version"),
    )
    code = models.CharField(_("code"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=500)
    kind = models.CharField(
        _("kind"), max_length=30, default=ModalityKind.OTHER, choices=[
            (ModalityKind.CASE_STUDY.value, _("case study")),
            (ModalityKind.WORK_SITUATION.value, _("professional situation")),
            (ModalityKind.PROJECT.value, _("project")),
            (ModalityKind.MONOGRAPH.value, _("monograph")),
            (ModalityKind.THESIS.value, _("professional thesis")),
            (ModalityKind.QUIZ.value, _("multiple-choice quiz")),
            (ModalityKind.ORAL.value, _("oral defence")),
            (ModalityKind.WRITTEN.value, _("written test")),
            (ModalityKind.PORTFOLIO.value, _("portfolio")),
            (ModalityKind.OTHER.value, _("other")),
        ],
    )
    description = models.TextField(_("what the candidate does"), blank=True)
    deliverables = models.TextField(_("what the candidate hands in"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    duration_text = models.CharField(_("duration (as written)"), max_length=300, blank=True)
    team = models.BooleanField(
        _("team assessment"), default=False,
        help_text=_("Each candidate of a team is still scored individually."),
    )
    competences = models.ManyToManyField(
        Competence, related_name="modalities", blank=True, verbose_name=_("competences evaluated")
    )
    blocs = models.ManyToManyField(
        Bloc, related_name="modalities", blank=True, verbose_name=_("skills blocks")
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("assessment method")
        verbose_name_plural = _("assessment methods")
        ordering = ["referentiel", "position"]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}" if self.code else self.title


class Criterion(models.Model):
    """An observable line the jury checks."""

    bloc = models.ForeignKey(
        Bloc, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("skills block")
    )
    modality = models.ForeignKey(
        Modality, on_delete=models.SET_NULL, null=True, blank=True, related_name="criteria",
        verbose_name=_("assessment method"),
    )
    competences = models.ManyToManyField(
        Competence, related_name="criteria", blank=True, verbose_name=_("competences")
    )
    text = models.TextField(_("text"))
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("assessment criterion")
        verbose_name_plural = _("assessment criteria")
        ordering = ["bloc", "position"]

    def __str__(self) -> str:
        return self.text[:80]


class ReferentielImport(StagedImport):
    """An upload waiting for an administrator's confirmation (DESIGN.md §4.1).

    The file itself is not kept: it is parsed at upload and the drafts (own JSON) are
    what the confirmation saves, so the preview and the import cannot differ.
    """

    format = models.CharField(_("format"), max_length=30)
    options = models.JSONField(_("options"), default=dict, blank=True)
    drafts = models.JSONField(_("drafts"), default=list, blank=True)

    class Meta(StagedImport.Meta):
        verbose_name = _("framework import")
        verbose_name_plural = _("framework imports")


def _certifier_upload(instance: "Certifier", filename: str) -> str:
    return f"certifiers/{instance.public_id}/{filename}"


class Certifier(models.Model):
    """The body that awards certifications, as its documents name it (DESIGN.md §6): its
    legal name, and the legal representative who signs certificates, attestations and
    transcripts — never a jury member. Keyed by the legal name the fiches give."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legal_name = models.CharField(_("legal name"), max_length=300, unique=True)
    siret = models.CharField(
        _("SIRET"), max_length=14, blank=True,
        validators=[RegexValidator(r"^\d{14}$", _("Fourteen digits."))],
    )
    representative_name = models.CharField(
        _("legal representative"), max_length=200, blank=True,
        help_text=_("The person who signs the documents, e.g. Anne Martin."),
    )
    representative_quality = models.CharField(
        _("quality of the legal representative"), max_length=200, blank=True,
        help_text=_("For example Director general."),
    )
    signature = models.FileField(
        _("signature image"), upload_to=_certifier_upload, blank=True,
        help_text=_("Optional: a PNG or JPEG image of the signature, printed above the name."),
    )
    logo = models.FileField(
        _("logo"), upload_to=_certifier_upload, blank=True,
        help_text=_("Optional: a PNG or JPEG image printed at the top of the documents."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("certifier")
        verbose_name_plural = _("certifiers")
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name


class PartnerKind(models.TextChoices):
    """What a partner is habilitated for (the RNCP's HABILITATION_PARTENAIRE)."""

    PREPARE = "prepare", _("to prepare for the certification")
    ORGANISE = "organise", _("to organise the assessment")
    BOTH = "both", _("to prepare and to organise the assessment")


class PartnerSource(models.TextChoices):
    RNCP = "rncp", _("imported from the RNCP fiche")
    MANUAL = "manual", _("entered by hand")


def validate_siret(value: str) -> None:
    if not siret_is_valid(value):
        raise ValidationError(
            _("Enter the fourteen digits of the SIRET, whose last digit is its check key "
              "(for example 78471393500038)."), code="invalid_siret")


class Partner(models.Model):
    """An organisation the certifier habilitated to prepare candidates for a certification
    or to organise its assessment (the fiche's PARTENAIRES), on given dates. A session
    opened for a partner must fall within an habilitation to organise
    (``certifications.services.partner_check_for_session``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="partners",
        verbose_name=_("certification"),
    )
    legal_name = models.CharField(_("legal name"), max_length=300)
    siret = models.CharField(_("SIRET"), max_length=14, validators=[validate_siret])
    kind = models.CharField(_("habilitation"), max_length=10, choices=PartnerKind.choices)
    starts_on = models.DateField(_("habilitated from"), null=True, blank=True)
    ends_on = models.DateField(
        _("habilitated until"), null=True, blank=True,
        help_text=_("Empty: no end date is known."),
    )
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=10, choices=PartnerSource.choices,
                              default=PartnerSource.MANUAL)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["certification", "legal_name", "siret"]
        constraints = [
            models.UniqueConstraint(fields=["certification", "siret"],
                                    name="partner_siret_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="partner_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.siret})"

    def clean(self) -> None:
        self.siret = siret_normalise(self.siret)
        self.legal_name = " ".join(self.legal_name.split())
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The habilitation cannot end before it "
                                                "starts.")})

    @property
    def may_organise(self) -> bool:
        return self.kind in (PartnerKind.ORGANISE, PartnerKind.BOTH)

    def organises_between(self, first: datetime.date, last: datetime.date) -> bool:
        """Active and habilitated to organise the assessment on every day from first to last."""
        return (self.active and self.may_organise
                and (self.starts_on is None or self.starts_on <= first)
                and (self.ends_on is None or last <= self.ends_on))
