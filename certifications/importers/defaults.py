"""Defaults shared by the import/export formats and the rest of the app (DESIGN.md §2, §5)."""

from __future__ import annotations

from certifications.importers.draft import LevelDraft, LevelOutcome, ScaleDraft

# The 4-level scale a draft gets when its document states none (``draft.scale is None``).
# Shared object: take ``copy.deepcopy(DEFAULT_SCALE)`` before changing it.
DEFAULT_SCALE = ScaleDraft(
    name="Échelle à 4 niveaux",
    levels=[
        LevelDraft(1, "Validée au-delà des attentes", outcome=LevelOutcome.ACQUIRED),
        LevelDraft(2, "Validée au niveau des attentes", outcome=LevelOutcome.ACQUIRED),
        LevelDraft(3, "En voie de validation, écarts mineurs", outcome=LevelOutcome.COMPLEMENT),
        LevelDraft(
            4, "Non acquise, écarts majeurs, rattrapage requis", outcome=LevelOutcome.RATTRAPAGE
        ),
    ],
)
