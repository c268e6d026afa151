"""The API token pages (/account/tokens/; docs/api.md): administrators list, create (name,
scope, optional expiry) and revoke tokens. The secret is shown once, on the page that
answers the creation, and never stored. Anyone else gets a 404."""

from __future__ import annotations

import datetime
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts.models import ApiToken, ApiTokenScope
from accounts.permissions import administrator_required
from accounts.selectors_tokens import api_token_get_for_user, api_token_list_for_user
from accounts.services_tokens import api_token_create, api_token_revoke

app_name = "tokens"


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=100,
        help_text=gettext_lazy("What uses it, e.g. “LMS synchronisation”."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"), choices=ApiTokenScope.choices,
        initial=ApiTokenScope.READ, widget=forms.RadioSelect,
        help_text=gettext_lazy("A read-only token cannot change anything, whatever your "
                               "rights."),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on (optional)"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Empty: the token works until it is revoked."),
    )

    def clean_expires_on(self) -> datetime.date | None:
        day = self.cleaned_data["expires_on"]
        if day is not None and day <= timezone.localdate():
            raise ValidationError(_("The expiry date must be in the future."))
        return day


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@administrator_required
def token_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/token_list.html",
                  {"tokens": api_token_list_for_user(user=request.user), "now": timezone.now()})


@never_cache
@administrator_required
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["expires_on"]
        expires_at = None
        if day is not None:
            expires_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
        token, secret = api_token_create(
            by=request.user, name=form.cleaned_data["name"],
            scope=ApiTokenScope(form.cleaned_data["scope"]), expires_at=expires_at,
            ip_address=_ip(request),
        )
        # Rendered, not redirected: the secret exists only in this response.
        return render(request, "accounts/token_created.html",
                      {"token": token, "secret": secret})
    return render(request, "accounts/token_form.html", {"form": form},
                  status=422 if form.errors else 200)


@administrator_required
def token_revoke(request: HttpRequest, token_id: UUID) -> HttpResponse:
    try:
        token = api_token_get_for_user(user=request.user, public_id=token_id)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        api_token_revoke(token=token, by=request.user, ip_address=_ip(request))
        messages.success(request, _("Token “%(name)s” revoked: it no longer works.")
                         % {"name": token.name})
        return redirect("tokens:list")
    return render(request, "accounts/token_revoke.html", {"token": token})


urlpatterns = [
    path("", token_list, name="list"),
    path("new/", token_create, name="create"),
    path("<uuid:token_id>/revoke/", token_revoke, name="revoke"),
]
