"""Exporting a session's documents as a zip (docs/documents.md, "Exporting a session"):
every valid document once with a manifest, one export at a time per session, progress on
the page, an interrupted export resumes without rendering again, administrators only."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import threading
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from accounts.models import AuditEvent
from reports import exports
from reports.models import Document, DocumentKind, DocumentStatus, SessionExport
from reports.services import (
    document_reissue,
    document_render,
    document_revoke,
    documents_issue_for_deliberation,
)
from reports.tasks import session_export_task, session_exports_resume_task
from reports.tests.conftest import FAKE_PDF

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """The worker process dies in the middle of a render."""


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, str]]:
    """The (export id, token) messages of export steps (the worker is not started)."""
    messages: list[tuple[int, str]] = []

    def apply_async_on_commit(*, args: list, countdown: int = 0) -> None:
        messages.append((args[0], args[1]))

    monkeypatch.setattr("reports.tasks.session_export_task.apply_async_on_commit",
                        apply_async_on_commit)
    return messages


@pytest.fixture
def documents(signed, enqueued, rendered) -> list[Document]:
    """The session's ten documents, created and left pending."""
    return documents_issue_for_deliberation(deliberation=signed.deliberation)


@pytest.fixture
def numbers_rendered(monkeypatch) -> list[str]:
    """A stub renderer that keeps the number of each document it rendered."""
    numbers: list[str] = []

    def render_pdf(kind: str, context: dict, *, language: str = "fr") -> bytes:
        numbers.append(context["document"]["number"])
        return FAKE_PDF

    monkeypatch.setattr("reports.documents.render_pdf", render_pdf)
    return numbers


def run(sent: list[tuple[int, str]]) -> None:
    """Deliver the queued step messages, as a worker would, until none is left."""
    while sent:
        export_id, token = sent.pop(0)
        session_export_task.apply(args=[export_id, token], throw=True)


def page_url(signed) -> str:
    return reverse("reports:session_documents", args=[signed.setup.session.public_id])


def export_url(signed) -> str:
    return reverse("reports:session_export", args=[signed.setup.session.public_id])


def progress_url(signed) -> str:
    return reverse("reports:session_export_progress", args=[signed.setup.session.public_id])


def download_url(signed, export: SessionExport) -> str:
    return reverse("reports:session_export_download",
                   args=[signed.setup.session.public_id, export.public_id])


def make_stale(export: SessionExport) -> None:
    """Age the export's heartbeat and the claims of its documents past the stale bound,
    as if the worker had died that long ago."""
    past = timezone.now() - datetime.timedelta(
        seconds=settings.DOCUMENT_RENDER_STALE_AFTER + 60)
    SessionExport.objects.filter(pk=export.pk).update(heartbeat_at=past)
    Document.objects.filter(session=export.session, status=DocumentStatus.RENDERING).update(
        rendering_started_at=past)


def zip_of(export: SessionExport) -> zipfile.ZipFile:
    export.refresh_from_db()
    with export.file.open("rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def test_it_exports_every_valid_document_once_with_a_manifest(alice, signed, documents,
                                                                sent, enqueued):
    for document in documents[:3]:
        document_render(document_id=document.pk)
    revoked = document_revoke(document=documents[3], by=alice, reason="Erreur")
    replaced = documents[4]
    replacement = document_reissue(document=replaced, by=alice, reason="Nom corrigé")
    export, started = exports.session_export_start(session=signed.setup.session, by=alice)
    assert started
    assert (export.status, export.total) == ("queued", 9)
    run(sent)
    export.refresh_from_db()
    assert (export.status, export.done, export.total) == ("done", 9, 9)
    valid = Document.objects.filter(session=signed.setup.session).exclude(
        status=DocumentStatus.REVOKED)
    assert valid.count() == 9
    assert set(valid.values_list("status", flat=True)) == {DocumentStatus.ISSUED}
    archive = zip_of(export)
    assert archive.testzip() is None
    names = archive.namelist()
    pdfs = [n for n in names if n.endswith(".pdf")]
    assert sorted(names) == sorted([*pdfs, "manifest.csv"])
    assert len(pdfs) == len(set(pdfs)) == 9
    assert all(archive.read(name) == FAKE_PDF for name in pdfs)
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert sorted(row["number"] for row in manifest) == sorted(d.number for d in valid)
    assert {row["file"] for row in manifest} == set(pdfs)
    assert revoked.number not in {row["number"] for row in manifest}
    assert replaced.number not in {row["number"] for row in manifest}
    assert replacement.number in {row["number"] for row in manifest}
    by_number = {d.number: d for d in valid.select_related("enrolment__candidate")}
    for row in manifest:
        document = by_number[row["number"]]
        assert (row["kind"], row["verification_code"], row["sha256"]) == (
            document.kind, document.verification_code, hashlib.sha256(FAKE_PDF).hexdigest())
        holder = document.enrolment.candidate.legal_name if document.enrolment else ""
        assert row["holder"] == holder
    minutes = next(r for r in manifest if r["kind"] == DocumentKind.MINUTES)
    assert "/" not in minutes["file"]
    with export.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == export.sha256
    assert export.file.name.startswith("exports/")
    started_event = AuditEvent.objects.get(action="session_export.started")
    assert started_event.actor == alice
    assert started_event.context["session"] == str(signed.setup.session.public_id)


def test_a_second_click_joins_the_running_export(client, alice, signed, documents, sent):
    client.force_login(alice)
    first = client.post(export_url(signed))
    second = client.post(export_url(signed))
    assert first.status_code == second.status_code == 302
    assert SessionExport.objects.count() == 1
    assert len(sent) == 1
    fragment = client.post(export_url(signed), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert 'hx-trigger="every 2s"' in fragment.content.decode()
    assert SessionExport.objects.count() == 1
    assert AuditEvent.objects.filter(action="session_export.started").count() == 1


def test_a_reload_while_running_shows_the_progress(client, alice, signed, documents, sent):
    export, _started = exports.session_export_start(session=signed.setup.session, by=alice)
    SessionExport.objects.filter(pk=export.pk).update(status="running", done=4, total=10)
    client.force_login(alice)
    for url in (page_url(signed), progress_url(signed)):
        html = client.get(url).content.decode()
        assert '<progress class="progress progress--large" max="10" value="4"' in html
        assert 'hx-trigger="every 2s"' in html
        assert gettext("Export under way…") in html
        assert ngettext("%(done)s / %(total)s document ready",
                        "%(done)s / %(total)s documents ready", 10) % {
            "done": 4, "total": 10} in html
        assert gettext("Export the session (zip)") not in html
    page = client.get(page_url(signed)).content.decode()
    assert 'role="status" aria-live="polite"' in page
    assert len(sent) == 1  # a live export is not sent again


def test_an_interrupted_export_resumes_without_rendering_again(client, alice, signed,
                                                               documents, sent, monkeypatch,
                                                               settings):
    # Batches of 3: the first batch is stored, the kill lands in the second.
    settings.DOCUMENT_RENDER_BATCH = 3
    numbers: list[str] = []

    def dies_on_the_fourth(kind: str, context: dict, *, language: str = "fr") -> bytes:
        numbers.append(context["document"]["number"])
        if len(numbers) == 4:
            raise Killed
        return FAKE_PDF

    monkeypatch.setattr("reports.documents.render_pdf", dies_on_the_fourth)
    export, _started = exports.session_export_start(session=signed.setup.session, by=alice)
    (export_id, first_token), = sent
    sent.clear()
    with pytest.raises(Killed):
        exports.session_export_run(export_id=export_id, token=first_token)
    export.refresh_from_db()
    assert (export.status, export.done) == ("running", 3)
    done_before = set(numbers[:3])
    client.force_login(alice)
    client.get(page_url(signed))
    assert sent == []  # the heartbeat is fresh: the worker may still be alive
    make_stale(export)
    response = client.get(progress_url(signed))
    assert 'hx-trigger="every 2s"' in response.content.decode()
    (_id, new_token), = sent
    assert new_token != first_token
    exports.session_export_run(export_id=export_id, token=first_token)  # a late copy
    assert len(numbers) == 4
    run(sent)
    export.refresh_from_db()
    assert (export.status, export.done, export.total, export.resumes) == ("done", 10, 10, 1)
    after = numbers[4:]
    assert not done_before & set(after)
    assert sorted(after) == sorted(set(after))
    assert numbers[3] in after  # the document killed mid-render is taken over
    assert len(zip_of(export).namelist()) == 11
    assert AuditEvent.objects.filter(action="session_export.resumed").count() == 1


def test_a_step_killed_again_and_again_fails_the_export(alice, signed, documents, sent):
    export, _started = exports.session_export_start(session=signed.setup.session, by=alice)
    SessionExport.objects.filter(pk=export.pk).update(status="running",
                                                      resumes=exports.MAX_RESUMES)
    make_stale(export)
    session_exports_resume_task.apply(throw=True)
    export.refresh_from_db()
    assert export.status == "failed"
    assert export.failure_reason == gettext(
        "The export was interrupted %(count)d times; it was stopped.") % {
        "count": exports.MAX_RESUMES + 1}


def test_a_failed_document_fails_the_export_with_its_reason(client, alice, signed, documents,
                                                            sent, monkeypatch):
    def no_minutes(kind: str, context: dict, *, language: str = "fr") -> bytes:
        if kind == DocumentKind.MINUTES:
            raise ValueError("no signature")
        return FAKE_PDF

    monkeypatch.setattr("reports.documents.render_pdf", no_minutes)
    export, _started = exports.session_export_start(session=signed.setup.session, by=alice)
    run(sent)
    export.refresh_from_db()
    minutes = Document.objects.get(kind=DocumentKind.MINUTES)
    assert export.status == "failed"
    assert export.failure_reason == ngettext(
        "%(count)d document could not be rendered: %(details)s",
        "%(count)d documents could not be rendered: %(details)s", 1) % {
        "count": 1, "details": f"{minutes.number} (ValueError: no signature)"}
    assert Document.objects.filter(status=DocumentStatus.ISSUED).count() == 9
    assert not export.file
    client.force_login(alice)
    html = client.get(page_url(signed)).content.decode()
    # blocktranslate escapes the variable, not the translated text around it.
    assert gettext("The export failed: %(reason)s") % {
        "reason": escape(export.failure_reason)} in html
    assert gettext("Export the session (zip)") in html
    assert client.get(download_url(signed, export)).status_code == 404

    monkeypatch.setattr("reports.documents.render_pdf",
                        lambda kind, context, *, language="fr": FAKE_PDF)
    client.post(export_url(signed))
    run(sent)
    again = SessionExport.objects.first()
    assert again != export
    assert (again.status, again.done) == ("done", 10)


def test_a_file_that_does_not_match_its_hash_fails_the_export(alice, signed, documents,
                                                              sent):
    for document in documents:
        document_render(document_id=document.pk)
    tampered = Document.objects.get(pk=documents[0].pk)
    with tampered.file.open("wb") as stored:
        stored.write(b"%PDF-1.7 forged")
    export, _started = exports.session_export_start(session=signed.setup.session, by=alice)
    run(sent)
    export.refresh_from_db()
    assert export.status == "failed"
    assert export.failure_reason == gettext(
        "The file of document %(number)s does not match its recorded hash.") % {
        "number": tampered.number}


def test_a_finished_export_is_downloaded_and_a_change_starts_another(client, alice, signed,
                                                                     documents, sent):
    client.force_login(alice)
    client.post(export_url(signed))
    run(sent)
    export = SessionExport.objects.get()
    response = client.get(download_url(signed, export))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment")
    body = b"".join(response.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None
    html = client.get(page_url(signed)).content.decode()
    assert gettext("Download the zip") in html
    assert gettext("Export the session (zip)") not in html
    client.post(export_url(signed))  # nothing changed: the same zip
    assert SessionExport.objects.count() == 1
    assert sent == []

    document_revoke(document=documents[1], by=alice, reason="Erreur")
    html = client.get(page_url(signed)).content.decode()
    assert gettext("The documents changed since this export (issued, reissued or revoked): "
                   "export again to include the changes.") in html
    assert gettext("Export the session (zip)") in html
    client.post(export_url(signed))
    run(sent)
    latest = SessionExport.objects.first()
    assert latest != export
    assert (latest.status, latest.total) == ("done", 9)


def test_the_progress_poll_makes_a_constant_number_of_queries(client, alice, signed,
                                                              documents, sent,
                                                              django_assert_max_num_queries):
    exports.session_export_start(session=signed.setup.session, by=alice)
    client.force_login(alice)
    client.get(progress_url(signed))
    with CaptureQueriesContext(connection) as few:
        client.get(progress_url(signed))
    for document in documents[:4]:
        document_reissue(document=document, by=alice, reason="Erreur")
    with django_assert_max_num_queries(5):
        client.get(progress_url(signed))
    with CaptureQueriesContext(connection) as more:
        client.get(progress_url(signed))
    assert len(more) == len(few)


@pytest.mark.parametrize("who", ["bob", "charlie", "president"])
def test_only_an_administrator_exports(client, request, alice, signed, documents, sent, who):
    export, _started = exports.session_export_start(session=signed.setup.session, by=alice)
    run(sent)
    user = signed.setup.president.user if who == "president" else request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(page_url(signed)).status_code == 404
    assert client.get(progress_url(signed)).status_code == 404
    assert client.get(download_url(signed, export)).status_code == 404
    assert client.post(export_url(signed)).status_code == 404
    url = reverse("reports:session_issue", args=[signed.setup.session.public_id])
    assert client.post(url).status_code == 404
    assert SessionExport.objects.count() == 1
    with pytest.raises(PermissionDenied):
        exports.session_export_start(session=signed.setup.session, by=user)


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, alice, signed, documents,
                                                        sent):
    export, _started = exports.session_export_start(session=signed.setup.session, by=alice)
    run(sent)
    for response in (client.get(page_url(signed)), client.get(progress_url(signed)),
                     client.get(download_url(signed, export)), client.post(export_url(signed))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert SessionExport.objects.count() == 1


def test_a_session_without_documents_has_nothing_to_export(client, alice, signed, sent):
    client.force_login(alice)
    html = client.get(page_url(signed)).content.decode()
    assert gettext("Export the session (zip)") not in html
    response = client.post(export_url(signed), follow=True)
    assert escape(gettext("This session has no document to export.")) in response.content.decode()
    assert not SessionExport.objects.exists()


def test_the_issue_button_creates_the_missing_and_renders_the_failed(
        client, alice, signed, enqueued, rendered):
    client.force_login(alice)
    issue_url = reverse("reports:session_issue", args=[signed.setup.session.public_id])
    assert gettext("Issue the missing and failed documents") in client.get(
        page_url(signed)).content.decode()
    client.post(issue_url)
    created = list(Document.objects.filter(session=signed.setup.session))
    assert len(created) == 10
    assert sorted(enqueued) == sorted(d.pk for d in created)
    for document in created:
        document_render(document_id=document.pk)
    assert gettext("Issue the missing and failed documents") not in client.get(
        page_url(signed)).content.decode()

    Document.objects.filter(pk=created[0].pk).update(status=DocumentStatus.FAILED)
    assert gettext("Issue the missing and failed documents") in client.get(
        page_url(signed)).content.decode()
    enqueued.clear()
    client.post(issue_url)
    assert enqueued == [created[0].pk]
    assert Document.objects.count() == 10
    assert AuditEvent.objects.filter(action="documents.issue_requested",
                                     actor=alice).count() == 2


def test_the_database_allows_one_active_export_per_session(alice, signed, documents, sent):
    exports.session_export_start(session=signed.setup.session, by=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionExport.objects.create(session=signed.setup.session, requested_by=alice)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_clicks_make_one_export(alice, signed, documents, sent):
    barrier = threading.Barrier(2)
    results: list[tuple[SessionExport, bool]] = []

    def click() -> None:
        try:
            barrier.wait()
            results.append(exports.session_export_start(session=signed.setup.session,
                                                        by=alice))
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({export.pk for export, _started in results}) == 1
    assert sorted(started for _export, started in results) == [False, True]
    assert SessionExport.objects.count() == 1
    assert len(sent) == 1
