# ruff: noqa: F811 - the seal fixtures are imported from test_seal
"""POST /api/v1/verify/file/ (issue 19): the seal check of the page and of
``verify_document`` as JSON — public, throttled, the upload read in memory and never kept."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.services import document_render
from reports.services.revocation import document_revoke
from reports.tests.test_seal import (  # noqa: F401 - fixtures
    certificate_of,
    certificate_pdf,
    file_bytes,
    issued,
    real_pdf,
    seal_file,
    sealing,
)

URL = "/api/v1/verify/file/"


def post(client, data: bytes, language: str = "en"):
    pdf = SimpleUploadedFile("doc.pdf", data, "application/pdf")
    return client.post(URL, {"file": pdf}, HTTP_ACCEPT_LANGUAGE=language)


def test_the_url():
    assert reverse("api_verify_file") == URL


@pytest.mark.django_db
def test_a_sealed_valid_document(client, sealing, real_pdf, issued, tmp_path, settings,
                                 django_assert_max_num_queries):
    settings.MEDIA_ROOT = str(tmp_path)
    document = document_render(document_id=certificate_of(issued).pk)
    data = file_bytes(document)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with django_assert_max_num_queries(12):
        response = post(client, data)
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    body = response.json()
    assert body["is_pdf"] is True
    assert body["sealed"] is True
    assert body["intact"] is True
    assert body["covers_whole_file"] is True
    assert body["signer"] == {"name": "Cachet de test", "organisation": "Certificateur test"}
    assert body["signed_at"]
    assert body["timestamped"] is False
    assert body["trusted"] is False
    assert body["self_signed"] is True
    assert body["in_register"] is True
    assert body["authentic"] is True
    assert body["document"]["verification_code"] == document.verification_code
    assert body["document"]["kind"] == "certificate"
    assert body["document"]["status"] == "valid"
    assert body["document"]["number"] == document.number
    assert body["sha256"] == document.sha256
    assert "The electronic seal is intact: the file has not been changed since it was " \
           "sealed." in body["sentences"]
    assert "Status: valid." in body["sentences"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing kept


@pytest.mark.django_db
def test_french_by_default(client, sealing, real_pdf, issued):
    document = document_render(document_id=certificate_of(issued).pk)
    body = post(client, file_bytes(document), "fr").json()
    print(body["sentences"])
    assert any(s.startswith("Le cachet électronique est intact") for s in body["sentences"])
    assert "Statut : valide." in body["sentences"]


@pytest.mark.django_db
def test_one_byte_changed(client, sealing, real_pdf, issued):
    data = bytearray(file_bytes(document_render(document_id=certificate_of(issued).pk)))
    data[11] ^= 1
    body = post(client, bytes(data)).json()
    assert body["is_pdf"] is True
    assert body["sealed"] is True
    assert body["intact"] is False
    assert body["in_register"] is False
    assert body["document"] is None
    assert body["authentic"] is False
    assert any(s.startswith("The electronic seal is broken") for s in body["sentences"])


@pytest.mark.django_db
def test_not_a_pdf(client):
    response = post(client, b"hello")
    assert response.status_code == 200
    body = response.json()
    assert body["is_pdf"] is False
    assert body["sealed"] is False
    assert body["signer"] is None
    assert body["signed_at"] is None
    assert body["authentic"] is False
    assert body["sentences"][0] == "This file is not a readable PDF."


@pytest.mark.django_db
def test_too_big(client):
    response = post(client, b"%PDF-1.7\n" + b"0" * 2_600_000)
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "size"
    assert "larger than 2.5 MB" in body["errors"]["file"][0]


@pytest.mark.django_db
def test_just_over_the_limit_is_too_big_too(client):
    response = post(client, b"%PDF-1.7\n" + b"0" * 2_500_000)  # within the request's margin
    assert response.status_code == 413
    assert response.json()["code"] == "size"


@pytest.mark.django_db
def test_no_file(client):
    response = client.post(URL, {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["Choose the PDF file to check (at most 2.5 MB)."]


@pytest.mark.django_db
def test_a_revoked_document(client, sealing, real_pdf, issued, alice):
    document = document_render(document_id=certificate_of(issued).pk)
    document_revoke(document=document, by=alice, reason="interne", public_reason="Erreur.")
    response = post(client, file_bytes(document))
    body = response.json()
    assert body["intact"] is True
    assert body["in_register"] is True
    assert body["authentic"] is False
    assert body["document"]["status"] == "revoked"
    assert body["document"]["revocation_reason"] == "Erreur."
    assert any(s.startswith("Status: revoked on") for s in body["sentences"])
    assert "interne" not in response.content.decode()


@pytest.mark.django_db
def test_anonymous_and_signed_in_alike(client, alice, certificate_pdf):
    client.force_login(alice)
    assert post(client, certificate_pdf).status_code == 200  # no CSRF token needed


@pytest.mark.django_db
def test_throttled_with_the_code_verification(client, certificate_pdf):
    """One rate for both: 30 verifications a minute per address, by code or by file."""
    for number in range(29):
        assert client.get(reverse("api_verify", args=[f"ABCDEFGH{number:04d}"])).status_code \
            == 404
    assert post(client, b"hello").status_code == 200  # the 30th
    response = post(client, certificate_pdf)
    assert response.status_code == 429
    assert response.json()["type"] == "throttled"
    assert response["Retry-After"] == "60"
    assert post(client, b"hello").status_code == 429


@pytest.mark.django_db
def test_a_file_over_two_mebibytes_is_still_read(client):
    """Django keeps uploads in memory up to 2 MiB only: the limit here is 2.5 MB."""
    body = post(client, b"not a pdf" + b"0" * 2_300_000).json()
    assert body["is_pdf"] is False
    assert body["sentences"][0] == "This file is not a readable PDF."
