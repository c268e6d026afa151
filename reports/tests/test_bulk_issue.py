"""Bulk issuing: a signed session's documents are rendered in batches (one layout per
batch), each stored on its own row; a batch that fails falls back to one by one; the
demo_session command issues and waits, and prints what it issued."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import reports.documents
from certifications.importers.json_format import dumps
from certifications.tests.drafts import make_draft
from reports import services
from reports.models import Document, DocumentKind, DocumentStatus
from reports.tests.conftest import FAKE_PDF


@pytest.fixture
def batches(monkeypatch) -> list[list[str]]:
    """Stub ``render_pdfs``: the numbers of each batch it was given."""
    seen: list[list[str]] = []

    def render_pdfs(items, *, language="fr", **options):
        seen.append([context["document"]["number"] for _kind, context in items])
        return [FAKE_PDF + context["document"]["number"].encode() for _kind, context in items]

    monkeypatch.setattr("reports.documents.render_pdfs", render_pdfs)
    return seen


def test_signing_sends_the_renders_in_batches(signed, rendered, enqueued, settings,
                                              monkeypatch):
    sent: list[list[int]] = []
    monkeypatch.setattr("reports.tasks.documents_render_task.delay_on_commit", sent.append)
    settings.DOCUMENT_RENDER_BATCH = 4
    created = services.documents_issue_for_deliberation(deliberation=signed.deliberation)
    assert [len(batch) for batch in sent] == [4, 4, 2]
    assert sorted(pk for batch in sent for pk in batch) == sorted(d.pk for d in created)


def test_a_batch_is_laid_out_once_and_stored_document_by_document(signed, enqueued, batches):
    services.documents_issue_for_deliberation(deliberation=signed.deliberation)
    services.documents_render(document_ids=enqueued)

    documents = list(Document.objects.order_by("number"))
    assert len(batches) == 1
    assert batches[0] == [d.number for d in documents]
    for document in documents:
        assert document.status == DocumentStatus.ISSUED
        with document.file.open("rb") as pdf:
            assert pdf.read() == FAKE_PDF + document.number.encode()
    # Running again renders nothing: issued documents are not claimed.
    services.documents_render(document_ids=enqueued)
    assert len(batches) == 1


def test_one_bad_document_does_not_fail_its_batch(signed, enqueued, rendered, monkeypatch):
    def bad_minutes(items, *, language="fr", **options):
        if any(kind == DocumentKind.MINUTES for kind, _context in items):
            raise ValueError("batch broken")
        return [FAKE_PDF for _item in items]

    def render_pdf(kind, context, *, language="fr"):
        if kind == DocumentKind.MINUTES:
            raise ValueError("no signature")
        return FAKE_PDF

    monkeypatch.setattr("reports.documents.render_pdfs", bad_minutes)
    monkeypatch.setattr("reports.documents.render_pdf", render_pdf)
    services.documents_issue_for_deliberation(deliberation=signed.deliberation)
    services.documents_render(document_ids=enqueued)

    minutes = Document.objects.get(kind=DocumentKind.MINUTES)
    assert minutes.status == DocumentStatus.FAILED
    assert minutes.failure_reason == "ValueError: no signature"
    assert set(Document.objects.exclude(pk=minutes.pk).values_list("status", flat=True)) == {
        DocumentStatus.ISSUED}


def test_a_storage_error_is_recorded_and_raised_for_a_retry(signed, enqueued, batches,
                                                           monkeypatch):
    services.documents_issue_for_deliberation(deliberation=signed.deliberation)
    storage = Document._meta.get_field("file").storage

    def full_disk(name, content):
        raise OSError("No space left on device")

    monkeypatch.setattr(storage, "_save", full_disk)
    with pytest.raises(OSError, match="No space left"):
        services.documents_render(document_ids=enqueued)
    assert set(Document.objects.values_list("status", flat=True)) == {DocumentStatus.FAILED}
    monkeypatch.undo()
    monkeypatch.setattr("reports.documents.render_pdfs", lambda items, **kw: [
        FAKE_PDF for _item in items])
    services.documents_render(document_ids=enqueued)  # the retry
    assert set(Document.objects.values_list("status", flat=True)) == {DocumentStatus.ISSUED}


def test_the_real_bulk_renderer_issues_a_whole_session(signed, enqueued):
    assert reports.documents.render_pdfs.__module__ == "reports.documents"
    services.documents_issue_for_deliberation(deliberation=signed.deliberation)
    services.documents_render(document_ids=enqueued)
    for document in Document.objects.all():
        assert document.status == DocumentStatus.ISSUED, document.failure_reason
        with document.file.open("rb") as pdf:
            assert pdf.read(5) == b"%PDF-"


# -- the command line ------------------------------------------------------------------------
@pytest.fixture
def referentiel_file(tmp_path: Path) -> Path:
    path = tmp_path / "referentiel.json"
    path.write_bytes(dumps(make_draft()))
    return path


def run(path: Path, *extra: str) -> dict:
    out = StringIO()
    call_command("demo_session", "--referentiel", str(path), "--candidates", "3",
                 "--members", "3", "--seed", "11", "--json", *extra, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_demo_session_issues_the_documents_and_reports_them(referentiel_file):
    result = run(referentiel_file, "--sign", "--issue-documents")
    assert result["errors"] == []
    documents = Document.objects.filter(session__public_id=result["session"])
    assert set(documents.values_list("status", flat=True)) == {DocumentStatus.ISSUED}
    assert result["documents"] == {
        kind: documents.filter(kind=kind).count() for kind in DocumentKind.values}
    assert result["documents"]["minutes"] == 1
    assert result["documents"]["transcript"] == result["candidates"] == 3
    assert result["documents"]["certificate"] == result["certified"]
    assert result["documents"]["bloc_attestation"] == result["blocs_validated"]
    assert sorted(result["verification_codes"]) == sorted(
        documents.values_list("verification_code", flat=True))


@pytest.mark.django_db
def test_demo_session_without_documents_reports_none(referentiel_file):
    result = run(referentiel_file, "--sign")
    assert result["documents"] == dict.fromkeys(DocumentKind.values, 0)
    assert result["verification_codes"] == []


def test_issue_documents_needs_sign(referentiel_file):
    with pytest.raises(CommandError, match="--sign"):
        run(referentiel_file, "--issue-documents")


def test_issuing_takes_the_same_queries_whatever_the_number_of_documents(
        signed, rendered, enqueued, django_assert_max_num_queries):
    """Ten documents here, thousands in a real session: one counter update and one
    insert for all of them, not a few queries each."""
    # 9 reads and writes (the counter created on first use) and 4 savepoint statements.
    with django_assert_max_num_queries(13):
        created = services.documents_issue_for_deliberation(deliberation=signed.deliberation)
    assert len(created) == 10
    numbers = sorted(int(d.number.split("-")[1]) for d in created)
    assert numbers == list(range(numbers[0], numbers[0] + 10))
    assert all(d.pk for d in created)
