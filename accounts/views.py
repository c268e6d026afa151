"""The home page: one per role. Pages are the top floor (DESIGN.md §3) and read
through the selectors of the apps below."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from candidates.views.space import candidate_space
from certifications.selectors import certification_list_for_user
from juries.views.member import member_home

HOME_TEMPLATES = {
    Role.ADMIN: "home/admin.html",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.role == Role.CANDIDATE:
        return candidate_space(request)  # a candidate's home is their space
    if request.user.role == Role.JURY:
        return member_home(request)  # a member's home: the candidates assigned to them
    context: dict = {}
    if request.user.role == Role.ADMIN:
        context["certifications"] = certification_list_for_user(user=request.user)
    return render(request, HOME_TEMPLATES[Role(request.user.role)], context)


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for the container orchestrator; no database hit."""
    return HttpResponse("ok", content_type="text/plain")
