"""The insertion survey (docs/renewal.md): one survey per holder (a candidate certified
in full or in part by a signed deliberation) and wave (6 and 24 months after the
decision), the answers it received, and the anonymous counts left by an erasure."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from candidates.models import Enrolment, Session


class Wave(models.IntegerChoices):
    """Months after the jury's decision (the deliberation's signing date)."""

    SIX_MONTHS = 6, _("6 months")
    TWENTY_FOUR_MONTHS = 24, _("24 months")


class ContractType(models.TextChoices):
    CDI = "cdi", _("permanent contract (CDI)")
    CDD = "cdd", _("fixed-term contract (CDD)")
    TEMPORARY = "interim", _("temporary work (intérim)")
    SELF_EMPLOYED = "independent", _("self-employed, business creation")
    WORK_STUDY = "work_study", _("work-study contract (alternance)")
    CIVIL_SERVICE = "civil_service", _("civil service")
    OTHER = "other", _("other")


class InsertionSurvey(models.Model):
    """One holder, one wave. Sent once (``sent_at``), answered once (``answered_at``),
    correctable for ``CORRECTION_DAYS`` after the answer."""

    # PII: the holder's situation (employment, contract, job title), tied to their
    # enrolment. ``public_id`` is the token the signed link carries (insertion.links).
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT,
                                  related_name="insertion_surveys", verbose_name=_("enrolment"))
    wave = models.PositiveSmallIntegerField(_("wave"), choices=Wave.choices)
    decided_on = models.DateField(_("decision date"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last corrected"), null=True, blank=True)
    employed = models.BooleanField(_("employed"), null=True, blank=True)
    in_target_job = models.BooleanField(_("in the job the certification prepares for"),
                                        null=True, blank=True)
    contract_type = models.CharField(_("contract type"), max_length=20, blank=True,
                                     choices=ContractType.choices)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("insertion survey")
        verbose_name_plural = _("insertion surveys")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "wave"], name="insertion_survey_once"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} — {self.get_wave_display()}"


class InsertionTally(models.Model):
    """What the surveys of erased holders counted, with nobody in it: per session, wave
    and answer, how many (docs/rgpd.md). Rows of one key may repeat: they are summed."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("session"))
    wave = models.PositiveSmallIntegerField(_("wave"), choices=Wave.choices)
    answered = models.BooleanField(_("answered"))
    employed = models.BooleanField(_("employed"), null=True)
    in_target_job = models.BooleanField(_("in the job the certification prepares for"),
                                        null=True)
    contract_type = models.CharField(_("contract type"), max_length=20, blank=True,
                                     choices=ContractType.choices)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("anonymous insertion count")
        verbose_name_plural = _("anonymous insertion counts")

    def __str__(self) -> str:
        return f"{self.session} — {self.get_wave_display()}: {self.count}"
