"""The Caisse des Dépôts holders file of a signed session (DESIGN.md §7, §8): staff only,
anyone else gets a 404; a file that cannot be produced sends the staff back to the
session dashboard with the reasons."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from candidates.models import Session
from juries.models import Deliberation
from reports.cdc import CdcExportError, cdc_accrochage_export, cdc_deliberation_for_session
from reports.selectors import session_get_for_admin


@login_required
@require_GET
def cdc_accrochage(request: HttpRequest, session_id: UUID) -> HttpResponse:
    try:
        session = session_get_for_admin(user=request.user, public_id=session_id)
        deliberation = cdc_deliberation_for_session(session=session)
    except (Session.DoesNotExist, Deliberation.DoesNotExist):
        raise Http404 from None
    try:
        export = cdc_accrochage_export(deliberation=deliberation, by=request.user)
    except CdcExportError as refused:
        messages.error(request, _("The file for the Caisse des Dépôts was not produced:"))
        for problem in refused.problems:
            messages.error(request, problem)
        return redirect("candidates:session_dashboard", session_id=session.public_id)
    response = HttpResponse(export.content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
