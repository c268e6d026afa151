"""REST endpoints of candidates, sessions and enrolments (/api/v1/). Every queryset comes
from the selectors, so the API shows exactly what the pages show (DESIGN.md §8): an
administrator everything, a candidate their own records, anyone else nothing; an object
out of reach is a 404. Writes are the administrators' and go through the services.
Objects are named by their UUID (``id``), never by the database key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import AdministratorWrites, may_read_jury_note
from candidates.models import (
    AccessRoute,
    AcquiredBloc,
    AcquisitionOrigin,
    Candidate,
    Enrolment,
    EnrolmentStatus,
    Session,
    Sex,
)
from candidates.selectors import (
    candidate_list_for_user,
    enrolment_list_for_user,
    session_list_for_user,
)
from candidates.services import (
    AcquiredBlocInput,
    DuplicateCandidateError,
    EnrolmentTerms,
    Identity,
    candidate_create,
    candidate_erase,
    candidate_export_data,
    candidate_update_identity,
    enrolment_create,
    enrolment_update,
    enrolment_withdraw,
    session_create,
)
from certifications.models import Bloc, Partner, Referentiel
from certifications.selectors import partner_get_for_admin, referentiel_get_for_user
from config.api import AdministratorAPIView, ProblemSerializer, refused


def _refused(exc: DjangoValidationError) -> Response:
    """A service said no: 400 with its message(s); a duplicate names the existing one."""
    if isinstance(exc, DuplicateCandidateError):
        return refused(exc, existing=str(exc.existing.public_id))
    return refused(exc)


class RefusalSerializer(ProblemSerializer):
    existing = serializers.UUIDField(
        required=False, help_text="The candidate already registered (duplicates only)."
    )


OPTIONAL: dict[str, Any] = {"required": False, "default": "", "allow_blank": True}
REFUSED = OpenApiResponse(RefusalSerializer, description="Invalid data, or refused by a rule.")


# -- candidates --------------------------------------------------------------------------
class CandidateSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Candidate
        fields = ["id", "birth_name", "usage_name", "first_names", "birth_date",
                  "birth_commune", "birth_insee_code", "birth_country", "sex", "email", "phone",
                  "language", "has_account", "created_at", "anonymised_at"]

    def get_has_account(self, candidate: Candidate) -> bool:
        return candidate.user_id is not None


class IdentitySerializer(serializers.Serializer):
    birth_name = serializers.CharField(max_length=150)
    first_names = serializers.CharField(max_length=200)
    birth_date = serializers.DateField()
    usage_name = serializers.CharField(max_length=150, **OPTIONAL)
    birth_commune = serializers.CharField(max_length=150, **OPTIONAL)
    birth_insee_code = serializers.CharField(max_length=5, **OPTIONAL)
    birth_country = serializers.CharField(max_length=100, **OPTIONAL)
    sex = serializers.ChoiceField(choices=Sex.choices, **OPTIONAL)
    email = serializers.EmailField(**OPTIONAL)
    phone = serializers.CharField(max_length=30, **OPTIONAL)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False, default="fr",
        help_text="Language of the holder's transcript, attestations and certificate.")


class CandidateFilter(filters.FilterSet):
    session = filters.UUIDFilter(field_name="enrolments__session__public_id", distinct=True)
    anonymised = filters.BooleanFilter(field_name="anonymised_at", lookup_expr="isnull",
                                       exclude=True)

    class Meta:
        model = Candidate
        fields = ["session", "anonymised", "sex"]


class CandidateListAPI(generics.ListCreateAPIView):
    serializer_class = CandidateSerializer
    permission_classes = [IsAuthenticated, AdministratorWrites]
    filterset_class = CandidateFilter
    search_fields = ["birth_name", "usage_name", "first_names", "email"]
    ordering_fields = ["birth_name", "first_names", "birth_date", "created_at"]

    def get_queryset(self) -> QuerySet[Candidate]:
        return candidate_list_for_user(user=self.request.user)

    @extend_schema(summary="Candidates within reach (a candidate: themselves)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=IdentitySerializer, responses={201: CandidateSerializer, 400: REFUSED},
                   summary="Register a candidate (administrators); the same person twice is "
                           "refused")
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = IdentitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            candidate = candidate_create(identity=Identity(**serializer.validated_data))
        except DjangoValidationError as exc:
            return _refused(exc)
        return Response(CandidateSerializer(candidate).data, status=status.HTTP_201_CREATED)


class IdentityUpdateSerializer(serializers.Serializer):
    """The identity fields to change; those left out stay as they are."""

    birth_name = serializers.CharField(max_length=150, required=False)
    usage_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    first_names = serializers.CharField(max_length=200, required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False)
    birth_commune = serializers.CharField(max_length=150, required=False, allow_blank=True)
    birth_insee_code = serializers.CharField(
        max_length=5, required=False, allow_blank=True,
        help_text="The commune's INSEE code, or 99xxx (the country's) for a birth abroad: "
                  "checked against the INSEE lists, the right code suggested.")
    birth_country = serializers.CharField(max_length=100, required=False, allow_blank=True)


class _AdministratorWritesOr404:
    """A write refused to someone signed in is a 404: the endpoint does not exist for them
    (DESIGN.md §8), as on the pages."""

    def permission_denied(self, request: Request, message: str | None = None,
                          code: str | None = None) -> None:
        if request.user.is_authenticated:
            raise NotFound
        super().permission_denied(request, message=message, code=code)  # type: ignore[misc]


class CandidateDetailAPI(_AdministratorWritesOr404, generics.RetrieveAPIView):
    serializer_class = CandidateSerializer
    permission_classes = [IsAuthenticated, AdministratorWrites]
    lookup_field = "public_id"

    def get_queryset(self) -> QuerySet[Candidate]:
        return candidate_list_for_user(user=self.request.user)

    @extend_schema(summary="One candidate")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=IdentityUpdateSerializer,
                   responses={200: CandidateSerializer, 400: REFUSED},
                   summary="Correct a candidate's identity (administrators): audited; refused "
                           "once a signed deliberation decided on it, for a duplicate, or for "
                           "a birthplace that does not match the INSEE lists")
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        candidate = self.get_object()
        serializer = IdentityUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            candidate = candidate_update_identity(
                candidate=candidate, by=request.user, ip_address=request.META.get("REMOTE_ADDR"),
                **serializer.validated_data)
        except DjangoValidationError as exc:
            return _refused(exc)
        return Response(CandidateSerializer(candidate).data)


class CandidateRGPDAPIView(AdministratorAPIView):
    def get_candidate(self, public_id: str) -> Candidate:
        try:
            return candidate_list_for_user(user=self.request.user).get(public_id=public_id)
        except Candidate.DoesNotExist:
            raise NotFound from None


class CandidateExportAPI(CandidateRGPDAPIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT},
                   summary="Everything held on a candidate (RGPD; administrators)")
    def get(self, request: Request, public_id: str) -> Response:
        return Response(candidate_export_data(candidate=self.get_candidate(public_id)))


class ErasureSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class CandidateEraseAPI(CandidateRGPDAPIView):
    @extend_schema(
        request=ErasureSerializer,
        responses={200: CandidateSerializer, 400: REFUSED,
                   409: OpenApiResponse(RefusalSerializer, description="Already erased.")},
        summary="Erase (anonymise) a candidate's personal data (RGPD; administrators)",
    )
    def post(self, request: Request, public_id: str) -> Response:
        candidate = self.get_candidate(public_id)
        serializer = ErasureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            candidate = candidate_erase(candidate=candidate, erased_by=request.user,
                                        reason=serializer.validated_data["reason"])
        except DjangoValidationError as exc:
            if getattr(exc, "code", None) == "already_erased":
                return refused(exc, status.HTTP_409_CONFLICT)
            return _refused(exc)
        return Response(CandidateSerializer(candidate).data)


# -- sessions ----------------------------------------------------------------------------
class SessionPartnerSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    legal_name = serializers.CharField(read_only=True)
    siret = serializers.CharField(read_only=True)


class SessionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    referentiel = serializers.UUIDField(source="referentiel.public_id", read_only=True)
    certification_code = serializers.CharField(source="referentiel.certification.code",
                                               read_only=True)
    certification_title = serializers.CharField(source="referentiel.certification.title",
                                                read_only=True)
    referentiel_version = serializers.IntegerField(source="referentiel.version", read_only=True)
    partner = SessionPartnerSerializer(
        read_only=True, allow_null=True,
        help_text="The partner organising the session; null: the certifier itself.")

    class Meta:
        model = Session
        fields = ["id", "name", "place", "starts_on", "ends_on", "referentiel",
                  "referentiel_version", "certification_code", "certification_title",
                  "partner", "results_published_at", "created_at"]


class SessionCreateSerializer(serializers.Serializer):
    referentiel = serializers.UUIDField(help_text="The framework version (its id).")
    name = serializers.CharField(max_length=200)
    place = serializers.CharField(max_length=300, **OPTIONAL)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    partner = serializers.UUIDField(
        required=False, allow_null=True,
        help_text="A partner of the certification (its id) habilitated to organise the "
                  "assessment on the session's dates; omitted or null: the certifier itself.")


class SessionFilter(filters.FilterSet):
    certification = filters.CharFilter(field_name="referentiel__certification__code",
                                       help_text="RNCP code, e.g. RNCP35609.")
    referentiel = filters.UUIDFilter(field_name="referentiel__public_id")
    starts_after = filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    starts_before = filters.DateFilter(field_name="starts_on", lookup_expr="lte")

    class Meta:
        model = Session
        fields = ["certification", "referentiel", "starts_after", "starts_before"]


class SessionListAPI(generics.ListCreateAPIView):
    serializer_class = SessionSerializer
    permission_classes = [IsAuthenticated, AdministratorWrites]
    filterset_class = SessionFilter
    search_fields = ["name", "place"]
    ordering_fields = ["starts_on", "ends_on", "name", "created_at"]

    def get_queryset(self) -> QuerySet[Session]:
        return session_list_for_user(user=self.request.user)

    @extend_schema(summary="Sessions within reach (a candidate: theirs)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=SessionCreateSerializer,
                   responses={201: SessionSerializer, 400: REFUSED},
                   summary="Open a session on a framework version (administrators)")
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = SessionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            data["referentiel"] = referentiel_get_for_user(user=request.user,
                                                           public_id=data["referentiel"])
        except Referentiel.DoesNotExist:
            raise serializers.ValidationError(
                {"referentiel": ["No framework version has this id."]}
            ) from None
        if data.get("partner") is not None:
            try:
                data["partner"] = partner_get_for_admin(user=request.user,
                                                        public_id=data["partner"])
            except Partner.DoesNotExist:
                raise serializers.ValidationError(
                    {"partner": ["No partner has this id."]}) from None
        try:
            session = session_create(**data)
        except DjangoValidationError as exc:
            return _refused(exc)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class SessionDetailAPI(generics.RetrieveAPIView):
    serializer_class = SessionSerializer
    lookup_field = "public_id"

    def get_queryset(self) -> QuerySet[Session]:
        return session_list_for_user(user=self.request.user)

    @extend_schema(summary="One session")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# -- enrolments --------------------------------------------------------------------------
class AcquiredBlocSerializer(serializers.Serializer):
    bloc = serializers.CharField(source="bloc.code", help_text="Bloc code, e.g. RNCP35609BC01.")
    acquired_on = serializers.DateField()
    origin = serializers.ChoiceField(choices=AcquisitionOrigin.choices)
    reference = serializers.CharField(max_length=200, **OPTIONAL)


class EnrolmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    candidate = serializers.UUIDField(source="candidate.public_id", read_only=True)
    candidate_name = serializers.CharField(source="candidate.legal_name", read_only=True)
    session = serializers.UUIDField(source="session.public_id", read_only=True)
    session_name = serializers.CharField(source="session.name", read_only=True)
    target_blocs = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    acquired_blocs = AcquiredBlocSerializer(many=True, read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "candidate", "candidate_name", "session", "session_name",
                  "access_route", "whole_certification", "target_blocs", "extra_time_percent",
                  "technical_aids", "other_accommodations", "jury_note", "acquired_blocs",
                  "status", "invited_at", "created_at"]
        extra_kwargs = {"jury_note": {
            "help_text": "Internal, for the jury: left out when a candidate reads it."}}

    def to_representation(self, instance: Enrolment) -> dict[str, Any]:
        """The note for the jury is internal: a candidate reading their own enrolment
        never gets it (nor does anyone without a request to tell who asks)."""
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not may_read_jury_note(request.user):
            data.pop("jury_note", None)
        return data


class EnrolmentCreateSerializer(serializers.Serializer):
    candidate = serializers.UUIDField()
    session = serializers.UUIDField()
    access_route = serializers.ChoiceField(choices=AccessRoute.choices)
    whole_certification = serializers.BooleanField(required=False, default=True)
    target_blocs = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list,
        help_text="Bloc codes, when the whole certification is not targeted.",
    )
    extra_time_percent = serializers.IntegerField(min_value=0, max_value=100, required=False,
                                                  default=0)
    technical_aids = serializers.CharField(**OPTIONAL)
    other_accommodations = serializers.CharField(**OPTIONAL)
    jury_note = serializers.CharField(**OPTIONAL)
    acquired_blocs = AcquiredBlocSerializer(many=True, required=False, default=list)
    invite = serializers.BooleanField(
        required=False, default=True,
        help_text="E-mail the candidate the link to their space (needs an e-mail address).",
    )


class EnrolmentFilter(filters.FilterSet):
    session = filters.UUIDFilter(field_name="session__public_id")
    candidate = filters.UUIDFilter(field_name="candidate__public_id")
    access_route = filters.ChoiceFilter(choices=AccessRoute.choices)
    status = filters.ChoiceFilter(choices=EnrolmentStatus.choices)

    class Meta:
        model = Enrolment
        fields = ["session", "candidate", "access_route", "status"]


def _blocs_by_code(session: Session, codes: list[str], field: str) -> dict[str, Bloc]:
    blocs = {bloc.code: bloc for bloc in session.referentiel.blocs.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(blocs))
    if unknown:
        raise serializers.ValidationError(
            {field: [f"Not a bloc of this session's framework version: {', '.join(unknown)}."]}
        )
    return blocs


def _enrolment_arguments(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """Identifiers → objects within the user's reach; unknown ones are a 400."""
    arguments: dict[str, Any] = {"invite": data["invite"]}
    for field, selector in (("candidate", candidate_list_for_user),
                            ("session", session_list_for_user)):
        found = selector(user=request.user).filter(public_id=data[field]).first()
        if found is None:
            raise serializers.ValidationError({field: [f"No {field} has this id."]})
        arguments[field] = found
    session = arguments["session"]
    codes = [row["bloc"]["code"] for row in data["acquired_blocs"]]
    blocs = _blocs_by_code(session, [*data["target_blocs"], *codes], "blocs")
    arguments["terms"] = EnrolmentTerms(
        access_route=data["access_route"],
        whole_certification=data["whole_certification"],
        target_blocs=[blocs[code] for code in data["target_blocs"]],
        extra_time_percent=data["extra_time_percent"],
        technical_aids=data["technical_aids"],
        other_accommodations=data["other_accommodations"],
        jury_note=data["jury_note"],
        acquired_blocs=[
            AcquiredBlocInput(bloc=blocs[row["bloc"]["code"]], acquired_on=row["acquired_on"],
                              origin=row["origin"], reference=row["reference"])
            for row in data["acquired_blocs"]
        ],
    )
    return arguments


def _with_blocs(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """What the serializer shows, in a constant number of queries."""
    return enrolments.prefetch_related(
        "target_blocs",
        Prefetch("acquired_blocs", queryset=AcquiredBloc.objects.select_related("bloc")),
    )


class EnrolmentListAPI(generics.ListCreateAPIView):
    serializer_class = EnrolmentSerializer
    permission_classes = [IsAuthenticated, AdministratorWrites]
    filterset_class = EnrolmentFilter
    search_fields = ["candidate__birth_name", "candidate__usage_name", "candidate__first_names"]
    ordering_fields = ["created_at", "status", "candidate__birth_name", "session__starts_on"]

    def get_queryset(self) -> QuerySet[Enrolment]:
        return _with_blocs(enrolment_list_for_user(user=self.request.user))

    @extend_schema(summary="Enrolments within reach (a candidate: theirs)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=EnrolmentCreateSerializer,
                   responses={201: EnrolmentSerializer, 400: REFUSED},
                   summary="Enrol a candidate in a session and invite them (administrators)")
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = EnrolmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arguments = _enrolment_arguments(request, serializer.validated_data)
        try:
            enrolment = enrolment_create(**arguments)
        except DjangoValidationError as exc:
            return _refused(exc)
        return Response(EnrolmentSerializer(enrolment, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class EnrolmentUpdateSerializer(serializers.Serializer):
    """The terms to change; those left out stay as they are."""

    access_route = serializers.ChoiceField(choices=AccessRoute.choices, required=False)
    whole_certification = serializers.BooleanField(required=False)
    target_blocs = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False,
        help_text="Bloc codes, when the whole certification is not targeted.")
    extra_time_percent = serializers.IntegerField(min_value=0, max_value=100, required=False)
    technical_aids = serializers.CharField(required=False, allow_blank=True)
    other_accommodations = serializers.CharField(required=False, allow_blank=True)
    employer = serializers.CharField(max_length=300, required=False, allow_blank=True)
    jury_note = serializers.CharField(required=False, allow_blank=True)


class WithdrawalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    scores_confirmed = serializers.BooleanField(
        required=False, default=False,
        help_text="Needed when scores were already entered (they are kept).")


class EnrolmentDetailAPI(_AdministratorWritesOr404, generics.RetrieveAPIView):
    serializer_class = EnrolmentSerializer
    permission_classes = [IsAuthenticated, AdministratorWrites]
    lookup_field = "public_id"

    def get_queryset(self) -> QuerySet[Enrolment]:
        return _with_blocs(enrolment_list_for_user(user=self.request.user))

    @extend_schema(summary="One enrolment")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=EnrolmentUpdateSerializer,
                   responses={200: EnrolmentSerializer, 400: REFUSED},
                   summary="Change an enrolment's route, target and accommodations "
                           "(administrators): audited; refused once the session is signed")
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrolment = self.get_object()
        serializer = EnrolmentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        values: dict[str, Any] = {
            "access_route": enrolment.access_route,
            "whole_certification": enrolment.whole_certification,
            "target_blocs": list(enrolment.target_blocs.all()),
            **{name: getattr(enrolment, name) for name in (
                "extra_time_percent", "technical_aids", "other_accommodations", "employer",
                "jury_note")},
        }
        values.update({name: value for name, value in data.items() if name != "target_blocs"})
        if "target_blocs" in data:
            blocs = _blocs_by_code(enrolment.session, data["target_blocs"], "target_blocs")
            values["target_blocs"] = [blocs[code] for code in data["target_blocs"]]
        try:
            enrolment_update(enrolment=enrolment, by=request.user,
                             ip_address=request.META.get("REMOTE_ADDR"), **values)
        except DjangoValidationError as exc:
            return _refused(exc)
        enrolment = self.get_queryset().get(pk=enrolment.pk)
        return Response(EnrolmentSerializer(enrolment, context={"request": request}).data)


class EnrolmentWithdrawAPI(AdministratorAPIView):
    @extend_schema(request=WithdrawalSerializer,
                   responses={200: EnrolmentSerializer, 400: REFUSED},
                   summary="Withdraw a candidate from a session (administrators): the "
                           "deliberation leaves them out, scores are kept; refused once the "
                           "session is signed")
    def post(self, request: Request, public_id: str) -> Response:
        enrolment = enrolment_list_for_user(user=request.user).filter(
            public_id=public_id).first()
        if enrolment is None:
            raise NotFound
        serializer = WithdrawalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            enrolment_withdraw(enrolment=enrolment, by=request.user,
                               ip_address=request.META.get("REMOTE_ADDR"),
                               **serializer.validated_data)
        except DjangoValidationError as exc:
            return _refused(exc)
        enrolment = _with_blocs(enrolment_list_for_user(user=request.user)).get(pk=enrolment.pk)
        return Response(EnrolmentSerializer(enrolment, context={"request": request}).data)

