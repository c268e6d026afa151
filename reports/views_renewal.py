"""The renewal file of a certification (docs/renewal.md): the page that chooses the
promotions and shows the figures, and its downloads (XLSX, PDF, JSON). Administrators
only; anyone else gets a 404."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from accounts.downloads import attachment_disposition
from accounts.permissions import administrator_required
from certifications.models import Certification
from reports.forms import RenewalForm
from reports.renewal.exports import CONTENT_TYPES, FORMATS, file_stem, renewal_context, renewal_file
from reports.renewal.selectors import (
    Promotion,
    promotions_parse,
    renewal_certification_get,
    renewal_report_for_user,
    renewal_years,
)


def _certification(request: HttpRequest, public_id: object) -> Certification:
    try:
        return renewal_certification_get(user=request.user, key=str(public_id))
    except Certification.DoesNotExist:
        raise Http404 from None


@require_GET
@administrator_required
def renewal_page(request: HttpRequest, public_id: object) -> HttpResponse:
    certification = _certification(request, public_id)
    years = renewal_years(certification=certification)
    promotions: list[Promotion] = []
    if request.GET:
        form = RenewalForm(request.GET, years=years)
        if form.is_valid():
            promotions = form.cleaned_data["promotions"]
    else:  # the last two years with a signature, as France Compétences asks for two
        promotions = [Promotion.year(year) for year in years[-2:]]
        form = RenewalForm(years=years, initial={"promotion": [p.key for p in promotions]})
    context = {"certification": certification, "form": form, "report": None}
    if promotions:
        report = renewal_report_for_user(user=request.user, certification=certification,
                                         promotions=promotions)
        context |= renewal_context(report)
        context["query"] = urlencode([("promotion", p.key) for p in promotions])
    return render(request, "reports/renewal/page.html", context)


@require_GET
@administrator_required
def renewal_download(request: HttpRequest, public_id: object, fmt: str) -> HttpResponse:
    certification = _certification(request, public_id)
    if fmt not in FORMATS:
        raise Http404
    try:
        promotions = promotions_parse(request.GET.getlist("promotion"))
    except ValueError as wrong:
        return HttpResponseBadRequest(str(wrong), content_type="text/plain; charset=utf-8")
    report = renewal_report_for_user(user=request.user, certification=certification,
                                     promotions=promotions)
    content = renewal_file(report, fmt, language=translation.get_language() or "fr")
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = attachment_disposition(file_stem(report), fmt)
    return response
