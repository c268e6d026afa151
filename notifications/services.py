"""Notifications: queue a message (a row, sent from the worker after the commit), send it
(rendered in the recipient's language, delivered, recorded), send it again on demand.

Automatic messages carry a ``dedupe_key``: an announcement heard twice (a retried task,
two batches of documents finishing together) queues one message. A convocation's key
holds the épreuve's date and place, so a moved épreuve convokes again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import may_manage_session, require
from accounts.services import audit_log
from assessments.models import Assessment, Sitting
from assessments.timing import CandidateTiming, extra_minutes
from candidates.models import Candidate, Enrolment, EnrolmentStatus, Session
from insertion.links import survey_url
from insertion.models import InsertionSurvey
from insertion.selectors import ANSWER_DAYS, insertion_holders_due
from insertion.services import survey_open
from juries.models import Assignment, JuryMember
from notifications.ics import ics_event
from notifications.models import Message, MessageKind, MessageStatus
from reports.models import Document, DocumentStatus

logger = logging.getLogger(__name__)

Attachment = tuple[str, bytes, str]


def user_language(user: User) -> str:
    """A candidate's account reads in the candidate's language; other accounts have none
    of their own: the site's."""
    language = Candidate.objects.filter(user=user).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def notification_queue(
    *, kind: MessageKind, email: str, name: str, language: str, session: Session | None = None,
    recipient: User | None = None, assessment_id: int | None = None,
    enrolment_id: int | None = None, created_by: User | None = None,
    dedupe_key: str | None = None, resent_from: Message | None = None,
) -> Message | None:
    """Record a message and send it from the worker once the transaction commits. With a
    ``dedupe_key`` already used: nothing (``None``)."""
    from notifications.tasks import send_message

    fields = {
        "kind": kind, "recipient_email": email, "recipient_name": name, "language": language,
        "session": session, "recipient": recipient, "assessment_ref": assessment_id,
        "enrolment_ref": enrolment_id, "created_by": created_by, "dedupe_key": dedupe_key,
        "resent_from": resent_from,
    }
    if dedupe_key is not None and Message.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            message = Message.objects.create(**fields)
    except IntegrityError:  # the same key queued meanwhile by another worker
        return None
    send_message.delay_on_commit(message.pk)
    return message


# -- what queues messages --------------------------------------------------------------------
def jury_assignment_notify(*, assignment_id: int) -> Message | None:
    """A member assigned to an épreuve is told once per épreuve (the message, rendered
    when sent, lists every épreuve of the session they are assigned to)."""
    assignment = (Assignment.objects.select_related("member__user", "sitting__assessment__session")
                  .filter(pk=assignment_id).first())
    if assignment is None:  # removed before the commit's announcement was heard
        return None
    user, assessment = assignment.member.user, assignment.sitting.assessment
    return notification_queue(
        kind=MessageKind.JURY_ASSIGNMENT, email=user.email, name=str(user),
        language=user_language(user), session=assessment.session, recipient=user,
        assessment_id=assessment.pk,
        dedupe_key=f"jury_assignment:{assignment.member_id}:{assessment.pk}")


def sitting_starts_at(sitting: Sitting) -> datetime:
    """The candidate's own time slot when there is one, else the épreuve's."""
    return getattr(sitting, "starts_at", None) or sitting.assessment.starts_at


@dataclass
class ConvocationResult:
    queued: int = 0
    already: int = 0
    without_email: list[str] = field(default_factory=list)


@transaction.atomic
def convocations_send(*, assessment: Assessment, by: User, resend: bool = False
                      ) -> ConvocationResult:
    """Convoke the épreuve's candidates (enrolled, with an e-mail address) who were not
    convoked to it at this date and place yet; ``resend``: every one of them again."""
    session = assessment.session
    require(may_manage_session(by, session))
    result = ConvocationResult()
    sittings = (Sitting.objects.filter(assessment=assessment,
                                       enrolment__status=EnrolmentStatus.ENROLLED,
                                       enrolment__candidate__anonymised_at__isnull=True)
                .select_related("assessment", "enrolment__candidate"))
    for sitting in sittings:
        candidate = sitting.enrolment.candidate
        if not candidate.email:
            result.without_email.append(candidate.display_name)
            continue
        key = None if resend else (f"convocation:{sitting.pk}:"
                                   f"{sitting_starts_at(sitting).isoformat()}:{assessment.place}")
        message = notification_queue(
            kind=MessageKind.CONVOCATION, email=candidate.email, name=candidate.display_name,
            language=candidate.language, session=session, recipient=candidate.user,
            assessment_id=assessment.pk, enrolment_id=sitting.enrolment_id, created_by=by,
            dedupe_key=key)
        if message is None:
            result.already += 1
        else:
            result.queued += 1
    audit_log(actor=by, action="convocations.sent", obj=assessment,
              new={"queued": result.queued, "resend": resend},
              context={"session": str(session.public_id),
                       "assessment": str(assessment.public_id)})
    return result


def _candidates_of(enrolments: list[Enrolment]) -> list[Enrolment]:
    return [e for e in enrolments
            if e.candidate.email and e.candidate.anonymised_at is None
            and e.status != EnrolmentStatus.WITHDRAWN]


def results_published_notify(*, session_id: int) -> int:
    """Every candidate of a published session is told their results are available; those
    whose documents are all issued are told so too."""
    enrolments = _candidates_of(list(
        Enrolment.objects.filter(session_id=session_id).select_related("candidate", "session")))
    queued = 0
    for enrolment in enrolments:
        candidate = enrolment.candidate
        queued += notification_queue(
            kind=MessageKind.RESULTS_PUBLISHED, email=candidate.email,
            name=candidate.display_name, language=candidate.language,
            session=enrolment.session, recipient=candidate.user, enrolment_id=enrolment.pk,
            dedupe_key=f"results_published:{enrolment.pk}") is not None
    documents_available_notify(enrolment_ids=[e.pk for e in enrolments])
    return queued


def documents_available_notify(*, document_ids: list[int] | None = None,
                               enrolment_ids: list[int] | None = None) -> int:
    """Once per candidate: when every document of theirs (revoked ones aside) is issued
    and the session's results are published (before that, they cannot read them)."""
    if document_ids is not None:
        enrolment_ids = list(Document.objects.filter(pk__in=document_ids, enrolment__isnull=False)
                             .values_list("enrolment_id", flat=True).distinct())
    counts = (Document.objects.filter(enrolment_id__in=enrolment_ids or [],
                                      session__results_published_at__isnull=False)
              .exclude(status=DocumentStatus.REVOKED).values("enrolment_id")
              .annotate(total=Count("pk"), issued=Count("pk", filter=Q(
                  status=DocumentStatus.ISSUED))))
    ready = [row["enrolment_id"] for row in counts if row["total"] == row["issued"]]
    queued = 0
    for enrolment in _candidates_of(list(Enrolment.objects.filter(pk__in=ready)
                                         .select_related("candidate", "session"))):
        candidate = enrolment.candidate
        queued += notification_queue(
            kind=MessageKind.DOCUMENTS_AVAILABLE, email=candidate.email,
            name=candidate.display_name, language=candidate.language,
            session=enrolment.session, recipient=candidate.user, enrolment_id=enrolment.pk,
            dedupe_key=f"documents_available:{enrolment.pk}") is not None
    return queued


@dataclass
class InsertionSendResult:
    due: int = 0
    queued: int = 0
    already: int = 0  # sent meanwhile by another run


def insertion_surveys_send(*, now: datetime | None = None, dry_run: bool = False,
                           batch_size: int = 200) -> InsertionSendResult:
    """Each holder whose insertion wave is due (``insertion_holders_due``) gets the
    survey's e-mail: the survey is recorded as sent and its message queued in one
    transaction per batch of ``batch_size`` holders. At most one e-mail per holder and
    wave (the survey is unique, and so is the message's key), however often it runs;
    ``dry_run`` only counts."""
    now = now or timezone.now()
    due = insertion_holders_due(now=now)
    result = InsertionSendResult(due=len(due))
    if dry_run:
        return result
    for start in range(0, len(due), batch_size):
        with transaction.atomic():
            for holder in due[start:start + batch_size]:
                enrolment = holder.decision.enrolment
                candidate = enrolment.candidate
                survey = survey_open(enrolment_id=enrolment.pk, wave=holder.wave,
                                     decided_on=holder.decided_on, now=now)
                message = survey and notification_queue(
                    kind=MessageKind.INSERTION_SURVEY, email=candidate.email,
                    name=candidate.display_name, language=candidate.language,
                    session=enrolment.session, recipient=candidate.user,
                    enrolment_id=enrolment.pk,
                    dedupe_key=f"insertion_survey:{enrolment.pk}:{holder.wave}")
                if message is None:
                    result.already += 1
                else:
                    result.queued += 1
    return result


@transaction.atomic
def message_resend(*, message: Message, by: User) -> Message:
    """Send a message again: a new message, rendered afresh (today's dates and places);
    the first stays as it was sent."""
    require(may_manage_session(by, message.session))
    if not message.recipient_email:
        raise ValidationError(_("This message's recipient was erased: it cannot be sent "
                                "again."), code="erased")
    again = notification_queue(
        kind=message.kind, email=message.recipient_email, name=message.recipient_name,
        language=message.language, session=message.session, recipient=message.recipient,
        assessment_id=message.assessment_ref, enrolment_id=message.enrolment_ref,
        created_by=by, resent_from=message)
    assert again is not None  # no dedupe key: always queued
    audit_log(actor=by, action="message.resent", obj=message, new={"message": str(again.public_id)},
              context={"session": str(message.session.public_id)} if message.session else {})
    return again


def messages_scrub_for_erasure(*, user_id: int | None, email: str,
                               enrolment_ids: list[int]) -> int:
    """A candidate's personal data were erased: the messages sent to them lose the address,
    the name and the body (which named them, their birth date, their accommodations); the
    kind, the date, the subject and the status stay, as the trail of what was sent. Those
    not sent yet are not sent. Returns how many messages were scrubbed."""
    about = Q(enrolment_ref__in=enrolment_ids)
    if user_id is not None:
        about |= Q(recipient_id=user_id)
    if email:
        about |= Q(recipient_email__iexact=email)
    messages = Message.objects.filter(about)
    messages.exclude(status=MessageStatus.SENT).update(
        status=MessageStatus.FAILED, error=_("Personal data erased: not sent."))
    return messages.update(recipient_email="", recipient_name="—", body="", recipient=None)


# -- sending (the worker) ----------------------------------------------------------------------
def _site_url(name: str) -> str:
    return settings.SITE_URL + reverse(name)


def _jury_assignment(message: Message) -> tuple[dict, list[Attachment]]:
    member = JuryMember.objects.get(user_id=message.recipient_id)
    assigned = Q(sittings__assignments__member=member)
    assessments = (Assessment.objects.filter(assigned, session_id=message.session_id)
                   .select_related("modality").order_by("starts_at", "pk")
                   .annotate(candidates=Count("sittings", filter=assigned, distinct=True)))
    return {"assessments": list(assessments), "url": _site_url("home")}, []


def _convocation(message: Message) -> tuple[dict, list[Attachment]]:
    from reports.documents import render_letter_pdf

    sitting = Sitting.objects.select_related(
        "assessment__modality", "assessment__session__referentiel__certification",
        "enrolment__candidate").get(assessment_id=message.assessment_ref,
                                    enrolment_id=message.enrolment_ref)
    assessment, enrolment = sitting.assessment, sitting.enrolment
    modality, session = assessment.modality, assessment.session
    minutes = modality.duration_minutes or None
    timing = CandidateTiming(starts_at=sitting_starts_at(sitting), minutes=minutes,
                             extra_minutes=extra_minutes(minutes, enrolment.extra_time_percent))
    context = {
        "candidate": enrolment.candidate, "enrolment": enrolment, "assessment": assessment,
        "session": session,
        "modality": modality, "certification": session.referentiel.certification,
        "timing": timing, "place": assessment.place or session.place,
        "instructions": getattr(assessment, "instructions", ""),
        "url": _site_url("candidates:space"),
    }
    pdf = render_letter_pdf(
        "notifications/convocation_pdf.html", {**context, "site_name": settings.CERTIFIER_NAME},
        language=message.language, title=_("Convocation"), author=settings.CERTIFIER_NAME)
    ics = ics_event(
        uid=f"{assessment.public_id}-{sitting.public_id}@certassess", start=timing.starts_at,
        end=timing.ends_at, summary=f"{_('Assessment')} — {modality.title}",
        location=context["place"], description=f"{context['certification']}\n{session.name}")
    return context, [(_("convocation") + ".pdf", pdf, "application/pdf"),
                     (_("convocation") + ".ics", ics, "text/calendar")]


def _candidate_space(message: Message) -> tuple[dict, list[Attachment]]:
    enrolment = Enrolment.objects.select_related(
        "candidate", "session__referentiel__certification").get(pk=message.enrolment_ref)
    return {"enrolment": enrolment, "certification": enrolment.session.referentiel.certification,
            "url": _site_url("candidates:space")}, []


def _insertion_survey(message: Message) -> tuple[dict, list[Attachment]]:
    """The survey this message announced: the wave is in the key of the first message
    (one sent again has none: its origin's is read)."""
    first = message
    while not first.dedupe_key and first.resent_from_id:
        first = Message.objects.get(pk=first.resent_from_id)
    wave = int((first.dedupe_key or "").rpartition(":")[2] or 0)
    survey = InsertionSurvey.objects.select_related(
        "enrolment__session__referentiel__certification").get(
        enrolment_id=message.enrolment_ref, wave=wave)
    return {"survey": survey, "url": survey_url(survey.public_id),
            "certification": survey.enrolment.session.referentiel.certification,
            "answer_days": ANSWER_DAYS}, []


_CONTEXTS = {
    MessageKind.JURY_ASSIGNMENT: _jury_assignment,
    MessageKind.CONVOCATION: _convocation,
    MessageKind.RESULTS_PUBLISHED: _candidate_space,
    MessageKind.DOCUMENTS_AVAILABLE: _candidate_space,
    MessageKind.INSERTION_SURVEY: _insertion_survey,
}


def message_render(message: Message) -> tuple[str, str, list[Attachment]]:
    """Subject, body and attachments in the recipient's language, at the site's time."""
    with translation.override(message.language), timezone.override(settings.TIME_ZONE):
        context, attachments = _CONTEXTS[MessageKind(message.kind)](message)
        context.update(message=message, session=message.session,
                       site_name=settings.CERTIFIER_NAME, recipient_name=message.recipient_name)
        template = f"notifications/email/{message.kind}"
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return subject, body, attachments


def _fail(message: Message, error: Exception) -> None:
    message.status, message.error = MessageStatus.FAILED, f"{type(error).__name__}: {error}"[:2000]
    Message.objects.filter(pk=message.pk).update(status=message.status, error=message.error)
    logger.warning("message %s (%s) to %s: failed, %s", message.public_id, message.kind,
                   message.recipient_email, message.error)


def message_send(*, message_id: int) -> Message:
    """Render and deliver one message with ``EMAIL_DELIVERY_BACKEND``, recording what was
    sent or why it failed. A message already sent is not sent twice; a delivery error
    (``OSError``: SMTP, network) is recorded, then raised again so the task retries."""
    if not Message.objects.filter(pk=message_id).exclude(status=MessageStatus.SENT).update(
            attempts=F("attempts") + 1):
        return Message.objects.get(pk=message_id)
    message = Message.objects.select_related("session").get(pk=message_id)
    if not message.recipient_email:  # erased (RGPD): nobody to send it to, ever
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED, error=_("Personal data erased: not sent."))
        message.refresh_from_db()
        return message
    try:
        subject, body, attachments = message_render(message)
    except Exception as error:  # data gone or broken: said on the messages page
        _fail(message, error)
        return message
    Message.objects.filter(pk=message.pk).update(
        subject=subject[:300], body=body, attachments=[name for name, _c, _m in attachments])
    email = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [message.recipient_email],
                         attachments=attachments)
    try:
        get_connection(backend=settings.EMAIL_DELIVERY_BACKEND).send_messages([email])
    except Exception as error:
        _fail(message, error)
        if isinstance(error, OSError):
            raise
        return message
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT, error="",
                                                 sent_at=timezone.now())
    logger.info("message %s (%s) to %s: sent", message.public_id, message.kind,
                message.recipient_email)
    message.refresh_from_db()
    return message
