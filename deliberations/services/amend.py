"""Amendments after signing: the president of the jury that signed rectifies a decision
with a reason; what follows from it is recorded, the documents reissued after the commit."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import may_amend, require
from accounts.services import audit_log
from candidates.services import session_row_lock
from certifications.models import Level, Requirement
from deliberations.models import (
    Amendment,
    CandidateDecision,
    CandidateOutcome,
    CompetenceDecision,
    Deliberation,
)
from deliberations.services._base import _decision_context
from deliberations.services.propose import _recompute
from deliberations.signals import decision_amended


def reissue_documents_for_amendment(amendment_id: int) -> None:
    """Run after an amendment commits: announces it (``deliberations.signals``); the reports app
    reissues the affected candidate's documents and revokes the old ones."""
    decision_amended.send(sender=Amendment, amendment_id=amendment_id)


def _require_signing_president(user: User, deliberation: Deliberation) -> None:
    """Amendments (docs/decisions/0004-who-amends.md): the president of the jury that
    signed, among the members present at the signature. The jury cannot change once
    signed, so no one added later ever amends."""
    require(may_amend(user, deliberation),
            _("Only the president of the jury that signed may amend a decision."))


# -- amendments after signing -------------------------------------------------------------------
def _amendment_path(on: bool) -> None:
    """On PostgreSQL the lock trigger lets decision rows change only while this
    transaction-local setting is on (set here, by amendments, and nowhere else)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('certassess.amendment', %s, true)",
                           ["on" if on else "off"])


# -- what an amendment changes ----------------------------------------------------------------
@dataclass(frozen=True)
class FinalLevelAmended:
    """The final level of one compétence decision."""

    decision: CompetenceDecision

    @property
    def candidate_decision(self) -> CandidateDecision:
        return self.decision.candidate_decision

    @property
    def field(self) -> str:
        return "final_level"


@dataclass(frozen=True)
class OutcomeAmended:
    """A candidate's outcome."""

    decision: CandidateDecision

    @property
    def candidate_decision(self) -> CandidateDecision:
        return self.decision

    @property
    def field(self) -> str:
        return "outcome"


@dataclass(frozen=True)
class RequirementAmended:
    """Whether a candidate meets one extra requirement of the certification."""

    decision: CandidateDecision
    requirement: Requirement

    @property
    def candidate_decision(self) -> CandidateDecision:
        return self.decision

    @property
    def field(self) -> str:
        """As recorded on the amendment (``Amendment.field``)."""
        return f"requirement:{self.requirement.pk}"


AmendmentTarget = FinalLevelAmended | OutcomeAmended | RequirementAmended


@transaction.atomic
def amendment_record(
    *, target: AmendmentTarget, new_value: object, reason: str, by: User,
) -> Amendment:
    """A rectification after signing: the final level of a compétence decision (a level
    of the scale or None), a candidate's outcome, or whether they meet an extra
    requirement (True/False). The change, and what follows from it (bloc statuses,
    outcome), is recorded old → new with the reason; the affected documents are reissued
    after the commit."""
    candidate_decision = target.candidate_decision
    deliberation = candidate_decision.deliberation
    # The recorded amendment path: the session's lock is taken as by every writer, and
    # the signature read as committed.
    if not session_row_lock(session_id=deliberation.session_id):
        raise ValidationError(_("Before signing, change the decision itself."),
                              code="not_signed")
    _require_signing_president(by, deliberation)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("An amendment needs a reason."), code="reason_required")
    _amendment_path(True)
    try:
        amendment = _amend(target, candidate_decision, new_value, reason, by)
    finally:
        _amendment_path(False)
    audit_log(actor=by, action="deliberation.amended", obj=amendment,
              old={"field": target.field, "value": amendment.old},
              new={"field": target.field, "value": amendment.new, "reason": reason},
              context=_decision_context(candidate_decision))
    amendment_id = amendment.pk
    transaction.on_commit(lambda: reissue_documents_for_amendment(amendment_id))
    return amendment


def _amend(target: AmendmentTarget, candidate_decision: CandidateDecision, new_value: object,
           reason: str, by: User) -> Amendment:
    deliberation = candidate_decision.deliberation

    def record(kind: str, pk: int, name: str, old: object, new: object) -> Amendment:
        return Amendment.objects.create(
            deliberation=deliberation, candidate_decision=candidate_decision,
            decision_type=kind, decision_id=pk, field=name, old=old, new=new, reason=reason,
            by=by)

    before_blocs = {b.pk: b.status for b in candidate_decision.blocs.all()}
    before_outcome = candidate_decision.outcome
    decision = target.decision
    match target:
        case FinalLevelAmended():
            level = None if new_value in (None, "") else int(new_value)  # type: ignore[arg-type]
            if level is not None and not Level.objects.filter(
                    scale_id=deliberation.session.referentiel.scale_id, number=level).exists():
                raise ValidationError(
                    _("Level %(level)s is not on the scale.") % {"level": level}, code="level")
            amendment = record(Amendment.DecisionType.COMPETENCE, decision.pk, target.field,
                               target.decision.final_level, level)
            target.decision.final_level, target.decision.justification = level, reason
            target.decision.save(update_fields=["final_level", "justification"])
        case OutcomeAmended():
            outcome = CandidateOutcome(str(new_value))
            amendment = record(Amendment.DecisionType.CANDIDATE, decision.pk, target.field,
                               target.decision.outcome, outcome.value)
            target.decision.outcome, target.decision.justification = outcome.value, reason
            target.decision.save(update_fields=["outcome", "justification"])
            return amendment
        case RequirementAmended():
            if target.requirement.certification_id != (
                    deliberation.session.referentiel.certification_id):
                raise ValidationError(_("This requirement is not one of the certification."),
                                      code="foreign_requirement")
            key = str(target.requirement.pk)
            met = target.decision.requirements_met
            amendment = record(Amendment.DecisionType.CANDIDATE, decision.pk, target.field,
                               met.get(key, {}).get("met", False), bool(new_value))
            target.decision.requirements_met = {
                **met, key: {"met": bool(new_value), "justification": reason}}
            target.decision.save(update_fields=["requirements_met"])
        case _:
            raise ValidationError(_("This field cannot be amended."), code="field")
    candidate_decision.refresh_from_db()
    _recompute(candidate_decision)
    for bloc in candidate_decision.blocs.all():
        if before_blocs.get(bloc.pk) != bloc.status:
            record(Amendment.DecisionType.BLOC, bloc.pk, "status", before_blocs.get(bloc.pk),
                   bloc.status)
    if candidate_decision.outcome != before_outcome:
        record(Amendment.DecisionType.CANDIDATE, candidate_decision.pk, "outcome",
               before_outcome, candidate_decision.outcome)
    return amendment
