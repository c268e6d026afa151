"""Jury members, juries, assignments of members to candidates, conflicts of interest
(DESIGN.md §2, §5). The deliberation and its decisions live in the deliberations app."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models import Sitting
from candidates.models import Candidate, Session, Sex


class Quality(models.TextChoices):
    TEACHER = "teacher", _("teacher")
    EMPLOYER = "employer", _("professional (employer)")
    EMPLOYEE = "employee", _("professional (employee)")


class JuryMember(models.Model):
    # PII: organisation and sex (composition statistics) with the user's identity.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jury_member",
        verbose_name=_("user account"),
    )
    quality = models.CharField(_("quality"), max_length=20, choices=Quality.choices)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    external = models.BooleanField(
        _("external to the certifier"), default=True,
        help_text=_("A professional who does not work for the certifier or its schools."),
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES,
        default="fr",
        help_text=_("The e-mails sent to the member (invitation) are in this language."),
    )

    class Meta:
        verbose_name = _("jury member")
        verbose_name_plural = _("jury members")
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_external_professional(self) -> bool:
        return self.external and self.quality != Quality.TEACHER


class Jury(models.Model):
    """The panel of a session: its members and its president."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.OneToOneField(
        Session, on_delete=models.PROTECT, related_name="jury", verbose_name=_("session")
    )
    members = models.ManyToManyField(JuryMember, related_name="juries", verbose_name=_("members"))
    president = models.ForeignKey(
        JuryMember, on_delete=models.PROTECT, null=True, blank=True, related_name="presided",
        verbose_name=_("president"),
    )

    class Meta:
        verbose_name = _("jury")
        verbose_name_plural = _("juries")

    def __str__(self) -> str:
        return str(_("Jury of %(session)s") % {"session": self.session})


class Assignment(models.Model):
    """A member assigned to score a candidate's sitting of an assessment."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sitting = models.ForeignKey(
        Sitting, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("sitting")
    )
    member = models.ForeignKey(
        JuryMember, on_delete=models.PROTECT, related_name="assignments",
        verbose_name=_("jury member"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["sitting", "member"], name="assignment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.sitting}"


class ConflictKind(models.TextChoices):
    TRAINED = "trained", _("trained the candidate")
    ACCOMPANIED = "accompanied", _("accompanied the candidate's VAE")
    SAME_ORGANISATION = "same_organisation", _("works in the candidate's organisation")
    OTHER = "other", _("other personal or professional tie")


class ConflictOfInterest(models.Model):
    """A declared tie between a member and a candidate: the member may not score or
    deliberate on that candidate."""

    member = models.ForeignKey(
        JuryMember, on_delete=models.PROTECT, related_name="conflicts",
        verbose_name=_("jury member"),
    )
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="conflicts", verbose_name=_("candidate")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ConflictKind.choices)
    note = models.TextField(_("note"), blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("declared by"),
    )
    declared_at = models.DateTimeField(_("declared"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "candidate", "kind"], name="conflict_once_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} / {self.candidate}: {self.get_kind_display()}"
