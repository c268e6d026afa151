"""REST endpoints of the deliberation (/api/v1/deliberations/; DESIGN.md §4.4, §5, §8): the
same selectors and services as the deliberation page. Administrators and the president of
the session's jury read it and (re)compute the proposal; the president signs, with the
same quorum and composition checks as the page (refused with the reasons); either
publishes the results. Anyone else: 404."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from candidates.models import Session
from certifications.selectors import certification_rules
from config.api import ProblemSerializer, problem, refused
from deliberations.models import BlocDecision, CandidateDecision, CompetenceDecision, Deliberation
from deliberations.selectors import (
    deliberation_list_for_user,
    deliberation_page,
    deliberation_session_get_for_user,
)
from deliberations.services import (
    DeliberationClosedError,
    SigningRefusedError,
    StaleProposalError,
    composition_messages,
    deliberation_propose,
    deliberation_publish,
    deliberation_sign,
)

# Refusals that are about the deliberation's state, not about the data sent: a 409.
STATE_CODES = {"signed", "not_proposed", "not_signed", "stale_proposal", "session_signed"}


class CompetenceDecisionSerializer(serializers.ModelSerializer):
    competence = serializers.IntegerField(source="competence_id")
    code = serializers.CharField(source="competence.code")
    member_levels = serializers.ListField(
        child=serializers.DictField(), help_text="What each member gave: scorer (user id), "
        "name, level, conflicted, assessment (the id of the épreuve the level was given "
        "in; absent from proposals made before it was recorded).")

    class Meta:
        model = CompetenceDecision
        fields = ["competence", "code", "proposed_level", "final_level", "justification",
                  "divergent", "member_levels"]


class BlocDecisionSerializer(serializers.ModelSerializer):
    bloc = serializers.IntegerField(source="bloc_id")
    code = serializers.CharField(source="bloc.code")

    class Meta:
        model = BlocDecision
        fields = ["bloc", "code", "status", "reason"]


class CandidateDecisionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    enrolment = serializers.UUIDField(source="enrolment.public_id")
    candidate = serializers.UUIDField(source="enrolment.candidate.public_id")
    candidate_name = serializers.CharField(source="enrolment.candidate.legal_name")
    requirements_met = serializers.DictField(
        child=serializers.DictField(),
        help_text="Per requirement id: met (bool) and justification.")
    competences = CompetenceDecisionSerializer(many=True)
    blocs = BlocDecisionSerializer(many=True)

    class Meta:
        model = CandidateDecision
        fields = ["id", "enrolment", "candidate", "candidate_name", "proposed_outcome",
                  "outcome", "outcome_reason", "justification", "requirements_met",
                  "competences", "blocs"]


class DeliberationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    session = serializers.UUIDField(source="session.public_id", read_only=True)
    session_name = serializers.CharField(source="session.name", read_only=True)
    signed_by = serializers.EmailField(source="signed_by.email", read_only=True,
                                       allow_null=True)
    results_published_at = serializers.DateTimeField(source="session.results_published_at",
                                                     read_only=True, allow_null=True)

    class Meta:
        model = Deliberation
        fields = ["id", "session", "session_name", "status", "proposed_at",
                  "proposal_version", "signed_at", "signed_by", "results_published_at"]


class DeliberationDetailSerializer(DeliberationSerializer):
    members_present = serializers.SerializerMethodField()
    candidates = serializers.SerializerMethodField()

    class Meta(DeliberationSerializer.Meta):
        fields = [*DeliberationSerializer.Meta.fields, "members_present", "candidates"]

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_members_present(self, deliberation: Deliberation) -> list[str]:
        return [str(m.public_id) for m in deliberation.members_present.all()]

    @extend_schema_field(CandidateDecisionSerializer(many=True))
    def get_candidates(self, deliberation: Deliberation) -> list[dict[str, Any]]:
        decisions = deliberation_page(session=deliberation.session).decisions
        return CandidateDecisionSerializer(decisions, many=True).data


class SignedSerializer(DeliberationDetailSerializer):
    warnings = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text="What the composition check warns about (signed all the same).")

    class Meta(DeliberationDetailSerializer.Meta):
        fields = [*DeliberationDetailSerializer.Meta.fields, "warnings"]


class ProposeSerializer(serializers.Serializer):
    session = serializers.UUIDField(help_text="The session to deliberate on.")


class SignSerializer(serializers.Serializer):
    members_present = serializers.ListField(
        child=serializers.UUIDField(), allow_empty=False,
        help_text="Ids of the jury members present (see /api/v1/juries/), the president "
                  "included.")
    proposal_version = serializers.CharField(
        max_length=64, help_text="The `proposal_version` of the deliberation you read: "
        "signing refuses if the proposal or what it was built from changed since.")


class ProposalChangeSerializer(serializers.Serializer):
    candidate = serializers.CharField()
    competence = serializers.CharField(help_text="Its code, for a level; empty otherwise.")
    member = serializers.CharField(help_text="Who scored, for a level; empty otherwise.")
    assessment = serializers.CharField(help_text="The épreuve, for an attendance; empty "
                                                 "otherwise.")
    old = serializers.CharField()
    new = serializers.CharField()
    text = serializers.CharField(help_text="The change in words.")


class StaleProposalSerializer(ProblemSerializer):
    changes = ProposalChangeSerializer(many=True)


class SigningRefusedSerializer(ProblemSerializer):
    reasons = serializers.ListField(child=serializers.CharField(), required=False,
                                    help_text="Why the jury cannot sign (quorum, "
                                              "composition).")
    warnings = serializers.ListField(child=serializers.CharField(), required=False)


class DeliberationFilter(filters.FilterSet):
    session = filters.UUIDFilter(field_name="session__public_id")
    status = filters.ChoiceFilter(choices=Deliberation.Status.choices)

    class Meta:
        model = Deliberation
        fields = ["session", "status"]


def _detail(deliberation: Deliberation, **extra: Any) -> dict[str, Any]:
    return {**DeliberationDetailSerializer(deliberation).data, **extra}


def _refusal(exc: DjangoValidationError) -> Response:
    code = getattr(exc, "code", None)
    if code in STATE_CODES:
        return refused(exc, status.HTTP_409_CONFLICT)
    return refused(exc)


class DeliberationListAPI(generics.ListCreateAPIView):
    serializer_class = DeliberationSerializer
    filterset_class = DeliberationFilter
    ordering_fields = ["proposed_at", "signed_at", "session__starts_on"]

    def get_queryset(self) -> QuerySet[Deliberation]:
        return deliberation_list_for_user(user=self.request.user)

    @extend_schema(summary="Deliberations within reach (administrators; a jury member: "
                           "the sessions whose jury they preside)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ProposeSerializer,
        responses={
            200: DeliberationDetailSerializer,
            400: OpenApiResponse(ProblemSerializer, description="Unknown session."),
            409: OpenApiResponse(ProblemSerializer, description="Already signed (code "
                                 "`signed`): decisions change only through an amendment."),
        },
        summary="Compute (or recompute) the proposal of a session's deliberation from the "
                "scores and the rules (administrators, the president); the president's "
                "overrides are kept",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ProposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            session = deliberation_session_get_for_user(
                user=request.user, public_id=serializer.validated_data["session"])
        except Session.DoesNotExist:
            raise serializers.ValidationError(
                {"session": [_("No session has this id.")]}) from None
        try:
            deliberation = deliberation_propose(session=session, by=request.user)
        except DeliberationClosedError as exc:
            return refused(exc, status.HTTP_409_CONFLICT)
        return Response(_detail(self.get_queryset().get(pk=deliberation.pk)))


class DeliberationsOfUser(generics.GenericAPIView):
    serializer_class = DeliberationDetailSerializer
    lookup_field = "public_id"

    def get_queryset(self) -> QuerySet[Deliberation]:
        return deliberation_list_for_user(user=self.request.user)


class DeliberationDetailAPI(DeliberationsOfUser, generics.RetrieveAPIView):
    @extend_schema(summary="One deliberation with every candidate's decisions, compétence "
                           "by compétence and bloc by bloc")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DeliberationSignAPI(DeliberationsOfUser):
    @extend_schema(
        request=SignSerializer,
        responses={
            200: SignedSerializer,
            400: OpenApiResponse(SigningRefusedSerializer, description=(
                "Refused, nothing signed: quorum or composition not met (code "
                "`composition`, the reasons in `reasons`), an épreuve not over or present "
                "candidates not fully scored (code `not_ready`, listed in `reasons`), "
                "or someone present is not a "
                "member of the jury (code `not_member`).")),
            403: OpenApiResponse(ProblemSerializer, description="Only the president of "
                                 "the jury signs (an administrator reads)."),
            409: OpenApiResponse(StaleProposalSerializer, description="Already signed "
                                 "(code `signed`), not proposed yet (code `not_proposed`), "
                                 "or scores, attendance or the proposal changed since the "
                                 "version sent (code `stale_proposal`, what changed in "
                                 "`changes`: propose again, read, sign)."),
        },
        examples=[OpenApiExample(
            "Quorum not met", status_codes=["400"], response_only=True,
            value={"type": "refused", "title": "Invalid request", "status": 400,
                   "detail": "At least 2 members must be present (quorum).",
                   "code": "composition", "errors": {},
                   "reasons": ["At least 2 members must be present (quorum)."],
                   "warnings": []},
        )],
        summary="Sign the deliberation with the members present (the president of the "
                "jury): scores and decisions are locked, documents issued",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deliberation = self.get_object()
        serializer = SignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        page = deliberation_page(session=deliberation.session)
        chosen = set(serializer.validated_data["members_present"])
        present = [m for m in page.members if m.public_id in chosen]
        if len(present) != len(chosen):
            raise serializers.ValidationError(
                {"members_present": [_("Only members of the jury can be present.")]})
        try:
            check = deliberation_sign(
                deliberation=deliberation, members_present=present, by=request.user,
                proposal_version=serializer.validated_data["proposal_version"])
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from None
        except StaleProposalError as exc:
            return refused(exc, status.HTTP_409_CONFLICT, changes=[
                {"candidate": c.candidate, "competence": c.competence, "member": c.member,
                 "assessment": c.assessment, "old": c.old, "new": c.new, "text": str(c)}
                for c in exc.changes])
        except SigningRefusedError as exc:
            return problem(status_code=status.HTTP_400_BAD_REQUEST, type="refused",
                           code=exc.code, detail=" ".join(exc.reasons),
                           reasons=exc.reasons, warnings=exc.warnings)
        except DjangoValidationError as exc:
            return _refusal(exc)
        deliberation = self.get_queryset().get(pk=deliberation.pk)
        rules = certification_rules(deliberation.session.referentiel.certification)
        _errors, warnings = composition_messages(check, rules)
        return Response(_detail(deliberation, warnings=warnings))


class DeliberationPublishAPI(DeliberationsOfUser):
    @extend_schema(
        request=None,
        responses={200: DeliberationDetailSerializer,
                   409: OpenApiResponse(ProblemSerializer, description="Not signed yet "
                                        "(code `not_signed`).")},
        summary="Publish the results of a signed deliberation: candidates see them "
                "(administrators, the president)",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deliberation = self.get_object()
        try:
            deliberation_publish(deliberation=deliberation, by=request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from None
        except DjangoValidationError as exc:
            return _refusal(exc)
        return Response(_detail(self.get_queryset().get(pk=deliberation.pk)))
