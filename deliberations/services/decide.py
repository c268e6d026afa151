"""Decide before signing: the president's overrides (a final level, an outcome) and the
extra requirements ticked, each followed by the candidate's verdict again."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_log
from candidates.services import session_row_lock
from certifications.models import Level, Requirement
from deliberations.models import CandidateDecision, CandidateOutcome, CompetenceDecision
from deliberations.services._base import (
    DeliberationClosedError,
    _decision_context,
    _require_president,
)
from deliberations.services.propose import _recompute


def _open_decision(decision: CandidateDecision, by: User) -> None:
    """The president changes a decision of a deliberation not signed, as committed: the
    session's lock is taken first (inside the caller's transaction)."""
    if session_row_lock(session_id=decision.deliberation.session_id):
        raise DeliberationClosedError
    _require_president(by, decision.deliberation.session)


# -- the president's overrides -----------------------------------------------------------------
@transaction.atomic
def competence_decision_override(
    *, decision: CompetenceDecision, final_level: int | None, justification: str, by: User,
) -> CompetenceDecision:
    """The president's final level; a justification is required when it departs from the
    proposal. The candidate's blocs and outcome follow."""
    candidate_decision = decision.candidate_decision
    _open_decision(candidate_decision, by)
    justification = justification.strip()
    scale = candidate_decision.deliberation.session.referentiel.scale_id
    if final_level is not None and not Level.objects.filter(scale_id=scale,
                                                            number=final_level).exists():
        raise ValidationError(_("Level %(level)s is not on the scale.") % {"level": final_level},
                              code="level")
    if final_level != decision.proposed_level and not justification:
        raise ValidationError(
            _("A final level that departs from the proposal needs a justification."),
            code="justification_required")
    old = {"final_level": decision.final_level, "justification": decision.justification}
    decision.final_level = final_level
    decision.justification = justification if final_level != decision.proposed_level else ""
    decision.save(update_fields=["final_level", "justification"])
    _recompute(candidate_decision)
    audit_log(actor=by, action="deliberation.competence_overridden", obj=decision, old=old,
              new={"final_level": final_level, "justification": decision.justification,
                   "competence": decision.competence_id},
              context=_decision_context(candidate_decision))
    return decision


@transaction.atomic
def candidate_outcome_override(
    *, decision: CandidateDecision, outcome: CandidateOutcome | str, justification: str,
    by: User,
) -> CandidateDecision:
    """The president's outcome for a candidate; a justification is required when it
    departs from the proposal."""
    _open_decision(decision, by)
    outcome = CandidateOutcome(outcome)
    justification = justification.strip()
    if outcome != decision.proposed_outcome and not justification:
        raise ValidationError(
            _("An outcome that departs from the proposal needs a justification."),
            code="justification_required")
    old = {"outcome": decision.outcome, "justification": decision.justification}
    decision.outcome = outcome.value
    decision.justification = justification if outcome != decision.proposed_outcome else ""
    decision.version += 1
    decision.save(update_fields=["outcome", "justification", "version"])
    audit_log(actor=by, action="deliberation.outcome_overridden", obj=decision, old=old,
              new={"outcome": decision.outcome, "justification": decision.justification},
              context=_decision_context(decision))
    return decision


@transaction.atomic
def requirement_tick(
    *, decision: CandidateDecision, requirement: Requirement, met: bool, justification: str,
    by: User,
) -> CandidateDecision:
    """Whether a candidate meets an extra requirement (company mission, thesis…): the
    president ticks it with a justification (what was checked)."""
    _open_decision(decision, by)
    certification_id = decision.deliberation.session.referentiel.certification_id
    if requirement.certification_id != certification_id:
        raise ValidationError(_("This requirement is not one of the certification."),
                              code="foreign_requirement")
    justification = justification.strip()
    if met and not justification:
        raise ValidationError(_("Say what shows the requirement is met."),
                              code="justification_required")
    key = str(requirement.pk)
    old = decision.requirements_met.get(key)
    decision.requirements_met = {**decision.requirements_met,
                                 key: {"met": met, "justification": justification}}
    decision.save(update_fields=["requirements_met"])
    _recompute(decision)
    audit_log(actor=by, action="deliberation.requirement_ticked", obj=decision,
              old={"requirement": key, "value": old},
              new={"requirement": key, "value": decision.requirements_met[key]},
              context=_decision_context(decision))
    return decision
