"""The certifier's electronic seal on every issued PDF (issue 19): a PAdES baseline
signature (B-B; B-T with an RFC 3161 time stamp when ``SEAL_TSA_URL`` is set), added as an
incremental update so the document's PDF/A conformance and tags stay as rendered.

Configured by ``SEAL_PKCS12_PATH`` and its password (``SEAL_PKCS12_PASSWORD`` or
``SEAL_PKCS12_PASSWORD_FILE``). No file configured: documents are issued unsealed. A file
configured but unusable: ``SealError``, recorded as the document's failure, never an
unsealed document in its place."""

from __future__ import annotations

import datetime
import functools
import io
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _


class SealError(Exception):
    """The configured seal cannot be applied; its message says why, in words."""


def seal_configured() -> bool:
    return bool(settings.SEAL_PKCS12_PATH)


def _password() -> bytes | None:
    if settings.SEAL_PKCS12_PASSWORD_FILE:
        try:
            text = Path(settings.SEAL_PKCS12_PASSWORD_FILE).read_text(encoding="utf-8")
        except OSError as error:
            raise SealError(_("The seal's password file cannot be read (%(path)s): %(error)s")
                            % {"path": settings.SEAL_PKCS12_PASSWORD_FILE,
                               "error": error.strerror or error}) from error
        return text.strip().encode()
    password = settings.SEAL_PKCS12_PASSWORD
    return password.encode() if password else None


@functools.lru_cache(maxsize=4)
def _signer(path: str, mtime_ns: int, password: bytes | None):  # mtime: in the cache key
    from pyhanko.sign import signers

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise SealError(_("The seal file cannot be read (%(path)s): %(error)s")
                        % {"path": path, "error": error.strerror or error}) from error
    try:
        loaded = signers.SimpleSigner.load_pkcs12_data(data, other_certs=[],
                                                       passphrase=password)
    except ValueError as error:
        raise SealError(_("The seal file %(path)s cannot be opened: wrong password or not a "
                          "PKCS#12 file.") % {"path": path}) from error
    return _kept_key_signer_class()(signing_cert=loaded.signing_cert,
                                    signing_key=loaded.signing_key,
                                    cert_registry=loaded.cert_registry)


@functools.cache
def _kept_key_signer_class():  # made on first use: pyHanko is slow to import
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.serialization import load_der_private_key
    from pyhanko.sign import signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class KeptKeySigner(signers.SimpleSigner):
        """pyHanko's ``SimpleSigner`` parses its key again for each signature, which pays
        OpenSSL's RSA key check every time (about 200 ms for a 3072-bit key): the key is
        parsed once here. Other mechanisms than RSA PKCS#1 v1.5 and ECDSA: pyHanko's."""

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            if not hasattr(self, "_key"):
                self._key = load_der_private_key(self.signing_key.dump(), password=None)
            try:
                mechanism = self.get_signature_mechanism_for_digest(
                    digest_algorithm).signature_algo
            except ValueError:
                return super().sign_raw(data, digest_algorithm)
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
                return self._key.sign(data, padding.PKCS1v15(), hash_algorithm)
            if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
                return self._key.sign(data, ec.ECDSA(hash_algorithm))
            return super().sign_raw(data, digest_algorithm)

    return KeptKeySigner


def _configured_signer():
    path = str(settings.SEAL_PKCS12_PATH)
    try:
        mtime_ns = Path(path).stat().st_mtime_ns
    except OSError as error:
        raise SealError(_("The seal file cannot be read (%(path)s): %(error)s")
                        % {"path": path, "error": error.strerror or error}) from error
    return _signer(path, mtime_ns, _password())


def seal_pdf(data: bytes) -> bytes:
    """The PDF with the certifier's seal: a certification signature (no change allowed
    after it) in the field « Cachet », covering the whole file. Raises ``SealError``."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps

    signer = _configured_signer()
    timestamper = (timestamps.HTTPTimeStamper(settings.SEAL_TSA_URL)
                   if settings.SEAL_TSA_URL else None)
    metadata = signers.PdfSignatureMetadata(
        field_name="Cachet", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        name=settings.CERTIFIER_NAME)
    # pyHanko sizes the signature's room with a trial signature, half the cost of a seal:
    # without a time stamp (whose size varies) the room it found for this key is kept.
    reserved = None if timestamper else getattr(signer, "reserved_room", None)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        sealed = signers.PdfSigner(metadata, signer=signer, timestamper=timestamper).sign_pdf(
            writer, bytes_reserved=reserved).getvalue()
    except Exception as error:  # a time stamp authority down, an unreadable PDF
        raise SealError(_("The document could not be sealed: %(error)s")
                        % {"error": f"{type(error).__name__}: {error}"}) from error
    if reserved is None and timestamper is None:
        signer.reserved_room = _room(sealed)
    return sealed


def _room(sealed: bytes) -> int | None:
    """The hexadecimal digits reserved for the signature: the gap of its /ByteRange
    (``[0 a b c]``, the gap from ``a`` to ``b`` holds ``<``, the digits and ``>``)."""
    found = _BYTE_RANGE.findall(sealed)
    if not found:
        return None
    _start, before, after, _length = map(int, found[-1])
    return after - before - 2


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def seal_if_configured(data: bytes) -> bytes:
    """Sealed when a seal is configured, as rendered otherwise."""
    return seal_pdf(data) if seal_configured() else data


def demo_seal_ensure(path: Path | str | None) -> bool:
    """Embedded mode: create once a self-signed demo seal (PKCS#12 at ``path``, its
    password in ``path`` with the suffix ``.password``), named « démonstration ».
    ``None`` (a seal configured by the operator, or the tests): nothing. Returns whether
    a seal was created."""
    if not path:
        return False
    path = Path(path)
    if path.exists():
        return False
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    def fit(text: str) -> str:  # X.520 upper bound: 64, counted in UTF-8 bytes here
        if len(text.encode()) <= 64:
            return text
        cut = text.encode()[:61].decode(errors="ignore")
        return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"

    certifier = fit(settings.CERTIFIER_NAME)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME,
                           fit(f"Cachet de démonstration — {settings.CERTIFIER_NAME}")),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, certifier),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME,
                           "Démonstration — sans valeur légale"),
    ])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    password = secrets.token_urlsafe(24)
    data = pkcs12.serialize_key_and_certificates(
        b"demo-seal", key, certificate, None,
        serialization.BestAvailableEncryption(password.encode()))
    path.parent.mkdir(parents=True, exist_ok=True)
    password_path = path.with_suffix(".password")
    password_path.write_text(password + "\n", encoding="utf-8")
    password_path.chmod(0o600)
    path.write_bytes(data)
    path.chmod(0o600)
    return True
