"""The public verification page: valid or revoked (with date and reason), 404 for an
unknown code or a document never issued; no login needed."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
    document_revoke(document=attestation, by=alice, reason="Erreur sur le nom de naissance")
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
