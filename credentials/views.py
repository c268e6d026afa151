"""The credentials' public addresses (the issuer profile, its keys, the status lists), the
holder's download and the verification page of a pasted or uploaded credential."""

from __future__ import annotations

import json
from uuid import UUID

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from accounts.downloads import attachment_disposition
from accounts.ratelimit import rate_limit_consume
from credentials.build import issuer_id
from credentials.forms import CREDENTIAL_FILE_MAX_BYTES, VerifyCredentialForm
from credentials.keys import CredentialKeyError, credentials_configured
from credentials.models import IssuerKey
from credentials.selectors import credential_document_get_for_user, published_keys
from credentials.services import credential_issue, enveloped, status_list_token
from credentials.verify import credential_check
from reports.models import Document
from reports.views import verify_limited_message

OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _public_json(data: dict, content_type: str = "application/json") -> JsonResponse:
    response = JsonResponse(data, content_type=content_type,
                            json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Access-Control-Allow-Origin"] = "*"  # verifiers run in other sites' pages
    return response


@require_GET
@cache_control(max_age=3600, public=True)
def issuer(request: HttpRequest) -> JsonResponse:
    """The issuer's Open Badges 3.0 profile: the ``issuer.id`` of every credential."""
    return _public_json({
        "@context": ["https://www.w3.org/ns/credentials/v2", OB3_CONTEXT],
        "id": issuer_id(), "type": ["Profile"], "name": settings.CERTIFIER_NAME,
        "url": settings.SITE_URL,
        "description": "Public keys: " + settings.SITE_URL + "/.well-known/jwks.json",
    })


@require_GET
@cache_control(max_age=3600, public=True)
def jwks(request: HttpRequest) -> JsonResponse:
    """Every public key credentials were signed with and not withdrawn (RFC 7517)."""
    return _public_json({"keys": [key.public_jwk for key in published_keys()]},
                        content_type="application/jwk-set+json")


@require_GET
@cache_control(max_age=3600, public=True)
def key(request: HttpRequest, kid: str) -> JsonResponse:
    """One public key, at the address its credentials' ``kid`` names."""
    record = IssuerKey.objects.filter(kid=kid, retired_at__isnull=True).first()
    if record is None:
        raise Http404
    return _public_json(record.public_jwk, content_type="application/jwk+json")


@require_GET
@cache_control(max_age=300, public=True)
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    """A revocation list (W3C Bitstring Status List), signed, built on each request."""
    if not credentials_configured():
        raise Http404
    try:
        token = status_list_token(status_list=number)
    except CredentialKeyError:
        raise Http404 from None
    response = HttpResponse(token, content_type="application/vc+jwt")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_required
@require_GET
def download(request: HttpRequest, document_id: UUID) -> HttpResponse:
    """The holder's credential as a JSON file (an enveloped VC-JWT); signed on first
    request when the worker could not."""
    try:
        document = credential_document_get_for_user(user=request.user, public_id=document_id)
        credential = credential_issue(document=document)
    except (Document.DoesNotExist, CredentialKeyError):
        raise Http404 from None
    if credential is None:
        raise Http404
    body = json.dumps(enveloped(credential.token), indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = attachment_disposition(
        f"{document.get_kind_display()}-{document.number}", "json")
    return response


@csrf_exempt  # the upload handlers are set first, then CSRF is checked (csrf_protect)
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """A credential pasted or uploaded (read in memory, never kept) and checked."""
    request.upload_handlers = [MemoryFileUploadHandler(request)]
    return _verify(request)


@csrf_protect
def _verify(request: HttpRequest) -> HttpResponse:
    form, check = VerifyCredentialForm(), None
    if request.method == "POST":
        if not rate_limit_consume(request, action="verify"):
            return render(request, "429.html", {"message": verify_limited_message()},
                          status=429)
        form = VerifyCredentialForm(request.POST, request.FILES)
        if int(request.META.get("CONTENT_LENGTH") or 0) > 2 * CREDENTIAL_FILE_MAX_BYTES:
            form.is_valid()
            form.errors.clear()
            form.add_error("file", VerifyCredentialForm.base_fields["file"].help_text)
        elif form.is_valid():
            check = credential_check(form.cleaned_data["text"],
                                     email=form.cleaned_data.get("email", ""))
    response = render(request, "credentials/verify.html", {"form": form, "check": check},
                      status=422 if form.is_bound and form.errors else 200)
    response["X-Robots-Tag"] = "noindex"
    return response
