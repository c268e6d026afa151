"""The page of one référentiel version: what it holds, its versions and imports, and the
start of its edition (a pending import, changed and confirmed in the import preview)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import administrator_required, may_manage_certifications
from certifications.models import Referentiel
from certifications.selectors import referentiel_get_for_user, referentiel_page_for_user
from certifications.services.editing import referentiel_edit_start


@require_GET
@login_required
def referentiel_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        page = referentiel_page_for_user(user=request.user, public_id=public_id)
    except Referentiel.DoesNotExist:
        raise Http404 from None
    return render(request, "certifications/referentiel_detail.html", {
        "page": page,
        "referentiel": page.referentiel,
        "certification": page.referentiel.certification,
        "can_manage": may_manage_certifications(request.user),
    })


@require_POST
@administrator_required
def referentiel_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        referentiel = referentiel_get_for_user(user=request.user, public_id=public_id)
    except Referentiel.DoesNotExist:
        raise Http404 from None
    if not may_manage_certifications(request.user):
        raise Http404
    row = referentiel_edit_start(referentiel=referentiel, user=request.user)
    return redirect("certifications:import_preview", public_id=row.public_id)
