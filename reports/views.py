"""Pages of the document register (DESIGN.md §4.5, §8): the public verification page,
downloads (the holder or an administrator), the staff list of a session's documents
with revoke and reissue, issuing and exporting the whole session (a zip built in the
background, its progress polled by htmx). Anything out of reach is a 404."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.downloads import attachment_disposition
from accounts.ratelimit import rate_limit_consume, rate_limit_reached
from candidates.models import Session
from reports.cdc import CdcExportError, cdc_accrochage_export
from reports.exports import (
    session_documents_issue,
    session_export_start,
    session_exports_resume_stale,
)
from reports.forms import (
    VERIFY_REQUEST_MAX_BYTES,
    VerifyFileForm,
    VerifyForm,
    VerifyUploadHandler,
)
from reports.models import Document, SessionExport
from reports.selectors import (
    document_download_get_for_user,
    document_for_verification,
    document_get_for_admin,
    issuing_closed_on,
    session_documents_for_admin,
    session_documents_incomplete_for_admin,
    session_export_get_for_admin,
    session_export_state_for_admin,
    session_get_for_admin,
    signed_deliberation_of_session,
)
from reports.services import (
    document_reissue,
    document_revoke,
    issuing_override_record,
)
from reports.services.seal_check import pdf_seal_check, seal_check_lines

# The register of a session is read a page at a time (thousands of rows in a large one).
DOCUMENTS_PER_PAGE = 100


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """The public form: a code typed as printed (spaces, dashes, case do not matter)
    leads to its verification page; a malformed one is told next to the field."""
    form = VerifyForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        if rate_limit_reached(request, action="verify"):
            return _verify_limited(request)
        return redirect("reports:verify", code=form.cleaned_data["code"])
    return _verify_page(request, "reports/verify_form.html", {"form": form})


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    if not rate_limit_consume(request, action="verify"):
        return _verify_limited(request)
    try:
        document = document_for_verification(code=code)
    except Document.DoesNotExist:
        # Our page, whatever DEBUG says: the code matches nothing, type it again.
        return _verify_page(request, "reports/verify_form.html", {
            "form": VerifyForm(initial={"code": code}), "unknown_code": code}, status=404)
    return _verify_page(request, "reports/verify.html", {"document": document})


@csrf_exempt  # the upload handlers are set first, then CSRF is checked (csrf_protect)
@require_http_methods(["GET", "POST"])
def verify_file(request: HttpRequest) -> HttpResponse:
    """A PDF uploaded and checked (``pdf_seal_check``): its seal, the register, the
    document's status. Read in memory only (never written anywhere), at most
    ``VERIFY_FILE_MAX_BYTES``."""
    request.upload_handlers = [VerifyUploadHandler(request)]
    return _verify_file(request)


@csrf_protect
def _verify_file(request: HttpRequest) -> HttpResponse:
    form, check = VerifyFileForm(), None
    if request.method == "POST":
        if not rate_limit_consume(request, action="verify"):
            return _verify_limited(request)
        too_large = int(request.META.get("CONTENT_LENGTH") or 0) > VERIFY_REQUEST_MAX_BYTES
        form = VerifyFileForm(request.POST, request.FILES)
        if too_large:
            form.is_valid()
            form.errors.clear()
            form.add_error("file", _("This file is larger than 2.5 MB: it cannot be one of "
                                     "our documents."))
        elif form.is_valid():
            check = pdf_seal_check(form.cleaned_data["file"].read())
    return _verify_page(request, "reports/verify_file.html", {
        "form": form, "check": check,
        "sentences": seal_check_lines(check) if check else []})


def _verify_page(request: HttpRequest, template: str, context: dict,
                 status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def _verify_limited(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", {"message": verify_limited_message()}, status=429)


def verify_limited_message() -> str:
    return _("Too many verifications from your address. Try again in a minute.")


@login_required
@require_GET
def download(request: HttpRequest, document_id: UUID) -> FileResponse:
    try:
        document = document_download_get_for_user(user=request.user, public_id=document_id)
    except Document.DoesNotExist:
        raise Http404 from None
    return pdf_response(document)


def pdf_response(document: Document) -> FileResponse:
    """The document's PDF as an attachment named after its kind and number (page and API)."""
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
    session_exports_resume_stale(session=session)  # a reload resumes an interrupted export
    documents = session_documents_for_admin(user=request.user, session=session)
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    deliberation = signed_deliberation_of_session(session=session)
    return render(request, "reports/session_documents.html", {
        "session": session, "page": page,
        "issuing_closed_on": issuing_closed_on(deliberation) if deliberation else None,
        "export_state": session_export_state_for_admin(user=request.user, session=session),
        "can_issue": session_documents_incomplete_for_admin(user=request.user,
                                                            session=session),
    })


def _action_confirmation(request: HttpRequest, session: Session, document: Document,
                         action: str, *, unconfirmed: bool, reason_error: str = "",
                         status: int = 200) -> HttpResponse:
    """What revoking (or reissuing) the document will do, with the reasons typed so far
    (kept), before the administrator confirms."""
    data = request.POST if request.method == "POST" else request.GET
    return render(request, "reports/document_action_confirm.html", {
        "session": session, "document": document, "action": action,
        "reason": data.get("reason", ""), "public_reason": data.get("public_reason", ""),
        "reason_error": reason_error, "unconfirmed": unconfirmed,
        "verify_url": request.build_absolute_uri(
            reverse("reports:verify", args=[document.verification_code])),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def document_action(request: HttpRequest, session_id: UUID, document_id: UUID,
                    action: str) -> HttpResponse:
    """Revoke or reissue a document in two steps: the list's form (or a GET) shows what
    will happen with the reasons typed; only a POST with ``confirm=1`` from that page
    acts. A POST without it changes nothing and says so."""
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
    if request.method == "GET" or request.POST.get("confirm") != "1":
        return _action_confirmation(request, session, document, action,
                                    unconfirmed=request.method == "POST")
    try:
        result = service(document=document, by=request.user,
                         reason=request.POST.get("reason", ""),
                         public_reason=request.POST.get("public_reason", ""))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        if error.code == "reason":
            return _action_confirmation(request, session, document, action,
                                        unconfirmed=False, status=422,
                                        reason_error=" ".join(error.messages))
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Document %(number)s revoked.") % {"number": document.number}
                         if action == "revoke" else
                         _("Document %(old)s reissued as %(new)s.")
                         % {"old": document.number, "new": result.number})
    return redirect("reports:session_documents", session_id=session.public_id)


# -- a whole session: issue, export -----------------------------------------------------------
def _documents_url(session: Session, anchor: str = "") -> str:
    return reverse("reports:session_documents", args=[session.public_id]) + anchor


def _export_panel(request: HttpRequest, session: Session) -> HttpResponse:
    return render(request, "reports/_session_export.html", {
        "session": session,
        "export_state": session_export_state_for_admin(user=request.user, session=session),
    })


@login_required
@require_POST
def session_export(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Start the export, or join the one running: a second click or a resent form is safe."""
    session = _session(request, session_id)
    try:
        _export, started = session_export_start(session=session, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if not request.htmx:
            messages.info(request, _("Export started.") if started
                          else _("This export is already under way or done."))
    if request.htmx:
        return _export_panel(request, session)
    return redirect(_documents_url(session, "#session-export"))


@login_required
@require_GET
def session_export_progress(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The export panel alone, polled while the export runs."""
    session = _session(request, session_id)
    session_exports_resume_stale(session=session)
    return _export_panel(request, session)


@login_required
@require_GET
def session_export_download(request: HttpRequest, session_id: UUID,
                            export_id: UUID) -> FileResponse:
    session = _session(request, session_id)
    try:
        export = session_export_get_for_admin(user=request.user, session=session,
                                              public_id=export_id)
    except SessionExport.DoesNotExist:
        raise Http404 from None
    name = f"{slugify(session.name) or 'session'}-{export.created_at:%Y%m%d-%H%M}.zip"
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=name,
                        content_type="application/zip")


@login_required
@require_POST
def session_issue(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Issue the missing documents of the signed deliberation, render the failed again."""
    session = _session(request, session_id)
    try:
        count = session_documents_issue(session=session, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, ngettext(
            "%(count)d document sent to rendering.", "%(count)d documents sent to rendering.",
            count) % {"count": count})
    return redirect(_documents_url(session))


@login_required
@require_POST
def issuing_override(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The certifier's explicit override to issue certificates decided after the last
    issuing date, with its reason (recorded and audited)."""
    session = _session(request, session_id)
    deliberation = signed_deliberation_of_session(session=session)
    if deliberation is None:
        raise Http404
    try:
        issuing_override_record(deliberation=deliberation, by=request.user,
                                reason=request.POST.get("reason", ""))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The override is recorded; the certificates are being "
                                    "issued."))
    return redirect(_documents_url(session))


@login_required
@require_GET
def cdc_accrochage(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The Caisse des Dépôts holders file of a signed session (staff only); a file that
    cannot be produced sends the staff back to the session dashboard with the reasons."""
    session = _session(request, session_id)
    deliberation = signed_deliberation_of_session(session=session)
    if deliberation is None:
        raise Http404
    try:
        export = cdc_accrochage_export(deliberation=deliberation, by=request.user)
    except CdcExportError as refused:
        messages.error(request, _("The file for the Caisse des Dépôts was not produced:"))
        for problem in refused.problems:
            messages.error(request, problem)
        return redirect("candidates:session_dashboard", session_id=session.public_id)
    response = HttpResponse(export.content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = attachment_disposition(
        export.filename.removesuffix(".xml"), "xml")
    return response
