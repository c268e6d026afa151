"""The Django admin of candidates, sessions and enrolments: searching, filtering and
correcting. Creating a candidate or an enrolment has rules (duplicates, blocs of the
session's version, invitation): the admin does not create them, the enrolment pages do,
through ``candidates.services``. Sessions are created through ``session_create``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, ForeignKey, QuerySet
from django.forms import ModelChoiceField, ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin_audit import AuditedAdmin
from candidates.models import (
    AcquiredBloc,
    Candidate,
    Enrolment,
    ErasureRecord,
    Session,
    TargetBloc,
)
from candidates.services import session_create
from candidates.services.enrolment import session_referentiel_check
from certifications.models import Bloc


class NoAddMixin:
    """Created elsewhere, through the services (see the module docstring)."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _signed(obj: Session | Enrolment | None) -> bool:
    """Whether a signed deliberation depends on the session (or the enrolment's): then
    nothing of it changes here (candidates.services.session_lock_for_write)."""
    if isinstance(obj, Enrolment):
        obj = obj.session
    return obj is not None and obj.signed_at is not None


# A candidate's identity as the signed decisions and their documents state it.
IDENTITY_FIELDS = ["birth_name", "usage_name", "first_names", "birth_date", "birth_commune",
                   "birth_insee_code", "birth_country", "sex"]


# -- candidates --------------------------------------------------------------------------
class CandidateEnrolmentInline(NoAddMixin, admin.TabularInline):
    model = Enrolment
    fields = ["session", "access_route", "status", "invited_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enrolment]:
        return super().get_queryset(request).select_related("session")


@admin.register(Candidate)
class CandidateAdmin(NoAddMixin, AuditedAdmin):
    list_display = ["birth_name", "usage_name", "first_names", "birth_date", "email",
                    "anonymised_at"]
    list_filter = ["sex", ("anonymised_at", admin.EmptyFieldListFilter)]
    search_fields = ["birth_name", "usage_name", "first_names", "email", "birth_insee_code"]
    # The identity key's parts and the login e-mail change only through services: a
    # correction there must find duplicates again and keep the account in step.
    readonly_fields = ["public_id", "birth_name", "first_names", "birth_date", "email",
                       "user", "identity_key", "created_at", "anonymised_at", "rgpd_link"]
    fieldsets = [
        (None, {"fields": ["public_id", "rgpd_link"]}),
        (_("Identity"), {"fields": ["birth_name", "usage_name", "first_names", "birth_date",
                                    "birth_commune", "birth_insee_code", "birth_country",
                                    "sex"]}),
        (_("Contact"), {"fields": ["email", "phone", "language", "user"]}),
        (_("Record"), {"fields": ["identity_key", "created_at", "anonymised_at"]}),
    ]
    inlines = [CandidateEnrolmentInline]

    def has_change_permission(self, request: HttpRequest, obj: Candidate | None = None) -> bool:
        # What erasure left is a legal record: nobody edits it.
        if obj is not None and obj.anonymised_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Candidate | None = None
                            ) -> list[str]:
        # The identity a signed deliberation decided on (and its documents print) stays.
        fields = list(self.readonly_fields)
        if obj is not None and obj.enrolments.filter(session__signed_at__isnull=False).exists():
            fields += [name for name in IDENTITY_FIELDS if name not in fields]
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Candidate | None = None) -> bool:
        return False

    @admin.display(description=_("Personal data (RGPD)"))
    def rgpd_link(self, obj: Candidate) -> str:
        url = reverse("candidates:rgpd_detail", args=[obj.public_id])
        return format_html('<a href="{}">{}</a>', url, _("Export or erase"))


# -- sessions ----------------------------------------------------------------------------
class SessionAdminForm(ModelForm):
    """A new session's version is checked as ``session_create`` will (every compétence
    evaluated by a modality), so a refusal is shown on the form, not as an error page."""

    class Meta:
        model = Session
        fields = ["referentiel", "name", "place", "starts_on", "ends_on", "results_published_at"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        referentiel = cleaned.get("referentiel")
        if self.instance.pk is None and referentiel is not None:
            try:
                session_referentiel_check(referentiel=referentiel)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(Session)
class SessionAdmin(AuditedAdmin):
    form = SessionAdminForm
    list_display = ["name", "referentiel", "starts_on", "ends_on", "enrolment_count",
                    "results_published_at"]
    list_filter = ["referentiel__certification", "starts_on", "ends_on"]
    search_fields = ["name", "place"]
    date_hierarchy = "starts_on"
    list_select_related = ["referentiel__certification"]
    readonly_fields = ["public_id", "enrolment_count", "results_published_at", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Session]:
        return super().get_queryset(request).annotate(_enrolment_count=Count("enrolments"))

    def has_change_permission(self, request: HttpRequest, obj: Session | None = None) -> bool:
        return not _signed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Session | None = None) -> bool:
        return not _signed(obj) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Session | None = None) -> list[str]:
        # Candidates are bound to the version they enrolled in.
        if obj is not None:
            return [*self.readonly_fields, "referentiel"]
        return list(self.readonly_fields)

    @admin.display(description=_("enrolments"), ordering="_enrolment_count")
    def enrolment_count(self, obj: Session) -> int:
        return getattr(obj, "_enrolment_count", 0)

    def save_model(self, request: HttpRequest, obj: Session, form: ModelForm,
                   change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = session_create(referentiel=obj.referentiel, name=obj.name,
                                 starts_on=obj.starts_on, ends_on=obj.ends_on, place=obj.place)
        obj.pk, obj.public_id, obj.created_at = created.pk, created.public_id, created.created_at


# -- enrolments --------------------------------------------------------------------------
class SessionBlocsInline(admin.TabularInline):
    """Bloc choices limited to the framework version of the enrolment's session."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Enrolment | None = None) -> bool:
        return not _signed(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Enrolment | None = None
                              ) -> bool:
        return not _signed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Enrolment | None = None
                              ) -> bool:
        return not _signed(obj) and super().has_delete_permission(request, obj)

    def get_formset(self, request: HttpRequest, obj: Enrolment | None = None,
                    **kwargs: Any) -> Any:
        # Inline instances are made per request: remembering the enrolment here is safe.
        self._enrolment = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest,
                                 **kwargs: Any) -> ModelChoiceField | None:
        enrolment = getattr(self, "_enrolment", None)
        if db_field.name == "bloc":
            referentiel_id = enrolment.session.referentiel_id if enrolment else None
            kwargs["queryset"] = Bloc.objects.filter(referentiel_id=referentiel_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TargetBlocInline(SessionBlocsInline):
    model = TargetBloc
    verbose_name = _("chosen bloc")
    verbose_name_plural = _("chosen blocs")


class AcquiredBlocInline(SessionBlocsInline):
    model = AcquiredBloc


@admin.register(Enrolment)
class EnrolmentAdmin(NoAddMixin, AuditedAdmin):
    list_display = ["candidate", "session", "access_route", "status", "invited_at"]
    list_filter = ["access_route", "status", "session"]
    search_fields = ["candidate__birth_name", "candidate__usage_name", "candidate__first_names"]
    list_select_related = ["candidate", "session"]
    readonly_fields = ["public_id", "candidate", "session", "invited_at", "created_at"]
    fieldsets = [
        (None, {"fields": ["public_id", "candidate", "session", "access_route", "status",
                           "whole_certification"]}),
        (_("Accommodations"), {"fields": ["extra_time_percent", "technical_aids",
                                          "other_accommodations", "jury_note"]}),
        (_("Record"), {"fields": ["invited_at", "created_at"]}),
    ]
    inlines = [TargetBlocInline, AcquiredBlocInline]

    def has_change_permission(self, request: HttpRequest, obj: Enrolment | None = None) -> bool:
        if obj is not None and (obj.candidate.anonymised_at is not None or _signed(obj)):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Enrolment | None = None) -> bool:
        return False


# -- erasures ----------------------------------------------------------------------------
@admin.register(ErasureRecord)
class ErasureRecordAdmin(NoAddMixin, AuditedAdmin):
    list_display = ["candidate", "erased_by", "erased_at"]
    list_select_related = ["candidate", "erased_by"]
    search_fields = ["candidate__birth_name", "candidate__first_names", "reason"]
    date_hierarchy = "erased_at"
    fields = ["candidate", "erased_by", "erased_at", "reason"]
    readonly_fields = fields

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
