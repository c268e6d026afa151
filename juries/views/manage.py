"""Pages of jury administration, for administrators only (DESIGN.md §8): the session's
jury, its épreuves (assessments), the assignments of members to candidates, conflicts of
interest and the audit trail. A jury member may also declare a conflict on a sitting
assigned to them. Anyone else is answered 404. Authorization first (the decorator, then
the selectors), the rules in services."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.audit_display import Change, event_changes, object_label
from accounts.downloads import attachment_disposition
from accounts.models import AuditEvent
from accounts.permissions import administrator_required
from accounts.selectors_audit import audit_actions_for_user, audit_events_for_user
from accounts.spreadsheets import row_safe
from assessments.models import Assessment, CriterionCheck, Score, Sitting
from assessments.selectors import enrolments_holding_every_bloc
from assessments.services import (
    assessment_cancel,
    assessment_create,
    assessment_delete,
    assessment_has_scores,
    assessment_open_early,
    assessment_slots_distribute,
    assessment_update,
    sitting_slot_set,
)
from assessments.timing import CandidateTiming, sitting_timing
from candidates.models import Candidate, Enrolment, EnrolmentStatus, Session
from candidates.selectors import (
    candidate_list_for_user,
    enrolment_list_for_user,
    session_get_for_user,
)
from certifications.models import Modality
from juries.forms import (
    AssessmentCancelForm,
    AssessmentEditForm,
    AssessmentForm,
    AssignmentBulkForm,
    AuditFilterForm,
    ConflictAdminForm,
    ConflictForm,
    JuryCompositionForm,
    JuryInviteForm,
    JuryMemberForm,
    SlotDistributeForm,
    SlotForm,
)
from juries.models import Jury, JuryMember
from juries.selectors import (
    AssignmentMatrix,
    assessment_consequences,
    assessment_get_for_user,
    assessment_list_for_user,
    assessment_sittings_for_user,
    assignment_list_for_user,
    assignment_matrix,
    conflict_list_for_user,
    jury_composition_summary,
    jury_for_session,
    jury_member_list_for_user,
    jury_users_for_user,
    member_for_user,
    session_jury_members,
    session_modalities,
    sitting_get_for_scorer,
)
from juries.services import (
    assignment_create,
    assignment_delete,
    conflict_declare,
    jury_compose,
    jury_invitation_resend,
    jury_member_ensure,
    jury_member_invite,
)

# The stable keys of certifications.rules.jury_composition_check, in the user's words.
COMPOSITION_MESSAGES = {
    "quorum": gettext_lazy("The jury has fewer members than the quorum required to sign."),
    "president_absent": gettext_lazy("The jury has no president."),
    "external_share": gettext_lazy(
        "Too few members are professionals external to the certifier."),
    "single_gender": gettext_lazy("Men or women are absent from the jury."),
}
AUDIT_PAGE_SIZE = 50
Refusals = dict[tuple[int, int], str]  # (sitting id, member id) → why it was refused


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _uuid(value: str | None) -> UUID:
    try:
        return UUID(value or "")
    except ValueError:
        raise Http404 from None


# -- lookups: through the selectors, out of reach is 404 -----------------------------------
def _session_or_404(request: HttpRequest, public_id: UUID) -> Session:
    try:
        return session_get_for_user(user=request.user, public_id=public_id)
    except Session.DoesNotExist:
        raise Http404 from None


def _assessment_or_404(request: HttpRequest, public_id: UUID) -> Assessment:
    try:
        return assessment_get_for_user(user=request.user, public_id=public_id)
    except Assessment.DoesNotExist:
        raise Http404 from None


def _candidate_or_404(request: HttpRequest, public_id: UUID) -> Candidate:
    return get_object_or_404(candidate_list_for_user(user=request.user), public_id=public_id)


# -- the session's jury --------------------------------------------------------------------
def _composition_initial(jury: Jury | None) -> dict[str, Any]:
    if jury is None:
        return {}
    return {"members": list(jury.members.all()), "president": jury.president}


def _save_member(request: HttpRequest, form: JuryMemberForm) -> bool:
    try:
        member = jury_member_ensure(**form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    messages.success(request, _("The jury member profile of %(name)s is saved.")
                     % {"name": member.user})
    return True


def _save_composition(request: HttpRequest, session: Session, form: JuryCompositionForm) -> bool:
    try:
        jury_compose(session=session, members=list(form.cleaned_data["members"]),
                     president=form.cleaned_data["president"], composed_by=request.user)
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    messages.success(request, _("The jury of the session is saved."))
    return True


def _invite(request: HttpRequest, session: Session, form: JuryInviteForm) -> bool:
    try:
        member, created = jury_member_invite(session=session, invited_by=request.user,
                                             ip_address=_ip(request), **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    if created:
        messages.success(request, _(
            "%(name)s is invited: their account is created, they are a member of the jury, "
            "and an e-mail with a link to choose their password is sent to %(email)s.")
            % {"name": member.user, "email": member.user.email})
    else:
        messages.success(request, _(
            "An account with the address %(email)s already exists: %(name)s is a member of "
            "the jury (no second account is created).")
            % {"name": member.user, "email": member.user.email})
    return True


def _resend(request: HttpRequest, session: Session, jury: Jury | None) -> bool:
    member = (jury.members.select_related("user").filter(
        public_id=_uuid(request.POST.get("member"))).first() if jury else None)
    if member is None:
        raise Http404
    try:
        jury_invitation_resend(member=member, session=session, by=request.user,
                               ip_address=_ip(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("A new invitation is sent to %(email)s.")
                         % {"email": member.user.email})
    return True


@administrator_required
def jury_compose_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session_or_404(request, public_id)
    jury = jury_for_session(user=request.user, session=session)
    posted = request.POST.get("form") if request.method == "POST" else None
    member_form = JuryMemberForm(request.POST if posted == "member" else None,
                                 users=jury_users_for_user(user=request.user))
    jury_form = JuryCompositionForm(request.POST if posted == "jury" else None,
                                    members=jury_member_list_for_user(user=request.user),
                                    initial=_composition_initial(jury))
    invite_form = JuryInviteForm(request.POST if posted == "invite" else None)
    saved = (
        posted == "member" and member_form.is_valid() and _save_member(request, member_form)
    ) or (
        posted == "jury" and jury_form.is_valid()
        and _save_composition(request, session, jury_form)
    ) or (
        posted == "invite" and invite_form.is_valid() and _invite(request, session, invite_form)
    ) or (posted == "resend" and _resend(request, session, jury))
    if saved:
        return redirect("juries:jury_compose", public_id=session.public_id)
    summary = jury_composition_summary(jury=jury, certification=session.referentiel.certification)
    pending = ([m for m in jury.members.select_related("user")
                if not m.user.has_usable_password()] if jury else [])
    return render(request, "juries/manage_jury.html", {
        "session": session, "jury": jury, "member_form": member_form, "jury_form": jury_form,
        "invite_form": invite_form, "pending": pending, "summary": summary,
        "errors": [COMPOSITION_MESSAGES[key] for key in summary.check.errors],
        "warnings": [COMPOSITION_MESSAGES[key] for key in summary.check.warnings],
    })


# -- épreuves ------------------------------------------------------------------------------
@require_GET
@administrator_required
def assessment_list_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session_or_404(request, public_id)
    assessments = assessment_list_for_user(user=request.user).filter(session=session).annotate(
        candidates=Count("sittings", distinct=True),
        assigned=Count("sittings__assignments", distinct=True),
        has_scores=Exists(Score.objects.filter(sitting__assessment=OuterRef("pk"))) | Exists(
            CriterionCheck.objects.filter(sitting__assessment=OuterRef("pk"))),
    )
    return render(request, "juries/manage_assessment_list.html", {
        "session": session, "assessments": assessments,
    })


def _warn_blocs_held(request: HttpRequest, modality: Modality,
                     enrolments: list[Enrolment]) -> None:
    """Scheduled anyway, but said: the candidates who already hold every bloc the
    épreuve evaluates (acquired before the session), with those blocs."""
    held = enrolments_holding_every_bloc(modality=modality, enrolments=enrolments)
    if not held:
        return
    names = "; ".join(
        f"{enrolment.candidate.legal_name} "
        f"({', '.join(bloc.code or bloc.title for bloc in blocs)})"
        for enrolment, blocs in held
    )
    messages.warning(request, ngettext(
        "Scheduled anyway, this candidate already holds every skills block this "
        "assessment evaluates (acquired before the session): %(candidates)s.",
        "Scheduled anyway, these candidates already hold every skills block this "
        "assessment evaluates (acquired before the session): %(candidates)s.",
        len(held),
    ) % {"candidates": names})


@administrator_required
def assessment_create_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session_or_404(request, public_id)
    enrolments = enrolment_list_for_user(user=request.user).filter(
        session=session, status=EnrolmentStatus.ENROLLED
    ).order_by("candidate__birth_name", "candidate__first_names")
    form = AssessmentForm(request.POST or None, enrolments=enrolments,
                          modalities=session_modalities(user=request.user, session=session))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = assessment_create(
                session=session, modality=data["modality"], starts_at=data["starts_at"],
                place=data["place"], enrolments=data["enrolments"], teams=form.teams(),
                created_by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The assessment is scheduled."))
            _warn_blocs_held(request, data["modality"], list(data["enrolments"]))
            return redirect("juries:assignments", public_id=assessment.public_id)
    return render(request, "juries/manage_assessment_form.html", {
        "session": session, "form": form,
    })


def _edit_initial(assessment: Assessment) -> dict[str, Any]:
    return {"modality": assessment.modality, "starts_at": timezone.localtime(assessment.starts_at),
            "place": assessment.place, "instructions": assessment.instructions}


@administrator_required
def assessment_edit_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Change an épreuve (modality, date and time, place, instructions to candidates)."""
    assessment = _assessment_or_404(request, public_id)
    if assessment.is_cancelled:
        raise Http404
    form = AssessmentEditForm(
        request.POST or None, initial=_edit_initial(assessment),
        modalities=session_modalities(user=request.user, session=assessment.session))
    if request.method == "POST" and form.is_valid():
        try:
            assessment_update(assessment=assessment, by=request.user, ip_address=_ip(request),
                              **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The assessment is saved."))
            return redirect("juries:assessment_list", public_id=assessment.session.public_id)
    return render(request, "juries/manage_assessment_edit.html", {
        "assessment": assessment, "session": assessment.session, "form": form,
        "scored": assessment_has_scores(assessment=assessment),
    })


@administrator_required
def assessment_cancel_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Confirm, then cancel an épreuve (kept, shown as cancelled)."""
    assessment = _assessment_or_404(request, public_id)
    if assessment.is_cancelled:
        raise Http404
    form = AssessmentCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment_cancel(assessment=assessment, by=request.user,
                              reason=form.cleaned_data["reason"], ip_address=_ip(request))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The assessment is cancelled."))
            return redirect("juries:assessment_list", public_id=assessment.session.public_id)
    return render(request, "juries/manage_assessment_cancel.html", {
        "assessment": assessment, "session": assessment.session, "form": form,
        **assessment_consequences(assessment=assessment),
    })


@administrator_required
def assessment_delete_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Confirm, then delete an épreuve scheduled by mistake (nothing scored)."""
    assessment = _assessment_or_404(request, public_id)
    error = ""
    if request.method == "POST":
        try:
            assessment_delete(assessment=assessment, by=request.user, ip_address=_ip(request))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The assessment is deleted."))
            return redirect("juries:assessment_list", public_id=assessment.session.public_id)
    return render(request, "juries/manage_assessment_delete.html", {
        "assessment": assessment, "session": assessment.session, "error": error,
        **assessment_consequences(assessment=assessment),
    })


# -- assignments ---------------------------------------------------------------------------
def _posted_sitting(request: HttpRequest, assessment: Assessment) -> Sitting:
    sitting = assessment_sittings_for_user(user=request.user, assessment=assessment).filter(
        public_id=_uuid(request.POST.get("sitting"))).first()
    if sitting is None:
        raise Http404
    return sitting


def _posted_member(request: HttpRequest, assessment: Assessment) -> JuryMember:
    member = session_jury_members(user=request.user, session=assessment.session).filter(
        public_id=_uuid(request.POST.get("member"))).first()
    if member is None:
        raise Http404
    return member


def _assign(request: HttpRequest, sitting: Sitting, member: JuryMember) -> str:
    """Assign through the service; the refusal's reason, or "" when assigned."""
    try:
        assignment_create(sitting=sitting, member=member, assigned_by=request.user,
                          ip_address=_ip(request))
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def _assign_one(request: HttpRequest, assessment: Assessment) -> Refusals:
    sitting, member = _posted_sitting(request, assessment), _posted_member(request, assessment)
    reason = _assign(request, sitting, member)
    if reason:
        messages.error(request, reason)
        return {(sitting.pk, member.pk): reason}
    messages.success(request, _("%(member)s is assigned to %(candidate)s.")
                     % {"member": member, "candidate": sitting.enrolment.candidate.legal_name})
    return {}


def _unassign_one(request: HttpRequest, assessment: Assessment) -> Refusals:
    assignment = assignment_list_for_user(user=request.user).filter(
        sitting__assessment=assessment, public_id=_uuid(request.POST.get("assignment"))
    ).first()
    if assignment is None:
        raise Http404
    try:
        assignment_delete(assignment=assignment, removed_by=request.user,
                          ip_address=_ip(request))
    except ValidationError as exc:  # the session is signed
        messages.error(request, " ".join(exc.messages))
        return {}
    messages.success(request, _("%(member)s is no longer assigned to %(candidate)s.")
                     % {"member": assignment.member,
                        "candidate": assignment.sitting.enrolment.candidate.legal_name})
    return {}


def _assign_all(request: HttpRequest, assessment: Assessment) -> Refusals:
    """Assign a member to every candidate: all that can be, and say why the others not."""
    form = AssignmentBulkForm(request.POST, members=session_jury_members(
        user=request.user, session=assessment.session))
    if not form.is_valid():
        raise Http404
    member = form.cleaned_data["member"]
    refusals: Refusals = {}
    for sitting in assessment_sittings_for_user(user=request.user, assessment=assessment):
        reason = _assign(request, sitting, member)
        if reason:
            refusals[(sitting.pk, member.pk)] = reason
    assigned = assessment.sittings.count() - len(refusals)
    messages.success(request, ngettext(
        "%(member)s is assigned to %(count)d candidate.",
        "%(member)s is assigned to %(count)d candidates.", assigned,
    ) % {"member": member, "count": assigned})
    for reason in refusals.values():
        messages.error(request, reason)
    return refusals


ASSIGNMENT_ACTIONS = {"assign": _assign_one, "unassign": _unassign_one, "bulk": _assign_all}


def _with_refusals(matrix: AssignmentMatrix, refusals: Refusals) -> AssignmentMatrix:
    for row in matrix.rows:
        for cell in row.cells:
            cell.refusal = refusals.get((row.sitting.pk, cell.member.pk), "")
    return matrix


# -- time slots ----------------------------------------------------------------------------
@dataclass
class SlotRow:
    sitting: Sitting
    timing: CandidateTiming
    form: SlotForm


def _slot_prefix(sitting: Sitting) -> str:
    return f"slot-{sitting.public_id}"


def _slot_rows(matrix: AssignmentMatrix, bound: SlotForm | None, bound_pk: int | None
               ) -> list[SlotRow]:
    rows = []
    for row in matrix.rows:
        sitting = row.sitting
        form = bound if bound is not None and sitting.pk == bound_pk else SlotForm(
            prefix=_slot_prefix(sitting),
            initial={"starts_at": timezone.localtime(sitting.starts_at)
                     if sitting.starts_at else None})
        rows.append(SlotRow(sitting, sitting_timing(sitting), form))
    return rows


def _set_slot(request: HttpRequest, assessment: Assessment) -> tuple[SlotForm, int] | None:
    """One candidate's slot; the bound form (with its error) when refused, else None."""
    sitting = _posted_sitting(request, assessment)
    form = SlotForm(request.POST, prefix=_slot_prefix(sitting))
    if form.is_valid():
        try:
            sitting_slot_set(sitting=sitting, starts_at=form.cleaned_data["starts_at"],
                             by=request.user, ip_address=_ip(request))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The time slot of %(candidate)s is saved.")
                             % {"candidate": sitting.enrolment.candidate.legal_name})
            return None
    form.fields["starts_at"].widget.attrs.update({
        "aria-invalid": "true", "aria-describedby": f"{form['starts_at'].auto_id}_error"})
    return form, sitting.pk


def _distribute(request: HttpRequest, assessment: Assessment) -> SlotDistributeForm | None:
    form = SlotDistributeForm(request.POST, prefix="distribute")
    if form.is_valid():
        try:
            sittings = assessment_slots_distribute(
                assessment=assessment, by=request.user, ip_address=_ip(request),
                pause_minutes=form.cleaned_data["pause_minutes"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, ngettext(
                "%(count)d candidate is given a time slot.",
                "%(count)d candidates are given a time slot.", len(sittings),
            ) % {"count": len(sittings)})
            return None
    return form


@administrator_required
def assignments_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    assessment = _assessment_or_404(request, public_id)
    refusals: Refusals = {}
    slot_refused: tuple[SlotForm, int] | None = None
    distribute_form = SlotDistributeForm(prefix="distribute")
    if request.method == "POST":
        name = request.POST.get("action", "")
        if name == "slot":
            slot_refused = _set_slot(request, assessment)
            if slot_refused is None:
                return redirect("juries:assignments", public_id=assessment.public_id)
        elif name == "distribute":
            refused_form = _distribute(request, assessment)
            if refused_form is None:
                return redirect("juries:assignments", public_id=assessment.public_id)
            distribute_form = refused_form
        else:
            action = ASSIGNMENT_ACTIONS.get(name)
            if action is None:
                raise Http404
            refusals = action(request, assessment)
            if not refusals:
                return redirect("juries:assignments", public_id=assessment.public_id)
    matrix = _with_refusals(assignment_matrix(user=request.user, assessment=assessment),
                            refusals)
    bound, bound_pk = slot_refused if slot_refused else (None, None)
    return render(request, "juries/manage_assignments.html", {
        "assessment": assessment, "session": assessment.session, "matrix": matrix,
        "scoring_open": assessment.scoring_open(),
        "bulk_form": AssignmentBulkForm(members=session_jury_members(
            user=request.user, session=assessment.session)),
        "refused": list(refusals.values()),
        "slot_rows": _slot_rows(matrix, bound, bound_pk),
        "distribute_form": distribute_form,
        "has_duration": bool(assessment.modality.duration_minutes),
    })


@require_POST
@administrator_required
def assessment_open_early_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Open the épreuve to scoring before its date (recorded in the audit trail)."""
    assessment = _assessment_or_404(request, public_id)
    if assessment.scoring_open():
        messages.info(request, _("Scoring of this assessment is already open."))
    else:
        assessment_open_early(assessment=assessment, by=request.user,
                              reason=request.POST.get("reason", "")[:500], ip_address=_ip(request))
        messages.success(request, _("Scoring of this assessment is open before its date; "
                                    "the opening is recorded in the audit trail."))
    return redirect("juries:assignments", public_id=assessment.public_id)


# -- conflicts of interest -----------------------------------------------------------------
@login_required
def conflict_declare_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A member declares a tie with a candidate they are assigned to."""
    try:
        sitting = sitting_get_for_scorer(user=request.user, public_id=str(public_id))
    except Sitting.DoesNotExist:
        raise Http404 from None
    member = member_for_user(user=request.user)
    if member is None:
        raise Http404
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        candidate = sitting.enrolment.candidate
        conflict_declare(member=member, candidate=candidate, kind=form.cleaned_data["kind"],
                         note=form.cleaned_data["note"], declared_by=request.user,
                         ip_address=_ip(request))
        messages.success(request, _(
            "Your conflict of interest is recorded: you are no longer assigned to "
            "%(candidate)s.") % {"candidate": candidate.legal_name})
        return redirect("home")
    return render(request, "juries/manage_conflict_declare.html", {
        "sitting": sitting, "form": form,
    })


@administrator_required
def conflict_admin_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """An administrator records a conflict between any member and this candidate."""
    candidate = _candidate_or_404(request, public_id)
    form = ConflictAdminForm(request.POST or None,
                             members=jury_member_list_for_user(user=request.user))
    if request.method == "POST" and form.is_valid():
        member = form.cleaned_data["member"]
        conflict_declare(member=member, candidate=candidate, kind=form.cleaned_data["kind"],
                         note=form.cleaned_data["note"], declared_by=request.user,
                         ip_address=_ip(request))
        messages.success(request, _(
            "The conflict of interest is recorded: %(member)s is no longer assigned to "
            "%(candidate)s.") % {"member": member, "candidate": candidate.legal_name})
        return redirect("juries:conflict_admin", public_id=candidate.public_id)
    return render(request, "juries/manage_conflict_admin.html", {
        "candidate": candidate, "form": form,
        "conflicts": conflict_list_for_user(user=request.user, candidate=candidate),
    })


# -- the audit trail -----------------------------------------------------------------------
@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    changes: list[Change]
    object: str


def _audit_events(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    form = AuditFilterForm(request.GET or None,
                           actions=audit_actions_for_user(user=request.user))
    return form, audit_events_for_user(user=request.user, filters=form.filters())


@require_GET
@administrator_required
def audit_log_page(request: HttpRequest) -> HttpResponse:
    form, events = _audit_events(request)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "juries/manage_audit_log.html", {
        "form": form, "page": page,
        "rows": [AuditRow(event, event_changes(event), object_label(event)) for event in page],
    })


def _json(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(row_safe([
        _("When"), _("Who"), _("From address"), _("Action"), _("Object"), _("Before"),
        _("After"), _("Context"),
    ]))
    for event in events.iterator(chunk_size=1000):
        yield writer.writerow(row_safe((
            event.at.isoformat(), event.actor.email if event.actor else "",
            event.ip_address or "", event.action, f"{event.object_type}#{event.object_id}",
            _json(event.old), _json(event.new), _json(event.context),
        )))


@require_GET
@administrator_required
def audit_log_export(request: HttpRequest) -> StreamingHttpResponse:
    _form, events = _audit_events(request)
    response = StreamingHttpResponse(_csv_lines(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_disposition("journal-audit", "csv")
    return response


urlpatterns = [
    path("sessions/<uuid:public_id>/jury/", jury_compose_page, name="jury_compose"),
    path("sessions/<uuid:public_id>/assessments/", assessment_list_page,
         name="assessment_list"),
    path("sessions/<uuid:public_id>/assessments/new/", assessment_create_page,
         name="assessment_create"),
    path("assessments/<uuid:public_id>/assignments/", assignments_page, name="assignments"),
    path("assessments/<uuid:public_id>/edit/", assessment_edit_page, name="assessment_edit"),
    path("assessments/<uuid:public_id>/cancel/", assessment_cancel_page,
         name="assessment_cancel"),
    path("assessments/<uuid:public_id>/delete/", assessment_delete_page,
         name="assessment_delete"),
    path("assessments/<uuid:public_id>/open-early/", assessment_open_early_page,
         name="assessment_open_early"),
    path("sittings/<uuid:public_id>/conflict/", conflict_declare_page, name="conflict_declare"),
    path("candidates/<uuid:public_id>/conflicts/", conflict_admin_page, name="conflict_admin"),
    path("audit/", audit_log_page, name="audit_log"),
    path("audit/export.csv", audit_log_export, name="audit_log_csv"),
]
