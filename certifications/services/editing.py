"""Editing a saved version: its content becomes a pending import, which the administrator
changes and confirms like any upload (DESIGN.md §4.1). Confirming goes through
``referentiel_import``: an unlocked version is replaced, a locked one (scores exist) is
never edited in place but gives a new version."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from accounts.models import User
from certifications.importers import json_format
from certifications.models import Referentiel, ReferentielImport
from certifications.selectors import referentiel_to_draft
from certifications.services.staging import _draft_report

EDIT_FORMAT = "edit"


def referentiel_edit_start(*, referentiel: Referentiel, user: User | None) -> ReferentielImport:
    """A pending import holding ``referentiel``'s content as it is saved, with the same
    report as an upload's preview (validation, diff against the current version)."""
    draft = referentiel_to_draft(referentiel=referentiel)
    certification = referentiel.certification
    name = gettext("%(certification)s, version %(version)d") % {
        "certification": certification.code or certification.title,
        "version": referentiel.version,
    }
    draft.source_format, draft.source_name = EDIT_FORMAT, name[:300]
    with transaction.atomic():
        return ReferentielImport.objects.create(
            created_by=user,
            file_name=name[:300],
            format=EDIT_FORMAT,
            options={"referentiel": str(referentiel.public_id), "version": referentiel.version,
                     "locked": referentiel.is_locked},
            drafts=[json_format.dump(draft)],
            report={"drafts": [_draft_report(draft)], "errors": []},
        )
