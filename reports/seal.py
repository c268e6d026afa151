"""The certifier's electronic seal on every issued PDF (issue 19): a PAdES baseline
signature (B-B; B-T with an RFC 3161 time stamp when ``SEAL_TSA_URL`` is set), added as an
incremental update so the document's PDF/A conformance and tags stay as rendered.

Configured by ``SEAL_PKCS12_PATH`` and its password (``SEAL_PKCS12_PASSWORD`` or
``SEAL_PKCS12_PASSWORD_FILE``), or by a key on a PKCS#11 token (an HSM, a smart card):
``SEAL_PKCS11_MODULE`` with the token, key and certificate labels and the PIN (the token
wins when both are configured). Nothing configured: documents are issued unsealed. A seal
configured but unusable: ``SealError``, recorded as the document's failure, never an
unsealed document in its place."""

from __future__ import annotations

import contextlib
import datetime
import functools
import io
import re
import secrets
import threading
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _


class SealError(Exception):
    """The configured seal cannot be applied; its message says why, in words."""


def seal_configured() -> bool:
    return bool(settings.SEAL_PKCS12_PATH or settings.SEAL_PKCS11_MODULE)


def _secret_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise SealError(_("The seal's password file cannot be read (%(path)s): %(error)s")
                        % {"path": path, "error": error.strerror or error}) from error


def _password() -> bytes | None:
    if settings.SEAL_PKCS12_PASSWORD_FILE:
        return _secret_file(settings.SEAL_PKCS12_PASSWORD_FILE).encode()
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


# -- a key on a PKCS#11 token -----------------------------------------------------------------
def _pkcs11_pin() -> str | None:
    if settings.SEAL_PKCS11_PIN_FILE:
        return _secret_file(settings.SEAL_PKCS11_PIN_FILE)
    return settings.SEAL_PKCS11_PIN or None


_PKCS11_SIGNERS: dict[tuple, object] = {}


def _pkcs11_signer(*configuration: str | None):
    """A session opened once per worker process and kept: opening one (loading the module,
    logging in) costs far more than a signature. One at a time (a token takes one login
    per process): another configuration closes the previous one."""
    signer = _PKCS11_SIGNERS.get(configuration)
    if signer is None:
        pkcs11_sessions_close()
        signer = _PKCS11_SIGNERS[configuration] = _pkcs11_open(*configuration)
    return signer


def pkcs11_sessions_close() -> None:
    """Close the kept PKCS#11 session: the next seal opens the token afresh (after a
    failure, the token may have been removed or reset)."""
    for signer in _PKCS11_SIGNERS.values():
        with contextlib.suppress(Exception):  # gone with the token: nothing to close
            signer.pkcs11_session.close()
    _PKCS11_SIGNERS.clear()


def _pkcs11_open(module: str, token_label: str, key_label: str, cert_label: str,
                 pin: str | None):
    import pkcs11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    if not Path(module).is_file():
        raise SealError(_("The PKCS#11 module %(path)s does not exist: install the token's "
                          "library or correct SEAL_PKCS11_MODULE.") % {"path": module})
    try:
        session = open_pkcs11_session(
            module, token_criteria=TokenCriteria(label=token_label or None), user_pin=pin)
    except pkcs11.PinIncorrect as error:
        raise SealError(_("The PIN of the PKCS#11 token “%(token)s” is wrong.")
                        % {"token": token_label}) from error
    except (pkcs11.PKCS11Error, OSError, RuntimeError) as error:
        if "No token" in str(error):
            raise SealError(_("No PKCS#11 token labelled “%(token)s” is present (module "
                              "%(path)s).") % {"token": token_label, "path": module}) from error
        raise SealError(_("The PKCS#11 token cannot be opened (module %(path)s): %(error)s")
                        % {"path": module, "error": f"{type(error).__name__}: {error}"}
                        ) from error
    signer = PKCS11Signer(session, key_label=key_label or None,
                          cert_label=cert_label or key_label or None)
    try:
        signer.signing_cert  # noqa: B018 -- loads the key and certificate now, to say what is missing
    except Exception as error:
        session.close()
        raise SealError(_("The PKCS#11 token “%(token)s” has no key and certificate "
                          "labelled “%(label)s”: %(error)s")
                        % {"token": token_label, "label": cert_label or key_label,
                           "error": f"{type(error).__name__}: {error}"}) from error
    # ECDSA: the digest is made here and the token signs it (CKM_ECDSA), the mechanism every
    # token has; many (SoftHSM among them) lack the hash-and-sign ones (CKM_ECDSA_SHA256).
    signer.use_raw_mechanism = signer.signing_cert.public_key.algorithm == "ec"
    return signer


def _pkcs11_configured_signer():
    return _pkcs11_signer(str(settings.SEAL_PKCS11_MODULE), settings.SEAL_PKCS11_TOKEN_LABEL,
                          settings.SEAL_PKCS11_KEY_LABEL, settings.SEAL_PKCS11_CERT_LABEL,
                          _pkcs11_pin())


def _configured_signer():
    if settings.SEAL_PKCS11_MODULE:
        return _pkcs11_configured_signer()
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
    if not settings.SEAL_PKCS11_MODULE:
        return _seal_pdf(data)
    with _PKCS11_LOCK:  # one operation at a time on the kept session (a threaded worker)
        return _seal_pdf(data)


_PKCS11_LOCK = threading.Lock()


def _seal_pdf(data: bytes) -> bytes:
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
        _seal_field_tagged(writer)
        sealed = signers.PdfSigner(metadata, signer=signer, timestamper=timestamper).sign_pdf(
            writer, bytes_reserved=reserved).getvalue()
    except Exception as error:  # a time stamp authority down, an unreadable PDF, a token gone
        if settings.SEAL_PKCS11_MODULE:
            pkcs11_sessions_close()  # the next document opens the token afresh
        raise SealError(_("The document could not be sealed: %(error)s")
                        % {"error": f"{type(error).__name__}: {error}"}) from error
    if reserved is None and timestamper is None:
        signer.reserved_room = _room(sealed)
    return sealed


def _seal_field_tagged(writer) -> None:
    """The seal's field, made before signing and placed in the structure tree (PDF/UA: every
    annotation is tagged; a widget as a ``Form`` element): the widget, invisible and
    printable as PDF/A wants, gets a ``StructParent`` that the parent tree maps to a new
    ``Form`` element under the document's root element, with its alternate text. Nothing
    to do in an untagged PDF. Made here because the seal, a certification signature,
    allows no change after it."""
    from pyhanko.pdf_utils import generic
    from pyhanko.sign import fields

    root = writer.root
    if "/StructTreeRoot" not in root:
        return
    fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name="Cachet",
                                                               on_page=0))
    widget_ref = next(ref for ref in root["/AcroForm"]["/Fields"]
                      if ref.get_object().get("/T") == "Cachet")
    widget = widget_ref.get_object()
    _page, page_ref = writer.find_page_for_modification(0)
    tree_ref = root.raw_get("/StructTreeRoot")
    tree = tree_ref.get_object()
    top = tree.raw_get("/K")
    top = top[0] if isinstance(top, generic.ArrayObject) else top
    document = top.get_object()
    parents = tree["/ParentTree"]
    numbers = parents["/Nums"]
    key = int(tree.get("/ParentTreeNextKey", 0))
    key = max([key, *(int(numbers[i]) + 1 for i in range(0, len(numbers), 2))])
    label = generic.TextStringObject(_("Electronic seal of %(certifier)s")
                                     % {"certifier": settings.CERTIFIER_NAME})
    element_ref = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/StructElem"),
        generic.NameObject("/S"): generic.NameObject("/Form"),
        generic.NameObject("/P"): top,
        generic.NameObject("/Pg"): page_ref,
        generic.NameObject("/Alt"): label,
        generic.NameObject("/K"): generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/OBJR"),
            generic.NameObject("/Obj"): widget_ref,
            generic.NameObject("/Pg"): page_ref}),
    }))
    widget[generic.NameObject("/StructParent")] = generic.NumberObject(key)
    widget[generic.NameObject("/TU")] = label
    writer.mark_update(widget_ref)
    numbers.append(generic.NumberObject(key))
    numbers.append(element_ref)
    writer.update_container(numbers)
    tree[generic.NameObject("/ParentTreeNextKey")] = generic.NumberObject(key + 1)
    writer.mark_update(tree_ref)
    kids = document.get("/K")
    if isinstance(kids, generic.ArrayObject):
        kids.append(element_ref)
        writer.update_container(kids)
    else:
        document[generic.NameObject("/K")] = generic.ArrayObject(
            [kids, element_ref] if kids is not None else [element_ref])
        writer.update_container(document)


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
