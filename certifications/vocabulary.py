"""The domain vocabulary: enums every layer speaks (DESIGN.md glossary).

No Django, no database: the importers' drafts, the models, the rules and the pages of
candidates, juries and reports all import these from here.
"""

from __future__ import annotations

import enum


class LevelOutcome(enum.StrEnum):
    ACQUIRED = "acquired"  # levels 1 and 2 by default
    COMPLEMENT = "complement"  # level 3: travail complémentaire
    RATTRAPAGE = "rattrapage"  # level 4: the épreuve must be retaken


class ModalityKind(enum.StrEnum):
    CASE_STUDY = "case_study"  # étude de cas
    WORK_SITUATION = "work_situation"  # mise en situation professionnelle
    PROJECT = "project"  # projet
    MONOGRAPH = "monograph"  # monographie
    THESIS = "thesis"  # thèse professionnelle, mémoire
    QUIZ = "quiz"  # QCM
    ORAL = "oral"  # soutenance, oral, entretien
    WRITTEN = "written"  # épreuve écrite, rapport
    PORTFOLIO = "portfolio"  # dossier, portfolio
    OTHER = "other"


__all__ = ["LevelOutcome", "ModalityKind"]
