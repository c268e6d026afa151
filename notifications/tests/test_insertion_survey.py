"""The insertion survey's e-mails (notifications.services.insertion_surveys_send): each
holder due a wave gets one e-mail, in their language, with the questionnaire's link; the
daily beat task and ``manage.py insertion_survey`` call the same service."""

from __future__ import annotations

import datetime
import io
import re
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from accounts.tests.factories import AdminFactory
from insertion.models import InsertionSurvey
from insertion.selectors import insertion_holders_due
from insertion.services import survey_open
from insertion.tests.helpers import FAILURE, FULL, PARTIAL, decided_session, paris
from notifications.models import Message, MessageKind, MessageStatus
from notifications.services import insertion_surveys_send, message_resend, message_send
from notifications.tasks import insertion_surveys_send_task

pytestmark = pytest.mark.django_db
SIGNED = datetime.date(2026, 6, 15)
SIX_MONTHS = paris(datetime.date(2026, 12, 16))


def test_each_holder_due_gets_one_email_per_wave():
    ana, ben, _emma = decided_session(SIGNED, [FULL, PARTIAL, FAILURE])
    result = insertion_surveys_send(now=SIX_MONTHS)
    assert (result.due, result.queued, result.already) == (2, 2, 0)
    messages = Message.objects.filter(kind=MessageKind.INSERTION_SURVEY)
    assert sorted(messages.values_list("enrolment_ref", flat=True)) == [ana.pk, ben.pk]
    assert set(messages.values_list("dedupe_key", flat=True)) == {
        f"insertion_survey:{ana.pk}:6", f"insertion_survey:{ben.pk}:6"}
    assert InsertionSurvey.objects.filter(wave=6, sent_at=SIX_MONTHS).count() == 2
    again = insertion_surveys_send(now=SIX_MONTHS + datetime.timedelta(days=1))
    assert (again.due, again.queued) == (0, 0)
    assert messages.count() == 2
    at_24 = insertion_surveys_send(now=paris(datetime.date(2028, 6, 16)))
    assert at_24.queued == 2
    assert InsertionSurvey.objects.filter(wave=24).count() == 2


def test_a_dry_run_counts_and_sends_nothing():
    decided_session(SIGNED, [FULL, PARTIAL])
    result = insertion_surveys_send(now=SIX_MONTHS, dry_run=True)
    assert (result.due, result.queued) == (2, 0)
    assert not InsertionSurvey.objects.exists()
    assert not Message.objects.exists()


def test_batches_send_everyone():
    decided_session(SIGNED, [FULL] * 5)
    assert insertion_surveys_send(now=SIX_MONTHS, batch_size=2).queued == 5


def test_a_holder_sent_meanwhile_is_not_sent_twice():
    """Two runs at once: the other one recorded the survey after this one read who was due."""
    (ana,) = decided_session(SIGNED, [FULL])
    holders = insertion_holders_due(now=SIX_MONTHS)
    survey_open(enrolment_id=ana.pk, wave=6, decided_on=SIGNED)
    with mock.patch("notifications.services.insertion_holders_due", return_value=holders):
        result = insertion_surveys_send(now=SIX_MONTHS)
    assert (result.queued, result.already) == (0, 1)
    assert not Message.objects.exists()


@pytest.mark.parametrize(("language", "subject", "words"), [
    ("fr", "Où en êtes-vous ?", "6 mois plus tard"),
    ("en", "Where are you now?", "6 months later"),
])
def test_the_email_speaks_the_holders_language_and_links_the_questionnaire(
        client, language, subject, words):
    (ana,) = decided_session(SIGNED, [FULL], candidate__language=language)
    insertion_surveys_send(now=SIX_MONTHS)
    message = message_send(message_id=Message.objects.get().pk)
    assert message.status == MessageStatus.SENT
    (email,) = mail.outbox
    assert email.to == [ana.candidate.email]
    assert subject in email.subject
    assert words in email.body
    link = re.search(re.escape(settings.SITE_URL) + r"(/insertion/\S+/)", email.body)[1]
    assert client.get(link).status_code == 200


def test_sending_again_links_the_same_survey():
    decided_session(SIGNED, [FULL])
    insertion_surveys_send(now=SIX_MONTHS)
    insertion_surveys_send(now=paris(datetime.date(2028, 6, 16)))
    six = Message.objects.get(dedupe_key__endswith=":6")
    first = message_send(message_id=six.pk)
    again = message_send(message_id=message_resend(message=first, by=AdminFactory()).pk)
    survey = InsertionSurvey.objects.get(wave=6)
    assert str(survey.public_id) in again.body
    assert again.body == first.body


def test_the_daily_task_is_scheduled_and_sends():
    schedule = settings.CELERY_BEAT_SCHEDULE["send-insertion-surveys"]
    assert schedule["task"] == "notifications.tasks.insertion_surveys_send_task"
    decided_session(datetime.date.today() - datetime.timedelta(days=200), [FULL])
    insertion_surveys_send_task()
    assert InsertionSurvey.objects.count() == 1


def test_the_command_sends_and_tells_the_status():
    decided_session(datetime.date.today() - datetime.timedelta(days=200), [FULL, PARTIAL])
    out = io.StringIO()
    call_command("insertion_survey", "send", "--dry-run", stdout=out)
    assert "2 titulaire(s) à interroger ; rien n'a été envoyé" in out.getvalue()
    call_command("insertion_survey", "--language", "en", "status", stdout=out)
    assert "6 months: 2 due, 0 sent, 0 answered" in out.getvalue()
    call_command("insertion_survey", "--language", "en", "send", stdout=out)
    assert "2 e-mail(s) queued, 0 already sent." in out.getvalue()
    call_command("insertion_survey", "--language", "en", "status", stdout=out)
    assert "6 months: 0 due, 2 sent, 0 answered, 2 waiting for an answer." in out.getvalue()
