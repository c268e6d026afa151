"""Seal bench: the time the PAdES seal adds to each issued document (issue 19: at most
15 ms per document in bulk).

    .venv/bin/python bench/seal_bench.py [--documents 40] [--key ec|rsa|token]

Standalone (``config.settings.base`` on a temporary VAR_DIR, no database). Renders
``--documents`` bloc attestations once (``render_pdfs``, as the rendering task does), then
seals each of them with ``reports.seal.seal_pdf`` (B-B, no time stamp authority: a TSA's
round trip is the network's, not ours) and checks one with ``pdf_seal_check``. ``--key ec``
is the demo seal's key (ECDSA P-256); ``--key rsa`` a 3072-bit RSA key, as many
qualified seal certificates carry; ``--key token`` an ECDSA P-256 key on a SoftHSM2 token
made in the temporary directory (PKCS#11; needs ``softhsm2``). The last line is
``key=value`` pairs for ``bench/run_all.py``."""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_bench import setup_django
from bench.pdf_bench import attestation_context


def rsa_seal(path: Path) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cachet de banc d'essai")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    password = "bench"  # noqa: S105 (a throwaway key)
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"bench", key, certificate, None,
        serialization.BestAvailableEncryption(password.encode())))
    return password


def softhsm_token(directory: Path) -> dict[str, str]:
    """A SoftHSM2 token holding an ECDSA key and its certificate: the PKCS#11 settings."""
    import os
    import subprocess

    import pkcs11
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pkcs11 import Attribute, CertificateType, ObjectClass

    module = "/usr/lib/softhsm/libsofthsm2.so"  # Debian's softhsm2
    (directory / "tokens").mkdir(parents=True)
    config = directory / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {directory / 'tokens'}\n"
                      "objectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(config)
    pin, label = "1234", "bench"
    def softhsm(*arguments: str) -> None:
        subprocess.run(["softhsm2-util", *arguments],  # noqa: S603, S607 (Debian's tool)
                       check=True, capture_output=True)

    softhsm("--init-token", "--free", "--label", label, "--so-pin", "12345678", "--pin", pin)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = directory / "key.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    softhsm("--import", str(pem), "--token", label, "--label", label, "--id", "01",
            "--pin", pin)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cachet de banc d'essai")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    with pkcs11.lib(module).get_token(token_label=label).open(rw=True, user_pin=pin) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509, Attribute.TOKEN: True,
            Attribute.LABEL: label, Attribute.ID: b"\x01",
            Attribute.SUBJECT: name.public_bytes(),
            Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER)})
    return {"SEAL_PKCS11_MODULE": module, "SEAL_PKCS11_TOKEN_LABEL": label,
            "SEAL_PKCS11_KEY_LABEL": label, "SEAL_PKCS11_PIN": pin}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=40)
    parser.add_argument("--key", choices=["ec", "rsa", "token"], default="ec")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(Path(var_dir))
        from django.conf import settings

        from reports.documents import render_pdfs
        from reports.seal import demo_seal_ensure, seal_pdf
        from reports.services.seal_check import pdf_seal_check

        path = Path(var_dir) / "seal" / "seal.p12"
        if options.key == "token":
            for setting, value in softhsm_token(Path(var_dir) / "softhsm").items():
                setattr(settings, setting, value)
        elif options.key == "ec":
            demo_seal_ensure(path)
            settings.SEAL_PKCS12_PASSWORD_FILE = str(path.with_suffix(".password"))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            settings.SEAL_PKCS12_PASSWORD = rsa_seal(path)
            settings.SEAL_PKCS12_PASSWORD_FILE = ""
        settings.SEAL_PKCS12_PATH, settings.SEAL_TSA_URL = str(path), ""

        start = time.perf_counter()
        pdfs = render_pdfs([("bloc_attestation", attestation_context(i))
                            for i in range(options.documents)])
        render_ms = (time.perf_counter() - start) * 1000 / len(pdfs)
        seal_pdf(pdfs[0])  # the first call loads pyHanko and the key (once per worker)
        timings, sealed = [], []
        start = time.perf_counter()
        for pdf in pdfs:
            one = time.perf_counter()
            sealed.append(seal_pdf(pdf))
            timings.append((time.perf_counter() - one) * 1000)
        seal_ms = (time.perf_counter() - start) * 1000 / len(pdfs)
        start = time.perf_counter()
        check = pdf_seal_check(sealed[-1])
        check_ms = (time.perf_counter() - start) * 1000
        assert check.seal_ok, check
        added_kb = statistics.mean(len(s) - len(p) for s, p in zip(sealed, pdfs, strict=True))
        print(f"{len(pdfs)} attestations, {options.key} key: rendering {render_ms:.1f} ms "
              f"each, sealing {seal_ms:.1f} ms each (median {statistics.median(timings):.1f}, "
              f"max {max(timings):.1f}), +{added_kb / 1024:.1f} kB, check {check_ms:.0f} ms")
        print(f"documents={len(pdfs)} key={options.key} seal_ms_per_doc={seal_ms:.1f} "
              f"seal_median_ms={statistics.median(timings):.1f} "
              f"render_ms_per_doc={render_ms:.1f} check_ms={check_ms:.0f} "
              f"added_kb={added_kb / 1024:.1f}")


if __name__ == "__main__":
    main()
