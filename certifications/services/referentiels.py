"""Writes on référentiels: saving a draft as a certification's version (new, replaced
or unchanged), and locking a version once it is used. Keyword-only, typed,
transactional (STYLE.md)."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.models import User
from certifications.importers.draft import BlocDraft, Issue, ReferentielDraft, Severity
from certifications.importers.validation import validate
from certifications.models import (
    Activity,
    Bloc,
    Certification,
    Competence,
    Criterion,
    Modality,
    Referentiel,
    Requirement,
    RuleSet,
)
from certifications.services.draft_edit import edit_issues
from certifications.services.partners import partners_import
from certifications.services.scales import scale_as_draft, scale_chosen, scale_for


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


def draft_signature(draft: ReferentielDraft) -> str:
    """``content_signature`` with the scale chosen in the editor in place of the stated one,
    so that the version's export (which states its scale) has the same signature."""
    chosen = scale_chosen(draft=draft)
    if chosen is None:
        return content_signature(draft)
    return content_signature(replace(draft, scale=scale_as_draft(scale=chosen)))


def _apply_rules(certification: Certification, rules: dict, *, created: bool) -> None:
    """Create the certification's RuleSet, with the rules chosen in the editor if any."""
    values = dict(rules)
    if "external_professional_share" in values:
        values["external_professional_share"] = Decimal(values["external_professional_share"])
    if created:
        RuleSet.objects.create(certification=certification, **values)
    elif values:
        RuleSet.objects.update_or_create(certification=certification, defaults=values)


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
    issues = validate(draft) + edit_issues(draft)
    if any(issue.severity is Severity.ERROR for issue in issues):
        raise ReferentielImportError(issues)
    signature = draft_signature(draft)

    certification = certification or _certification_for(draft)
    created = certification is None
    if certification is None:
        certification = Certification()
    _apply_certification_fields(certification, draft)
    certification.save()
    _apply_rules(certification, draft.rules, created=created)
    _replace_requirements(certification, draft)
    partners_import(certification=certification, drafts=draft.certification.partners)

    latest = certification.referentiels.select_for_update().order_by("-version").first()
    if latest is not None and latest.content_signature == signature:
        return ImportResult(latest, ImportAction.UNCHANGED, issues)

    scale = scale_for(draft=draft)
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
