"""The parser's own bookkeeping: column roles, and where each piece of text went (so that
the half of a cell cut by a page break can find the paragraph it completes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from certifications.importers.draft import (
    ActivityDraft,
    BlocDraft,
    CompetenceDraft,
    CriterionDraft,
    ModalityDraft,
)


class Role(IntEnum):
    """What a table column holds. The order is the column order of a référentiel table, which
    is also the order in which the halves of cells cut by a page break come back."""

    BLOC = 0
    ACTIVITY = 1
    COMPETENCE = 2
    MODALITY = 3
    CRITERIA = 4
    EVALUATION = 5  # "Référentiel d'évaluation": refined by a second header row
    NONE = 9


@dataclass
class _Para:
    """A paragraph that a page break may have cut: where its text lives, for continuations."""

    role: Role
    obj: object  # a draft dataclass (attribute ``key``) or a list (index ``key``)
    key: str | int
    line: int

    def get(self) -> str:
        if isinstance(self.obj, list):
            return str(self.obj[int(self.key)])
        return str(getattr(self.obj, str(self.key)))

    def put(self, text: str) -> None:
        if isinstance(self.obj, list):
            self.obj[int(self.key)] = text
        else:
            setattr(self.obj, str(self.key), text)


@dataclass
class _Modality:
    draft: ModalityDraft
    parts: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # compétence codes named in its text
    locked: bool = False  # a coded épreuve stated again: its text is already known


@dataclass
class _Group:
    """Criteria stated in one cell: they share compétences and épreuve."""

    line: int
    criteria: list[CriterionDraft] = field(default_factory=list)


@dataclass
class _Bloc:
    draft: BlocDraft
    number: int
    competence_lines: list[tuple[int, CompetenceDraft]] = field(default_factory=list)
    modalities: list[tuple[int, _Modality]] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)
    activity: ActivityDraft | None = None
    activity_line: int = 0
    row_activities: dict[int, int] = field(default_factory=dict)  # line → activities on it
    free_rows: set[int] = field(default_factory=set)  # épreuves stated outside table cells
    inherited: _Modality | None = None

    def has_content(self) -> bool:
        d = self.draft
        return bool(d.competences or d.activities or d.criteria or self.modalities)
