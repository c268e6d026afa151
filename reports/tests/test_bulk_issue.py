"""Bulk issuing: a signed session's documents are rendered in batches (one layout per
batch), each stored on its own row; a batch that fails falls back to one by one."""

from __future__ import annotations

import pytest

import reports.documents
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
