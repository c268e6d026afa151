"""The public verification page: valid or revoked (with date and reason), 404 for an
unknown code or a document never issued; no login needed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import Document, DocumentKind, DocumentStatus
from reports.services import document_render, document_revoke, documents_issue_for_deliberation

pytestmark = pytest.mark.django_db


@pytest.fixture
def attestation(signed, enqueued, rendered) -> Document:
    documents = documents_issue_for_deliberation(deliberation=signed.deliberation)
    document = next(d for d in documents if d.kind == DocumentKind.BLOC_ATTESTATION
                    and d.enrolment_id == signed.charlie.pk)
    return document_render(document_id=document.pk)


def verify_url(code: str) -> str:
    return reverse("reports:verify", args=[code])


def test_it_shows_a_valid_document_without_login(client, signed, attestation):
    response = client.get(verify_url(attestation.verification_code))
    assert response.status_code == 200
    page = response.content.decode()
    certification = signed.setup.session.referentiel.certification
    assert "Document valide" in page or "Valid document" in page
    assert signed.charlie.candidate.legal_name in page
    assert certification.code in page
    assert attestation.bloc.title in page
    assert attestation.number in page
    assert response["X-Robots-Tag"] == "noindex"


def test_it_accepts_a_code_typed_in_lower_case(client, attestation):
    assert client.get(verify_url(attestation.verification_code.lower())).status_code == 200


def test_it_shows_a_revoked_document_with_date_and_reason(client, alice, attestation):
    document_revoke(document=attestation, by=alice, reason="Signalé par l'employeur",
                    public_reason="Erreur sur le nom de naissance")
    response = client.get(verify_url(attestation.verification_code))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Erreur sur le nom de naissance" in page
    assert "Document valide" not in page
    assert "Valid document" not in page


def test_an_unknown_code_is_a_404(client, attestation):
    assert client.get(verify_url("ABCDEFGHJKMN")).status_code == 404


def test_a_document_never_issued_is_a_404(client, signed, enqueued):
    document = documents_issue_for_deliberation(deliberation=signed.deliberation)[0]
    assert document.status == DocumentStatus.PENDING
    assert client.get(verify_url(document.verification_code)).status_code == 404


# -- rate limit (issue 15): codes cannot be tried by the thousand ------------------------
@pytest.mark.parametrize("url", ["reports:verify", "api_verify"])
def test_one_address_is_limited_to_30_verifications_a_minute(client, url):
    for number in range(30):
        assert client.get(reverse(url, args=[f"NOPE{number:04d}"])).status_code == 404
    response = client.get(reverse(url, args=["NOPE9999"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Too many verifications from your address" in response.content.decode()
    other = client.get(reverse(url, args=["NOPE9999"]), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 404  # another address is not held back


def test_the_limit_is_told_in_french_by_default(client):
    for number in range(31):
        response = client.get(verify_url(f"NOPE{number:04d}"))
    assert response.status_code == 429
    assert "Trop de vérifications depuis votre adresse" in response.content.decode()


# -- public and internal reasons (issue 15) ---------------------------------------------
FRAUD = "Fraude à l'examen constatée par le surveillant"


def public_answers(client, document) -> str:
    page = client.get(verify_url(document.verification_code)).content.decode()
    api = client.get(reverse("api_verify", args=[document.verification_code]))
    return page + api.content.decode()


def test_an_internal_revocation_reason_never_reaches_the_public(client, alice, attestation):
    document_revoke(document=attestation, by=alice, reason=FRAUD)
    shown = public_answers(client, attestation)
    assert "Fraude" not in shown
    assert "Document révoqué par le certificateur" in shown


def test_the_public_reason_is_shown_when_given(client, alice, attestation):
    document_revoke(document=attestation, by=alice, reason=FRAUD,
                    public_reason="Erreur sur le nom de naissance")
    shown = public_answers(client, attestation)
    assert "Erreur sur le nom de naissance" in shown
    assert "Fraude" not in shown


def test_an_amendments_internal_reason_never_reaches_the_public(client, signed, attestation,
                                                               enqueued):
    from deliberations.models import CandidateDecision, CandidateOutcome
    from deliberations.services import OutcomeAmended, amendment_record
    from reports.tasks import reissue_for_amendment_task

    decision = CandidateDecision.objects.get(enrolment=signed.charlie)
    amendment = amendment_record(target=OutcomeAmended(decision),
                                 new_value=CandidateOutcome.PARTIAL_SUCCESS, reason=FRAUD,
                                 by=signed.setup.president.user)
    reissue_for_amendment_task.apply(args=[amendment.pk])
    revoked = Document.objects.filter(enrolment=signed.charlie, status=DocumentStatus.REVOKED)
    assert revoked.exists()
    for document in revoked:
        assert "Fraude" not in public_answers(client, document)


def test_the_holder_reads_only_the_public_reason_by_api(alice, charlie, signed, attestation):
    from rest_framework.test import APIClient

    document_revoke(document=attestation, by=alice, reason=FRAUD)
    signed.setup.session.results_published_at = timezone.now()
    signed.setup.session.save(update_fields=["results_published_at"])
    client = APIClient()
    client.force_login(charlie)
    assert attestation.number in client.get("/api/v1/documents/").content.decode()
    assert "Fraude" not in client.get("/api/v1/documents/").content.decode()
    client.force_login(alice)
    assert "Fraude" in client.get("/api/v1/documents/").content.decode()  # staff keep it
