"""The deliberation page of a session (DESIGN.md §4.4, §5, §8): the president adjusts each
candidate's proposed decisions with justifications, signs with the members present and
publishes the results; administrators read it and may (re)compute the proposal. Anyone
else gets a 404. Plain forms: it works the same without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from candidates.models import Session
from certifications.models import Requirement
from juries.models import CandidateDecision, CandidateOutcome, CompetenceDecision, Deliberation
from juries.selectors_deliberation import deliberation_page, deliberation_session_get_for_user
from juries.services_deliberation import (
    SigningRefusedError,
    candidate_outcome_override,
    competence_decision_override,
    deliberation_propose,
    deliberation_publish,
    deliberation_sign,
    requirement_tick,
)


def _session(request: HttpRequest, session_id: UUID) -> Session:
    try:
        return deliberation_session_get_for_user(user=request.user, public_id=session_id)
    except Session.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class CompetenceItem:
    row: CompetenceDecision
    error: str


@dataclass(frozen=True)
class RequirementItem:
    requirement: Requirement
    met: bool
    justification: str
    error: str


@dataclass(frozen=True)
class CandidateItem:
    decision: CandidateDecision
    competences: list[CompetenceItem]
    requirements: list[RequirementItem]
    outcome_error: str

    @property
    def has_errors(self) -> bool:
        return bool(self.outcome_error or any(c.error for c in self.competences)
                    or any(r.error for r in self.requirements))


def _item(decision: CandidateDecision, requirements: list[Requirement],
          errors: dict[str, str]) -> CandidateItem:
    ticks = decision.requirements_met
    return CandidateItem(
        decision=decision,
        competences=[CompetenceItem(row, errors.get(f"justification-{row.pk}", ""))
                     for row in decision.competences.all()],
        requirements=[
            RequirementItem(r, bool(ticks.get(str(r.pk), {}).get("met")),
                            ticks.get(str(r.pk), {}).get("justification", ""),
                            errors.get(f"requirement-justification-{r.pk}", ""))
            for r in requirements
        ],
        outcome_error=errors.get("outcome-justification", ""),
    )


def _render(request: HttpRequest, session: Session, *, errors: dict | None = None,
            sign_errors: list[str] | None = None, sign_warnings: list[str] | None = None,
            status: int = 200) -> HttpResponse:
    page = deliberation_page(session=session)
    is_president = request.user.role == Role.JURY
    errors = errors or {}
    items = [_item(decision, page.requirements, errors.get(decision.pk, {}))
             for decision in page.decisions]
    return render(request, "juries/deliberation.html", {
        "session": session, "page": page, "items": items, "is_president": is_president,
        "can_write": is_president and page.deliberation is not None
        and not page.deliberation.is_signed,
        "outcomes": CandidateOutcome.choices,
        "errors": errors or {}, "sign_errors": sign_errors or [],
        "sign_warnings": sign_warnings or [],
    }, status=status)


@login_required
def deliberation_view(request: HttpRequest, session_id: UUID) -> HttpResponse:
    return _render(request, _session(request, session_id))


def _url(session: Session) -> str:
    return reverse("juries:deliberation", args=[session.public_id])


@login_required
@require_POST
def deliberation_propose_view(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    try:
        deliberation_propose(session=session, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The proposal is computed from the scores."))
    return redirect(_url(session))


def _save_candidate(request: HttpRequest, decision: CandidateDecision, requirements: list
                    ) -> dict[str, str]:
    """Apply what changed in one candidate's form; errors by field name."""
    errors: dict[str, str] = {}
    data = request.POST
    for row in decision.competences.select_related("candidate_decision__deliberation__session"
                                                   "__referentiel"):
        raw = data.get(f"final-{row.pk}", "")
        final = int(raw) if raw.isdigit() else None
        justification = data.get(f"justification-{row.pk}", "").strip()
        if (final, justification) == (row.final_level, row.justification):
            continue
        try:
            competence_decision_override(decision=row, final_level=final,
                                         justification=justification, by=request.user)
        except ValidationError as error:
            errors[f"justification-{row.pk}"] = " ".join(error.messages)
    for requirement in requirements:
        met = data.get(f"requirement-{requirement.pk}") == "on"
        justification = data.get(f"requirement-justification-{requirement.pk}", "").strip()
        current = decision.requirements_met.get(str(requirement.pk), {})
        if (met, justification) == (bool(current.get("met")), current.get("justification", "")):
            continue
        decision.refresh_from_db()
        try:
            requirement_tick(decision=decision, requirement=requirement, met=met,
                             justification=justification, by=request.user)
        except ValidationError as error:
            errors[f"requirement-justification-{requirement.pk}"] = " ".join(error.messages)
    decision.refresh_from_db()
    outcome = data.get("outcome", decision.outcome)
    justification = data.get("outcome-justification", "").strip()
    if (outcome, justification) != (decision.outcome, decision.justification):
        try:
            candidate_outcome_override(decision=decision, outcome=outcome,
                                       justification=justification, by=request.user)
        except (ValidationError, ValueError) as error:
            errors["outcome-justification"] = " ".join(getattr(error, "messages", [str(error)]))
    return errors


@login_required
@require_POST
def decision_save_view(request: HttpRequest, session_id: UUID, decision_id: UUID
                       ) -> HttpResponse:
    session = _session(request, session_id)
    decision = CandidateDecision.objects.filter(
        public_id=decision_id, deliberation__session=session).select_related(
        "deliberation__session", "enrolment__candidate").first()
    if decision is None:
        raise Http404
    page = deliberation_page(session=session)
    try:
        with transaction.atomic():
            errors = _save_candidate(request, decision, page.requirements)
            if errors:
                transaction.set_rollback(True)
    except PermissionDenied:
        raise Http404 from None
    if errors:
        return _render(request, session, errors={decision.pk: errors}, status=422)
    messages.success(request, _("The decision of %(name)s is saved.")
                     % {"name": decision.enrolment.candidate.display_name})
    return redirect(f"{_url(session)}#candidate-{decision.public_id}")


@login_required
@require_POST
def deliberation_sign_view(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    deliberation = Deliberation.objects.filter(session=session).first()
    if deliberation is None:
        raise Http404
    page = deliberation_page(session=session)
    chosen = set(request.POST.getlist("present"))
    present = [m for m in page.members if str(m.public_id) in chosen]
    try:
        check = deliberation_sign(deliberation=deliberation, members_present=present,
                                  by=request.user)
    except PermissionDenied:
        raise Http404 from None
    except SigningRefusedError as refused:
        return _render(request, session, sign_errors=refused.reasons,
                       sign_warnings=refused.warnings, status=422)
    except ValidationError as error:
        return _render(request, session, sign_errors=error.messages, status=422)
    messages.success(request, _("The deliberation is signed: scores and decisions are locked."))
    for key in check.warnings:
        if key == "single_gender":
            messages.warning(request, _("Men or women are absent from the members present."))
    return redirect(_url(session))


@login_required
@require_POST
def deliberation_publish_view(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    deliberation = Deliberation.objects.filter(session=session).select_related("session").first()
    if deliberation is None:
        raise Http404
    try:
        deliberation_publish(deliberation=deliberation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The results are published: candidates see them now."))
    return redirect(_url(session))


urlpatterns = [
    path("sessions/<uuid:session_id>/deliberation/", deliberation_view, name="deliberation"),
    path("sessions/<uuid:session_id>/deliberation/propose/", deliberation_propose_view,
         name="deliberation_propose"),
    path("sessions/<uuid:session_id>/deliberation/candidates/<uuid:decision_id>/",
         decision_save_view, name="deliberation_decision"),
    path("sessions/<uuid:session_id>/deliberation/sign/", deliberation_sign_view,
         name="deliberation_sign"),
    path("sessions/<uuid:session_id>/deliberation/publish/", deliberation_publish_view,
         name="deliberation_publish"),
]
