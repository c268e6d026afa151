"""REST endpoints of assessments, assignments and scores (/api/v1/). Every queryset comes
from the selectors (DESIGN.md §8): an administrator reads everything; a jury member the
assessments, assignments and scores of the candidates assigned to them; a candidate the
assessments they sit. Administrators schedule and assign, jury members score; every write
goes through the services. An object out of reach is a 404."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import AdministratorWrites, AdministratorWritesObject
from assessments.models import Assessment, Score, Sitting
from assessments.selectors import enrolments_holding_every_bloc
from assessments.services import StaleWriteError, assessment_create
from candidates.api import REFUSED, RefusalSerializer
from candidates.models import EnrolmentStatus, Session
from candidates.selectors import enrolment_list_for_user, session_get_for_user
from config.api import (
    DateTimeFilter,
    IdFilter,
    ProblemSerializer,
    problem,
)
from config.api import refused as _refused
from juries.models import Assignment, Jury, JuryMember
from juries.selectors import (
    assessment_list_for_user,
    assignment_list_for_user,
    jury_for_session,
    jury_list_for_user,
    jury_member_list_for_user,
    score_list_for_user,
    session_modalities,
    sitting_competences,
    sitting_list_for_reader,
    sitting_list_for_user,
    sittings_for_scorer,
)
from juries.services import (
    NotAssignedError,
    assignment_create,
    assignment_delete,
    grid_score_save,
    jury_compose,
)


def _ip(request: Request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# -- assessments -------------------------------------------------------------------------
class AssessmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    session = serializers.UUIDField(source="session.public_id", read_only=True)
    modality = serializers.IntegerField(source="modality_id", read_only=True)
    modality_title = serializers.CharField(source="modality.title", read_only=True)
    team = serializers.BooleanField(source="modality.team", read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "session", "modality", "modality_title", "team", "starts_at", "place",
                  "instructions", "cancelled_at", "created_at"]


class SchedulingWarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="blocs_held: the candidate already holds every "
                                           "skills block the assessment evaluates.")
    enrolment = serializers.UUIDField()
    candidate_name = serializers.CharField()
    blocs = serializers.ListField(child=serializers.CharField())
    message = serializers.CharField()


class AssessmentScheduledSerializer(AssessmentSerializer):
    warnings = SchedulingWarningSerializer(many=True, read_only=True, help_text=(
        "Scheduled anyway: what the administrator should know (as the web page says)."))

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "warnings"]


def _scheduling_warnings(modality: Any, enrolments: list[Any]) -> list[dict[str, Any]]:
    """The web scheduling's warning, one per candidate who already holds every bloc the
    épreuve's modality evaluates (acquired before the session)."""
    return [
        {"code": "blocs_held", "enrolment": enrolment.public_id,
         "candidate_name": enrolment.candidate.legal_name,
         "blocs": [bloc.code or bloc.title for bloc in blocs],
         "message": _("Scheduled anyway: %(candidate)s already holds every skills block this "
                      "assessment evaluates (acquired before the session): %(blocs)s.")
         % {"candidate": enrolment.candidate.legal_name,
            "blocs": ", ".join(bloc.code or bloc.title for bloc in blocs)}}
        for enrolment, blocs in enrolments_holding_every_bloc(modality=modality,
                                                              enrolments=enrolments)
    ]


class AssessmentCreateSerializer(serializers.Serializer):
    session = serializers.UUIDField()
    modality = serializers.IntegerField(help_text="An assessment method of the session's "
                                                  "framework version (its id).")
    starts_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    candidates = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list,
        help_text="Enrolment ids of the candidates sitting it.",
    )
    all_candidates = serializers.BooleanField(
        required=False, default=False, help_text="Every candidate enrolled in the session.")
    teams = serializers.DictField(
        child=serializers.CharField(max_length=100, allow_blank=True), required=False,
        default=dict, help_text="Team name by enrolment id (team assessment methods).",
    )


class AssessmentFilter(filters.FilterSet):
    session = filters.UUIDFilter(field_name="session__public_id")
    modality = IdFilter(field_name="modality_id")
    starts_after = DateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = DateTimeFilter(field_name="starts_at", lookup_expr="lte")

    class Meta:
        model = Assessment
        fields = ["session", "modality", "starts_after", "starts_before"]


def _assessment_arguments(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """Identifiers → objects within the administrator's reach; unknown ones are a 400."""
    try:
        session = session_get_for_user(user=request.user, public_id=data["session"])
    except Session.DoesNotExist:
        raise serializers.ValidationError({"session": ["No session has this id."]}) from None
    modality = session_modalities(user=request.user, session=session).filter(
        pk=data["modality"]).first()
    if modality is None:
        raise serializers.ValidationError(
            {"modality": ["Not an assessment method of this session's framework version."]})
    enrolments = enrolment_list_for_user(user=request.user).filter(session=session)
    if data["all_candidates"]:
        enrolments = enrolments.filter(status=EnrolmentStatus.ENROLLED)
    else:
        wanted = set(data["candidates"])
        enrolments = enrolments.filter(public_id__in=wanted)
        if len(enrolments) != len(wanted):
            raise serializers.ValidationError(
                {"candidates": ["Some ids are not enrolments of this session."]})
    by_id = {str(e.public_id): e.pk for e in enrolments}
    return {
        "session": session, "modality": modality, "starts_at": data["starts_at"],
        "place": data["place"], "enrolments": list(enrolments),
        "teams": {by_id[key]: name for key, name in data["teams"].items() if key in by_id},
    }


class AssessmentListAPI(generics.ListCreateAPIView):
    serializer_class = AssessmentSerializer
    permission_classes = [IsAuthenticated, AdministratorWrites]
    filterset_class = AssessmentFilter
    search_fields = ["modality__title", "place"]
    ordering_fields = ["starts_at", "created_at"]

    def get_queryset(self) -> QuerySet[Assessment]:
        return assessment_list_for_user(user=self.request.user)

    @extend_schema(summary="Assessments within reach (a jury member: where assigned; a "
                           "candidate: those they sit)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=AssessmentCreateSerializer,
                   responses={201: AssessmentScheduledSerializer, 400: REFUSED},
                   summary="Schedule an assessment with its candidates (administrators)")
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AssessmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arguments = _assessment_arguments(request, serializer.validated_data)
        try:
            assessment = assessment_create(created_by=request.user, **arguments)
        except DjangoValidationError as exc:
            return _refused(exc)
        assessment.warnings = _scheduling_warnings(arguments["modality"],
                                                   arguments["enrolments"])
        return Response(AssessmentScheduledSerializer(assessment).data,
                        status=status.HTTP_201_CREATED)


class AssessmentDetailAPI(generics.RetrieveAPIView):
    serializer_class = AssessmentSerializer
    lookup_field = "public_id"

    def get_queryset(self) -> QuerySet[Assessment]:
        return assessment_list_for_user(user=self.request.user)

    @extend_schema(summary="One assessment")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# -- sittings: a candidate in an assessment ----------------------------------------------
class SittingSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    assessment = serializers.UUIDField(source="assessment.public_id", read_only=True)
    session = serializers.UUIDField(source="assessment.session.public_id", read_only=True)
    enrolment = serializers.UUIDField(source="enrolment.public_id", read_only=True)
    candidate = serializers.UUIDField(source="enrolment.candidate.public_id", read_only=True)
    candidate_name = serializers.CharField(source="enrolment.candidate.legal_name",
                                           read_only=True)

    class Meta:
        model = Sitting
        fields = ["id", "assessment", "session", "enrolment", "candidate", "candidate_name",
                  "team", "starts_at", "attendance", "locked_at"]


class SittingFilter(filters.FilterSet):
    assessment = filters.UUIDFilter(field_name="assessment__public_id")
    session = filters.UUIDFilter(field_name="assessment__session__public_id")
    candidate = filters.UUIDFilter(field_name="enrolment__candidate__public_id")

    class Meta:
        model = Sitting
        fields = ["assessment", "session", "candidate"]


class SittingListAPI(generics.ListAPIView):
    serializer_class = SittingSerializer
    filterset_class = SittingFilter
    search_fields = ["enrolment__candidate__birth_name", "team"]
    ordering_fields = ["assessment__starts_at", "team", "enrolment__candidate__birth_name"]

    def get_queryset(self) -> QuerySet[Sitting]:
        return sitting_list_for_reader(user=self.request.user).order_by(
            "assessment__starts_at", "assessment_id", "team",
            "enrolment__candidate__birth_name", "pk")

    @extend_schema(summary="Sittings (a candidate in an assessment) within reach: "
                           "administrators all, a jury member those assigned to them")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# -- assignments -------------------------------------------------------------------------
class AssignmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    sitting = serializers.UUIDField(source="sitting.public_id", read_only=True)
    assessment = serializers.UUIDField(source="sitting.assessment.public_id", read_only=True)
    session = serializers.UUIDField(source="sitting.assessment.session.public_id",
                                    read_only=True)
    candidate = serializers.UUIDField(source="sitting.enrolment.candidate.public_id",
                                      read_only=True)
    candidate_name = serializers.CharField(source="sitting.enrolment.candidate.legal_name",
                                           read_only=True)
    member = serializers.UUIDField(source="member.public_id", read_only=True)
    member_name = serializers.CharField(source="member.user.get_full_name", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "sitting", "assessment", "session", "candidate", "candidate_name",
                  "member", "member_name", "assigned_at"]


class AssignmentCreateSerializer(serializers.Serializer):
    sitting = serializers.UUIDField(help_text="The candidate's sitting of an assessment.")
    member = serializers.UUIDField(help_text="A member of the session's jury.")


class AssignmentFilter(filters.FilterSet):
    assessment = filters.UUIDFilter(field_name="sitting__assessment__public_id")
    session = filters.UUIDFilter(field_name="sitting__assessment__session__public_id")
    sitting = filters.UUIDFilter(field_name="sitting__public_id")
    member = filters.UUIDFilter(field_name="member__public_id")

    class Meta:
        model = Assignment
        fields = ["assessment", "session", "sitting", "member"]


class AssignmentListAPI(generics.ListCreateAPIView):
    serializer_class = AssignmentSerializer
    permission_classes = [IsAuthenticated, AdministratorWrites]
    filterset_class = AssignmentFilter
    search_fields = ["sitting__enrolment__candidate__birth_name", "member__user__email"]
    ordering_fields = ["assigned_at", "sitting__assessment__starts_at"]

    def get_queryset(self) -> QuerySet[Assignment]:
        return assignment_list_for_user(user=self.request.user).order_by("assigned_at", "pk")

    @extend_schema(summary="Assignments within reach (a jury member: their own)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AssignmentCreateSerializer,
        responses={201: AssignmentSerializer, 400: OpenApiResponse(
            RefusalSerializer, description="Refused: not in the jury, or a conflict of "
                                           "interest (the reason is in `detail`).")},
        summary="Assign a jury member to a candidate's sitting (administrators)",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AssignmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sitting = sitting_list_for_user(user=request.user).filter(
            public_id=data["sitting"]).first()
        if sitting is None:
            raise serializers.ValidationError({"sitting": ["No sitting has this id."]})
        try:
            member = jury_member_list_for_user(user=request.user).get(public_id=data["member"])
        except JuryMember.DoesNotExist:
            raise serializers.ValidationError(
                {"member": ["No jury member has this id."]}) from None
        try:
            assignment = assignment_create(sitting=sitting, member=member,
                                           assigned_by=request.user, ip_address=_ip(request))
        except DjangoValidationError as exc:
            return _refused(exc)
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class AssignmentDetailAPI(generics.RetrieveDestroyAPIView):
    serializer_class = AssignmentSerializer
    # Looked up first: another member's assignment is a 404, one's own a 403.
    permission_classes = [IsAuthenticated, AdministratorWritesObject]
    lookup_field = "public_id"

    def get_queryset(self) -> QuerySet[Assignment]:
        return assignment_list_for_user(user=self.request.user)

    @extend_schema(summary="One assignment")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Withdraw an assignment (administrators)")
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().delete(request, *args, **kwargs)

    def perform_destroy(self, instance: Assignment) -> None:
        assignment_delete(assignment=instance, removed_by=self.request.user,
                          ip_address=_ip(self.request))


# -- scores ------------------------------------------------------------------------------
class ScoreSerializer(serializers.ModelSerializer):
    sitting = serializers.UUIDField(source="sitting.public_id", read_only=True)
    assessment = serializers.UUIDField(source="sitting.assessment.public_id", read_only=True)
    candidate = serializers.UUIDField(source="sitting.enrolment.candidate.public_id",
                                      read_only=True)
    competence = serializers.IntegerField(source="competence_id", read_only=True)
    competence_code = serializers.CharField(source="competence.code", read_only=True)
    scorer = serializers.EmailField(source="scorer.email", read_only=True)

    class Meta:
        model = Score
        fields = ["sitting", "assessment", "candidate", "competence", "competence_code",
                  "scorer", "level", "comment", "version", "updated_at"]


class ScoreWriteSerializer(serializers.Serializer):
    sitting = serializers.UUIDField(help_text="A sitting assigned to you.")
    competence = serializers.IntegerField(help_text="A compétence the épreuve evaluates.")
    level = serializers.IntegerField(min_value=1, allow_null=True)
    comment = serializers.CharField(required=False, default="", allow_blank=True)
    expected_version = serializers.IntegerField(
        min_value=0, help_text="The version you saw: 0 when there was no score yet.")


class StaleSerializer(ProblemSerializer):
    current = ScoreSerializer(allow_null=True, help_text="The score as it is now.")


class ScoreFilter(filters.FilterSet):
    sitting = filters.UUIDFilter(field_name="sitting__public_id")
    assessment = filters.UUIDFilter(field_name="sitting__assessment__public_id")
    session = filters.UUIDFilter(field_name="sitting__assessment__session__public_id")
    candidate = filters.UUIDFilter(field_name="sitting__enrolment__candidate__public_id")
    competence = IdFilter(field_name="competence_id")

    class Meta:
        model = Score
        fields = ["sitting", "assessment", "session", "candidate", "competence"]


def _stale(exc: StaleWriteError) -> Response:
    current = exc.current if isinstance(exc.current, Score) else None
    return problem(
        status_code=status.HTTP_409_CONFLICT, type="conflict", code="stale",
        detail=_("Someone saved this score since you loaded it; nothing was overwritten."),
        current=ScoreSerializer(current).data if current else None,
    )


class ScoreListAPI(generics.ListCreateAPIView):
    serializer_class = ScoreSerializer
    filterset_class = ScoreFilter
    ordering_fields = ["updated_at", "version", "level"]

    def get_queryset(self) -> QuerySet[Score]:
        return score_list_for_user(user=self.request.user)

    @extend_schema(summary="Scores within reach (a jury member: their own, on the sittings "
                           "assigned to them)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ScoreWriteSerializer,
        responses={
            200: ScoreSerializer, 201: ScoreSerializer, 400: REFUSED,
            404: OpenApiResponse(description="The sitting is not assigned to you."),
            409: OpenApiResponse(StaleSerializer, description="A stale write: the current "
                                                              "score is returned."),
        },
        summary="Record or change your score of one compétence (jury members, assigned "
                "sittings only)",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ScoreWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sitting = sittings_for_scorer(user=request.user).filter(public_id=data["sitting"]).first()
        if sitting is None:
            raise NotFound
        competence = sitting_competences(sitting=sitting).filter(pk=data["competence"]).first()
        if competence is None:
            raise serializers.ValidationError(
                {"competence": ["This compétence is not evaluated by this épreuve."]})
        try:
            score = grid_score_save(
                user=request.user, sitting=sitting, competence=competence, level=data["level"],
                comment=data["comment"], expected_version=data["expected_version"],
                ip_address=_ip(request),
            )
        except NotAssignedError:
            raise NotFound from None
        except StaleWriteError as exc:
            return _stale(exc)
        except DjangoValidationError as exc:
            return _refused(exc)
        created = data["expected_version"] == 0
        return Response(ScoreSerializer(score).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# -- juries and their members ------------------------------------------------------------
class JuryMemberSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = JuryMember
        fields = ["id", "email", "name", "quality", "organisation", "external", "sex"]


class JuryMemberFilter(filters.FilterSet):
    session = filters.UUIDFilter(field_name="juries__session__public_id", distinct=True,
                                 help_text="Members of this session's jury.")

    class Meta:
        model = JuryMember
        fields = ["session", "quality", "external", "sex"]


class JuryMemberListAPI(generics.ListAPIView):
    serializer_class = JuryMemberSerializer
    filterset_class = JuryMemberFilter
    search_fields = ["user__email", "user__first_name", "user__last_name", "organisation"]
    ordering_fields = ["user__last_name", "user__email", "quality"]

    def get_queryset(self) -> QuerySet[JuryMember]:
        return jury_member_list_for_user(user=self.request.user).order_by(
            "user__last_name", "user__first_name", "pk")

    @extend_schema(summary="Jury member profiles (administrators)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class JurySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    session = serializers.UUIDField(source="session.public_id", read_only=True)
    session_name = serializers.CharField(source="session.name", read_only=True)
    members = JuryMemberSerializer(many=True, read_only=True)
    president = serializers.UUIDField(source="president.public_id", read_only=True,
                                      allow_null=True)

    class Meta:
        model = Jury
        fields = ["id", "session", "session_name", "members", "president"]


class JuryComposeSerializer(serializers.Serializer):
    session = serializers.UUIDField()
    members = serializers.ListField(child=serializers.UUIDField(), allow_empty=False,
                                    help_text="Jury member ids (see /api/v1/jury-members/).")
    president = serializers.UUIDField(allow_null=True, required=False, default=None,
                                      help_text="One of the members.")


class JuryFilter(filters.FilterSet):
    session = filters.UUIDFilter(field_name="session__public_id")

    class Meta:
        model = Jury
        fields = ["session"]


class JuryListAPI(generics.ListCreateAPIView):
    serializer_class = JurySerializer
    permission_classes = [IsAuthenticated, AdministratorWrites]
    filterset_class = JuryFilter
    ordering_fields = ["session__starts_on", "session__name"]

    def get_queryset(self) -> QuerySet[Jury]:
        return jury_list_for_user(user=self.request.user)

    @extend_schema(summary="Juries within reach (a jury member: those they preside)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=JuryComposeSerializer,
        responses={200: JurySerializer, 201: JurySerializer, 400: REFUSED},
        summary="Compose (or recompose) a session's jury: members and president "
                "(administrators)",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = JuryComposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            session = session_get_for_user(user=request.user, public_id=data["session"])
        except Session.DoesNotExist:
            raise serializers.ValidationError({"session": [_("No session has this id.")]}
                                              ) from None
        wanted = set(data["members"])
        members = list(jury_member_list_for_user(user=request.user).filter(
            public_id__in=wanted))
        if len(members) != len(wanted):
            raise serializers.ValidationError(
                {"members": [_("Some ids are not jury members.")]})
        president = next((m for m in members if m.public_id == data["president"]), None)
        if data["president"] is not None and president is None:
            raise serializers.ValidationError(
                {"president": [_("The president must be a member of the jury.")]})
        existed = jury_for_session(user=request.user, session=session) is not None
        try:
            jury = jury_compose(session=session, members=members, president=president,
                                composed_by=request.user)
        except DjangoValidationError as exc:
            return _refused(exc)
        jury = jury_list_for_user(user=request.user).get(pk=jury.pk)
        return Response(JurySerializer(jury).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class JuryDetailAPI(generics.RetrieveAPIView):
    serializer_class = JurySerializer
    lookup_field = "public_id"

    def get_queryset(self) -> QuerySet[Jury]:
        return jury_list_for_user(user=self.request.user)

    @extend_schema(summary="One jury")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
