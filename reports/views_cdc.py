"""Pages of the Caisse des Dépôts declaration process (reports/cdc_flux.py): the
certifier-wide « Déclarations » page, a flux's page with its passages and the processing
report's upload. Administrators only; anyone else gets a 404."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.downloads import attachment_disposition
from accounts.permissions import is_administrator
from candidates.declaration_checks import holder_problems
from candidates.forms import CandidateIdentityForm
from candidates.models import Session
from candidates.services.identity import (
    IDENTITY_FIELDS,
)
from candidates.views.candidate import identity_form_save
from candidates.views.enrolment import _error_summary
from certifications.models import Certification
from certifications.selectors import certification_get_for_admin
from reports.cdc import CdcExportError
from reports.cdc_flux import (
    MAX_REPORT_BYTES,
    CdcReportError,
    cdc_flux_build,
    cdc_flux_downloaded,
    cdc_flux_mark_deposited,
    cdc_passages_mark_corrected,
    cdc_rejected_passages_of,
    cdc_report_import,
)
from reports.cdc_precheck import (
    cdc_holder_to_complete,
    cdc_precheck_csv,
    cdc_precheck_for_admin,
)
from reports.cdc_selectors import (
    cdc_certifications_for_admin,
    cdc_declarations_for_admin,
    cdc_flux_get_for_admin,
    cdc_flux_passages,
    cdc_passage_get_for_admin,
    cdc_rejected_passage_of_enrolment,
)
from reports.models import CdcFlux, CdcFluxState, CdcPassage, CdcPassageState
from reports.selectors import session_get_for_admin


def _flux(request: HttpRequest, flux_id: UUID) -> CdcFlux:
    try:
        return cdc_flux_get_for_admin(user=request.user, public_id=flux_id)
    except CdcFlux.DoesNotExist:
        raise Http404 from None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@require_GET
def cdc_declarations(request: HttpRequest) -> HttpResponse:
    overview = cdc_declarations_for_admin(user=request.user)
    if overview is None:
        raise Http404
    certifications = cdc_certifications_for_admin(user=request.user)
    return render(request, "reports/cdc_declarations.html", {
        "overview": overview, "certifications": certifications,
        "today": timezone.localdate().isoformat(),
    })


@require_POST
def cdc_flux_create(request: HttpRequest) -> HttpResponse:
    """Build a flux for a session (``session``) or a certification's period
    (``certification``, ``start``, ``end``); back to the page with the reasons if refused."""
    if not is_administrator(request.user):
        raise Http404
    session = period = certification = None
    if request.POST.get("session"):
        try:
            session = session_get_for_admin(user=request.user,
                                            public_id=request.POST["session"])
        except (Session.DoesNotExist, ValidationError, ValueError):
            raise Http404 from None
    else:
        try:
            certification = certification_get_for_admin(
                user=request.user, public_id=request.POST.get("certification", ""))
        except (Certification.DoesNotExist, ValidationError):
            certification = None
        start, end = _date(request.POST.get("start", "")), _date(request.POST.get("end", ""))
        if certification is None or start is None or end is None or start > end:
            messages.error(request, _("Choose a certification and a period (start and end "
                                      "dates, the start first)."))
            return redirect("reports:cdc_declarations")
        period = (start, end)
    try:
        built = cdc_flux_build(by=request.user, session=session, certification=certification,
                               period=period)
    except CdcExportError as refused:
        messages.error(request, _("The flux was not built:"))
        for problem in refused.problems:
            messages.error(request, problem)
        return redirect("reports:cdc_declarations")
    messages.success(request, ngettext(
        "The flux is built and validated: %(count)d passage.",
        "The flux is built and validated: %(count)d passages.",
        built.flux.passages_count) % {"count": built.flux.passages_count})
    return redirect("reports:cdc_flux_detail", flux_id=built.flux.public_id)


@require_GET
def cdc_flux_detail(request: HttpRequest, flux_id: UUID) -> HttpResponse:
    flux = _flux(request, flux_id)
    return render(request, "reports/cdc_flux_detail.html", {
        "flux": flux, "passages": cdc_flux_passages(flux=flux),
        "may_deposit": flux.state in (CdcFluxState.PREPARED, CdcFluxState.DOWNLOADED),
        "max_mb": MAX_REPORT_BYTES // (1024 * 1024),
    })


@require_GET
def cdc_flux_download(request: HttpRequest, flux_id: UUID) -> HttpResponse:
    flux = _flux(request, flux_id)
    cdc_flux_downloaded(flux=flux, by=request.user)
    response = HttpResponse(bytes(flux.content), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = attachment_disposition(
        flux.filename.removesuffix(".xml"), "xml")
    return response


@require_POST
def cdc_flux_deposited(request: HttpRequest, flux_id: UUID) -> HttpResponse:
    flux = _flux(request, flux_id)
    cdc_flux_mark_deposited(flux=flux, by=request.user)
    messages.success(request, _("The flux is marked deposited on the Caisse des Dépôts "
                                "portal."))
    return redirect("reports:cdc_flux_detail", flux_id=flux.public_id)


@require_POST
def cdc_flux_report(request: HttpRequest, flux_id: UUID) -> HttpResponse:
    """Upload the processing report (accusé de traitement) of this flux."""
    flux = _flux(request, flux_id)
    upload = request.FILES.get("report")
    if upload is None:
        messages.error(request, _("Choose the processing report's XML file."))
        return redirect("reports:cdc_flux_detail", flux_id=flux.public_id)
    if upload.size > MAX_REPORT_BYTES:
        messages.error(request, _("The file is larger than 20 MB: it is not a processing "
                                  "report."))
        return redirect("reports:cdc_flux_detail", flux_id=flux.public_id)
    try:
        applied = cdc_report_import(content=upload.read(), by=request.user, flux=flux,
                                    filename=upload.name or "")
    except CdcReportError as refused:
        messages.error(request, _("The processing report was not applied; nothing changed:"))
        for problem in refused.problems:
            messages.error(request, problem)
    else:
        messages.success(request, _("Processing report applied: %(accepted)d accepted, "
                                    "%(rejected)d rejected.")
                         % {"accepted": applied.accepted, "rejected": applied.rejected})
    return redirect("reports:cdc_flux_detail", flux_id=flux.public_id)


@require_http_methods(["GET", "POST"])
def cdc_passage_rectify(request: HttpRequest, passage_id: UUID) -> HttpResponse:
    """The identity page in its « rectification for the Caisse des Dépôts » mode: a holder
    the Caisse des Dépôts rejected has their identity corrected although a signed
    deliberation decided on it (the documents keep the identity frozen at signing), through
    the same service, audited as such; their rejected passages become corrected and the
    next flux declares them again."""
    try:
        passage = cdc_passage_get_for_admin(user=request.user, public_id=passage_id)
    except CdcPassage.DoesNotExist:
        raise Http404 from None
    enrolment = passage.decision.enrolment
    candidate = enrolment.candidate
    if passage.state != CdcPassageState.REJECTED or candidate.anonymised_at is not None:
        messages.error(request, _("This declaration is not rejected: there is nothing to "
                                  "rectify."))
        return redirect("reports:cdc_declarations")
    rejected = cdc_rejected_passages_of(candidate=candidate)
    form = CandidateIdentityForm(request.POST if request.method == "POST" else None,
                                 initial={name: getattr(candidate, name)
                                          for name in IDENTITY_FIELDS})
    saved, duplicate = identity_form_save(
        request, candidate, form,
        cdc_rectification="; ".join(f"{p.id_technique}: {p.reason_text}" for p in rejected))
    if saved:
        cdc_passages_mark_corrected(passages=rejected, by=request.user)
        messages.success(request, _("The declaration to the Caisse des Dépôts is marked "
                                    "corrected: the next flux declares it again."))
        return redirect("reports:cdc_declarations")
    return render(request, "candidates/candidate_identity_form.html", {
        "session": enrolment.session, "enrolment": enrolment, "candidate": candidate,
        "form": form, "duplicate": duplicate, "locked": False, "cdc_rejected": rejected,
        "error_summary": _error_summary(form) if request.method == "POST" else [],
    })


def _precheck(request: HttpRequest, session_id: UUID):
    try:
        session = session_get_for_admin(user=request.user, public_id=session_id)
    except Session.DoesNotExist:
        raise Http404 from None
    report = cdc_precheck_for_admin(user=request.user, session=session)
    if report is None:
        raise Http404
    return report


@require_GET
def cdc_precheck(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The pre-declaration report of a session: per candidate, what would stop or risk
    their declaration, with a link to correct it; the certification's own problems."""
    return render(request, "reports/cdc_precheck.html",
                  {"report": _precheck(request, session_id)})


@require_GET
def cdc_precheck_download(request: HttpRequest, session_id: UUID) -> HttpResponse:
    report = _precheck(request, session_id)
    response = HttpResponse(cdc_precheck_csv(report, base_url=request.build_absolute_uri("/")
                                             .rstrip("/")),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_disposition(
        f"cdc-check-{report.session.referentiel.certification.code}-"
        f"{report.session.starts_on:%Y-%m-%d}", "csv")
    return response


@require_http_methods(["GET", "POST"])
def cdc_holder_complete(request: HttpRequest, session_id: UUID,
                        enrolment_id: UUID) -> HttpResponse:
    """The identity page in its « completion for the Caisse des Dépôts » mode: a holder of a
    signed session whose declaration was never sent has their identity completed or
    corrected for it (a missing sex, a birthplace code), through the same service and
    checks, audited as a rectification for the Caisse des Dépôts; the documents keep the
    identity frozen at signing."""
    try:
        session = session_get_for_admin(user=request.user, public_id=session_id)
    except Session.DoesNotExist:
        raise Http404 from None
    rejected = cdc_rejected_passage_of_enrolment(session=session, enrolment_id=enrolment_id)
    if rejected is not None:  # the Caisse des Dépôts' rejection has its own page
        return redirect("reports:cdc_passage_rectify", passage_id=rejected.public_id)
    enrolment = cdc_holder_to_complete(session=session, enrolment_id=enrolment_id)
    if enrolment is None:
        raise Http404
    candidate = enrolment.candidate
    if candidate.anonymised_at is not None:
        raise Http404
    problems = [problem.message for problem in holder_problems(candidate)]
    form = CandidateIdentityForm(request.POST if request.method == "POST" else None,
                                 initial={name: getattr(candidate, name)
                                          for name in IDENTITY_FIELDS})
    saved, duplicate = identity_form_save(
        request, candidate, form,
        cdc_rectification="before the first declaration: " + ("; ".join(problems) or "checked"))
    if saved:
        return redirect("reports:cdc_precheck", session_id=session.public_id)
    return render(request, "candidates/candidate_identity_form.html", {
        "session": session, "enrolment": enrolment, "candidate": candidate,
        "form": form, "duplicate": duplicate, "locked": False, "cdc_completion": True,
        "cdc_before": problems,
        "error_summary": _error_summary(form) if request.method == "POST" else [],
    })
