"""What a PDF says about itself (issue 19): whether it carries a seal, whether that seal is
intact over the whole file, who sealed it and when, and whether the file is one the
register issued (its sha256) with that document's status. Used by
``manage.py verify_document``, the public verification page and its API. The seal is
vouched for when its certificate chains to one of the authorities of ``SEAL_TRUST_ROOTS``
(judged today, without fetching revocation lists)."""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reports.models import Document
from reports.selectors import document_statement

logger = logging.getLogger(__name__)


@dataclass
class SealCheck:
    sha256: str
    readable: bool = True  # a PDF at all
    sealed: bool = False  # carries at least one signature
    intact: bool = False  # the signature matches the bytes it covers
    whole_file: bool = False  # ... and those bytes are the whole file (nothing added after)
    signer: str = ""  # the seal certificate's subject, in words
    signer_organisation: str = ""
    signed_at: datetime.datetime | None = None
    timestamped: bool = False  # the time comes from a time stamp authority (B-T)
    trusted: bool = False  # the certificate chains to a root of SEAL_TRUST_ROOTS
    trusted_by: str = ""  # ... that root's name
    issuer: str = ""  # who issued the seal's certificate, in words
    self_signed: bool = False  # ... nobody but its owner
    issuer_known: bool = False  # issued by a configured root, yet not valid (expired...)
    document: Document | None = None  # the register's document with this exact file
    problems: list[str] = field(default_factory=list)  # technical details, for the log

    @property
    def seal_ok(self) -> bool:
        """Sealed, intact, and nothing added after the seal."""
        return self.sealed and self.intact and self.whole_file

    @property
    def in_register(self) -> bool:
        return self.document is not None

    @property
    def authentic(self) -> bool:
        """Exactly a valid document of the register, with its seal intact if it has one
        (documents issued before a seal was configured have none)."""
        return (self.document is not None and self.document.is_valid
                and (self.seal_ok or not self.sealed))


def _register_document(sha256: str) -> Document | None:
    document = (Document.objects
                .select_related("enrolment__candidate", "bloc", "deliberation",
                                "session__referentiel__certification")
                .exclude(issued_at__isnull=True)
                .filter(sha256=sha256).order_by("pk").first())
    if document is not None:
        document.statement = document_statement(document)
    return document


def _name(name) -> str:
    """An X.509 name in words: its common name, else the whole name."""
    return name.native.get("common_name") or name.human_friendly


def _read_certificates(path: Path) -> list:
    from asn1crypto import pem, x509

    data = path.read_bytes()
    if pem.detect(data):
        return [x509.Certificate.load(der) for kind, _headers, der in pem.unarmor(
            data, multiple=True) if kind == "CERTIFICATE"]
    return [x509.Certificate.load(data)]


@functools.lru_cache(maxsize=4)
def _trust_roots_at(files: tuple[str, ...], _mtimes: tuple[int, ...]) -> tuple:
    roots = []
    for file in files:
        try:
            certificates = _read_certificates(Path(file))
            for certificate in certificates:
                certificate.native  # noqa: B018 -- parses it all now, not in each check
        except Exception as error:  # the others still count; the operator is told
            logger.error("SEAL_TRUST_ROOTS: %s is not a PEM or DER certificate (%s)",
                         file, error)
            continue
        roots.extend(certificates)
    return tuple(roots)


def seal_trust_roots() -> tuple:
    """The certificates of ``SEAL_TRUST_ROOTS`` (files, or directories of them), read
    again when a file changes, comes or goes."""
    files: dict[str, int] = {}
    for name in (p.strip() for p in settings.SEAL_TRUST_ROOTS if p.strip()):
        path = Path(name)
        try:
            found = (sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir()
                     else [path])
            for file in found:
                files[str(file)] = file.stat().st_mtime_ns
        except OSError as error:
            logger.error("SEAL_TRUST_ROOTS: %s cannot be read (%s)", name,
                         error.strerror or error)
    return _trust_roots_at(tuple(files), tuple(files.values()))


def pdf_seal_check(data: bytes) -> SealCheck:
    """Check a PDF's seal and look its sha256 up in the register. Never raises on a bad
    file: an unreadable one is ``readable=False``."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    check = SealCheck(sha256=hashlib.sha256(data).hexdigest())
    check.document = _register_document(check.sha256)
    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception as error:  # not a PDF, or broken beyond reading
        check.readable = False
        check.problems.append(f"{type(error).__name__}: {error}")
        return check
    if not signatures:
        return check
    check.sealed = True
    # Ours is the first (a certification signature): anything after it, another signature
    # included, means it no longer covers the whole file.
    signature = signatures[0]
    roots = seal_trust_roots()
    try:
        status = validate_pdf_signature(
            signature, signer_validation_context=ValidationContext(
                trust_roots=list(roots), allow_fetching=False))
    except Exception as error:  # a signature too damaged to be read is not intact
        check.problems.append(f"{type(error).__name__}: {error}")
        return check
    check.intact = bool(status.intact and status.valid)
    check.whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    certificate = status.signing_cert
    subject = certificate.subject.native
    check.signer = subject.get("common_name") or certificate.subject.human_friendly
    check.signer_organisation = subject.get("organization_name", "")
    check.self_signed = certificate.issuer == certificate.subject
    check.issuer = _name(certificate.issuer)
    check.trusted = bool(status.trusted)
    if check.trusted:
        check.trusted_by = _name(status.validation_path.trust_anchor.authority.name)
    else:
        check.issuer_known = any(root.subject == certificate.issuer for root in roots)
        if roots:
            check.problems.append(f"not trusted: {status.trust_problem_indic}")
    if status.timestamp_validity is not None:
        check.timestamped = bool(status.timestamp_validity.intact
                                 and status.timestamp_validity.valid)
        check.signed_at = status.timestamp_validity.timestamp
    else:
        check.signed_at = status.signer_reported_dt
    return check


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def seal_check_lines(check: SealCheck) -> list[str]:
    """The check said in sentences, one a line (the verification page will reuse them)."""
    lines: list[str] = []
    if not check.readable:
        lines.append(_("This file is not a readable PDF."))
    elif not check.sealed:
        lines.append(_("This file carries no electronic seal: nothing in the file itself "
                       "proves who issued it."))
    else:
        if check.seal_ok:
            lines.append(_("The electronic seal is intact: the file has not been changed "
                           "since it was sealed."))
        elif check.intact:
            lines.append(_("The electronic seal is intact, but something was added to the "
                           "file after it was sealed: that part is not covered by the seal."))
        else:
            lines.append(_("The electronic seal is broken: the file was changed after it "
                           "was sealed. Do not rely on its content."))
        if check.signer:
            signer = check.signer
            if check.signer_organisation and check.signer_organisation not in signer:
                signer = f"{signer} ({check.signer_organisation})"
            lines.append(_("Sealed by: %(signer)s") % {"signer": signer})
        if check.signed_at is not None:
            source = (_("time certified by a time stamp authority") if check.timestamped
                      else _("time given by the sealer's own clock"))
            lines.append(_("Sealed on: %(when)s (%(source)s)")
                         % {"when": _when(check.signed_at), "source": source})
        if check.intact:
            lines.append(_trust_line(check))
    document = check.document
    if document is None:
        lines.append(_("This file is not in the register: no document issued here has "
                       "exactly these bytes. It may have been changed, or come from "
                       "elsewhere."))
        return [*lines, _fingerprint(check)]
    lines.append(_("This file is exactly document %(number)s (%(kind)s) of the register "
                   "kept by %(certifier)s, issued on %(when)s.")
                 % {"number": document.number, "kind": document.get_kind_display(),
                    "certifier": document.certifier, "when": _when(document.issued_at)})
    holder = getattr(document, "statement", {}).get("holder")
    if holder:
        lines.append(_("Holder: %(holder)s") % {"holder": holder})
    if document.is_valid:
        lines.append(_("Status: valid."))
    else:
        lines.append(_("Status: revoked on %(when)s. %(reason)s")
                     % {"when": _when(document.revoked_at) if document.revoked_at else "—",
                        "reason": document.public_reason})
    return [*lines, _fingerprint(check)]


def _trust_line(check: SealCheck) -> str:
    if check.trusted:
        return (_("The seal's certificate is vouched for by %(authority)s, a certification "
                  "authority this verification trusts: the sealer is who the seal says.")
                % {"authority": check.trusted_by})
    if check.self_signed:
        return _("The seal's certificate is self-signed: no authority vouches for who "
                 "sealed it (a demonstration seal, for instance). Rely on the register "
                 "check below.")
    if check.issuer_known:
        return (_("The seal's certificate was issued by %(authority)s, an authority this "
                  "verification trusts, but it is not valid today (expired, revoked or not "
                  "meant for sealing). Rely on the register check below.")
                % {"authority": check.issuer})
    return (_("The seal's certificate was issued by %(authority)s, an authority this "
              "verification does not know: nothing vouches for who sealed it. Rely on the "
              "register check below.") % {"authority": check.issuer})


def _fingerprint(check: SealCheck) -> str:
    return _("SHA-256 fingerprint: %(sha256)s") % {"sha256": check.sha256}
