"""Pages of sessions and enrolments, for administrators only (DESIGN.md §8): the session
list (a session's page is the portal's hub: portal/views/session.py), enrolment one by
one, enrolment from a spreadsheet (upload → preview → confirm) and the invitation sent
again. Anyone else is answered 404. Authorization first (the decorator, then the
selectors), the work in services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.downloads import attachment_disposition
from accounts.permissions import administrator_required
from candidates import importers
from candidates.declaration_checks import holder_problems
from candidates.forms import (
    AcquiredBlocFormSet,
    EnrolmentForm,
    EnrolmentImportConfirmForm,
    EnrolmentImportUploadForm,
    SessionEditForm,
    SessionForm,
)
from candidates.models import (
    AccessRoute,
    Candidate,
    Enrolment,
    EnrolmentImport,
    EnrolmentStatus,
    Session,
)
from candidates.selectors import (
    candidate_list_for_user,
    enrolment_list_for_user,
    session_list_for_user,
)
from candidates.services import (
    DuplicateCandidateError,
    EnrolmentImportError,
    EnrolmentImportNotPendingError,
    enrolment_create_for_identity,
    enrolment_import_cancel,
    enrolment_import_confirm,
    enrolment_import_preview,
    enrolment_invite,
    identity_key,
    session_create,
    session_update,
)
from certifications.errors import ImportFormatError
from certifications.models import Bloc

# Where a service's error goes in the enrolment form, by its code.
ERROR_FIELDS = {
    "birth_place": "birth_commune",
    "no_target": "blocs",
    "foreign_bloc": "blocs",
    "no_email": "email",
    "email_taken": "email",
}
COLUMN_HELP = {
    "birth_name": gettext_lazy("Birth name (required)"),
    "usage_name": gettext_lazy("Usage name, when it differs"),
    "first_names": gettext_lazy("All first names (required)"),
    "birth_date": gettext_lazy("Birth date, DD/MM/YYYY or YYYY-MM-DD (required)"),
    "birth_commune": gettext_lazy("Birth commune (or the birth country)"),
    "birth_insee_code": gettext_lazy("INSEE code of the birth commune"),
    "birth_country": gettext_lazy("Birth country, for candidates born outside France"),
    "sex": gettext_lazy("F or M"),
    "email": gettext_lazy("E-mail address: the invitation is sent there"),
    "phone": gettext_lazy("Phone"),
    "language": gettext_lazy("Language of documents: fr or en (empty: fr)"),
    "access_route": gettext_lazy(
        "Access route (required): formation initiale, apprentissage, formation continue, "
        "contrat de professionnalisation, VAE, candidature libre, équivalence"),
    "blocs": gettext_lazy("Chosen bloc codes separated by , or ; (empty: the whole "
                          "certification)"),
    "extra_time_percent": gettext_lazy("Extra time in %, e.g. 33 for tiers-temps"),
    "technical_aids": gettext_lazy("Technical aids"),
    "other_accommodations": gettext_lazy("Other accommodations"),
    "jury_note": gettext_lazy("Note for the jury"),
    "acquired_blocs": gettext_lazy("Codes of the blocs acquired before"),
    "acquired_on": gettext_lazy("Date they were acquired"),
    "acquisition_origin": gettext_lazy("Origin: capitalisation, équivalence or VAE"),
}
TEMPLATES = {
    "csv": ("text/csv; charset=utf-8", importers.template_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             importers.template_xlsx),
}


# -- lookups: through the selectors, out of reach is 404 -----------------------------------
def _session_or_404(request: HttpRequest, public_id: UUID) -> Session:
    return get_object_or_404(session_list_for_user(user=request.user), public_id=public_id)


def _enrolments_of(request: HttpRequest, session: Session) -> QuerySet[Enrolment]:
    return (
        enrolment_list_for_user(user=request.user).filter(session=session)
        .prefetch_related("target_blocs")
        .order_by("candidate__birth_name", "candidate__first_names")
    )


def _import_or_404(session: Session, import_id: UUID) -> EnrolmentImport:
    return get_object_or_404(session.enrolment_imports, public_id=import_id)


def _blocs(session: Session) -> QuerySet[Bloc]:
    return session.referentiel.blocs.order_by("position")


# -- sessions ------------------------------------------------------------------------------
@require_GET
@administrator_required
def session_list(request: HttpRequest) -> HttpResponse:
    sessions = session_list_for_user(user=request.user).annotate(
        enrolled=Count("enrolments", filter=~Q(enrolments__status=EnrolmentStatus.WITHDRAWN))
    )
    return render(request, "candidates/session_list.html", {"sessions": sessions})


@administrator_required
def session_new(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = session_create(**form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("The session was created."))
            return redirect("candidates:session_detail", public_id=session.public_id)
    return render(request, "candidates/session_form.html", {
        "form": form, "error_summary": _error_summary(form),
    })


@administrator_required
def session_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session_or_404(request, public_id)
    initial = {name: getattr(session, name)
               for name in ("name", "place", "starts_on", "ends_on", "partner")}
    form = SessionEditForm(request.POST or None, initial=initial, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            session_update(session=session, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("The session was saved."))
            return redirect("candidates:session_detail", public_id=session.public_id)
    return render(request, "candidates/session_form.html", {
        "form": form, "error_summary": _error_summary(form), "session": session,
    })


@require_POST
@administrator_required
def enrolment_invite_again(request: HttpRequest, public_id: UUID,
                           enrolment_id: UUID) -> HttpResponse:
    session = _session_or_404(request, public_id)
    enrolment = _enrolments_of(request, session).filter(public_id=enrolment_id).first()
    if enrolment is None:
        raise Http404
    try:
        enrolment_invite(enrolment=enrolment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The invitation was sent to %(email)s.")
                         % {"email": enrolment.candidate.email})
    if request.POST.get("back") == "enrolment":
        return redirect("candidates:enrolment_detail", public_id=session.public_id,
                        enrolment_id=enrolment.public_id)
    return redirect("candidates:session_detail", public_id=session.public_id)


# -- errors shown at the top of a form -----------------------------------------------------
@dataclass(frozen=True)
class ErrorLink:
    anchor: str
    label: str
    message: str


def _form_errors(form: forms.Form, prefix: str = "") -> list[ErrorLink]:
    links = [ErrorLink("", prefix, message) for message in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS:
            continue
        bound = form[name]
        label = f"{prefix} — {bound.label}" if prefix else str(bound.label)
        # A group of radios or checkboxes has no id of its own: point at its first choice.
        anchor = bound.id_for_label or (f"{bound.auto_id}_0" if bound.auto_id else "")
        links += [ErrorLink(anchor, label, message) for message in errors]
    return links


def _error_summary(form: forms.Form, formset: forms.BaseFormSet | None = None) -> list[ErrorLink]:
    links = _form_errors(form)
    if formset is not None:
        links += [ErrorLink("", "", message) for message in formset.non_form_errors()]
        for index, row in enumerate(formset.forms, start=1):
            links += _form_errors(row, _("Bloc acquired before %(number)s") % {"number": index})
    return links


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    for error in exc.error_list:
        name = ERROR_FIELDS.get(error.code or "")
        form.add_error(name if name in form.fields else None, error)


# -- enrolment one by one ------------------------------------------------------------------
def _chosen_existing(request: HttpRequest, form: EnrolmentForm) -> Candidate | None:
    """The known candidate the administrator chose to enrol, if the identity typed is still
    theirs (the button "Enrol this existing candidate" posts their id)."""
    try:
        chosen = UUID(request.POST.get("use_existing", ""))
    except ValueError:
        return None
    identity = form.identity()
    key = identity_key(birth_name=identity.birth_name, first_names=identity.first_names,
                       birth_date=identity.birth_date)
    return candidate_list_for_user(user=request.user).filter(
        public_id=chosen, identity_key=key, anonymised_at__isnull=True
    ).first()


def _announce_enrolment(request: HttpRequest, enrolment: Enrolment, invite: bool) -> None:
    candidate = enrolment.candidate
    messages.success(request, _("%(name)s is enrolled in this session.")
                     % {"name": candidate.legal_name})
    if enrolment.invited_at:
        messages.success(request, _("The invitation was sent to %(email)s.")
                         % {"email": candidate.email})
    elif invite:
        messages.warning(request, _("No invitation was sent: this candidate has no e-mail "
                                    "address."))
    # What the declaration to the Caisse des Dépôts will need, said now (the same rule set
    # as the session's pre-declaration report).
    for problem in holder_problems(candidate, on=enrolment.session.starts_on):
        messages.warning(request, _("Before the declaration to the Caisse des Dépôts: "
                                    "%(problem)s") % {"problem": problem.message})


@administrator_required
def enrolment_new(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session_or_404(request, public_id)
    data = request.POST if request.method == "POST" else None
    form = EnrolmentForm(data, blocs=_blocs(session))
    formset = AcquiredBlocFormSet(data, prefix="acquired", form_kwargs={"blocs": _blocs(session)})
    duplicate: Candidate | None = None
    if data is not None and form.is_valid() and formset.is_valid():
        invite = form.cleaned_data["invite"]
        try:
            enrolment = enrolment_create_for_identity(
                session=session, identity=form.identity(),
                existing=_chosen_existing(request, form),
                terms=form.enrolment_terms(acquired_blocs=formset.acquired()), invite=invite,
            )
        except DuplicateCandidateError as exc:
            duplicate = exc.existing
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            _announce_enrolment(request, enrolment, invite)
            return redirect("candidates:session_detail", public_id=session.public_id)
    return render(request, "candidates/enrolment_form.html", {
        "session": session, "form": form, "formset": formset, "duplicate": duplicate,
        "error_summary": _error_summary(form, formset) if data is not None else [],
    })


# -- enrolment from a spreadsheet ----------------------------------------------------------
@administrator_required
def enrolment_import_upload(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session_or_404(request, public_id)
    posted = request.method == "POST"
    form = EnrolmentImportUploadForm(request.POST if posted else None,
                                     request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            row = enrolment_import_preview(
                session=session, file=upload, file_name=upload.name, size=upload.size,
                created_by=request.user,
            )
        except ImportFormatError as exc:
            form.add_error("file", exc.message)  # already a sentence in the user's words
        else:
            return redirect("candidates:enrolment_import_preview",
                            public_id=session.public_id, import_id=row.public_id)
    columns = [(headers[0], key, COLUMN_HELP[key])
               for key, headers in importers.COLUMNS.items()]
    return render(request, "candidates/enrolment_import_upload.html", {
        "session": session, "form": form, "columns": columns,
        "error_summary": _error_summary(form) if posted else [],
    })


@require_GET
@administrator_required
def enrolment_import_template(request: HttpRequest, public_id: UUID, kind: str) -> HttpResponse:
    session = _session_or_404(request, public_id)
    content_type, build = TEMPLATES[kind]
    codes = [bloc.code for bloc in _blocs(session) if bloc.code]
    response = HttpResponse(build(bloc_codes=codes), content_type=content_type)
    response["Content-Disposition"] = attachment_disposition("inscriptions-modele", kind)
    return response


@dataclass
class PreviewRow:
    number: int
    name: str
    birth_date: date | None
    email: str
    route: str
    target: list[str]
    acquired: list[str]
    existing: dict[str, str] | None
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)


def _preview_row(row: dict[str, Any]) -> PreviewRow:
    values = row["values"]
    name = values["birth_name"].upper()
    if values["usage_name"] and values["usage_name"].upper() != name:
        name = f"{name} ({values['usage_name'].upper()})"
    route = values["access_route"]
    return PreviewRow(
        number=row["number"],
        name=f"{name} {values['first_names']}".strip(),
        birth_date=date.fromisoformat(values["birth_date"]) if values["birth_date"] else None,
        email=values["email"],
        route=str(AccessRoute(route).label) if route else "",
        target=values["blocs"],
        acquired=values["acquired_blocs"],
        existing=row.get("existing"),
        errors=row["errors"],
        warnings=row.get("warnings", []),
    )


@require_GET
@administrator_required
def enrolment_import_show(request: HttpRequest, public_id: UUID, import_id: UUID) -> HttpResponse:
    session = _session_or_404(request, public_id)
    row = _import_or_404(session, import_id)
    if row.status == EnrolmentImport.Status.CONFIRMED:
        return redirect("candidates:session_detail", public_id=session.public_id)
    if row.status == EnrolmentImport.Status.CANCELLED:
        messages.error(request, _("This import was cancelled: nothing was imported."))
        return redirect("candidates:enrolment_import_upload", public_id=session.public_id)
    rows = [_preview_row(item) for item in row.rows]
    return render(request, "candidates/enrolment_import_preview.html", {
        "session": session, "import": row, "rows": rows, "report": row.report,
        "can_confirm": row.report.get("invalid", 1) == 0,
        "form": EnrolmentImportConfirmForm(),
    })


@require_POST
@administrator_required
def enrolment_import_apply(request: HttpRequest, public_id: UUID, import_id: UUID) -> HttpResponse:
    session = _session_or_404(request, public_id)
    row = _import_or_404(session, import_id)
    form = EnrolmentImportConfirmForm(request.POST)
    invite = form.is_valid() and form.cleaned_data["invite"]
    try:
        row = enrolment_import_confirm(enrolment_import=row, invite=invite)
    except EnrolmentImportNotPendingError as exc:
        if exc.enrolment_import.status == EnrolmentImport.Status.CONFIRMED:
            messages.info(request, _("This file was already imported."))
            return redirect("candidates:session_detail", public_id=session.public_id)
        messages.error(request, _("This import was cancelled: nothing was imported."))
        return redirect("candidates:enrolment_import_upload", public_id=session.public_id)
    except EnrolmentImportError:
        messages.error(request, _("Some rows have errors: nothing was imported."))
        return redirect("candidates:enrolment_import_preview", public_id=session.public_id,
                        import_id=row.public_id)
    enrolled, invited = row.result["enrolled"], row.result["invited"]
    messages.success(request, ngettext(
        "%(count)d candidate was enrolled.", "%(count)d candidates were enrolled.", enrolled,
    ) % {"count": enrolled})
    if invite:
        messages.success(request, ngettext(
            "%(count)d invitation was sent.", "%(count)d invitations were sent.", invited,
        ) % {"count": invited})
    return redirect("candidates:session_detail", public_id=session.public_id)


@require_POST
@administrator_required
def enrolment_import_drop(request: HttpRequest, public_id: UUID, import_id: UUID) -> HttpResponse:
    session = _session_or_404(request, public_id)
    row = _import_or_404(session, import_id)
    try:
        enrolment_import_cancel(enrolment_import=row)
    except EnrolmentImportNotPendingError:
        messages.error(request, _("This import was already confirmed or cancelled."))
    else:
        messages.success(request, _("The import was cancelled: nothing was imported."))
    return redirect("candidates:session_detail", public_id=session.public_id)


_IMPORT = "sessions/<uuid:public_id>/enrol/import/"
urlpatterns = [
    path("sessions/", session_list, name="session_list"),
    path("sessions/new/", session_new, name="session_create"),
    path("sessions/<uuid:public_id>/edit/", session_edit, name="session_edit"),
    path("sessions/<uuid:public_id>/enrol/", enrolment_new, name="enrolment_create"),
    path("sessions/<uuid:public_id>/enrolments/<uuid:enrolment_id>/invite/",
         enrolment_invite_again, name="enrolment_invite"),
    path(_IMPORT, enrolment_import_upload, name="enrolment_import_upload"),
    path(f"{_IMPORT}template.csv", enrolment_import_template, {"kind": "csv"},
         name="enrolment_import_template_csv"),
    path(f"{_IMPORT}template.xlsx", enrolment_import_template, {"kind": "xlsx"},
         name="enrolment_import_template_xlsx"),
    path(f"{_IMPORT}<uuid:import_id>/", enrolment_import_show,
         name="enrolment_import_preview"),
    path(f"{_IMPORT}<uuid:import_id>/confirm/", enrolment_import_apply,
         name="enrolment_import_confirm"),
    path(f"{_IMPORT}<uuid:import_id>/cancel/", enrolment_import_drop,
         name="enrolment_import_cancel"),
]
