"""Rendering: a claimed row is filled exactly once; a failure is a recorded status with
its reason; transient errors retry; the context comes from the signed decisions."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from reports.models import Document, DocumentKind, DocumentStatus
from reports.services import document_render, documents_issue_for_deliberation
from reports.tasks import (
    document_render_task,
    documents_render_task,
    issue_for_deliberation_task,
)
from reports.tests.conftest import FAKE_PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(signed, enqueued) -> list[Document]:
    return documents_issue_for_deliberation(deliberation=signed.deliberation)


def of_kind(documents: list[Document], kind: str) -> Document:
    return next(d for d in documents if d.kind == kind)


def test_it_renders_stores_and_hashes(issued, rendered):
    document = document_render(document_id=of_kind(issued, DocumentKind.CERTIFICATE).pk)
    assert document.status == DocumentStatus.ISSUED
    assert document.sha256 == hashlib.sha256(FAKE_PDF).hexdigest()
    assert document.file.name == f"documents/{document.issued_at.year}/{document.public_id}.pdf"
    with document.file.open("rb") as handle:
        assert handle.read() == FAKE_PDF
    assert AuditEvent.objects.filter(action="document.issued").count() == 1


def test_running_twice_renders_once(issued, rendered):
    document_id = of_kind(issued, DocumentKind.TRANSCRIPT).pk
    document_render_task.apply(args=[document_id])
    first = Document.objects.get(pk=document_id)
    document_render_task.apply(args=[document_id])
    again = Document.objects.get(pk=document_id)
    assert len(rendered) == 1
    assert (again.file.name, again.issued_at, again.number) == (
        first.file.name, first.issued_at, first.number)


def test_a_failure_is_a_status_with_its_reason(issued, monkeypatch):
    def broken(kind, context, *, language="fr"):
        raise ValueError("template missing")

    monkeypatch.setattr("reports.documents.render_pdf", broken)
    document = document_render(document_id=issued[0].pk)
    assert document.status == DocumentStatus.FAILED
    assert document.failure_reason == "ValueError: template missing"
    assert not document.file
    assert AuditEvent.objects.filter(action="document.failed").count() == 1


def test_a_transient_error_is_recorded_then_retried(issued, rendered, monkeypatch):
    document_id = issued[0].pk
    calls = []

    def flaky(kind, context, *, language="fr"):
        calls.append(kind)
        if len(calls) == 1:
            raise OSError("disk full")
        return FAKE_PDF

    monkeypatch.setattr("reports.documents.render_pdf", flaky)
    with pytest.raises(OSError, match="disk full"):
        document_render(document_id=document_id)
    assert Document.objects.get(pk=document_id).status == DocumentStatus.FAILED
    # The retry claims the failed row again.
    assert document_render(document_id=document_id).status == DocumentStatus.ISSUED


def test_the_task_retries_on_transient_errors():
    assert OSError in document_render_task.autoretry_for


def test_a_claim_is_taken_only_once_and_a_stale_one_is_taken_over(issued, rendered):
    document = issued[0]
    Document.objects.filter(pk=document.pk).update(
        status=DocumentStatus.RENDERING, rendering_started_at=timezone.now())
    assert document_render(document_id=document.pk).status == DocumentStatus.RENDERING
    assert rendered == []
    Document.objects.filter(pk=document.pk).update(
        rendering_started_at=timezone.now() - datetime.timedelta(hours=1))
    assert document_render(document_id=document.pk).status == DocumentStatus.ISSUED


def test_the_context_comes_from_the_signed_decisions(signed, issued, rendered):
    document_render(document_id=of_kind(issued, DocumentKind.TRANSCRIPT).pk)
    kind, context, language = rendered[0]
    certification = signed.setup.session.referentiel.certification
    assert (kind, language) == ("transcript", "fr")
    assert set(context) == {"document", "certifier", "certification", "holder", "session",
                            "signatory", "blocs", "bloc", "outcome", "outcome_label",
                            "minutes", "absent"}
    assert context["document"]["verification_url"].endswith(
        f"/verify/{context['document']['verification_code']}/")
    assert context["certification"]["code"] == certification.code
    assert context["holder"]["printed_name"] in (signed.charlie.candidate.legal_name,
                                                 signed.dave.candidate.legal_name)
    # Signed by the certifier's legal representative, never a jury member.
    assert context["signatory"]["name"] == "Anne Martin"
    assert context["signatory"]["quality"] == "Directrice générale"
    assert context["document"]["decided_on"] == timezone.localdate(signed.deliberation.signed_at)
    assert len(context["blocs"]) == 3
    assert all(b["status"] == "validated" for b in context["blocs"])
    assert all(c["level"] == 1 and c["level_label"]
               for b in context["blocs"] for c in b["competences"])


def test_the_minutes_context_holds_the_signed_record(issued, rendered):
    document_render(document_id=of_kind(issued, DocumentKind.MINUTES).pk)
    _kind, context, _language = rendered[0]
    assert len(context["minutes"]["members_present"]) == 3
    assert len(context["minutes"]["decisions"]) == 2
    assert context["minutes"]["signed_at"] is not None
    assert context["holder"]["printed_name"] == ""
    assert context["minutes"]["present"] == 3
    assert context["minutes"]["quorum"] == 3 or context["minutes"]["quorum"] >= 1
    assert context["minutes"]["regular"] is True
    assert all(d["holder"] and d["outcome_label"] for d in context["minutes"]["decisions"])


def test_the_issue_task_renders_every_row_after_commit(signed, rendered,
                                                       django_capture_on_commit_callbacks,
                                                       monkeypatch):
    monkeypatch.setattr("reports.tasks.documents_render_task.delay_on_commit",
                        lambda document_ids: documents_render_task.apply(args=[document_ids]))
    with django_capture_on_commit_callbacks(execute=True):
        issue_for_deliberation_task.apply(args=[signed.deliberation.pk])
    assert set(Document.objects.values_list("status", flat=True)) == {DocumentStatus.ISSUED}
    assert len(rendered) == 10


def test_reports_subscribes_to_the_signature_and_the_amendment(signed, monkeypatch):
    """juries announces (deliberations.signals); reports, above it, enqueues its tasks."""
    from deliberations.services import (
        issue_documents_for_deliberation,
        reissue_documents_for_amendment,
    )
    from reports.tasks import issue_for_deliberation_task, reissue_for_amendment_task

    sent = []
    monkeypatch.setattr(issue_for_deliberation_task, "delay",
                        lambda pk: sent.append(("issue", pk)))
    monkeypatch.setattr(reissue_for_amendment_task, "delay",
                        lambda pk: sent.append(("reissue", pk)))
    issue_documents_for_deliberation(signed.deliberation.pk)
    reissue_documents_for_amendment(42)
    assert sent == [("issue", signed.deliberation.pk), ("reissue", 42)]


def test_the_real_renderer_issues_every_document_of_a_signed_session(issued):
    """End to end: signed decisions → register rows → WeasyPrint PDFs that carry their
    holder and verification code and verify on the public page."""
    import shutil
    import subprocess

    from django.test import Client
    from django.urls import reverse

    from reports.services import document_render

    for document in issued:
        document_render(document_id=document.pk)
    documents = list(Document.objects.all())
    assert documents
    assert {d.status for d in documents} == {"issued"}, [d.failure_reason for d in documents]
    if not shutil.which("pdftotext"):
        return
    transcript = next(d for d in documents if d.kind == "transcript")
    text = subprocess.run(["pdftotext", transcript.file.path, "-"], capture_output=True,
                          check=True).stdout.decode()
    assert transcript.verification_code in text
    assert transcript.number in text
    page = Client().get(reverse("reports:verify", args=[transcript.verification_code]))
    assert page.status_code == 200


def test_a_batch_reads_the_deliberation_facts_once_not_per_document(issued, rendered):
    """The facts frozen at signing, the certifier's profile and the override are the same
    for every document of a deliberation: a batch reads them once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.services import documents_render

    with CaptureQueriesContext(connection) as queries:
        documents_render(document_ids=[d.pk for d in issued])
    assert len(issued) >= 8
    assert {d.status for d in Document.objects.all()} == {DocumentStatus.ISSUED}
    shared = [q["sql"] for q in queries.captured_queries
              if "certifications_certifier" in q["sql"] or "reports_issuingoverride" in q["sql"]]
    assert len(shared) <= 3, shared
