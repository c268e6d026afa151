"""The deliberation page of a session (DESIGN.md §4.4, §5, §8): the president adjusts each
candidate's proposed decisions with justifications, signs with the members present and
publishes the results; administrators read it and may (re)compute the proposal. After
signing, the president amends a decision with a reason and administrators carry a
candidate's blocs not validated to a later session (rattrapage). Anyone else gets a 404.
Plain forms: it works the same without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import (
    is_administrator,
    is_jury_member,
    may_amend,
    may_carry_rattrapage,
    may_sign,
)
from candidates.models import Session
from certifications.models import Level, Requirement
from deliberations.models import (
    BlocDecisionStatus,
    CandidateDecision,
    CandidateOutcome,
    CompetenceDecision,
    Deliberation,
)
from deliberations.selectors import (
    DeliberationPage,
    decision_get_for_session,
    deliberation_of_session,
    deliberation_page,
    deliberation_session_get_for_reader,
    deliberation_session_get_for_user,
    document_gaps_of,
    later_sessions_of,
    signing_summary,
)
from deliberations.services import (
    AmendmentTarget,
    FinalLevelAmended,
    OutcomeAmended,
    RequirementAmended,
    SigningRefusedError,
    StaleProposalError,
    amendment_record,
    candidate_outcome_override,
    competence_decision_override,
    composition_preview,
    deliberation_propose,
    deliberation_publish,
    deliberation_sign,
    rattrapage_carry,
    readiness_preview,
    requirement_tick,
)

# Bloc statuses that leave nothing to carry to a later session.
SETTLED = (BlocDecisionStatus.VALIDATED, BlocDecisionStatus.ACQUIRED_BEFORE)


def _session(request: HttpRequest, session_id: UUID) -> Session:
    try:
        return deliberation_session_get_for_user(user=request.user, public_id=session_id)
    except Session.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class AmendForm:
    """One amendment form after signing: ``target`` says which decision, ``prefix`` makes
    its field ids unique on the page; the typed values come back with the errors."""

    prefix: str
    target: str
    value: str
    reason: str = ""
    value_error: str = ""
    reason_error: str = ""
    legend: str = ""
    current: str = ""
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def has_errors(self) -> bool:
        return bool(self.value_error or self.reason_error)


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
    amendments: list[AmendForm]
    carryable: bool  # blocs not validated: a rattrapage in a later session
    carry_error: str

    @property
    def has_errors(self) -> bool:
        return bool(self.outcome_error or any(c.error for c in self.competences)
                    or any(r.error for r in self.requirements))

    @property
    def amending(self) -> bool:
        return any(form.has_errors for form in self.amendments)


def _met(decision: CandidateDecision, requirement: Requirement) -> bool:
    return bool(decision.requirements_met.get(str(requirement.pk), {}).get("met"))


def _amend_forms(decision: CandidateDecision, requirements: list[Requirement],
                 levels: list[Level], posted: AmendForm | None) -> list[AmendForm]:
    """Every decision of the candidate the president may amend: each compétence's final
    level, each extra requirement, the outcome."""
    level_choices = (("", "—"), *((str(lv.number), f"{lv.number} — {lv.label}")
                                  for lv in levels))
    yes_no = (("yes", _("met")), ("no", _("not met")))
    forms = [
        AmendForm(f"amend-competence-{row.pk}", f"competence:{row.pk}",
                  "" if row.final_level is None else str(row.final_level),
                  legend=_("Final level of %(code)s") % {"code": row.competence.code},
                  current=str(row.final_level or "—"), choices=level_choices)
        for row in decision.competences.all()
    ]
    forms += [
        AmendForm(f"amend-requirement-{decision.pk}-{r.pk}", f"requirement:{r.pk}",
                  "yes" if _met(decision, r) else "no", legend=r.label,
                  current=str(yes_no[0][1] if _met(decision, r) else yes_no[1][1]),
                  choices=yes_no)
        for r in requirements
    ]
    forms.append(AmendForm(f"amend-outcome-{decision.pk}", "outcome", decision.outcome,
                           legend=_("Outcome"), current=decision.get_outcome_display(),
                           choices=tuple((str(v), str(label))
                                         for v, label in CandidateOutcome.choices)))
    if posted is None:
        return forms
    return [replace(posted, legend=f.legend, current=f.current, choices=f.choices)
            if f.prefix == posted.prefix else f for f in forms]


def _item(decision: CandidateDecision, page: DeliberationPage, errors: dict[str, str],
          posted: AmendForm | None) -> CandidateItem:
    ticks = decision.requirements_met
    return CandidateItem(
        decision=decision,
        competences=[CompetenceItem(row, errors.get(f"justification-{row.pk}", ""))
                     for row in decision.competences.all()],
        requirements=[
            RequirementItem(r, _met(decision, r),
                            ticks.get(str(r.pk), {}).get("justification", ""),
                            errors.get(f"requirement-justification-{r.pk}", ""))
            for r in page.requirements
        ],
        outcome_error=errors.get("outcome-justification", ""),
        amendments=_amend_forms(decision, page.requirements, page.levels, posted),
        carryable=any(b.status not in SETTLED for b in decision.blocs.all()),
        carry_error=errors.get("to_session", ""),
    )


def _render(request: HttpRequest, session: Session, *, errors: dict | None = None,
            sign_errors: list[str] | None = None, sign_warnings: list[str] | None = None,
            proposal_changes: list | None = None, stale_proposal: bool = False,
            amend: AmendForm | None = None, status: int = 200) -> HttpResponse:
    page = deliberation_page(session=session)
    is_admin = is_administrator(request.user)
    # The president writes; other members of the jury read (DESIGN.md §8).
    is_president = (is_jury_member(request.user) and page.president_id is not None
                    and any(m.pk == page.president_id and m.user_id == request.user.pk
                            for m in page.members))
    signed = page.deliberation is not None and page.deliberation.is_signed
    can_carry = signed and may_carry_rattrapage(request.user)
    # Amendments: the president present at the signature (docs/decisions/0004-who-amends.md).
    can_amend = signed and is_president and may_amend(request.user, page.deliberation)
    errors = errors or {}
    items = [_item(decision, page, errors.get(decision.pk, {}), amend)
             for decision in page.decisions]
    return render(request, "deliberations/deliberation.html", {
        "session": session, "page": page, "items": items, "is_president": is_president,
        "can_propose": (is_president or is_admin) and not signed,
        "can_publish": (is_president or is_admin) and signed,
        "can_write": is_president and page.deliberation is not None and not signed,
        "can_amend": can_amend, "can_carry": can_carry,
        "later_sessions": later_sessions_of(session=session) if can_carry else [],
        "outcomes": CandidateOutcome.choices,
        "errors": errors or {}, "sign_errors": sign_errors or [],
        "sign_warnings": sign_warnings or [],
        "document_gaps": document_gaps_of(session=session) if not signed else [],
        "proposal_changes": proposal_changes or [], "stale_proposal": stale_proposal,
    }, status=status)


@login_required
def deliberation_view(request: HttpRequest, session_id: UUID) -> HttpResponse:
    try:
        session = deliberation_session_get_for_reader(user=request.user, public_id=session_id)
    except Session.DoesNotExist:
        raise Http404 from None
    return _render(request, session)


def _url(session: Session) -> str:
    return reverse("deliberations:deliberation", args=[session.public_id])


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
    decision = _decision(session, decision_id)
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


def _decision(session: Session, decision_id: UUID) -> CandidateDecision:
    try:
        return decision_get_for_session(session=session, public_id=decision_id)
    except CandidateDecision.DoesNotExist:
        raise Http404 from None


def _deliberation(session: Session) -> Deliberation:
    deliberation = deliberation_of_session(session=session)
    if deliberation is None:
        raise Http404
    return deliberation


def _amend_target(decision: CandidateDecision, posted: str
                  ) -> tuple[AmendmentTarget, str, object]:
    """The posted ``target`` (the form's value: ``competence:<pk>``, ``outcome`` or
    ``requirement:<pk>``) as what ``amendment_record`` amends, with the form prefix and the
    current value; Http404 for a target that is not one of this candidate's decisions."""
    kind, _sep, key = posted.partition(":")
    if kind == "competence" and key.isdigit():
        row = decision.competences.filter(pk=int(key)).first()
        if row is not None:
            return FinalLevelAmended(row), f"amend-competence-{row.pk}", row.final_level
    elif kind == "outcome":
        return OutcomeAmended(decision), f"amend-outcome-{decision.pk}", decision.outcome
    elif kind == "requirement" and key.isdigit():
        requirement = Requirement.objects.filter(
            pk=int(key), certification_id=decision.deliberation.session.referentiel
            .certification_id).first()
        if requirement is not None:
            prefix = f"amend-requirement-{decision.pk}-{requirement.pk}"
            return RequirementAmended(decision, requirement), prefix, _met(decision, requirement)
    raise Http404


def _amend_value(target: AmendmentTarget, raw: str) -> object:
    """The posted value as the service takes it; ValueError when it cannot be one."""
    match target:
        case FinalLevelAmended():
            if raw and not raw.isdigit():
                raise ValueError(raw)
            return int(raw) if raw else None
        case OutcomeAmended():
            return CandidateOutcome(raw).value
    if raw not in ("yes", "no"):
        raise ValueError(raw)
    return raw == "yes"


def _amend(request: HttpRequest, decision: CandidateDecision) -> AmendForm:
    """Record the posted amendment; the form back, with its errors if refused."""
    posted = request.POST.get("target", "")
    target, prefix, current = _amend_target(decision, posted)
    raw, reason = request.POST.get("value", "").strip(), request.POST.get("reason", "").strip()
    form = AmendForm(prefix, posted, raw, reason)
    try:
        value = _amend_value(target, raw)
    except ValueError:
        return replace(form, value_error=_("Choose one of the values offered."))
    if value == current:
        return replace(form, value_error=_("Choose a value different from the current one."))
    if not reason:
        return replace(form, reason_error=_("An amendment needs a reason."))
    try:
        amendment_record(target=target, new_value=value, reason=reason, by=request.user)
    except ValidationError as error:
        message = " ".join(error.messages)
        if error.code == "reason_required":
            return replace(form, reason_error=message)
        return replace(form, value_error=message)
    return form


@login_required
@require_POST
def amendment_view(request: HttpRequest, session_id: UUID, decision_id: UUID) -> HttpResponse:
    """The president rectifies one decision after signing, with a reason."""
    session = _session(request, session_id)
    if not is_jury_member(request.user):  # administrators read; only the president amends
        raise Http404
    decision = _decision(session, decision_id)
    try:
        form = _amend(request, decision)
    except PermissionDenied:
        raise Http404 from None
    if form.has_errors:
        return _render(request, session, amend=form, status=422)
    messages.success(request, _("The amendment for %(name)s is recorded.")
                     % {"name": decision.enrolment.candidate.display_name})
    return redirect(f"{_url(session)}#candidate-{decision.public_id}")


@login_required
@require_POST
def rattrapage_view(request: HttpRequest, session_id: UUID, decision_id: UUID) -> HttpResponse:
    """An administrator enrols the candidate in a later session for the blocs not
    validated here."""
    session = _session(request, session_id)
    if not may_carry_rattrapage(request.user):
        raise Http404
    decision = _decision(session, decision_id)
    chosen = request.POST.get("to_session", "")
    to_session = next((s for s in later_sessions_of(session=session)
                       if str(s.public_id) == chosen), None)
    try:
        if to_session is None:
            raise ValidationError(_("Choose a later session of the same certification."))
        rattrapage_carry(enrolment=decision.enrolment, to_session=to_session, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        return _render(request, session, errors={decision.pk: {
            "to_session": " ".join(error.messages)}}, status=422)
    messages.success(request, _(
        "%(name)s is enrolled in %(session)s for the blocs not validated; the blocs "
        "validated here are kept as acquired.") % {
        "name": decision.enrolment.candidate.display_name, "session": to_session.name})
    return redirect(f"{_url(session)}#candidate-{decision.public_id}")


def _present(data, page: DeliberationPage) -> list:
    """The jury's members ticked as present (``present``: their public ids)."""
    chosen = set(data.getlist("present"))
    return [m for m in page.members if str(m.public_id) in chosen]


def _sign_confirmation(request: HttpRequest, session: Session, deliberation: Deliberation,
                       data, *, unconfirmed: bool) -> HttpResponse:
    """What signing will do, for the members ticked, before the president confirms."""
    page = deliberation_page(session=session)
    present = _present(data, page)
    errors, warnings = composition_preview(session=session, members_present=present,
                                           president_id=page.president_id)
    return render(request, "deliberations/sign_confirm.html", {
        "session": session, "deliberation": deliberation, "present": present,
        "president_id": page.president_id,
        "proposal_version": data.get("proposal_version", deliberation.proposal_version),
        "summary": signing_summary(page=page), "unconfirmed": unconfirmed,
        "composition_errors": errors, "composition_warnings": warnings,
        "not_ready": readiness_preview(session=session),
        "document_gaps": document_gaps_of(session=session),
    })


@login_required
@require_http_methods(["GET", "POST"])
def deliberation_sign_view(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """GET: what signing will do, and the button that signs; POST with ``confirm=1``
    (from that page) signs. A POST without it signs nothing and shows the confirmation."""
    session = _session(request, session_id)
    deliberation = _deliberation(session)
    if not may_sign(request.user, session):
        raise Http404
    confirmed = request.method == "POST" and request.POST.get("confirm") == "1"
    if not confirmed:
        if deliberation.is_signed:
            messages.info(request, _("The deliberation is already signed."))
            return redirect(_url(session))
        data = request.POST if request.method == "POST" else request.GET
        return _sign_confirmation(request, session, deliberation, data,
                                  unconfirmed=request.method == "POST")
    page = deliberation_page(session=session)
    present = _present(request.POST, page)
    try:
        check = deliberation_sign(deliberation=deliberation, members_present=present,
                                  by=request.user,
                                  proposal_version=request.POST.get("proposal_version", ""))
    except PermissionDenied:
        raise Http404 from None
    except StaleProposalError as stale:
        return _render(request, session, sign_errors=stale.messages, stale_proposal=True,
                       proposal_changes=[str(change) for change in stale.changes],
                       status=409)
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
@require_http_methods(["GET", "POST"])
def deliberation_publish_view(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """GET: what publishing will do, and the button that publishes; POST with
    ``confirm=1`` (from that page) publishes. A POST without it publishes nothing."""
    session = _session(request, session_id)
    deliberation = _deliberation(session)
    confirmed = request.method == "POST" and request.POST.get("confirm") == "1"
    if not confirmed:
        if not deliberation.is_signed:
            messages.error(request, _("Sign the deliberation before publishing the results."))
            return redirect(_url(session))
        if session.results_published_at is not None:
            messages.info(request, _("The results are already published."))
            return redirect(_url(session))
        return render(request, "deliberations/publish_confirm.html", {
            "session": session, "deliberation": deliberation,
            "summary": signing_summary(page=deliberation_page(session=session)),
            "unconfirmed": request.method == "POST",
        })
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
    path("sessions/<uuid:session_id>/deliberation/candidates/<uuid:decision_id>/amend/",
         amendment_view, name="deliberation_amend"),
    path("sessions/<uuid:session_id>/deliberation/candidates/<uuid:decision_id>/rattrapage/",
         rattrapage_view, name="deliberation_rattrapage"),
    path("sessions/<uuid:session_id>/deliberation/sign/", deliberation_sign_view,
         name="deliberation_sign"),
    path("sessions/<uuid:session_id>/deliberation/publish/", deliberation_publish_view,
         name="deliberation_publish"),
]
