"""Writes on the deliberation (DESIGN.md §4.4, §5): propose from the scores, override with
justification, sign (quorum and composition, then lock), publish, amend after signing,
carry rattrapage and complement to a later session.

Every decision comes from the pure rules of ``certifications.rules``; these modules read
the rows they need in a constant number of queries and write the decisions in bulk.

- ``propose``: the context the rules read, the verdicts, the proposal;
- ``decide``: the president's overrides and the requirements ticked before signing;
- ``sign``: composition, signature, the frozen minutes and facts, publication;
- ``amend``: amendments after signing;
- ``rattrapage``: carrying a candidate to a later session;
- ``_base``: the errors and checks they share; ``_bulk``: the bulk writes.

Import from here (``from deliberations.services import deliberation_sign``). To stub
a function a service calls, patch it in the module that calls it (e.g.
``deliberations.services.sign.issue_documents_for_deliberation``).
"""

from deliberations.services._base import (
    DeliberationClosedError,
    ProposalChange,
    StaleProposalError,
)
from deliberations.services.amend import (
    AmendmentTarget,
    FinalLevelAmended,
    OutcomeAmended,
    RequirementAmended,
    amendment_record,
    reissue_documents_for_amendment,
)
from deliberations.services.decide import (
    candidate_outcome_override,
    competence_decision_override,
    requirement_tick,
)
from deliberations.services.propose import (
    _Candidate,
    _Context,
    _verdict,
    decision_preview,
    deliberation_propose,
)
from deliberations.services.rattrapage import rattrapage_carry
from deliberations.services.sign import (
    SessionNotReadyError,
    SigningRefusedError,
    composition_messages,
    composition_preview,
    deliberation_publish,
    deliberation_sign,
    issue_documents_for_deliberation,
    readiness_messages,
    readiness_preview,
)

__all__ = [
    "AmendmentTarget",
    "DeliberationClosedError",
    "FinalLevelAmended",
    "OutcomeAmended",
    "ProposalChange",
    "RequirementAmended",
    "SessionNotReadyError",
    "SigningRefusedError",
    "StaleProposalError",
    "_Candidate",
    "_Context",
    "_verdict",
    "amendment_record",
    "candidate_outcome_override",
    "competence_decision_override",
    "composition_messages",
    "composition_preview",
    "decision_preview",
    "deliberation_propose",
    "deliberation_publish",
    "deliberation_sign",
    "issue_documents_for_deliberation",
    "rattrapage_carry",
    "readiness_messages",
    "readiness_preview",
    "reissue_documents_for_amendment",
    "requirement_tick",
]
