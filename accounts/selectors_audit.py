"""Reads of the audit trail (administrators); the model is ``accounts.AuditEvent``."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import QuerySet

from accounts.models import AuditEvent, User
from accounts.permissions import may_read_audit


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""  # an e-mail address, or part of one
    session: UUID | None = None
    candidate: UUID | None = None
    since: date | None = None
    until: date | None = None


def audit_events_for_user(*, user: User, filters: AuditFilters | None = None
                          ) -> QuerySet[AuditEvent]:
    """The audit trail, newest first, filtered; only administrators read it."""
    if not may_read_audit(user):
        return AuditEvent.objects.none()
    filters = filters or AuditFilters()
    events = AuditEvent.objects.select_related("actor")
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.actor:
        events = events.filter(actor__email__icontains=filters.actor)
    if filters.session:
        events = events.filter(context__session=str(filters.session))
    if filters.candidate:
        events = events.filter(context__candidate=str(filters.candidate))
    if filters.since:
        events = events.filter(at__date__gte=filters.since)
    if filters.until:
        events = events.filter(at__date__lte=filters.until)
    return events.order_by("-at", "-id")


def audit_actions_for_user(*, user: User) -> list[str]:
    """The actions recorded so far, for the filter's choices."""
    if not may_read_audit(user):
        return []
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())
