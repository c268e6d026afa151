"""Assessment scales: the default 4-level scale and the scale a draft states."""

from __future__ import annotations

import hashlib

from certifications.importers.defaults import DEFAULT_SCALE
from certifications.importers.draft import LevelDraft, ReferentielDraft, ScaleDraft
from certifications.models import (
    Level,
    Scale,
)
from certifications.vocabulary import LevelOutcome


def scale_default() -> Scale:
    """The default 4-level scale. Migration 0002 creates it; it is recreated
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


def scale_for_draft(*, draft_scale: ScaleDraft | None) -> Scale:
    """The scale a draft states (shared by every version stating the same levels), or the
    default one when it states none."""
    if draft_scale is None:
        return scale_default()
    levels = [(lv.number, lv.label, lv.description, lv.outcome.value) for lv in draft_scale.levels]
    code = "scale-" + hashlib.sha256(repr(levels).encode()).hexdigest()[:12]
    scale, created = Scale.objects.get_or_create(code=code, defaults={"name": draft_scale.name})
    if created:
        _create_levels(scale, draft_scale)
    return scale


def scale_chosen(*, draft: ReferentielDraft) -> Scale | None:
    """The existing scale the editor chose for a draft (``draft.scale_code``), if any."""
    if not draft.scale_code:
        return None
    if draft.scale_code == Scale.DEFAULT_CODE:
        return scale_default()
    return Scale.objects.filter(code=draft.scale_code).first()


def scale_as_draft(*, scale: Scale) -> ScaleDraft | None:
    """A saved scale as a draft states it (None for the default one, as an export does)."""
    if scale.code == Scale.DEFAULT_CODE:
        return None
    return ScaleDraft(scale.name, [
        LevelDraft(lv.number, lv.label, lv.description, LevelOutcome(lv.outcome))
        for lv in scale.levels.order_by("number")
    ])


def scale_for(*, draft: ReferentielDraft) -> Scale:
    """The scale a version made from this draft gets: the chosen one, else the stated one."""
    return scale_chosen(draft=draft) or scale_for_draft(draft_scale=draft.scale)
