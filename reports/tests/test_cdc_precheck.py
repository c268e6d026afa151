"""The pre-declaration report of a session (reports/cdc_precheck.py): per candidate what
would stop or risk their declaration, with where to correct it, the certification's own
problems; the page, its CSV, the command, the API and the session hub's lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent
from candidates.models import EnrolmentStatus
from candidates.tests.factories import EnrolmentFactory, SessionFactory
from reports.cdc_flux import cdc_flux_build, cdc_report_import
from reports.cdc_precheck import cdc_precheck
from reports.models import CdcPassage
from reports.tests.cdc_helpers import configure, report_xml

pytestmark = pytest.mark.django_db

VALID = {"birth_name": "Martin", "first_names": "Léa Anne", "birth_date": date(1995, 4, 12),
         "sex": "F", "birth_commune": "Nantes", "birth_insee_code": "44109",
         "birth_country": ""}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def enrol(session, **identity):
    fields = {**VALID, **identity}
    return EnrolmentFactory(session=session,
                            **{f"candidate__{name}": value for name, value in fields.items()})


@pytest.fixture
def session():
    session = SessionFactory()
    configure(session.referentiel.certification)
    return session


@pytest.fixture
def people(session):
    """Three candidates unlike each other, and one withdrawn (never checked)."""
    enrol(session)  # fine
    no_sex = enrol(session, birth_name="Roux", first_names="Anne", sex="")
    elsewhere = enrol(session, birth_name="Morel", first_names="Luc",
                      birth_commune="Rennes")  # 44109 is Nantes
    withdrawn = enrol(session, birth_name="Zola", first_names="Émile", sex="")
    withdrawn.status = EnrolmentStatus.WITHDRAWN
    withdrawn.save(update_fields=["status"])
    return no_sex, elsewhere


def test_it_lists_what_stops_and_what_risks_each_declaration(session, people):
    no_sex, elsewhere = people
    report = cdc_precheck(session=session)
    assert len(report.candidates) == 3
    assert [item.enrolment for item in report.to_complete] == [no_sex]
    assert [item.enrolment for item in report.at_risk] == [elsewhere]
    assert not report.ready
    assert report.certification_problems == []
    assert report.to_complete[0].fix_url == reverse(
        "candidates:candidate_identity_edit", args=[session.public_id, no_sex.public_id])


def test_the_page_says_each_problem_with_a_link_to_correct_it(alice, session, people):
    no_sex, _elsewhere = people
    response = _client(alice).get(reverse("reports:cdc_precheck", args=[session.public_id]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "1 candidate to complete before the declaration." in text
    assert "1 candidate at risk of rejection." in text
    assert "The sex is missing." in text
    assert "The code 44109 is Nantes, not « Rennes »." in text
    assert reverse("candidates:candidate_identity_edit",
                   args=[session.public_id, no_sex.public_id]) in text
    assert "ZOLA" not in text  # withdrawn
    assert "Its Caisse des Dépôts ids and its RNCP or RS code are complete." in text


def test_the_certification_problems_come_first_with_their_page(alice, session, people):
    configure(session.referentiel.certification, cdc_client_id="", cdc_contract_id="")
    text = _client(alice).get(reverse("reports:cdc_precheck",
                                      args=[session.public_id])).content.decode()
    assert "Caisse des Dépôts client id (idClient" in text
    assert reverse("certifications:certification_mentions",
                   args=[session.referentiel.certification.public_id]) in text


@pytest.mark.parametrize("count", [2, 12])
def test_it_reads_in_constant_queries(alice, session, count, django_assert_max_num_queries):
    for index in range(count):
        enrol(session, birth_name=f"Nom{'abcdefghijklmnop'[index]}", sex="" if index % 2 else "F")
    client = _client(alice)
    # the user and its session, the session, its signed deliberation (none), enrolments
    with django_assert_max_num_queries(5):
        response = client.get(reverse("reports:cdc_precheck", args=[session.public_id]))
    assert response.status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("reports:cdc_precheck_csv",
                                  args=[session.public_id])).status_code == 200


def test_the_csv_has_a_line_per_problem_and_neutralises_formulas(alice, session, people):
    enrol(session, birth_name="=HYPERLINK(1)", first_names="Paul")
    response = _client(alice).get(reverse("reports:cdc_precheck_csv",
                                          args=[session.public_id]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"cdc-check-{session.referentiel.certification.code}" in (
        response["Content-Disposition"])
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")),
                               delimiter=";"))
    by_name = {}
    for row in rows:
        by_name.setdefault(row["birth_name"], []).append(row)
    assert [(r["level"], r["field"]) for r in by_name["Roux"]] == [("missing", "sex")]
    assert [(r["level"], r["field"]) for r in by_name["Morel"]] == [
        ("risk", "birth_insee_code")]
    assert [r["level"] for r in by_name["Martin"]] == [""]  # declarable: one empty line
    assert by_name["Martin"][0]["prenom1"] == "Léa"
    assert by_name["Martin"][0]["prenom2"] == "Anne"
    assert "'=HYPERLINK(1)" in by_name
    assert by_name["Roux"][0]["fix_url"].startswith("http://testserver/")


def test_the_command_prints_the_report_and_fails_when_something_stops_it(session, people):
    out = io.StringIO()
    with pytest.raises(CommandError, match="would be refused"):
        call_command("cdc_declaration", "--language", "en", "check", "--session",
                     str(session.public_id), stdout=out)
    printed = out.getvalue()
    assert "3 checked, 1 to complete, 1 at risk." in printed
    assert "[missing] sex: The sex is missing." in printed
    no_sex, _elsewhere = people
    no_sex.candidate.sex = "F"
    no_sex.candidate.save(update_fields=["sex"])
    out = io.StringIO()
    call_command("cdc_declaration", "--language", "en", "check", "--session",
                 str(session.public_id), stdout=out)
    assert "3 checked, 0 to complete, 1 at risk." in out.getvalue()
    with pytest.raises(CommandError, match="No session"):
        call_command("cdc_declaration", "--language", "en", "check", "--session", "nope")


def test_the_api_answers_administrators(alice, bob, session, people):
    url = reverse("api_session_cdc_check", args=[session.public_id])
    body = json.loads(_client(alice).get(url).content)
    assert (body["checked"], body["to_complete"], body["at_risk"], body["ready"]) == (
        3, 1, 1, False)
    assert [c["candidate_name"] for c in body["candidates"]] == ["MOREL Luc", "ROUX Anne"]
    roux = body["candidates"][1]
    assert roux["stops"] is True
    assert roux["problems"] == [{"level": "missing", "field": "sex",
                                 "message": "The sex is missing.",
                                 "stops_declaration": True}]
    assert _client(bob).get(url).status_code == 404


def test_a_signed_session_checks_its_holders_and_links_the_rectification(
        alice, signed, enqueued):
    session = signed.setup.session
    certification = session.referentiel.certification
    configure(certification)
    flux = cdc_flux_build(by=alice, session=session).flux
    passage = CdcPassage.objects.get(last_flux=flux)
    cdc_report_import(content=report_xml(flux.id_flux, ko=[(
        passage.id_technique, "Aucun titulaire ne correspond aux critères obligatoires")]),
        by=alice)
    holder = signed.charlie.candidate
    holder.birth_commune = "Rennes"
    holder.birth_insee_code = "44109"
    holder.save(update_fields=["birth_commune", "birth_insee_code"])
    report = cdc_precheck(session=session)
    assert report.signed
    assert [item.enrolment for item in report.candidates] == [signed.charlie]  # not dave
    item = report.candidates[0]
    assert item.rectify
    assert item.fix_url == reverse("reports:cdc_passage_rectify", args=[passage.public_id])
    text = _client(alice).get(reverse("reports:cdc_precheck",
                                      args=[session.public_id])).content.decode()
    assert "Rectify for the Caisse des Dépôts" in text


def _identity_post(candidate, **changes) -> dict[str, str]:
    data = {name: getattr(candidate, name) or "" for name in (
        "birth_name", "usage_name", "first_names", "sex", "birth_commune", "birth_insee_code",
        "birth_country")}
    data["birth_date"] = candidate.birth_date.isoformat()
    return {**data, **changes}


def test_a_signed_holder_never_declared_is_completed_for_the_declaration(
        alice, signed, enqueued):
    session = signed.setup.session
    configure(session.referentiel.certification)
    holder = signed.charlie.candidate
    holder.sex = ""
    holder.save(update_fields=["sex"])
    item = cdc_precheck(session=session).to_complete[0]
    url = reverse("reports:cdc_holder_complete",
                  args=[session.public_id, signed.charlie.public_id])
    assert item.fix_url == url
    client = _client(alice)
    page = client.get(url).content.decode()
    assert "Completion for the Caisse des Dépôts" in page
    assert "The sex is missing." in page
    response = client.post(url, _identity_post(holder, sex="F"))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:cdc_precheck", args=[session.public_id])
    holder.refresh_from_db()
    assert holder.sex == "F"
    assert AuditEvent.objects.filter(action="candidate.identity_rectified_for_cdc").exists()
    assert cdc_precheck(session=session).ready
    # Not a holder (dave failed), or declared already: nothing to complete here.
    assert client.get(reverse("reports:cdc_holder_complete",
                              args=[session.public_id, signed.dave.public_id])
                      ).status_code == 404
    cdc_flux_build(by=alice, session=session)
    assert client.get(url).status_code == 404
    assert cdc_precheck(session=session).candidates[0].fix_url == reverse(
        "candidates:candidate_identity_edit", args=[session.public_id, signed.charlie.public_id])


def test_a_rejected_holder_is_sent_to_the_rectification_page(alice, signed, enqueued):
    session = signed.setup.session
    configure(session.referentiel.certification)
    flux = cdc_flux_build(by=alice, session=session).flux
    passage = CdcPassage.objects.get(last_flux=flux)
    cdc_report_import(content=report_xml(flux.id_flux, ko=[(passage.id_technique, "Sexe")]),
                      by=alice)
    response = _client(alice).get(reverse("reports:cdc_holder_complete",
                                          args=[session.public_id, signed.charlie.public_id]))
    assert response["Location"] == reverse("reports:cdc_passage_rectify",
                                           args=[passage.public_id])


def test_the_declarations_page_links_each_session_check(alice, signed, enqueued):
    session = signed.setup.session
    configure(session.referentiel.certification)
    text = _client(alice).get(reverse("reports:cdc_declarations")).content.decode()
    assert reverse("reports:cdc_precheck", args=[session.public_id]) in text


@pytest.mark.parametrize("count", [2, 12])
def test_the_api_reads_in_constant_queries(alice, session, count,
                                           django_assert_max_num_queries):
    for index in range(count):
        enrol(session, birth_name=f"Nom{'abcdefghijklmnop'[index]}", sex="")
    client = _client(alice)
    with django_assert_max_num_queries(5):
        body = json.loads(client.get(reverse("api_session_cdc_check",
                                             args=[session.public_id])).content)
    assert body["to_complete"] == count
