"""The documents API and the public verification: the holder lists and downloads their
own issued documents, an administrator any and revokes them with a reason; the
verification by code answers what the public page shows, to anyone."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext

from reports.models import Document, DocumentKind, DocumentStatus
from tests.api.conftest import FAKE_PDF, session_client, token_client

pytestmark = pytest.mark.django_db

DOCUMENTS = "/api/v1/documents/"


def _published(signed) -> None:
    from deliberations.services import deliberation_publish

    deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)


def _transcript(documents, enrolment) -> Document:
    return next(d for d in documents
                if d.kind == DocumentKind.TRANSCRIPT and d.enrolment_id == enrolment.pk)


def test_an_administrator_lists_filters_and_orders_them(alice, signed, documents):
    client = session_client(alice)
    body = client.get(DOCUMENTS).json()
    assert body["count"] == len(documents)
    minutes = client.get(DOCUMENTS, {"kind": "minutes"}).json()["results"]
    assert [row["kind"] for row in minutes] == ["minutes"]
    mine = client.get(DOCUMENTS, {"candidate": str(signed.charlie.candidate.public_id)})
    assert {row["candidate"] for row in mine.json()["results"]} == {
        str(signed.charlie.candidate.public_id)}
    numbers = [row["number"] for row in client.get(DOCUMENTS, {"ordering": "-number"})
               .json()["results"]]
    assert numbers == sorted(numbers, reverse=True)
    page = client.get(DOCUMENTS, {"page_size": 2}).json()
    assert len(page["results"]) == 2
    assert page["next"]


def test_a_candidate_lists_and_downloads_their_own(charlie, signed, documents):
    _published(signed)
    client = session_client(charlie)
    rows = client.get(DOCUMENTS).json()["results"]
    assert rows
    assert {row["candidate"] for row in rows} == {str(signed.charlie.candidate.public_id)}
    mine = _transcript(documents, signed.charlie)
    response = client.get(f"{DOCUMENTS}{mine.public_id}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == FAKE_PDF


def test_a_candidate_cannot_reach_anothers_document(charlie, signed, documents):
    client = session_client(charlie)
    theirs = _transcript(documents, signed.dave)
    assert client.get(f"{DOCUMENTS}{theirs.public_id}/").status_code == 404
    response = client.get(f"{DOCUMENTS}{theirs.public_id}/download/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["type"] == "not_found"
    minutes = next(d for d in documents if d.kind == DocumentKind.MINUTES)
    assert client.get(f"{DOCUMENTS}{minutes.public_id}/download/").status_code == 404


def test_a_jury_member_sees_no_document(bob, documents):
    client = session_client(bob)
    assert client.get(DOCUMENTS).json()["results"] == []
    assert client.get(f"{DOCUMENTS}{documents[0].public_id}/download/").status_code == 404


def test_an_administrator_revokes_with_a_reason(alice, signed, documents):
    document = _transcript(documents, signed.dave)
    client = session_client(alice)
    url = f"{DOCUMENTS}{document.public_id}/revoke/"
    assert "reason" in client.post(url, {}, format="json").json()["errors"]
    response = client.post(url, {"reason": "Erreur de saisie."}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["download"]) == ("revoked", None)
    again = client.post(url, {"reason": "Encore."}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "revoked")
    assert client.get(f"{DOCUMENTS}{document.public_id}/download/").status_code == 404


def test_a_holder_cannot_revoke_their_document(charlie, signed, documents):
    _published(signed)
    document = _transcript(documents, signed.charlie)
    response = session_client(charlie).post(f"{DOCUMENTS}{document.public_id}/revoke/",
                                            {"reason": "Je préfère."}, format="json")
    assert response.status_code == 403
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED


def test_a_jury_member_cannot_revoke(bob, documents):
    response = session_client(bob).post(f"{DOCUMENTS}{documents[0].public_id}/revoke/",
                                         {"reason": "x"}, format="json")
    assert response.status_code == 404


def test_a_read_only_token_cannot_revoke(read_token, documents):
    response = token_client(read_token).post(f"{DOCUMENTS}{documents[0].public_id}/revoke/",
                                             {"reason": "x"}, format="json")
    assert response.status_code == 403
    assert Document.objects.filter(status=DocumentStatus.REVOKED).count() == 0


# -- verification ----------------------------------------------------------------------------
def test_anyone_verifies_a_document_by_its_code(alice, signed, documents):
    document = _transcript(documents, signed.charlie)
    client = session_client()
    client.credentials(HTTP_AUTHORIZATION="Bearer whatever")  # ignored: public
    response = client.get(f"/api/v1/verify/{document.verification_code.lower()}/")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert body["number"] == document.number
    assert body["holder"] == signed.charlie.candidate.legal_name
    assert body["certification_code"] == signed.setup.session.referentiel.certification.code
    assert response["X-Robots-Tag"] == "noindex"
    assert "sha256" not in body
    assert "verification_code" not in body


def test_a_revoked_document_says_so(alice, signed, documents):
    document = _transcript(documents, signed.charlie)
    session_client(alice).post(f"{DOCUMENTS}{document.public_id}/revoke/",
                               {"reason": "Signalé par l'employeur.",
                                "public_reason": "Erreur de saisie."}, format="json")
    body = session_client().get(f"/api/v1/verify/{document.verification_code}/").json()
    assert (body["valid"], body["status"]) == (False, "revoked")
    assert body["revocation_reason"] == "Erreur de saisie."  # the public one, never the other
    staff = session_client(alice).get(f"{DOCUMENTS}{document.public_id}/").json()
    assert staff["internal_revocation_reason"] == "Signalé par l'employeur."


def test_an_unknown_code_is_a_404(db):
    response = session_client().get("/api/v1/verify/NOPE/")
    assert response.status_code == 404
    assert response.json()["title"] == gettext("Not found")
