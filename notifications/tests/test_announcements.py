"""What queues messages on its own: a jury member's assignment, the publication of the
results (one message per candidate), a candidate's documents all issued."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from deliberations.services import deliberation_publish
from juries.models import Jury
from juries.services import assignment_create
from juries.tests.factories import AssessmentFactory, MemberFactory, SittingFactory
from notifications.models import Message, MessageKind, MessageStatus
from notifications.services import message_send
from reports.models import Document, DocumentStatus
from reports.services import documents_issue_for_deliberation
from reports.tasks import documents_render_task
from reports.tests.conftest import enqueued, rendered, signed  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

STARTS_AT = datetime.datetime(2027, 3, 15, 8, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _eager(monkeypatch):
    """The publication's task runs at once (no worker here)."""
    from notifications.tasks import notify_results_published

    monkeypatch.setattr(notify_results_published, "delay", notify_results_published)


def _send_all() -> None:
    for pk in Message.objects.filter(status=MessageStatus.QUEUED).values_list("pk", flat=True):
        message_send(message_id=pk)


def test_an_assigned_member_is_told_their_assessments_once(
        alice, django_capture_on_commit_callbacks):
    assessment = AssessmentFactory(starts_at=STARTS_AT, place="Salle 12")
    member = MemberFactory(user__first_name="Paul", user__last_name="Martin")
    Jury.objects.create(session=assessment.session).members.add(member)
    sittings = [SittingFactory(assessment=assessment) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        for sitting in sittings:
            assignment_create(sitting=sitting, member=member, assigned_by=alice)
    message = Message.objects.get()
    assert (message.kind, message.recipient, message.language) == (
        MessageKind.JURY_ASSIGNMENT, member.user, "fr")
    _send_all()
    [email] = mail.outbox
    assert email.to == [member.user.email]
    body = email.body.replace("\xa0", " ")
    assert f"dans la session « {assessment.session.name} »" in body
    assert f"{assessment.modality.title} — lundi 15 mars 2027, 09:30, Salle 12 (2 candidats)" \
        in body
    assert "http://127.0.0.1:8000/\n" in body


def test_publishing_tells_each_candidate_once(signed, django_capture_on_commit_callbacks):  # noqa: F811
    signed.charlie.candidate.language = "en"
    signed.charlie.candidate.save()
    with django_capture_on_commit_callbacks(execute=True):
        deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
        deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    messages = Message.objects.filter(kind=MessageKind.RESULTS_PUBLISHED)
    assert sorted(messages.values_list("enrolment_ref", flat=True)) == sorted(
        [signed.charlie.pk, signed.dave.pk])
    _send_all()
    by_address = {email.to[0]: email for email in mail.outbox}
    english = by_address[signed.charlie.candidate.email]
    assert english.subject.startswith("Your results are available — ")
    assert "your results for the certification" in english.body
    assert "http://127.0.0.1:8000/space/" in english.body
    french = by_address[signed.dave.candidate.email]
    assert french.subject.startswith("Vos résultats sont disponibles — ")
    assert "Le jury a délibéré" in french.body


def test_documents_available_once_all_of_a_candidates_documents_are_issued_and_published(
        signed, rendered, enqueued, django_capture_on_commit_callbacks):  # noqa: F811
    documents = documents_issue_for_deliberation(deliberation=signed.deliberation)
    with django_capture_on_commit_callbacks(execute=True):
        deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    assert not Message.objects.filter(kind=MessageKind.DOCUMENTS_AVAILABLE).exists()
    charlie = [d.pk for d in documents if d.enrolment_id == signed.charlie.pk]
    documents_render_task(charlie[:1])
    assert not Message.objects.filter(kind=MessageKind.DOCUMENTS_AVAILABLE).exists()
    documents_render_task(charlie)
    documents_render_task(charlie)  # delivered twice: still one message
    message = Message.objects.get(kind=MessageKind.DOCUMENTS_AVAILABLE)
    assert message.enrolment_ref == signed.charlie.pk
    assert Document.objects.filter(pk__in=charlie, status=DocumentStatus.ISSUED).count() == len(
        charlie)
    message = message_send(message_id=message.pk)
    assert message.subject.startswith("Vos documents sont disponibles — ")
    assert "téléchargez-les depuis votre espace candidat" in message.body


def test_documents_issued_before_the_publication_are_announced_with_it(
        signed, rendered, enqueued, django_capture_on_commit_callbacks):  # noqa: F811
    documents = documents_issue_for_deliberation(deliberation=signed.deliberation)
    documents_render_task([d.pk for d in documents])
    assert not Message.objects.exists()  # not published: the candidates cannot read them
    with django_capture_on_commit_callbacks(execute=True):
        deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    assert sorted(Message.objects.filter(kind=MessageKind.DOCUMENTS_AVAILABLE)
                  .values_list("enrolment_ref", flat=True)) == sorted(
        [signed.charlie.pk, signed.dave.pk])


def test_a_withdrawn_candidate_is_not_told(signed, django_capture_on_commit_callbacks):  # noqa: F811
    signed.dave.status = "withdrawn"
    signed.dave.save()
    with django_capture_on_commit_callbacks(execute=True):
        deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    assert list(Message.objects.values_list("enrolment_ref", flat=True)) == [signed.charlie.pk]
