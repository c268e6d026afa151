"""Writes on the document register (DESIGN.md §4.5, §6): create the rows of a signed
deliberation, render each one exactly once, revoke, reissue.

- ``register``: the register's numbers and rows, the documents a deliberation wants;
- ``issuing``: issue a signed deliberation's documents, render them after the commit;
- ``rendering``: claim a row, render it, store the PDF, record a failure;
- ``context``: what the PDF templates receive, the mandatory-mention check;
- ``revocation``: revoke, reissue, reissue after an amendment, the issuing override.

Everything comes from the signed decisions, never from raw scores."""

from reports.services.context import MissingMentionsError, document_context, verification_url
from reports.services.issuing import (
    documents_issue_for_deliberation,
    render_on_commit,
)
from reports.services.register import register_number_next, register_numbers_next
from reports.services.rendering import document_render, documents_render
from reports.services.revocation import (
    document_reissue,
    document_revoke,
    documents_reissue_for_amendment,
    issuing_override_record,
)

__all__ = [
    "MissingMentionsError",
    "document_context",
    "document_reissue",
    "document_render",
    "document_revoke",
    "documents_issue_for_deliberation",
    "documents_reissue_for_amendment",
    "documents_render",
    "issuing_override_record",
    "register_number_next",
    "register_numbers_next",
    "render_on_commit",
    "verification_url",
]
