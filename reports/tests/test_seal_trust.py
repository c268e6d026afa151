# ruff: noqa: F811 - the seal fixtures are imported from test_seal
"""Trusted authorities (issue 19): with ``SEAL_TRUST_ROOTS`` the verification says whether
a seal's certificate is vouched for by an authority it trusts, and names it; otherwise it
says plainly that nothing vouches for the sealer (self-signed, unknown authority)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.utils import translation

from reports.seal import seal_pdf
from reports.services.seal_check import pdf_seal_check, seal_check_lines
from reports.tests.test_seal import PASSWORD, certificate_pdf  # noqa: F401 - fixture

NOW = datetime.datetime.now(datetime.UTC)


@dataclass
class Authority:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def pem(self, path: Path) -> Path:
        path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        return path


def name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Autorité test")])


def make_authority(common_name: str) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder().subject_name(name(common_name)).issuer_name(name(common_name))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256()))
    return Authority(key, certificate)


def seal_issued_by(authority: Authority, path: Path, *, expired: bool = False) -> Path:
    """A PKCS#12 seal whose certificate the authority issued (valid today, or expired)."""
    key = ec.generate_private_key(ec.SECP256R1())
    end = NOW - datetime.timedelta(days=1) if expired else NOW + datetime.timedelta(days=30)
    certificate = (
        x509.CertificateBuilder().subject_name(x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, "Cachet qualifié test"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Certificateur test")]))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=60)).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            authority.key.public_key()), critical=False)
        .sign(authority.key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"seal", key, certificate, [authority.certificate],
        serialization.BestAvailableEncryption(PASSWORD.encode())))
    return path


@pytest.fixture(scope="module")
def authority() -> Authority:
    return make_authority("AC Cachets Test")


@pytest.fixture
def sealed_by_authority(settings, authority, certificate_pdf, tmp_path) -> bytes:
    settings.SEAL_PKCS12_PATH = str(seal_issued_by(authority, tmp_path / "seal.p12"))
    settings.SEAL_PKCS12_PASSWORD = PASSWORD
    return seal_pdf(certificate_pdf)


def lines(check) -> list[str]:
    with translation.override("en"):
        return seal_check_lines(check)


@pytest.mark.django_db
def test_trusted_when_its_authority_is_configured(settings, authority, sealed_by_authority,
                                                  tmp_path):
    settings.SEAL_TRUST_ROOTS = [str(authority.pem(tmp_path / "ca.pem"))]
    check = pdf_seal_check(sealed_by_authority)
    assert check.seal_ok
    assert check.trusted
    assert check.trusted_by == "AC Cachets Test"
    assert ("The seal's certificate is vouched for by AC Cachets Test, a certification "
            "authority this verification trusts: the sealer is who the seal says."
            in lines(check))
    with translation.override("fr"):
        assert any("AC Cachets Test" in line and "garanti" in line
                   for line in seal_check_lines(check))


@pytest.mark.django_db
def test_not_trusted_when_no_authority_is_configured(sealed_by_authority):
    check = pdf_seal_check(sealed_by_authority)
    assert check.seal_ok  # intact all the same
    assert not check.trusted
    assert check.issuer == "AC Cachets Test"
    assert not check.self_signed
    assert ("The seal's certificate was issued by AC Cachets Test, an authority this "
            "verification does not know: nothing vouches for who sealed it. Rely on the "
            "register check below." in lines(check))


@pytest.mark.django_db
def test_not_trusted_when_another_authority_is_configured(settings, sealed_by_authority,
                                                          tmp_path):
    other = make_authority("AC Autre")
    settings.SEAL_TRUST_ROOTS = [str(other.pem(tmp_path / "other.pem"))]
    check = pdf_seal_check(sealed_by_authority)
    assert not check.trusted
    assert any("an authority this verification does not know" in line
               for line in lines(check))


@pytest.mark.django_db
def test_a_directory_of_authorities_in_pem_and_der(settings, authority, sealed_by_authority,
                                                   tmp_path):
    directory = tmp_path / "roots"
    directory.mkdir()
    make_authority("AC Autre").pem(directory / "other.pem")
    (directory / "ours.der").write_bytes(
        authority.certificate.public_bytes(serialization.Encoding.DER))
    (directory / "README").write_text("not a certificate")  # skipped, logged
    settings.SEAL_TRUST_ROOTS = [str(directory)]
    check = pdf_seal_check(sealed_by_authority)
    assert check.trusted
    assert check.trusted_by == "AC Cachets Test"


@pytest.mark.django_db
def test_an_expired_certificate_of_a_trusted_authority(settings, authority, certificate_pdf,
                                                       tmp_path):
    settings.SEAL_PKCS12_PATH = str(seal_issued_by(authority, tmp_path / "old.p12",
                                                   expired=True))
    settings.SEAL_PKCS12_PASSWORD = PASSWORD
    settings.SEAL_TRUST_ROOTS = [str(authority.pem(tmp_path / "ca.pem"))]
    check = pdf_seal_check(seal_pdf(certificate_pdf))
    assert check.intact
    assert not check.trusted
    assert check.issuer_known
    assert any("an authority this verification trusts, but it is not valid today" in line
               for line in lines(check))


@pytest.mark.django_db
def test_a_self_signed_seal_says_so(settings, authority, certificate_pdf, tmp_path):
    from reports.tests.test_seal import make_seal

    seal = make_seal(tmp_path / "self.p12", "Cachet de test")
    settings.SEAL_PKCS12_PATH = str(seal.path)
    settings.SEAL_PKCS12_PASSWORD = seal.password
    settings.SEAL_TRUST_ROOTS = [str(authority.pem(tmp_path / "ca.pem"))]
    check = pdf_seal_check(seal_pdf(certificate_pdf))
    assert check.seal_ok
    assert check.self_signed
    assert not check.trusted
    assert any(line.startswith("The seal's certificate is self-signed") for line in lines(check))


@pytest.mark.django_db
def test_an_unreadable_trust_root_is_logged_not_fatal(settings, sealed_by_authority, tmp_path,
                                                      caplog):
    settings.SEAL_TRUST_ROOTS = [str(tmp_path / "missing.pem")]
    check = pdf_seal_check(sealed_by_authority)
    assert check.seal_ok
    assert not check.trusted
    assert "missing.pem cannot be read" in caplog.text


@pytest.mark.django_db
def test_the_api_says_trusted_and_by_whom(client, settings, authority, sealed_by_authority,
                                          tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.SEAL_TRUST_ROOTS = [str(authority.pem(tmp_path / "ca.pem"))]
    body = client.post("/api/v1/verify/file/",
                       {"file": SimpleUploadedFile("d.pdf", sealed_by_authority)},
                       HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["trusted"] is True
    assert body["trusted_by"] == "AC Cachets Test"
    assert body["issuer"] == "AC Cachets Test"
    assert body["self_signed"] is False


@pytest.mark.django_db
def test_a_certificate_added_to_the_directory_counts_at_once(settings, authority,
                                                             sealed_by_authority, tmp_path):
    directory = tmp_path / "roots"
    directory.mkdir()
    settings.SEAL_TRUST_ROOTS = [str(directory)]
    assert not pdf_seal_check(sealed_by_authority).trusted
    authority.pem(directory / "ours.pem")
    assert pdf_seal_check(sealed_by_authority).trusted
