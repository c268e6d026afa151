"""The Django admin of référentiels: searchable, filtered, edited through inlines, and
read-only once a version has scored candidates."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin_audit import AuditedAdmin
from certifications.models import (
    Activity,
    Bloc,
    Certification,
    Competence,
    Criterion,
    Level,
    Modality,
    Referentiel,
    Requirement,
    RuleSet,
    Scale,
)


def _referentiel_of(obj: object) -> Referentiel | None:
    match obj:
        case Referentiel():
            return obj
        case Bloc() | Modality():
            return obj.referentiel
        case Competence() | Criterion() | Activity():
            return obj.bloc.referentiel
    return None


def _signed_session_uses(**lookup: object) -> bool:
    """Whether a session whose deliberation is signed uses this référentiel version (or
    the certification or scale of one): what its documents state stays as signed."""
    return Referentiel.objects.filter(sessions__signed_at__isnull=False, **lookup).exists()


class LockedReadOnlyMixin:
    """Nothing of a locked référentiel version (scored, or used by a signed session) can
    be changed, added or deleted here."""

    def _locked(self, obj: object) -> bool:
        referentiel = _referentiel_of(obj)
        return referentiel is not None and (
            referentiel.is_locked or _signed_session_uses(pk=referentiel.pk))

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not self._locked(obj) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if obj is not None and self._locked(obj):
            return False
        # ModelAdmin.has_add_permission takes no obj; inlines do.
        try:
            return super().has_add_permission(request, obj)
        except TypeError:
            return super().has_add_permission(request)


class SignedReadOnlyMixin:
    """Read-only once a signed session depends on the object (``_signed_lookup`` names
    the référentiel versions that use it); inlines ask about their parent object."""

    _signed_lookup = ""

    def _signed(self, obj: object) -> bool:
        return obj is not None and _signed_session_uses(**{self._signed_lookup: obj})

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not self._signed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not self._signed(obj) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if self._signed(obj):
            return False
        try:  # ModelAdmin.has_add_permission takes no obj; inlines do.
            return super().has_add_permission(request, obj)
        except TypeError:
            return super().has_add_permission(request)


class RuleSetInline(SignedReadOnlyMixin, admin.StackedInline):
    model = RuleSet
    can_delete = False
    _signed_lookup = "certification"


class RequirementInline(SignedReadOnlyMixin, admin.TabularInline):
    model = Requirement
    extra = 0
    _signed_lookup = "certification"


class ReferentielInline(admin.TabularInline):
    model = Referentiel
    fields = ["version", "scale", "source_format", "source_name", "imported_at", "locked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # versions come from imports


@admin.register(Certification)
class CertificationAdmin(SignedReadOnlyMixin, AuditedAdmin):
    _signed_lookup = "certification"

    list_display = ["code", "title", "level", "certifier_name", "active", "last_issuing_date"]
    list_filter = ["active", "level"]
    search_fields = ["code", "title", "certifier_name"]
    inlines = [RuleSetInline, RequirementInline, ReferentielInline]
    fieldsets = [
        (None, {"fields": ["code", "title", "level", "eqf_level", "active", "description"]}),
        (_("Nomenclatures"), {"fields": ["nsf_codes", "formacodes", "rome_codes"]}),
        (_("Certifier"), {"fields": ["certifier_name", "certifier_siret", "co_certifiers"]}),
        (_("Caisse des Dépôts (holders file)"), {"fields": [
            "cdc_client_id", "cdc_contract_id", "validity_months",
        ]}),
        (_("Registration"), {"fields": [
            "registration_date", "registration_end_date", "last_issuing_date",
            "replaces", "replaced_by",
        ]}),
        (_("Access"), {"fields": ["access_routes", "accommodations_available"]}),
    ]


class BlocInline(LockedReadOnlyMixin, admin.TabularInline):
    model = Bloc
    fields = ["position", "code", "title", "certifiable_alone"]
    extra = 0
    show_change_link = True


class ModalityInline(LockedReadOnlyMixin, admin.StackedInline):
    model = Modality
    fields = [("code", "title", "kind"), ("duration_minutes", "duration_text", "team"),
              "description", "deliverables", "blocs", "competences", "position"]
    filter_horizontal = ["competences", "blocs"]
    extra = 0
    show_change_link = True

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Offer only the compétences and blocs of the same version.
        referentiel = getattr(request, "_referentiel_obj", None)
        if referentiel is not None and db_field.name == "competences":
            kwargs["queryset"] = Competence.objects.filter(bloc__referentiel=referentiel)
        if referentiel is not None and db_field.name == "blocs":
            kwargs["queryset"] = Bloc.objects.filter(referentiel=referentiel)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Referentiel)
class ReferentielAdmin(LockedReadOnlyMixin, AuditedAdmin):
    list_display = ["certification", "version", "source_format", "imported_at", "locked_at"]
    list_filter = ["source_format", ("locked_at", admin.EmptyFieldListFilter)]
    search_fields = ["certification__code", "certification__title"]
    list_select_related = ["certification"]
    readonly_fields = ["certification", "version", "source_format", "source_name", "imported_at",
                       "imported_by", "locked_at"]
    fields = ["certification", "version", "scale", *readonly_fields[2:]]
    inlines = [BlocInline, ModalityInline]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        request._referentiel_obj = obj
        return obj

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions come from imports


class ActivityInline(LockedReadOnlyMixin, admin.TabularInline):
    model = Activity
    extra = 0


class CompetenceInline(LockedReadOnlyMixin, admin.TabularInline):
    model = Competence
    fields = ["position", "code", "title", "activity"]
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        bloc = getattr(request, "_bloc_obj", None)
        if bloc is not None and db_field.name == "activity":
            kwargs["queryset"] = Activity.objects.filter(bloc=bloc)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CriterionInline(LockedReadOnlyMixin, admin.StackedInline):
    model = Criterion
    fields = [("position", "modality"), "text", "competences"]
    filter_horizontal = ["competences"]
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        bloc = getattr(request, "_bloc_obj", None)
        if bloc is not None and db_field.name == "modality":
            kwargs["queryset"] = Modality.objects.filter(referentiel=bloc.referentiel_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        bloc = getattr(request, "_bloc_obj", None)
        if bloc is not None and db_field.name == "competences":
            kwargs["queryset"] = Competence.objects.filter(bloc=bloc)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Bloc)
class BlocAdmin(LockedReadOnlyMixin, AuditedAdmin):
    list_display = ["code", "title", "referentiel", "certifiable_alone"]
    list_filter = ["certifiable_alone", "referentiel__certification"]
    search_fields = ["code", "title", "referentiel__certification__code"]
    list_select_related = ["referentiel__certification"]
    readonly_fields = ["referentiel"]
    fields = ["referentiel", "position", "code", "title", "description", "assessment_text",
              "certifiable_alone"]
    inlines = [ActivityInline, CompetenceInline, CriterionInline]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        request._bloc_obj = obj
        return obj

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # blocs are added from their référentiel version


@admin.register(Competence)
class CompetenceAdmin(LockedReadOnlyMixin, AuditedAdmin):
    list_display = ["code", "title", "bloc"]
    list_filter = ["bloc__referentiel__certification"]
    search_fields = ["code", "title", "bloc__code"]
    list_select_related = ["bloc__referentiel__certification"]
    readonly_fields = ["bloc"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Modality)
class ModalityAdmin(LockedReadOnlyMixin, AuditedAdmin):
    list_display = ["code", "title", "kind", "duration_minutes", "team", "referentiel"]
    list_filter = ["kind", "team", "referentiel__certification"]
    search_fields = ["code", "title", "description"]
    list_select_related = ["referentiel__certification"]
    readonly_fields = ["referentiel"]
    autocomplete_fields = ["competences", "blocs"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Criterion)
class CriterionAdmin(LockedReadOnlyMixin, AuditedAdmin):
    list_display = ["text", "bloc", "modality"]
    list_filter = ["bloc__referentiel__certification"]
    search_fields = ["text", "bloc__code"]
    list_select_related = ["bloc__referentiel__certification", "modality"]
    readonly_fields = ["bloc"]
    autocomplete_fields = ["competences", "modality"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class LevelInline(SignedReadOnlyMixin, admin.TabularInline):
    model = Level
    extra = 0
    _signed_lookup = "scale"


@admin.register(Scale)
class ScaleAdmin(SignedReadOnlyMixin, AuditedAdmin):
    _signed_lookup = "scale"

    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    inlines = [LevelInline]
