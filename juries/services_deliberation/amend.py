"""Amendments after signing: the president of the jury that signed rectifies a decision
with a reason; what follows from it is recorded, the documents reissued after the commit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import may_amend, require
from accounts.services import audit_log
from candidates.services import session_row_lock
from certifications.models import Level
from juries.models import (
    Amendment,
    CandidateDecision,
    CandidateOutcome,
    CompetenceDecision,
    Deliberation,
)
from juries.services_deliberation._base import _decision_context
from juries.services_deliberation.propose import _recompute


def reissue_documents_for_amendment(amendment_id: int) -> None:
    """Run after an amendment commits: sends the reports app's task by name; it reissues
    the affected candidate's documents and revokes the old ones."""
    from config.celery_app import app

    app.send_task("reports.tasks.reissue_for_amendment_task", args=[amendment_id])


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


@transaction.atomic
def amendment_record(
    *, decision: CompetenceDecision | CandidateDecision, field: str, new_value: object,
    reason: str, by: User,
) -> Amendment:
    """A rectification after signing: ``final_level`` of a compétence decision,
    ``outcome`` or ``requirement:<pk>`` (True/False) of a candidate decision. The change,
    and what follows from it (bloc statuses, outcome), is recorded old → new with the
    reason; the affected documents are reissued after the commit."""
    candidate_decision = (decision.candidate_decision if isinstance(decision, CompetenceDecision)
                          else decision)
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
        amendment = _amend(decision, candidate_decision, field, new_value, reason, by)
    finally:
        _amendment_path(False)
    audit_log(actor=by, action="deliberation.amended", obj=amendment,
              old={"field": field, "value": amendment.old},
              new={"field": field, "value": amendment.new, "reason": reason},
              context=_decision_context(candidate_decision))
    amendment_id = amendment.pk
    transaction.on_commit(lambda: reissue_documents_for_amendment(amendment_id))
    return amendment


def _amend(decision: CompetenceDecision | CandidateDecision,
           candidate_decision: CandidateDecision, field: str, new_value: object, reason: str,
           by: User) -> Amendment:
    deliberation = candidate_decision.deliberation

    def record(kind: str, pk: int, name: str, old: object, new: object) -> Amendment:
        return Amendment.objects.create(
            deliberation=deliberation, candidate_decision=candidate_decision,
            decision_type=kind, decision_id=pk, field=name, old=old, new=new, reason=reason,
            by=by)

    before_blocs = {b.pk: b.status for b in candidate_decision.blocs.all()}
    before_outcome = candidate_decision.outcome
    if isinstance(decision, CompetenceDecision) and field == "final_level":
        level = None if new_value in (None, "") else int(new_value)  # type: ignore[arg-type]
        if level is not None and not Level.objects.filter(
                scale_id=deliberation.session.referentiel.scale_id, number=level).exists():
            raise ValidationError(_("Level %(level)s is not on the scale.") % {"level": level},
                                  code="level")
        amendment = record(Amendment.DecisionType.COMPETENCE, decision.pk, field,
                           decision.final_level, level)
        decision.final_level, decision.justification = level, reason
        decision.save(update_fields=["final_level", "justification"])
    elif isinstance(decision, CandidateDecision) and field == "outcome":
        outcome = CandidateOutcome(str(new_value))
        amendment = record(Amendment.DecisionType.CANDIDATE, decision.pk, field,
                           decision.outcome, outcome.value)
        decision.outcome, decision.justification = outcome.value, reason
        decision.save(update_fields=["outcome", "justification"])
        return amendment
    elif isinstance(decision, CandidateDecision) and field.startswith("requirement:"):
        key = field.split(":", 1)[1]
        old = decision.requirements_met.get(key, {}).get("met", False)
        amendment = record(Amendment.DecisionType.CANDIDATE, decision.pk, field, old,
                           bool(new_value))
        decision.requirements_met = {**decision.requirements_met,
                                     key: {"met": bool(new_value), "justification": reason}}
        decision.save(update_fields=["requirements_met"])
    else:
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
