"""Every CSV and XLSX the product writes neutralises formulas in every cell, headers,
templates and manifests included (OWASP's CSV injection rule: a cell that starts with
= + - @ TAB or CR is prefixed with a quote). Issue 15, « Exports neutralise formulas »."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.spreadsheets import cell_safe
from candidates import importers as enrolment_importers
from candidates.tests.factories import CandidateFactory, EnrolmentFactory, SessionFactory
from certifications.importers import spreadsheet as referentiel_spreadsheet
from reports import exports

FORMULA = '=HYPERLINK("http://x")'


def csv_cells(data: bytes, delimiter: str = ";") -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig")),
                                       delimiter=delimiter) for cell in row]


def xlsx_cells(data: bytes) -> list:
    sheet = load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def assert_no_formula_in_csv(cells: list[str]) -> None:
    assert [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")] == []


def assert_no_formula_in_xlsx(cells: list) -> None:
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.value for c in cells
            if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@", "\t", "\r")] == []


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_helper_quotes_every_formula_start(start):
    assert cell_safe(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", ["Martin", "", "1 / 3", 3, None, "a=b"])
def test_the_helper_leaves_other_cells_alone(value):
    assert cell_safe(value) == value


@pytest.fixture
def session(db):
    session = SessionFactory(name="Printemps 2027")
    session.referentiel.blocs.filter(position=0).update(code="", title=FORMULA)
    candidate = CandidateFactory(birth_name=FORMULA, first_names="+33 6", user=None,
                                 email="camille@exemple.fr")
    EnrolmentFactory(candidate=candidate, session=session)
    return session


@pytest.mark.django_db
def test_the_dashboard_csv_neutralises_headers_and_cells(client, alice, session):
    client.force_login(alice)
    response = client.get(reverse("candidates:session_dashboard", args=[session.public_id]),
                          {"export": "csv"})
    cells = csv_cells(response.content)
    assert f"'{FORMULA}" in cells
    assert cells.count(f"'{FORMULA}") == 2  # the bloc's column header and the name
    assert_no_formula_in_csv(cells)


@pytest.mark.django_db
def test_the_dashboard_xlsx_holds_no_formula(client, alice, session):
    client.force_login(alice)
    response = client.get(reverse("candidates:session_dashboard", args=[session.public_id]),
                          {"export": "xlsx"})
    cells = xlsx_cells(response.content)
    assert [c.value for c in cells].count(f"'{FORMULA}") == 2
    assert_no_formula_in_xlsx(cells)


def test_the_enrolment_templates_neutralise_bloc_codes():
    codes = [FORMULA, "-RNCP1BC02", "@x"]
    assert_no_formula_in_csv(csv_cells(enrolment_importers.template_csv(bloc_codes=codes)))
    assert_no_formula_in_xlsx(xlsx_cells(enrolment_importers.template_xlsx(bloc_codes=codes)))


def test_the_referentiel_templates_hold_no_formula():
    assert_no_formula_in_csv(csv_cells(referentiel_spreadsheet.template_csv()))
    assert_no_formula_in_xlsx(xlsx_cells(referentiel_spreadsheet.template_xlsx()))


def test_the_zip_manifest_neutralises_holder_and_bloc():
    row = dict.fromkeys(exports.MANIFEST_COLUMNS, "")
    row.update(file="a.pdf", holder=FORMULA, bloc="@SUM(1)", number="2026-000001")
    cells = csv_cells(exports._manifest([row]), delimiter=",")
    assert f"'{FORMULA}" in cells
    assert "'@SUM(1)" in cells
    assert_no_formula_in_csv(cells)
