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
    ReferentielDraft,
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
class Paragraph:
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
class ModalityState:
    draft: ModalityDraft
    parts: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # compétence codes named in its text
    locked: bool = False  # a coded épreuve stated again: its text is already known
    # "row": stated in a table cell (evaluates the rows beside it); "bloc": stated under a
    # "Modalités d'évaluation" label inside a bloc; "global": under a label that covers the
    # whole référentiel. A labelled épreuve that names compétence codes evaluates only those.
    scope: str = "row"
    line: int = 0
    common: bool = False  # its label says it is common to every bloc: not a guess


@dataclass
class CriteriaGroup:
    """Criteria stated in one cell: they share compétences and épreuve."""

    line: int
    criteria: list[CriterionDraft] = field(default_factory=list)
    # Under a "Critères d'évaluation" label (or bullets under a compétence heading): the
    # compétences stated since the previous group, which criteria naming none evaluate.
    scope: list[CompetenceDraft] | None = None
    labelled: bool = False  # opened by a label line or by bullets under a compétence


@dataclass
class BlocState:
    draft: BlocDraft
    number: int
    competence_lines: list[tuple[int, CompetenceDraft]] = field(default_factory=list)
    modalities: list[tuple[int, ModalityState]] = field(default_factory=list)
    groups: list[CriteriaGroup] = field(default_factory=list)
    activity: ActivityDraft | None = None
    activity_line: int = 0
    row_activities: dict[int, int] = field(default_factory=dict)  # line → activities on it
    free_rows: set[int] = field(default_factory=set)  # épreuves stated outside table cells
    inherited: ModalityState | None = None

    def has_content(self) -> bool:
        d = self.draft
        return bool(d.competences or d.activities or d.criteria or self.modalities)


class ParserState:
    """What the parser keeps while it reads, shared by the tables, facts and links mixins.

    Set by ``parser._Parser.__init__``; declared here so that each mixin says what it uses.
    """

    lines: list[str]
    draft: ReferentielDraft
    roles: dict[int, Role] | None  # column roles of the current table header
    header_line: int  # a second header row right after the first refines it
    in_ref: bool  # inside the référentiel tables (as opposed to the fiche's prose)
    blocs: list[BlocState]
    paras: list[Paragraph]  # paragraphs of the current bloc, for continuations
    history: list[Paragraph]  # recent paragraphs, for "does this role end with a dot"
    last_role: Role | None  # where the last piece of référentiel text went
    pointer: Role | None  # last role a continuation went to (page order)
    by_code: dict[str, ModalityState]
    modalities: list[ModalityState]
    meta_section: str | None  # "nsf", "formacode" or "rome" while their list lasts
    description_next: bool
    requirements_open: bool
    access_yes_col: int | None  # the "Oui" column of an access-routes table
    scale: dict[int, str]
    bloc_statements: list[tuple[int, int, str]]  # (first bloc, last bloc, how assessed)
    vae_in_text: bool
    section: Role | None  # the label line ("Critères d'évaluation :") the lines below follow
    section_global: bool  # a "Modalités d'évaluation" label for the whole référentiel
    section_common: bool  # … that says so ("communes à tous les blocs")
    section_modality: ModalityState | None  # the épreuve the section's lines describe
    word_codes_line: int  # first "Compétence 1 :" line (its codes C1… are deduced)
    first_line: tuple[int, str] | None  # the document's first line of text, a title maybe

    @property
    def bloc(self) -> BlocState | None:
        return self.blocs[-1] if self.blocs else None
