"""Imports bound their work (issue 15): a référentiel spreadsheet is read in streaming mode
and refused at the first row past the limit, whatever its size, with a message naming
the limit; the draft kept for confirmation has a size limit too."""

from __future__ import annotations

import io
import re
import tracemalloc

import pytest
from django.template.defaultfilters import filesizeformat

from certifications.importers import ImportFormatError, spreadsheet
from certifications.models import ReferentielImport
from certifications.services import referentiel_import_preview
from certifications.tests.big_sheets import workbook

HEADER = ["Code certification", "Code bloc", "Intitulé bloc", "Code compétence",
          "Intitulé compétence"]


def referentiel_row(number: int) -> list[str]:
    """A plausible row: 600,000 of them make a file of tens of MB that unpacks under the
    archive checks' caps (200 MB, 200 times the file)."""
    bloc = number // 1000
    return ["RNCP35609", f"BC{bloc:02d}", f"Bloc {bloc}", f"C{number}",
            f"Compétence {number * 7919 % 104729}"]


def names_the_row_limit(message: str) -> bool:
    return re.search(r"plus de 20\D?000 lignes", message) is not None


@pytest.fixture(scope="module")
def huge_xlsx() -> bytes:
    return workbook(HEADER, referentiel_row, 600_000)


def test_a_600000_row_workbook_is_refused_at_the_limit_with_bounded_memory(huge_xlsx):
    tracemalloc.start()
    try:
        with pytest.raises(ImportFormatError) as refused:
            spreadsheet.parse(io.BytesIO(huge_xlsx), name="huge.xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert names_the_row_limit(refused.value.message)
    assert peak < 200 * 1024 * 1024


def test_a_csv_past_the_row_limit_is_refused_too():
    lines = [";".join(HEADER), *(";".join(referentiel_row(n)) for n in range(2, 20_100))]
    with pytest.raises(ImportFormatError) as refused:
        spreadsheet.parse(io.BytesIO("\n".join(lines).encode()), name="big.csv")
    assert names_the_row_limit(refused.value.message)


def test_a_workbook_of_empty_rows_is_refused_at_the_limit_too():
    data = workbook(HEADER, lambda n: [" "], 30_000)
    with pytest.raises(ImportFormatError) as refused:
        spreadsheet.parse(io.BytesIO(data), name="empty.xlsx")
    assert names_the_row_limit(refused.value.message)


def test_a_row_wider_than_the_column_limit_is_read_up_to_it():
    wide = [*HEADER, *(f"x{i}" for i in range(5000))]
    data = workbook(wide, lambda n: [*referentiel_row(n), *(["y"] * 5000)], 10)
    (draft,) = spreadsheet.parse(io.BytesIO(data), name="wide.xlsx")
    assert draft.certification.code == "RNCP35609"


@pytest.mark.django_db
def test_a_draft_past_the_stored_size_limit_is_refused_by_name(settings, alice):
    settings.IMPORT_MAX_DRAFT_SIZE = 20 * 1024
    data = workbook(HEADER, referentiel_row, 300)
    with pytest.raises(ImportFormatError) as refused:
        referentiel_import_preview(file=io.BytesIO(data), file_name="r.xlsx", size=len(data),
                                   created_by=alice)
    assert filesizeformat(20 * 1024) in refused.value.message
    row = ReferentielImport.objects.get()
    assert row.status == ReferentielImport.Status.FAILED
    assert row.drafts == []
