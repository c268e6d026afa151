"""What a PDF says about itself (issue 19): whether it carries a seal, whether that seal is
intact over the whole file, who sealed it and when, and whether the file is one the
register issued (its sha256) with that document's status. Used by
``manage.py verify_document`` and, later, the public verification page."""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
from dataclasses import dataclass, field

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
    trusted: bool = False  # the certificate chains to a trusted root (none configured yet)
    document: Document | None = None  # the register's document with this exact file
    problems: list[str] = field(default_factory=list)  # technical details, for the log

    @property
    def seal_ok(self) -> bool:
        """Sealed, intact, and nothing added after the seal."""
        return self.sealed and self.intact and self.whole_file

    @property
    def in_register(self) -> bool:
        return self.document is not None


def _register_document(sha256: str) -> Document | None:
    document = (Document.objects
                .select_related("enrolment__candidate", "bloc", "deliberation",
                                "session__referentiel__certification")
                .exclude(issued_at__isnull=True)
                .filter(sha256=sha256).order_by("pk").first())
    if document is not None:
        document.statement = document_statement(document)
    return document


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
    signature = signatures[-1]  # the last one covers the most: ours is the only one
    try:
        status = validate_pdf_signature(
            signature, signer_validation_context=ValidationContext(trust_roots=[],
                                                                allow_fetching=False))
    except Exception as error:  # a signature too damaged to be read is not intact
        check.problems.append(f"{type(error).__name__}: {error}")
        return check
    check.intact = bool(status.intact and status.valid)
    check.whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    check.trusted = bool(status.trusted)
    certificate = status.signing_cert
    subject = certificate.subject.native
    check.signer = subject.get("common_name") or certificate.subject.human_friendly
    check.signer_organisation = subject.get("organization_name", "")
    if status.timestamp_validity is not None:
        check.timestamped = bool(status.timestamp_validity.intact
                                 and status.timestamp_validity.valid)
        check.signed_at = status.timestamp_validity.timestamp
    else:
        check.signed_at = status.signer_reported_dt
    return check
