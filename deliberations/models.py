"""The jury's deliberation: decisions per candidate, compétence and bloc, signature and
amendments (DESIGN.md §4.4, §5).

The tables keep the names they had in the juries app (juries_…): the models moved
here in state only (deliberations/migrations/0001_initial.py), the PostgreSQL triggers
of juries/migrations/0003 and 0006 name those tables."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from candidates.models import Enrolment, Session
from certifications.models import Bloc, Competence
from juries.models import JuryMember


class Deliberation(models.Model):
    """The jury's decision for a session; once signed, read-only but for amendments."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SIGNED = "signed", _("signed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.OneToOneField(
        Session, on_delete=models.PROTECT, related_name="deliberation", verbose_name=_("session")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    proposed_at = models.DateTimeField(_("proposed"), null=True, blank=True)
    # What the proposal was built from (deliberations.services.propose._proposal_basis):
    # the digest of every member's level on each compétence decided and of each sitting's
    # attendance; the president signs that version, no other. The attendance is kept to
    # say what changed (the levels are in each compétence decision's ``member_levels``).
    proposal_version = models.CharField(_("proposal version"), max_length=64, blank=True)
    proposal_attendance = models.JSONField(_("attendance at the proposal"), default=dict,
                                           blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("signed by"),
    )
    members_present = models.ManyToManyField(
        JuryMember, blank=True, related_name="+", verbose_name=_("members present")
    )
    # The minutes' data (procès-verbal): members present, checks, decisions, signature.
    minutes = models.JSONField(_("minutes"), default=dict, blank=True)

    class Meta:
        db_table = "juries_deliberation"
        verbose_name = _("deliberation")
        verbose_name_plural = _("deliberations")

    def __str__(self) -> str:
        return str(_("Deliberation of %(session)s") % {"session": self.session})

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class CandidateOutcome(models.TextChoices):
    FULL_SUCCESS = "full_success", _("full success")
    PARTIAL_SUCCESS = "partial_success", _("partial success")
    FAILURE = "failure", _("failure")
    ABSENT = "absent", _("absent")
    EXCUSED = "excused", _("excused")


class CandidateDecision(models.Model):
    """One candidate's decision in a deliberation: outcome and extra requirements.

    ``requirements_met`` maps a Requirement pk (as a string) to ``{"met": bool,
    "justification": str}``, ticked by the president.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.CASCADE, related_name="candidates",
        verbose_name=_("deliberation"),
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="decisions",
        verbose_name=_("enrolment"),
    )
    proposed_outcome = models.CharField(
        _("proposed outcome"), max_length=20, choices=CandidateOutcome.choices
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=CandidateOutcome.choices)
    outcome_reason = models.TextField(_("reason"), blank=True)
    justification = models.TextField(_("justification"), blank=True)
    requirements_met = models.JSONField(_("extra requirements met"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "juries_candidatedecision"
        verbose_name = _("candidate decision")
        verbose_name_plural = _("candidate decisions")
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "enrolment"],
                                    name="candidate_decision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment}: {self.get_outcome_display()}"

    # What a decision entitles its holder to, besides the transcript every candidate gets:
    # one place for the rule the register issues by and the signing page counts by.
    @property
    def earns_certificate(self) -> bool:
        return self.outcome == CandidateOutcome.FULL_SUCCESS

    def validated_blocs(self) -> list["BlocDecision"]:
        """The blocs validated by this decision (an attestation each); reads ``blocs.all()``,
        so a prefetch serves it."""
        return [b for b in self.blocs.all() if b.status == BlocDecisionStatus.VALIDATED]


class CompetenceDecision(models.Model):
    """The final level of one compétence for one candidate, and where it comes from.

    ``member_levels`` is ``[{"scorer": user pk, "name": str, "level": int,
    "conflicted": bool}]``: what each member gave, side by side.
    """

    candidate_decision = models.ForeignKey(
        CandidateDecision, on_delete=models.CASCADE, related_name="competences",
        verbose_name=_("candidate decision"),
    )
    competence = models.ForeignKey(
        Competence, on_delete=models.PROTECT, related_name="+", verbose_name=_("competence")
    )
    proposed_level = models.PositiveSmallIntegerField(_("proposed level"), null=True, blank=True)
    final_level = models.PositiveSmallIntegerField(_("final level"), null=True, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    divergent = models.BooleanField(_("members diverge"), default=False)
    member_levels = models.JSONField(_("members' levels"), default=list, blank=True)

    class Meta:
        db_table = "juries_competencedecision"
        verbose_name = _("competence decision")
        verbose_name_plural = _("competence decisions")
        constraints = [
            models.UniqueConstraint(fields=["candidate_decision", "competence"],
                                    name="competence_decision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.competence.code or self.competence_id}: {self.final_level}"

    @property
    def departs(self) -> bool:
        return self.final_level != self.proposed_level


class BlocDecisionStatus(models.TextChoices):
    VALIDATED = "validated", _("validated")
    COMPLEMENT = "complement", _("complement required")
    RATTRAPAGE = "rattrapage", _("rattrapage")
    INCOMPLETE = "incomplete", _("incomplete")
    ACQUIRED_BEFORE = "acquired_before", _("acquired before")


class BlocDecision(models.Model):
    candidate_decision = models.ForeignKey(
        CandidateDecision, on_delete=models.CASCADE, related_name="blocs",
        verbose_name=_("candidate decision"),
    )
    bloc = models.ForeignKey(
        Bloc, on_delete=models.PROTECT, related_name="+", verbose_name=_("skills block")
    )
    status = models.CharField(_("status"), max_length=20, choices=BlocDecisionStatus.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        db_table = "juries_blocdecision"
        verbose_name = _("bloc decision")
        verbose_name_plural = _("bloc decisions")
        constraints = [
            models.UniqueConstraint(fields=["candidate_decision", "bloc"],
                                    name="bloc_decision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bloc}: {self.get_status_display()}"


class Amendment(models.Model):
    """A rectification after signing: who, when, why, old → new."""

    class DecisionType(models.TextChoices):
        CANDIDATE = "candidate", _("candidate decision")
        COMPETENCE = "competence", _("competence decision")
        BLOC = "bloc", _("bloc decision")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, related_name="amendments",
        verbose_name=_("deliberation"),
    )
    candidate_decision = models.ForeignKey(
        CandidateDecision, on_delete=models.PROTECT, related_name="amendments",
        verbose_name=_("candidate decision"),
    )
    decision_type = models.CharField(_("decision type"), max_length=20,
                                     choices=DecisionType.choices)
    decision_id = models.PositiveBigIntegerField(_("decision"))
    field = models.CharField(_("field"), max_length=50)
    old = models.JSONField(_("old value"), null=True, blank=True)
    new = models.JSONField(_("new value"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        db_table = "juries_amendment"
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"
