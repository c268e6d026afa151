"""The session's messages page: administrators only (404 for everyone else), what was
sent with its status and error in words, filters, sending again, convoking."""

from __future__ import annotations

import pytest
from django.urls import reverse

from candidates.tests.factories import SessionFactory
from notifications.models import Message, MessageKind, MessageStatus
from notifications.services import convocations_send, message_send
from notifications.tests.conftest import convocation_setup

pytestmark = pytest.mark.django_db


def _url(session) -> str:
    return reverse("notifications:session_messages", args=[session.public_id])


def _sent(alice, count: int = 1):
    setup = convocation_setup("fr")
    for _ in range(count - 1):
        convocation_setup("fr", session=setup.assessment.session)
    convocations_send(assessment=setup.assessment, by=alice)
    for pk in Message.objects.values_list("pk", flat=True):
        message_send(message_id=pk)
    return setup


def test_it_lists_what_was_sent_in_words(client, alice):
    setup = _sent(alice)
    Message.objects.create(session=setup.assessment.session, kind=MessageKind.RESULTS_PUBLISHED,
                           recipient_email="x@certif.example", recipient_name="Xavier X",
                           language="fr", status=MessageStatus.FAILED,
                           error="SMTPRecipientsRefused: 550 Mailbox unavailable")
    client.force_login(alice)
    page = client.get(_url(setup.assessment.session)).content.decode()
    assert "Convocation : Étude de cas écrite le 15 mars 2027" in page
    assert "Claire DURAND" in page
    assert "Envoyé" in page
    assert "Échoué" in page
    assert "550 Mailbox unavailable" in page
    assert "Résultats publiés" in page
    assert "Convoquer les candidats" in page
    assert "1 sur 1 candidat" in page


def test_it_filters_by_kind_and_status(client, alice):
    setup = _sent(alice)
    Message.objects.create(session=setup.assessment.session, kind=MessageKind.RESULTS_PUBLISHED,
                           recipient_email="x@certif.example", recipient_name="Xavier X",
                           language="fr", status=MessageStatus.FAILED, error="boom")
    client.force_login(alice)
    url = _url(setup.assessment.session)
    failed = client.get(url, {"status": "failed"}).content.decode()
    assert "Xavier X" in failed
    assert "Claire DURAND" not in failed
    convocations = client.get(url, {"kind": "convocation"}).content.decode()
    assert "Claire DURAND" in convocations
    assert "Xavier X" not in convocations
    everything = client.get(url, {"kind": "nonsense"}).content.decode()
    assert "Xavier X" in everything
    assert "Claire DURAND" in everything


def test_the_detail_shows_the_body_as_sent_and_the_attachments(client, alice):
    setup = _sent(alice)
    message = Message.objects.get()
    client.force_login(alice)
    page = client.get(reverse("notifications:message_detail",
                              args=[setup.assessment.session.public_id, message.public_id]))
    text = page.content.decode()
    assert "Une note de synthèse de 4 pages." in text
    assert "convocation.pdf, convocation.ics" in text


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_everyone_but_an_administrator_is_told_it_does_not_exist(client, alice, persona, request):
    setup = _sent(alice)
    session = setup.assessment.session
    message = Message.objects.get()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(session)).status_code == 404
    assert client.get(reverse("notifications:message_detail",
                              args=[session.public_id, message.public_id])).status_code == 404
    assert client.post(reverse("notifications:message_resend",
                               args=[session.public_id, message.public_id])).status_code == 404
    assert client.post(reverse("notifications:convoke", args=[
        session.public_id, setup.assessment.public_id])).status_code == 404
    assert Message.objects.count() == 1


def test_a_message_of_another_session_is_not_found_through_this_one(client, alice):
    setup = _sent(alice)
    other = SessionFactory()
    client.force_login(alice)
    message = Message.objects.get()
    assert client.get(reverse("notifications:message_detail", args=[
        other.public_id, message.public_id])).status_code == 404
    assert client.post(reverse("notifications:convoke", args=[
        other.public_id, setup.assessment.public_id])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, alice):
    setup = _sent(alice)
    response = client.get(_url(setup.assessment.session))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_send_again_and_convoke_from_the_page(client, alice):
    setup = _sent(alice)
    session = setup.assessment.session
    message = Message.objects.get()
    client.force_login(alice)
    response = client.post(reverse("notifications:message_resend",
                                   args=[session.public_id, message.public_id]), follow=True)
    assert "est en cours de renvoi" in response.content.decode()
    assert Message.objects.filter(resent_from=message).count() == 1
    convocation_setup("fr", session=session)  # a newcomer on the épreuve
    response = client.post(reverse("notifications:convoke", args=[
        session.public_id, setup.assessment.public_id]), follow=True)
    text = response.content.decode()
    assert "1 convocation est en cours d&#x27;envoi." in text
    assert "1 candidat était déjà convoqué à cette date et à ce lieu." in text
    response = client.post(reverse("notifications:convoke", args=[
        session.public_id, setup.assessment.public_id]), {"resend": "1"}, follow=True)
    assert "2 convocations sont en cours d&#x27;envoi." in response.content.decode()


@pytest.mark.parametrize("size", [1, 12])
def test_the_page_costs_the_same_queries_at_any_size(client, alice, size,
                                                      django_assert_max_num_queries):
    setup = _sent(alice, count=size)
    client.force_login(alice)
    with django_assert_max_num_queries(9):
        response = client.get(_url(setup.assessment.session))
    assert response.content.decode().count('id="message-') == size
