"""The home page: one per role. A candidate's home is their space, a jury member's the
candidates assigned to them (juries' page), an administrator's the certifications."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from accounts.models import Role
from accounts.permissions import is_administrator, is_candidate, is_jury_member
from certifications.selectors import certification_list_for_user
from deliberations.views.member import member_home
from portal.views.space import candidate_space

HOME_TEMPLATES = {
    Role.ADMIN: "portal/home_admin.html",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if is_candidate(request.user):
        return candidate_space(request)  # a candidate's home is their space
    if is_jury_member(request.user):
        return member_home(request)  # a member's home: the candidates assigned to them
    context: dict = {}
    if is_administrator(request.user):
        context["certifications"] = certification_list_for_user(user=request.user)
    return render(request, HOME_TEMPLATES[Role(request.user.role)], context)


urlpatterns = [
    path("", home, name="home"),
]
