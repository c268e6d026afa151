"""The one way the product writes CSV and XLSX files: every cell, headers included, goes
through ``cell_safe`` so that no spreadsheet runs a name or a code as a formula.

OWASP's rule for CSV injection: a text cell that starts with = + - @ TAB or CR is
prefixed with a single quote, which spreadsheets show and never evaluate. Numbers and
empty cells are left as they are. Lives in accounts, the lowest app, so every app uses it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

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
