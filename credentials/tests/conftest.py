"""A signed deliberation (reports' fixtures), its documents rendered by a stub, and a
throwaway signing key."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from reports.tests.conftest import enqueued, rendered, signed  # noqa: F401 (fixtures)


def write_key(path: Path, kind: str = "rsa") -> Path:
    key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa"
           else ed25519.Ed25519PrivateKey.generate())
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


@pytest.fixture(scope="session")
def key_file(tmp_path_factory) -> Path:
    return write_key(tmp_path_factory.mktemp("credential-key") / "key.pem")


@pytest.fixture(scope="session")
def other_key_file(tmp_path_factory) -> Path:
    return write_key(tmp_path_factory.mktemp("credential-key") / "other.pem")


@pytest.fixture
def signing(settings, key_file) -> Path:
    settings.CREDENTIAL_KEY_PATH = str(key_file)
    settings.SITE_URL = "https://certification.example.org"
    return key_file
