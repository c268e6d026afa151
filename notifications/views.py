"""The session's messages page (administrators): what was sent to whom, send again,
convoke an épreuve's candidates."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import administrator_required
from assessments.models import Assessment
from candidates.models import Session
from candidates.selectors import session_get_for_user
from notifications import selectors, services
from notifications.models import Message, MessageKind, MessageStatus

MESSAGES_PER_PAGE = 50


def _session(request: HttpRequest, session_id: UUID) -> Session:
    try:
        return session_get_for_user(user=request.user, public_id=session_id)
    except Session.DoesNotExist:
        raise Http404 from None


def _message(request: HttpRequest, session: Session, message_id: UUID) -> Message:
    try:
        return selectors.message_get_for_session(user=request.user, session=session,
                                                 public_id=message_id)
    except Message.DoesNotExist:
        raise Http404 from None


def _choice(value: str, choices: type[MessageKind] | type[MessageStatus]) -> str:
    return value if value in choices.values else ""


@administrator_required
@require_GET
def session_messages(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    kind = _choice(request.GET.get("kind", ""), MessageKind)
    status = _choice(request.GET.get("status", ""), MessageStatus)
    found = selectors.message_list_for_session(user=request.user, session=session, kind=kind,
                                               status=status)
    return render(request, "notifications/session_messages.html", {
        "session": session,
        "page": Paginator(found, MESSAGES_PER_PAGE).get_page(request.GET.get("page")),
        "kind": kind, "status": status,
        "kinds": MessageKind.choices, "statuses": MessageStatus.choices,
        "assessments": selectors.assessments_for_convocation(user=request.user,
                                                             session=session),
    })


@administrator_required
@require_GET
def message_detail(request: HttpRequest, session_id: UUID, message_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    return render(request, "notifications/message_detail.html", {
        "session": session, "message": _message(request, session, message_id)})


@administrator_required
@require_POST
def message_resend(request: HttpRequest, session_id: UUID, message_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    message = _message(request, session, message_id)
    try:
        services.message_resend(message=message, by=request.user)
    except ValidationError as refused:
        flash.error(request, " ".join(refused.messages))
    else:
        flash.success(request, _("The message to %(email)s is being sent again.")
                      % {"email": message.recipient_email})
    return redirect("notifications:session_messages", session_id=session.public_id)


@administrator_required
@require_POST
def convoke(request: HttpRequest, session_id: UUID, assessment_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    try:
        assessment = session.assessments.select_related("session").get(public_id=assessment_id)
    except Assessment.DoesNotExist:
        raise Http404 from None
    result = services.convocations_send(assessment=assessment, by=request.user,
                                        resend=request.POST.get("resend") == "1")
    if result.queued:
        flash.success(request, ngettext(
            "%(count)d convocation is being sent.", "%(count)d convocations are being sent.",
            result.queued) % {"count": result.queued})
    if result.already:
        flash.info(request, ngettext(
            "%(count)d candidate was already convoked to this date and place.",
            "%(count)d candidates were already convoked to this date and place.",
            result.already) % {"count": result.already})
    if result.without_email:
        flash.warning(request, _("Without an e-mail address, not convoked: %(names)s.")
                      % {"names": ", ".join(result.without_email)})
    return redirect("notifications:session_messages", session_id=session.public_id)


app_name = "notifications"

urlpatterns = [
    path("sessions/<uuid:session_id>/messages/", session_messages, name="session_messages"),
    path("sessions/<uuid:session_id>/messages/<uuid:message_id>/", message_detail,
         name="message_detail"),
    path("sessions/<uuid:session_id>/messages/<uuid:message_id>/resend/", message_resend,
         name="message_resend"),
    path("sessions/<uuid:session_id>/assessments/<uuid:assessment_id>/convoke/", convoke,
         name="convoke"),
]
