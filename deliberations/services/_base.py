"""What the deliberation's modules share: the errors they raise, who may act, the
audit context of a decision."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import may_deliberate, may_sign, require
from candidates.models import Session
from deliberations.models import CandidateDecision


class DeliberationClosedError(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            _("The deliberation is signed: decisions change only through an amendment."),
            code="signed",
        )


@dataclass(frozen=True)
class ProposalChange:
    """One thing that changed since the proposal: a member's level on a compétence, or a
    candidate's attendance at an épreuve (``competence`` or ``assessment`` is set)."""

    candidate: str
    old: str
    new: str
    competence: str = ""
    member: str = ""
    assessment: str = ""

    def __str__(self) -> str:
        if self.assessment:
            return _("%(candidate)s — attendance at %(assessment)s: %(old)s → %(new)s") % {
                "candidate": self.candidate, "assessment": self.assessment,
                "old": self.old, "new": self.new}
        if self.competence:
            return _("%(candidate)s — %(competence)s, %(member)s: %(old)s → %(new)s") % {
                "candidate": self.candidate, "competence": self.competence,
                "member": self.member, "old": self.old, "new": self.new}
        return _("%(candidate)s: %(old)s → %(new)s") % {
            "candidate": self.candidate, "old": self.old, "new": self.new}


class StaleProposalError(ValidationError):
    """The president would sign something else than what they saw: scores or attendance
    changed since the proposal (``changes`` says what), or the proposal was made again
    since the page was displayed. Nothing was signed."""

    def __init__(self, changes: list[ProposalChange]) -> None:
        self.changes = changes
        super().__init__(
            _("The scores or the attendance changed since the proposal: propose again, "
              "check the decisions and sign.") if changes else
            _("The proposal was made again since this page was displayed: check it and "
              "sign again."),
            code="stale_proposal",
        )

# -- who may do what ------------------------------------------------------------------------
def _require_president(user: User, session: Session) -> None:
    require(may_sign(user, session), _("Only the president of the jury may do this."))


def _require_president_or_admin(user: User, session: Session) -> None:
    require(may_deliberate(user, session), _("Only the president of the jury may do this."))


def _decision_context(decision: CandidateDecision) -> dict[str, str]:
    return {"session": str(decision.deliberation.session.public_id),
            "candidate": str(decision.enrolment.candidate.public_id)}
