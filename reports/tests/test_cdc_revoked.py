"""The Caisse des Dépôts file leaves out a holder whose certificate was revoked (issue 18):
the XML declares the others, the session dashboard names who is left out and why, the
download's audit event records it; a reissued certificate is declared again."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from accounts.models import AuditEvent
from deliberations.models import CandidateDecision, CandidateOutcome
from deliberations.services import OutcomeAmended, amendment_record
from reports.cdc import CdcExportError, cdc_revoked_holders
from reports.models import Document, DocumentKind
from reports.services import (
    document_reissue,
    document_render,
    document_revoke,
    documents_issue_for_deliberation,
)
from reports.tests.test_cdc import (
    configure,
    parse,
    passages,
    schema_errors,
    text,
    xml_of,
)

pytestmark = pytest.mark.django_db

FRAUD = "Fraude : mémoire plagié"


@pytest.fixture
def two_holders(signed, enqueued, rendered):
    """charlie and dave both certified (dave by an amendment), their documents issued,
    the certification's Caisse des Dépôts ids entered."""
    configure(signed.setup.session.referentiel.certification)
    decision = CandidateDecision.objects.get(enrolment=signed.dave)
    amendment_record(target=OutcomeAmended(decision), new_value=CandidateOutcome.FULL_SUCCESS,
                     reason="Erreur de report d'une note.", by=signed.setup.president.user)
    for document in documents_issue_for_deliberation(deliberation=signed.deliberation):
        document_render(document_id=document.pk)
    return signed


def certificate_of(enrolment) -> Document:
    return Document.objects.get(enrolment=enrolment, kind=DocumentKind.CERTIFICATE,
                                replaced_by__isnull=True)


def declared_ids(signed) -> list[str]:
    return [text(p, "cpf:idTechnique") for p in passages(parse(xml_of(signed)))]


def dashboard(client, alice, signed) -> str:
    client.force_login(alice)
    response = client.get(reverse("candidates:session_dashboard",
                                  args=[signed.setup.session.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def left_out(count: int) -> str:
    return ngettext("%(counter)s holder left out: certificate revoked",
                    "%(counter)s holders left out: certificate revoked", count) % {
        "counter": count}


def test_both_holders_are_declared_while_no_certificate_is_revoked(two_holders, client, alice):
    assert sorted(declared_ids(two_holders)) == sorted(
        [str(two_holders.charlie.public_id), str(two_holders.dave.public_id)])
    assert cdc_revoked_holders(deliberation=two_holders.deliberation) == []
    assert left_out(1) not in dashboard(client, alice, two_holders)


def test_a_revoked_certificate_leaves_its_holder_out_of_the_xml(two_holders, alice):
    document_revoke(document=certificate_of(two_holders.charlie), by=alice, reason=FRAUD)
    root = parse(xml_of(two_holders))
    assert schema_errors(root) == []
    assert [text(p, "cpf:idTechnique") for p in passages(root)] == [
        str(two_holders.dave.public_id)]
    charlie = two_holders.charlie.candidate
    assert charlie.birth_name.encode() not in xml_of(two_holders)
    assert cdc_revoked_holders(deliberation=two_holders.deliberation) == [charlie.legal_name]


def test_the_dashboard_names_who_is_left_out_and_why(two_holders, client, alice):
    document_revoke(document=certificate_of(two_holders.charlie), by=alice, reason=FRAUD)
    page = dashboard(client, alice, two_holders)
    assert left_out(1) in page
    assert escape(two_holders.charlie.candidate.legal_name) in page
    assert FRAUD not in page  # the reason stays on the documents page


def test_the_left_out_wording_is_french_by_default(two_holders, client, alice):
    document_revoke(document=certificate_of(two_holders.charlie), by=alice, reason=FRAUD)
    client.force_login(alice)
    page = client.get(reverse("candidates:session_dashboard",
                              args=[two_holders.setup.session.public_id]),
                      HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1 titulaire exclu : certificat révoqué" in page


def test_the_download_declares_the_others_and_audits_who_is_left_out(two_holders, client,
                                                                     alice):
    document_revoke(document=certificate_of(two_holders.charlie), by=alice, reason=FRAUD)
    client.force_login(alice)
    response = client.get(reverse("reports:cdc_accrochage",
                                  args=[two_holders.setup.session.public_id]))
    assert response.status_code == 200
    assert [text(p, "cpf:idTechnique") for p in passages(parse(response.content))] == [
        str(two_holders.dave.public_id)]
    event = AuditEvent.objects.get(action="cdc_accrochage.exported")
    assert event.new["holders"] == 1
    assert event.new["revoked_left_out"] == [str(two_holders.charlie.public_id)]


def test_a_reissued_certificate_is_declared_again(two_holders, alice):
    document_reissue(document=certificate_of(two_holders.charlie), by=alice,
                     reason="Nom de naissance mal orthographié.")
    assert str(two_holders.charlie.public_id) in declared_ids(two_holders)
    assert cdc_revoked_holders(deliberation=two_holders.deliberation) == []


def test_a_revoked_bloc_attestation_does_not_leave_the_holder_out(two_holders, alice):
    attestation = Document.objects.filter(enrolment=two_holders.charlie,
                                          kind=DocumentKind.BLOC_ATTESTATION).first()
    document_revoke(document=attestation, by=alice, reason="Bloc mal intitulé.")
    assert str(two_holders.charlie.public_id) in declared_ids(two_holders)


def test_when_every_certificate_is_revoked_the_file_is_refused_saying_why(
        two_holders, client, alice):
    for enrolment in (two_holders.charlie, two_holders.dave):
        document_revoke(document=certificate_of(enrolment), by=alice, reason=FRAUD)
    with pytest.raises(CdcExportError) as refused:
        xml_of(two_holders)
    expected = gettext("Every holder's certificate was revoked: there is no holder to declare.")
    assert refused.value.problems == [expected]
    client.force_login(alice)
    response = client.get(reverse("reports:cdc_accrochage",
                                  args=[two_holders.setup.session.public_id]))
    assert response.status_code == 302
    assert expected in [str(m) for m in get_messages(response.wsgi_request)]
    assert left_out(2) in dashboard(client, alice, two_holders)


def test_the_dashboard_reads_the_left_out_holders_in_constant_queries(two_holders, client,
                                                                     alice):
    client.force_login(alice)
    url = reverse("candidates:session_dashboard", args=[two_holders.setup.session.public_id])
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as none_revoked:
        client.get(url)
    for enrolment in (two_holders.charlie, two_holders.dave):
        document_revoke(document=certificate_of(enrolment), by=alice, reason=FRAUD)
    with CaptureQueriesContext(connection) as both_revoked:
        page = client.get(url).content.decode()
    assert left_out(2) in page
    assert len(both_revoked.captured_queries) == len(none_revoked.captured_queries)
