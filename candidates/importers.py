"""Enrolment spreadsheet (CSV or XLSX, one row per candidate) → rows and per-row errors.

Pure Python, no database: every value is checked for its own form (a date, a code, an
access route). What needs the database (blocs of the session's référentiel, candidates
already known, the same person twice in the file) is checked by the service
``enrolment_import_preview``. A file that cannot be read at all, or lacks a required
column, raises ``ImportFormatError``; anything else is an error on its row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from accounts.spreadsheets import csv_bytes, xlsx_bytes
from accounts.tabular import TabularError, TabularLimits, read_table
from candidates.validators import is_insee_code
from certifications.errors import ImportFormatError

# Column key (English, as in the code) → French header of the template, then other
# accepted spellings. Headers are matched without case, accents, spaces or punctuation.
COLUMNS: dict[str, tuple[str, ...]] = {
    "birth_name": ("nom_naissance", "nom de naissance", "nom"),
    "usage_name": ("nom_usage", "nom d'usage"),
    "first_names": ("prenoms", "prénom", "prénom(s)"),
    "birth_date": ("date_naissance", "date de naissance"),
    "birth_commune": ("commune_naissance", "commune de naissance", "lieu de naissance"),
    "birth_insee_code": ("code_insee", "code INSEE commune de naissance", "insee"),
    "birth_country": ("pays_naissance", "pays de naissance"),
    "sex": ("sexe",),
    "email": ("email", "e-mail", "courriel", "adresse e-mail"),
    "phone": ("telephone", "téléphone", "tel"),
    "access_route": ("voie_acces", "voie d'accès"),
    "blocs": ("blocs", "blocs visés", "blocs vises"),
    "extra_time_percent": ("tiers_temps", "tiers-temps", "temps supplémentaire"),
    "technical_aids": ("aides_techniques", "aides techniques"),
    "other_accommodations": ("amenagements", "aménagements", "autres aménagements"),
    "jury_note": ("note_jury", "note pour le jury"),
    "acquired_blocs": ("blocs_acquis", "blocs acquis"),
    "acquired_on": ("date_acquisition", "date d'acquisition"),
    "acquisition_origin": ("origine_acquisition", "origine d'acquisition", "origine"),
    "language": ("langue", "langue des documents", "language"),
}
REQUIRED = ("birth_name", "first_names", "birth_date", "access_route")
# The work a file may ask for (docs/candidates.md): candidates (rows with something in
# them), rows read (empty ones included), columns read per row (the others are ignored).
MAX_ROWS = 2000
MAX_LINES = 10_000
MAX_COLUMNS = 60
# Archives that would inflate beyond 50 MB when openpyxl unpacks them are refused.
LIMITS = TabularLimits(max_rows=MAX_LINES, max_columns=MAX_COLUMNS,
                       max_unzipped=50 * 1024 * 1024)

_EXAMPLE_IDENTITIES = [
    ["Martin", "Durand", "Claire Anne", "14/02/1990", "Lyon", "69123", "", "F",
     "claire.durand@exemple.fr", "06 12 34 56 78", "formation continue"],
    ["Nguyen", "", "Minh", "1988-07-03", "", "", "Viêt Nam", "M", "minh.nguyen@exemple.fr",
     "", "VAE"],
]

_ROUTE_WORDS = {
    "formation_initiale": ("formation initiale", "initial training", "fi"),
    "apprentissage": ("apprentissage", "apprenticeship", "alternance"),
    "formation_continue": ("formation continue", "continuing education", "fc"),
    "contrat_pro": ("contrat de professionnalisation", "contrat pro",
                    "professionalisation contract"),
    "vae": ("vae", "validation des acquis de l'experience",
            "validation of prior experience (vae)"),
    "candidature_libre": ("candidature libre", "candidat libre", "independent candidate"),
    "equivalence": ("equivalence",),
}
_ORIGIN_WORDS = {
    "capitalisation": ("capitalisation", "capitalization", "session precedente"),
    "equivalence": ("equivalence",),
    "vae": ("vae", "validation des acquis de l'experience"),
}
_SEX_WORDS = {
    "F": ("f", "femme", "feminin", "female", "woman"),
    "M": ("m", "h", "homme", "masculin", "male", "man"),
}
_LANGUAGE_WORDS = {
    "fr": ("francais", "french"),
    "en": ("anglais", "english"),
}
ErrorFn = Callable[[str, str], None]
TextFn = Callable[[str], str]

_FRENCH_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?$")


@dataclass
class RowError:
    field: str  # the column key
    column: str  # the header as written in the file, to name it in the message
    message: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "column": self.column, "message": self.message}


@dataclass
class ParsedRow:
    number: int  # the line in the file (the header is usually line 1)
    values: dict[str, object]  # JSON-ready: strings, ints, lists of codes, ISO dates
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ParsedFile:
    rows: list[ParsedRow]
    headers: dict[str, str]  # column key → header as written in the file
    notes: list[str] = field(default_factory=list)


# -- templates -----------------------------------------------------------------------------
def template_headers() -> list[str]:
    return [headers[0] for headers in COLUMNS.values()]


def _example_rows(bloc_codes: Sequence[str]) -> list[list[str]]:
    """Two rows: whole certification with tiers-temps; chosen blocs with one acquired
    before (using the session's own bloc codes when it has at least two)."""
    chosen, acquired = ("; ".join(bloc_codes[1:3]), bloc_codes[0]) if len(bloc_codes) > 1 else (
        "", "")
    return [
        [*_EXAMPLE_IDENTITIES[0], "", "33", "", "Salle au rez-de-chaussée",
         "Tiers-temps à chaque épreuve", "", "", "", "fr"],
        [*_EXAMPLE_IDENTITIES[1], chosen, "", "", "", "", acquired,
         "15/06/2024" if acquired else "", "capitalisation" if acquired else "", "en"],
    ]


def template_csv(*, bloc_codes: Sequence[str] = ()) -> bytes:
    return csv_bytes([template_headers(), *_example_rows(bloc_codes)])


def template_xlsx(*, bloc_codes: Sequence[str] = ()) -> bytes:
    return xlsx_bytes([template_headers(), *_example_rows(bloc_codes)], title="Inscriptions")


# -- parsing -------------------------------------------------------------------------------
def parse(data: bytes) -> ParsedFile:
    """Read every row of the file; raise ImportFormatError only when it cannot be read."""
    try:
        table = read_table(data, LIMITS)
        columns: dict[str, int] | None = None
        headers: dict[str, str] = {}
        rows: list[ParsedRow] = []
        for number, cells in table.rows:
            if not any(cells):
                continue
            if columns is None:
                columns = _map_header(cells, number)
                headers = {key: cells[index] for key, index in columns.items()}
                continue
            if len(rows) == MAX_ROWS:
                raise ImportFormatError(
                    _("The file has more than %(max)d rows: split it.") % {"max": MAX_ROWS}
                )
            raw = {key: cells[index] if index < len(cells) else ""
                   for key, index in columns.items()}
            rows.append(parse_row(number, raw, headers))
    except TabularError as exc:
        raise ImportFormatError(exc.message) from exc
    if columns is None:
        raise ImportFormatError(_("No header row was found."))
    if not rows:
        raise ImportFormatError(_("The file has no row under its header."))
    return ParsedFile(rows=rows, headers=headers, notes=table.notes)


def parse_row(number: int, raw: dict[str, str], headers: dict[str, str]) -> ParsedRow:
    """Check one row's values for their own form."""
    row = ParsedRow(number=number, values={})

    def error(key: str, message: str) -> None:
        row.errors.append(RowError(key, headers.get(key, key), message))

    def text(key: str) -> str:
        return " ".join(raw.get(key, "").split())

    for key in ("birth_name", "usage_name", "first_names", "birth_commune", "birth_country",
                "phone"):
        row.values[key] = text(key)
    for key in ("technical_aids", "other_accommodations", "jury_note"):
        row.values[key] = raw.get(key, "").strip()
    for key in ("birth_name", "first_names"):
        if not row.values[key]:
            error(key, _("Required."))
    row.values["birth_date"] = _date_value(text("birth_date"), "birth_date", error, required=True)
    row.values["birth_insee_code"] = _insee_value(text("birth_insee_code"), error)
    if not row.values["birth_commune"] and not row.values["birth_country"]:
        error("birth_commune",
              _("Give the birth commune (with its INSEE code) or the birth country."))
    row.values["sex"] = _word_value(text("sex"), _SEX_WORDS, "sex", error,
                                    _("Write F or M."))
    row.values["email"] = _email_value(text("email"), error)
    row.values["language"] = _word_value(text("language"), _LANGUAGE_WORDS, "language", error,
                                         _("Write fr or en.")) or "fr"
    route = text("access_route")
    row.values["access_route"] = _word_value(
        route, _ROUTE_WORDS, "access_route", error, _route_hint()
    )
    if not route:
        error("access_route", _("Required."))
    row.values["blocs"] = split_codes(raw.get("blocs", ""))
    row.values["extra_time_percent"] = _percent_value(text("extra_time_percent"), error)
    _acquired_values(row, text, error)
    return row


def split_codes(text: str) -> list[str]:
    """Bloc codes separated by commas, semicolons or spaces, upper case, no repeat."""
    codes = (code.upper() for code in re.split(r"[,;\s]+", text))
    return list(dict.fromkeys(code for code in codes if code))


def _acquired_values(row: ParsedRow, text: TextFn, error: ErrorFn) -> None:
    codes = split_codes(text("acquired_blocs"))
    row.values["acquired_blocs"] = codes
    row.values["acquired_on"] = _date_value(text("acquired_on"), "acquired_on", error,
                                            required=bool(codes))
    origin = text("acquisition_origin")
    row.values["acquisition_origin"] = _word_value(
        origin, _ORIGIN_WORDS, "acquisition_origin", error,
        _("Write capitalisation, équivalence or VAE."),
    )
    if codes and not origin:
        error("acquisition_origin", _("Required when blocs acquired before are given."))
    if not codes and (row.values["acquired_on"] or origin):
        error("acquired_blocs", _("Give the codes of the blocs acquired before."))


# -- values ----------------------------------------------------------------------------------
def fold(text: str) -> str:
    """Lower case, no accents, one space; "Formation-Continue" and "formation continue"
    match."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _word_value(text: str, words: dict[str, tuple[str, ...]], key: str, error: ErrorFn,
                hint: str) -> str:
    if not text:
        return ""
    folded = fold(text)
    for value, spellings in words.items():
        if folded in (fold(value), *(fold(word) for word in spellings)):
            return value
    error(key, _("“%(value)s” is not understood. %(hint)s") % {"value": text, "hint": hint})
    return ""


def _route_hint() -> str:
    return _("Write one of: formation initiale, apprentissage, formation continue, contrat de "
             "professionnalisation, VAE, candidature libre, équivalence.")


def parse_date(text: str) -> date | None:
    """DD/MM/YYYY (also with - or .) or ISO YYYY-MM-DD; None when it is neither."""
    if match := _FRENCH_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_value(text: str, key: str, error: ErrorFn, *, required: bool) -> str:
    if not text:
        if required:
            error(key, _("Required."))
        return ""
    value = parse_date(text)
    if value is None:
        error(key, _("“%(value)s” is not a date: write DD/MM/YYYY.") % {"value": text})
        return ""
    if value.year < 1900 or value > date.today():
        error(key, _("%(date)s is not a plausible date.") % {"date": value.strftime("%d/%m/%Y")})
        return ""
    return value.isoformat()


def _insee_value(text: str, error: ErrorFn) -> str:
    code = text.upper().replace(" ", "")
    if code.isdigit() and len(code) == 4:
        code = code.zfill(5)  # a spreadsheet read 01053 as the number 1053
    if code and not is_insee_code(code):
        error("birth_insee_code",
              _("“%(value)s” is not an INSEE code: five characters, e.g. 75056.")
              % {"value": text})
        return ""
    return code


def _email_value(text: str, error: ErrorFn) -> str:
    email = text.lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        error("email", _("“%(value)s” is not an e-mail address.") % {"value": text})
        return ""
    return email


def _percent_value(text: str, error: ErrorFn) -> int:
    cleaned = text.replace("%", "").replace(" ", "")
    if not cleaned:
        return 0
    if fold(cleaned) in ("oui", "yes", "tiers temps"):
        return 33
    if not cleaned.isdigit() or int(cleaned) > 100:
        error("extra_time_percent",
              _("“%(value)s” is not a percentage between 0 and 100.") % {"value": text})
        return 0
    return int(cleaned)


# -- header ----------------------------------------------------------------------------------
def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


_HEADER_ALIASES = {
    _compact(alias): key for key, headers in COLUMNS.items() for alias in (key, *headers)
}


def _map_header(cells: list[str], number: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _HEADER_ALIASES.get(_compact(cell))
        if key and key not in columns:
            columns[key] = index
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in columns]
    if missing:
        raise ImportFormatError(
            _("Required column missing: %(columns)s (line %(line)d).")
            % {"columns": ", ".join(missing), "line": number}
        )
    return columns
