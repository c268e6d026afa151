"""The import wizard (DESIGN.md §4.1): an uploaded file is parsed into a pending import
(preview, diff against the latest version), then confirmed or cancelled exactly once."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

from accounts.models import User
from accounts.staging import staged_claim
from certifications import importers
from certifications.codes import code_normalise
from certifications.errors import ImportFormatError
from certifications.importers import json_format
from certifications.importers.draft import Issue, ReferentielDraft, Severity
from certifications.importers.validation import validate
from certifications.models import (
    Referentiel,
    ReferentielImport,
)
from certifications.selectors import (
    referentiel_import_drafts,
    referentiel_latest_for_draft,
    referentiel_to_draft,
)
from certifications.services.draft_edit import Errors, apply_op, apply_patch, edit_issues
from certifications.services.referentiels import (
    ImportAction,
    ImportResult,
    ReferentielImportError,
    draft_signature,
    referentiel_import,
)
from certifications.services.scales import scale_chosen, scale_default

# -- the import wizard: preview, confirm, cancel (DESIGN.md §4.1) --------------------------
# A file with more fiches than this must be narrowed (fiche number or certifier): every
# draft is kept in the import row until it is confirmed.
IMPORT_MAX_DRAFTS = 50




DIFF_SECTIONS = ("blocs", "competences", "criteria", "modalities")


class ReferentielImportNotPendingError(Exception):
    """The import was already confirmed, cancelled or failed: nothing was done."""

    def __init__(self, referentiel_import: ReferentielImport) -> None:
        self.referentiel_import = referentiel_import
        super().__init__(f"Import {referentiel_import.public_id} is {referentiel_import.status}.")


@dataclass(frozen=True)
class _Item:
    code: str
    title: str


def _issue_json(issue: Issue, prefix: str = "") -> dict[str, str]:
    location = f"{prefix} / {issue.location}" if prefix and issue.location else (
        issue.location or prefix
    )
    return {"severity": issue.severity.value, "message": issue.message, "location": location}


def _diff_items(old: list[_Item], new: list[_Item]) -> dict[str, list[dict[str, str]]]:
    """Items matched by code, or by title when they have none."""

    def key(item: _Item) -> tuple[str, str]:
        return ("code", item.code) if item.code else ("title", " ".join(item.title.split()))

    old_by_key = {key(item): item for item in old}
    new_by_key = {key(item): item for item in new}
    return {
        "added": [asdict(item) for k, item in new_by_key.items() if k not in old_by_key],
        "removed": [asdict(item) for k, item in old_by_key.items() if k not in new_by_key],
        "changed": [
            {"code": item.code, "old": old_by_key[k].title, "new": item.title}
            for k, item in new_by_key.items()
            if k in old_by_key and old_by_key[k].title.split() != item.title.split()
        ],
    }


def _diff_sections(draft: ReferentielDraft) -> dict[str, list[_Item]]:
    return {
        "blocs": [_Item(b.code, b.title) for b in draft.blocs],
        "competences": [_Item(c.code, c.title) for c in draft.competences()],
        "criteria": [_Item("", c.text) for c in draft.criteria()],
        "modalities": [_Item(m.code, m.title) for m in draft.modalities],
    }


def referentiel_diff(*, old: ReferentielDraft, new: ReferentielDraft) -> dict[str, Any]:
    """What an import would add, remove and retitle, section by section."""
    before, after = _diff_sections(old), _diff_sections(new)
    return {section: _diff_items(before[section], after[section]) for section in DIFF_SECTIONS}


def _planned_action(draft: ReferentielDraft, latest: Referentiel | None) -> ImportAction:
    """What ``referentiel_import`` will do with this draft, as of now."""
    if latest is None:
        return ImportAction.CREATED
    if latest.content_signature == draft_signature(draft):
        return ImportAction.UNCHANGED
    return ImportAction.NEW_VERSION if latest.is_locked else ImportAction.REPLACED


def _draft_diff(draft: ReferentielDraft) -> dict[str, Any]:
    latest = referentiel_latest_for_draft(draft=draft)
    action = _planned_action(draft, latest)
    if latest is None:
        return {"action": action.value, "current": None, "changes": None}
    return {
        "action": action.value,
        "current": {
            "certification": str(latest.certification.public_id),
            "referentiel": str(latest.public_id),
            "version": latest.version,
            "locked": latest.is_locked,
        },
        "changes": referentiel_diff(old=referentiel_to_draft(referentiel=latest), new=draft),
    }


def scale_report(draft: ReferentielDraft) -> dict[str, Any]:
    """Which scale confirming gives the version: chosen, stated by the document, or default."""
    chosen = scale_chosen(draft=draft)
    if chosen is not None:
        return {"source": "chosen", "code": chosen.code, "name": chosen.name}
    if draft.scale is not None:
        return {"source": "document", "code": "", "name": draft.scale.name}
    default = scale_default()
    return {"source": "default", "code": default.code, "name": default.name}


def _draft_report(draft: ReferentielDraft) -> dict[str, Any]:
    issues = validate(draft) + edit_issues(draft)
    return {
        "code": draft.certification.code,
        "title": draft.certification.title,
        "level": draft.certification.level,
        "counts": draft.counts(),
        "errors": [_issue_json(i) for i in issues if i.severity is Severity.ERROR],
        "warnings": [_issue_json(i) for i in issues if i.severity is not Severity.ERROR],
        "diff": _draft_diff(draft),
        "scale": scale_report(draft),
        "rules": draft.rules,
        "partners": _partners_report(draft),
    }


def _partners_report(draft: ReferentielDraft) -> list[dict[str, Any]] | None:
    """The partners the fiche habilitates, as the preview lists them (None: not stated)."""
    if draft.certification.partners is None:
        return None
    return [{"legal_name": p.legal_name, "siret": p.siret, "kind": p.kind,
             "starts_on": p.starts_on.isoformat() if p.starts_on else None,
             "ends_on": p.ends_on.isoformat() if p.ends_on else None, "active": p.active}
            for p in draft.certification.partners]


def _check_size(size: int | None) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_SIZE
    if size is not None and size > limit:
        raise ImportFormatError(
            gettext("The file is too large (%(size)s): the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def _parse_upload(
    file: BinaryIO, *, file_name: str, size: int | None, format: str, options: dict[str, str]
) -> tuple[str, list[ReferentielDraft]]:
    _check_size(size)
    if format == "auto":
        format = importers.detect_format(file.read(4096), file_name, file)
        file.seek(0)
    drafts = importers.parse(file, format=format, name=file_name, **options)
    if len(drafts) > IMPORT_MAX_DRAFTS:
        raise ImportFormatError(
            gettext("The file holds %(count)d fiches (at most %(max)d at once): give a fiche "
              "number or a certifier.") % {"count": len(drafts), "max": IMPORT_MAX_DRAFTS}
        )
    # What waits for confirmation is kept in the import row: its size is bounded too.
    stored = len(json.dumps([json_format.dump(draft) for draft in drafts]).encode())
    limit = settings.IMPORT_MAX_DRAFT_SIZE
    if stored > limit:
        raise ImportFormatError(
            gettext("What this file describes is too large to keep for confirmation "
                    "(%(size)s; the limit is %(limit)s): split it.")
            % {"size": filesizeformat(stored), "limit": filesizeformat(limit)}
        )
    return format, drafts


def referentiel_import_preview(
    *,
    file: BinaryIO,
    file_name: str,
    size: int | None = None,
    format: str = "auto",
    fiche: str = "",
    certifier: str = "",
    created_by: User | None = None,
) -> ReferentielImport:
    """Parse an upload, validate and compare each draft, and keep it for confirmation.

    A file that cannot be read is recorded as a failed import (without drafts) and
    ImportFormatError is raised again for the caller to show.
    """
    options = {key: value.strip() for key, value in (("fiche", fiche), ("certifier", certifier))
               if value.strip()}
    row = ReferentielImport(
        created_by=created_by, file_name=file_name[:300], format=format, options=options
    )
    try:
        row.format, drafts = _parse_upload(
            file, file_name=file_name, size=size, format=format, options=options
        )
    except ImportFormatError as exc:
        row.status = ReferentielImport.Status.FAILED
        row.report = {"drafts": [], "errors": [{"message": exc.message,
                                                "location": exc.location}]}
        row.save()
        raise
    with transaction.atomic():
        row.drafts = [json_format.dump(draft) for draft in drafts]
        row.report = {"drafts": [_draft_report(draft) for draft in drafts], "errors": []}
        row.save()
    return row


def _completions(drafts: list[ReferentielDraft], codes: dict[int, str],
                 titles: dict[int, str]) -> list[Issue]:
    """The RNCP codes and titles typed on the confirmation form where the document gave
    none, applied as the editor's own correction (``set_certification``), so they are
    checked as any correction is; a value the draft already has is left as it is."""
    problems = []
    for index, draft in enumerate(drafts):
        op: dict[str, str] = {"op": "set_certification"}
        code = code_normalise(codes.get(index, ""))
        title = " ".join(titles.get(index, "").split())
        if code and not draft.certification.code.strip():
            op["code"] = code
        if title and not draft.certification.title.strip():
            op["title"] = title
        if len(op) == 1:
            continue
        where = gettext("fiche %(number)d") % {"number": index + 1}
        problems += [
            Issue(Severity.ERROR, gettext("%(value)s: %(error)s")
                  % {"value": op.get(field, ""), "error": message}, where)
            for field, message in apply_op(draft, op).items()
        ]
    return problems


def _errors_of(drafts: list[ReferentielDraft]) -> list[dict[str, str]]:
    return [
        _issue_json(issue, gettext("fiche %(number)d") % {"number": number})
        for number, draft in enumerate(drafts, start=1)
        for issue in validate(draft) + edit_issues(draft)
        if issue.severity is Severity.ERROR
    ]


def _result_json(results: list[ImportResult]) -> dict[str, Any]:
    return {"referentiels": [
        {
            "certification": str(r.referentiel.certification.public_id),
            "certification_id": r.referentiel.certification.pk,
            "referentiel": str(r.referentiel.public_id),
            "code": r.referentiel.certification.code,
            "title": r.referentiel.certification.title,
            "version": r.referentiel.version,
            "action": r.action.value,
        }
        for r in results
    ]}


def _save_drafts(drafts: list[ReferentielDraft], user: User | None) -> list[ImportResult]:
    return [referentiel_import(draft=draft, imported_by=user) for draft in drafts]


def _claim(referentiel_import: ReferentielImport, status: str) -> None:
    """Move a pending import to ``status`` exactly once (a double submit changes nothing)."""
    if not staged_claim(referentiel_import, status):
        raise ReferentielImportNotPendingError(referentiel_import)


def referentiel_import_confirm(
    *,
    referentiel_import: ReferentielImport,
    confirmed_by: User | None = None,
    codes: dict[int, str] | None = None,
    titles: dict[int, str] | None = None,
) -> ReferentielImport:
    """Save every draft of a pending import in one transaction.

    ``codes`` and ``titles`` map a draft's index to the RNCP code and the title typed in
    the preview where the document gave none. On errors
    nothing is saved, the import stays pending with the errors in its report, and
    ReferentielImportError is raised.
    """
    try:
        with transaction.atomic():
            _claim(referentiel_import, ReferentielImport.Status.CONFIRMED)
            drafts = referentiel_import_drafts(referentiel_import=referentiel_import)
            problems = _completions(drafts, codes or {}, titles or {})
            errors = [_issue_json(p) for p in problems] + _errors_of(drafts)
            if errors:
                raise ReferentielImportError(
                    [Issue(Severity.ERROR, e["message"], e["location"]) for e in errors]
                )
            results = _save_drafts(drafts, confirmed_by)
            referentiel_import.refresh_from_db()
            referentiel_import.drafts = [json_format.dump(draft) for draft in drafts]
            referentiel_import.result = _result_json(results)
            referentiel_import.report = {**referentiel_import.report, "errors": []}
            referentiel_import.save(update_fields=["drafts", "result", "report"])
    except ReferentielImportError as exc:
        report = {**referentiel_import.report,
                  "errors": [_issue_json(issue) for issue in exc.issues]}
        ReferentielImport.objects.filter(
            pk=referentiel_import.pk, status=ReferentielImport.Status.PENDING
        ).update(report=report)
        referentiel_import.refresh_from_db()
        raise
    return referentiel_import


class DraftNotFoundError(LookupError):
    """The import has no draft with this index."""


def _as_edited(draft: ReferentielDraft) -> None:
    """Once corrected, what the parser found is about the file as uploaded: its errors
    become warnings (the shared validation checks the corrected draft again)."""
    for issue in draft.issues:
        if issue.severity is Severity.ERROR:
            issue.severity = Severity.WARNING


def referentiel_import_edit(
    *,
    referentiel_import: ReferentielImport,
    index: int,
    ops: list[dict[str, Any]],
    edited_by: User | None = None,
) -> dict[int, Errors]:
    """Apply the editor's operations (``draft_edit``) to one draft of a pending import.

    All or nothing: on errors ({op index: {field: message}}) nothing is saved. Otherwise
    the corrected draft and its new report (validation, diff against the current
    version) are saved in the import row, so a reload shows them. ``edited_by`` is
    noted in the report. Raises ReferentielImportNotPendingError once decided,
    DraftNotFoundError for an index the import does not have.
    """
    with transaction.atomic():
        row = ReferentielImport.objects.select_for_update().get(pk=referentiel_import.pk)
        if not row.is_pending:
            referentiel_import.refresh_from_db()
            raise ReferentielImportNotPendingError(row)
        drafts = referentiel_import_drafts(referentiel_import=row)
        if not 0 <= index < len(drafts):
            raise DraftNotFoundError(index)
        draft = drafts[index]
        errors = apply_patch(draft, ops)
        if errors:
            return errors
        _as_edited(draft)
        row.drafts[index] = json_format.dump(draft)
        reports = list(row.report.get("drafts", []))
        reports[index] = {**_draft_report(draft), "edited": True}
        row.report = {**row.report, "drafts": reports, "errors": [],
                      "edited_by": edited_by.pk if edited_by else None}
        row.save(update_fields=["drafts", "report"])
    referentiel_import.refresh_from_db()
    return {}


def referentiel_import_cancel(*, referentiel_import: ReferentielImport) -> ReferentielImport:
    """Drop a pending import; its drafts are kept for the record, nothing is imported."""
    with transaction.atomic():
        _claim(referentiel_import, ReferentielImport.Status.CANCELLED)
    referentiel_import.refresh_from_db()
    return referentiel_import
