"""Épreuves held for a session (assessments) and their results data: scores and
criteria checks (DESIGN.md §2).

A score is one scorer's level for one compétence of one candidate in one assessment.
Rows carry a ``version`` so that a stale write (two members, two tabs) is refused
instead of silently overwriting (``assessments.services.score_record``). Scorers are
users: who may score whom is decided above, by the juries app (assignments).
"""

import datetime
import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Enrolment, Session
from certifications.models import Competence, Criterion, Modality


class Assessment(models.Model):
    """An épreuve held for a session: a modality, a date, a place, candidates."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("session")
    )
    modality = models.ForeignKey(
        Modality, on_delete=models.PROTECT, related_name="assessments",
        verbose_name=_("assessment method"),
    )
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    opened_early_at = models.DateTimeField(
        _("opened early"), null=True, blank=True,
        help_text=_("Set when an administrator opens scoring before the assessment's date."),
    )
    opened_early_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("opened early by"),
    )
    instructions = models.TextField(
        _("what the candidate brings / instructions"), blank=True,
        help_text=_("Shown to the candidates (space, convocation): what to bring, how the "
                    "assessment runs."),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("cancelled by"),
    )
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.modality} — {self.starts_at:%d/%m/%Y %H:%M}"

    @property
    def local_date(self) -> datetime.date:
        """The épreuve's date in the site's timezone."""
        return timezone.localtime(self.starts_at).date()

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def scoring_open(self, today: datetime.date | None = None) -> bool:
        """Scores are taken from the épreuve's date (site's timezone) on, or earlier once
        an administrator opened it early; never on a cancelled épreuve."""
        if self.cancelled_at is not None:
            return False
        return self.opened_early_at is not None or (
            (today or timezone.localdate()) >= self.local_date)


class Attendance(models.TextChoices):
    PRESENT = "present", _("present")
    ABSENT = "absent", _("absent")
    EXCUSED = "excused", _("excused")


class Sitting(models.Model):
    """A candidate sitting an assessment (for a team épreuve, with their team)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="sittings",
        verbose_name=_("assessment"),
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="sittings", verbose_name=_("enrolment")
    )
    team = models.CharField(
        _("team"), max_length=100, blank=True,
        help_text=_("For a team assessment; each candidate is still scored individually."),
    )
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.PRESENT
    )
    attendance_version = models.PositiveIntegerField(default=0)
    locked_at = models.DateTimeField(
        _("locked"), null=True, blank=True,
        help_text=_("Set when the deliberation is signed: scores are then read-only."),
    )
    starts_at = models.DateTimeField(
        _("time slot"), null=True, blank=True,
        help_text=_("The candidate's own start time; empty: the assessment's time."),
    )

    class Meta:
        verbose_name = _("candidate sitting")
        verbose_name_plural = _("candidates sitting")
        ordering = ["assessment", "team", "enrolment__candidate__birth_name"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "enrolment"], name="sitting_once"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.candidate} — {self.assessment}"

    @property
    def slot_starts_at(self) -> datetime.datetime:
        """When this candidate starts: their own time slot, else the épreuve's time."""
        return self.starts_at or self.assessment.starts_at


class Score(models.Model):
    sitting = models.ForeignKey(
        Sitting, on_delete=models.PROTECT, related_name="scores", verbose_name=_("sitting")
    )
    competence = models.ForeignKey(
        Competence, on_delete=models.PROTECT, related_name="scores", verbose_name=_("competence")
    )
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scores",
        verbose_name=_("scored by"),
    )
    level = models.PositiveSmallIntegerField(
        _("level"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    comment = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "competence", "scorer"], name="score_once_per_scorer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competence.code or self.competence.pk}: {self.level}"


class CriterionCheck(models.Model):
    """Whether a scorer observed a criterion, with an optional note."""

    sitting = models.ForeignKey(
        Sitting, on_delete=models.PROTECT, related_name="criterion_checks",
        verbose_name=_("sitting"),
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="checks", verbose_name=_("criterion")
    )
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="criterion_checks",
        verbose_name=_("checked by"),
    )
    observed = models.BooleanField(_("observed"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("criterion check")
        verbose_name_plural = _("criterion checks")
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "criterion", "scorer"], name="criterion_check_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.observed}"
