"""The users page (/account/users/): administrators list every account, invite an
administrator or a jury member (an account without a password and an e-mailed link to
choose one), change a role between administrator and jury member, deactivate and
reactivate accounts, and resend an invitation. Every write goes through accounts.services
(audited). Anyone else gets a 404."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Role, User
from accounts.permissions import administrator_required
from accounts.selectors import user_get, user_invitation_language, user_list
from accounts.services import (
    INVITABLE_ROLES,
    user_deactivate,
    user_invitation_resend,
    user_invite,
    user_reactivate,
    user_role_change,
)

app_name = "users"

PER_PAGE = 50
INVITABLE_CHOICES = [(role.value, role.label) for role in INVITABLE_ROLES]


class UserFilterForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), required=False,
                             choices=[("", gettext_lazy("All roles")), *Role.choices])
    q = forms.CharField(label=gettext_lazy("Name or e-mail"), required=False, max_length=100)


class UserInviteForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail address"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=INVITABLE_CHOICES,
                             initial=Role.JURY, widget=forms.RadioSelect)
    language = forms.ChoiceField(label=gettext_lazy("Language of the e-mail"),
                                 choices=settings.LANGUAGES, initial="fr")


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=INVITABLE_CHOICES,
                             widget=forms.RadioSelect)


class ResendForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language of the e-mail"),
                                 choices=settings.LANGUAGES, initial="fr")


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _user_or_404(request: HttpRequest, user_id: int) -> User:
    try:
        return user_get(viewer=request.user, pk=user_id)
    except User.DoesNotExist:
        raise Http404 from None


def _add_errors(form: forms.Form, exc: ValidationError, field: str | None) -> None:
    form.add_error(None if hasattr(exc, "error_dict") else field, exc)


@require_safe
@administrator_required
def user_list_page(request: HttpRequest) -> HttpResponse:
    filters = UserFilterForm(request.GET or None)
    role, query = "", ""
    if filters.is_valid():
        role, query = filters.cleaned_data["role"], filters.cleaned_data["q"]
    page = Paginator(user_list(viewer=request.user, role=role, query=query),
                     PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html",
                  {"filters": filters, "page": page, "users": page.object_list,
                   "filtered": bool(role or query)})


@administrator_required
def user_invite_page(request: HttpRequest) -> HttpResponse:
    form = UserInviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_invite(by=request.user, ip_address=_ip(request),
                               role=Role(form.cleaned_data["role"]),
                               **{k: form.cleaned_data[k] for k in
                                  ("first_name", "last_name", "email", "language")})
        except ValidationError as exc:
            _add_errors(form, exc, None)
        else:
            messages.success(request, _(
                "%(name)s is invited as %(role)s: an e-mail with a link to choose their "
                "password is sent to %(email)s.")
                % {"name": user, "role": user.get_role_display().lower(), "email": user.email})
            return redirect("users:edit", user_id=user.pk)
    return render(request, "accounts/user_invite.html", {"form": form},
                  status=422 if form.errors else 200)


@administrator_required
def user_edit_page(request: HttpRequest, user_id: int) -> HttpResponse:
    """The account's page: what it is, and the role form (POST changes the role)."""
    account = _user_or_404(request, user_id)
    role_form = RoleForm(request.POST if request.method == "POST" else None,
                         initial={"role": account.role})
    if request.method == "POST" and role_form.is_valid():
        try:
            user_role_change(user=account, role=Role(role_form.cleaned_data["role"]),
                             by=request.user, ip_address=_ip(request))
        except ValidationError as exc:
            _add_errors(role_form, exc, "role")
        else:
            account.refresh_from_db()
            messages.success(request, _("%(name)s is now %(role)s.")
                             % {"name": account, "role": account.get_role_display().lower()})
            return redirect("users:edit", user_id=account.pk)
    return render(request, "accounts/user_edit.html", {
        "account": account, "role_form": role_form,
        "role_changeable": account.role in INVITABLE_ROLES,
        "resend_form": ResendForm(initial={"language": user_invitation_language(user=account)}),
        "is_self": account.pk == request.user.pk,
    }, status=422 if role_form.errors else 200)


@administrator_required
def user_deactivate_page(request: HttpRequest, user_id: int) -> HttpResponse:
    """GET: what deactivating does; POST: deactivate."""
    account = _user_or_404(request, user_id)
    error = None
    if request.method == "POST":
        try:
            user_deactivate(user=account, by=request.user, ip_address=_ip(request))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("%(name)s is deactivated: they can no longer sign "
                                        "in.") % {"name": account})
            return redirect("users:edit", user_id=account.pk)
    return render(request, "accounts/user_deactivate.html",
                  {"account": account, "error": error}, status=422 if error else 200)


@require_POST
@administrator_required
def user_reactivate_page(request: HttpRequest, user_id: int) -> HttpResponse:
    account = _user_or_404(request, user_id)
    user_reactivate(user=account, by=request.user, ip_address=_ip(request))
    messages.success(request, _("%(name)s is reactivated: they can sign in again.")
                     % {"name": account})
    return redirect("users:edit", user_id=account.pk)


@require_POST
@administrator_required
def user_resend_page(request: HttpRequest, user_id: int) -> HttpResponse:
    account = _user_or_404(request, user_id)
    form = ResendForm(request.POST)
    language = form.cleaned_data["language"] if form.is_valid() else settings.LANGUAGE_CODE
    try:
        user_invitation_resend(user=account, language=language, by=request.user,
                               ip_address=_ip(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("A new link to choose a password is sent to %(email)s.")
                         % {"email": account.email})
    return redirect("users:edit", user_id=account.pk)


urlpatterns = [
    path("", user_list_page, name="list"),
    path("invite/", user_invite_page, name="invite"),
    path("<int:user_id>/", user_edit_page, name="edit"),
    path("<int:user_id>/deactivate/", user_deactivate_page, name="deactivate"),
    path("<int:user_id>/reactivate/", user_reactivate_page, name="reactivate"),
    path("<int:user_id>/resend/", user_resend_page, name="resend"),
]
