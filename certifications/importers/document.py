"""Parser for référentiel documents: text exports of RNCP fiches and référentiels (DESIGN.md §7).

The input is what a word processor or a web page gives when saved as text: table rows whose
cells are separated by tabs and may hold HTML fragments (``<p>``, ``<b>``, ``<u>``, ``<li>``),
markdown-ish headings and bullets, and page breaks that cut a cell in two (the rest of the
cell comes on a later line, often alone, sometimes after the next rows have started).

The parser does not know the five seed files; it knows the shape of a référentiel:

* a table header ("Référentiel d'activités | … de compétences | Modalités | Critères") gives
  each column a :class:`Role`; without one, the content decides;
* blocs, activities, compétences and épreuves are recognised by their codes or headings
  ("Bloc 2 :", "Catégorie 1 :", "RNCP35609BC01", "A.2.1.", "C1.1.1.", "BC7. 2\\_", "E1.");
* text that starts in lower case (or a bullet left without a list) continues a paragraph
  cut by a page break: :meth:`_Parser._continue` finds the paragraph it completes;
* everything outside the référentiel tables is read for the fiche's facts (code, level,
  NSF, formacodes, ROME, dates, scale, access routes, extra requirements).

Links that a table only states by position (a criteria cell beside some compétence rows, an
épreuve stated once for several rows) are resolved at the end from the line numbers.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum
from typing import BinaryIO

from certifications.errors import ImportFormatError
from certifications.importers.draft import (
    ActivityDraft,
    BlocDraft,
    CertificationDraft,
    CompetenceDraft,
    CriterionDraft,
    LevelDraft,
    ModalityDraft,
    ReferentielDraft,
    RequirementDraft,
    ScaleDraft,
)
from certifications.vocabulary import LevelOutcome, ModalityKind

MAX_BYTES = 20 * 1024 * 1024  # a référentiel is a few hundred kB; more is not one


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


# -- text helpers ------------------------------------------------------------------------

_BLOCK_TAG = re.compile(
    r"(<\s*/?\s*(?:p|ul|ol|li|br|div|h[1-6]|tr|td|th|table|tbody|thead)\b[^>]{0,500}>)", re.I
)
_TAG = re.compile(r"<[^<>]{0,500}>")
_MD_ESCAPE = re.compile(r"\\([\\_*`#\[\]().!+\-{}|>~])")
_SPACES = re.compile(r"\s+")
_BULLET = re.compile(r"(?:^|(?<=\s))[-•–▪●◦*]\s+")
_LEAD_BULLET = re.compile(r"^\s*(?:[-•–▪●◦*]|\d{1,2}[.)])\s+")
_MD_HEADING = re.compile(r"^\s*(#{1,6})\s*(.*)$")
_TERMINAL = tuple(".!?:;…")
_STOP_WORDS = frozenset(
    [
        "de",
        "des",
        "du",
        "d'",
        "la",
        "le",
        "les",
        "l'",
        "un",
        "une",
        "et",
        "ou",
        "à",
        "au",
        "aux",
        "en",
        "par",
        "pour",
        "dans",
        "sur",
        "avec",
        "sans",
        "entre",
        "vers",
        "que",
        "qui",
        "dont",
        "est",
        "sont",
        "son",
        "sa",
        "ses",
        "leur",
        "leurs",
        "ce",
        "cette",
        "ces",
        "se",
        "ne",
        "afin",
        "d'une",
        "d'un",
        "notamment",
        "comme",
        "tels",
        "telles",
        "plus",
        "très",
    ]
)


def _clean(raw: str) -> str:
    """Plain text of an HTML/markdown fragment, on one line."""
    text = _BLOCK_TAG.sub(" ", raw)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _MD_ESCAPE.sub(r"\1", text)
    text = text.replace("**", "").replace("\u00a0", " ").replace("▼", "")
    return _SPACES.sub(" ", text).strip()


def _fragments(raw: str) -> list[tuple[str, bool]]:
    """Split a cell at block tags: (raw fragment with its inline tags, is it a <li>)."""
    result: list[tuple[str, bool]] = []
    in_li = False
    for piece in _BLOCK_TAG.split(raw):
        if _BLOCK_TAG.fullmatch(piece):
            tag = piece.lower().replace(" ", "")
            in_li = tag.startswith("<li")
            continue
        if _clean(piece):
            result.append((piece, in_li))
    return result


def _starts_lower(text: str) -> bool:
    stripped = text.lstrip(" \"'«“(…,;")
    return bool(stripped) and stripped[0].islower()


def _starts_upper(text: str) -> bool:
    stripped = text.lstrip(" \"'«“(")
    return bool(stripped) and stripped[0].isupper()


def _terminated(text: str) -> bool:
    return text.rstrip(" »\"')*").endswith(_TERMINAL)


def _cut_score(text: str) -> int:
    """How surely a paragraph was cut by a page break: 2 when it ends on a word that cannot end
    a sentence ("des", "pour", a number), 1 when it merely lacks final punctuation."""
    if not text or _terminated(text):
        return 0
    last = text.rstrip().split()[-1].lower() if text.split() else ""
    if last in _STOP_WORDS or last[-1:].isdigit() or last.endswith(("-", ",", "’", "'")):
        return 2
    return 1


def _join(left: str, right: str) -> str:
    left, right = left.rstrip(), right.strip()
    if not left:
        return right
    if left.endswith("-") and not left.endswith(" -"):
        return left + right
    return f"{left} {right}"


def _strip_md_heading(text: str) -> tuple[int, str]:
    match = _MD_HEADING.match(text)
    if not match:
        return 0, text
    return len(match.group(1)), match.group(2).strip()


# -- codes -------------------------------------------------------------------------------

_NUM = r"\d{1,2}(?:\s?\.\s?\d{1,2}){0,3}"
_CODE_END = r"\.?(?=[\s_\\\-–:]|$)"
_COMPETENCE_AT = re.compile(
    rf"^\s*(?P<code>B?C\s?{_NUM}){_CODE_END}[\s\\_\-–:.]*(?P<rest>.*)$", re.S
)
_ACTIVITY_AT = re.compile(
    rf"^\s*(?:A\s?\.?\s?(?P<num>{_NUM}){_CODE_END}|activit[ée]s?\s+(?P<num2>{_NUM})\s*[:\-–.])"
    r"[\s\\_\-–:.]*(?P<rest>.*)$",
    re.S | re.I,
)
_COMPETENCE_ANY = re.compile(r"(?<![\w.])B?C\s?\d{1,2}(?:\s?\.\s?\d{1,2}){0,3}(?![\d\w])")
_COMPETENCE_RANGE = re.compile(
    r"(?<![\w.])(B?C)\s?(\d{1,2})\s*(?:à|-|–)\s*(?:B?C)\s?(\d{1,2})(?![\d.\w])"
)
_ONLY_CODES = re.compile(r"(?:\s*(?:B?C\s?\d{1,2}(?:\.\d{1,2})*|à|et|,|-|–))+\s*", re.I)
_INLINE_COMPETENCE = re.compile(r"(?<=[.;!?])\s+(?=B?C\s?\d{1,2}(?:\.\d{1,2})+[.\s_])")
_BLOC_WORD = re.compile(
    r"^\s*(?:bloc(?:\s+de\s+comp[ée]tences?)?|cat[ée]gorie|domaine|unit[ée])\s*"
    r"(?:n\s*[°º]\s*|no\.?\s*|num[ée]ro\s*)?(?P<num>\d{1,2})(?![\d.,])\s*[:\-–.]?\s*(?P<title>.*)$",
    re.I | re.S,
)
_BLOC_CODE = re.compile(
    r"^\s*(?P<rncp>RNCP\s?\d{3,6})?\s*BC\s?(?P<num>\d{1,2})(?![\d.]|\\?_)\s*[:\-–.]?\s*(?P<title>.*)$",
    re.I | re.S,
)
_MODALITY_CODE = re.compile(
    r"^\s*(?:E\s?(?P<num>\d{1,2})|[ée]preuve\s+(?:n\s*°\s*)?(?P<num2>\d{1,2}))(?![\d\w])(?!\.\d)"
    r"\s*[.:\-–]?\s*(?P<rest>.*)$",
    re.I | re.S,
)
_EVAL_PREFIX = re.compile(
    r"^\s*[ée]valuation\s+(?:des\s+|de\s+la\s+)?(?:comp[ée]tences?\s+)?"
    r"(?:B?C\s?[\d.]+[\s,]*(?:et\s+)?)+\s*[-–:]\s*",
    re.I,
)
_MODALITY_WORDS = (
    r"(?:[ée]tudes?\s+de\s+cas|cas\s+pratiques?|mises?\s+en\s+situation|projets?|r[ée]daction|"
    r"soutenance|oral\b|entretien|qcm|questionnaire|quiz|dossier|portfolio|m[ée]moire|"
    r"th[èe]se|monographies?|travaux\s+pratiques|tp\b|[ée]preuve|examen|jeu\s+de\s+r[ôo]le|"
    r"simulation|contr[ôo]le\s+continu|exercice)"
)
_MODALITY_START = re.compile(rf"^\s*{_MODALITY_WORDS}", re.I)
_FIELD_LABEL = re.compile(
    r"^\s*(?:ce\s+que|[ée]valuation\s*(?::|$)|dur[ée]e|livrables?|attendus|format|il/elle|"
    r"le\s+candidat|chaque\s+candidat|crit[èe]res)",
    re.I,
)
_KIND_WORDS: tuple[tuple[str, ModalityKind], ...] = (
    (r"th[èe]se|m[ée]moire", ModalityKind.THESIS),
    (r"monographie", ModalityKind.MONOGRAPH),
    (
        r"mises?\s+en\s+situation|travaux\s+pratiques|jeu\s+de\s+r[ôo]le",
        ModalityKind.WORK_SITUATION,
    ),
    (r"[ée]tudes?\s+de\s+cas|cas\s+pratique", ModalityKind.CASE_STUDY),
    (r"projet", ModalityKind.PROJECT),
    (r"qcm|questionnaire|quiz", ModalityKind.QUIZ),
    (r"soutenance|oral|entretien", ModalityKind.ORAL),
    (r"dossier|portfolio", ModalityKind.PORTFOLIO),
    (r"r[ée]daction|[ée]crit|rapport", ModalityKind.WRITTEN),
)
_TEAM = re.compile(
    r"\b(?:en|par)\s+(?:[ée]quipe|groupe|bin[ôo]me)\b|collecti(?:f|ve)|au\s+sein\s+d'un\s+groupe",
    re.I,
)
_DURATION = re.compile(
    r"(?P<h>\d{1,2})\s*(?:h|heures?)(?:\s*(?P<hm>\d{2}))?\b|(?P<m>\d{1,3})\s*min(?:utes?)?\b", re.I
)


def _norm_code(code: str) -> str:
    """One spelling per code: "A.2.1." → "A2.1", "C 1.1" → "C1.1", "BC7. 2" → "BC7.2"."""
    code = re.sub(r"\s+", "", code).upper().rstrip(".")
    return re.sub(r"^([A-Z]+)\.", r"\1", code)


def _codes_in(text: str) -> list[str]:
    """Compétence codes a text names, ranges ("C5 à C13") expanded."""
    codes: list[str] = []
    for match in _COMPETENCE_RANGE.finditer(text):
        first, last = int(match.group(2)), int(match.group(3))
        if 0 < last - first < 100:
            codes += [f"{match.group(1).upper()}{n}" for n in range(first, last + 1)]
    codes += [_norm_code(m.group(0)) for m in _COMPETENCE_ANY.finditer(text)]
    return list(dict.fromkeys(codes))


def _modality_kind(text: str) -> ModalityKind:
    for pattern, kind in _KIND_WORDS:
        if re.search(pattern, text, re.I):
            return kind
    return ModalityKind.OTHER


# -- the parser's own bookkeeping ----------------------------------------------------------


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


# -- metadata patterns (outside the référentiel tables) --------------------------------------

_DATE = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")
_RNCP = re.compile(r"\bRNCP\s?(\d{3,6})\b(?!\s?BC)", re.I)
_LEVEL = re.compile(r"niveau\s+de\s+qualification\D{0,40}?(\d)\b", re.I)
_EQF = re.compile(r"\b(?:EQF|CEC|cadre\s+europ[ée]en)\D{0,30}?(\d)\b", re.I)
_SCALE_LINE = re.compile(r"^\s*(?:[-•*]\s*)?niveau\s+(\d)\s*[:\-–]\s*(.+)$", re.I)
_SECTIONS = (
    (
        "nsf",
        re.compile(r"\bcodes?(?:\(s\))?\s+nsf\b|^\s*nsf\b", re.I),
        re.compile(r"^(\d{3}[a-z]?)\b"),
    ),
    ("formacode", re.compile(r"\bformacodes?\b", re.I), re.compile(r"^(\d{5})\b")),
    (
        "rome",
        re.compile(r"\bcodes?(?:\(s\))?\s+rome\b|^\s*rome\b", re.I),
        re.compile(r"^([A-N]\d{4})\b"),
    ),
)
_ROUTES = (
    ("vae", re.compile(r"\bexp[ée]rience\b|\bVAE\b", re.I)),
    ("apprentissage", re.compile(r"apprentissage", re.I)),
    ("contrat_professionnalisation", re.compile(r"professionnalisation", re.I)),
    ("formation_continue", re.compile(r"formation\s+continue", re.I)),
    ("formation_initiale", re.compile(r"[ée]l[èe]ve|[ée]tudiant|formation\s+initiale", re.I)),
    ("candidature_libre", re.compile(r"candidature\s+individuelle|candidature\s+libre", re.I)),
)
_REQUIREMENTS_INTRO = re.compile(
    r"(?:obtention|d[ée]livrance|attribution)\s+de\s+la\s+certification.{0,60}"
    r"(?:conditionn|subordonn|requiert|n[ée]cessite|suppose)|pour\s+obtenir\s+la\s+certification",
    re.I,
)
_ALL_BLOCS = re.compile(
    r"validation\s+(?:de\s+|des\s+|de\s+l'ensemble\s+des\s+|de\s+tous\s+les\s+)?(\d+\s+)?blocs",
    re.I,
)
_ACCOMMODATION = re.compile(
    r"(?:adapt|am[ée]nag)\w*.{0,120}handicap|handicap.{0,120}(?:adapt|am[ée]nag)", re.I
)
_BLOC_STATEMENT = re.compile(
    r"\bblocs?\s+de\s+comp[ée]tences?\s+n\s*°\s*(\d{1,2})(?:\s*(?:à|-|–)\s*(\d{1,2}))?"
    r".{0,40}?valid[ée]s?\s+(?:à\s+travers|par|au\s+moyen)",
    re.I,
)


def _parse_date(text: str) -> date | None:
    match = _DATE.search(text)
    if not match:
        return None
    try:
        if match.group(1):
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date(int(match.group(4)), int(match.group(5)), int(match.group(6)))
    except ValueError:
        return None


# -- the parser ------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, name: str) -> None:
        self.lines = text.splitlines()
        self.draft = ReferentielDraft(
            certification=CertificationDraft(), source_format="document", source_name=name
        )
        self.roles: dict[int, Role] | None = None
        self.header_line = -10  # a second header row refines the first
        self.in_ref = False  # inside the référentiel tables (as opposed to the fiche's prose)
        self.blocs: list[_Bloc] = []
        self.paras: list[_Para] = []  # paragraphs of the current bloc, for continuations
        self.history: list[_Para] = []  # recent paragraphs, for "does this role end with a dot"
        self.last_role: Role | None = None  # where the last piece of référentiel text went
        self.pointer: Role | None = None  # last role a continuation went to (page order)
        self.by_code: dict[str, _Modality] = {}
        self.modalities: list[_Modality] = []
        self.meta_section: str | None = None
        self.description_next = False
        self.requirements_open = False
        self.access_yes_col: int | None = None
        self.scale: dict[int, str] = {}
        self.bloc_statements: list[tuple[int, int, str]] = []
        self.vae_in_text = False

    @property
    def bloc(self) -> _Bloc | None:
        return self.blocs[-1] if self.blocs else None

    # -- driving -------------------------------------------------------------------------
    def run(self) -> ReferentielDraft:
        for number, line in enumerate(self.lines, start=1):
            self._line(number, line)
        if not self.blocs or not any(b.draft.competences for b in self.blocs):
            raise ImportFormatError(
                "Aucun bloc de compétences ni aucune compétence codée n'a été reconnu : "
                "ce document ne ressemble pas à un référentiel.",
                "ligne 1",
            )
        self._finish()
        return self.draft

    def _line(self, number: int, line: str) -> None:
        cells = line.split("\t")
        texts = [_clean(c) for c in cells]
        if not any(texts) or all(re.fullmatch(r"[-|:=\s]*", t) for t in texts):
            return
        roles = self._header_roles(texts)
        if roles is not None:
            self._header(number, roles)
            return
        if len(cells) > 1:
            self._row(number, cells, texts)
        else:
            self._free(number, line)

    # -- table headers ---------------------------------------------------------------------
    _HEADER_WORDS = (
        (re.compile(r"\bblocs?\b", re.I), Role.BLOC),
        (re.compile(r"activit", re.I), Role.ACTIVITY),
        (re.compile(r"comp[ée]tence", re.I), Role.COMPETENCE),
        (re.compile(r"modalit|[ée]preuve", re.I), Role.MODALITY),
        (re.compile(r"crit[èe]re", re.I), Role.CRITERIA),
        (re.compile(r"[ée]valuation|certification", re.I), Role.EVALUATION),
    )

    def _header_roles(self, texts: list[str]) -> dict[int, Role] | None:
        """Column roles if this row is a référentiel table header, else None."""
        filled = [(i, t) for i, t in enumerate(texts) if t]
        if len(filled) < 2:
            return None
        roles: dict[int, Role] = {}
        for index, text in filled:
            # Header cells name a column near their start and hold no code (a cell such as
            # "Evaluation C3.1.4 … critères suivants" is content, not a header).
            if len(text) > 250 or _COMPETENCE_ANY.search(text) or _BLOC_WORD.match(text):
                return None
            head = text[:32]
            found = [(m.start(), role) for rx, role in self._HEADER_WORDS if (m := rx.search(head))]
            if not found:
                return None
            roles[index] = min(found)[1]
        if set(roles.values()) <= {Role.EVALUATION}:
            return None
        return roles

    def _header(self, number: int, roles: dict[int, Role]) -> None:
        if self.roles is not None and number - self.header_line <= 2:
            self.roles = {**self.roles, **roles}
        else:
            self.roles = roles
        self.header_line = number
        self.in_ref = True
        self.access_yes_col = None

    def _role_map(self, width: int) -> dict[int, Role]:
        if self.roles:
            return {
                i: (Role.MODALITY if r is Role.EVALUATION else r) for i, r in self.roles.items()
            }
        # No header seen: the usual layouts by width.
        layouts = {
            2: [Role.COMPETENCE, Role.MODALITY],
            3: [Role.COMPETENCE, Role.MODALITY, Role.CRITERIA],
            4: [Role.ACTIVITY, Role.COMPETENCE, Role.MODALITY, Role.CRITERIA],
        }
        return dict(enumerate(layouts.get(width, [Role.COMPETENCE])))

    # -- table rows ------------------------------------------------------------------------
    def _row(self, number: int, cells: list[str], texts: list[str]) -> None:
        starts_bloc = any(_BLOC_WORD.match(t) or _BLOC_CODE.match(t) for t in texts if t)
        if not self.in_ref and not starts_bloc:
            self._meta_row(number, texts)
            return
        self.in_ref = True
        roles = self._role_map(len(cells))
        for index, cell in enumerate(cells):
            if texts[index]:
                self._cell(number, roles.get(index, Role.NONE), cell)

    def _cell(self, number: int, role: Role, raw: str) -> None:
        if role in (Role.BLOC, Role.ACTIVITY):
            self._bloc_cell(number, role, raw)
        elif role is Role.COMPETENCE:
            self._competence_cell(number, raw)
        elif role is Role.MODALITY:
            self._modality_cell(number, raw)
        elif role is Role.CRITERIA:
            self._criteria(number, raw, from_cell=True)

    def _bloc_cell(self, number: int, role: Role, raw: str) -> None:
        """Column of blocs and/or activities: headings, activity codes, titles."""
        for index, (fragment, _in_li) in enumerate(_fragments(raw)):
            text = _clean(fragment)
            head, items = _split_bullets(text)
            if not head:
                # Sub-tasks of an activity: kept out of the draft, but a page break may cut them.
                self._sink(number, role, items)
                continue
            if self._try_bloc_heading(number, head):
                continue
            if (match := _ACTIVITY_AT.match(head)) and self.bloc:
                self._new_activity(
                    number, match.group("num") or match.group("num2"), match.group("rest")
                )
            elif _starts_lower(head) and index == 0:
                self._continue(number, head, role_hint=role, raw=fragment)
            elif (
                (bloc := self._ensure_bloc(number))
                and not bloc.draft.title
                and not bloc.has_content()
            ):
                bloc.draft.title = head.rstrip(" :")
                self._register(Role.BLOC, bloc.draft, "title", number)
            elif role is Role.ACTIVITY:
                self._new_activity(number, None, head)
            else:
                self._append_title(number, head)
            self._sink(number, role, items)

    def _competence_cell(self, number: int, raw: str) -> None:
        pieces: list[str] = []
        for fragment, _in_li in _fragments(raw):
            pieces += [p for p in _INLINE_COMPETENCE.split(fragment) if _clean(p)]
        for index, fragment in enumerate(pieces):
            text = _clean(fragment)
            if self._try_bloc_heading(number, text):
                continue
            if match := _COMPETENCE_AT.match(text):
                self._new_competence(number, match.group("code"), fragment)
            elif _starts_lower(text) or (index == 0 and self._is_cut_bold(fragment)):
                self._continue(number, text, role_hint=Role.COMPETENCE, raw=fragment)
            elif (
                (bloc := self._ensure_bloc(number))
                and not bloc.draft.title
                and not bloc.has_content()
            ):
                bloc.draft.title = text.rstrip(" :")
                self._register(Role.BLOC, bloc.draft, "title", number)
            elif bloc.draft.competences and bloc.draft.competences[-1].code:
                # Prose under a coded compétence: more of its description.
                last = bloc.draft.competences[-1]
                last.description = _join(last.description, text)
                self._register(Role.COMPETENCE, last, "description", number)
            else:
                self._new_competence(number, "", fragment)

    @staticmethod
    def _is_cut_bold(fragment: str) -> bool:
        # "<b>entreprise</b> - Cette compétence…": the end of a bold title cut by a page break.
        match = re.match(r"\s*<(b|strong)>(.*?)</\1>", fragment, re.S | re.I)
        return bool(match) and _starts_lower(_clean(match.group(2)))

    # -- blocs, activities, compétences ----------------------------------------------------
    def _try_bloc_heading(self, number: int, text: str) -> bool:
        match = _BLOC_CODE.match(text) or _BLOC_WORD.match(text)
        if not match:
            return False
        title = match.group("title").strip(" :-–")
        if len(title) > 400:
            return False
        code = ""
        if "rncp" in match.groupdict() and match.group(0).lstrip()[:2].upper() in ("RN", "BC"):
            rncp = _norm_code(match.group("rncp") or "")
            code = f"{rncp}BC{int(match.group('num')):02d}"
        self._new_bloc(number, int(match.group("num")), code, title)
        return True

    def _new_bloc(self, number: int, num: int, code: str, title: str) -> _Bloc:
        ref = f"bloc{len(self.blocs) + 1}"
        bloc = _Bloc(BlocDraft(ref=ref, code=code, title=title), number=num)
        self.blocs.append(bloc)
        self.draft.blocs.append(bloc.draft)
        self.paras = []
        self.pointer = None
        self.in_ref = True
        self.last_role = Role.BLOC
        if title:
            self._register(Role.BLOC, bloc.draft, "title", number)
        return bloc

    def _ensure_bloc(self, number: int) -> _Bloc:
        if self.bloc is None:
            self.draft.warn("Contenu avant le premier bloc : un bloc a été créé", f"ligne {number}")
            return self._new_bloc(number, 1, "", "")
        return self.bloc

    def _append_title(self, number: int, text: str) -> None:
        bloc = self._ensure_bloc(number)
        bloc.draft.title = _join(bloc.draft.title, text)

    def _new_activity(self, number: int, num: str | None, title: str) -> None:
        bloc = self._ensure_bloc(number)
        code = f"A{_norm_code(num)}" if num else ""
        ref = self._unique_ref(code, f"{bloc.draft.ref}-a{len(bloc.draft.activities) + 1}")
        activity = ActivityDraft(ref=ref, code=code, title=_clean(title).rstrip(" :"))
        bloc.draft.activities.append(activity)
        bloc.activity, bloc.activity_line = activity, number
        bloc.row_activities[number] = bloc.row_activities.get(number, 0) + 1
        self._register(Role.ACTIVITY, activity, "title", number)
        self.last_role = Role.ACTIVITY

    def _new_competence(self, number: int, raw_code: str, fragment: str) -> None:
        bloc = self._ensure_bloc(number)
        code = _norm_code(raw_code) if raw_code else ""
        title, description = _title_and_description(fragment)
        ref = self._unique_ref(code, f"{bloc.draft.ref}-c{len(bloc.draft.competences) + 1}")
        if code and ref != code:
            self.draft.warn(f"Code de compétence {code} en double", f"ligne {number}")
        if not code:
            self.draft.warn("Compétence sans code : à compléter", f"ligne {number}")
        competence = CompetenceDraft(ref=ref, code=code, title=title, description=description)
        # An activity stated on the same row as several others is ambiguous: no link.
        if bloc.activity and bloc.row_activities.get(bloc.activity_line, 0) == 1:
            competence.activity_ref = bloc.activity.ref
        bloc.draft.competences.append(competence)
        bloc.competence_lines.append((number, competence))
        self._register(
            Role.COMPETENCE, competence, "description" if description else "title", number
        )
        self.last_role = Role.COMPETENCE

    def _unique_ref(self, code: str, fallback: str) -> str:
        taken = {a.ref for a in self.draft.activities()} | {c.ref for c in self.draft.competences()}
        taken |= {m.draft.ref for m in self.modalities}
        if code and code not in taken:
            return code
        ref, n = fallback, 1
        while ref in taken:
            n += 1
            ref = f"{fallback}-{n}"
        return ref

    # -- épreuves (modalités) ----------------------------------------------------------------
    def _modality_cell(self, number: int, raw: str) -> None:
        for index, (fragment, in_li) in enumerate(_fragments(raw)):
            heading = _modality_heading(fragment, first=index == 0 and not in_li)
            if heading is not None:
                self._new_modality(number, *heading, fragment=fragment)
            elif self._current_modality() is None and not _starts_lower(_clean(fragment)):
                # A row that states an épreuve without a recognisable title is still one.
                text = _clean(fragment)
                self._new_modality(number, "", text[:120].rstrip(" :"), text, fragment=fragment)
            else:
                self._modality_text(number, _clean(fragment))

    def _current_modality(self) -> _Modality | None:
        bloc = self.bloc
        if bloc is None:
            return None
        return bloc.modalities[-1][1] if bloc.modalities else None

    def _new_modality(
        self, number: int, code: str, title: str, rest: str, *, fragment: str
    ) -> None:
        bloc = self._ensure_bloc(number)
        codes = _codes_in(_clean(fragment))
        if code and code in self.by_code:
            modality = self.by_code[code]
            modality.locked = True
        else:
            ref = self._unique_ref(code, f"{bloc.draft.ref}-m{len(bloc.modalities) + 1}")
            draft = ModalityDraft(ref=ref, code=code, title=title.strip(" :.-–") or code)
            modality = _Modality(draft)
            self.modalities.append(modality)
            if code:
                self.by_code[code] = modality
            if rest:
                modality.parts.append(rest)
                self._register(Role.MODALITY, modality.parts, len(modality.parts) - 1, number)
        modality.codes += codes
        if bloc.draft.ref not in modality.draft.bloc_refs:
            modality.draft.bloc_refs.append(bloc.draft.ref)
        bloc.modalities.append((number, modality))
        self.last_role = Role.MODALITY

    def _modality_text(self, number: int, text: str) -> None:
        modality = self._current_modality()
        if modality is None:
            self._new_modality(number, "", text[:120], text, fragment=text)
            return
        modality.codes += _codes_in(text)
        self.last_role = Role.MODALITY
        if modality.locked or _ONLY_CODES.fullmatch(text):
            return  # known text, or a bare list of the compétences it evaluates
        if _starts_lower(text) and modality.parts and not _terminated(modality.parts[-1]):
            modality.parts[-1] = _join(modality.parts[-1], text)
            return
        modality.parts.append(text)
        self._register(Role.MODALITY, modality.parts, len(modality.parts) - 1, number)

    # -- critères --------------------------------------------------------------------------
    def _criteria(self, number: int, raw: str, *, from_cell: bool) -> None:
        bloc = self._ensure_bloc(number)
        cut, items = _criteria_items(raw)
        if cut:
            self._continue(number, cut, role_hint=Role.CRITERIA, raw=cut)
        if not items:
            return
        # A cell that starts a new list is a new group; a bullet left after the table, or a
        # cell that only finishes the previous one, extends the group it belongs to.
        if (from_cell and not cut) or not bloc.groups:
            bloc.groups.append(_Group(number))
        group = bloc.groups[-1]
        for text in items:
            criterion = CriterionDraft(text=text)
            group.criteria.append(criterion)
            bloc.draft.criteria.append(criterion)
            self._register(Role.CRITERIA, criterion, "text", number)
        self.last_role = Role.CRITERIA

    # -- paragraphs and page-break continuations --------------------------------------------
    def _register(self, role: Role, obj: object, key: str | int, number: int) -> None:
        para = _Para(role, obj, key, number)
        self.paras.append(para)
        self.history.append(para)
        del self.history[:-300]

    def _sink(self, number: int, role: Role, items: list[str]) -> None:
        """Keep text the draft has no field for as a paragraph, so that its cut end is found."""
        if items:
            self._register(role, [items[-1]], 0, number)

    def _usually_terminated(self, role: Role) -> bool:
        # List items rarely end with a full stop even where sentences do: leave them out.
        texts = [p.get() for p in self.history if p.role is role]
        texts = [t for t in texts if t and not _LEAD_BULLET.match(t)]
        return len(texts) >= 2 and sum(_terminated(t) for t in texts) * 10 >= len(texts) * 6

    def _continue(self, number: int, text: str, *, role_hint: Role | None, raw: str) -> None:
        """Attach text cut off by a page break to the paragraph it completes.

        The candidates are the current bloc's unfinished paragraphs (restricted to the column
        when the text sits in a known column). The surest cut wins: a paragraph ending on "des",
        then one lacking the full stop its column's paragraphs usually have, then any one
        lacking a full stop; ties go by page order: the halves come back in
        column order, so the column after the last one continued comes first, then the oldest.
        """
        candidates = [p for p in self.paras if role_hint is None or p.role is role_hint]
        scored: list[tuple[int, int, int, _Para]] = []
        terminated_roles: dict[Role, bool] = {}
        for order, para in enumerate(candidates):
            score = _cut_score(para.get()) * 2
            if score == 2:
                if para.role not in terminated_roles:
                    terminated_roles[para.role] = self._usually_terminated(para.role)
                score += terminated_roles[para.role]
            if score == 0:
                continue
            after = 0 if self.pointer is None or para.role > self.pointer else 1
            scored.append((-score, after, order, para))
        if scored:
            target = min(scored, key=lambda item: item[:3])[3]
        elif role_hint is not None and candidates:
            target = candidates[-1]
        elif self.paras:
            target = self.paras[-1]
        else:
            self.draft.warn(f"Texte isolé ignoré : « {text[:60]} »", f"ligne {number}")
            return
        self._apply_continuation(number, target, text, raw)

    def _apply_continuation(self, number: int, target: _Para, text: str, raw: str) -> None:
        obj = target.obj
        if isinstance(obj, CompetenceDraft) and target.key == "title" and not obj.description:
            # The cut fell in the title: "<b>entreprise</b> - Cette compétence…"
            bold, rest = _title_and_description(raw)
            if rest:
                obj.title = _join(obj.title, bold)
                obj.description = rest
                self._register(Role.COMPETENCE, obj, "description", number)
                self.pointer = target.role
                self.last_role = target.role
                return
        target.put(_join(target.get(), text))
        self.pointer = target.role
        self.last_role = target.role

    # -- free lines (no tab) -----------------------------------------------------------------
    def _free(self, number: int, raw: str) -> None:
        self.access_yes_col = None  # a line of prose ends any Oui/Non table
        text = _clean(raw)
        level, heading = _strip_md_heading(text)
        if self._scale_line(heading):
            return
        if self._try_bloc_heading(number, heading):
            return
        if level and level <= 2:
            self.in_ref = False
            self._meta_line(number, heading, level=level)
            return
        if not self.in_ref:
            self._meta_line(number, heading, level=level)
            return
        self._ref_line(number, raw, heading, level)

    def _ref_line(self, number: int, raw: str, text: str, level: int) -> None:
        """A line of its own inside the référentiel: a cut cell half, or a whole item."""
        bloc = self._ensure_bloc(number)
        if match := _COMPETENCE_AT.match(text):
            self._new_competence(number, match.group("code"), raw)
        elif (match := _ACTIVITY_AT.match(text)) and not _LEAD_BULLET.match(text):
            self._new_activity(
                number, match.group("num") or match.group("num2"), match.group("rest")
            )
        elif (heading := _free_modality_heading(raw, text, level)) is not None:
            # Outside the table the épreuve no longer sits beside its compétences: it is the
            # bloc's, not the next rows'.
            bloc.free_rows.add(number)
            self._new_modality(number, *heading, fragment=raw)
        elif _LEAD_BULLET.match(text):
            self._free_bullet(number, raw, text)
        elif _starts_lower(text):
            self._continue(number, text, role_hint=None, raw=raw)
        elif not bloc.draft.title and not bloc.has_content():
            bloc.draft.title = text.rstrip(" :")
            self._register(Role.BLOC, bloc.draft, "title", number)
            self.last_role = Role.BLOC
        elif self.last_role is Role.MODALITY:
            self._modality_text(number, text)
        else:
            # Prose after the tables: the référentiel is over.
            self.in_ref = False
            self._meta_line(number, text, level=level)

    def _free_bullet(self, number: int, raw: str, text: str) -> None:
        """A bullet alone on its line belongs to the list it follows: criteria or épreuve."""
        item = _LEAD_BULLET.sub("", text, count=1).strip()
        if not item:
            return
        if self.last_role is Role.CRITERIA:
            self._criteria(number, raw, from_cell=False)
        elif self.last_role in (Role.MODALITY, Role.COMPETENCE) and self._current_modality():
            self._modality_text(number, f"- {item}")
        elif self.last_role is Role.BLOC or self.last_role is Role.ACTIVITY:
            self._sink(number, self.last_role, [item])
        else:
            self.in_ref = False
            self._meta_line(number, text, level=0)

    # -- the fiche's facts -----------------------------------------------------------------
    def _meta_row(self, number: int, texts: list[str]) -> None:
        filled = [t for t in texts if t]
        lowered = [t.lower() for t in texts]
        if "oui" in lowered and "non" in lowered:
            self.access_yes_col = lowered.index("oui")
            return
        if self.access_yes_col is not None and len(texts) > self.access_yes_col:
            if texts[self.access_yes_col].strip().upper() == "X" and texts[0]:
                self._access_route(texts[0])
            return
        self._meta_line(number, " : ".join(filled), level=0)

    def _access_route(self, label: str) -> None:
        routes = self.draft.certification.access_routes
        for route, pattern in _ROUTES:
            if pattern.search(label):
                if route not in routes:
                    routes.append(route)
                return

    def _scale_line(self, text: str) -> bool:
        match = _SCALE_LINE.match(text)
        if not match or len(match.group(2)) > 300:
            return False
        self.scale[int(match.group(1))] = match.group(2).strip(" ;.")
        return True

    def _meta_line(self, number: int, text: str, *, level: int) -> None:
        cert = self.draft.certification
        if not text:
            return
        bullet = bool(_LEAD_BULLET.match(text))
        item = _LEAD_BULLET.sub("", text, count=1).strip()
        if self._section_line(item, bullet, level):
            return
        if self.requirements_open and bullet:
            self._requirement(number, item)
            return
        self.requirements_open = bool(_REQUIREMENTS_INTRO.search(text)) and text.endswith(":")
        self._title_line(text, level)
        if self.description_next and not level and len(text) > 80 and not cert.description:
            cert.description = text
        self.description_next = bool(
            re.search(r"description|objectifs|r[ée]sum[ée]", text, re.I)
        ) and (bool(level) or text.endswith(":"))
        self._facts(text)

    def _section_line(self, item: str, bullet: bool, level: int) -> bool:
        """NSF, formacode and ROME codes are listed under their own label."""
        for name, label, _code in _SECTIONS:
            if label.search(item) and not bullet:
                self.meta_section = name
                self._section_codes(name, item.split(":", 1)[1] if ":" in item else "")
                return True
        if self.meta_section and bullet:
            self._section_codes(self.meta_section, item)
            return True
        self.meta_section = None
        return False

    def _section_codes(self, name: str, text: str) -> None:
        pattern = next(code for n, _label, code in _SECTIONS if n == name)
        cert = self.draft.certification
        target = {"nsf": cert.nsf_codes, "formacode": cert.formacodes, "rome": cert.rome_codes}[
            name
        ]
        for chunk in re.split(r"[,;]", text):
            if (match := pattern.match(chunk.strip())) and match.group(1) not in target:
                target.append(match.group(1))

    def _title_line(self, text: str, level: int) -> None:
        cert = self.draft.certification
        if cert.title or self.blocs:
            return
        if level == 1:
            cert.title = text
        elif (
            match := re.match(
                r"^r[ée]f[ée]rentiel\s+(?!d[e'’]\s|d['’]|des\s|du\s)(.{5,200})$", text, re.I
            )
        ) or (
            match := re.match(
                r"^intitul[ée](?:\s+de\s+la\s+certification)?\s*:\s*(.{5,200})$", text, re.I
            )
        ):
            cert.title = match.group(1).strip()

    def _facts(self, text: str) -> None:
        cert = self.draft.certification
        lowered = text.lower()
        if not cert.code and (match := _RNCP.search(text)):
            cert.code = f"RNCP{match.group(1)}"
        if cert.level is None and (match := _LEVEL.search(text)):
            cert.level = int(match.group(1))
        if cert.eqf_level is None and (match := _EQF.search(text)):
            cert.eqf_level = int(match.group(1))
        if lowered in ("active", "inactive"):
            cert.active = lowered == "active"
        self._dates(lowered, text)
        if _ACCOMMODATION.search(text) and re.search(
            r"[ée]valuation|[ée]preuve|examen", text, re.I
        ):
            cert.accommodations_available = True
        if re.search(
            r"\bpar\s+(?:la\s+)?VAE\b|validation\s+des\s+acquis\s+de\s+l'exp[ée]rience", text, re.I
        ):
            self.vae_in_text = True
        for match in _BLOC_STATEMENT.finditer(text):
            first = int(match.group(1))
            self.bloc_statements.append((first, int(match.group(2) or first), text))
        if re.search(
            r"\bne\s+peu(?:t|vent)\s+pas\s+[êe]tre\s+(?:d[ée]livr|valid|certifi)", lowered
        ):
            for bloc in self.blocs:
                bloc.draft.certifiable_alone = False

    def _dates(self, lowered: str, text: str) -> None:
        cert = self.draft.certification
        when = _parse_date(text)
        if when is None:
            if (match := re.search(r"dur[ée]e\s+de\s+l'enregistrement.*?(\d{1,2})", lowered)) and (
                cert.registration_date and not cert.registration_end_date
            ):
                years = int(match.group(1))
                start = cert.registration_date
                cert.registration_end_date = (
                    start.replace(year=start.year + years)
                    if (start.month, start.day) != (2, 29)
                    else start + timedelta(days=365 * years)
                )
            return
        if re.search(
            r"date\s+(?:de\s+(?:la\s+)?)?d[ée]cision|date\s+d'enregistrement|publication", lowered
        ):
            cert.registration_date = cert.registration_date or when
        elif re.search(r"[ée]ch[ée]ance|fin\s+d'enregistrement", lowered):
            cert.registration_end_date = cert.registration_end_date or when
        elif re.search(r"limite\s+de\s+d[ée]livrance", lowered):
            cert.last_issuing_date = cert.last_issuing_date or when

    def _requirement(self, number: int, item: str) -> None:
        cert = self.draft.certification
        if _ACCOMMODATION.search(item):
            cert.accommodations_available = True
            return
        if match := _ALL_BLOCS.search(item):
            # "La validation des 6 blocs": what every certification requires anyway.
            stated = int(match.group(1)) if match.group(1) else None
            if stated is not None and self.blocs and stated != len(self.blocs):
                self.draft.warn(
                    f"Le document exige {stated} blocs mais {len(self.blocs)} ont été reconnus",
                    f"ligne {number}",
                )
            return
        label = item.split(":", 1)[0].strip() if ":" in item[:120] else item[:120]
        cert.requirements.append(RequirementDraft(label=label.rstrip(" ."), description=item))

    # -- the end: links that only positions state ------------------------------------------
    def _finish(self) -> None:
        cert = self.draft.certification
        for bloc in self.blocs:
            self._link_bloc(bloc)
        self._inherit_modalities()
        for modality in self.modalities:
            self._finish_modality(modality)
        self.draft.modalities = [m.draft for m in self.modalities]
        if self.scale:
            self._build_scale()
        for first, last, text in self.bloc_statements:
            for bloc in self.blocs:
                if first <= bloc.number <= last and not bloc.draft.assessment_text:
                    bloc.draft.assessment_text = text
        if self.vae_in_text and "vae" not in cert.access_routes:
            cert.access_routes.append("vae")
        if cert.level is not None and cert.eqf_level is None and 3 <= cert.level <= 8:
            cert.eqf_level = cert.level  # the French levels 3–8 are the EQF levels since 2019
        self._codes_from_blocs()
        self._warnings()

    def _codes_from_blocs(self) -> None:
        cert = self.draft.certification
        for bloc in self.blocs:
            match = re.match(r"(RNCP\d+)BC", bloc.draft.code)
            if match and not cert.code:
                cert.code = match.group(1)
            if bloc.draft.code.startswith("BC") and cert.code:
                bloc.draft.code = f"{cert.code}{bloc.draft.code}"

    def _code_map(self) -> dict[str, str]:
        return {c.code: c.ref for c in self.draft.competences() if c.code}

    def _link_bloc(self, bloc: _Bloc) -> None:
        """Criteria beside compétence rows evaluate the compétences of those rows."""
        codes = self._code_map()
        groups = bloc.groups
        for index, group in enumerate(groups):
            end = groups[index + 1].line if index + 1 < len(groups) else 10**9
            span = [c.ref for line, c in bloc.competence_lines if group.line <= line < end]
            if not span:
                before = [c.ref for line, c in bloc.competence_lines if line <= group.line]
                span = before[-1:]
            modality = self._modality_at(bloc, group.line)
            for criterion in group.criteria:
                named = [codes[c] for c in _codes_in(criterion.text) if c in codes]
                criterion.competence_refs = named or list(span)
                criterion.modality_ref = modality.draft.ref if modality else None

    @staticmethod
    def _modality_at(bloc: _Bloc, line: int) -> _Modality | None:
        stated = [(n, m) for n, m in bloc.modalities if n <= line]
        if not stated:
            return bloc.inherited
        last_line = stated[-1][0]
        same_row = {id(m) for n, m in stated if n == last_line}
        return stated[-1][1] if len(same_row) == 1 else None  # two épreuves on one row: unsure

    def _inherit_modalities(self) -> None:
        """A bloc that states no épreuve is assessed by the one stated just before it (the
        épreuve column of these tables often spans several blocs)."""
        previous: _Modality | None = None
        for bloc in self.blocs:
            if bloc.modalities:
                previous = bloc.modalities[-1][1]
                continue
            if previous is None or not bloc.draft.competences:
                continue
            bloc.inherited = previous
            previous.draft.bloc_refs.append(bloc.draft.ref)
            previous.draft.competence_refs += [c.ref for c in bloc.draft.competences]
            for criterion in bloc.draft.criteria:
                criterion.modality_ref = criterion.modality_ref or previous.draft.ref
            self.draft.warn(
                f"Aucune épreuve indiquée pour le bloc « {bloc.draft.title[:60]} » : "
                f"rattaché à l'épreuve « {previous.draft.title[:60]} », à vérifier",
                bloc.draft.ref,
            )

    def _finish_modality(self, modality: _Modality) -> None:
        draft = modality.draft
        codes = self._code_map()
        refs = list(draft.competence_refs)
        for bloc in self.blocs:
            rows = [n for n, m in bloc.modalities if m is modality]
            for row in rows:
                refs += self._modality_span(bloc, row)
        refs += [codes[c] for c in modality.codes if c in codes]
        order = {c.ref: i for i, c in enumerate(self.draft.competences())}
        draft.competence_refs = sorted(dict.fromkeys(refs), key=lambda r: order.get(r, 0))
        self._describe(modality)

    @staticmethod
    def _modality_span(bloc: _Bloc, row: int) -> list[str]:
        if row in bloc.free_rows:
            return [c.ref for c in bloc.draft.competences]
        later = [n for n, _m in bloc.modalities if n > row]
        end = later[0] if later else 10**9
        span = [c.ref for line, c in bloc.competence_lines if row <= line < end]
        return span or [c.ref for c in bloc.draft.competences]

    @staticmethod
    def _describe(modality: _Modality) -> None:
        """Sort the épreuve's text into what the candidate does, hands in, and for how long."""
        draft = modality.draft
        does: list[str] = []
        hands_in: list[str] = []
        for part in modality.parts:
            label = re.match(
                r"^\s*ce\s+que\s+(?:le\s+candidat\s+)?doit\s+(\w+)[^:]{0,30}:\s*", part, re.I
            )
            if label and label.group(1).lower() in ("restituer", "rendre", "produire", "remettre"):
                hands_in.append(part[label.end() :])
            elif label:
                does.append(part[label.end() :])
            elif m := re.match(r"^\s*livrables?\s*:\s*", part, re.I):
                hands_in.append(part[m.end() :])
            else:
                does.append(part)
        draft.description = "\n".join(t for t in does if t)
        draft.deliverables = "\n".join(t for t in hands_in if t)
        everything = " ".join([draft.title, *modality.parts])
        draft.kind = _modality_kind(draft.title)
        if draft.kind is ModalityKind.OTHER:
            draft.kind = _modality_kind(everything)
        draft.team = bool(_TEAM.search(everything))
        minutes, spans = 0, []
        for match in _DURATION.finditer(everything):
            if match.group("m"):
                minutes += int(match.group("m"))
            else:
                minutes += int(match.group("h")) * 60 + int(match.group("hm") or 0)
            before = everything[max(0, match.start() - 40) : match.start()].split()[-2:]
            spans.append(" ".join([*before, match.group(0)]))
        if minutes:
            draft.duration_minutes = minutes
            draft.duration_text = " + ".join(spans)

    def _build_scale(self) -> None:
        levels = []
        for number in sorted(self.scale):
            text = self.scale[number]
            label = re.split(r"\s+[-–]\s+", text, maxsplit=1)[0]
            tail = re.search(r"\(([^)]*)\)\s*$", text)
            if tail and tail.group(0) not in label:
                label = f"{label} ({tail.group(1)})"
            levels.append(LevelDraft(number, label, text, _outcome(number, text)))
        if len(levels) >= 2:
            self.draft.scale = ScaleDraft(name=f"Échelle à {len(levels)} niveaux", levels=levels)

    def _warnings(self) -> None:
        # A missing certification code or title is reported by the shared validation.
        uncoded = [b for b in self.blocs if not b.draft.code]
        if uncoded:
            self.draft.warn(f"Code absent pour {len(uncoded)} bloc(s) : à compléter")
        for bloc in self.blocs:
            if not bloc.draft.competences:
                self.draft.warn(
                    "Bloc sans compétence", f"{bloc.draft.ref} « {bloc.draft.title[:60]} »"
                )
            if not bloc.draft.title:
                self.draft.warn("Bloc sans intitulé : à compléter", bloc.draft.ref)
        if not self.draft.criteria():
            self.draft.warn("Aucun critère d'évaluation dans le document : à compléter")
        if not self.modalities:
            self.draft.warn("Aucune modalité d'évaluation reconnue : à compléter")


# -- fragment readers --------------------------------------------------------------------


def _split_bullets(text: str) -> tuple[str, list[str]]:
    parts = _BULLET.split(text)
    return parts[0].strip(), [p.strip() for p in parts[1:] if p.strip()]


def _title_and_description(fragment: str) -> tuple[str, str]:
    """ "<b>C1 - Title</b> - Description" → (Title, Description); plain text is all title."""
    match = re.match(r"\s*<(b|strong)>(.*?)</\1>(.*)$", fragment, re.S | re.I)
    if match:
        title, rest = _clean(match.group(2)), _clean(match.group(3))
    else:
        title, rest = _clean(fragment), ""
    if code := _COMPETENCE_AT.match(title):
        title = code.group("rest")
    title = title.strip(" -–:").strip()
    return title, re.sub(r"^[\s\-–:]+", "", rest).strip()


def _criteria_items(raw: str) -> tuple[str, list[str]]:
    """(text that finishes the previous criterion, the new criteria) of a criteria cell."""
    cut = ""
    items: list[str] = []
    for position, (fragment, in_li) in enumerate(_fragments(raw)):
        head, bullets = _split_bullets(_clean(fragment))
        if head and in_li:
            bullets.insert(0, head)
        elif head and position == 0 and _starts_lower(head):
            cut = head  # the end of a criterion cut by a page break
        elif head and items and _starts_lower(head):
            items[-1] = _join(items[-1], head)
        elif head and not head.endswith(":"):
            items.append(head)
        for bullet in bullets:
            # "… est - réalisée": a hyphen taken for a bullet inside an upper-case list.
            if items and _starts_lower(bullet) and _starts_upper(items[-1]):
                items[-1] = _join(items[-1], bullet)
            else:
                items.append(bullet)
    return cut, [i for i in items if not i.endswith(":")]


def _modality_heading(fragment: str, *, first: bool) -> tuple[str, str, str] | None:
    """(code, title, rest) when a cell fragment opens an épreuve, else None."""
    text = _clean(fragment)
    if not text or _starts_lower(text):
        return None
    if match := _MODALITY_CODE.match(text):
        code = f"E{match.group('num') or match.group('num2')}"
        title, rest = _code_title(match.group("rest"), fragment)
        return code, title, rest
    without_prefix = (
        _EVAL_PREFIX.sub("", fragment, count=1) if _EVAL_PREFIX.match(text) else fragment
    )
    underlined = re.match(r"\s*<u>(.*?)</u>\s*:?\s*(.*)$", without_prefix, re.S | re.I)
    if underlined:
        title = _clean(underlined.group(1)).rstrip(" :")
        if title and not _FIELD_LABEL.match(title):
            return "", title, _clean(underlined.group(2)).lstrip(": ")
        return None
    plain = _clean(without_prefix)
    if first and _MODALITY_START.match(plain) and not _FIELD_LABEL.match(plain):
        return ("", *_keyword_title(plain))
    return None


def _free_modality_heading(raw: str, text: str, level: int) -> tuple[str, str, str] | None:
    """A line of its own opens an épreuve when it is a heading naming one, or a short title."""
    if level >= 3:
        return "", text.rstrip(" :"), ""  # a sub-heading inside a bloc names its épreuves
    if _LEAD_BULLET.match(text) or _starts_lower(text):
        return None
    if _MODALITY_CODE.match(text) or re.match(r"\s*<u>", raw):
        return _modality_heading(raw, first=True)
    if (
        _MODALITY_START.match(text)
        and len(text) <= 100
        and not text.rstrip().endswith((*_TERMINAL, ","))
    ):
        return "", text.strip(), ""
    return None


def _code_title(rest_text: str, fragment: str) -> tuple[str, str]:
    """Title of a coded épreuve: its bold part, else its first sentence."""
    bold = re.search(r"<(b|strong)>(.*?)</\1>", fragment, re.S | re.I)
    if bold:
        title = _clean(bold.group(2))
        title = _MODALITY_CODE.sub(lambda m: m.group("rest"), title, count=1)
        after = _clean(fragment[bold.end() :])
        return title.strip(" .:-–"), after
    sentence = re.match(r"(.{3,200}?[.:])(?:\s|$)(.*)$", rest_text, re.S)
    if sentence:
        return sentence.group(1).rstrip(".: "), sentence.group(2).strip()
    return rest_text[:200], rest_text[200:]


def _keyword_title(text: str) -> tuple[str, str]:
    """ "Etude de cas pratique 1 : A partir…" → title before the colon; "Etude de cas Le/la
    candidat(e)…" → the words up to the first capitalised one."""
    colon = text.find(":")
    if 0 < colon <= 150:
        return text[:colon].strip(), text[colon + 1 :].strip()
    keyword = _MODALITY_START.match(text)
    end = keyword.end() if keyword else 0
    words = text[end:].split(" ")
    taken = 0
    for word in words:
        if word and (word[0].isupper() or len(text[: end + taken]) > 120):
            break
        taken += len(word) + 1
    cut = end + taken
    return text[:cut].strip(" ,"), text[cut:].strip()


def _outcome(number: int, text: str) -> LevelOutcome:
    lowered = text.lower()
    if "rattrapage" in lowered or "non acquis" in lowered:
        return LevelOutcome.RATTRAPAGE
    if "voie de" in lowered or "complément" in lowered or "en cours" in lowered:
        return LevelOutcome.COMPLEMENT
    if "validée" in lowered or "acquise" in lowered:
        return LevelOutcome.ACQUIRED
    return {3: LevelOutcome.COMPLEMENT, 4: LevelOutcome.RATTRAPAGE}.get(
        number, LevelOutcome.ACQUIRED
    )


# -- entry point -----------------------------------------------------------------------------


def _decode(raw: bytes) -> tuple[str, bool]:
    """Text of the file and whether it had to be read as Windows-1252."""
    if not raw.strip():
        raise ImportFormatError("Le fichier est vide.", "ligne 1")
    if len(raw) > MAX_BYTES:
        raise ImportFormatError(
            "Fichier trop volumineux pour un référentiel (plus de 20 Mo).", "ligne 1"
        )
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), False
        except UnicodeDecodeError as exc:
            raise ImportFormatError("Fichier UTF-16 illisible.", "ligne 1") from exc
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ImportFormatError("Fichier binaire : ce n'est pas un texte exporté.", f"ligne {line}")
    try:
        return raw.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), True
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFormatError(
            "Encodage illisible : ni UTF-8 ni Windows-1252.", f"ligne {line}"
        ) from exc


def _check_text(text: str) -> str:
    """Refuse binary data that happened to decode; drop stray control characters."""
    controls = [
        i
        for i, ch in enumerate(text)
        if unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\t\n\r\f"
    ]
    if len(controls) * 50 > len(text):
        line = text[: controls[0]].count("\n") + 1
        raise ImportFormatError("Fichier binaire : ce n'est pas un texte exporté.", f"ligne {line}")
    if controls:
        drop = set(controls)
        text = "".join(ch for i, ch in enumerate(text) if i not in drop)
    if not text.strip():
        raise ImportFormatError("Le fichier est vide.", "ligne 1")
    return text


def parse(source: BinaryIO, *, name: str = "") -> list[ReferentielDraft]:
    """Read one référentiel document (text export) into one draft.

    Raises ImportFormatError when nothing can be read; everything else that needs a look
    (missing code, guessed links) is a warning on the draft.
    """
    raw = source.read()
    if isinstance(raw, str):  # a text stream given by mistake: accept it
        raw = raw.encode("utf-8")
    text, fallback = _decode(raw)
    text = _check_text(text)
    parser = _Parser(text, name)
    if fallback:
        parser.draft.warn(
            "Fichier non encodé en UTF-8 : lu en Windows-1252, vérifiez les accents", "ligne 1"
        )
    try:
        return [parser.run()]
    except ImportFormatError:
        raise
    except RecursionError as exc:  # pragma: no cover - defensive
        raise ImportFormatError("Document trop imbriqué pour être lu.", "ligne 1") from exc
