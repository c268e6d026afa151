"""Pages of accounts that read nothing of the apps above: the liveness probe and the
admin's sign-in (the home page per role is the portal's)."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


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
