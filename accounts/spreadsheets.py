"""The one way the product writes CSV and XLSX files: every cell, headers included, goes
through ``cell_safe`` so that no spreadsheet runs a name or a code as a formula. And the
one way it opens an uploaded XLSX: ``xlsx_open_streaming``.

OWASP's rule for CSV injection: a text cell that starts with = + - @ TAB or CR is
prefixed with a single quote, which spreadsheets show and never evaluate. Numbers and
empty cells are left as they are. Lives in accounts, the lowest app, so every app uses it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> Any:
    """The value, quoted if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def row_safe(row: Iterable[Any]) -> list[Any]:
    return [cell_safe(value) for value in row]


def csv_bytes(rows: Iterable[Sequence[Any]], *, delimiter: str = ";") -> bytes:
    """UTF-8 with a BOM (Excel then reads the accents), CRLF line ends, safe cells."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(row_safe(row) for row in rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    """One sheet named ``title`` (31 characters at most, Excel's limit), safe cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append(row_safe(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# -- reading -------------------------------------------------------------------------------
_DIMENSION = f"{{{SHEET_MAIN_NS}}}dimension"
_SHEET_DATA = f"{{{SHEET_MAIN_NS}}}sheetData"


def _size_from_head(self: ReadOnlyWorksheet) -> None:
    """openpyxl 3.1 looks for a sheet's <dimension> on *end* events, so a sheet without one
    (openpyxl's own write-only mode omits it, and so can an attacker) is parsed in full
    before its first row is read: a minute for 600,000 rows. Start events stop at
    <sheetData>, whatever follows."""
    with self._get_source() as source:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == _SHEET_DATA:
                return
            if element.tag == _DIMENSION:
                try:
                    bounds = range_boundaries(element.get("ref", ""))
                except ValueError:
                    return  # a damaged dimension: read the rows as they come
                self._min_column, self._min_row, self._max_column, self._max_row = bounds
                return


ReadOnlyWorksheet._get_size = _size_from_head  # openpyxl is pinned (pyproject.toml)


def xlsx_open_streaming(data: bytes) -> Any:
    """The workbook in openpyxl's read-only mode: rows are parsed as they are iterated, so
    a reader that stops at its limit never pays for the rest of the file. Values, not
    formulas. Raises whatever openpyxl raises on a damaged file."""
    return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
