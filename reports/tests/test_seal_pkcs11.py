# ruff: noqa: F811 - the seal fixtures are imported from test_seal
"""The seal's key on a PKCS#11 token (issue 19): a real SoftHSM2 token made in a temporary
directory, its key imported with ``softhsm2-util``, its certificate stored with
python-pkcs11; documents sealed through it verify, and its failures are recorded."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.utils import translation

from reports.models import DocumentKind, DocumentStatus
from reports.seal import SealError, pkcs11_sessions_close, seal_pdf
from reports.services import document_render
from reports.services.seal_check import pdf_seal_check
from reports.tests.test_seal import (  # noqa: F401 - fixtures
    certificate_of,
    certificate_pdf,
    file_bytes,
    issued,
    real_pdf,
)

MODULES = ["/usr/lib/softhsm/libsofthsm2.so",
           "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
           "/usr/local/lib/softhsm/libsofthsm2.so"]
MODULE = next((path for path in MODULES if Path(path).is_file()), None)

pytestmark = pytest.mark.skipif(
    shutil.which("softhsm2-util") is None or MODULE is None,
    reason="SoftHSM2 is not installed (apt-get install softhsm2; `make browser` does it)")

TOKEN = "Cachet certificateur"
PIN = "4729"


@dataclass
class Token:
    module: str
    label: str
    pin: str


def softhsm(*arguments: str) -> None:
    subprocess.run(["softhsm2-util", *arguments], check=True, capture_output=True)


def key_with_certificate(directory: Path, label: str, key_id: str, common_name: str,
                         *, rsa_key: bool = False) -> bytes:
    """A key imported on the token, and its self-signed certificate (DER)."""
    key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if rsa_key
           else ec.generate_private_key(ec.SECP256R1()))
    pem = directory / f"{label}.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    softhsm("--import", str(pem), "--token", TOKEN, "--label", label, "--id", key_id,
            "--pin", PIN)
    pem.unlink()  # the key now lives on the token only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Certificateur test")])
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


@pytest.fixture(scope="session")
def token(tmp_path_factory) -> Token:
    """A SoftHSM2 token with two ECDSA seal keys, « seal-2026 » and « seal-2027 » (a
    rotation), and an RSA one, « seal-rsa », each with its certificate beside it. Made
    before the module is loaded in this process: SoftHSM reads its token directory when it
    starts."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    config = directory / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {directory / 'tokens'}\n"
                      "objectstore.backend = file\nlog.level = ERROR\n")
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(config)
    softhsm("--init-token", "--free", "--label", TOKEN, "--so-pin", "87654321", "--pin", PIN)
    certificates = {
        "seal-2026": (b"\x01", key_with_certificate(directory, "seal-2026", "01",
                                                    "Cachet HSM 2026")),
        "seal-2027": (b"\x02", key_with_certificate(directory, "seal-2027", "02",
                                                    "Cachet HSM 2027")),
        "seal-rsa": (b"\x03", key_with_certificate(directory, "seal-rsa", "03",
                                                   "Cachet HSM RSA", rsa_key=True)),
    }
    with pkcs11.lib(MODULE).get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
        for label, (key_id, der) in certificates.items():
            certificate = x509.load_der_x509_certificate(der)
            session.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: key_id,
                Attribute.SUBJECT: certificate.subject.public_bytes(),
                Attribute.VALUE: der,
            })
    yield Token(MODULE, TOKEN, PIN)
    pkcs11_sessions_close()
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before


@pytest.fixture
def on_token(settings, token) -> Token:
    settings.SEAL_PKCS11_MODULE = token.module
    settings.SEAL_PKCS11_TOKEN_LABEL = token.label
    settings.SEAL_PKCS11_KEY_LABEL = "seal-2026"
    settings.SEAL_PKCS11_CERT_LABEL = ""
    settings.SEAL_PKCS11_PIN = token.pin
    yield token
    pkcs11_sessions_close()


def test_a_document_sealed_on_the_token_verifies(on_token, certificate_pdf, tmp_path, db):
    sealed = seal_pdf(certificate_pdf)
    check = pdf_seal_check(sealed)
    assert check.seal_ok
    assert check.signer == "Cachet HSM 2026"
    assert check.signer_organisation == "Certificateur test"
    assert seal_pdf(certificate_pdf) != sealed  # the session is kept: a second seal
    if shutil.which("pdfsig"):
        path = tmp_path / "sealed.pdf"
        path.write_bytes(sealed)
        out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True,
                             check=False).stdout
        assert "Signature #1" in out
        assert "Signer Certificate Common Name: Cachet HSM 2026" in out
        assert "Signature Validation: Signature is Valid." in out
        assert "Total document signed" in out


def test_an_rsa_key_on_the_token(on_token, settings, certificate_pdf, db):
    settings.SEAL_PKCS11_KEY_LABEL = "seal-rsa"
    check = pdf_seal_check(seal_pdf(certificate_pdf))
    assert check.seal_ok
    assert check.signer == "Cachet HSM RSA"


def test_the_pin_from_a_file(on_token, settings, certificate_pdf, tmp_path, db):
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n")
    settings.SEAL_PKCS11_PIN = ""
    settings.SEAL_PKCS11_PIN_FILE = str(pin_file)
    assert pdf_seal_check(seal_pdf(certificate_pdf)).seal_ok


def test_the_token_wins_over_a_pkcs12_file(on_token, settings, certificate_pdf, tmp_path, db):
    settings.SEAL_PKCS12_PATH = str(tmp_path / "absent.p12")
    assert pdf_seal_check(seal_pdf(certificate_pdf)).signer == "Cachet HSM 2026"


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("SEAL_PKCS11_MODULE", "/nowhere/libvendor-pkcs11.so",
     "The PKCS#11 module /nowhere/libvendor-pkcs11.so does not exist"),
    ("SEAL_PKCS11_TOKEN_LABEL", "Autre jeton",
     "No PKCS#11 token labelled “Autre jeton” is present"),
    ("SEAL_PKCS11_PIN", "0000", f"The PIN of the PKCS#11 token “{TOKEN}” is wrong."),
    ("SEAL_PKCS11_KEY_LABEL", "seal-1999",
     f"The PKCS#11 token “{TOKEN}” has no key and certificate labelled “seal-1999”"),
])
def test_what_goes_wrong_is_said(on_token, settings, certificate_pdf, setting, value, says):
    settings.SEAL_PKCS11_MODULE = on_token.module
    setattr(settings, setting, value)
    with translation.override("en"), pytest.raises(SealError) as raised:
        seal_pdf(certificate_pdf)
    assert says in str(raised.value)


@pytest.mark.django_db
def test_a_wrong_pin_is_a_recorded_failure_never_an_unsealed_document(on_token, settings,
                                                                     real_pdf, issued):
    settings.SEAL_PKCS11_PIN = "0000"
    document = document_render(document_id=certificate_of(issued).pk)
    assert document.status == DocumentStatus.FAILED
    assert "PIN" in document.failure_reason
    assert not document.file
    assert not document.sha256
    settings.SEAL_PKCS11_PIN = PIN  # the right one: rendering again issues it, sealed
    document = document_render(document_id=document.pk)
    assert document.status == DocumentStatus.ISSUED
    assert pdf_seal_check(file_bytes(document)).seal_ok


@pytest.mark.django_db
def test_rotation_on_the_token_keeps_old_documents_verifiable(on_token, settings, real_pdf,
                                                              issued):
    old = document_render(document_id=certificate_of(issued).pk)
    settings.SEAL_PKCS11_KEY_LABEL = "seal-2027"
    new = document_render(document_id=next(
        d for d in issued if d.kind == DocumentKind.TRANSCRIPT).pk)
    old_check, new_check = pdf_seal_check(file_bytes(old)), pdf_seal_check(file_bytes(new))
    assert old_check.seal_ok
    assert old_check.signer == "Cachet HSM 2026"
    assert old_check.document == old
    assert new_check.seal_ok
    assert new_check.signer == "Cachet HSM 2027"
    assert new_check.document == new
