"""Pages of what documents print: a certification's legal mentions and the certifiers
with their legal representative (DESIGN.md §6). Administrators only; others get 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.permissions import administrator_required
from certifications.forms import CertificationMentionsForm, CertifierForm
from certifications.models import Certification, Certifier
from certifications.selectors import (
    certification_get_for_admin,
    certification_is_settled,
    certifier_get_for_admin,
    certifier_list_for_user,
)
from certifications.services.mentions import (
    MENTION_FIELDS,
    certification_mentions_update,
    certifier_update,
    certifiers_ensure,
)


@administrator_required
def certification_mentions(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        certification = certification_get_for_admin(user=request.user, public_id=public_id)
    except Certification.DoesNotExist:
        raise Http404 from None
    settled = certification_is_settled(certification=certification)
    initial = {name: getattr(certification, name) for name in MENTION_FIELDS}
    initial["nsf_codes"] = ", ".join(certification.nsf_codes or [])
    form = CertificationMentionsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            certification_mentions_update(certification=certification, by=request.user,
                                          values=form.cleaned_data, signed=settled)
        except ValidationError as refused:
            for message in refused.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The legal mentions were saved."))
            return redirect("certifications:referentiel_list")
    return render(request, "certifications/certification_mentions.html", {
        "certification": certification, "form": form, "settled": settled})


@require_GET
@administrator_required
def certifier_list(request: HttpRequest) -> HttpResponse:
    certifiers_ensure()
    return render(request, "certifications/certifier_list.html", {
        "certifiers": certifier_list_for_user(user=request.user)})


@administrator_required
def certifier_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        certifier = certifier_get_for_admin(user=request.user, public_id=public_id)
    except Certifier.DoesNotExist:
        raise Http404 from None
    initial = {"representative_name": certifier.representative_name,
               "representative_quality": certifier.representative_quality,
               "siret": certifier.siret}
    posted = request.method == "POST"
    form = CertifierForm(request.POST if posted else None, request.FILES if posted else None,
                         initial=initial)
    if posted and form.is_valid():
        data = form.cleaned_data
        certifier_update(certifier=certifier, by=request.user, values=data,
                         signature=data.get("signature"), logo=data.get("logo"))
        messages.success(request, _("The certifier was saved."))
        return redirect("certifications:certifier_list")
    return render(request, "certifications/certifier_edit.html",
                  {"certifier": certifier, "form": form})
