from unittest import mock

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection

from accounts import tasks
from accounts.email import message_from_dict, message_to_dict


def test_it_round_trips_a_message_through_json_safe_data():
    message = EmailMultiAlternatives(
        subject="Invitation", body="Bonjour", from_email="a@certif.example",
        to=["b@certif.example"], cc=["c@certif.example"], reply_to=["r@certif.example"],
        headers={"X-Ref": "42"},
    )
    message.attach_alternative("<p>Bonjour</p>", "text/html")
    again = message_from_dict(message_to_dict(message))
    assert message_to_dict(again) == message_to_dict(message)


@pytest.mark.django_db(transaction=True)
def test_it_enqueues_mail_only_after_the_transaction_commits(django_capture_on_commit_callbacks):
    from django.db import transaction

    connection = get_connection("accounts.email.CeleryEmailBackend")
    with mock.patch.object(tasks.email_send, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            sent = EmailMultiAlternatives("S", "B", "a@x.example", ["b@x.example"],
                                          connection=connection).send()
            assert sent == 1
            delay.assert_not_called()
        delay.assert_called_once()
        assert delay.call_args.args[0]["to"] == ["b@x.example"]


def test_the_task_delivers_with_the_configured_backend(settings):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core import mail

    mail.outbox = []
    tasks.email_send.run(message_to_dict(EmailMultiAlternatives("S", "B", "a@x.example",
                                                                ["b@x.example"])))
    assert [m.subject for m in mail.outbox] == ["S"]
