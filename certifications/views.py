"""Pages of the référentiels: the list, the import wizard (upload → preview → result)
and the exports. Authorization comes first, through the selectors; the work is in
services (DESIGN.md §3, §8)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.downloads import attachment_disposition
from accounts.permissions import administrator_required, may_manage_certifications
from certifications import views_editor
from certifications.errors import ImportFormatError
from certifications.forms import ImportConfirmForm, ImportUploadForm
from certifications.importers import case, json_format, spreadsheet
from certifications.models import Referentiel, ReferentielImport
from certifications.selectors import (
    certification_list_with_versions_for_user,
    referentiel_get_for_user,
    referentiel_import_get_for_user,
    referentiel_to_draft,
)
from certifications.services import (
    ReferentielImportError,
    ReferentielImportNotPendingError,
    referentiel_import_cancel,
    referentiel_import_confirm,
    referentiel_import_preview,
)

View = Callable[..., HttpResponse]

TEMPLATES = {
    "csv": ("text/csv; charset=utf-8", spreadsheet.template_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        spreadsheet.template_xlsx,
    ),
}


def _import_or_404(request: HttpRequest, public_id: str) -> ReferentielImport:
    try:
        return referentiel_import_get_for_user(user=request.user, public_id=public_id)
    except ReferentielImport.DoesNotExist:
        raise Http404 from None


def _referentiel_or_404(request: HttpRequest, public_id: str) -> Referentiel:
    try:
        return referentiel_get_for_user(user=request.user, public_id=public_id)
    except Referentiel.DoesNotExist:
        raise Http404 from None


# -- list --------------------------------------------------------------------------------
@require_GET
@login_required
def referentiel_list(request: HttpRequest) -> HttpResponse:
    certifications = certification_list_with_versions_for_user(user=request.user)
    return render(request, "certifications/referentiel_list.html", {
        "certifications": certifications,
        "can_import": may_manage_certifications(request.user),
    })


# -- step 1: upload ----------------------------------------------------------------------
def _format_error(exc: ImportFormatError) -> str:
    if exc.location:
        return _("The file cannot be read: %(message)s (%(location)s).") % {
            "message": exc.message.rstrip("."), "location": exc.location}
    return _("The file cannot be read: %(message)s.") % {"message": exc.message.rstrip(".")}


@administrator_required
def import_upload(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            row = referentiel_import_preview(
                file=upload, file_name=upload.name, size=upload.size,
                format=form.cleaned_data["format"], fiche=form.cleaned_data["fiche"],
                certifier=form.cleaned_data["certifier"], created_by=request.user,
            )
        except ImportFormatError as exc:
            form.add_error("file", _format_error(exc))
        else:
            return redirect("certifications:import_preview", public_id=row.public_id)
    return render(request, "certifications/import_upload.html", {"form": form})


@require_GET
@administrator_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    content_type, build = TEMPLATES[kind]
    response = HttpResponse(build(), content_type=content_type)
    response["Content-Disposition"] = attachment_disposition("referentiel-modele", kind)
    return response


# -- step 2: preview, an editor (certifications.views_editor) ------------------------------
def _render_preview(
    request: HttpRequest, row: ReferentielImport, form: ImportConfirmForm | None = None
) -> HttpResponse:
    return views_editor.render_preview(request, row, form)


def _confirm_form(row: ReferentielImport, data: Any = None) -> ImportConfirmForm:
    return views_editor.confirm_form(row, views_editor.draft_editors(row), data)


@require_GET
@administrator_required
def import_preview(request: HttpRequest, public_id: str) -> HttpResponse:
    row = _import_or_404(request, public_id)
    if row.status == ReferentielImport.Status.CONFIRMED:
        return redirect("certifications:import_result", public_id=row.public_id)
    if row.status == ReferentielImport.Status.FAILED:
        raise Http404
    return _render_preview(request, row)


@require_POST
@administrator_required
def import_confirm(request: HttpRequest, public_id: str) -> HttpResponse:
    row = _import_or_404(request, public_id)
    form = _confirm_form(row, request.POST)
    if not form.is_valid():
        return _render_preview(request, row, form)
    try:
        referentiel_import_confirm(
            referentiel_import=row, confirmed_by=request.user, codes=form.codes(),
            titles=form.titles(),
        )
    except ReferentielImportNotPendingError as exc:
        if exc.referentiel_import.status == ReferentielImport.Status.CONFIRMED:
            return redirect("certifications:import_result", public_id=row.public_id)
        messages.error(request, _("This import was cancelled: nothing was imported."))
        return redirect("certifications:import_upload")
    except ReferentielImportError:
        messages.error(request, _("The framework has errors: nothing was imported."))
        return _render_preview(request, row, form)
    messages.success(request, _("The framework was imported."))
    return redirect("certifications:import_result", public_id=row.public_id)


@require_POST
@administrator_required
def import_cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    row = _import_or_404(request, public_id)
    try:
        referentiel_import_cancel(referentiel_import=row)
    except ReferentielImportNotPendingError:
        messages.error(request, _("This import was already confirmed or cancelled."))
    else:
        messages.success(request, _("The import was cancelled: nothing was imported."))
    return redirect("certifications:import_upload")


# -- step 3: result ----------------------------------------------------------------------
@require_GET
@administrator_required
def import_result(request: HttpRequest, public_id: str) -> HttpResponse:
    row = _import_or_404(request, public_id)
    if row.status != ReferentielImport.Status.CONFIRMED:
        return redirect("certifications:import_preview", public_id=row.public_id)
    return render(request, "certifications/import_result.html", {
        "import": row, "results": row.result.get("referentiels", []),
    })


# -- exports -----------------------------------------------------------------------------
def _attachment(content: bytes, referentiel: Referentiel, suffix: str) -> HttpResponse:
    stem = referentiel.certification.code or "referentiel"
    response = HttpResponse(content, content_type="application/json")
    response["Content-Disposition"] = attachment_disposition(
        f"{stem}-v{referentiel.version}", suffix)
    return response


@require_GET
@login_required
def referentiel_export_json(request: HttpRequest, public_id: str) -> HttpResponse:
    referentiel = _referentiel_or_404(request, public_id)
    draft = referentiel_to_draft(referentiel=referentiel)
    return _attachment(json_format.dumps(draft), referentiel, "json")


@require_GET
@login_required
def referentiel_export_case(request: HttpRequest, public_id: str) -> HttpResponse:
    referentiel = _referentiel_or_404(request, public_id)
    draft = referentiel_to_draft(referentiel=referentiel)
    package = case.to_case(
        draft, base_uri=f"{settings.SITE_URL}/referentiels/{referentiel.public_id}/case/",
        last_change=referentiel.imported_at,
    )
    content = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
    return _attachment(content, referentiel, "case.json")
