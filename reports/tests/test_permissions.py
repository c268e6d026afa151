"""Who reaches which document (DESIGN.md §8): the holder downloads their own, an
administrator any; anyone else gets a 404. Revoke and reissue are the administrator's."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from reports.models import Document, DocumentKind, DocumentStatus
from reports.services import (
    document_reissue,
    document_render,
    document_revoke,
    documents_issue_for_deliberation,
)
from reports.tests.conftest import FAKE_PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(signed, enqueued, rendered) -> list[Document]:
    return [document_render(document_id=d.pk)
            for d in documents_issue_for_deliberation(deliberation=signed.deliberation)]


def transcript_of(documents: list[Document], enrolment) -> Document:
    return next(d for d in documents
                if d.kind == DocumentKind.TRANSCRIPT and d.enrolment_id == enrolment.pk)


def download_url(document: Document) -> str:
    return reverse("reports:download", args=[document.public_id])


def test_a_candidate_downloads_their_own_document(client, charlie, signed, documents):
    from deliberations.services import deliberation_publish

    deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    client.force_login(charlie)
    response = client.get(download_url(transcript_of(documents, signed.charlie)))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == FAKE_PDF


def test_charlie_cannot_download_daves_document(client, charlie, signed, documents):
    client.force_login(charlie)
    assert client.get(download_url(transcript_of(documents, signed.dave))).status_code == 404


def test_a_candidate_cannot_download_the_minutes(client, charlie, documents):
    client.force_login(charlie)
    minutes = next(d for d in documents if d.kind == DocumentKind.MINUTES)
    assert client.get(download_url(minutes)).status_code == 404


def test_a_jury_member_and_an_anonymous_visitor_cannot_download(client, bob, signed,
                                                                 documents):
    url = download_url(transcript_of(documents, signed.dave))
    assert client.get(url).status_code == 302
    client.force_login(bob)
    assert client.get(url).status_code == 404


def test_an_administrator_downloads_any_issued_document(client, alice, signed, documents):
    client.force_login(alice)
    assert client.get(download_url(transcript_of(documents, signed.dave))).status_code == 200


def test_a_document_not_issued_is_not_downloadable(client, alice, signed, documents):
    document = transcript_of(documents, signed.dave)
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.FAILED)
    client.force_login(alice)
    assert client.get(download_url(document)).status_code == 404


def test_the_session_list_is_for_administrators_only(client, alice, bob, charlie, signed,
                                                     documents):
    url = reverse("reports:session_documents", args=[signed.setup.session.public_id])
    for user in (bob, charlie):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200
    assert all(d.number in response.content.decode() for d in documents)


def test_revoke_needs_a_reason_and_an_administrator(alice, charlie, signed, documents):
    document = transcript_of(documents, signed.dave)
    with pytest.raises(PermissionDenied):
        document_revoke(document=document, by=charlie, reason="no")
    with pytest.raises(ValidationError):
        document_revoke(document=document, by=alice, reason="  ")
    revoked = document_revoke(document=document, by=alice, reason="Erreur d'état civil")
    assert (revoked.status, revoked.revoked_by) == (DocumentStatus.REVOKED, alice)
    assert AuditEvent.objects.filter(action="document.revoked").count() == 1


def test_reissue_revokes_and_replaces_with_a_new_number(alice, signed, documents, enqueued):
    old = transcript_of(documents, signed.charlie)
    new = document_reissue(document=old, by=alice, reason="Nom d'usage ajouté")
    old.refresh_from_db()
    assert old.status == DocumentStatus.REVOKED
    assert (new.replaces, new.kind, new.enrolment_id) == (old, old.kind, old.enrolment_id)
    assert new.number != old.number
    assert new.verification_code != old.verification_code
    with pytest.raises(ValidationError):
        document_reissue(document=old, by=alice, reason="again")


def test_the_buttons_revoke_and_reissue(client, alice, signed, documents, enqueued):
    document = transcript_of(documents, signed.dave)
    client.force_login(alice)
    base = [signed.setup.session.public_id, document.public_id]
    response = client.post(reverse("reports:document_action", args=[*base, "reissue"]),
                           {"reason": "Erreur", "confirm": "1"})
    assert response.status_code == 302
    assert Document.objects.get(replaces=document).status == DocumentStatus.PENDING
    client.force_login(signed.setup.president.user)
    response = client.post(reverse("reports:document_action", args=[*base, "revoke"]),
                           {"reason": "x", "confirm": "1"})
    assert response.status_code == 404


def test_an_amendment_reissues_the_candidates_documents(alice, signed, documents,
                                                        enqueued):
    from deliberations.models import CandidateDecision, CandidateOutcome
    from deliberations.services import OutcomeAmended, amendment_record
    from reports.tasks import reissue_for_amendment_task

    decision = CandidateDecision.objects.get(enrolment=signed.charlie)
    amendment = amendment_record(target=OutcomeAmended(decision),
                                 new_value=CandidateOutcome.PARTIAL_SUCCESS,
                                 reason="Exigence non remplie", by=signed.setup.president.user)
    reissue_for_amendment_task.apply(args=[amendment.pk])
    reissue_for_amendment_task.apply(args=[amendment.pk])
    mine = Document.objects.filter(enrolment=signed.charlie)
    certificate = mine.get(kind=DocumentKind.CERTIFICATE)
    assert certificate.status == DocumentStatus.REVOKED
    current = mine.filter(replaced_by__isnull=True).exclude(status=DocumentStatus.REVOKED)
    assert sorted(current.values_list("kind", flat=True)) == sorted(
        [DocumentKind.TRANSCRIPT] + [DocumentKind.BLOC_ATTESTATION] * 3)
    assert all(d.replaces is not None for d in current)
    assert not Document.objects.filter(enrolment=signed.dave,
                                       status=DocumentStatus.REVOKED).exists()


def test_the_register_page_reads_a_page_at_a_time(client, alice, signed, documents, settings,
                                                  monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr("reports.views.DOCUMENTS_PER_PAGE", 4)
    url = reverse("reports:session_documents", args=[signed.setup.session.public_id])
    client.force_login(alice)
    with django_assert_max_num_queries(16):
        first = client.get(url).content.decode()
    numbers = sorted(Document.objects.values_list("number", flat=True))
    assert [n for n in numbers if n in first] == numbers[:4]
    last = client.get(url, {"page": 3}).content.decode()
    assert [n for n in numbers if n in last] == numbers[8:]
    assert 'rel="prev"' in last
