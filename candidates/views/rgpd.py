"""Pages of the RGPD rights (docs/rgpd.md): an administrator downloads everything held on
a candidate or erases it; a signed-in candidate downloads their own data. Authorization
first, through the selectors; the rules are in ``candidates.services``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.downloads import attachment_disposition
from accounts.permissions import administrator_required
from candidates.models import Candidate
from candidates.selectors import candidate_for_user, candidate_list_for_user
from candidates.services import candidate_erase, candidate_export_data


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the erasure"), widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("For example: request of the candidate received on 3 March."),
    )


def _candidate_or_404(request: HttpRequest, public_id: str) -> Candidate:
    return get_object_or_404(candidate_list_for_user(user=request.user), public_id=public_id)


def _json_attachment(data: dict[str, object], stem: str) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = attachment_disposition(stem, "json")
    # Personal data: no copy kept by a proxy or the browser cache.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@administrator_required
def rgpd_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    candidate = _candidate_or_404(request, public_id)
    return render(request, "candidates/rgpd_detail.html", {
        "candidate": candidate,
        "erasures": candidate.erasures.select_related("erased_by"),
        "enrolment_count": candidate.enrolments.count(),
    })


@require_GET
@administrator_required
def rgpd_export(request: HttpRequest, public_id: str) -> JsonResponse:
    candidate = _candidate_or_404(request, public_id)
    return _json_attachment(candidate_export_data(candidate=candidate),
                            f"candidate-{candidate.public_id}")


@require_http_methods(["GET", "POST"])
@administrator_required
def rgpd_erase(request: HttpRequest, public_id: str) -> HttpResponse:
    candidate = _candidate_or_404(request, public_id)
    if candidate.anonymised_at is not None:
        messages.error(request, _("The personal data of this candidate were already erased."))
        return redirect("candidates:rgpd_detail", public_id=candidate.public_id)
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            candidate_erase(candidate=candidate, erased_by=request.user,
                            reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The personal data of the candidate were erased."))
        return redirect("candidates:rgpd_detail", public_id=candidate.public_id)
    return render(request, "candidates/rgpd_erase.html", {"candidate": candidate, "form": form})


@require_GET
@login_required
def my_data(request: HttpRequest) -> JsonResponse:
    """A candidate's own data; there is nothing here for anyone else."""
    candidate = candidate_for_user(user=request.user)
    if candidate is None:
        raise Http404
    return _json_attachment(candidate_export_data(candidate=candidate), "my-data")


urlpatterns = [
    path("candidates/<uuid:public_id>/rgpd/", rgpd_detail, name="rgpd_detail"),
    path("candidates/<uuid:public_id>/rgpd/export.json", rgpd_export, name="rgpd_export"),
    path("candidates/<uuid:public_id>/rgpd/erase/", rgpd_erase, name="rgpd_erase"),
    path("me/data.json", my_data, name="my_data"),
]
