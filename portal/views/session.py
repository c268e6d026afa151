"""The session page, the hub of a session for administrators (issue 18): its facts, the
next action, the timeline of its stages linking every page of the session, and the
enrolment table. It keeps its name ``candidates:session_detail`` (portal/urls.py); anyone
but an administrator gets a 404 (DESIGN.md §8)."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from accounts.permissions import administrator_required
from candidates.models import Session
from candidates.selectors import enrolment_list_for_user, session_get_for_user
from portal.timeline import next_action, session_facts_for_admin, session_stages


@require_GET
@administrator_required
def session_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    try:
        session = session_get_for_user(user=request.user, public_id=public_id)
    except Session.DoesNotExist:
        raise Http404 from None
    facts = session_facts_for_admin(user=request.user, session=session)
    enrolments = (
        enrolment_list_for_user(user=request.user).filter(session=session)
        .prefetch_related("target_blocs")
        .order_by("candidate__birth_name", "candidate__first_names")
    )
    return render(request, "portal/session_detail.html", {
        "session": session, "facts": facts, "stages": session_stages(facts),
        "next_action": next_action(facts), "enrolments": enrolments,
    })


urlpatterns = [
    path("sessions/<uuid:public_id>/", session_detail, name="session_detail"),
]
