"""Sending: a sent message is not sent twice; sending again is a new message, the first
kept as it was; an SMTP refusal is recorded as failed with its error (and retried)."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail

from accounts.models import AuditEvent
from notifications.models import Message, MessageStatus
from notifications.services import convocations_send, message_resend, message_send
from notifications.tests.conftest import convocation_setup

pytestmark = pytest.mark.django_db


def _queued(alice) -> Message:
    setup = convocation_setup("fr")
    convocations_send(assessment=setup.assessment, by=alice)
    return Message.objects.get()


def test_a_sent_message_is_not_sent_twice(alice):
    message = _queued(alice)
    message_send(message_id=message.pk)
    again = message_send(message_id=message.pk)
    assert len(mail.outbox) == 1
    assert (again.status, again.attempts) == (MessageStatus.SENT, 1)


def test_sending_again_is_a_new_message_and_keeps_the_first(alice):
    first = message_send(message_id=_queued(alice).pk)
    again = message_resend(message=first, by=alice)
    assert again.pk != first.pk
    assert (again.status, again.resent_from, again.created_by) == (
        MessageStatus.QUEUED, first, alice)
    again = message_send(message_id=again.pk)
    assert again.status == MessageStatus.SENT
    assert len(mail.outbox) == 2
    first.refresh_from_db()
    assert (first.status, first.body) == (MessageStatus.SENT, mail.outbox[0].body)
    assert AuditEvent.objects.filter(action="message.resent", object_id=str(first.pk)).exists()


def test_a_refused_message_is_recorded_as_failed_with_the_error(alice, settings):
    settings.EMAIL_DELIVERY_BACKEND = "notifications.tests.stub_backends.RefusingBackend"
    message = _queued(alice)
    with pytest.raises(smtplib.SMTPRecipientsRefused):  # the task retries it (OSError)
        message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "SMTPRecipientsRefused" in message.error
    assert "Mailbox unavailable" in message.error
    assert message.body  # what would have been sent is shown
    assert message.attempts == 1
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message = message_send(message_id=message.pk)  # the retry
    assert (message.status, message.error, message.attempts) == (MessageStatus.SENT, "", 2)


def test_a_message_whose_subject_is_gone_fails_without_retrying(alice):
    message = _queued(alice)
    Message.objects.filter(pk=message.pk).update(enrolment_ref=0)
    message = message_send(message_id=message.pk)
    assert message.status == MessageStatus.FAILED
    assert "DoesNotExist" in message.error
    assert not mail.outbox


def test_the_task_sends_the_message(alice):
    from notifications.tasks import send_message

    message = _queued(alice)
    send_message(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_an_erasure_scrubs_the_messages_that_named_the_candidate(alice):
    """RGPD: the candidate's address, name and the bodies (birth date, accommodations) go;
    what was sent and when stays; a message not sent yet is never sent; it cannot be sent
    again."""
    from django.core.exceptions import ValidationError

    from candidates.services import candidate_erase

    setup = convocation_setup("fr", email="claire.durand@exemple.fr")
    other = convocation_setup("fr", session=setup.assessment.session,
                              email="paul.martin@exemple.fr")
    convocations_send(assessment=setup.assessment, by=alice)
    sent = Message.objects.get(enrolment_ref=setup.enrolment.pk)
    message_send(message_id=sent.pk)
    pending = message_resend(message=Message.objects.get(pk=sent.pk), by=alice)
    kept = Message.objects.get(enrolment_ref=other.enrolment.pk)

    candidate_erase(candidate=setup.enrolment.candidate, erased_by=alice,
                    reason="Demande de la candidate")

    sent.refresh_from_db()
    assert (sent.recipient_email, sent.recipient_name, sent.body) == ("", "—", "")
    assert sent.status == MessageStatus.SENT
    assert "Convocation" in sent.subject
    pending.refresh_from_db()
    assert pending.status == MessageStatus.FAILED
    assert message_send(message_id=pending.pk).status == MessageStatus.FAILED
    assert len([m for m in mail.outbox if "claire.durand@exemple.fr" in m.to]) == 1
    with pytest.raises(ValidationError) as refused:
        message_resend(message=sent, by=alice)
    assert refused.value.code == "erased"
    kept.refresh_from_db()
    assert kept.recipient_email == "paul.martin@exemple.fr"
