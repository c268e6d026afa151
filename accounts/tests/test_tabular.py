"""The one table reader (accounts.tabular): encodings, separators, XLSX, and every refusal
word for word in French, the default language."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from django.utils import translation
from openpyxl import Workbook

from accounts.tabular import TabularError, TabularLimits, read_table

LIMITS = TabularLimits(max_rows=100, max_columns=10)
ROWS = [["Nom", "Prénom", "Note"], ["Lefèvre", "Zoé", "12"], ["Ðoàn", "Ève", "15"]]


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def _rows(data: bytes, limits: TabularLimits = LIMITS) -> list[tuple[int, list[str]]]:
    return list(read_table(data, limits).rows)


def _refusal(data: bytes, limits: TabularLimits = LIMITS) -> TabularError:
    with pytest.raises(TabularError) as caught:
        _rows(data, limits)
    return caught.value


def _csv(separator: str, encoding: str = "utf-8") -> bytes:
    return "\r\n".join(separator.join(row) for row in ROWS).encode(encoding)


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_it_reads_a_csv_whatever_its_separator(separator: str) -> None:
    table = read_table(_csv(separator), LIMITS)
    assert list(table.rows) == [(1, ROWS[0]), (2, ROWS[1]), (3, ROWS[2])]
    assert table.notes == []


def test_the_separator_is_the_one_the_header_uses_most() -> None:
    data = "Nom;Prénom;Commentaire\nDurand;Claire;bien, très bien\n".encode()
    assert _rows(data)[1] == (2, ["Durand", "Claire", "bien, très bien"])


def test_a_utf8_bom_is_not_part_of_the_first_header() -> None:
    table = read_table(b"\xef\xbb\xbf" + _csv(";"), LIMITS)
    assert next(table.rows) == (1, ["Nom", "Prénom", "Note"])
    assert table.notes == []


def test_utf16_with_a_bom_is_read() -> None:
    assert _rows(_csv("\t", "utf-16"))[2] == (3, ["Ðoàn", "Ève", "15"])


def test_cp1252_is_read_with_a_note_in_french() -> None:
    rows = [["Nom", "Prénom"], ["Lefèvre", "Zoé"], ["Œuvre", "€"]]
    data = "\n".join(";".join(row) for row in rows).encode("cp1252")
    table = read_table(data, LIMITS)
    assert [cells for _number, cells in table.rows] == rows
    assert table.notes == [
        "Le fichier n'est pas en UTF-8 : il a été lu en Windows-1252, vérifiez les accents."
    ]


def test_it_reads_the_first_sheet_of_a_workbook_as_text() -> None:
    data = _xlsx([["Code", "Date", "Note"], [" BC01 ", date(2024, 6, 15), 12.0], [None, 3, 1.5]])
    # openpyxl pads each row to the columns read: the reader keeps them as empty cells
    assert [(number, cells[:3]) for number, cells in _rows(data)] == [
        (1, ["Code", "Date", "Note"]),
        (2, ["BC01", "2024-06-15", "12"]),
        (3, ["", "3", "1.5"]),
    ]


def test_columns_past_the_limit_are_ignored_in_both_formats() -> None:
    limits = TabularLimits(max_rows=10, max_columns=2)
    assert _rows(_csv(";"), limits)[0] == (1, ["Nom", "Prénom"])
    assert _rows(_xlsx(ROWS), limits)[0] == (1, ["Nom", "Prénom"])


# -- refusals, word for word -----------------------------------------------------------------
def test_an_empty_file_is_refused() -> None:
    assert _refusal(b" \r\n\t\n").message == "Le fichier est vide."


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # a NUL
        b"\x01\x02\x03binary;\x1b[0m;\x7fELF\n",  # no NUL, but control characters
        bytes(range(1, 256)),
    ],
)
def test_a_binary_file_is_refused(data: bytes) -> None:
    refused = _refusal(data)
    assert refused.message == "Fichier binaire : ni un fichier CSV ni un classeur XLSX."
    assert refused.line == 1


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    assert _refusal(out.getvalue()).message == (
        "Classeur refusé : son contenu décompressé est anormalement gros."
    )


def test_the_unpacked_size_limit_is_the_importers_own() -> None:
    data = _xlsx(ROWS)
    assert _rows(data, TabularLimits(max_rows=10, max_columns=10))
    refused = _refusal(data, TabularLimits(max_rows=10, max_columns=10, max_unzipped=1000))
    assert refused.message == "Classeur refusé : son contenu décompressé est anormalement gros."


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "bonjour")
    assert _refusal(out.getvalue()).message == "Cette archive ZIP n'est pas un classeur XLSX."


def test_a_damaged_workbook_is_refused() -> None:
    data = _xlsx(ROWS)
    assert _refusal(data[: len(data) // 2]).message == "Le classeur XLSX ne peut pas être lu."
    assert _refusal(b"PK\x03\x04garbled").message == "Le classeur XLSX ne peut pas être lu."


def test_a_broken_csv_names_its_line() -> None:
    refused = _refusal(b'Nom;Prenom\nDurand;Claire\n"Martin;Paul\x00\n')
    assert refused.message == "Fichier binaire : ni un fichier CSV ni un classeur XLSX."
    refused = _refusal(b'Nom;Prenom\nDurand;Claire\n"' + b"x" * 200_000 + b'";Paul\n')
    assert refused.message == "Le fichier CSV ne peut pas être lu (ligne 3)."
    assert refused.line == 3


@pytest.mark.parametrize("make", [lambda rows: _csv_of(rows), _xlsx])
def test_the_row_limit_stops_reading_at_the_first_row_past_it(make) -> None:
    rows = [["Code", "Titre"], *([f"C{n}", "x"] for n in range(20_005))]
    refused = _refusal(make(rows), TabularLimits(max_rows=20_000, max_columns=10))
    assert refused.message == "Le fichier compte plus de 20\xa0000 lignes : découpez-le."
    assert refused.line == 20_001


def test_the_cell_limit_counts_filled_cells_only() -> None:
    rows = [["Code", "Titre", ""], ["C1", "", ""], ["C2", "x", ""], ["C3", "y", ""]]
    limits = TabularLimits(max_rows=100, max_columns=10, max_cells=5)
    assert len(_rows(_csv_of(rows[:3]), limits)) == 3
    refused = _refusal(_csv_of(rows), limits)
    assert refused.message == "Le fichier compte plus de 5 cellules remplies : découpez-le."
    assert refused.line == 4


def test_messages_follow_the_active_language() -> None:
    with translation.override("en"):
        assert _refusal(b"\x01\x02binary").message == (
            "Binary file: neither a CSV file nor an XLSX workbook."
        )
        assert _refusal(_csv_of([["a"]] * 4), TabularLimits(max_rows=3, max_columns=2)).message \
            == "The file has more than 3 rows: split it."


def _csv_of(rows: list[list[str]]) -> bytes:
    return "\n".join(";".join(row) for row in rows).encode()
