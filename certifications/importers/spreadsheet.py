"""Spreadsheet template (CSV or XLSX, one row per criterion) → ``ReferentielDraft``.

Rows are grouped into blocs, activities, compétences and modalities by their
code, or by their title when the code is empty (a ref is then generated, to be
completed in the preview). A row without criterion text still declares its
compétence. Several certification codes in one file give one draft each.

A row that cannot be placed is reported on the draft as an error naming the
row ("line 7: …"), so the whole file is reviewed at once; only a file that
cannot be read at all, or lacks a required column, raises ``ImportFormatError``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import BinaryIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.spreadsheets import csv_bytes, xlsx_bytes
from accounts.tabular import TabularError, TabularLimits, read_table
from certifications.errors import ImportFormatError
from certifications.importers.draft import (
    ActivityDraft,
    BlocDraft,
    CertificationDraft,
    CompetenceDraft,
    CriterionDraft,
    ModalityDraft,
    ReferentielDraft,
    line_location,
)
from certifications.vocabulary import ModalityKind

SOURCE_FORMAT = "spreadsheet"

# Column key → French header of the template, then other accepted spellings.
COLUMNS: dict[str, tuple[str, ...]] = {
    "certification_code": (
        "Code certification",
        "Code RNCP",
        "Code de la certification",
        "Numéro de fiche",
    ),
    "certification_title": (
        "Intitulé certification",
        "Intitulé de la certification",
        "Titre certification",
        "Certification",
    ),
    "bloc_code": ("Code bloc", "Code du bloc"),
    "bloc_title": ("Intitulé bloc", "Intitulé du bloc", "Bloc", "Bloc de compétences"),
    "activity_code": ("Code activité", "Code de l'activité"),
    "activity_title": ("Intitulé activité", "Intitulé de l'activité", "Activité"),
    "competence_code": ("Code compétence", "Code de la compétence"),
    "competence_title": ("Intitulé compétence", "Intitulé de la compétence", "Compétence"),
    "modality_code": ("Code modalité", "Code épreuve", "Code de la modalité"),
    "modality_title": (
        "Intitulé modalité",
        "Intitulé de la modalité",
        "Modalité",
        "Épreuve",
        "Modalité d'évaluation",
    ),
    "modality_kind": ("Type de modalité", "Type d'épreuve", "Type", "Nature de l'épreuve"),
    "criterion": ("Critère d'évaluation", "Critère", "Critères", "Critères d'évaluation"),
}

# Words of the modality_kind column, normalised, → kind. Enum values are accepted too.
_KIND_WORDS: dict[str, ModalityKind] = {
    "etude de cas": ModalityKind.CASE_STUDY,
    "cas pratique": ModalityKind.CASE_STUDY,
    "mise en situation professionnelle": ModalityKind.WORK_SITUATION,
    "mise en situation": ModalityKind.WORK_SITUATION,
    "msp": ModalityKind.WORK_SITUATION,
    "projet": ModalityKind.PROJECT,
    "monographie": ModalityKind.MONOGRAPH,
    "these": ModalityKind.THESIS,
    "these professionnelle": ModalityKind.THESIS,
    "memoire": ModalityKind.THESIS,
    "qcm": ModalityKind.QUIZ,
    "questionnaire": ModalityKind.QUIZ,
    "soutenance": ModalityKind.ORAL,
    "oral": ModalityKind.ORAL,
    "entretien": ModalityKind.ORAL,
    "ecrit": ModalityKind.WRITTEN,
    "epreuve ecrite": ModalityKind.WRITTEN,
    "rapport": ModalityKind.WRITTEN,
    "dossier": ModalityKind.PORTFOLIO,
    "portfolio": ModalityKind.PORTFOLIO,
    "autre": ModalityKind.OTHER,
}

_EXAMPLE_ROWS = [
    [
        "RNCP35609",
        "Expert en ingénierie de l'intelligence artificielle",
        "RNCP35609BC01",
        "Concevoir une stratégie de données",
        "A1.1",
        "Cartographier les données",
        "C1.1",
        "Cartographier les sources de données de l'entreprise",
        "E1",
        "Étude de cas data",
        "étude de cas",
        "Les sources sont recensées de façon exhaustive",
    ],
    [
        "RNCP35609",
        "Expert en ingénierie de l'intelligence artificielle",
        "RNCP35609BC01",
        "Concevoir une stratégie de données",
        "A1.1",
        "Cartographier les données",
        "C1.2",
        "Définir une politique de gouvernance des données",
        "E2",
        "Soutenance",
        "soutenance",
        "La politique respecte le RGPD",
    ],
]

# The work a file may ask for (docs/import.md, "Limits"): rows read (empty ones included),
# columns read per row (the others are ignored), cells holding something. Reading stops
# at the first row past a limit, whatever the file's size.
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_CELLS = 400_000
# Archives that would inflate beyond 200 MB when openpyxl unpacks them are refused.
LIMITS = TabularLimits(max_rows=MAX_ROWS, max_columns=MAX_COLUMNS, max_cells=MAX_CELLS,
                       max_unzipped=200 * 1024 * 1024)


# -- templates -----------------------------------------------------------------------------
def template_csv() -> bytes:
    return csv_bytes([[headers[0] for headers in COLUMNS.values()], *_EXAMPLE_ROWS])


def template_xlsx() -> bytes:
    return xlsx_bytes([[headers[0] for headers in COLUMNS.values()], *_EXAMPLE_ROWS],
                      title="Référentiel")


# -- parsing -------------------------------------------------------------------------------
def parse(source: BinaryIO, *, name: str = "") -> list[ReferentielDraft]:
    builder = _Builder(name)
    header_found = False
    try:
        table = read_table(source.read(), LIMITS)
        for number, cells in table.rows:
            if not any(cells):
                continue
            if not header_found:
                builder.columns = _map_header(cells, number)
                header_found = True
                continue
            builder.add_row(number, cells)
    except TabularError as exc:
        raise ImportFormatError(exc.message, line_location(exc.line) if exc.line else "") from exc
    if not header_found:
        raise ImportFormatError(_("No header row was found."))
    drafts = builder.drafts()
    if not drafts:
        raise ImportFormatError(_("The file has no row under its header."))
    for draft in drafts:
        for note in table.notes:
            draft.warn(note)
    return drafts


# -- header ----------------------------------------------------------------------------------
def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _compact(text: str) -> str:
    return _normalise(text).replace(" ", "")


_HEADER_ALIASES = {
    _compact(alias): key for key, headers in COLUMNS.items() for alias in (key, *headers)
}


def _map_header(cells: list[str], number: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _HEADER_ALIASES.get(_compact(cell))
        if key and key not in columns:
            columns[key] = index
    missing = [
        label
        for label, keys in (
            (_("code or title of the bloc"), ("bloc_code", "bloc_title")),
            (_("code or title of the compétence"), ("competence_code", "competence_title")),
        )
        if not any(key in columns for key in keys)
    ]
    if missing:
        found = ", ".join(_("“%(text)s”") % {"text": cell} for cell in cells if cell)
        raise ImportFormatError(
            _("Required column missing: %(missing)s (columns read: %(found)s)")
            % {
                "missing": pgettext("list separator", "; ").join(missing),
                "found": found or pgettext("columns", "none"),
            },
            line_location(number),
        )
    return columns


def parse_kind(text: str) -> ModalityKind | None:
    """The modality kind a cell names (enum value or French word), None if unknown."""
    word = _normalise(text)
    for kind in ModalityKind:
        if word == _normalise(kind.value):
            return kind
    if word in _KIND_WORDS:
        return _KIND_WORDS[word]
    return next((kind for key, kind in _KIND_WORDS.items() if word.startswith(key)), None)


# -- grouping --------------------------------------------------------------------------------
@dataclass
class _Tree:
    """One draft being built and the indexes that find its parts again."""

    draft: ReferentielDraft
    blocs: dict[str, BlocDraft] = field(default_factory=dict)
    activities: dict[tuple[str, str], ActivityDraft] = field(default_factory=dict)
    competences: dict[tuple[str, str], CompetenceDraft] = field(default_factory=dict)
    modalities: dict[str, ModalityDraft] = field(default_factory=dict)
    criteria: dict[tuple[str, str | None, str], CriterionDraft] = field(default_factory=dict)
    refs: set[str] = field(default_factory=set)

    def new_ref(self, ref: str) -> str:
        candidate, suffix = ref, 1
        while candidate in self.refs:
            suffix += 1
            candidate = f"{ref}-{suffix}"
        self.refs.add(candidate)
        return candidate


def _key(code: str, title: str) -> str:
    return code if code else "~" + _normalise(title)


class _Builder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.columns: dict[str, int] = {}
        self.trees: dict[str, _Tree] = {}
        self.current: _Tree | None = None

    def drafts(self) -> list[ReferentielDraft]:
        return [tree.draft for tree in self.trees.values()]

    def cell(self, cells: list[str], key: str) -> str:
        index = self.columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ""

    def add_row(self, number: int, cells: list[str]) -> None:
        row = {key: self.cell(cells, key) for key in COLUMNS}
        tree = self._tree(row, number)
        where = line_location(number)
        bloc = self._bloc(tree, row, where)
        if bloc is None:
            return
        competence = self._competence(tree, bloc, row, where)
        if competence is None:
            return
        modality = self._modality(tree, bloc, competence, row, where)
        if row["criterion"]:
            self._criterion(tree, bloc, competence, modality, row["criterion"])

    def _tree(self, row: dict[str, str], number: int) -> _Tree:
        code = row["certification_code"]
        # The certification code is often written on the first row only: keep the last one.
        if not code and self.current is not None:
            tree = self.current
        else:
            tree = self.trees.get(code) or self._new_tree(code)
        title = row["certification_title"]
        cert = tree.draft.certification
        if title and not cert.title:
            cert.title = title
        elif title and _normalise(title) != _normalise(cert.title):
            tree.draft.warn(
                _("Different certification title “%(title)s”: ignored") % {"title": title},
                line_location(number),
            )
        self.current = tree
        return tree

    def _new_tree(self, code: str) -> _Tree:
        draft = ReferentielDraft(
            certification=CertificationDraft(code=code),
            source_format=SOURCE_FORMAT,
            source_name=self.name,
        )
        self.trees[code] = tree = _Tree(draft)
        return tree

    def _bloc(self, tree: _Tree, row: dict[str, str], where: str) -> BlocDraft | None:
        code, title = row["bloc_code"], row["bloc_title"]
        if not code and not title:
            tree.draft.error(_("Bloc code missing (and title empty)"), where)
            return None
        key = _key(code, title)
        bloc = tree.blocs.get(key)
        if bloc is None:
            ref = tree.new_ref(code or f"bloc{len(tree.blocs) + 1}")
            bloc = tree.blocs[key] = BlocDraft(ref=ref, code=code, title=title)
            tree.draft.blocs.append(bloc)
            if not code:
                tree.draft.warn(
                    _("Bloc “%(title)s” without code: reference “%(ref)s” generated")
                    % {"title": title, "ref": ref},
                    where,
                )
            elif not title:
                tree.draft.warn(_("Bloc %(code)s without title") % {"code": code}, where)
        elif title and not bloc.title:
            bloc.title = title
        elif title and _normalise(title) != _normalise(bloc.title):
            tree.draft.warn(
                _("Different title for the bloc %(code)s: “%(title)s” ignored")
                % {"code": code, "title": title},
                where,
            )
        return bloc

    def _activity(self, tree: _Tree, bloc: BlocDraft, row: dict[str, str]) -> ActivityDraft | None:
        code, title = row["activity_code"], row["activity_title"]
        if not code and not title:
            return None
        key = (bloc.ref, _key(code, title))
        activity = tree.activities.get(key)
        if activity is None:
            ref = tree.new_ref(code or f"{bloc.ref}-a{len(bloc.activities) + 1}")
            activity = tree.activities[key] = ActivityDraft(ref=ref, code=code, title=title)
            bloc.activities.append(activity)
        return activity

    def _competence(
        self, tree: _Tree, bloc: BlocDraft, row: dict[str, str], where: str
    ) -> CompetenceDraft | None:
        code, title = row["competence_code"], row["competence_title"]
        if not code and not title:
            tree.draft.error(_("Compétence missing (neither code nor title)"), where)
            return None
        activity = self._activity(tree, bloc, row)
        key = (bloc.ref, _key(code, title))
        competence = tree.competences.get(key)
        if competence is None:
            ref = tree.new_ref(code or f"{bloc.ref}-c{len(bloc.competences) + 1}")
            competence = CompetenceDraft(
                ref=ref,
                code=code,
                title=title,
                activity_ref=activity.ref if activity else None,
            )
            tree.competences[key] = competence
            bloc.competences.append(competence)
            if not code:
                tree.draft.warn(
                    _("Compétence without code: reference “%(ref)s” generated") % {"ref": ref},
                    where,
                )
            elif ref != code:
                tree.draft.warn(
                    _("Compétence code %(code)s already used in another bloc") % {"code": code},
                    where,
                )
            if not title:
                tree.draft.warn(_("Compétence %(code)s without title") % {"code": code}, where)
        elif title and not competence.title:
            competence.title = title
        return competence

    def _modality(
        self,
        tree: _Tree,
        bloc: BlocDraft,
        competence: CompetenceDraft,
        row: dict[str, str],
        where: str,
    ) -> ModalityDraft | None:
        code, title, kind_text = row["modality_code"], row["modality_title"], row["modality_kind"]
        if not code and not title:
            if kind_text:
                tree.draft.warn(
                    _("Assessment method type without assessment method: ignored"), where
                )
            return None
        key = _key(code, title)
        modality = tree.modalities.get(key)
        if modality is None:
            ref = tree.new_ref(code or f"e{len(tree.modalities) + 1}")
            modality = tree.modalities[key] = ModalityDraft(ref=ref, code=code, title=title)
            tree.draft.modalities.append(modality)
        if kind_text:
            kind = parse_kind(kind_text)
            if kind is None:
                tree.draft.warn(
                    _("Unknown assessment method type “%(kind)s”: “other” used")
                    % {"kind": kind_text},
                    where,
                )
            elif modality.kind is ModalityKind.OTHER:
                modality.kind = kind
        if competence.ref not in modality.competence_refs:
            modality.competence_refs.append(competence.ref)
        if bloc.ref not in modality.bloc_refs:
            modality.bloc_refs.append(bloc.ref)
        return modality

    def _criterion(
        self,
        tree: _Tree,
        bloc: BlocDraft,
        competence: CompetenceDraft,
        modality: ModalityDraft | None,
        text: str,
    ) -> None:
        # The same text for the same épreuve in a bloc is one criterion of several compétences.
        modality_ref = modality.ref if modality else None
        key = (bloc.ref, modality_ref, _normalise(text))
        criterion = tree.criteria.get(key)
        if criterion is None:
            criterion = tree.criteria[key] = CriterionDraft(text=text, modality_ref=modality_ref)
            bloc.criteria.append(criterion)
        if competence.ref not in criterion.competence_refs:
            criterion.competence_refs.append(competence.ref)
