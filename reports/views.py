"""Pages of the document register (DESIGN.md §4.5, §8): the public verification page,
downloads (the holder or an administrator), the staff list of a session's documents
with revoke and reissue. Anything out of reach is a 404."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from candidates.models import Session
from reports.models import Document
from reports.selectors import (
    document_download_get_for_user,
    document_for_verification,
    document_get_for_admin,
    session_documents_for_admin,
    session_get_for_admin,
)
from reports.services import document_reissue, document_revoke


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    try:
        document = document_for_verification(code=code)
    except Document.DoesNotExist:
        raise Http404 from None
    response = render(request, "reports/verify.html", {"document": document})
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_GET
def download(request: HttpRequest, document_id: UUID) -> FileResponse:
    try:
        document = document_download_get_for_user(user=request.user, public_id=document_id)
    except Document.DoesNotExist:
        raise Http404 from None
    name = f"{document.get_kind_display()}-{document.number}.pdf".replace(" ", "-")
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=name,
                        content_type="application/pdf")


def _session(request: HttpRequest, session_id: UUID) -> Session:
    try:
        return session_get_for_admin(user=request.user, public_id=session_id)
    except Session.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def session_documents(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    documents = session_documents_for_admin(user=request.user, session=session)
    return render(request, "reports/session_documents.html",
                  {"session": session, "documents": documents})


@login_required
@require_POST
def document_action(request: HttpRequest, session_id: UUID, document_id: UUID,
                    action: str) -> HttpResponse:
    session = _session(request, session_id)
    try:
        document = document_get_for_admin(user=request.user, public_id=document_id)
    except Document.DoesNotExist:
        raise Http404 from None
    if document.session_id != session.pk:
        raise Http404
    service = {"revoke": document_revoke, "reissue": document_reissue}.get(action)
    if service is None:
        raise Http404
    try:
        result = service(document=document, by=request.user,
                         reason=request.POST.get("reason", ""))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Document %(number)s revoked.") % {"number": document.number}
                         if action == "revoke" else
                         _("Document %(old)s reissued as %(new)s.")
                         % {"old": document.number, "new": result.number})
    return redirect("reports:session_documents", session_id=session.public_id)
