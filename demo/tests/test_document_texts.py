"""What the documents say, word for word: every kind rendered by the real renderer from
the showcase session (``demo.showcase``: a usage name, compound first names, a holder
born abroad who reads English, a bloc acquired before, a rattrapage, an absent candidate,
a certificate issued on the certifier's override, a reissued transcript), its text
extracted with pdftotext and compared with the approved text in ``approved/``.

A deliberate change of wording: run

    APPROVE_DOCUMENT_TEXTS=1 .venv/bin/python -m pytest demo/tests/test_document_texts.py

and read the diff of ``demo/tests/approved/`` before committing it. Time is frozen
(the session is signed on 30 June 2026 at 16:00, Paris time), so the texts hold no date
of the day the test runs; verification codes, random by design, read ``<CODE>``.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Role
from accounts.tests.factories import UserFactory
from demo.issuing import documents_issue_and_wait
from demo.showcase import Showcase, showcase_create, showcase_reissue
from reports.models import Document, DocumentKind, DocumentStatus

APPROVED = Path(__file__).parent / "approved"
SIGNED_AT = datetime.datetime(2026, 6, 30, 16, 0, tzinfo=ZoneInfo("Europe/Paris"))
CHOSEN = {
    "minutes-fr",
    "certificate-dupont-fr", "certificate-nguyen-en", "certificate-benali-fr",
    "bloc_attestation-benali-RNCP35609BC01-fr", "bloc_attestation-nguyen-RNCP35609BC02-en",
    "transcript-benali-fr", "transcript-nguyen-en", "transcript-moreau-fr",
    "transcript-petit-fr",
}


def _text(path: str) -> str:
    if not shutil.which("pdftotext") and not os.environ.get("CI"):
        pytest.skip("needs poppler's pdftotext (apt-get install poppler-utils)")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True,
                         check=True)
    return out.stdout.decode()


def _normalised(text: str, codes: list[str]) -> str:
    for code in codes:
        text = text.replace(code, "<CODE>")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


@pytest.fixture
def showcase(db) -> Showcase:
    admin = UserFactory(role=Role.ADMIN, first_name="Alice", last_name="Admin")
    with time_machine.travel(SIGNED_AT, tick=False):
        built = showcase_create(name="Promotion 2026 — session de démonstration",
                                administrator=admin)
        report = documents_issue_and_wait(session_public_id=str(built.session.public_id),
                                          timeout=60)
        built.errors.extend(report.errors)
        showcase_reissue(built, by=admin)
        report = documents_issue_and_wait(session_public_id=str(built.session.public_id),
                                          timeout=60)
        built.errors.extend(report.errors)
    return built


def _name(document: Document, keys: dict[int, str]) -> str:
    parts = [document.kind]
    if document.enrolment_id:
        parts.append(keys[document.enrolment_id])
    if document.bloc_id:
        parts.append(document.bloc.code)
    return "-".join([*parts, document.language])


def test_every_document_says_what_was_decided(showcase):
    assert showcase.errors == []
    keys = {e.pk: key for key, e in showcase.enrolments.items()}
    documents = list(Document.objects.filter(session=showcase.session,
                                             status=DocumentStatus.ISSUED)
                     .select_related("bloc").order_by("number"))
    codes = [d.verification_code for d in Document.objects.filter(session=showcase.session)]
    texts = {_name(d, keys): _normalised(_text(d.file.path), codes) for d in documents}
    assert set(texts) >= CHOSEN, sorted(CHOSEN - set(texts))
    approve = os.environ.get("APPROVE_DOCUMENT_TEXTS") == "1"
    APPROVED.mkdir(exist_ok=True)
    mismatched = []
    for name in sorted(CHOSEN):
        path = APPROVED / f"{name}.txt"
        if approve:
            path.write_text(texts[name], encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != texts[name]:
            mismatched.append(name)
    assert not mismatched, (
        f"documents differ from their approved texts: {mismatched} (see the module "
        "docstring to approve a deliberate change)")
    _holds_every_case(showcase)


def _holds_every_case(showcase: Showcase) -> None:
    documents = Document.objects.filter(session=showcase.session)
    nguyen = showcase.enrolments["nguyen"]
    # Issued on the certifier's override (the registration ended in 2024), audited.
    assert documents.filter(kind=DocumentKind.CERTIFICATE, status=DocumentStatus.ISSUED,
                            enrolment=nguyen).exists()
    # A revoked transcript and the one that replaces it.
    revoked = documents.get(kind=DocumentKind.TRANSCRIPT, enrolment=nguyen,
                            status=DocumentStatus.REVOKED)
    assert documents.get(replaces=revoked).status == DocumentStatus.ISSUED
    # The absent candidate gets a transcript and nothing else.
    petit = documents.filter(enrolment=showcase.enrolments["petit"])
    assert list(petit.values_list("kind", flat=True)) == [DocumentKind.TRANSCRIPT]
    # No attestation for a bloc acquired before the session.
    first_bloc = nguyen.acquired_blocs.get().bloc
    assert not documents.filter(enrolment=nguyen, bloc=first_bloc).exists()
