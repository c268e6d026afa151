"""Writes on candidates, sessions and enrolments. Keyword-only, typed, transactional.

- ``identity``: a candidate's identity, its key, the same person never twice;
- ``enrolment``: sessions, enrolments one by one, the session's write lock;
- ``enrolment_import``: enrolments from a spreadsheet, previewed then confirmed;
- ``invitation``: the candidate's account and the e-mail inviting them to their space;
- ``rgpd``: the export of everything held on a candidate, and the erasure
  (docs/rgpd.md)."""

from candidates.services.enrolment import (
    AcquiredBlocInput,
    EnrolmentTerms,
    SessionLockedError,
    WithdrawalNeedsConfirmationError,
    enrolment_create,
    enrolment_create_for_identity,
    enrolment_invite,
    enrolment_score_count,
    enrolment_terms_check,
    enrolment_update,
    enrolment_withdraw,
    session_create,
    session_lock_for_write,
    session_row_lock,
    session_update,
)
from candidates.services.enrolment_import import (
    EnrolmentImportError,
    EnrolmentImportNotPendingError,
    enrolment_import_cancel,
    enrolment_import_confirm,
    enrolment_import_preview,
)
from candidates.services.identity import (
    IDENTITY_FIELDS,
    DuplicateCandidateError,
    Identity,
    IdentityLockedError,
    birthplace_check,
    candidate_create,
    candidate_find_duplicate,
    candidate_update_identity,
    identity_key,
)
from candidates.services.invitation import candidate_invite, invitation_url
from candidates.services.rgpd import (
    ERASED,
    EXPORT_SCHEMA,
    EXPORT_SECTIONS,
    ExportSection,
    candidate_erase,
    candidate_export_data,
)

__all__ = [
    "ERASED",
    "EXPORT_SCHEMA",
    "EXPORT_SECTIONS",
    "IDENTITY_FIELDS",
    "AcquiredBlocInput",
    "DuplicateCandidateError",
    "EnrolmentImportError",
    "EnrolmentImportNotPendingError",
    "EnrolmentTerms",
    "ExportSection",
    "Identity",
    "IdentityLockedError",
    "SessionLockedError",
    "WithdrawalNeedsConfirmationError",
    "birthplace_check",
    "candidate_create",
    "candidate_erase",
    "candidate_export_data",
    "candidate_find_duplicate",
    "candidate_invite",
    "candidate_update_identity",
    "enrolment_create",
    "enrolment_create_for_identity",
    "enrolment_import_cancel",
    "enrolment_import_confirm",
    "enrolment_import_preview",
    "enrolment_invite",
    "enrolment_score_count",
    "enrolment_terms_check",
    "enrolment_update",
    "enrolment_withdraw",
    "identity_key",
    "invitation_url",
    "session_create",
    "session_lock_for_write",
    "session_row_lock",
    "session_update",
]
