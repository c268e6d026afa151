"""Pages of a certification's partners: the organisations habilitated to prepare for it or
to organise its assessment. Administrators only; others get 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import administrator_required
from certifications.forms import PartnerForm
from certifications.models import Certification, Partner
from certifications.selectors import (
    certification_get_for_admin,
    partner_get_for_admin,
    partner_list_for_admin,
)
from certifications.services.partners import (
    PARTNER_FIELDS,
    partner_create,
    partner_deactivate,
    partner_update,
)


def _certification(request: HttpRequest, public_id: str) -> Certification:
    try:
        return certification_get_for_admin(user=request.user, public_id=public_id)
    except Certification.DoesNotExist:
        raise Http404 from None


def _partner(request: HttpRequest, certification: Certification, partner_id: str) -> Partner:
    try:
        return partner_get_for_admin(user=request.user, certification=certification,
                                     public_id=partner_id)
    except Partner.DoesNotExist:
        raise Http404 from None


def _refused(form: PartnerForm, refused: ValidationError) -> None:
    if hasattr(refused, "error_dict"):
        for field, errors in refused.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in refused.messages:
            form.add_error(None, message)


@require_GET
@administrator_required
def partner_list(request: HttpRequest, public_id: str) -> HttpResponse:
    certification = _certification(request, public_id)
    return render(request, "certifications/partner_list.html", {
        "certification": certification,
        "partners": partner_list_for_admin(user=request.user, certification=certification),
    })


@administrator_required
def partner_new(request: HttpRequest, public_id: str) -> HttpResponse:
    certification = _certification(request, public_id)
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner_create(certification=certification, by=request.user,
                           values=form.cleaned_data)
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The partner was added."))
            return redirect("certifications:partner_list", public_id=certification.public_id)
    return render(request, "certifications/partner_form.html",
                  {"certification": certification, "form": form, "partner": None})


@administrator_required
def partner_edit(request: HttpRequest, public_id: str, partner_id: str) -> HttpResponse:
    certification = _certification(request, public_id)
    partner = _partner(request, certification, partner_id)
    initial = {name: getattr(partner, name) for name in PARTNER_FIELDS}
    form = PartnerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            partner_update(partner=partner, by=request.user, values=form.cleaned_data)
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The partner was saved."))
            return redirect("certifications:partner_list", public_id=certification.public_id)
    return render(request, "certifications/partner_form.html",
                  {"certification": certification, "form": form, "partner": partner})


@require_POST
@administrator_required
def partner_deactivate_view(request: HttpRequest, public_id: str,
                            partner_id: str) -> HttpResponse:
    certification = _certification(request, public_id)
    partner = _partner(request, certification, partner_id)
    partner_deactivate(partner=partner, by=request.user)
    messages.success(request, _("%(partner)s is no longer an active partner.")
                     % {"partner": partner.legal_name})
    return redirect("certifications:partner_list", public_id=certification.public_id)
