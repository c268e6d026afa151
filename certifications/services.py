"""Writes on référentiels. Keyword-only, typed, transactional (STYLE.md)."""

from __future__ import annotations

import enum
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from certifications import importers
from certifications.errors import ImportFormatError
from certifications.importers import json_format
from certifications.importers.defaults import DEFAULT_SCALE
from certifications.importers.draft import BlocDraft, Issue, ReferentielDraft, ScaleDraft, Severity
from certifications.importers.validation import validate
from certifications.models import (
    Activity,
    Bloc,
    Certification,
    Competence,
    Criterion,
    Level,
    Modality,
    Referentiel,
    ReferentielImport,
    Requirement,
    RuleSet,
    Scale,
)
from certifications.selectors import (
    referentiel_import_drafts,
    referentiel_latest_for_draft,
    referentiel_to_draft,
)
from certifications.vocabulary import LevelOutcome


class ReferentielImportError(Exception):
    """The draft has errors; nothing was written."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = [issue for issue in issues if issue.severity is Severity.ERROR]
        super().__init__("; ".join(issue.message for issue in self.issues))


class ReferentielLockedError(Exception):
    """The référentiel version has scored candidates and cannot be edited in place."""


class ImportAction(enum.StrEnum):
    CREATED = "created"  # a new certification and its first version
    NEW_VERSION = "new_version"  # the latest version is locked: a new one was made
    REPLACED = "replaced"  # the latest version was not yet used: its content was replaced
    UNCHANGED = "unchanged"  # the same content was imported again: nothing written


@dataclass(frozen=True)
class ImportResult:
    referentiel: Referentiel
    action: ImportAction
    issues: list[Issue]


def content_signature(draft: ReferentielDraft) -> str:
    """A fingerprint of a version's content, to recognise a re-import of the same content.

    Cross references are replaced by positions, so a draft read back from the database
    (an export) has the signature of the draft it was imported from. Certification
    fields are left out: they live on the certification, not on the version.
    """
    competence_index = {c.ref: i for i, c in enumerate(draft.competences())}
    bloc_index = {b.ref: i for i, b in enumerate(draft.blocs)}
    modality_index = {m.ref: i for i, m in enumerate(draft.modalities)}

    def bloc_content(bloc: BlocDraft) -> dict:
        activity_index = {a.ref: i for i, a in enumerate(bloc.activities)}
        return {
            **{k: getattr(bloc, k) for k in ("code", "title", "description", "assessment_text",
                                                "certifiable_alone")},
            "activities": [(a.code, a.title) for a in bloc.activities],
            "competences": [
                (c.code, c.title, c.description, activity_index.get(c.activity_ref or ""))
                for c in bloc.competences
            ],
            "criteria": [
                (c.text, [competence_index.get(r) for r in c.competence_refs],
                 modality_index.get(c.modality_ref or ""))
                for c in bloc.criteria
            ],
        }

    payload = {
        "blocs": [bloc_content(bloc) for bloc in draft.blocs],
        "modalities": [
            {
                **{k: v for k, v in asdict(m).items()
                   if k not in ("ref", "competence_refs", "bloc_refs")},
                "competences": sorted(competence_index.get(r, -1) for r in m.competence_refs),
                "blocs": sorted(bloc_index.get(r, -1) for r in m.bloc_refs),
            }
            for m in draft.modalities
        ],
        "scale": asdict(draft.scale) if draft.scale else None,
    }
    encoded = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def scale_default() -> Scale:
    """The 4-level scale of fiche RNCP35609. Migration 0002 creates it; it is recreated
    here from the same levels should it be missing (a flushed test database)."""
    scale = Scale.objects.filter(code=Scale.DEFAULT_CODE).first()
    if scale is not None:
        return scale
    scale = Scale.objects.create(code=Scale.DEFAULT_CODE, name=DEFAULT_SCALE.name)
    _create_levels(scale, DEFAULT_SCALE)
    return scale


def _create_levels(scale: Scale, draft_scale: ScaleDraft) -> None:
    Level.objects.bulk_create(
        Level(
            scale=scale,
            number=lv.number,
            label=lv.label,
            description=lv.description,
            outcome=lv.outcome,
            comment_required=lv.outcome is not LevelOutcome.ACQUIRED,
        )
        for lv in draft_scale.levels
    )


def _scale_for(draft_scale: ScaleDraft | None) -> Scale:
    if draft_scale is None:
        return scale_default()
    levels = [(lv.number, lv.label, lv.description, lv.outcome.value) for lv in draft_scale.levels]
    code = "scale-" + hashlib.sha256(repr(levels).encode()).hexdigest()[:12]
    scale, created = Scale.objects.get_or_create(code=code, defaults={"name": draft_scale.name})
    if created:
        _create_levels(scale, draft_scale)
    return scale


def certification_title(draft: ReferentielDraft) -> str:
    """The draft's title, or a provisional one naming the file (the validation warns)."""
    title = draft.certification.title.strip()
    if title:
        return title
    return f"Référentiel sans intitulé ({draft.source_name or draft.source_format or 'import'})"


def _certification_for(draft: ReferentielDraft) -> Certification | None:
    """An import without a code matches a codeless certification of the same title."""
    code = draft.certification.code.strip()
    queryset = Certification.objects.select_for_update()
    if code:
        return queryset.filter(code=code).first()
    return queryset.filter(code="", title=certification_title(draft)).first()


def _apply_certification_fields(certification: Certification, draft: ReferentielDraft) -> None:
    """Copy what the draft states; what it leaves out keeps its current value."""
    source = draft.certification
    values = {
        "code": source.code.strip(),
        "title": certification_title(draft),
        "level": source.level,
        "eqf_level": source.eqf_level if source.eqf_level is not None else source.level,
        "nsf_codes": source.nsf_codes,
        "formacodes": source.formacodes,
        "rome_codes": source.rome_codes,
        "registration_date": source.registration_date,
        "registration_end_date": source.registration_end_date,
        "last_issuing_date": source.last_issuing_date,
        "active": source.active,
        "replaces": source.replaces,
        "replaced_by": source.replaced_by,
        "access_routes": source.access_routes,
        "description": source.description,
    }
    if source.certifiers:
        first, *others = source.certifiers
        values["certifier_name"] = first.legal_name
        values["certifier_siret"] = first.siret
        values["co_certifiers"] = [asdict(other) for other in others]
    for field, value in values.items():
        if value not in (None, "", []):
            setattr(certification, field, value)
    certification.accommodations_available |= source.accommodations_available


def _replace_requirements(certification: Certification, draft: ReferentielDraft) -> None:
    """Replace the extra requirements only when the draft states different ones:
    deliberations refer to requirement rows, which an unchanged re-import keeps."""
    wanted = [(r.label, r.description) for r in draft.certification.requirements]
    current = list(certification.requirements.order_by("position")
                   .values_list("label", "description"))
    if not wanted or wanted == current:
        return
    certification.requirements.all().delete()
    Requirement.objects.bulk_create(
        Requirement(certification=certification, label=label, description=description,
                    position=i)
        for i, (label, description) in enumerate(wanted)
    )


def _write_content(referentiel: Referentiel, draft: ReferentielDraft) -> None:
    """Create every bloc, activity, compétence, modality and criterion in batches."""
    blocs = Bloc.objects.bulk_create(
        Bloc(
            referentiel=referentiel,
            code=b.code,
            title=b.title,
            description=b.description,
            assessment_text=b.assessment_text,
            certifiable_alone=b.certifiable_alone,
            position=i,
        )
        for i, b in enumerate(draft.blocs)
    )
    bloc_by_ref = {d.ref: row for d, row in zip(draft.blocs, blocs, strict=True)}

    activity_pairs = [(bloc, a) for bloc in draft.blocs for a in bloc.activities]
    activities = Activity.objects.bulk_create(
        Activity(bloc=bloc_by_ref[bloc.ref], code=a.code, title=a.title, position=i)
        for i, (bloc, a) in enumerate(activity_pairs)
    )
    activity_by_ref = {
        (bloc.ref, a.ref): row for (bloc, a), row in zip(activity_pairs, activities, strict=True)
    }

    competence_pairs = [(bloc, c) for bloc in draft.blocs for c in bloc.competences]
    competences = Competence.objects.bulk_create(
        Competence(
            bloc=bloc_by_ref[bloc.ref],
            activity=activity_by_ref.get((bloc.ref, c.activity_ref)) if c.activity_ref else None,
            code=c.code,
            title=c.title,
            description=c.description,
            position=i,
        )
        for i, (bloc, c) in enumerate(competence_pairs)
    )
    competence_by_ref = {
        c.ref: row for (_, c), row in zip(competence_pairs, competences, strict=True)
    }

    modalities = Modality.objects.bulk_create(
        Modality(
            referentiel=referentiel,
            code=m.code,
            title=m.title,
            kind=m.kind,
            description=m.description,
            deliverables=m.deliverables,
            duration_minutes=m.duration_minutes,
            duration_text=m.duration_text,
            team=m.team,
            position=i,
        )
        for i, m in enumerate(draft.modalities)
    )
    modality_by_ref = {d.ref: row for d, row in zip(draft.modalities, modalities, strict=True)}
    Modality.competences.through.objects.bulk_create(
        Modality.competences.through(modality=row, competence=competence_by_ref[ref])
        for d, row in zip(draft.modalities, modalities, strict=True)
        for ref in dict.fromkeys(d.competence_refs)
    )
    Modality.blocs.through.objects.bulk_create(
        Modality.blocs.through(modality=row, bloc=bloc_by_ref[ref])
        for d, row in zip(draft.modalities, modalities, strict=True)
        for ref in dict.fromkeys(d.bloc_refs)
    )

    criterion_pairs = [(bloc, c) for bloc in draft.blocs for c in bloc.criteria]
    criteria = Criterion.objects.bulk_create(
        Criterion(
            bloc=bloc_by_ref[bloc.ref],
            modality=modality_by_ref.get(c.modality_ref) if c.modality_ref else None,
            text=c.text,
            position=i,
        )
        for i, (bloc, c) in enumerate(criterion_pairs)
    )
    Criterion.competences.through.objects.bulk_create(
        Criterion.competences.through(criterion=row, competence=competence_by_ref[ref])
        for (_, c), row in zip(criterion_pairs, criteria, strict=True)
        for ref in dict.fromkeys(c.competence_refs)
    )


def _clear_content(referentiel: Referentiel) -> None:
    referentiel.modalities.all().delete()
    referentiel.blocs.all().delete()


@transaction.atomic
def referentiel_import(
    *,
    draft: ReferentielDraft,
    imported_by: User | None = None,
    certification: Certification | None = None,
) -> ImportResult:
    """Save a validated draft in one transaction (DESIGN.md §4.1).

    A version with scored candidates is never edited in place: importing into it makes
    a new version. Importing the same content again writes nothing.
    """
    issues = validate(draft)
    if any(issue.severity is Severity.ERROR for issue in issues):
        raise ReferentielImportError(issues)
    signature = content_signature(draft)

    certification = certification or _certification_for(draft)
    created = certification is None
    if certification is None:
        certification = Certification()
    _apply_certification_fields(certification, draft)
    certification.save()
    if created:
        RuleSet.objects.create(certification=certification)
    _replace_requirements(certification, draft)

    latest = certification.referentiels.select_for_update().order_by("-version").first()
    if latest is not None and latest.content_signature == signature:
        return ImportResult(latest, ImportAction.UNCHANGED, issues)

    scale = _scale_for(draft.scale)
    if latest is not None and not latest.is_locked:
        try:
            with transaction.atomic():
                _clear_content(latest)
                latest.scale = scale
                latest.source_format = draft.source_format
                latest.source_name = draft.source_name
                latest.imported_by = imported_by
                latest.content_signature = signature
                latest.save()
                _write_content(latest, draft)
            return ImportResult(latest, ImportAction.REPLACED, issues)
        except ProtectedError:
            pass  # enrolments point at its blocs: keep it and make a new version
    referentiel = Referentiel.objects.create(
        certification=certification,
        version=(latest.version + 1) if latest else 1,
        scale=scale,
        source_format=draft.source_format,
        source_name=draft.source_name,
        imported_by=imported_by,
        content_signature=signature,
    )
    _write_content(referentiel, draft)
    action = ImportAction.CREATED if latest is None else ImportAction.NEW_VERSION
    return ImportResult(referentiel, action, issues)


def referentiel_lock(*, referentiel: Referentiel) -> bool:
    """Make a version read-only (its first candidate was scored). True if this call locked it.

    A conditional update, so concurrent first scores lock it exactly once.
    """
    now = timezone.now()
    changed = Referentiel.objects.filter(pk=referentiel.pk, locked_at__isnull=True).update(
        locked_at=now
    )
    referentiel.refresh_from_db(fields=["locked_at"])
    return changed == 1


def referentiel_ensure_editable(*, referentiel: Referentiel) -> None:
    if referentiel.is_locked:
        raise ReferentielLockedError(
            "This référentiel version has scored candidates: it can no longer be edited."
        )


# -- the import wizard: preview, confirm, cancel (DESIGN.md §4.1) --------------------------
# A file with more fiches than this must be narrowed (fiche number or certifier): every
# draft is kept in the import row until it is confirmed.
IMPORT_MAX_DRAFTS = 50
RNCP_CODE_PATTERN = r"RNCP\d{3,6}"
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
    if latest.content_signature == content_signature(draft):
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


def _draft_report(draft: ReferentielDraft) -> dict[str, Any]:
    issues = validate(draft)
    return {
        "code": draft.certification.code,
        "title": draft.certification.title,
        "level": draft.certification.level,
        "counts": draft.counts(),
        "errors": [_issue_json(i) for i in issues if i.severity is Severity.ERROR],
        "warnings": [_issue_json(i) for i in issues if i.severity is not Severity.ERROR],
        "diff": _draft_diff(draft),
    }


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
        format = importers.detect_format(file.read(4096), file_name)
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


def _normalise_code(code: str) -> str:
    return re.sub(r"\s+", "", code).upper()


def _complete_titles(drafts: list[ReferentielDraft], titles: dict[int, str]) -> None:
    """Fill the titles the administrator typed in the preview (only missing ones)."""
    for index, raw in titles.items():
        title = " ".join(raw.split())
        if title and 0 <= index < len(drafts) and not drafts[index].certification.title.strip():
            drafts[index].certification.title = title


def _complete_codes(
    drafts: list[ReferentielDraft], codes: dict[int, str]
) -> list[Issue]:
    """Fill the RNCP codes the administrator typed in the preview (only missing ones)."""
    problems = []
    for index, raw in codes.items():
        code = _normalise_code(raw)
        if not code or not 0 <= index < len(drafts):
            continue
        if not re.fullmatch(RNCP_CODE_PATTERN, code):
            message = gettext("%(code)s is not an RNCP code (RNCP followed by digits).")
            where = gettext("fiche %(number)d") % {"number": index + 1}
            problems.append(Issue(Severity.ERROR, message % {"code": code}, where))
        elif not drafts[index].certification.code.strip():
            drafts[index].certification.code = code
    return problems


def _errors_of(drafts: list[ReferentielDraft]) -> list[dict[str, str]]:
    return [
        _issue_json(issue, gettext("fiche %(number)d") % {"number": number})
        for number, draft in enumerate(drafts, start=1)
        for issue in validate(draft)
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
    changed = ReferentielImport.objects.filter(
        pk=referentiel_import.pk, status=ReferentielImport.Status.PENDING
    ).update(status=status, decided_at=timezone.now())
    if not changed:
        referentiel_import.refresh_from_db()
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
            _complete_titles(drafts, titles or {})
            problems = _complete_codes(drafts, codes or {})
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


def referentiel_import_cancel(*, referentiel_import: ReferentielImport) -> ReferentielImport:
    """Drop a pending import; its drafts are kept for the record, nothing is imported."""
    with transaction.atomic():
        _claim(referentiel_import, ReferentielImport.Status.CANCELLED)
    referentiel_import.refresh_from_db()
    return referentiel_import
