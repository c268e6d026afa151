"""Reads of the notifications app, each through the permission filter (administrators)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.permissions import administered_scope
from assessments.models import Assessment
from candidates.models import EnrolmentStatus, Session
from notifications.models import Message, MessageKind


def message_list_for_session(*, user: User, session: Session, kind: str = "",
                             status: str = "") -> QuerySet[Message]:
    messages = Message.objects.filter(administered_scope(user), session=session)
    if kind:
        messages = messages.filter(kind=kind)
    if status:
        messages = messages.filter(status=status)
    return messages


def message_get_for_session(*, user: User, session: Session, public_id: object) -> Message:
    """Raises ``Message.DoesNotExist`` for a message out of reach."""
    return Message.objects.select_related("resent_from", "created_by").get(
        administered_scope(user), session=session, public_id=public_id)


def assessments_for_convocation(*, user: User, session: Session) -> list[Assessment]:
    """The session's épreuves with their enrolled candidates (``candidates``) and how many
    were convoked (``convoked``: a convocation sent to them, whatever its date)."""
    assessments = list(
        Assessment.objects.filter(administered_scope(user), session=session)
        .select_related("modality")
        .annotate(candidates=Count("sittings", filter=Q(
            sittings__enrolment__status=EnrolmentStatus.ENROLLED))))
    convoked = dict(
        Message.objects.filter(session=session, kind=MessageKind.CONVOCATION,
                               assessment_ref__in=[a.pk for a in assessments])
        .values("assessment_ref").annotate(n=Count("enrolment_ref", distinct=True))
        .values_list("assessment_ref", "n"))
    for assessment in assessments:
        assessment.convoked = convoked.get(assessment.pk, 0)
    return assessments
