"""REST endpoints of the référentiel import (DESIGN.md §4.1): the same services as the
wizard, for scripts. Administrators only; anyone else is told the import does not exist."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from certifications.importers import FORMAT_CHOICES
from certifications.importers.draft import ImportFormatError
from certifications.models import ReferentielImport
from certifications.selectors import referentiel_import_get_for_user
from certifications.services import (
    ReferentielImportError,
    ReferentielImportNotPendingError,
    referentiel_import_confirm,
    referentiel_import_preview,
)


class IsAdministrator(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.is_authenticated and request.user.role == Role.ADMIN)


class AdministratorAPIView(APIView):
    permission_classes = [IsAuthenticated, IsAdministrator]

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> None:
        if request.user.is_authenticated:
            raise NotFound
        super().permission_denied(request, message=message, code=code)

    def get_import(self, public_id: str) -> ReferentielImport:
        try:
            return referentiel_import_get_for_user(user=self.request.user, public_id=public_id)
        except ReferentielImport.DoesNotExist:
            raise NotFound from None


# -- shapes ------------------------------------------------------------------------------
class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
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


class FormatErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    location = serializers.CharField()


def _body(row: ReferentielImport) -> dict[str, Any]:
    return ImportSerializer(row).data


# -- endpoints ---------------------------------------------------------------------------
class ImportCreateAPI(AdministratorAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            201: ImportSerializer,
            400: OpenApiResponse(FormatErrorSerializer, description="Unreadable file, or "
                                 "(not a dry run) a framework with errors: nothing imported."),
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
            return Response({"detail": exc.message, "location": exc.location},
                            status=status.HTTP_400_BAD_REQUEST)
        if data["dry_run"]:
            return Response(_body(row), status=status.HTTP_201_CREATED)
        try:
            row = referentiel_import_confirm(referentiel_import=row, confirmed_by=request.user)
        except ReferentielImportError:
            return Response(_body(row), status=status.HTTP_400_BAD_REQUEST)
        return Response(_body(row), status=status.HTTP_201_CREATED)


class ImportDetailAPI(AdministratorAPIView):
    @extend_schema(responses={200: ImportSerializer}, summary="An import and its report")
    def get(self, request: Request, public_id: str) -> Response:
        return Response(_body(self.get_import(public_id)))


class ImportConfirmAPI(AdministratorAPIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=ImportConfirmSerializer,
        responses={
            200: ImportSerializer,
            400: OpenApiResponse(ImportSerializer, description="Errors: nothing imported, "
                                 "the import stays pending with its errors."),
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
