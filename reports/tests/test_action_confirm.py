"""Revoking and reissuing a document take two steps, without JavaScript (issue 18): the
register's form (or a GET) leads to a page saying what will happen — the document invalid
on its public verification page with the public reason, the holder's download gone — with
the reasons typed kept; only its POST (``confirm=1``) acts. And the sign confirmation's
document count is what signing issues."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import AuditEvent
from deliberations.models import Deliberation
from deliberations.services import deliberation_propose, deliberation_sign
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from reports.models import Document, DocumentKind, DocumentStatus
from reports.services import document_render, documents_issue_for_deliberation

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}


@pytest.fixture
def documents(signed, enqueued, rendered) -> list[Document]:
    return [document_render(document_id=d.pk)
            for d in documents_issue_for_deliberation(deliberation=signed.deliberation)]


@pytest.fixture
def transcript(signed, documents) -> Document:
    return next(d for d in documents
                if d.kind == DocumentKind.TRANSCRIPT and d.enrolment_id == signed.dave.pk)


def action_url(document: Document, action: str) -> str:
    return reverse("reports:document_action",
                   args=[document.session.public_id, document.public_id, action])


def test_the_register_form_leads_to_the_confirmation_with_the_reasons_kept(
        client, alice, transcript):
    client.force_login(alice)
    register = client.get(reverse("reports:session_documents",
                                  args=[transcript.session.public_id]), headers=EN).text
    assert f'action="{action_url(transcript, "revoke")}"' in register
    assert "Revoke…</button>" in register
    response = client.post(action_url(transcript, "revoke"),
                           {"reason": "Fraude : mémoire plagié",
                            "public_reason": "Délivré par erreur."}, headers=EN)
    assert response.status_code == 200
    text = response.text
    assert f"Revoke document {transcript.number}?" in text
    assert "Nothing was revoked: revoking needs the confirmation on this page." in text
    verify = reverse("reports:verify", args=[transcript.verification_code])
    assert f"its public verification page (http://testserver{verify})" in text
    assert "says « Revoked document », with today's date and the public reason" in text
    assert "Its holder can no longer download it from their space." in text
    # The reasons typed are kept in the fields of the form that confirms.
    assert 'name="reason" value="Fraude : mémoire plagié"' in text
    assert 'name="public_reason" value="Délivré par erreur."' in text
    assert '<input type="hidden" name="confirm" value="1">' in text
    transcript.refresh_from_db()
    assert transcript.status == DocumentStatus.ISSUED
    assert not AuditEvent.objects.filter(action="document.revoked").exists()


def test_a_get_shows_the_confirmation_and_changes_nothing(client, alice, transcript):
    client.force_login(alice)
    response = client.get(action_url(transcript, "revoke"), headers=EN)
    assert response.status_code == 200
    assert "What revoking does" in response.text
    assert "Nothing was revoked" not in response.text
    transcript.refresh_from_db()
    assert transcript.status == DocumentStatus.ISSUED


def test_the_confirmed_post_revokes_with_both_reasons(client, alice, transcript):
    client.force_login(alice)
    response = client.post(action_url(transcript, "revoke"),
                           {"reason": "Fraude", "public_reason": "Délivré par erreur.",
                            "confirm": "1"})
    assert response.status_code == 302
    transcript.refresh_from_db()
    assert transcript.status == DocumentStatus.REVOKED
    assert (transcript.revocation_reason, transcript.public_revocation_reason) == (
        "Fraude", "Délivré par erreur.")


def test_a_confirmed_post_without_a_reason_shows_the_error_next_to_the_field(
        client, alice, transcript):
    client.force_login(alice)
    response = client.post(action_url(transcript, "revoke"),
                           {"reason": " ", "public_reason": "Gardé", "confirm": "1"},
                           headers=EN)
    assert response.status_code == 422
    assert 'aria-describedby="confirm-reason-error"' in response.text
    assert escape("A reason is required to revoke a document.") in response.text
    assert 'name="public_reason" value="Gardé"' in response.text
    transcript.refresh_from_db()
    assert transcript.status == DocumentStatus.ISSUED


def test_reissue_confirms_too(client, alice, transcript):
    client.force_login(alice)
    response = client.post(action_url(transcript, "reissue"), {"reason": "Nom corrigé"},
                           headers=EN)
    assert response.status_code == 200
    assert "Nothing was reissued" in response.text
    assert "A new document replaces it," in response.text
    assert not Document.objects.filter(replaces=transcript).exists()
    response = client.post(action_url(transcript, "reissue"),
                           {"reason": "Nom corrigé", "confirm": "1"})
    assert response.status_code == 302
    assert Document.objects.get(replaces=transcript).status == DocumentStatus.PENDING


def test_an_already_revoked_document_offers_no_revoke_button(client, alice, transcript):
    client.force_login(alice)
    client.post(action_url(transcript, "revoke"), {"reason": "x", "confirm": "1"})
    response = client.get(action_url(transcript, "revoke"), headers=EN)
    assert "This document is already revoked." in response.text
    assert "Revoke the document</button>" not in response.text


def test_only_administrators_reach_the_confirmation(client, bob, charlie, signed, transcript):
    for user in (bob, charlie, signed.setup.president.user):
        client.force_login(user)
        assert client.get(action_url(transcript, "revoke")).status_code == 404
        assert client.post(action_url(transcript, "revoke"),
                           {"reason": "x", "confirm": "1"}).status_code == 404
    client.force_login(signed.setup.president.user)
    assert client.get(action_url(transcript, "destroy")).status_code == 404
    transcript.refresh_from_db()
    assert transcript.status == DocumentStatus.ISSUED


def test_the_sign_confirmation_counts_the_documents_signing_issues(client, alice, charlie,
                                                                   enqueued, rendered):
    setup = jury_setup()
    score_all(setup, enrol(setup, candidate__user=charlie), 2)
    score_all(setup, enrol(setup), 1)
    deliberation_propose(session=setup.session, by=alice)
    deliberation = Deliberation.objects.get()
    client.force_login(setup.president.user)
    confirm = client.get(
        reverse("deliberations:deliberation_sign", args=[setup.session.public_id]),
        {"present": [str(m.public_id) for m in setup.members],
         "proposal_version": deliberation.proposal_version})
    summary = confirm.context["summary"]
    deliberation_sign(deliberation=deliberation, members_present=setup.members,
                      by=setup.president.user)
    issued = documents_issue_for_deliberation(deliberation=deliberation)
    kinds = [d.kind for d in issued]
    assert kinds.count(DocumentKind.BLOC_ATTESTATION) > 0  # something to count
    assert summary.documents == len(issued)
    assert (summary.transcripts, summary.attestations, summary.certificates) == (
        kinds.count(DocumentKind.TRANSCRIPT), kinds.count(DocumentKind.BLOC_ATTESTATION),
        kinds.count(DocumentKind.CERTIFICATE))
