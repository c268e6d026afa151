"""REST endpoints of the document register (/api/v1/documents/, /api/v1/verify/; DESIGN.md
§4.5, §6, §8): the same selectors and services as the pages. An administrator lists,
downloads and revokes any document; a candidate lists and downloads their own issued
documents; anyone else sees none (404). Verification by code, and of an uploaded PDF's
seal (``reports.services.seal_check``), is public, like its pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, Throttled
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import may_read_internal_reasons
from accounts.ratelimit import rate_limit_consume
from certifications.models import Certification
from config.api import AdministratorAPIView, DateTimeFilter, ProblemSerializer, problem, refused
from reports.forms import VERIFY_REQUEST_MAX_BYTES, VerifyFileForm, VerifyUploadHandler
from reports.models import Document, DocumentKind, DocumentStatus
from reports.renewal.selectors import (
    MAX_PROMOTIONS,
    promotions_parse,
    renewal_certification_get,
    renewal_report_for_user,
)
from reports.selectors import (
    document_download_get_for_user,
    document_for_verification,
    document_list_for_user,
)
from reports.services import document_revoke
from reports.services.seal_check import SealCheck, pdf_seal_check, seal_check_lines
from reports.views import pdf_response, verify_limited_message


class DocumentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    session = serializers.UUIDField(source="session.public_id", read_only=True)
    enrolment = serializers.UUIDField(source="enrolment.public_id", read_only=True,
                                      allow_null=True)
    candidate = serializers.UUIDField(source="enrolment.candidate.public_id", read_only=True,
                                      allow_null=True)
    candidate_name = serializers.CharField(source="enrolment.candidate.legal_name",
                                           read_only=True, allow_null=True)
    bloc = serializers.CharField(source="bloc.code", read_only=True, allow_null=True)
    replaces = serializers.UUIDField(source="replaces.public_id", read_only=True,
                                     allow_null=True)
    download = serializers.SerializerMethodField()
    revocation_reason = serializers.CharField(
        source="public_reason", read_only=True,
        help_text="The public reason of a revocation, as the verification page shows it.")
    internal_revocation_reason = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "kind", "number", "status", "session", "enrolment", "candidate",
                  "candidate_name", "bloc", "certifier", "verification_code", "sha256",
                  "language", "created_at", "issued_at", "revoked_at", "revocation_reason",
                  "internal_revocation_reason", "failure_reason", "replaces", "download"]

    def get_internal_revocation_reason(self, document: Document) -> str | None:
        """Why the certifier revoked: administrators only (null for anyone else)."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not may_read_internal_reasons(user):
            return None
        return document.revocation_reason

    def get_download(self, document: Document) -> str | None:
        """The path of the PDF, while the document is issued."""
        if document.status != DocumentStatus.ISSUED:
            return None
        return f"/api/v1/documents/{document.public_id}/download/"


class DocumentFilter(filters.FilterSet):
    session = filters.UUIDFilter(field_name="session__public_id")
    candidate = filters.UUIDFilter(field_name="enrolment__candidate__public_id")
    enrolment = filters.UUIDFilter(field_name="enrolment__public_id")
    kind = filters.ChoiceFilter(choices=DocumentKind.choices)
    status = filters.ChoiceFilter(choices=DocumentStatus.choices)
    issued_after = DateTimeFilter(field_name="issued_at", lookup_expr="gte")
    issued_before = DateTimeFilter(field_name="issued_at", lookup_expr="lte")

    class Meta:
        model = Document
        fields = ["session", "candidate", "enrolment", "kind", "status", "issued_after",
                  "issued_before"]


class DocumentsOfUser:
    request: Request

    def get_queryset(self) -> QuerySet[Document]:
        return document_list_for_user(user=self.request.user).select_related(
            "replaces").order_by("number", "pk")


class DocumentListAPI(DocumentsOfUser, generics.ListAPIView):
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    search_fields = ["number", "enrolment__candidate__birth_name"]
    ordering_fields = ["number", "issued_at", "created_at", "kind", "status"]

    @extend_schema(summary="Documents within reach (a candidate: their own)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DocumentDetailAPI(DocumentsOfUser, generics.RetrieveAPIView):
    serializer_class = DocumentSerializer
    lookup_field = "public_id"

    @extend_schema(summary="One document")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict | None = None) -> bytes:
        return data if isinstance(data, bytes) else b""


class DocumentDownloadAPI(APIView):
    # PDF for the file, JSON for the errors whatever the client accepts.
    renderer_classes = [JSONRenderer, PDFRenderer]

    def finalize_response(self, request: Request, response: Any, *args: Any,
                          **kwargs: Any) -> Any:
        if isinstance(response, Response):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(
            OpenApiTypes.BINARY, description="The PDF, while the document is issued.")},
        summary="Download an issued document's PDF (its holder, administrators)",
    )
    def get(self, request: Request, public_id: str) -> FileResponse:
        try:
            document = document_download_get_for_user(user=request.user, public_id=public_id)
        except Document.DoesNotExist:
            raise NotFound from None
        return pdf_response(document)


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Internal: kept for the staff "
                                   "and the audit trail, never shown to the public.")
    public_reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True,
        help_text="Shown on the public verification page; empty: “Document revoked by the "
                  "certifier.”")


class DocumentRevokeAPI(DocumentsOfUser, generics.GenericAPIView):
    serializer_class = DocumentSerializer
    lookup_field = "public_id"

    @extend_schema(
        request=RevokeSerializer,
        responses={
            200: DocumentSerializer,
            403: OpenApiResponse(ProblemSerializer, description="Only administrators "
                                 "revoke (a holder reads their document)."),
            409: OpenApiResponse(ProblemSerializer, description="Already revoked (code "
                                 "`revoked`)."),
        },
        summary="Revoke a document with a reason (administrators); it is never deleted, "
                "the verification page says it is revoked",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        document = self.get_object()
        serializer = RevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            document = document_revoke(
                document=document, by=request.user, reason=serializer.validated_data["reason"],
                public_reason=serializer.validated_data.get("public_reason", ""))
        except DjangoPermissionDenied:
            raise PermissionDenied from None
        except DjangoValidationError as exc:
            if getattr(exc, "code", None) == "revoked":
                return refused(exc, status.HTTP_409_CONFLICT)
            return refused(exc)
        return Response(DocumentSerializer(self.get_queryset().get(pk=document.pk)).data)


# -- public verification -----------------------------------------------------------------
class VerificationSerializer(serializers.Serializer):
    """What the public verification page shows, nothing more."""

    valid = serializers.BooleanField(source="is_valid",
                                     help_text="Issued and not revoked.")
    status = serializers.ChoiceField(choices=DocumentStatus.choices)
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    number = serializers.CharField()
    # What the document states, frozen at signing (reports.selectors.document_statement).
    holder = serializers.CharField(source="statement.holder", allow_null=True)
    certification_code = serializers.CharField(source="statement.certification_code")
    certification_title = serializers.CharField(source="statement.certification_title")
    bloc_code = serializers.CharField(source="statement.bloc_code", allow_null=True)
    bloc_title = serializers.CharField(source="statement.bloc_title", allow_null=True)
    session = serializers.CharField(source="statement.session")
    issued_at = serializers.DateTimeField(allow_null=True)
    issued_by = serializers.CharField(source="certifier")
    revoked_at = serializers.DateTimeField(allow_null=True)
    revocation_reason = serializers.CharField(
        source="public_reason", help_text="The public reason of a revocation (never the "
                                          "certifier's internal one); empty while valid.")


class VerifyAPI(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: VerificationSerializer,
                   404: OpenApiResponse(ProblemSerializer, description="No document has "
                                        "this code."),
                   429: OpenApiResponse(ProblemSerializer, description="More than 30 "
                                        "verifications a minute from this address.")},
        examples=[OpenApiExample("A valid certificate", response_only=True, value={
            "valid": True, "status": "issued", "kind": "certificate",
            "kind_label": "certificat", "number": "2026-000042",
            "holder": "MARTIN Jeanne", "certification_code": "RNCP35609",
            "certification_title": "Manager de la transformation digitale",
            "bloc_code": None, "bloc_title": None, "session": "Promotion 2026",
            "issued_at": "2026-07-03T10:00:00+02:00",
            "issued_by": "Organisme certificateur de démonstration", "revoked_at": None,
            "revocation_reason": ""})],
        summary="Check a document by its verification code (public: no authentication)",
        auth=[],
    )
    def get(self, request: Request, code: str) -> Response:
        if not rate_limit_consume(request, action="verify"):
            raise Throttled(wait=60, detail=verify_limited_message())
        try:
            document = document_for_verification(code=code)
        except Document.DoesNotExist:
            raise NotFound from None
        response = Response(VerificationSerializer(document).data)
        response["X-Robots-Tag"] = "noindex"
        return response


# -- public verification of an uploaded PDF (its seal, the register) ------------------------
class SealSignerSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The seal certificate's common name.")
    organisation = serializers.CharField(help_text="Its organisation; empty if it names none.")


class SealDocumentSerializer(serializers.Serializer):
    """The register's document whose file is exactly the one sent."""

    verification_code = serializers.CharField(help_text="Its code for GET verify/{code}/.")
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    status = serializers.SerializerMethodField(help_text="valid, or revoked.")
    holder = serializers.CharField(source="statement.holder", allow_null=True)
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revocation_reason = serializers.CharField(
        source="public_reason", help_text="The public reason of a revocation; empty while "
                                          "valid.")

    def get_status(self, document: Document) -> str:
        return "valid" if document.is_valid else "revoked"


class SealCheckSerializer(serializers.Serializer):
    """What ``manage.py verify_document`` and the page /verify/file/ say, as data."""

    is_pdf = serializers.BooleanField(source="readable", help_text="A readable PDF at all.")
    sealed = serializers.BooleanField(help_text="It carries an electronic seal.")
    intact = serializers.BooleanField(help_text="The seal matches the bytes it covers.")
    covers_whole_file = serializers.BooleanField(
        source="whole_file", help_text="... and those bytes are the whole file (nothing "
                                       "added after the seal).")
    signer = serializers.SerializerMethodField(help_text="Who sealed it; null if unsealed.")
    signed_at = serializers.DateTimeField(allow_null=True)
    timestamped = serializers.BooleanField(help_text="signed_at comes from a time stamp "
                                           "authority, not the sealer's clock.")
    trusted = serializers.BooleanField(help_text="The seal's certificate chains to an "
                                       "authority this service trusts (SEAL_TRUST_ROOTS).")
    trusted_by = serializers.CharField(help_text="That authority's name; empty if not "
                                       "trusted.")
    issuer = serializers.CharField(help_text="Who issued the seal's certificate.")
    self_signed = serializers.BooleanField(help_text="Issued by its own owner (a "
                                           "demonstration seal, for instance).")
    in_register = serializers.BooleanField(help_text="The file is exactly a document "
                                           "issued here (same sha256).")
    document = SealDocumentSerializer(allow_null=True)
    authentic = serializers.BooleanField(help_text="A valid document of the register, its "
                                         "seal intact over the whole file if it has one.")
    sha256 = serializers.CharField()
    sentences = serializers.SerializerMethodField(
        help_text="The check in sentences, in the request's language (Accept-Language).")

    @extend_schema_field(SealSignerSerializer(allow_null=True))
    def get_signer(self, check: SealCheck) -> dict | None:
        if not check.sealed or not check.signer:
            return None
        return {"name": check.signer, "organisation": check.signer_organisation}

    def get_sentences(self, check: SealCheck) -> list[str]:
        return seal_check_lines(check)


class VerifyFileRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The PDF, at most 2.5 MB.")


class VerifyFileAPI(APIView):
    """Like the page /verify/file/: the upload is read in memory (at most
    ``VERIFY_FILE_MAX_BYTES``), checked and forgotten, never written anywhere. Its
    sentences are those of ``seal_check_lines``, in the request's language."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": VerifyFileRequestSerializer},
        responses={200: SealCheckSerializer,
                   400: OpenApiResponse(ProblemSerializer, description="No file sent."),
                   413: OpenApiResponse(ProblemSerializer, description="Larger than 2.5 MB "
                                        "(code `size`)."),
                   429: OpenApiResponse(ProblemSerializer, description="More than 30 "
                                        "verifications a minute from this address.")},
        summary="Check a PDF's seal and whether it is a valid document of the register "
                "(public: no authentication; the file is never kept)",
        auth=[],
    )
    def post(self, request: Request) -> Response:
        if not rate_limit_consume(request, action="verify"):
            raise Throttled(wait=60, detail=verify_limited_message())
        too_large = _("This file is larger than 2.5 MB: it cannot be one of our documents.")
        if int(request.META.get("CONTENT_LENGTH") or 0) > VERIFY_REQUEST_MAX_BYTES:
            return problem(status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                           type="invalid", code="size", detail=too_large,
                           errors={"file": [too_large]})
        request._request.upload_handlers = [VerifyUploadHandler(request._request)]
        form = VerifyFileForm(files=request.FILES)
        if not form.is_valid():
            errors = form.errors.as_data().get("file", [])
            if any(error.code == "size" for error in errors):
                return problem(status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                               type="invalid", code="size", detail=too_large,
                               errors={"file": [too_large]})
            return problem(status_code=status.HTTP_400_BAD_REQUEST, type="invalid",
                           code="invalid", detail=_("The data sent is not valid: see errors."),
                           errors={name: list(messages) for name, messages
                                   in form.errors.items()})
        check = pdf_seal_check(form.cleaned_data["file"].read())
        response = Response(SealCheckSerializer(check).data)
        response["X-Robots-Tag"] = "noindex"
        return response


# -- the renewal file ----------------------------------------------------------------------------
class RenewalAPI(AdministratorAPIView):
    """The figures of a certification's renewal file (docs/renewal.md): administrators
    only, anyone else signed in is told the certification does not exist (404)."""

    @extend_schema(
        parameters=[OpenApiParameter(
            "promotion", OpenApiTypes.STR, many=True, required=True,
            description="A year of signature of the deliberations (2025) or a range of days "
                        "(2025-09-01..2026-08-31); repeat it: ?promotion=2025&promotion=2026 "
                        f"(at most {MAX_PROMOTIONS}).")],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description=(
            "certification, generated_at, scale (level → label, 1 is the best), promotions: "
            "each with its sessions, enrolled, present, full, partial, failure, absent, "
            "excused, undecided, withdrawn, full_rate, success_rate, routes, blocs, "
            "blocs_most_failed, competences, insertion (per wave: wave_months, sent, answered, "
            "response_rate, employed, employment_rate, in_target_job, target_job_rate, "
            "contracts) (docs/renewal.md).")),
                   400: OpenApiResponse(ProblemSerializer, description="A promotion is "
                                        "missing or not a year nor a range of days."),
                   404: OpenApiResponse(ProblemSerializer, description="No such "
                                        "certification within reach.")},
        summary="The renewal file's figures of a certification, per promotion",
    )
    def get(self, request: Request, public_id: str) -> Response:
        try:
            certification = renewal_certification_get(user=request.user, key=str(public_id))
        except Certification.DoesNotExist:
            raise NotFound from None
        try:
            promotions = promotions_parse(request.query_params.getlist("promotion"))
        except ValueError as wrong:
            return problem(status_code=status.HTTP_400_BAD_REQUEST, type="invalid",
                           detail=str(wrong), code="invalid",
                           errors={"promotion": [str(wrong)]})
        report = renewal_report_for_user(user=request.user, certification=certification,
                                         promotions=promotions)
        return Response(report.as_dict())
