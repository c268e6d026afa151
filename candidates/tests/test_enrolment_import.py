"""Enrolment from a spreadsheet: upload → preview (per-row errors, duplicates, existing
candidates) → confirm in one transaction, tried by alice, bob and charlie."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from candidates import importers
from candidates.models import AccessRoute, Candidate, Enrolment, EnrolmentImport, Session
from candidates.services import (
    EnrolmentImportError,
    EnrolmentImportNotPendingError,
    enrolment_import_confirm,
    enrolment_import_preview,
)
from candidates.tests.factories import (
    CandidateFactory,
    EnrolmentFactory,
    SessionFactory,
    make_referentiel,
)
from certifications.errors import ImportFormatError

pytestmark = pytest.mark.django_db


HEADER = "nom_naissance;nom_usage;prenoms;date_naissance;commune_naissance;code_insee;" \
         "pays_naissance;sexe;email;voie_acces;blocs;tiers_temps;blocs_acquis;" \
         "date_acquisition;origine_acquisition"
ROW_1 = "Durand;;Claire;14/02/1990;Lyon;69123;;F;claire@exemple.fr;formation continue;;33;;;"
ROW_2 = "Nguyen;;Minh;1988-07-03;;;Viêt Nam;M;minh@exemple.fr;VAE;RNCP99999BC02;;" \
        "RNCP99999BC01;15/06/2024;capitalisation"


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _csv(*rows: str, header: str = HEADER, separator: str = ";") -> bytes:
    lines = [header, *rows]
    return "\r\n".join(line.replace(";", separator) for line in lines).encode("utf-8")


def _url(name: str, session: Session, **kwargs: object) -> str:
    return reverse(f"candidates:{name}", kwargs={"public_id": session.public_id, **kwargs})


def _preview(session: Session, data: bytes) -> EnrolmentImport:
    with translation.override("en"):
        return enrolment_import_preview(session=session, file=io.BytesIO(data),
                                        file_name="inscrits.csv", size=len(data))


def _errors(row: EnrolmentImport) -> list[tuple[int, str]]:
    return [(item["number"], error["field"]) for item in row.rows for error in item["errors"]]


@pytest.fixture
def session():
    return SessionFactory(referentiel=make_referentiel())  # its blocs are RNCP99999BC0n


# -- the whole way through the pages -------------------------------------------------------
def test_it_previews_then_enrols_every_row_and_invites(alice, session):
    client = _client(alice)
    upload = SimpleUploadedFile("inscrits.csv", _csv(ROW_1, ROW_2))
    response = client.post(_url("enrolment_import_upload", session), {"file": upload})
    row = EnrolmentImport.objects.get()
    preview = _url("enrolment_import_preview", session, import_id=row.public_id)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == preview
    page = client.get(preview)
    assert page.status_code == 200
    assert [r.number for r in page.context["rows"]] == [2, 3]
    assert page.context["can_confirm"]
    assert not Enrolment.objects.exists()

    response = client.post(_url("enrolment_import_confirm", session, import_id=row.public_id),
                           {"invite": "on"})
    assert response.status_code == 302
    assert response["Location"] == _url("session_detail", session)
    enrolments = {e.candidate.birth_name: e for e in Enrolment.objects.all()}
    assert set(enrolments) == {"Durand", "Nguyen"}
    assert enrolments["Durand"].extra_time_percent == 33
    assert enrolments["Durand"].access_route == AccessRoute.CONTINUING
    nguyen = enrolments["Nguyen"]
    assert nguyen.access_route == AccessRoute.VAE
    assert not nguyen.whole_certification
    assert [b.code for b in nguyen.target_blocs.all()] == ["RNCP99999BC02"]
    acquired = nguyen.acquired_blocs.get()
    assert (acquired.bloc.code, acquired.acquired_on) == ("RNCP99999BC01",
                                                          datetime.date(2024, 6, 15))
    assert all(e.invited_at for e in enrolments.values())
    assert sorted(m.to[0] for m in mail.outbox) == ["claire@exemple.fr", "minh@exemple.fr"]
    row.refresh_from_db()
    assert row.status == EnrolmentImport.Status.CONFIRMED
    assert row.rows == []
    assert row.result["enrolled"] == 2


def test_it_enrols_without_inviting_when_asked(alice, session):
    row = _preview(session, _csv(ROW_1))
    _client(alice).post(_url("enrolment_import_confirm", session, import_id=row.public_id))
    assert Enrolment.objects.get().invited_at is None
    assert mail.outbox == []


def test_it_imports_once_when_confirmed_twice(alice, session):
    row = _preview(session, _csv(ROW_1, ROW_2))
    client = _client(alice)
    url = _url("enrolment_import_confirm", session, import_id=row.public_id)
    first, second = client.post(url, {"invite": "on"}), client.post(url, {"invite": "on"})
    assert (first.status_code, second.status_code) == (302, 302)
    assert Enrolment.objects.count() == 2
    assert len(mail.outbox) == 2
    with pytest.raises(EnrolmentImportNotPendingError):
        enrolment_import_confirm(enrolment_import=row)


def test_it_cancels_an_import_and_forgets_its_rows(alice, session):
    row = _preview(session, _csv(ROW_1))
    client = _client(alice)
    response = client.post(_url("enrolment_import_cancel", session, import_id=row.public_id))
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.rows) == (EnrolmentImport.Status.CANCELLED, [])
    client.post(_url("enrolment_import_confirm", session, import_id=row.public_id))
    assert not Enrolment.objects.exists()


def test_it_links_the_templates_and_serves_them(alice, session):
    client = _client(alice)
    page = client.get(_url("enrolment_import_upload", session)).content.decode()
    for kind in ("csv", "xlsx"):
        url = _url(f"enrolment_import_template_{kind}", session)
        assert url in page
        response = client.get(url)
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        parsed = importers.parse(response.content)
        assert [r.errors for r in parsed.rows] == [[], []]
        assert parsed.rows[1].values["blocs"] == ["RNCP99999BC02", "RNCP99999BC03"]


# -- per-row errors: nothing half-imported -------------------------------------------------
def test_it_reports_each_bad_row_with_its_number_and_field(session):
    bad = "Martin;;;31/02/1990;;;;X;pas-un-mail;en touriste;;200;;;"
    with translation.override("en"):
        parsed = importers.parse(_csv(ROW_1, bad))
    errors = {error.field: error for error in parsed.rows[1].errors}
    assert parsed.rows[0].errors == []
    assert set(errors) == {"first_names", "birth_date", "birth_commune", "sex", "email",
                           "access_route", "extra_time_percent"}
    assert errors["birth_date"].column == "date_naissance"
    assert "31/02/1990" in errors["birth_date"].message


def test_a_file_with_one_bad_row_imports_nothing(alice, session):
    bad = "Martin;;Paul;01/01/1980;Paris;75056;;M;paul@exemple.fr;formation initiale;NOPE;;;;"
    client = _client(alice)
    client.post(_url("enrolment_import_upload", session),
                {"file": SimpleUploadedFile("f.csv", _csv(ROW_1, ROW_2, bad))})
    row = EnrolmentImport.objects.get()
    assert _errors(row) == [(4, "blocs")]
    page = client.get(_url("enrolment_import_preview", session, import_id=row.public_id))
    content = page.content.decode()
    assert not page.context["can_confirm"]
    assert "Row 4, blocs : NOPE: not a bloc of this session" in content
    assert "disabled" in content
    response = client.post(_url("enrolment_import_confirm", session, import_id=row.public_id),
                           {"invite": "on"})
    assert response.status_code == 302
    assert not Enrolment.objects.exists()
    assert not Candidate.objects.exists()
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.is_pending


def test_it_refuses_blocs_of_another_framework(session):
    other = make_referentiel(code="RNCP88888")
    foreign = other.blocs.first().code
    row = _preview(session, _csv(
        f"Martin;;Paul;01/01/1980;Paris;75056;;M;;apprentissage;{foreign};;{foreign};"
        "01/01/2020;VAE"))
    assert _errors(row) == [(2, "blocs"), (2, "acquired_blocs")]


def test_it_rechecks_rows_at_confirmation(session):
    row = _preview(session, _csv(ROW_1))
    CandidateFactory(birth_name="Durand", first_names="Claire",
                     birth_date=datetime.date(1990, 2, 14), email="claire@exemple.fr")
    EnrolmentFactory(candidate=Candidate.objects.get(), session=session)
    with translation.override("en"), pytest.raises(EnrolmentImportError):
        enrolment_import_confirm(enrolment_import=row)
    row.refresh_from_db()
    assert row.is_pending
    assert _errors(row) == [(2, "birth_name")]
    assert Enrolment.objects.count() == 1


# -- duplicates ----------------------------------------------------------------------------
def test_it_reuses_an_existing_candidate_whatever_the_spelling(alice, session):
    existing = CandidateFactory(birth_name="Lefèvre-Dupont", first_names="Anaïs Marie",
                                birth_date=datetime.date(1994, 3, 12), user=None,
                                email="anais@exemple.fr")
    row = _preview(session, _csv(
        "LEFEVRE DUPONT;;anais-marie;12/03/1994;Lyon;69123;;F;autre@exemple.fr;VAE;;;;;"))
    assert _errors(row) == []
    assert row.rows[0]["existing"]["public_id"] == str(existing.public_id)
    assert row.report["existing"] == 1
    page = _client(alice).get(_url("enrolment_import_preview", session, import_id=row.public_id))
    assert "Existing candidate" in page.content.decode()
    enrolment_import_confirm(enrolment_import=row)
    assert Candidate.objects.get() == existing
    assert Enrolment.objects.get().candidate == existing
    assert [m.to for m in mail.outbox] == [["anais@exemple.fr"]]


def test_the_same_person_twice_in_the_file_is_an_error(session):
    row = _preview(session, _csv(
        ROW_1, "DURAND;;claire;1990-02-14;Lyon;69123;;F;claire2@exemple.fr;VAE;;;;;"))
    assert _errors(row) == [(3, "birth_name")]
    assert "row 2" in row.rows[1]["errors"][0]["message"]


def test_an_existing_candidate_already_in_the_session_is_an_error(session):
    enrolment = EnrolmentFactory(session=session)
    candidate = enrolment.candidate
    row = _preview(session, _csv(
        f"{candidate.birth_name};;{candidate.first_names};{candidate.birth_date:%d/%m/%Y};"
        "Lyon;;;F;;VAE;;;;;"))
    assert _errors(row) == [(2, "birth_name")]


def test_it_refuses_an_address_of_staff_or_of_another_person(bob, session):
    CandidateFactory(email="pris@exemple.fr")
    row = _preview(session, _csv(
        f"Martin;;Paul;01/01/1980;Paris;;;M;{bob.email};VAE;;;;;",
        "Petit;;Léa;02/02/1982;Paris;;;F;PRIS@exemple.fr;VAE;;;;;",
        "Roux;;Jean;03/03/1983;Paris;;;M;commun@exemple.fr;VAE;;;;;",
        "Blanc;;Anne;04/04/1984;Paris;;;F;commun@exemple.fr;VAE;;;;;",
    ))
    assert _errors(row) == [(2, "email"), (3, "email"), (5, "email")]


# -- files ---------------------------------------------------------------------------------
@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_it_reads_csv_with_any_usual_separator(session, separator):
    row = _preview(session, _csv(ROW_1, ROW_2,
                                 separator=separator))
    assert _errors(row) == []
    assert [r["values"]["birth_name"] for r in row.rows] == ["Durand", "Nguyen"]


def test_it_reads_english_headers_in_any_case_and_order(session):
    header = "EMAIL,First_Names,Birth_Name,Birth_Date,Birth_Country,Access_Route,Extra_Time_Percent"
    row = _preview(session, _csv("a@exemple.fr,Élise,Morel,1991-05-06,Belgique,apprenticeship,50",
                                 header=header, separator=","))
    assert _errors(row) == []
    values = row.rows[0]["values"]
    assert (values["first_names"], values["access_route"], values["extra_time_percent"]) == (
        "Élise", "apprentissage", 50)


def test_it_reads_cp1252_and_notes_it(session):
    data = _csv("Lefèvre;;Hélène;01/01/1980;Besançon;25056;;F;;équivalence;;;;;")
    row = _preview(session, data.decode("utf-8").encode("cp1252"))
    assert _errors(row) == []
    assert row.rows[0]["values"]["birth_commune"] == "Besançon"
    assert row.rows[0]["values"]["access_route"] == "equivalence"
    assert row.report["notes"]


def test_it_reads_xlsx_with_real_dates_and_numbers(session):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nom de naissance", "Prénoms", "Date de naissance", "Commune de naissance",
                  "Code INSEE", "Voie d'accès", "Tiers-temps"])
    sheet.append(["Garnier", "Luc", datetime.datetime(1985, 12, 1), "Bourg-en-Bresse", 1053,
                  "Contrat de professionnalisation", 33])
    out = io.BytesIO()
    workbook.save(out)
    row = _preview(session, out.getvalue())
    assert _errors(row) == []
    values = row.rows[0]["values"]
    assert (values["birth_date"], values["birth_insee_code"], values["access_route"],
            values["extra_time_percent"]) == ("1985-12-01", "01053", "contrat_pro", 33)


def test_the_xlsx_template_opens(session):
    sheet = load_workbook(io.BytesIO(importers.template_xlsx())).active
    assert next(sheet.iter_rows(values_only=True))[0] == "nom_naissance"


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "")
        archive.writestr("xl/big.xml", b"0" * (60 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"   \n", "empty"),
        (b"\x00\x01\x02\x03binary\xff\xfe\x00", "neither a CSV file nor an XLSX workbook"),
        (b"PK\x03\x04garbled", "cannot be read"),
        (_csv(header="colonne_a;colonne_b"), "Required column missing"),
        (HEADER.encode(), "no row under its header"),
        (_zip_bomb(), "abnormally large"),
    ],
)
def test_it_refuses_unreadable_files_and_writes_nothing(alice, session, data, message):
    response = _client(alice).post(_url("enrolment_import_upload", session),
                                   {"file": SimpleUploadedFile("f.csv", data)})
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(message in error for error in errors), errors
    assert 'class="error-summary"' in response.content.decode()
    assert not EnrolmentImport.objects.exists()


def test_it_refuses_an_empty_upload(alice, session):
    response = _client(alice).post(_url("enrolment_import_upload", session),
                                   {"file": SimpleUploadedFile("f.csv", b"")})
    assert response.context["form"].has_error("file")
    assert not EnrolmentImport.objects.exists()


def test_it_refuses_an_oversized_file(alice, session, settings):
    settings.IMPORT_MAX_UPLOAD_SIZE = 100
    response = _client(alice).post(_url("enrolment_import_upload", session),
                                   {"file": SimpleUploadedFile("f.csv", _csv(ROW_1, ROW_2))})
    assert "too large" in response.context["form"].errors["file"][0]
    assert not EnrolmentImport.objects.exists()
    with pytest.raises(ImportFormatError):
        enrolment_import_preview(session=session, file=io.BytesIO(b"x" * 200), file_name="f",
                                 size=None)


def test_it_reads_the_language_of_documents(session):
    header = f"{HEADER};langue"
    row = _preview(session, _csv(f"{ROW_1};anglais", f"{ROW_2};", header=header))
    assert _errors(row) == []
    enrolment_import_confirm(enrolment_import=row, invite=False)
    languages = dict(Enrolment.objects.values_list("candidate__birth_name",
                                                   "candidate__language"))
    assert languages == {"Durand": "en", "Nguyen": "fr"}


def test_it_refuses_an_unknown_language(session):
    row = _preview(session, _csv(f"{ROW_1};klingon", header=f"{HEADER};langue"))
    assert _errors(row) == [(2, "language")]


# -- the declaration's rule set (candidates/declaration_checks.py) ---------------------------
def _messages(row: dict, kind: str) -> list[tuple[str, str]]:
    return [(item["field"], item["message"]) for item in row[kind]]


def test_the_preview_says_every_identity_problem_and_blocks_only_the_undeclarable(session):
    future = (datetime.date.today() + datetime.timedelta(days=400)).strftime("%d/%m/%Y")
    rows = [
        "Durand;;Claire;14/02/1990;Lyon;69123;;F;;formation continue;;;;;",  # fine
        f"Petit;;Marc;{future};Lyon;69123;;M;;formation continue;;;;;",  # in the future
        "Roux;;Anne;03/05/1992;Lyon;;;;;formation continue;;;;;",  # sex and code missing
        "Morel;;Luc Paul Jean Marie;03/05/1992;Rennes;44109;;M;;formation continue;;;;;",
        "Blanc;;Eva;03/05/1992;Madrid;;Espagne;F;;formation continue;;;;;",
        f"{'L' * 61};;Eva;03/05/1992;Lyon;69123;;F;;formation continue;;;;;",
    ]
    preview = _preview(session, _csv(*rows))
    fine, future_row, missing, risky, abroad, long_name = preview.rows
    assert fine["errors"] == []
    assert fine["warnings"] == []
    # The parser refuses the date already; the rule set adds nothing on that cell.
    assert [error["field"] for error in future_row["errors"]] == ["birth_date"]
    assert missing["errors"] == []
    assert [field for field, _message in _messages(missing, "warnings")] == [
        "sex", "birth_insee_code"]
    assert _messages(missing, "warnings")[0] == ("sex", "The sex is missing.")
    assert risky["errors"] == []
    assert [field for field, _message in _messages(risky, "warnings")] == [
        "first_names", "birth_insee_code"]
    assert "The code 44109 is Nantes, not « Rennes »." in risky["warnings"][1]["message"]
    assert _messages(abroad, "warnings")[0][1].endswith("Did you mean Espagne (99134)?")
    assert [error["field"] for error in long_name["errors"]] == ["birth_name"]
    assert "longer than the 60 characters" in long_name["errors"][0]["message"]
    assert preview.report["invalid"] == 2
    with pytest.raises(EnrolmentImportError):
        enrolment_import_confirm(enrolment_import=preview, invite=False)
    assert not Enrolment.objects.exists()


def test_warnings_alone_do_not_block_the_import(session):
    preview = _preview(session, _csv("Roux;;Anne;03/05/1992;Lyon;;;;;formation continue;;;;;"))
    assert preview.rows[0]["warnings"]
    assert not preview.rows[0]["errors"]
    enrolment_import_confirm(enrolment_import=preview, invite=False)
    assert Enrolment.objects.get().candidate.sex == ""
