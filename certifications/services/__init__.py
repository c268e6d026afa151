"""Writes on certifications (STYLE.md: keyword-only, typed, transactional), one module per
concern:

- :mod:`.referentiels` — save a draft as a version (new, replaced, unchanged), lock a version;
- :mod:`.staging` — the import wizard's pending imports: preview, edit, confirm, cancel (a
  claim);
- :mod:`.draft_edit` — the preview editor's operations on a draft (forms, htmx, API, command);
- :mod:`.scales` — the default scale and the scale a draft states;
- :mod:`.mentions` — the legal mentions of a certification and its certifier;
- :mod:`.partners` — the organisations habilitated to prepare or organise it.

The public names are re-exported here: ``from certifications.services import …`` keeps working.
"""

from __future__ import annotations

from certifications.services.mentions import (
    CERTIFIER_FIELDS,
    MENTION_FIELDS,
    SETTLED_FIELDS,
    certification_mentions_update,
    certifier_update,
    certifiers_ensure,
)
from certifications.services.partners import (
    PARTNER_FIELDS,
    partner_check_for_session,
    partner_create,
    partner_deactivate,
    partner_update,
    partners_import,
)
from certifications.services.referentiels import (
    ImportAction,
    ImportResult,
    ReferentielImportError,
    ReferentielLockedError,
    certification_title,
    content_signature,
    referentiel_ensure_editable,
    referentiel_import,
    referentiel_lock,
)
from certifications.services.scales import scale_default, scale_for_draft
from certifications.services.staging import (
    DIFF_SECTIONS,
    IMPORT_MAX_DRAFTS,
    ReferentielImportNotPendingError,
    referentiel_diff,
    referentiel_import_cancel,
    referentiel_import_confirm,
    referentiel_import_preview,
)

__all__ = [
    "CERTIFIER_FIELDS",
    "DIFF_SECTIONS",
    "IMPORT_MAX_DRAFTS",
    "MENTION_FIELDS",
    "PARTNER_FIELDS",
    "SETTLED_FIELDS",
    "ImportAction",
    "ImportResult",
    "ReferentielImportError",
    "ReferentielImportNotPendingError",
    "ReferentielLockedError",
    "certification_mentions_update",
    "certification_title",
    "certifier_update",
    "certifiers_ensure",
    "content_signature",
    "partner_check_for_session",
    "partner_create",
    "partner_deactivate",
    "partner_update",
    "partners_import",
    "referentiel_diff",
    "referentiel_ensure_editable",
    "referentiel_import",
    "referentiel_import_cancel",
    "referentiel_import_confirm",
    "referentiel_import_preview",
    "referentiel_lock",
    "scale_default",
    "scale_for_draft",
]
