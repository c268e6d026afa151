"""REST endpoints of certifications and their référentiel versions (a nested read: blocs,
activities, compétences, criteria, modalities, scale) and of the référentiel import
(DESIGN.md §4.1: the same services as the wizard, for scripts). Certifications are read by
administrators and jury members (the selectors); imports are administrators' only, anyone
else is told the import does not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from certifications.errors import ImportFormatError
from certifications.importers import FORMAT_CHOICES
from certifications.models import (
    Bloc,
    Certification,
    Competence,
    Criterion,
    Modality,
    Referentiel,
    ReferentielImport,
)
from certifications.selectors import (
    certification_list_for_user,
    referentiel_import_get_for_user,
    referentiel_import_list_for_user,
    referentiel_list_for_user,
)
from certifications.services import (
    ReferentielImportError,
    ReferentielImportNotPendingError,
    referentiel_import_confirm,
    referentiel_import_preview,
)
from certifications.services.staging import DraftNotFoundError, referentiel_import_edit
from config.api import AdministratorAPIView, IdFilter, ProblemSerializer, problem


class ImportAPIView(AdministratorAPIView):
    def get_import(self, public_id: str) -> ReferentielImport:
        try:
            return referentiel_import_get_for_user(user=self.request.user, public_id=public_id)
        except ReferentielImport.DoesNotExist:
            raise NotFound from None


# -- shapes ------------------------------------------------------------------------------
class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="Framework document (text, Word .docx, PDF or OpenDocument .odt), France "
                  "Compétences XML export, CSV or XLSX spreadsheet, or this application's "
                  "JSON; format=auto detects which.",
    )
    format = serializers.ChoiceField(choices=FORMAT_CHOICES, default="auto")
    fiche = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    certifier = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    dry_run = serializers.BooleanField(
        required=False, default=False,
        help_text="true: preview only, confirm later with /confirm/; false (or absent): "
                  "preview and import at once.",
    )


class ImportConfirmSerializer(serializers.Serializer):
    codes = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=20), required=False,
        help_text="RNCP code per draft index (\"0\", \"1\"...) for drafts that have none.",
    )

    titles = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=500), required=False,
        help_text="Title per draft index for drafts whose document gives none.",
    )

    def validate_codes(self, value: dict[str, str]) -> dict[int, str]:
        return _by_index(value)

    def validate_titles(self, value: dict[str, str]) -> dict[int, str]:
        return _by_index(value)


def _by_index(value: dict[str, str]) -> dict[int, str]:
    try:
        return {int(key): text for key, text in value.items()}
    except ValueError:
        raise serializers.ValidationError("Keys are draft indexes (0, 1...).") from None


class IssueSerializer(serializers.Serializer):
    severity = serializers.CharField(required=False)
    message = serializers.CharField()
    location = serializers.CharField()


class DraftReportSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    level = serializers.IntegerField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    errors = IssueSerializer(many=True)
    warnings = IssueSerializer(many=True)
    diff = serializers.JSONField(
        help_text="action (created, new_version, replaced, unchanged), current version, and "
                  "per section (blocs, competences, criteria, modalities) added, removed, "
                  "changed."
    )
    scale = serializers.JSONField(
        required=False, help_text="The scale confirming gives the version: source (chosen, "
        "document, default), code, name.")
    rules = serializers.JSONField(required=False, help_text="Deliberation rules chosen in "
                                  "the editor (RuleSet fields), applied at confirmation.")


class ImportSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    status = serializers.ChoiceField(choices=ReferentielImport.Status.choices)
    file_name = serializers.CharField()
    format = serializers.CharField()
    options = serializers.JSONField()
    created_at = serializers.DateTimeField()
    drafts = DraftReportSerializer(many=True, source="report.drafts", default=list)
    errors = IssueSerializer(many=True, source="report.errors", default=list)
    result = serializers.JSONField(help_text="referentiels: certification, version, action.")


class FormatErrorSerializer(ProblemSerializer):
    location = serializers.CharField(required=False,
                                     help_text="Where in the file: line, element...")


# A refused import answers the import itself (its report says what is wrong); a request
# that cannot be read answers the error body.
REFUSED_IMPORT = PolymorphicProxySerializer(
    component_name="RefusedImport", serializers=[ImportSerializer, FormatErrorSerializer],
    resource_type_field_name=None,
)


def _body(row: ReferentielImport) -> dict[str, Any]:
    return ImportSerializer(row).data


# -- endpoints ---------------------------------------------------------------------------
class ImportFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ReferentielImport.Status.choices)

    class Meta:
        model = ReferentielImport
        fields = ["status", "format"]


class ImportListCreateAPI(ImportAPIView, generics.ListAPIView):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ImportSerializer
    filterset_class = ImportFilter
    search_fields = ["file_name"]
    ordering_fields = ["created_at", "status"]

    def get_queryset(self) -> QuerySet[ReferentielImport]:
        return referentiel_import_list_for_user(user=self.request.user)

    @extend_schema(summary="Imports, newest first (administrators)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            201: ImportSerializer,
            400: OpenApiResponse(REFUSED_IMPORT, description="Unreadable file (the error "
                                 "body, with `location`), or (not a dry run) a framework with "
                                 "errors (the import, with its `errors`): nothing imported."),
        },
        summary="Upload a framework file: preview it, and import it unless dry_run",
    )
    def post(self, request: Request) -> Response:
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            row = referentiel_import_preview(
                file=data["file"], file_name=data["file"].name, size=data["file"].size,
                format=data["format"], fiche=data["fiche"], certifier=data["certifier"],
                created_by=request.user,
            )
        except ImportFormatError as exc:
            return problem(status_code=status.HTTP_400_BAD_REQUEST, type="refused",
                           code="format", detail=exc.message, location=exc.location)
        if data["dry_run"]:
            return Response(_body(row), status=status.HTTP_201_CREATED)
        try:
            row = referentiel_import_confirm(referentiel_import=row, confirmed_by=request.user)
        except ReferentielImportError:
            return Response(_body(row), status=status.HTTP_400_BAD_REQUEST)
        return Response(_body(row), status=status.HTTP_201_CREATED)


class ImportDetailAPI(ImportAPIView):
    @extend_schema(responses={200: ImportSerializer}, summary="An import and its report")
    def get(self, request: Request, public_id: str) -> Response:
        return Response(_body(self.get_import(public_id)))


class ImportConfirmAPI(ImportAPIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=ImportConfirmSerializer,
        responses={
            200: ImportSerializer,
            400: OpenApiResponse(REFUSED_IMPORT, description="Errors: nothing imported, "
                                 "the import stays pending with its errors (or the error body "
                                 "when the request itself is invalid)."),
            409: OpenApiResponse(ImportSerializer, description="Cancelled or failed import."),
        },
        summary="Confirm a pending import (again: answers the result, imports nothing)",
    )
    def post(self, request: Request, public_id: str) -> Response:
        row = self.get_import(public_id)
        serializer = ImportConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            row = referentiel_import_confirm(
                referentiel_import=row, confirmed_by=request.user,
                codes=serializer.validated_data.get("codes", {}),
                titles=serializer.validated_data.get("titles", {}),
            )
        except ReferentielImportNotPendingError as exc:
            row = exc.referentiel_import
            if row.status != ReferentielImport.Status.CONFIRMED:
                return Response(_body(row), status=status.HTTP_409_CONFLICT)
        except ReferentielImportError:
            return Response(_body(row), status=status.HTTP_400_BAD_REQUEST)
        return Response(_body(row))


class DraftPatchSerializer(serializers.Serializer):
    ops = serializers.ListField(
        child=serializers.DictField(), allow_empty=False,
        help_text="Operations applied in order, all or nothing: {\"op\": \"set_competence\", "
                  "\"competence\": \"C1\", \"title\": \"…\"}… (docs/import.md, "
                  "« Correcting a draft »).",
    )


class DraftSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    draft = serializers.JSONField(help_text="The draft in the framework JSON format "
                                  "(certassess-referentiel), with the corrections.")
    report = DraftReportSerializer()


def _draft_body(row: ReferentielImport, index: int) -> dict[str, Any]:
    return {"index": index, "draft": row.drafts[index], "report": row.report["drafts"][index]}


class ImportDraftAPI(ImportAPIView):
    """One draft of a pending import: read it, correct it with the editor's operations."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def _row(self, public_id: str, index: int) -> ReferentielImport:
        row = self.get_import(public_id)
        if not 0 <= index < len(row.drafts):
            raise NotFound
        return row

    @extend_schema(responses={200: DraftSerializer}, summary="A draft of an import")
    def get(self, request: Request, public_id: str, index: int) -> Response:
        return Response(_draft_body(self._row(public_id, index), index))

    @extend_schema(
        request=DraftPatchSerializer,
        responses={
            200: DraftSerializer,
            400: OpenApiResponse(ProblemSerializer, description="An operation was refused: "
                                 "`errors` maps its index to field errors; nothing changed."),
            409: OpenApiResponse(ImportSerializer, description="Confirmed or cancelled."),
        },
        summary="Correct a draft of a pending import (the preview editor's operations)",
    )
    def patch(self, request: Request, public_id: str, index: int) -> Response:
        row = self._row(public_id, index)
        serializer = DraftPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            errors = referentiel_import_edit(
                referentiel_import=row, index=index, ops=serializer.validated_data["ops"],
                edited_by=request.user,
            )
        except ReferentielImportNotPendingError as exc:
            return Response(_body(exc.referentiel_import), status=status.HTTP_409_CONFLICT)
        except DraftNotFoundError:
            raise NotFound from None
        if errors:
            return problem(
                status_code=status.HTTP_400_BAD_REQUEST, type="refused", code="invalid",
                detail=" ".join(m for e in errors.values() for m in e.values()),
                errors={str(i): e for i, e in errors.items()},
            )
        row.refresh_from_db()
        return Response(_draft_body(row, index))


# -- certifications and their versions (read) ---------------------------------------------
class VersionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    locked = serializers.BooleanField(source="is_locked", read_only=True)

    class Meta:
        model = Referentiel
        fields = ["id", "version", "imported_at", "source_format", "locked"]


class CertificationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    nsf_codes = serializers.ListField(child=serializers.CharField(), read_only=True)
    formacodes = serializers.ListField(child=serializers.CharField(), read_only=True)
    rome_codes = serializers.ListField(child=serializers.CharField(), read_only=True)
    versions = VersionSerializer(many=True, read_only=True, source="referentiels")

    class Meta:
        model = Certification
        fields = ["id", "code", "title", "level", "eqf_level", "nsf_codes", "formacodes",
                  "rome_codes", "certifier_name", "registration_date", "registration_end_date",
                  "last_issuing_date", "active", "created_at", "versions"]


class CertificationFilter(filters.FilterSet):
    code = filters.CharFilter(help_text="RNCP code, e.g. RNCP35609.")
    level = IdFilter(help_text="Niveau 3 to 8.")

    class Meta:
        model = Certification
        fields = ["code", "level", "active"]


class CertificationsOfUser:
    request: Request

    def get_queryset(self) -> QuerySet[Certification]:
        return certification_list_for_user(user=self.request.user).prefetch_related(
            Prefetch("referentiels", queryset=Referentiel.objects.order_by("-version")))


class CertificationListAPI(CertificationsOfUser, generics.ListAPIView):
    serializer_class = CertificationSerializer
    filterset_class = CertificationFilter
    search_fields = ["code", "title"]
    ordering_fields = ["code", "title", "level", "created_at"]

    @extend_schema(summary="Certifications with their versions (administrators and jury "
                           "members)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CertificationDetailAPI(CertificationsOfUser, generics.RetrieveAPIView):
    serializer_class = CertificationSerializer
    lookup_field = "public_id"

    @extend_schema(summary="One certification with its versions")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()


class CompetenceSerializer(serializers.ModelSerializer):
    activity = serializers.IntegerField(source="activity_id", allow_null=True)

    class Meta:
        model = Competence
        fields = ["id", "code", "title", "description", "activity", "position"]


class CriterionSerializer(serializers.ModelSerializer):
    modality = serializers.IntegerField(source="modality_id", allow_null=True,
                                        help_text="The épreuve where it is checked.")
    competences = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Criterion
        fields = ["id", "text", "modality", "competences", "position"]


class BlocSerializer(serializers.ModelSerializer):
    activities = ActivitySerializer(many=True)
    competences = CompetenceSerializer(many=True)
    criteria = CriterionSerializer(many=True)

    class Meta:
        model = Bloc
        fields = ["id", "code", "title", "description", "assessment_text", "certifiable_alone",
                  "position", "activities", "competences", "criteria"]


class ModalitySerializer(serializers.ModelSerializer):
    competences = serializers.PrimaryKeyRelatedField(many=True, read_only=True,
                                                     help_text="Compétences it evaluates.")
    blocs = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Modality
        fields = ["id", "code", "title", "kind", "description", "deliverables",
                  "duration_minutes", "duration_text", "team", "position", "competences",
                  "blocs"]


class LevelSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    label = serializers.CharField()
    description = serializers.CharField()
    outcome = serializers.CharField(help_text="acquired, complement or rattrapage.")
    comment_required = serializers.BooleanField()


class ScaleSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    levels = LevelSerializer(many=True)


class ReferentielSerializer(VersionSerializer):
    certification = serializers.UUIDField(source="certification.public_id", read_only=True)
    certification_code = serializers.CharField(source="certification.code", read_only=True)
    certification_title = serializers.CharField(source="certification.title", read_only=True)

    class Meta(VersionSerializer.Meta):
        fields = ["id", "certification", "certification_code", "certification_title",
                  "version", "imported_at", "source_format", "source_name", "locked"]


class ReferentielTreeSerializer(ReferentielSerializer):
    scale = ScaleSerializer(read_only=True)
    blocs = BlocSerializer(many=True, read_only=True)
    modalities = ModalitySerializer(many=True, read_only=True)

    class Meta(ReferentielSerializer.Meta):
        fields = [*ReferentielSerializer.Meta.fields, "scale", "blocs", "modalities"]


class ReferentielFilter(filters.FilterSet):
    certification = filters.CharFilter(field_name="certification__code",
                                       help_text="RNCP code, e.g. RNCP35609.")
    locked = filters.BooleanFilter(field_name="locked_at", lookup_expr="isnull", exclude=True)
    version = IdFilter()

    class Meta:
        model = Referentiel
        fields = ["certification", "version", "locked"]


class ReferentielListAPI(generics.ListAPIView):
    serializer_class = ReferentielSerializer
    filterset_class = ReferentielFilter
    ordering_fields = ["version", "imported_at"]

    def get_queryset(self) -> QuerySet[Referentiel]:
        return referentiel_list_for_user(user=self.request.user)

    @extend_schema(summary="Framework versions (administrators and jury members)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ReferentielDetailAPI(generics.RetrieveAPIView):
    serializer_class = ReferentielTreeSerializer
    lookup_field = "public_id"

    def get_queryset(self) -> QuerySet[Referentiel]:
        # The whole tree in a constant number of queries.
        return referentiel_list_for_user(user=self.request.user).prefetch_related(
            "scale__levels",
            Prefetch("blocs", queryset=Bloc.objects.prefetch_related(
                "activities", "competences",
                Prefetch("criteria", queryset=Criterion.objects.prefetch_related(
                    "competences")))),
            Prefetch("modalities", queryset=Modality.objects.prefetch_related(
                "competences", "blocs")),
        )

    @extend_schema(summary="One framework version, whole: blocs, activities, compétences, "
                           "criteria, assessment methods and scale")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
