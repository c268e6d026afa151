"""The Django admin of assessments and their results: searching and reading. Nothing is
added or changed here: an assessment is scheduled through ``assessment_create`` (its
candidates, the modality of the session's framework version, the audit trail), scores and
criteria checks are recorded by the assigned jury members through the scoring grid, each
change audited with its version."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_audit import AuditedAdmin
from assessments.models import Assessment, CriterionCheck, Score, Sitting


class ReadOnlyMixin:
    """Read here, written through the services (see the module docstring)."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SittingInline(ReadOnlyMixin, admin.TabularInline):
    model = Sitting
    fields = ["enrolment", "team", "attendance", "locked_at"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Sitting]:
        return super().get_queryset(request).select_related(
            "enrolment__candidate", "enrolment__session")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyMixin, AuditedAdmin):
    list_display = ["modality", "session", "starts_at", "place"]
    list_filter = ["session", "starts_at"]
    list_select_related = ["modality", "session"]
    search_fields = ["modality__title", "place", "session__name"]
    date_hierarchy = "starts_at"
    readonly_fields = ["public_id", "session", "modality", "starts_at", "place", "created_at"]
    inlines = [SittingInline]


@admin.register(Score)
class ScoreAdmin(ReadOnlyMixin, AuditedAdmin):
    list_display = ["sitting", "competence", "scorer", "level", "version", "updated_at"]
    list_filter = ["level", "sitting__assessment__session", "updated_at"]
    list_select_related = ["sitting__enrolment__candidate", "sitting__assessment__modality",
                           "competence", "scorer"]
    search_fields = ["sitting__enrolment__candidate__birth_name", "competence__code",
                     "scorer__email", "comment"]
    readonly_fields = ["sitting", "competence", "scorer", "level", "comment", "version",
                       "updated_at"]


@admin.register(CriterionCheck)
class CriterionCheckAdmin(ReadOnlyMixin, AuditedAdmin):
    list_display = ["sitting", "criterion", "scorer", "observed", "version", "updated_at"]
    list_filter = ["observed", "sitting__assessment__session", "updated_at"]
    list_select_related = ["sitting__enrolment__candidate", "sitting__assessment__modality",
                           "criterion", "scorer"]
    search_fields = ["sitting__enrolment__candidate__birth_name", "scorer__email", "note"]
    readonly_fields = ["sitting", "criterion", "scorer", "observed", "note", "version",
                       "updated_at"]
