"""Enrolment imports bound their work (issue 15): rows read, columns read, and what is kept
for confirmation; the message names the limit hit, in the user's language."""

from __future__ import annotations

import io
import re
import tracemalloc

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils import translation

from candidates import importers
from candidates.models import EnrolmentImport
from candidates.services import enrolment_import_preview
from candidates.tests.factories import SessionFactory
from certifications.errors import ImportFormatError
from certifications.tests.big_sheets import workbook

HEADER = ["nom_naissance", "prenoms", "date_naissance", "commune_naissance", "voie_acces",
          "note_jury"]


def person(number: int) -> list[str]:
    return [f"Nom{number}", "Camille", "14/02/1990", "Lyon", "formation continue", ""]


def test_a_workbook_of_600000_empty_rows_is_refused_at_the_limit_with_bounded_memory():
    data = workbook(HEADER, lambda n: [" "], 600_000)
    tracemalloc.start()
    try:
        with pytest.raises(ImportFormatError) as refused:
            importers.parse(data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert re.search(r"plus de 10\D?000 lignes", refused.value.message)
    assert peak < 200 * 1024 * 1024


def test_a_csv_of_empty_lines_is_refused_at_the_limit_too():
    data = (";".join(HEADER) + "\n" + ";;;\n" * 20_000).encode()
    with pytest.raises(ImportFormatError) as refused:
        importers.parse(data)
    assert re.search(r"plus de 10\D?000 lignes", refused.value.message)


def test_the_limit_is_told_in_english_to_an_english_user():
    data = (";".join(HEADER) + "\n" + ";;;\n" * 20_000).encode()
    with translation.override("en"), pytest.raises(ImportFormatError) as refused:
        importers.parse(data)
    assert refused.value.message == "The file has more than 10,000 rows: split it."


def test_columns_past_the_limit_are_ignored():
    wide = [*HEADER, *(f"x{i}" for i in range(3000))]
    data = workbook(wide, lambda n: [*person(n), *(["y"] * 3000)], 3)
    parsed = importers.parse(data)
    assert [row.values["birth_name"] for row in parsed.rows] == ["Nom2", "Nom3", "Nom4"]


@pytest.mark.django_db
def test_rows_past_the_stored_size_limit_are_refused_by_name(settings):
    settings.IMPORT_MAX_DRAFT_SIZE = 8 * 1024
    session = SessionFactory()
    rows = [";".join(HEADER)] + [";".join([*person(n)[:5], "x" * 2000]) for n in range(10)]
    data = "\n".join(rows).encode()
    with pytest.raises(ImportFormatError) as refused:
        enrolment_import_preview(session=session, file=io.BytesIO(data), file_name="f.csv",
                                 size=len(data))
    assert filesizeformat(8 * 1024) in refused.value.message
    assert not EnrolmentImport.objects.exists()
