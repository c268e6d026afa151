"""Issue a signed demo session's documents and wait for them: the command lines
(``load_demo``, ``demo_session``) must answer with finished documents. Only they wait;
the application hands rendering to the ``pdf`` workers."""

from __future__ import annotations

import time
from dataclasses import dataclass

from credentials.services import credentials_issue
from deliberations.models import Deliberation
from reports.models import Document, DocumentKind, DocumentStatus
from reports.services import documents_issue_for_deliberation, documents_render


@dataclass
class IssueReport:
    """What a signed session's issuing made: valid documents per kind, their codes."""

    counts: dict[str, int]
    verification_codes: list[str]
    errors: list[str]


def documents_issue_and_wait(*, session_public_id: str, timeout: float = 600,
                             poll: float = 1.0) -> IssueReport:
    """Issue a signed session's documents and render them here, in bulk, then wait for
    those a worker holds (a command line that must answer with finished documents).
    Everything goes through the same idempotent services as the workers."""
    deliberation = Deliberation.objects.get(session__public_id=session_public_id)
    documents_issue_for_deliberation(deliberation=deliberation)
    rows = Document.objects.filter(deliberation=deliberation)
    todo = list(rows.filter(status__in=[DocumentStatus.PENDING, DocumentStatus.FAILED])
                .order_by("number").values_list("pk", flat=True))
    errors: list[str] = []
    try:
        documents_render(document_ids=todo)
    except OSError as error:
        errors.append(f"{type(error).__name__}: {error}")
    deadline = time.monotonic() + timeout
    busy = [DocumentStatus.PENDING, DocumentStatus.RENDERING]
    while rows.filter(status__in=busy).exists() and time.monotonic() < deadline:
        time.sleep(poll)
    late = rows.filter(status__in=busy).count()
    if late:
        errors.append(f"{late} document(s) still waiting for a worker after {timeout:g} s.")
    errors += [f"{d.number}: {d.failure_reason}"
               for d in rows.filter(status=DocumentStatus.FAILED).order_by("number")]
    issued = list(rows.filter(status=DocumentStatus.ISSUED).order_by("number"))
    credentials_issue(document_ids=[d.pk for d in issued])  # as the worker's receiver does
    counts = dict.fromkeys(DocumentKind.values, 0)
    for document in issued:
        counts[document.kind] += 1
    return IssueReport(counts=counts,
                       verification_codes=[d.verification_code for d in issued],
                       errors=errors)
