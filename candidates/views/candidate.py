"""A candidate in a session, for administrators (DESIGN.md §8): the enrolment's page (the
identity as documents print it, the enrolment, its épreuves), the identity edit with
birthplace suggestions from the INSEE lists, the enrolment edit and the withdrawal.
Anyone else is answered 404. Authorization first (the decorator, then the selectors),
the rules in ``candidates.services``."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import AuditEvent
from accounts.permissions import administrator_required
from candidates import geography
from candidates.declaration_checks import holder_problems
from candidates.forms import CandidateIdentityForm, EnrolmentEditForm, EnrolmentWithdrawForm
from candidates.models import AcquiredBloc, Candidate, Enrolment, EnrolmentStatus
from candidates.selectors import enrolment_list_for_user
from candidates.services import (
    IDENTITY_FIELDS,
    DuplicateCandidateError,
    WithdrawalNeedsConfirmationError,
    candidate_update_identity,
    enrolment_score_count,
    enrolment_update,
    enrolment_withdraw,
)
from candidates.views.enrolment import _add_service_errors, _error_summary
from certifications.models import Bloc

#: How many suggestions the birthplace field offers.
SUGGESTIONS = 8


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _enrolment_or_404(request: HttpRequest, public_id: UUID, enrolment_id: UUID,
                      queryset: QuerySet[Enrolment] | None = None) -> Enrolment:
    enrolments = queryset if queryset is not None else enrolment_list_for_user(
        user=request.user)
    enrolment = enrolments.filter(session__public_id=public_id, public_id=enrolment_id).first()
    if enrolment is None:
        raise Http404
    return enrolment


def _blocs(enrolment: Enrolment) -> QuerySet[Bloc]:
    return Bloc.objects.filter(referentiel_id=enrolment.session.referentiel_id).order_by(
        "position", "pk")


def _identity_locked(enrolment: Enrolment) -> bool:
    return enrolment.candidate.enrolments.filter(session__signed_at__isnull=False).exists()


# -- the enrolment's page ------------------------------------------------------------------
@require_GET
@administrator_required
def enrolment_detail(request: HttpRequest, public_id: UUID, enrolment_id: UUID) -> HttpResponse:
    # The épreuves through the relation the assessments app declares (candidates imports
    # no app above it); the template orders them by date.
    enrolments = enrolment_list_for_user(user=request.user).prefetch_related(
        Prefetch("target_blocs", queryset=Bloc.objects.order_by("position", "pk")),
        Prefetch("acquired_blocs",
                 queryset=AcquiredBloc.objects.select_related("bloc").order_by("bloc__position")),
        "sittings__assessment__modality",
    )
    enrolment = _enrolment_or_404(request, public_id, enrolment_id, enrolments)
    candidate = enrolment.candidate
    birth_commune = geography.commune_by_code(candidate.birth_insee_code) if (
        candidate.birth_insee_code and not candidate.birth_insee_code.startswith("99")) else None
    withdrawal = None
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        withdrawal = (AuditEvent.objects.filter(action="enrolment.withdrawn",
                                                object_type="candidates.enrolment",
                                                object_id=str(enrolment.pk))
                      .select_related("actor").order_by("-at").first())
    return render(request, "candidates/enrolment_detail.html", {
        "session": enrolment.session, "enrolment": enrolment, "candidate": candidate,
        "birth_commune": birth_commune,
        # The declaration's rule set, as the session's pre-declaration report says it.
        "declaration_problems": holder_problems(candidate, on=enrolment.session.starts_on),
        "identity_locked": _identity_locked(enrolment),
        "withdrawal": withdrawal,
        "withdrawn": enrolment.status == EnrolmentStatus.WITHDRAWN,
    })


# -- the identity --------------------------------------------------------------------------
def identity_form_save(request: HttpRequest, candidate: Candidate,
                       form: CandidateIdentityForm, **service: str
                       ) -> tuple[bool, Candidate | None]:
    """A posted identity form saved through ``candidate_update_identity`` (``service``: its
    other arguments, e.g. ``cdc_rectification``): (saved, the existing candidate it would
    duplicate). The service's refusals go next to their fields; the success is said."""
    if request.method != "POST" or not form.is_valid():
        return False, None
    try:
        candidate_update_identity(candidate=candidate, by=request.user,
                                  ip_address=_ip(request), **service, **form.cleaned_data)
    except DuplicateCandidateError as exc:
        form.add_error(None, exc)
        return False, exc.existing
    except ValidationError as exc:
        _add_service_errors(form, exc)
        return False, None
    messages.success(request, _("The identity of %(name)s was saved.")
                     % {"name": candidate.legal_name})
    return True, None


@require_http_methods(["GET", "POST"])
@administrator_required
def candidate_identity_edit(request: HttpRequest, public_id: UUID,
                            enrolment_id: UUID) -> HttpResponse:
    enrolment = _enrolment_or_404(request, public_id, enrolment_id)
    candidate = enrolment.candidate
    if candidate.anonymised_at is not None:
        messages.error(request, _("This candidate's data were erased: the identity that "
                                  "remains is a legal record and does not change."))
        return redirect("candidates:enrolment_detail", public_id=public_id,
                        enrolment_id=enrolment_id)
    initial = {name: getattr(candidate, name) for name in IDENTITY_FIELDS}
    form = CandidateIdentityForm(request.POST if request.method == "POST" else None,
                                 initial=initial)
    saved, duplicate = identity_form_save(request, candidate, form)
    if saved:
        return redirect("candidates:enrolment_detail", public_id=public_id,
                        enrolment_id=enrolment_id)
    return render(request, "candidates/candidate_identity_form.html", {
        "session": enrolment.session, "enrolment": enrolment, "candidate": candidate,
        "form": form, "duplicate": duplicate, "locked": _identity_locked(enrolment),
        "error_summary": _error_summary(form) if request.method == "POST" else [],
    })


@require_GET
@administrator_required
def birthplace_suggest(request: HttpRequest) -> HttpResponse:
    """The communes (or countries, ``kind=country``) whose name, code or postal code
    starts with what was typed: the options of the birthplace combobox."""
    kind = request.GET.get("kind", "commune")
    # htmx sends the field under its own name; ``q`` for anyone else.
    text = (request.GET.get("q") or request.GET.get("birth_country" if kind == "country"
                                                     else "birth_commune") or "")[:100]
    if kind == "country":
        options = [{"code": c.code, "name": c.name, "detail": c.official_name,
                    "country": c.name} for c in geography.country_search(text, SUGGESTIONS)]
    else:
        options = [{"code": c.code, "name": c.name, "detail": _commune_detail(c),
                    "country": ""} for c in geography.commune_search(text, SUGGESTIONS)]
    return render(request, "candidates/_birthplace_options.html", {
        "options": options, "kind": kind, "typed": text.strip(),
        "listbox": request.GET.get("listbox", "birthplace-listbox")[:60],
    })


def _commune_detail(commune: geography.Commune) -> str:
    kinds = {
        "commune-deleguee": _("delegated commune"),
        "commune-associee": _("associated commune"),
        "arrondissement-municipal": _("municipal arrondissement"),
    }
    parts = [_("département %(code)s") % {"code": commune.departement}]
    if commune.postal_code:
        parts.append(commune.postal_code)
    if commune.kind in kinds:
        parent = geography.commune_by_code(commune.parent) if commune.parent else None
        if parent is not None and parent.name != commune.name:
            parts.append(_("%(kind)s of %(commune)s") % {"kind": kinds[commune.kind],
                                                        "commune": parent.name})
        else:
            parts.append(kinds[commune.kind])
    return ", ".join(parts)


# -- the enrolment -------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@administrator_required
def enrolment_edit(request: HttpRequest, public_id: UUID, enrolment_id: UUID) -> HttpResponse:
    enrolment = _enrolment_or_404(request, public_id, enrolment_id)
    blocs = _blocs(enrolment)
    initial = {
        "access_route": enrolment.access_route,
        "target": "whole" if enrolment.whole_certification else "blocs",
        "blocs": list(enrolment.target_blocs.all()),
        **{name: getattr(enrolment, name) for name in (
            "extra_time_percent", "technical_aids", "other_accommodations", "employer",
            "jury_note")},
    }
    form = EnrolmentEditForm(request.POST if request.method == "POST" else None,
                             initial=initial, blocs=blocs)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment_update(enrolment=enrolment, by=request.user, ip_address=_ip(request),
                             **form.update_values())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("The enrolment was saved."))
            return redirect("candidates:enrolment_detail", public_id=public_id,
                            enrolment_id=enrolment_id)
    return render(request, "candidates/enrolment_edit.html", {
        "session": enrolment.session, "enrolment": enrolment, "candidate": enrolment.candidate,
        "form": form, "locked": enrolment.session.is_signed,
        "error_summary": _error_summary(form) if request.method == "POST" else [],
    })


@require_http_methods(["GET", "POST"])
@administrator_required
def enrolment_withdraw_page(request: HttpRequest, public_id: UUID,
                            enrolment_id: UUID) -> HttpResponse:
    enrolment = _enrolment_or_404(request, public_id, enrolment_id)
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        messages.info(request, _("This candidate was already withdrawn from the session."))
        return redirect("candidates:enrolment_detail", public_id=public_id,
                        enrolment_id=enrolment_id)
    scores = enrolment_score_count(enrolment=enrolment)
    form = EnrolmentWithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment_withdraw(enrolment=enrolment, by=request.user,
                               reason=form.cleaned_data["reason"],
                               scores_confirmed=form.cleaned_data["scores_confirmed"],
                               ip_address=_ip(request))
        except WithdrawalNeedsConfirmationError as exc:
            form.add_error("scores_confirmed", exc)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was withdrawn from the session.")
                             % {"name": enrolment.candidate.legal_name})
            return redirect("candidates:enrolment_detail", public_id=public_id,
                            enrolment_id=enrolment_id)
    return render(request, "candidates/enrolment_withdraw.html", {
        "session": enrolment.session, "enrolment": enrolment, "candidate": enrolment.candidate,
        "form": form, "scores": scores, "locked": enrolment.session.is_signed,
        "sittings": enrolment.sittings.count(),
        "error_summary": _error_summary(form) if request.method == "POST" else [],
    })


_ENROLMENT = "sessions/<uuid:public_id>/enrolments/<uuid:enrolment_id>/"
urlpatterns = [
    path(_ENROLMENT, enrolment_detail, name="enrolment_detail"),
    path(f"{_ENROLMENT}identity/", candidate_identity_edit, name="candidate_identity_edit"),
    path(f"{_ENROLMENT}edit/", enrolment_edit, name="enrolment_edit"),
    path(f"{_ENROLMENT}withdraw/", enrolment_withdraw_page, name="enrolment_withdraw"),
    path("candidates/birthplace-suggestions/", birthplace_suggest, name="birthplace_suggest"),
]
