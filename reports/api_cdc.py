"""REST endpoints of the Caisse des Dépôts declaration (/api/v1/cdc/…, issue 20): the same
selectors and services as the « Déclarations » pages (reports/cdc_flux.py). Administrators
only: anyone else signed in gets a 404, an anonymous client a 401."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.downloads import attachment_disposition
from accounts.permissions import is_administrator
from candidates.models import Session
from certifications.models import Certification
from config.api import ProblemSerializer, problem
from reports.cdc import CdcExportError
from reports.cdc_flux import (
    MAX_REPORT_BYTES,
    CdcReportError,
    cdc_flux_build,
    cdc_flux_downloaded,
    cdc_report_import,
)
from reports.cdc_precheck import cdc_precheck_for_admin
from reports.cdc_selectors import cdc_flux_get_for_admin, cdc_flux_list_for_admin, cdc_flux_passages
from reports.models import CdcFlux, CdcFluxState, CdcPassage
from reports.selectors import session_get_for_admin


class CdcPassageSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    id_technique = serializers.CharField(read_only=True)
    enrolment = serializers.UUIDField(source="decision.enrolment.public_id", read_only=True)
    candidate_name = serializers.CharField(source="decision.enrolment.candidate.legal_name",
                                           read_only=True)
    session = serializers.UUIDField(source="decision.enrolment.session.public_id",
                                    read_only=True)

    class Meta:
        model = CdcPassage
        fields = ["id", "id_technique", "state", "reason_code", "reason_text", "enrolment",
                  "candidate_name", "session", "updated_at"]


class CdcFluxSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    certification = serializers.CharField(source="certification.code", read_only=True)
    session = serializers.UUIDField(source="session.public_id", read_only=True,
                                    allow_null=True)
    passages = serializers.IntegerField(source="passages_count", read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = CdcFlux
        fields = ["id", "id_flux", "certification", "session", "period_start", "period_end",
                  "created_at", "state", "filename", "sha256", "passages",
                  "revoked_to_withdraw", "downloaded_at", "deposited_at", "processed_at",
                  "report_processing_id", "download"]

    def get_download(self, flux: CdcFlux) -> str:
        """The path of the XML file."""
        return f"/api/v1/cdc/fluxes/{flux.public_id}/download/"


class CdcFluxDetailSerializer(CdcFluxSerializer):
    passage_list = serializers.SerializerMethodField()

    class Meta(CdcFluxSerializer.Meta):
        fields = [*CdcFluxSerializer.Meta.fields, "passage_list"]

    @extend_schema(responses=CdcPassageSerializer(many=True))
    def get_passage_list(self, flux: CdcFlux) -> list[dict]:
        """The passages the flux sent, with their state today."""
        return CdcPassageSerializer(cdc_flux_passages(flux=flux), many=True).data


class CdcFluxFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=CdcFluxState.choices)
    certification = filters.CharFilter(field_name="certification__code")
    session = filters.UUIDFilter(field_name="session__public_id")

    class Meta:
        model = CdcFlux
        fields = ["state", "certification", "session"]


class BuildSerializer(serializers.Serializer):
    session = serializers.UUIDField(required=False, help_text="Build the flux of a session.")
    certification = serializers.CharField(
        required=False, help_text="With start and end: the certification's code (RNCP…).")
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, data: dict) -> dict:
        if data.get("session"):
            return data
        if not (data.get("certification") and data.get("start") and data.get("end")):
            raise serializers.ValidationError(
                "Give a session, or a certification with a start and an end date.")
        if data["start"] > data["end"]:
            raise serializers.ValidationError({"end": ["The end comes after the start."]})
        return data


class AdministratorsOnly:
    request: Request

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication first: 401 if anonymous
        if not is_administrator(request.user):
            raise NotFound


def _refusal(problems: list[str], code: str) -> Response:
    return problem(status_code=status.HTTP_400_BAD_REQUEST, type="refused",
                   detail=" ".join(problems), code=code, errors={"non_field_errors": problems})


class CdcFluxListAPI(AdministratorsOnly, generics.ListCreateAPIView):
    serializer_class = CdcFluxSerializer
    filterset_class = CdcFluxFilter
    ordering_fields = ["created_at", "state"]

    def get_queryset(self) -> QuerySet[CdcFlux]:
        return cdc_flux_list_for_admin(user=self.request.user)

    @extend_schema(summary="Declaration fluxes to the Caisse des Dépôts, newest first "
                           "(administrators)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=BuildSerializer,
        responses={201: CdcFluxDetailSerializer,
                   400: OpenApiResponse(ProblemSerializer, description="Refused whole (code "
                                        "`cdc_refused`): the reasons in `errors`; nothing "
                                        "recorded.")},
        summary="Build and validate a flux for a session or a certification's period "
                "(administrators)",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = BuildSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        scope: dict[str, Any] = {}
        if data.get("session"):
            try:
                scope["session"] = session_get_for_admin(user=request.user,
                                                         public_id=data["session"])
            except Session.DoesNotExist:
                raise NotFound from None
        else:
            certification = Certification.objects.filter(code=data["certification"]).first()
            if certification is None:
                raise NotFound
            scope.update(certification=certification,
                         period=(data["start"], data["end"]))
        try:
            built = cdc_flux_build(by=request.user, **scope)
        except CdcExportError as refused:
            return _refusal(refused.problems, "cdc_refused")
        return Response(CdcFluxDetailSerializer(built.flux).data, status=status.HTTP_201_CREATED)


class FluxOfAdmin:
    request: Request

    def flux(self, public_id: str) -> CdcFlux:
        try:
            return cdc_flux_get_for_admin(user=self.request.user, public_id=public_id)
        except (CdcFlux.DoesNotExist, DjangoValidationError):
            raise NotFound from None


class CdcFluxDetailAPI(AdministratorsOnly, FluxOfAdmin, APIView):
    @extend_schema(responses=CdcFluxDetailSerializer, summary="One flux with its passages")
    def get(self, request: Request, public_id: str) -> Response:
        return Response(CdcFluxDetailSerializer(self.flux(public_id)).data)


class CdcFluxDownloadAPI(AdministratorsOnly, FluxOfAdmin, APIView):
    @extend_schema(responses={(200, "application/xml"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The XML file, as validated when it was built.")},
        summary="Download a flux's XML file (the first download moves it to downloaded)")
    def get(self, request: Request, public_id: str) -> HttpResponse:
        flux = cdc_flux_downloaded(flux=self.flux(public_id), by=request.user)
        response = HttpResponse(bytes(flux.content),
                                content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = attachment_disposition(
            flux.filename.removesuffix(".xml"), "xml")
        return response


class ReportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The processing report (accusé de traitement, "
                                           "XML) the Caisse des Dépôts returned.")


class CdcFluxReportAPI(AdministratorsOnly, FluxOfAdmin, APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": ReportSerializer},
        responses={200: CdcFluxDetailSerializer,
                   400: OpenApiResponse(ProblemSerializer, description="Not applied, nothing "
                                        "changed (code `cdc_report_refused`): malformed, "
                                        "another flux's report, unknown idTechnique.")},
        summary="Apply the flux's processing report: passages accepted or rejected with the "
                "Caisse des Dépôts' reason",
    )
    def post(self, request: Request, public_id: str) -> Response:
        flux = self.flux(public_id)
        serializer = ReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > MAX_REPORT_BYTES:
            return _refusal([_("The file is larger than 20 MB: it is not a processing "
                               "report.")], "cdc_report_refused")
        try:
            cdc_report_import(content=upload.read(), by=request.user, flux=flux,
                              filename=upload.name or "")
        except CdcReportError as refused:
            return _refusal(refused.problems, "cdc_report_refused")
        flux.refresh_from_db()
        return Response(CdcFluxDetailSerializer(flux).data)



# -- the pre-declaration report -------------------------------------------------------------
class HolderProblemSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=["invalid", "missing", "risk"],
        help_text="invalid and missing stop the declaration; risk may get it rejected.")
    field = serializers.CharField(help_text="The identity field to correct.")
    message = serializers.CharField()
    stops_declaration = serializers.BooleanField()


class CandidateCheckSerializer(serializers.Serializer):
    enrolment = serializers.UUIDField(source="enrolment.public_id")
    candidate = serializers.UUIDField(source="candidate.public_id")
    candidate_name = serializers.CharField(source="candidate.legal_name")
    first_names_declared = serializers.ListField(child=serializers.CharField(),
                                                 help_text="prenom1, prenom2, prenom3.")
    stops = serializers.BooleanField(help_text="The holders file would be refused.")
    problems = HolderProblemSerializer(many=True)
    fix_url = serializers.CharField(help_text="The page to correct the identity on.")


class SessionPrecheckSerializer(serializers.Serializer):
    session = serializers.UUIDField(source="session.public_id")
    certification = serializers.CharField(source="session.referentiel.certification.code")
    signed = serializers.BooleanField(help_text="Signed: only the holders are checked.")
    ready = serializers.BooleanField(help_text="Nothing would stop the declaration.")
    certification_problems = serializers.ListField(child=serializers.CharField())
    checked = serializers.SerializerMethodField()
    to_complete = serializers.SerializerMethodField()
    at_risk = serializers.SerializerMethodField()
    candidates = serializers.SerializerMethodField()

    def get_checked(self, report: Any) -> int:
        return len(report.candidates)

    def get_to_complete(self, report: Any) -> int:
        return len(report.to_complete)

    def get_at_risk(self, report: Any) -> int:
        return len(report.at_risk)

    @extend_schema_field(CandidateCheckSerializer(many=True))
    def get_candidates(self, report: Any) -> list[dict]:
        return CandidateCheckSerializer(report.with_problems, many=True).data


class SessionPrecheckAPI(AdministratorsOnly, APIView):
    @extend_schema(responses=SessionPrecheckSerializer,
                   summary="What would stop or risk a session's declaration to the Caisse des "
                           "Dépôts, per candidate (administrators)")
    def get(self, request: Request, public_id: str) -> Response:
        try:
            session = session_get_for_admin(user=request.user, public_id=public_id)
        except Session.DoesNotExist:
            raise NotFound from None
        report = cdc_precheck_for_admin(user=request.user, session=session)
        if report is None:
            raise NotFound
        return Response(SessionPrecheckSerializer(report).data)
