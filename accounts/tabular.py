"""The one way the product reads an uploaded table (CSV or XLSX) into rows of text cells.

Both importers (référentiels and enrolments) read their files here; what a row means is
theirs. The reader guards what any upload may try: a binary file, an archive that
inflates beyond reason (zip bomb), more rows, columns or filled cells than the importer
allows. Reading stops at the first row past a limit, whatever the file's size.

CSV: UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's « texte Unicode »), else
Windows-1252 with a note for the user; the separator (``;``, ``,`` or tab) is the one
the first non-empty line uses most. XLSX: the first sheet, values not formulas, read as
it streams (``xlsx_open_streaming``).

Messages are translated when raised (the active language); ``TabularError`` carries the
line of the file when there is one. Lives in accounts, the lowest app, so every app uses it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.spreadsheets import xlsx_open_streaming

XLSX_MAGIC = b"PK\x03\x04"
SEPARATORS = ";,\t"


class TabularError(Exception):
    """The file cannot be read as a table. ``message`` is in the user's language;
    ``line`` is the line of the file where reading stopped, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class TabularLimits:
    """The work a file may ask for: rows read (empty ones included), columns read per row
    (the others are ignored), filled cells (None: no limit), bytes an XLSX unpacks to and
    its ratio to the file's size."""

    max_rows: int
    max_columns: int
    max_cells: int | None = None
    max_unzipped: int = 50 * 1024 * 1024
    max_ratio: int = 200


@dataclass
class Table:
    """The rows, read lazily: (line of the file, stripped cells). ``notes`` are warnings
    for the user (an encoding guessed); complete once the rows are read."""

    rows: Iterator[tuple[int, list[str]]]
    notes: list[str] = field(default_factory=list)


def read_table(data: bytes, limits: TabularLimits) -> Table:
    """The table in ``data``. Raises ``TabularError`` now when the file is empty, and
    while the rows are iterated when it cannot be read or passes a limit."""
    if not data.strip():
        raise TabularError(_("The file is empty."), 1)
    table = Table(rows=iter(()))
    rows = _xlsx_rows(data, limits) if data.startswith(XLSX_MAGIC) else _csv_rows(
        data, table.notes)
    table.rows = _bounded(rows, limits)
    return table


def _bounded(rows: Iterator[tuple[int, list[str]]],
             limits: TabularLimits) -> Iterator[tuple[int, list[str]]]:
    cells = 0
    for count, (number, row) in enumerate(rows, start=1):
        if count > limits.max_rows:
            raise TabularError(
                _("The file has more than %(max)s rows: split it.")
                % {"max": number_format(limits.max_rows, force_grouping=True)}, number)
        row = row[:limits.max_columns]
        if limits.max_cells is not None:
            cells += sum(1 for cell in row if cell)
            if cells > limits.max_cells:
                raise TabularError(
                    _("The file has more than %(max)s filled cells: split it.")
                    % {"max": number_format(limits.max_cells, force_grouping=True)}, number)
        yield number, row


# -- CSV -------------------------------------------------------------------------------------
def _csv_rows(data: bytes, notes: list[str]) -> Iterator[tuple[int, list[str]]]:
    text = decode(data, notes)
    if _looks_binary(text):
        raise TabularError(_("Binary file: neither a CSV file nor an XLSX workbook."), 1)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(SEPARATORS, key=first_line.count)
    return _csv_cells(text, delimiter)


def _csv_cells(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, [cell.strip() for cell in cells]
    except csv.Error as exc:
        raise TabularError(
            _("The CSV file cannot be read (line %(line)d).") % {"line": reader.line_num},
            reader.line_num) from exc


def _looks_binary(text: str) -> bool:
    """A NUL anywhere, or a control character other than line ends and tabs near the
    start: no spreadsheet writes those in a CSV."""
    return "\x00" in text or any(
        ord(char) < 32 and char not in "\r\n\t" for char in text[:4096])


def decode(data: bytes, notes: list[str]) -> str:
    """The text of a CSV file; a note is added when its encoding had to be guessed."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's « texte Unicode »
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TabularError(_("The UTF-16 file cannot be read.")) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append(_("The file is not in UTF-8: it was read as Windows-1252, check the "
                       "accents."))
        return data.decode("cp1252", errors="replace")


# -- XLSX ------------------------------------------------------------------------------------
def _xlsx_rows(data: bytes, limits: TabularLimits) -> Iterator[tuple[int, list[str]]]:
    _check_archive(data, limits)
    return _xlsx_cells(data, limits)


def _xlsx_cells(data: bytes, limits: TabularLimits) -> Iterator[tuple[int, list[str]]]:
    unreadable = _("The XLSX workbook cannot be read.")
    try:
        workbook = xlsx_open_streaming(data)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise TabularError(unreadable) from exc
    number = 0
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True, max_col=limits.max_columns)
        for number, row in enumerate(rows, start=1):
            yield number, [cell_text(value) for value in row]
    except TabularError:
        raise
    except Exception as exc:  # each row can still fail on a damaged sheet
        raise TabularError(unreadable, number + 1) from exc
    finally:
        workbook.close()


def _check_archive(data: bytes, limits: TabularLimits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, EOFError) as exc:
        raise TabularError(_("The XLSX workbook cannot be read.")) from exc
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise TabularError(_("This ZIP archive is not an XLSX workbook."))
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > limits.max_unzipped or unzipped > limits.max_ratio * max(len(data), 1):
        raise TabularError(_("The workbook is refused: its content is abnormally large "
                             "once unpacked."))


def cell_text(value: object) -> str:
    """An XLSX cell as text: dates in ISO form, a whole number without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number typed in a cell: 33.0 → "33"
    return str(value).strip()
