"""The Django admin of jury members, juries, assignments and conflicts of interest.

Where a service holds a rule, the admin goes through it or does not write:
- a member profile is created on the session's jury page (``jury_member_ensure`` checks
  the account's role); here it is corrected through the same service;
- a jury is created on that page; here its members and president are changed through
  ``jury_compose`` (the president sits on the jury; the change is audited);
- assignments are made on the assignments page (``assignment_create`` refuses a conflict
  of interest and says why): read-only here;
- conflicts are declared through ``conflict_declare`` (it withdraws the assignments):
  read-only here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from accounts.admin_audit import AuditedAdmin
from juries.models import Assignment, ConflictOfInterest, Jury, JuryMember
from juries.services import jury_compose, jury_member_ensure


class NoAddMixin:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyMixin(NoAddMixin):
    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(JuryMember)
class JuryMemberAdmin(NoAddMixin, AuditedAdmin):
    list_display = ["user", "quality", "organisation", "external", "sex"]
    list_filter = ["quality", "external", "sex"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "organisation"]
    fields = ["user", "quality", "organisation", "external", "sex"]
    readonly_fields = ["user"]

    def save_model(self, request: HttpRequest, obj: JuryMember, form: ModelForm,
                   change: bool) -> None:
        try:
            jury_member_ensure(user=obj.user, quality=obj.quality,
                               organisation=obj.organisation, external=obj.external,
                               sex=obj.sex)
        except ValidationError as exc:
            _refuse(request, self, exc)

    def response_change(self, request: HttpRequest, obj: JuryMember) -> HttpResponse:
        return _refused_response(request) or super().response_change(request, obj)


@admin.register(Jury)
class JuryAdmin(NoAddMixin, AuditedAdmin):
    list_display = ["session", "president"]
    list_select_related = ["session", "president__user"]
    search_fields = ["session__name"]
    fields = ["session", "members", "president"]
    readonly_fields = ["session"]
    filter_horizontal = ["members"]

    def has_change_permission(self, request: HttpRequest, obj: Jury | None = None) -> bool:
        # The jury that signed stays the jury (candidates.services.session_lock_for_write).
        if obj is not None and obj.session.signed_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Jury, form: ModelForm,
                   change: bool) -> None:
        """Nothing is saved here: ``save_related`` composes the jury through the service."""

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any,
                     change: bool) -> None:
        try:
            jury_compose(session=form.instance.session,
                         members=list(form.cleaned_data["members"]),
                         president=form.cleaned_data["president"], composed_by=request.user)
        except ValidationError as exc:
            _refuse(request, self, exc)

    def response_change(self, request: HttpRequest, obj: Jury) -> HttpResponse:
        return _refused_response(request) or super().response_change(request, obj)


def _refuse(request: HttpRequest, model_admin: admin.ModelAdmin, exc: ValidationError) -> None:
    """The service refused the change: say why, and skip Django's "changed" message."""
    request._service_refused = True  # type: ignore[attr-defined]
    model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)


def _refused_response(request: HttpRequest) -> HttpResponse | None:
    if getattr(request, "_service_refused", False):
        return HttpResponseRedirect(request.path)
    return None


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyMixin, AuditedAdmin):
    list_display = ["member", "sitting", "assigned_by", "assigned_at"]
    list_filter = ["sitting__assessment__session", "assigned_at"]
    list_select_related = ["member__user", "sitting__enrolment__candidate",
                           "sitting__assessment__modality", "assigned_by"]
    search_fields = ["member__user__email", "sitting__enrolment__candidate__birth_name"]


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(ReadOnlyMixin, AuditedAdmin):
    list_display = ["member", "candidate", "kind", "declared_by", "declared_at"]
    list_filter = ["kind", "declared_at"]
    list_select_related = ["member__user", "candidate", "declared_by"]
    search_fields = ["member__user__email", "candidate__birth_name", "note"]
