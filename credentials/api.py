"""REST endpoints of the credentials: the holder's (or an administrator's) credential of a
document, and the public verification of a credential, like their pages."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.ratelimit import rate_limit_consume
from config.api import ProblemSerializer
from credentials.forms import CREDENTIAL_FILE_MAX_BYTES
from credentials.keys import CredentialKeyError
from credentials.selectors import credential_document_get_for_user, linkedin_add_url
from credentials.services import credential_issue, enveloped
from credentials.verify import MAX_CREDENTIAL_CHARS, credential_check
from reports.models import Document
from reports.views import verify_limited_message


class DocumentCredentialSerializer(serializers.Serializer):
    credential = serializers.CharField(help_text="The signed credential (compact VC-JWT).")
    enveloped = serializers.DictField(help_text="The same as an enveloped verifiable "
                                                "credential (JSON), as the holder downloads it.")
    linkedin_url = serializers.URLField(help_text="LinkedIn's « add a certification » form, "
                                                  "filled in.")


class DocumentCredentialAPI(APIView):
    @extend_schema(responses={200: DocumentCredentialSerializer,
                              404: OpenApiResponse(ProblemSerializer)},
                   summary="The Open Badges 3.0 credential of an issued certificate or bloc "
                           "attestation (its holder, administrators)")
    def get(self, request: Request, public_id: str) -> Response:
        try:
            document = credential_document_get_for_user(user=request.user,
                                                        public_id=public_id)
            credential = credential_issue(document=document)
        except (Document.DoesNotExist, CredentialKeyError):
            raise NotFound from None
        if credential is None:
            raise NotFound
        return Response({"credential": credential.token,
                         "enveloped": enveloped(credential.token),
                         "linkedin_url": linkedin_add_url(document)})


class CredentialVerifyRequestSerializer(serializers.Serializer):
    credential = serializers.CharField(
        required=False, max_length=MAX_CREDENTIAL_CHARS, trim_whitespace=True,
        help_text="The credential: a compact VC-JWT or the enveloped JSON as text.")
    file = serializers.FileField(required=False, help_text="Or the credential's file.")
    email = serializers.EmailField(required=False, allow_blank=True,
                                   help_text="Check it was issued to this address.")

    def validate(self, data: dict) -> dict:
        upload = data.get("file")
        if upload is not None:
            if upload.size > CREDENTIAL_FILE_MAX_BYTES:
                raise serializers.ValidationError({"file": "At most 250 KB."})
            try:
                data["credential"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise serializers.ValidationError({"file": "Not a text file."}) from None
        if not data.get("credential"):
            raise serializers.ValidationError({"credential": "Give a credential or a file."})
        return data


class CredentialCheckSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=["valid", "revoked", "invalid", "foreign",
                                               "unreadable"])
    authentic = serializers.BooleanField(help_text="Ours, intact, and its document valid.")
    achievement = serializers.CharField()
    achievement_code = serializers.CharField()
    issuer = serializers.CharField()
    valid_from = serializers.DateTimeField(allow_null=True)
    key_id = serializers.CharField()
    credential_id = serializers.CharField()
    document_number = serializers.CharField()
    verification_url = serializers.CharField()
    revocation_reason = serializers.CharField()
    holder_matches = serializers.BooleanField(allow_null=True)
    sentences = serializers.ListField(child=serializers.CharField(),
                                      help_text="The verdict in words, in the request's "
                                                "language.")


class CredentialVerifyAPI(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=CredentialVerifyRequestSerializer,
                   responses={200: CredentialCheckSerializer,
                              400: OpenApiResponse(ProblemSerializer),
                              429: OpenApiResponse(ProblemSerializer)},
                   summary="Verify an Open Badges 3.0 credential (public: no authentication)",
                   auth=[])
    def post(self, request: Request) -> Response:
        if not rate_limit_consume(request, action="verify"):
            raise Throttled(wait=60, detail=verify_limited_message())
        serializer = CredentialVerifyRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check = credential_check(serializer.validated_data["credential"],
                                 email=serializer.validated_data.get("email", ""))
        response = Response(check.as_dict())
        response["X-Robots-Tag"] = "noindex"
        return response
