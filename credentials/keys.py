"""The issuer's signing key: data, not code (issue 19).

``CREDENTIAL_KEY_PATH`` names a PEM private key (RSA: RS256, the algorithm every Open
Badges 3.0 verifier supports; EC P-256: ES256; Ed25519: EdDSA), its password, if any, in
``CREDENTIAL_KEY_PASSWORD_FILE``. Nothing configured: no credential is issued. The
embedded mode makes once a demonstration key under ``var/credentials/``.

Rotation is pointing ``CREDENTIAL_KEY_PATH`` at a new key: its public half is recorded
(``IssuerKey``) the first time it signs, and every public key recorded stays published, so
the credentials signed before still verify (docs/operations.md)."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _


class CredentialKeyError(Exception):
    """The configured signing key cannot be used; the message says why, in words."""


def credentials_configured() -> bool:
    return bool(settings.CREDENTIAL_KEY_PATH)


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 of the key's required members, base64url without padding."""
    required = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"),
                "OKP": ("crv", "kty", "x")}.get(jwk.get("kty", ""))
    if required is None or any(not isinstance(jwk.get(name), str) for name in required):
        raise ValueError("not a public JWK")
    canonical = json.dumps({name: jwk[name] for name in required}, separators=(",", ":"),
                           sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def key_url(kid: str) -> str:
    """Where one public key is published (the ``kid`` of the credentials it signs)."""
    return settings.SITE_URL + reverse("credentials:key", args=[kid])


@dataclass(frozen=True)
class SigningKey:
    private_key: Any
    algorithm: str
    public_jwk: dict[str, Any]  # public members only, with its ``kid`` and ``alg``
    public_pem: str
    kid: str


def _algorithm(private_key: Any) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(private_key, rsa.RSAPrivateKey):
        if private_key.key_size < 2048:
            raise CredentialKeyError(_("The credentials' RSA key is too short (%(bits)s "
                                       "bits): use 2048 bits or more.")
                                     % {"bits": private_key.key_size})
        return "RS256"
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and private_key.curve.name == \
            "secp256r1":
        return "ES256"
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    raise CredentialKeyError(_("The credentials' key must be RSA, EC P-256 or Ed25519."))


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, password: bytes | None) -> SigningKey:  # mtime: cache key
    from cryptography.hazmat.primitives import serialization
    from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CredentialKeyError(_("The credentials' key file cannot be read (%(path)s): "
                                   "%(error)s") % {"path": path,
                                                   "error": error.strerror or error}) from error
    try:
        private_key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as error:
        raise CredentialKeyError(_("The credentials' key file %(path)s cannot be opened: "
                                   "wrong password or not a PEM private key.")
                                 % {"path": path}) from error
    algorithm = _algorithm(private_key)
    public_key = private_key.public_key()
    to_jwk = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}[algorithm]
    jwk = json.loads(to_jwk.to_jwk(public_key))
    kid = jwk_thumbprint(jwk)
    jwk.update({"kid": kid, "alg": algorithm, "use": "sig"})
    public_pem = public_key.public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return SigningKey(private_key=private_key, algorithm=algorithm, public_jwk=jwk,
                      public_pem=public_pem.decode(), kid=kid)


def _password() -> bytes | None:
    if not settings.CREDENTIAL_KEY_PASSWORD_FILE:
        return None
    try:
        text = Path(settings.CREDENTIAL_KEY_PASSWORD_FILE).read_text(encoding="utf-8")
    except OSError as error:
        raise CredentialKeyError(
            _("The credentials' key password file cannot be read (%(path)s): %(error)s")
            % {"path": settings.CREDENTIAL_KEY_PASSWORD_FILE,
               "error": error.strerror or error}) from error
    return text.strip().encode() or None


def signing_key() -> SigningKey:
    """The configured key (read once per file version); ``CredentialKeyError`` otherwise."""
    path = settings.CREDENTIAL_KEY_PATH
    if not path:
        raise CredentialKeyError(_("No key is configured to sign credentials "
                                   "(CREDENTIAL_KEY_PATH)."))
    try:
        mtime_ns = os.stat(path).st_mtime_ns
    except OSError as error:
        raise CredentialKeyError(_("The credentials' key file cannot be read (%(path)s): "
                                   "%(error)s") % {"path": path,
                                                   "error": error.strerror or error}) from error
    return _load(path, mtime_ns, _password())


def demo_key_ensure(path: Path | str | None) -> bool:
    """Embedded mode: create once a demonstration signing key (RSA 2048, a PEM file
    readable by its owner only). True when a key was created."""
    if not path:
        return False
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return True
