"""The home page: one per role. Pages are the top floor (DESIGN.md §3) and read
through the selectors of the apps below."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import Role
from accounts.permissions import is_administrator, is_candidate, is_jury_member
from candidates.views.space import candidate_space
from certifications.selectors import certification_list_for_user
from deliberations.views.member import member_home

HOME_TEMPLATES = {
    Role.ADMIN: "home/admin.html",
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


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for the container orchestrator; no database hit."""
    return HttpResponse("ok", content_type="text/plain")


def admin_login(request: HttpRequest) -> HttpResponse:
    """Django's admin signs in through the site's login (allauth), so its rate limits and
    lockout hold for the admin too; the admin's own form, which has neither, is never shown."""
    wanted = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        wanted = reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(wanted, login_url=reverse("account_login"))
    if not request.user.is_staff:
        raise Http404  # signed in, but the admin is out of reach (no loop back to login)
    return redirect(wanted)
