"""Convoking an épreuve's candidates: the e-mail in the candidate's language with date,
time, place, duration with extra time and what to bring; a PDF convocation and an .ics
file attached; nobody convoked twice unless sent again or the épreuve moved."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.core import mail

from accounts.models import AuditEvent
from notifications.models import Message, MessageKind, MessageStatus
from notifications.services import convocations_send, message_send
from notifications.tests.conftest import STARTS_AT, convocation_setup

pytestmark = pytest.mark.django_db


def _convoke_and_send(setup, by, **kwargs) -> Message:
    result = convocations_send(assessment=setup.assessment, by=by, **kwargs)
    assert result.queued == 1
    message = Message.objects.get(enrolment_ref=setup.enrolment.pk, status=MessageStatus.QUEUED)
    return message_send(message_id=message.pk)


def _unfold(ics: bytes) -> list[str]:
    """RFC 5545 §3.1: every line ends with CRLF, is at most 75 octets, and a line starting
    with a space continues the previous one."""
    text = ics.decode() if isinstance(ics, bytes) else ics
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    raw = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in raw)
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_it_convokes_in_french_with_the_extra_time_and_what_to_bring(alice):
    setup = convocation_setup("fr")
    message = _convoke_and_send(setup, alice)
    assert message.status == MessageStatus.SENT
    assert message.sent_at is not None
    [email] = mail.outbox
    assert email.to == [setup.enrolment.candidate.email]
    assert email.subject == "Convocation : Étude de cas écrite le 15 mars 2027"
    body = email.body.replace("\xa0", " ")
    assert "Bonjour Claire DURAND," in body
    assert "Date : lundi 15 mars 2027" in body
    assert "Heure : 14:00" in body
    assert "Lieu : Salle 204" in body
    assert "Durée : 2 h 40 (2 h + 40 min de temps supplémentaire)" in body
    assert "Une note de synthèse de 4 pages." in body
    assert "Analyse d'un dossier d'entreprise." in body
    assert "/space/" in body
    assert message.body == email.body
    assert message.subject == email.subject
    assert message.attachments == ["convocation.pdf", "convocation.ics"]


def test_it_convokes_in_english(alice):
    setup = convocation_setup("en")
    _convoke_and_send(setup, alice)
    [email] = mail.outbox
    assert email.subject == "Convocation: Étude de cas écrite on March 15, 2027"
    body = email.body.replace("\xa0", " ")
    assert "Hello Claire DURAND," in body
    assert "Date: Monday 15 March 2027" in body
    assert "Place: Salle 204" in body
    assert "Duration: 2 hr 40 min (2 hr + 40 min of extra time)" in body
    assert "What you hand in:\nUne note de synthèse de 4 pages." in body


def test_the_pdf_convocation_names_the_candidate_and_the_date(alice, tmp_path):
    setup = convocation_setup("fr")
    _convoke_and_send(setup, alice)
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert (name, mimetype) == ("convocation.pdf", "application/pdf")
    assert content.startswith(b"%PDF-")
    (tmp_path / "c.pdf").write_bytes(content)
    text = " ".join(subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    assert "DURAND Claire" in text
    assert "lundi 15 mars 2027" in text
    assert "14:00" in text
    assert "Salle 204" in text
    assert "2 h 40" in text
    assert "Session de printemps" in text


def test_the_calendar_file_parses_with_the_start_in_utc(alice):
    setup = convocation_setup("fr")
    _convoke_and_send(setup, alice)
    name, content, mimetype = mail.outbox[0].attachments[1]
    assert (name, mimetype) == ("convocation.ics", "text/calendar")
    lines = _unfold(content)
    fields = dict(line.split(":", 1) for line in lines)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert fields["DTSTART"] == "20270315T130000Z"
    assert fields["DTEND"] == "20270315T154000Z"  # 2 h 40 later
    assert fields["LOCATION"] == "Salle 204"
    assert fields["UID"].endswith("@certassess")
    assert fields["DTSTAMP"].endswith("Z")
    assert fields["SUMMARY"] == "Épreuve — Étude de cas écrite"


def test_the_calendar_file_folds_and_escapes_long_text():
    from notifications.ics import ics_event

    ics = ics_event(uid="u@x", start=STARTS_AT, end=STARTS_AT, summary="a, b; c\\d",
                    location="é" * 80, description="ligne 1\nligne 2")
    lines = _unfold(ics)
    fields = dict(line.split(":", 1) for line in lines)
    assert fields["SUMMARY"] == "a\\, b\\; c\\\\d"
    assert fields["LOCATION"] == "é" * 80
    assert fields["DESCRIPTION"] == "ligne 1\\nligne 2"


def test_a_candidate_is_convoked_once_unless_sent_again_or_the_assessment_moved(alice):
    setup = convocation_setup("fr")
    assert convocations_send(assessment=setup.assessment, by=alice).queued == 1
    again = convocations_send(assessment=setup.assessment, by=alice)
    assert (again.queued, again.already) == (0, 1)
    assert convocations_send(assessment=setup.assessment, by=alice, resend=True).queued == 1
    setup.assessment.starts_at = STARTS_AT + datetime.timedelta(days=7)
    setup.assessment.save()
    assert convocations_send(assessment=setup.assessment, by=alice).queued == 1
    assert Message.objects.filter(kind=MessageKind.CONVOCATION).count() == 3
    assert AuditEvent.objects.filter(action="convocations.sent").count() == 4


def test_a_candidate_without_an_address_is_listed_not_convoked(alice):
    setup = convocation_setup("fr", email="")
    result = convocations_send(assessment=setup.assessment, by=alice)
    assert (result.queued, result.without_email) == (0, ["Claire DURAND"])


def test_only_an_administrator_convokes(bob):
    from django.core.exceptions import PermissionDenied

    setup = convocation_setup("fr")
    with pytest.raises(PermissionDenied):
        convocations_send(assessment=setup.assessment, by=bob)
    assert not Message.objects.exists()
