"""What every endpoint of /api/v1/ shares (docs/api.md): the error body, pagination and
the permission of writes (the schema generator is in ``config.api_schema``).

Every error answers the same body, in the user's language:
``{"type", "title", "status", "detail", "code", "errors"}`` — ``type`` the kind of error
(``invalid``, ``refused``, ``not_authenticated``, ``authentication_failed``,
``permission_denied``, ``not_found``, ``conflict``...), ``code`` the precise reason when a
rule gave one, ``errors`` the messages per field (``{}`` when the error is not about a
field). Some errors add keys of their own (the reasons of a refused signature, the current
score of a stale write), documented on their endpoint.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdministrator

if TYPE_CHECKING:
    from rest_framework.request import Request


# -- the error body -------------------------------------------------------------------------
def _titles() -> dict[int, str]:
    return {
        400: _("Invalid request"),
        401: _("Authentication required"),
        403: _("Permission denied"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        413: _("Content too large"),
        415: _("Unsupported media type"),
        429: _("Too many requests"),
    }


TYPES = {
    "invalid": "invalid", "parse_error": "invalid", "not_authenticated": "not_authenticated",
    "authentication_failed": "authentication_failed", "permission_denied": "permission_denied",
    "not_found": "not_found", "method_not_allowed": "method_not_allowed",
    "not_acceptable": "not_acceptable", "unsupported_media_type": "unsupported_media_type",
    "throttled": "throttled",
}


def problem(
    *, status_code: int, detail: str, type: str, code: str | None = None,
    errors: dict[str, Any] | None = None, **extra: Any,
) -> Response:
    """The error body every endpoint answers (see the module's docstring)."""
    body = {"type": type, "title": _titles().get(status_code, _("Error")),
            "status": status_code, "detail": detail, "code": code, "errors": errors or {},
            **extra}
    return Response(body, status=status_code)


def refused(exc: DjangoValidationError, status_code: int = status.HTTP_400_BAD_REQUEST,
            **extra: Any) -> Response:
    """A service said no (a rule of DESIGN.md §5): its message(s) and its code. A signed
    session refusing a change is about the state, not the data sent: a 409."""
    if getattr(exc, "code", None) == "session_signed":
        status_code = status.HTTP_409_CONFLICT
    if hasattr(exc, "error_dict"):
        return problem(status_code=status_code, type="refused",
                       detail=" ".join(m for ms in exc.message_dict.values() for m in ms),
                       code="invalid", errors=exc.message_dict, **extra)
    return problem(status_code=status_code, type="refused", detail=" ".join(exc.messages),
                   code=getattr(exc, "code", None), **extra)


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {key: value if isinstance(value, list | dict) else [value]
                for key, value in detail.items()}
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exceptions (and Django's 404, permission and validation errors) as the error
    body; anything else is left to Django (a 500, logged)."""
    from rest_framework.views import set_rollback  # its module reads these settings

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, DjangoValidationError):
        set_rollback()
        return refused(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "invalid"
    if isinstance(exc, exceptions.ValidationError):
        response = problem(status_code=exc.status_code, type="invalid", code="invalid",
                           detail=_("The data sent is not valid: see errors."),
                           errors=_field_errors(exc.detail))
    else:
        response = problem(status_code=exc.status_code, type=TYPES.get(code, code),
                           code=code, detail=str(exc.detail))
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = f"{exc.wait:.0f}"
    return response


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="The kind of error: invalid, refused, "
                                 "not_authenticated, authentication_failed, "
                                 "permission_denied, not_found, conflict...")
    title = serializers.CharField(help_text="The status in words, in the user's language.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, in the user's language.")
    code = serializers.CharField(allow_null=True, help_text="The precise reason, when a rule "
                                 "gave one (e.g. duplicate, conflict, signed).")
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Messages per field (a list of strings, or nested for lists of objects); "
                  "{} when the error is not about a field.",
    )


# -- pagination, filters, permissions --------------------------------------------------------
class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time, sent to the database in UTC: PostgreSQL refuses offsets
    beyond ±15:59, which ISO 8601 allows."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(_("Enter a valid date/time."), code="invalid") from None


class DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class IdFilter(filters.NumberFilter):
    """A whole number within the database's range (a huge or decimal value is a 400, not
    an overflow in the query)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)



class Pagination(PageNumberPagination):
    """``?page=N&page_size=M`` (50 by default, 200 at most)."""

    page_size_query_param = "page_size"
    max_page_size = 200


class AdministratorAPIView(APIView):
    """An endpoint of the administrators': anyone else signed in is told it does not
    exist (404, DESIGN.md §8); anonymous callers get 401/403 as usual."""

    permission_classes = [IsAuthenticated, IsAdministrator]

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> None:
        if request.user.is_authenticated:
            raise NotFound
        super().permission_denied(request, message=message, code=code)
