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
    enrolment_create,
    enrolment_create_for_identity,
    enrolment_invite,
    session_create,
    session_lock_for_write,
    session_row_lock,
)
from candidates.services.enrolment_import import (
    EnrolmentImportError,
    EnrolmentImportNotPendingError,
    enrolment_import_cancel,
    enrolment_import_confirm,
    enrolment_import_preview,
)
from candidates.services.identity import (
    DuplicateCandidateError,
    Identity,
    candidate_create,
    candidate_find_duplicate,
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
    "AcquiredBlocInput",
    "DuplicateCandidateError",
    "EnrolmentImportError",
    "EnrolmentImportNotPendingError",
    "EnrolmentTerms",
    "ExportSection",
    "Identity",
    "SessionLockedError",
    "candidate_create",
    "candidate_erase",
    "candidate_export_data",
    "candidate_find_duplicate",
    "candidate_invite",
    "enrolment_create",
    "enrolment_create_for_identity",
    "enrolment_import_cancel",
    "enrolment_import_confirm",
    "enrolment_import_preview",
    "enrolment_invite",
    "identity_key",
    "invitation_url",
    "session_create",
    "session_lock_for_write",
    "session_row_lock",
]
