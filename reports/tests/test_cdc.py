"""The Caisse des Dépôts holders file (accrochage): the XML is checked against the rules of
the public XSD 1.1.2 (required elements, enumerations, lengths), who may download it, its
refusals, and the deadline on the session dashboard."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from defusedxml.ElementTree import fromstring
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from accounts.models import AuditEvent
from candidates.models import AccessRoute, Candidate
from candidates.services import candidate_erase
from candidates.tests.factories import SessionFactory
from deliberations.models import CandidateDecision, CandidateOutcome, Deliberation
from deliberations.services import OutcomeAmended, amendment_record
from deliberations.tests.deliberation_helpers import lock_opened
from reports.cdc import (
    CDC_NAMESPACE,
    XSI_NAMESPACE,
    CdcExportError,
    cdc_accrochage_xml,
    cdc_deadline,
    first_names_split,
    months_after,
)

pytestmark = pytest.mark.django_db

NS = {"cpf": CDC_NAMESPACE}
NIL = f"{{{XSI_NAMESPACE}}}nil"

# The XSD 1.1.2 (docs/documents.md): each complex type's children, required then optional.
REQUIRED = {
    "flux": ["idFlux", "horodatage", "emetteur"],
    "emetteur": ["idClient", "certificateurs"],
    "certificateurs": ["certificateur"],
    "certificateur": ["idClient", "idContrat", "certifications"],
    "certification": ["type", "code", "passageCertifications"],
    "passageCertification": [
        "idTechnique", "obtentionCertification", "donneeCertifiee", "dateDebutValidite",
        "dateFinValidite", "presenceNiveauLangueEuro", "presenceNiveauNumeriqueEuro",
        "scoring", "mentionValidee", "modalitesInscription", "identificationTitulaire"],
    "modalitesInscription": ["modaliteAcces"],
    "identificationTitulaire": ["titulaire"],
    "titulaire": ["nomNaissance", "nomUsage", "prenom1", "anneeNaissance", "moisNaissance",
                  "jourNaissance", "sexe", "codeCommuneNaissance"],
    "codeCommuneNaissance": ["codeInseeNaissance"],
    "codeInseeNaissance": ["codeInsee"],
}
OPTIONAL = {
    "certification": ["natureDeposant"],
    "passageCertification": ["urlPreuve", "libelleOption", "dateDebutExamen", "dateFinExamen",
                             "modalitePassageExamen", "codePostalCentreExamen",
                             "niveauLangueEuropeen", "niveauNumeriqueEuropeen", "verbatim"],
    "modalitesInscription": ["voieAccessVAE", "initiativeInscription", "dateInscription"],
    "titulaire": ["prenom2", "prenom3", "libelleCommuneNaissance", "codePaysNaissance",
                  "libellePaysNaissance", "commentairesMEN"],
}
ENUMERATIONS = {
    "natureDeposant": {"CERTIFICATEUR", "TIERS_CONFIANCE"},
    "obtentionCertification": {"PAR_ADMISSION", "PAR_SCORING"},
    "donneeCertifiee": {"true", "false"},
    "presenceNiveauLangueEuro": {"true", "false"},
    "presenceNiveauNumeriqueEuro": {"true", "false"},
    "modaliteAcces": {
        "FORMATION_INITIALE_HORS_APPRENTISSAGE", "FORMATION_INITIALE_APPRENTISSAGE",
        "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
        "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION", "VAE",
        "EQUIVALENCE_DIPLOME_ETRANGER", "CANDIDAT_LIBRE"},
    "sexe": {"M", "F"},
}
PATTERNS = {
    "idFlux": r".{1,50}",
    "horodatage": r"(19|20)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(2[0-3]|[01]\d)"
                  r":[0-5]\d:[0-5]\d[+-](2[0-3]|[01]\d):[0-5]\d",
    "idClient": r".{8}",
    "idContrat": r".{1,20}",
    "idTechnique": r".{1,255}",
    "dateDebutValidite": r"(19|20)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])",
    "dateFinValidite": r"(19|20)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])",
    "nomNaissance": r".{1,60}", "nomUsage": r".{1,60}", "prenom1": r".{1,60}",
    "prenom2": r".{1,60}", "prenom3": r".{1,60}", "libelleCommuneNaissance": r".{1,60}",
    "libellePaysNaissance": r".{1,60}",
    "anneeNaissance": r"(19|20)\d{2}", "moisNaissance": r"0?[1-9]|1[0-2]",
    "jourNaissance": r"0?[1-9]|[12]\d|3[01]", "codeInsee": r".{5}",
}
NILLABLE = {"dateFinValidite", "scoring", "mentionValidee", "modaliteAcces", "nomUsage",
            "moisNaissance", "jourNaissance"}


def local(element: ET.Element) -> str:
    namespace, _, name = element.tag[1:].partition("}")
    assert namespace == CDC_NAMESPACE, element.tag
    return name


def schema_errors(element: ET.Element) -> list[str]:
    """What the XSD 1.1.2 would refuse in this subtree (the subset we emit)."""
    errors = []
    name = local(element)
    children = [local(child) for child in element]
    for required in REQUIRED.get(name, []):
        if children.count(required) != 1:
            errors.append(f"{name}: {required} × {children.count(required)}")
    if name in REQUIRED:
        allowed = set(REQUIRED[name]) | set(OPTIONAL.get(name, []))
        errors += [f"{name}: unexpected {child}" for child in children if child not in allowed]
    if element.get(NIL) == "true":
        if name not in NILLABLE or element.text or len(element):
            errors.append(f"{name}: not nillable here")
    elif name in ENUMERATIONS and element.text not in ENUMERATIONS[name]:
        errors.append(f"{name}: {element.text!r} not in the enumeration")
    elif name in PATTERNS and not re.fullmatch(PATTERNS[name], element.text or ""):
        errors.append(f"{name}: {element.text!r} does not match")
    for child in element:
        errors += schema_errors(child)
    return errors


def configure(certification, **values) -> None:
    values = {"cdc_client_id": "03ABC123", "cdc_contract_id": "MCFCER000123", **values}
    for field, value in values.items():
        setattr(certification, field, value)
    certification.save()


@pytest.fixture
def certification(signed):
    certification = signed.setup.session.referentiel.certification
    configure(certification)
    return certification


def parse(content: bytes) -> ET.Element:
    return fromstring(content)


def passages(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//cpf:passageCertification", NS)


def text(element: ET.Element, path: str) -> str | None:
    found = element.find(path, NS)
    assert found is not None, path
    return found.text


def holder_of(passage: ET.Element) -> ET.Element:
    return passage.find("cpf:identificationTitulaire/cpf:titulaire", NS)


def sign_on(signed, signed_at: datetime.datetime) -> None:
    with lock_opened():
        Deliberation.objects.filter(pk=signed.deliberation.pk).update(signed_at=signed_at)
    signed.deliberation.refresh_from_db()


def xml_of(signed) -> bytes:
    signed.deliberation.refresh_from_db()
    return cdc_accrochage_xml(deliberation=signed.deliberation)


# -- the file ------------------------------------------------------------------------------
def test_it_declares_each_holder_in_a_valid_utf8_file(signed, certification):
    content = xml_of(signed)
    assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert f'xmlns="{CDC_NAMESPACE}"'.encode() in content  # the default namespace
    root = parse(content)
    assert root.tag == f"{{{CDC_NAMESPACE}}}flux"
    assert schema_errors(root) == []
    holders = signed.deliberation.candidates.filter(outcome=CandidateOutcome.FULL_SUCCESS)
    assert len(passages(root)) == holders.count() == 1
    assert text(root, ".//cpf:certificateur/cpf:idClient") == "03ABC123"
    assert text(root, "cpf:emetteur/cpf:idClient") == "03ABC123"
    assert text(root, ".//cpf:idContrat") == "MCFCER000123"
    assert text(root, ".//cpf:certification/cpf:type") == "RNCP"
    assert text(root, ".//cpf:certification/cpf:code") == certification.code


def test_the_schema_check_itself_catches_a_broken_file(signed, certification):
    root = parse(xml_of(signed))
    holder = holder_of(passages(root)[0])
    holder.remove(holder.find("cpf:sexe", NS))
    holder.find("cpf:nomNaissance", NS).text = "x" * 61
    ET.SubElement(holder, f"{{{CDC_NAMESPACE}}}presidentJury").text = "Mme Untel"
    passages(root)[0].find("cpf:obtentionCertification", NS).text = "PAR_JURY"
    assert sorted(schema_errors(root)) == [
        "nomNaissance: '" + "x" * 61 + "' does not match",
        "obtentionCertification: 'PAR_JURY' not in the enumeration",
        "titulaire: sexe × 0",
        "titulaire: unexpected presidentJury",
    ]


def test_a_partial_success_is_not_declared(signed, certification):
    ids = [text(p, "cpf:idTechnique") for p in passages(parse(xml_of(signed)))]
    assert ids == [str(signed.charlie.public_id)]
    assert str(signed.dave.public_id) not in ids


def test_the_passage_carries_the_decision_the_route_and_the_identity(signed, certification):
    candidate = signed.charlie.candidate
    candidate.birth_name, candidate.usage_name = "Durand", "Martin"
    candidate.first_names, candidate.birth_date = "Anne Marie Louise Claire", datetime.date(
        1990, 4, 7)
    candidate.save()
    signed.charlie.access_route = AccessRoute.APPRENTICESHIP
    signed.charlie.save()
    passage = passages(parse(xml_of(signed)))[0]
    decided_on = timezone.localdate(signed.deliberation.signed_at)
    assert text(passage, "cpf:obtentionCertification") == "PAR_ADMISSION"
    assert text(passage, "cpf:donneeCertifiee") == "true"
    assert text(passage, "cpf:dateDebutValidite") == decided_on.isoformat()
    assert passage.find("cpf:dateFinValidite", NS).get(NIL) == "true"
    assert (text(passage, "cpf:modalitesInscription/cpf:modaliteAcces")
            == "FORMATION_INITIALE_APPRENTISSAGE")
    holder = holder_of(passage)
    assert [text(holder, f"cpf:{tag}") for tag in (
        "nomNaissance", "nomUsage", "prenom1", "prenom2", "prenom3", "anneeNaissance",
        "moisNaissance", "jourNaissance", "sexe", "libelleCommuneNaissance")] == [
        "Durand", "Martin", "Anne", "Marie", "Louise Claire", "1990", "04", "07", "F", "Lyon"]
    assert text(holder, "cpf:codeCommuneNaissance/cpf:codeInseeNaissance/cpf:codeInsee") == "69123"


def test_a_validity_gives_the_end_date(signed, certification):
    configure(certification, validity_months=24)
    passage = passages(parse(xml_of(signed)))[0]
    decided_on = timezone.localdate(signed.deliberation.signed_at)
    assert text(passage, "cpf:dateFinValidite") == months_after(decided_on, 24).isoformat()


def test_id_technique_is_the_same_from_one_export_to_the_next(signed, certification):
    first, second = parse(xml_of(signed)), parse(xml_of(signed))
    assert ([text(p, "cpf:idTechnique") for p in passages(first)]
            == [text(p, "cpf:idTechnique") for p in passages(second)])
    assert text(first, "cpf:idFlux") != text(second, "cpf:idFlux")  # one file, one flux


def test_names_are_escaped_and_kept_in_utf8(signed, certification):
    candidate = signed.charlie.candidate
    candidate.birth_name, candidate.first_names = "Dupont & <Fils>", "Éloïse, Anaïs"
    candidate.birth_commune = "Saint-Étienne"
    candidate.save()
    content = xml_of(signed)
    assert b"Dupont &amp; &lt;Fils&gt;" in content
    assert "Éloïse".encode() in content
    holder = holder_of(passages(parse(content))[0])
    assert text(holder, "cpf:nomNaissance") == "Dupont & <Fils>"
    assert [text(holder, "cpf:prenom1"), text(holder, "cpf:prenom2")] == ["Éloïse", "Anaïs"]
    assert text(holder, "cpf:libelleCommuneNaissance") == "Saint-Étienne"


def test_a_birth_abroad_gives_the_country_code_and_name(signed, certification):
    candidate = signed.charlie.candidate
    candidate.birth_insee_code, candidate.birth_commune = "99109", "Berlin"
    candidate.birth_country = "Allemagne"
    candidate.save()
    holder = holder_of(passages(parse(xml_of(signed)))[0])
    assert text(holder, ".//cpf:codeInsee") == "99109"
    assert text(holder, "cpf:libellePaysNaissance") == "Allemagne"
    assert schema_errors(holder) == []


def test_an_erased_holder_is_still_declared(signed, certification, alice):
    candidate = candidate_erase(candidate=signed.charlie.candidate, erased_by=alice,
                                reason="Demande de la personne.")
    # Erasure keeps the legal identity the declaration needs (names, birth, sex).
    holder = holder_of(passages(parse(xml_of(signed)))[0])
    assert text(holder, "cpf:nomNaissance") == candidate.birth_name
    assert holder.find("cpf:nomUsage", NS).get(NIL) == "true"
    assert text(holder, "cpf:anneeNaissance") == f"{candidate.birth_date.year:04d}"
    assert text(holder, "cpf:sexe") == candidate.sex


def test_a_holder_without_sex_refuses_the_file(signed, certification):
    candidate = signed.charlie.candidate
    Candidate.objects.filter(pk=candidate.pk).update(sex="")
    with pytest.raises(CdcExportError) as refused:
        xml_of(signed)
    assert refused.value.problems == [
        gettext("%(name)s: %(problem)s") % {"name": candidate.legal_name,
                                            "problem": gettext("The sex is missing.")}]


def test_missing_identifiers_refuse_the_file(signed):
    configure(signed.setup.session.referentiel.certification, cdc_client_id="",
              cdc_contract_id="")
    with pytest.raises(CdcExportError) as refused:
        xml_of(signed)
    assert refused.value.problems == [
        gettext("Enter the certification's Caisse des Dépôts client id (idClient, eight "
                "characters) on its legal mentions page (Frameworks → Legal mentions)."),
        gettext("Enter the certification's Caisse des Dépôts contract id (idContrat) on its "
                "legal mentions page (Frameworks → Legal mentions)."),
    ]


def test_a_holder_without_birth_place_refuses_the_file(signed, certification):
    candidate = signed.charlie.candidate
    Candidate.objects.filter(pk=candidate.pk).update(birth_insee_code="")
    with pytest.raises(CdcExportError) as refused:
        xml_of(signed)
    missing = gettext("The INSEE code of the birthplace is missing (for a birth abroad, the "
                      "country's code, 99 and three digits).")
    suggestion = gettext("Did you mean %(name)s (%(code)s)?") % {"name": "Lyon",
                                                                 "code": "69123"}
    assert refused.value.problems == [gettext("%(name)s: %(problem)s") % {
        "name": candidate.legal_name, "problem": f"{missing} {suggestion}"}]


def test_a_session_without_holder_refuses_the_file(signed, certification, alice):
    decision = CandidateDecision.objects.get(enrolment=signed.charlie)
    amendment_record(target=OutcomeAmended(decision), new_value=CandidateOutcome.FAILURE,
                     reason="Fraude établie après la délibération.",
                     by=signed.setup.president.user)
    with pytest.raises(CdcExportError) as refused:
        xml_of(signed)
    assert refused.value.problems == [gettext(
        "No candidate obtained the certification in this session: there is no holder to "
        "declare.")]


@pytest.mark.parametrize(("day", "months", "expected"), [
    (datetime.date(2027, 6, 15), 3, datetime.date(2027, 9, 15)),
    (datetime.date(2027, 11, 30), 3, datetime.date(2028, 2, 29)),
    (datetime.date(2027, 10, 31), 3, datetime.date(2028, 1, 31)),
    (datetime.date(2027, 1, 31), 24, datetime.date(2029, 1, 31)),
])
def test_months_after_keeps_the_day_or_the_months_last(day, months, expected):
    assert months_after(day, months) == expected


@pytest.mark.parametrize(("first_names", "expected"), [
    ("Camille", ["Camille"]),
    ("Jean-Pierre  Paul", ["Jean-Pierre", "Paul"]),
    ("Marie Claire, Anne", ["Marie Claire", "Anne"]),
    ("A B C D", ["A", "B", "C D"]),
])
def test_first_names_are_split_in_three_at_most(first_names, expected):
    assert first_names_split(first_names) == expected


# -- the download --------------------------------------------------------------------------
def download_url(session) -> str:
    return reverse("reports:cdc_accrochage", args=[session.public_id])


def test_staff_downloads_the_file_and_it_is_audited(client, alice, signed, certification):
    client.force_login(alice)
    response = client.get(download_url(signed.setup.session))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    decided_on = timezone.localdate(signed.deliberation.signed_at)
    assert response["Content-Disposition"] == (
        f'attachment; filename="cdc-accrochage-{certification.code}-{decided_on:%Y-%m-%d}.xml"')
    assert len(passages(parse(response.content))) == 1
    event = AuditEvent.objects.get(action="cdc_accrochage.exported")
    assert event.actor == alice
    assert event.new["holders"] == 1
    assert event.new["id_flux"] == text(parse(response.content), "cpf:idFlux")


def test_a_refused_file_goes_back_to_the_dashboard_with_the_reasons(client, alice, signed):
    client.force_login(alice)
    response = client.get(download_url(signed.setup.session))
    dashboard = reverse("candidates:session_dashboard", args=[signed.setup.session.public_id])
    assert response.status_code == 302
    assert response["Location"] == dashboard
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert shown[0] == gettext("The file for the Caisse des Dépôts was not produced:")
    assert gettext("Enter the certification's Caisse des Dépôts contract id (idContrat) on "
                   "its legal mentions page (Frameworks → Legal mentions).") in shown
    assert not AuditEvent.objects.filter(action="cdc_accrochage.exported").exists()
    page = client.get(dashboard).content.decode()
    assert escape(gettext("The file for the Caisse des Dépôts was not produced:")) in page


@pytest.mark.parametrize("who", ["bob", "charlie", "president"])
def test_no_one_but_staff_reaches_the_file(client, request, signed, certification, who):
    user = (signed.setup.president.user if who == "president"
            else request.getfixturevalue(who))
    client.force_login(user)
    assert client.get(download_url(signed.setup.session)).status_code == 404
    assert not AuditEvent.objects.filter(action="cdc_accrochage.exported").exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, signed, certification):
    response = client.get(download_url(signed.setup.session))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


def test_an_unsigned_session_has_no_file(client, alice):
    session = SessionFactory()
    configure(session.referentiel.certification)
    client.force_login(alice)
    assert client.get(download_url(session)).status_code == 404
    Deliberation.objects.create(session=session)  # a draft
    assert client.get(download_url(session)).status_code == 404


def test_an_unknown_session_is_a_404(client, alice):
    client.force_login(alice)
    url = reverse("reports:cdc_accrochage", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404


# -- the deadline --------------------------------------------------------------------------
def test_the_deadline_is_three_months_after_the_decision(signed):
    sign_on(signed, timezone.make_aware(datetime.datetime(2027, 6, 30, 15, 0)))
    deadline = cdc_deadline(deliberation=signed.deliberation, today=datetime.date(2027, 9, 20))
    assert (deadline.decided_on, deadline.due_on) == (datetime.date(2027, 6, 30),
                                                      datetime.date(2027, 9, 30))
    assert (deadline.days_left, deadline.soon, deadline.overdue) == (10, True, False)


def dashboard_after(client, alice, signed, days_ago: int) -> str:
    sign_on(signed, timezone.now() - datetime.timedelta(days=days_ago))
    client.force_login(alice)
    response = client.get(reverse("candidates:session_dashboard",
                                  args=[signed.setup.session.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def announced(signed) -> str:
    signed.deliberation.refresh_from_db()
    deadline = cdc_deadline(deliberation=signed.deliberation)
    return escape(gettext(
        "Declaration to the Caisse des Dépôts: to be deposited before %(due)s (3 months after "
        "the decision of %(decided)s)") % {
        "due": date_format(deadline.due_on, "DATE_FORMAT"),
        "decided": date_format(deadline.decided_on, "DATE_FORMAT")})


def test_the_dashboard_shows_the_deadline_and_the_link(client, alice, signed, certification):
    page = dashboard_after(client, alice, signed, days_ago=1)
    assert announced(signed) in page
    assert download_url(signed.setup.session) in page
    assert 'role="alert"' not in page
    assert gettext("First enter the Caisse des Dépôts client and contract ids of the "
                   "certification on its legal mentions page.") not in page


def test_the_dashboard_warns_when_the_deadline_is_near(client, alice, signed, certification):
    page = dashboard_after(client, alice, signed, days_ago=85)
    signed.deliberation.refresh_from_db()
    # Counted from the decision's date in Paris (85 days ago late in the evening in winter
    # is already the next day in summer time).
    left = cdc_deadline(deliberation=signed.deliberation).days_left
    assert 0 < left <= 15
    assert ngettext("Only %(days)s day left to deposit the file.",
                    "Only %(days)s days left to deposit the file.", left) % {
        "days": left} in page


def test_the_dashboard_warns_when_the_deadline_is_passed(client, alice, signed, certification):
    page = dashboard_after(client, alice, signed, days_ago=120)
    signed.deliberation.refresh_from_db()
    late = cdc_deadline(deliberation=signed.deliberation).days_overdue
    assert late > 0
    assert ngettext("The deadline passed %(days)s day ago: deposit the file without delay.",
                    "The deadline passed %(days)s days ago: deposit the file without delay.",
                    late) % {"days": late} in page


def test_the_dashboard_asks_for_the_missing_identifiers(client, alice, signed):
    page = dashboard_after(client, alice, signed, days_ago=1)
    assert gettext("First enter the Caisse des Dépôts client and contract ids of the "
                   "certification on its legal mentions page.") in page
    certification = signed.setup.session.referentiel.certification
    assert reverse("certifications:certification_mentions",
                   args=[certification.public_id]) in page


def test_the_identifiers_are_entered_on_the_legal_mentions_page(client, alice, signed):
    """No Django admin: the ids go in with the certification's other mentions, audited, and
    the holders file can then be produced."""
    from accounts.models import AuditEvent

    certification = signed.setup.session.referentiel.certification
    configure(certification, cdc_client_id="", cdc_contract_id="")
    client.force_login(alice)
    url = reverse("certifications:certification_mentions", args=[certification.public_id])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["nsf_codes"] = ", ".join(certification.nsf_codes or [])
    for name in ("registration_date", "registration_end_date", "last_issuing_date"):
        if data.get(name):
            data[name] = data[name].isoformat()
    refused = client.post(url, {**data, "cdc_client_id": "03AB", "cdc_contract_id": "x"})
    assert refused.status_code == 200
    assert "cdc_client_id" in refused.context["form"].errors
    client.post(url, {**data, "cdc_client_id": "03abc123", "cdc_contract_id": "mcfcer000123"})
    certification.refresh_from_db()
    assert (certification.cdc_client_id, certification.cdc_contract_id) == (
        "03ABC123", "MCFCER000123")
    event = AuditEvent.objects.filter(action="certification.mentions_changed").latest("pk")
    assert event.new["cdc_client_id"] == "03ABC123"
    assert b"<idClient>03ABC123</idClient>" in xml_of(signed)


def test_an_unsigned_session_shows_no_deadline(client, alice):
    session = SessionFactory()
    client.force_login(alice)
    page = client.get(reverse("candidates:session_dashboard", args=[session.public_id]))
    assert download_url(session) not in page.content.decode()
