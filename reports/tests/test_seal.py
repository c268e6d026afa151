"""The certifier's seal on every issued PDF (issue 19): a PAdES signature that verifies,
breaks when one byte changes, keeps the tags, is what the register hashes; a seal that
cannot be applied is a recorded failure; ``verify_document`` says all of it in words."""

from __future__ import annotations

import datetime
import hashlib
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from reports.documents import render_pdf
from reports.models import Document, DocumentKind, DocumentStatus
from reports.seal import demo_seal_ensure, seal_pdf
from reports.services import document_render, documents_issue_for_deliberation
from reports.services.revocation import document_revoke
from reports.services.seal_check import pdf_seal_check, seal_check_lines
from reports.tests.test_documents_render import sample_context

PASSWORD = "correct horse"


@dataclass
class Seal:
    path: Path
    password: str


def make_seal(path: Path, common_name: str) -> Seal:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Certificateur test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .sign(key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"test", key, certificate, None,
        serialization.BestAvailableEncryption(PASSWORD.encode())))
    return Seal(path, PASSWORD)


@pytest.fixture(scope="session")
def seal_file(tmp_path_factory) -> Seal:
    """A throwaway seal, one key for the whole session."""
    return make_seal(tmp_path_factory.mktemp("seal") / "seal.p12", "Cachet de test")


@pytest.fixture(scope="session")
def certificate_pdf() -> bytes:
    """A real certificate, rendered once (tagged, PDF/A)."""
    return render_pdf("certificate", sample_context("certificate"))


@pytest.fixture
def sealing(settings, seal_file) -> Seal:
    settings.SEAL_PKCS12_PATH = str(seal_file.path)
    settings.SEAL_PKCS12_PASSWORD = seal_file.password
    return seal_file


@pytest.fixture
def real_pdf(monkeypatch, certificate_pdf) -> None:
    """Every document renders as the real certificate laid out once (fast)."""
    monkeypatch.setattr("reports.documents.render_pdf",
                        lambda kind, context, *, language="fr": certificate_pdf)
    monkeypatch.setattr("reports.documents.render_pdfs",
                        lambda items, *, language="fr", **options: [certificate_pdf] * len(items))


@pytest.fixture
def issued(signed, enqueued) -> list[Document]:
    return documents_issue_for_deliberation(deliberation=signed.deliberation)


def certificate_of(issued: list[Document]) -> Document:
    return next(d for d in issued if d.kind == DocumentKind.CERTIFICATE)


def file_bytes(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def verify(path: Path, language: str = "en") -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("verify_document", str(path), "--language", language, stdout=out)
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()


# --- the seal itself ----------------------------------------------------------------------

def test_a_sealed_pdf_is_intact_over_the_whole_file(sealing, certificate_pdf, db):
    check = pdf_seal_check(seal_pdf(certificate_pdf))
    assert check.sealed
    assert check.intact
    assert check.whole_file
    assert check.seal_ok
    assert check.signer == "Cachet de test"
    assert check.signer_organisation == "Certificateur test"
    assert check.signed_at is not None
    assert not check.timestamped  # B-B: no time stamp authority configured


def test_one_byte_changed_breaks_the_seal(sealing, certificate_pdf, db):
    sealed = bytearray(seal_pdf(certificate_pdf))
    sealed[len(certificate_pdf) // 2] ^= 1  # one byte of the rendered part, signed
    check = pdf_seal_check(bytes(sealed))
    assert check.sealed
    assert not check.intact
    assert not check.seal_ok


def test_sealing_keeps_the_tags_and_pdfa(sealing, certificate_pdf):
    sealed = seal_pdf(certificate_pdf)
    assert sealed.startswith(certificate_pdf)  # an incremental update: nothing rewritten
    with pikepdf.open(io.BytesIO(sealed)) as document:
        root = document.Root
        assert root.StructTreeRoot.K
        assert bool(root.MarkInfo.Marked) is True
        assert str(root.Lang) == "fr"
        assert all("/StructParents" in page.obj for page in document.pages)
        assert b"pdfaid:part" in bytes(root.Metadata.read_bytes())


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils missing")
def test_pdfsig_lists_a_valid_signature(sealing, certificate_pdf, tmp_path):
    path = tmp_path / "sealed.pdf"
    path.write_bytes(seal_pdf(certificate_pdf))
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True,
                         check=False).stdout
    assert "Signature #1" in out
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out


def test_the_demo_seal_is_made_once_and_says_demonstration(settings, tmp_path, certificate_pdf,
                                                            db):
    path = tmp_path / "seal" / "demo-seal.p12"
    assert demo_seal_ensure(path) is True
    assert demo_seal_ensure(path) is False  # once
    assert demo_seal_ensure(None) is False
    settings.SEAL_PKCS12_PATH = str(path)
    settings.SEAL_PKCS12_PASSWORD_FILE = str(path.with_suffix(".password"))
    check = pdf_seal_check(seal_pdf(certificate_pdf))
    assert check.seal_ok
    assert check.signer.startswith("Cachet de démonstration — ")
    assert check.signer_organisation == settings.CERTIFIER_NAME


# --- in the rendering -------------------------------------------------------------------

@pytest.mark.django_db
def test_the_register_hashes_the_sealed_file(sealing, real_pdf, issued, certificate_pdf):
    document = document_render(document_id=certificate_of(issued).pk)
    assert document.status == DocumentStatus.ISSUED
    stored = file_bytes(document)
    assert stored != certificate_pdf
    assert document.sha256 == hashlib.sha256(stored).hexdigest()
    check = pdf_seal_check(stored)
    assert check.seal_ok
    assert check.document == document


@pytest.mark.django_db
def test_rendering_again_seals_fresh_bytes(sealing, real_pdf, issued):
    document = document_render(document_id=certificate_of(issued).pk)
    first = document.sha256
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.FAILED)
    again = document_render(document_id=document.pk)
    assert again.status == DocumentStatus.ISSUED
    assert again.sha256 != first
    assert pdf_seal_check(file_bytes(again)).seal_ok


@pytest.mark.django_db
def test_without_a_seal_documents_are_issued_unsealed(real_pdf, issued, certificate_pdf):
    document = document_render(document_id=certificate_of(issued).pk)
    assert document.status == DocumentStatus.ISSUED
    assert file_bytes(document) == certificate_pdf
    assert not pdf_seal_check(certificate_pdf).sealed


@pytest.mark.django_db
def test_a_wrong_password_is_a_recorded_failure(settings, sealing, real_pdf, issued):
    settings.SEAL_PKCS12_PASSWORD = "wrong"
    document = document_render(document_id=certificate_of(issued).pk)
    assert document.status == DocumentStatus.FAILED
    assert str(sealing.path) in document.failure_reason
    assert "PKCS#12" in document.failure_reason
    assert not document.file
    assert not document.sha256


@pytest.mark.django_db
def test_a_missing_seal_file_is_a_recorded_failure_in_bulk(settings, sealing, real_pdf, issued,
                                                           tmp_path):
    from reports.services import documents_render

    settings.SEAL_PKCS12_PATH = str(tmp_path / "gone.p12")
    documents = documents_render(document_ids=[d.pk for d in issued])
    assert {d.status for d in documents} == {DocumentStatus.FAILED}
    assert all("gone.p12" in d.failure_reason for d in documents)


# --- verify_document -----------------------------------------------------------------------

@pytest.mark.django_db
def test_verify_a_register_document(sealing, real_pdf, issued, tmp_path):
    document = document_render(document_id=certificate_of(issued).pk)
    path = tmp_path / "received.pdf"
    path.write_bytes(file_bytes(document))
    ok, out = verify(path)
    assert ok
    assert "The electronic seal is intact" in out
    assert "Sealed by: Cachet de test (Certificateur test)" in out
    assert f"exactly document {document.number} (certificate)" in out
    assert "Status: valid." in out
    assert "authentic, valid document" in out
    ok, out = verify(path, "fr")
    print(out)
    assert ok
    assert "Le cachet électronique est intact" in out
    assert "Statut : valide." in out


@pytest.mark.django_db
def test_verify_a_changed_file(sealing, real_pdf, issued, tmp_path):
    document = document_render(document_id=certificate_of(issued).pk)
    data = bytearray(file_bytes(document))
    data[11] ^= 1  # in the header's binary comment: still a readable PDF, no longer the sealed one
    path = tmp_path / "changed.pdf"
    path.write_bytes(bytes(data))
    ok, out = verify(path)
    assert not ok
    assert "The electronic seal is broken" in out
    assert "This file is not in the register" in out
    assert "do not rely on this file" in out


@pytest.mark.django_db
def test_verify_an_unsealed_file(certificate_pdf, tmp_path):
    path = tmp_path / "plain.pdf"
    path.write_bytes(certificate_pdf)
    ok, out = verify(path)
    assert not ok
    assert "This file carries no electronic seal" in out
    assert "This file is not in the register" in out


@pytest.mark.django_db
def test_verify_a_revoked_document(sealing, real_pdf, issued, alice, tmp_path):
    document = document_render(document_id=certificate_of(issued).pk)
    document_revoke(document=document, by=alice, reason="Erreur de saisie",
                    public_reason="Remplacé par un nouveau certificat.")
    path = tmp_path / "revoked.pdf"
    path.write_bytes(file_bytes(document))
    ok, out = verify(path)
    assert not ok
    assert "The electronic seal is intact" in out
    assert "Status: revoked on" in out
    assert "Remplacé par un nouveau certificat." in out


def test_verify_a_file_that_is_not_a_pdf(tmp_path, db):
    path = tmp_path / "note.pdf"
    path.write_bytes(b"hello")
    with translation.override("en"):
        ok, out = verify(path)
    assert not ok
    assert "not a readable PDF" in out


@pytest.mark.django_db
def test_rotation_keeps_old_documents_verifiable(settings, sealing, real_pdf, issued, tmp_path):
    old = document_render(document_id=certificate_of(issued).pk)
    settings.SEAL_PKCS12_PATH = str(make_seal(tmp_path / "new.p12", "Cachet 2028").path)
    new = document_render(document_id=next(
        d for d in issued if d.kind == DocumentKind.TRANSCRIPT).pk)
    old_check, new_check = pdf_seal_check(file_bytes(old)), pdf_seal_check(file_bytes(new))
    assert old_check.seal_ok
    assert old_check.signer == "Cachet de test"
    assert old_check.document == old
    assert new_check.seal_ok
    assert new_check.signer == "Cachet 2028"


# --- the verification page: an uploaded PDF -------------------------------------------------



def upload(client, data: bytes, language: str = "en"):
    client.cookies["django_language"] = language
    pdf = SimpleUploadedFile("doc.pdf", data, "application/pdf")
    return client.post(reverse("reports:verify_file"), {"file": pdf},
                       HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.django_db
def test_the_form_says_what_to_upload(client):
    response = client.get(reverse("reports:verify_file"), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_file">PDF file</label>' in page
    assert 'aria-describedby="id_file_helptext"' in page
    assert "never kept" in page


@pytest.mark.django_db
def test_a_sealed_register_document_is_authentic(client, sealing, real_pdf, issued, tmp_path,
                                                 django_assert_max_num_queries, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    document = document_render(document_id=certificate_of(issued).pk)
    data = file_bytes(document)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with django_assert_max_num_queries(12):
        response = upload(client, data)
    page = response.content.decode()
    assert "Authentic, valid document" in page
    assert "The electronic seal is intact" in page
    assert f"exactly document {document.number}" in page
    assert "Status: valid." in page
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing kept


@pytest.mark.django_db
def test_a_changed_file_is_not(client, sealing, real_pdf, issued):
    data = bytearray(file_bytes(document_render(document_id=certificate_of(issued).pk)))
    data[11] ^= 1
    page = upload(client, bytes(data)).content.decode()
    assert "Do not rely on this file" in page
    assert "The electronic seal is broken" in page
    assert "This file is not in the register" in page


@pytest.mark.django_db
def test_a_revoked_document_says_so_in_french(client, sealing, real_pdf, issued, alice):
    document = document_render(document_id=certificate_of(issued).pk)
    document_revoke(document=document, by=alice, reason="interne", public_reason="Erreur.")
    page = upload(client, file_bytes(document), "fr").content.decode()
    assert "Ne vous fiez pas à ce fichier" in page
    assert "Statut : révoqué le" in page
    assert "interne" not in page


@pytest.mark.django_db
def test_not_a_pdf_and_no_file(client):
    page = upload(client, b"hello").content.decode()
    assert "This file is not a readable PDF." in page
    response = client.post(reverse("reports:verify_file"), {}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Choose the PDF file to check" in response.content.decode()


@pytest.mark.django_db
def test_a_file_too_large_is_refused(client):
    page = upload(client, b"%PDF-1.7\n" + b"0" * 2_600_000).content.decode()
    assert "larger than 2.5 MB" in page


@pytest.mark.django_db
def test_the_upload_needs_the_csrf_token(certificate_pdf):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    pdf = SimpleUploadedFile("doc.pdf", certificate_pdf, "application/pdf")
    assert client.post(reverse("reports:verify_file"), {"file": pdf}).status_code == 403


@pytest.mark.django_db
def test_an_update_added_after_the_seal_is_said(sealing, certificate_pdf):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(seal_pdf(certificate_pdf)), strict=False)
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    check = pdf_seal_check(out.getvalue())
    assert check.intact
    assert not check.whole_file
    assert not check.seal_ok
    with translation.override("en"):
        assert any("something was added" in line for line in seal_check_lines(check))


@pytest.mark.django_db
def test_a_file_over_two_mebibytes_is_read_in_memory(client):
    """Django keeps uploads in memory up to 2 MiB only: the page's limit is 2.5 MB."""
    page = upload(client, b"not a pdf" + b"0" * 2_300_000).content.decode()
    assert "This file is not a readable PDF." in page


def test_the_seal_field_is_in_the_structure_tree(sealing, certificate_pdf, db):
    """PDF/UA: the seal's widget is tagged — a Form element under the document's root
    element, reached from the widget's StructParent through the parent tree, with its
    alternate text; the seal still covers the whole file."""
    sealed = seal_pdf(certificate_pdf)
    with pikepdf.open(io.BytesIO(sealed)) as document:
        root = document.Root
        field = next(f for f in root.AcroForm.Fields if str(f.T) == "Cachet")
        assert int(field.F) & 4  # printable (PDF/A), not hidden
        assert str(field.TU).startswith("Cachet électronique")
        numbers = root.StructTreeRoot.ParentTree.Nums
        parents = {int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)}
        element = parents[int(field.StructParent)]
        assert element.S == "/Form"
        assert element.K.Type == "/OBJR"
        assert element.K.Obj.objgen == field.objgen
        assert str(element.Alt).startswith("Cachet électronique")
        top = root.StructTreeRoot.K[0]
        assert any(kid.objgen == element.objgen for kid in top.K
                   if isinstance(kid, pikepdf.Dictionary))
        assert int(root.StructTreeRoot.ParentTreeNextKey) == int(field.StructParent) + 1
    check = pdf_seal_check(sealed)
    assert check.intact
    assert check.whole_file
