"""The declaration as a tracked process (issue 20): passages created from the signed
deliberation's holders, fluxes built and validated whole, processing reports applied or
refused whole, rejected holders rectified and re-declared, revocations listed."""

from __future__ import annotations

import datetime

import pytest
from defusedxml.ElementTree import fromstring
from django.utils import translation

from accounts.models import AuditEvent
from candidates.models import Candidate
from candidates.services.identity import IdentityLockedError, candidate_update_identity
from reports.cdc import CdcExportError, cdc_xml_problems
from reports.cdc_flux import (
    CdcReportError,
    cdc_flux_build,
    cdc_flux_downloaded,
    cdc_flux_mark_deposited,
    cdc_passages_mark_corrected,
    cdc_passages_sync,
    cdc_report_import,
    cdc_report_parse,
    reason_code_of,
)
from reports.models import (
    CdcFlux,
    CdcFluxState,
    CdcPassage,
    CdcPassageState,
    CdcPassageTransition,
    Document,
    DocumentKind,
    DocumentStatus,
)
from reports.tests.cdc_helpers import add_holders, configure, report_xml
from reports.tests.test_cdc import NS, passages, schema_errors

pytestmark = pytest.mark.django_db
S = CdcPassageState


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def certification(signed):
    certification = signed.setup.session.referentiel.certification
    configure(certification)
    return certification


@pytest.fixture
def flux(signed, certification, alice):
    add_holders(signed.deliberation, 2)
    return cdc_flux_build(by=alice, session=signed.setup.session).flux


def ids(flux: CdcFlux) -> list[str]:
    return sorted(CdcPassage.objects.filter(last_flux=flux).values_list("id_technique",
                                                                         flat=True))


# -- passages and building ------------------------------------------------------------------
def test_a_session_flux_declares_every_holder_once_and_validates(signed, certification,
                                                                   alice):
    add_holders(signed.deliberation, 2)
    built = cdc_flux_build(by=alice, session=signed.setup.session)
    flux = built.flux
    root = fromstring(bytes(flux.content))
    assert schema_errors(root) == []
    assert cdc_xml_problems(bytes(flux.content)) == []
    assert root.find("cpf:idFlux", NS).text == flux.id_flux
    sent = sorted(p.find("cpf:idTechnique", NS).text for p in passages(root))
    # idTechnique stays the enrolment's public id: the files produced before stay consistent.
    assert sent == ids(flux) == sorted(str(e) for e in CdcPassage.objects.values_list(
        "decision__enrolment__public_id", flat=True))
    assert len(sent) == flux.passages_count == built.declared == 3
    assert set(CdcPassage.objects.values_list("state", flat=True)) == {S.DECLARED}
    assert flux.state == CdcFluxState.PREPARED
    assert flux.created_by == alice
    passage = CdcPassage.objects.get(decision__enrolment=signed.charlie)
    assert [(t.from_state, t.to_state) for t in passage.transitions.all()] == [
        ("", S.TO_DECLARE), (S.TO_DECLARE, S.DECLARED)]
    assert AuditEvent.objects.filter(action="cdc_flux.built").count() == 1


def test_nothing_left_to_declare_refuses_and_records_nothing(flux, signed, alice):
    with pytest.raises(CdcExportError) as refused:
        cdc_flux_build(by=alice, session=signed.setup.session)
    assert "No holder is left to declare" in refused.value.problems[0]
    assert CdcFlux.objects.count() == 1


def test_a_missing_identity_field_refuses_the_whole_flux(signed, certification, alice):
    add_holders(signed.deliberation, 1, sex="")
    with pytest.raises(CdcExportError) as refused:
        cdc_flux_build(by=alice, session=signed.setup.session)
    assert any("sex is missing" in problem for problem in refused.value.problems)
    assert not CdcFlux.objects.exists()
    assert not CdcPassage.objects.exists()


def test_an_xsd_refusal_refuses_the_flux(signed, certification, alice, settings, tmp_path):
    schema = tmp_path / "strict.xsd"
    schema.write_text(
        '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="urn:cdc:cpf:pc5:schema:1.0.0" elementFormDefault="qualified">'
        '<xsd:element name="flux"><xsd:complexType><xsd:sequence>'
        '<xsd:element name="idFlux" type="xsd:string"/></xsd:sequence></xsd:complexType>'
        '</xsd:element></xsd:schema>')
    settings.CDC_XSD_PATH = str(schema)
    with pytest.raises(CdcExportError) as refused:
        cdc_flux_build(by=alice, session=signed.setup.session)
    assert refused.value.problems[0] == "The file failed its validation:"
    assert "XSD, line" in refused.value.problems[1]
    assert not CdcFlux.objects.exists()
    assert not CdcPassage.objects.exists()


def test_a_flux_the_configured_xsd_accepts_is_recorded(signed, certification, alice,
                                                        settings, tmp_path):
    schema = tmp_path / "lenient.xsd"
    schema.write_text(
        '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="urn:cdc:cpf:pc5:schema:1.0.0" elementFormDefault="qualified">'
        '<xsd:element name="flux"><xsd:complexType><xsd:sequence>'
        '<xsd:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>'
        '</xsd:sequence></xsd:complexType></xsd:element></xsd:schema>')
    settings.CDC_XSD_PATH = str(schema)
    flux = cdc_flux_build(by=alice, session=signed.setup.session).flux
    assert cdc_xml_problems(bytes(flux.content)) == []
    assert cdc_xml_problems(b"<flux") != []


def test_a_period_flux_takes_the_sessions_decided_in_it(signed, certification, alice):
    signed_on = datetime.date.today()
    outside = (signed_on - datetime.timedelta(days=400), signed_on - datetime.timedelta(days=1))
    with pytest.raises(CdcExportError):
        cdc_flux_build(by=alice, certification=certification, period=outside)
    built = cdc_flux_build(by=alice, certification=certification,
                           period=(signed_on - datetime.timedelta(days=1), signed_on))
    assert built.flux.session is None
    assert built.flux.period_end == signed_on
    assert built.flux.passages_count == 1


def test_download_and_deposit_move_the_flux(flux, alice):
    cdc_flux_downloaded(flux=flux, by=alice)
    assert flux.state == CdcFluxState.DOWNLOADED
    assert flux.downloaded_at
    cdc_flux_mark_deposited(flux=flux, by=alice)
    flux.refresh_from_db()
    assert flux.state == CdcFluxState.DEPOSITED
    assert flux.deposited_at


# -- the processing report ------------------------------------------------------------------
def test_an_all_accepted_report(flux, alice):
    applied = cdc_report_import(content=report_xml(flux.id_flux, ok=ids(flux)), by=alice)
    assert (applied.accepted, applied.rejected) == (3, 0)
    assert set(CdcPassage.objects.values_list("state", flat=True)) == {S.ACCEPTED}
    flux.refresh_from_db()
    assert flux.state == CdcFluxState.PROCESSED
    assert flux.report_processing_id == "51354"
    assert bytes(flux.report).startswith(b"<?xml")


def test_a_mixed_report_with_reasons_and_codes(flux, alice):
    first, second, third = ids(flux)
    content = report_xml(
        flux.id_flux, ok=[first], prefixed=True, codes={third: "E_42"},
        ko=[(second, "Aucun titulaire ne correspond aux critères obligatoires"),
            (third, "Le code INSEE de la commune de naissance est inconnu")])
    applied = cdc_report_import(content=content, by=alice, flux=flux)
    assert (applied.accepted, applied.rejected) == (1, 2)
    states = dict(CdcPassage.objects.values_list("id_technique", "state"))
    assert states == {first: S.ACCEPTED, second: S.REJECTED, third: S.REJECTED}
    rejected = CdcPassage.objects.get(id_technique=second)
    assert rejected.reason_code == "no_holder_match"
    assert rejected.reason_text.startswith("Aucun titulaire")
    assert CdcPassage.objects.get(id_technique=third).reason_code == "E_42"
    assert rejected.transitions.last().flux == flux


def test_already_declared_counts_as_accepted(flux, alice):
    first, *rest = ids(flux)
    cdc_report_import(content=report_xml(flux.id_flux, ok=rest, ko=[
        (first, "Le passage existe déjà en base")]), by=alice)
    assert CdcPassage.objects.get(id_technique=first).state == S.ACCEPTED


@pytest.mark.parametrize(("content", "message"), [
    (b"<rapport><idFlux>x</idFlux>", "not well-formed XML"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><rapport>&e;</rapport>',
     "not well-formed XML"),
    (b"<flux><idFlux>x</idFlux></flux>", "not “rapport”"),
    (b"<rapport><PassagesOK><idTechnique>a</idTechnique></PassagesOK></rapport>",
     "names no flux"),
    (b"<rapport><idFlux>x</idFlux></rapport>", "lists no passage"),
    (b"<rapport><idFlux>x</idFlux><PassagesKO><passage><idTechnique>a</idTechnique>"
     b"</passage></PassagesKO></rapport>", "has no “messageErreur”"),
    (b"<rapport><idFlux>x</idFlux><PassagesOK><idTechnique>a</idTechnique>"
     b"<idTechnique>a</idTechnique></PassagesOK></rapport>", "appears twice"),
])
def test_a_malformed_report_is_refused_with_its_reason(content, message):
    with pytest.raises(CdcReportError) as refused:
        cdc_report_parse(content)
    assert message in " ".join(refused.value.problems)


def test_a_report_of_another_flux_or_unknown_passages_changes_nothing(flux, signed, alice):
    other = CdcFlux.objects.create(certification=flux.certification, id_flux="other",
                                   filename="x.xml", content=b"", sha256="0")
    with pytest.raises(CdcReportError) as refused:
        cdc_report_import(content=report_xml(flux.id_flux, ok=ids(flux)), by=alice,
                          flux=other)
    assert "not other" in refused.value.problems[0]
    with pytest.raises(CdcReportError) as refused:
        cdc_report_import(content=report_xml("nowhere", ok=ids(flux)), by=alice)
    assert "No flux has the id nowhere" in refused.value.problems[0]
    with pytest.raises(CdcReportError) as refused:
        cdc_report_import(content=report_xml(flux.id_flux, ok=[*ids(flux), "stranger"]),
                          by=alice)
    assert "stranger" in refused.value.problems[0]
    assert set(CdcPassage.objects.values_list("state", flat=True)) == {S.DECLARED}
    flux.refresh_from_db()
    assert flux.state == CdcFluxState.PREPARED
    assert not AuditEvent.objects.filter(action="cdc_flux.report_imported").exists()


@pytest.mark.parametrize(("message", "code"), [
    ("Aucun titulaire ne correspond aux critères obligatoires", "no_holder_match"),
    ("Plusieurs titulaires ont été identifiés", "several_holders"),
    ("Code pays de naissance invalide", "birth_country"),
    ("Code INSEE de la commune de naissance inconnu", "birth_place"),
    ("Quelque chose d'autre", "other"),
])
def test_reasons_map_to_what_to_fix(message, code):
    assert reason_code_of(message) == code


# -- rectification and re-declaration --------------------------------------------------------
def test_a_rejected_holder_is_rectified_then_redeclared(flux, signed, alice):
    charlie = CdcPassage.objects.get(decision__enrolment=signed.charlie)
    others = [i for i in ids(flux) if i != charlie.id_technique]
    cdc_report_import(content=report_xml(flux.id_flux, ok=others, ko=[
        (charlie.id_technique, "Aucun titulaire ne correspond aux critères obligatoires")]),
        by=alice)
    candidate = signed.charlie.candidate
    with pytest.raises(IdentityLockedError):  # the ordinary path stays refused
        candidate_update_identity(candidate=candidate, by=alice, birth_insee_code="75056",
                                  birth_commune="Paris")
    candidate_update_identity(candidate=candidate, by=alice, birth_insee_code="75056",
                              birth_commune="Paris",
                              cdc_rectification="rejected: Aucun titulaire")
    assert Candidate.objects.get(pk=candidate.pk).birth_insee_code == "75056"
    event = AuditEvent.objects.get(action="candidate.identity_rectified_for_cdc")
    assert event.context["cdc_rejection"] == "rejected: Aucun titulaire"
    assert cdc_passages_mark_corrected(passages=[charlie], by=alice) == 1
    charlie.refresh_from_db()
    assert charlie.state == S.CORRECTED
    built = cdc_flux_build(by=alice, session=signed.setup.session)
    assert (built.declared, built.redeclared) == (0, 1)
    charlie.refresh_from_db()
    assert charlie.state == S.REDECLARED
    assert charlie.last_flux == built.flux
    assert b"<codeInsee>75056</codeInsee>" in bytes(built.flux.content)
    assert [t.to_state for t in charlie.transitions.all()] == [
        S.TO_DECLARE, S.DECLARED, S.REJECTED, S.CORRECTED, S.REDECLARED]


def test_a_certificate_revoked_after_declaration_is_listed_to_withdraw(flux, signed, alice):
    with_lock = signed.deliberation
    Document.objects.create(kind=DocumentKind.CERTIFICATE, enrolment=signed.charlie,
                            session=signed.setup.session, deliberation=with_lock,
                            certifier="C", number="2026-1", status=DocumentStatus.REVOKED)
    _live, revoked = cdc_passages_sync(deliberation=with_lock, by=alice)
    assert [p.decision.enrolment for p in revoked] == [signed.charlie]
    assert CdcPassage.objects.get(decision__enrolment=signed.charlie).state == \
        S.REVOKED_DECLARED
    assert CdcPassageTransition.objects.filter(to_state=S.REVOKED_DECLARED).count() == 1
    # A report arriving afterwards leaves the withdrawal standing.
    cdc_report_import(content=report_xml(flux.id_flux, ok=ids(flux)), by=alice)
    assert CdcPassage.objects.get(decision__enrolment=signed.charlie).state == \
        S.REVOKED_DECLARED
