"""Defaults shared by the import/export formats and the rest of the app (DESIGN.md §2, §5)."""

from __future__ import annotations

from certifications.importers.draft import LevelDraft, ScaleDraft
from certifications.vocabulary import LevelOutcome

# The default 4-level scale (its levels are those of fiche RNCP35609, but it is no
# certification's own), which a draft gets when its document states none
# (``draft.scale is None``); migration 0002 stores the same levels in the database and
# migration 0006 gives the stored one this neutral name.
# Shared object: take ``copy.deepcopy(DEFAULT_SCALE)`` before changing it.
DEFAULT_SCALE = ScaleDraft(
    name="Échelle à 4 niveaux (par défaut)",
    levels=[
        LevelDraft(1, "Compétence validée au-delà des attentes", outcome=LevelOutcome.ACQUIRED),
        LevelDraft(2, "Compétence validée au niveau des attentes", outcome=LevelOutcome.ACQUIRED),
        LevelDraft(
            3, "Compétence en voie de validation",
            "Écarts mineurs constatés : un travail complémentaire est demandé sur cette "
            "compétence.",
            LevelOutcome.COMPLEMENT,
        ),
        LevelDraft(
            4, "Compétence non acquise",
            "Écarts majeurs constatés : rattrapage requis de l'épreuve qui évalue cette "
            "compétence.",
            LevelOutcome.RATTRAPAGE,
        ),
    ],
)
