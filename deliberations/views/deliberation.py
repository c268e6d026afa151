"""The deliberation pages of a session (DESIGN.md §4.4, §5, §8; docs/deliberation.md): an
overview of the candidates filtered by divergent, undecided and departing decisions, and
one page per candidate (previous / next under the filter) where the president adjusts
the proposed decisions with justifications, the proposal following the form as
requirements are ticked. The president signs with the members present and the results
are published, each through a confirmation page reached from the action bar of every
page; administrators read and may (re)compute the proposal. After signing, the president
amends a decision with a reason and administrators carry a candidate's blocs not
validated to a later session (rattrapage). Anyone else gets a 404. Plain forms: it works
the same without JavaScript (htmx only swaps the recomputed proposal in)."""

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
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
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
    DeliberationFilter,
    DeliberationPage,
    decision_get_for_session,
    deliberation_of_session,
    deliberation_overview,
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
    decision_preview,
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
class MemberLevel:
    """One member's level on a compétence, said with the épreuve it was given in and the
    scale's label: « Claire Dubois — E2 Soutenance orale : 2 (Maîtrisé) »."""

    name: str
    epreuve: str
    level: int
    label: str
    conflicted: bool


@dataclass(frozen=True)
class CompetenceItem:
    row: CompetenceDecision
    final: int | None  # the level in the select: the one posted, else the one saved
    justification: str
    error: str
    given: list[MemberLevel]


@dataclass(frozen=True)
class RequirementItem:
    requirement: Requirement
    met: bool
    justification: str
    error: str


@dataclass(frozen=True)
class BlocItem:
    title: str
    status: str
    label: str
    reason: str


@dataclass(frozen=True)
class CandidateItem:
    """One candidate's form: what was posted (kept after an error or a preview) or what is
    saved, and the verdict the rules reach from it."""

    decision: CandidateDecision
    competences: list[CompetenceItem]
    requirements: list[RequirementItem]
    blocs: list[BlocItem]
    proposed_outcome: str
    proposed_outcome_label: str
    outcome_reason: str
    outcome: str
    outcome_justification: str
    outcome_error: str
    amendments: list[AmendForm]
    carryable: bool  # blocs not validated: a rattrapage in a later session
    carry_error: str
    previewed: bool = False  # the verdict is computed from the form, not saved yet

    @property
    def errors(self) -> list[tuple[str, str, str]]:
        """(field id, what the field is, message) of every error of the decision form, in
        the page's order: the error summary's links."""
        pk = self.decision.pk
        found = [(f"justification-{c.row.pk}", c.row.competence.code or c.row.competence.title,
                  c.error) for c in self.competences if c.error]
        found += [(f"requirement-justification-{pk}-{r.requirement.pk}", r.requirement.label,
                   r.error) for r in self.requirements if r.error]
        if self.outcome_error:
            found.append((f"outcome-justification-{pk}", _("Outcome"), self.outcome_error))
        return found

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

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


# -- what the decision form posts --------------------------------------------------------
@dataclass(frozen=True)
class Posted:
    """The decision form as posted: final levels (compétence decision pk →), requirements
    ticked (the ``requirements_met`` shape), the outcome and its justification, and the
    proposal the form showed (``proposed-outcome``): an outcome left on that proposal,
    without a justification, follows the proposal as the rules recompute it."""

    finals: dict[int, int | None]
    justifications: dict[int, str]
    requirements_met: dict[str, dict]
    outcome: str
    outcome_justification: str
    shown_proposal: str

    @property
    def follows_proposal(self) -> bool:
        return (bool(self.shown_proposal) and self.outcome == self.shown_proposal
                and not self.outcome_justification)


def _posted(data, decision: CandidateDecision, requirements: list[Requirement]) -> Posted:
    finals, justifications = {}, {}
    for row in decision.competences.all():
        raw = data.get(f"final-{row.pk}", "")
        finals[row.pk] = int(raw) if raw.isdigit() else None
        justifications[row.pk] = data.get(f"justification-{row.pk}", "").strip()
    ticks = {str(r.pk): {"met": data.get(f"requirement-{r.pk}") == "on",
                         "justification": data.get(f"requirement-justification-{r.pk}",
                                                   "").strip()}
             for r in requirements}
    return Posted(finals, justifications, ticks, data.get("outcome", decision.outcome),
                  data.get("outcome-justification", "").strip(),
                  data.get("proposed-outcome", ""))


def _given(row: CompetenceDecision, page: DeliberationPage) -> list[MemberLevel]:
    labels = {level.number: level.label for level in page.levels}
    return [MemberLevel(entry["name"], page.assessments.get(entry.get("assessment"), ""),
                        entry["level"], labels.get(entry["level"], ""),
                        bool(entry.get("conflicted")))
            for entry in row.member_levels]


def _item(decision: CandidateDecision, page: DeliberationPage, errors: dict[str, str],
          posted: Posted | None = None, amend: AmendForm | None = None) -> CandidateItem:
    """The candidate's form: the values posted when there are (kept after an error, or
    previewed: the verdict is then what the rules reach from them, nothing saved), else
    the values saved."""
    ticks = posted.requirements_met if posted else decision.requirements_met
    rows = list(decision.competences.all())
    blocs = {b.bloc_id: b for b in decision.blocs.all()}
    if posted is None:
        verdict_blocs = [(b.bloc_id, b.status, b.reason) for b in blocs.values()]
        proposed, reason = decision.proposed_outcome, decision.outcome_reason
        outcome, justification = decision.outcome, decision.justification
    else:
        verdict = decision_preview(
            decision=decision, requirements_met=ticks,
            finals={row.competence_id: posted.finals.get(row.pk) for row in rows})
        verdict_blocs, reason = verdict.blocs, verdict.reason
        proposed = verdict.outcome.value
        outcome = proposed if posted.follows_proposal else posted.outcome
        justification = posted.outcome_justification
    return CandidateItem(
        decision=decision,
        competences=[CompetenceItem(
            row,
            posted.finals.get(row.pk) if posted else row.final_level,
            posted.justifications.get(row.pk, "") if posted else row.justification,
            errors.get(f"justification-{row.pk}", ""), _given(row, page)) for row in rows],
        requirements=[
            RequirementItem(r, bool(ticks.get(str(r.pk), {}).get("met")),
                            ticks.get(str(r.pk), {}).get("justification", ""),
                            errors.get(f"requirement-justification-{r.pk}", ""))
            for r in page.requirements
        ],
        blocs=[BlocItem(blocs[pk].bloc.code or blocs[pk].bloc.title, status,
                        BlocDecisionStatus(status).label, bloc_reason)
               for pk, status, bloc_reason in verdict_blocs if pk in blocs],
        proposed_outcome=proposed,
        proposed_outcome_label=CandidateOutcome(proposed).label,
        outcome_reason=reason,
        outcome=outcome,
        outcome_justification=justification,
        outcome_error=errors.get("outcome-justification", ""),
        amendments=_amend_forms(decision, page.requirements, page.levels, amend),
        carryable=any(b.status not in SETTLED for b in blocs.values()),
        carry_error=errors.get("to_session", ""),
        previewed=posted is not None and not errors,
    )


def _roles(request: HttpRequest, page: DeliberationPage) -> dict:
    """What the user may do on the deliberation's pages, and the state the action bar
    follows (not signed, signed, published)."""
    is_admin = is_administrator(request.user)
    # The president writes; other members of the jury read (DESIGN.md §8).
    is_president = (is_jury_member(request.user) and page.president_id is not None
                    and any(m.pk == page.president_id and m.user_id == request.user.pk
                            for m in page.members))
    signed = page.deliberation is not None and page.deliberation.is_signed
    return {
        "is_president": is_president, "signed": signed,
        "can_propose": (is_president or is_admin) and not signed,
        "can_publish": (is_president or is_admin) and signed,
        "can_sign": is_president and page.deliberation is not None and not signed,
        "can_write": is_president and page.deliberation is not None and not signed,
        "can_carry": signed and may_carry_rattrapage(request.user),
        # Amendments: the president present at the signature (docs/decisions/0004).
        "can_amend": signed and is_president and may_amend(request.user, page.deliberation),
    }


def _filter(request: HttpRequest) -> str:
    """The overview's filter in force (``?filter=``), kept from page to page; '' for all."""
    chosen = request.GET.get("filter") or request.POST.get("filter") or ""
    return chosen if chosen in DeliberationFilter else ""


def _with_filter(url: str, chosen: str) -> str:
    return f"{url}?{urlencode({'filter': chosen})}" if chosen else url


FILTERS = (
    ("", pgettext_lazy("candidates", "All")),
    (DeliberationFilter.DIVERGENT.value, gettext_lazy("Divergent")),
    (DeliberationFilter.UNDECIDED.value, gettext_lazy("Undecided")),
    (DeliberationFilter.DEPARTS.value, gettext_lazy("Departing from the proposal")),
)


def _render(request: HttpRequest, session: Session, *,
            sign_errors: list[str] | None = None, sign_warnings: list[str] | None = None,
            proposal_changes: list | None = None, stale_proposal: bool = False,
            status: int = 200) -> HttpResponse:
    """The overview: every candidate in a table with the filters, the signature's form
    and the action bar."""
    page = deliberation_page(session=session)
    roles = _roles(request, page)
    chosen = _filter(request)
    everyone = deliberation_overview(session=session)
    base = _url(session)
    filters = [{"value": value, "label": label, "count": sum(1 for r in everyone
                                                            if r.matches(value or None)),
                "url": _with_filter(base, value), "current": value == chosen}
               for value, label in FILTERS]
    rows = [{"row": row, "url": _with_filter(_candidate_url(session, row.decision), chosen)}
            for row in everyone if row.matches(chosen or None)]
    return render(request, "deliberations/deliberation.html", {
        "session": session, "page": page, **roles,
        "rows": rows, "filters": filters, "filter": chosen,
        "filter_label": dict(FILTERS)[chosen],
        "sign_errors": sign_errors or [], "sign_warnings": sign_warnings or [],
        "document_gaps": document_gaps_of(session=session) if not roles["signed"] else [],
        "proposal_changes": proposal_changes or [], "stale_proposal": stale_proposal,
    }, status=status)


def _render_candidate(request: HttpRequest, session: Session, decision_id: UUID, *,
                      errors: dict[str, str] | None = None, posted: Posted | None = None,
                      amend: AmendForm | None = None, status: int = 200) -> HttpResponse:
    """One candidate's page: their decision form (with the values posted after an error
    or a preview), previous and next in the overview's order under the filter in force,
    and the action bar."""
    page = deliberation_page(session=session, decision_id=decision_id)
    if not page.decisions:
        raise Http404
    decision = page.decisions[0]
    roles = _roles(request, page)
    chosen = _filter(request)
    walk = [row for row in deliberation_overview(session=session)
            if row.matches(chosen or None) or row.decision.pk == decision.pk]
    position = next(i for i, row in enumerate(walk) if row.decision.pk == decision.pk)
    previous = walk[position - 1] if position > 0 else None
    following = walk[position + 1] if position + 1 < len(walk) else None
    item = _item(decision, page, errors or {}, posted, amend)
    return render(request, "deliberations/deliberation_candidate.html", {
        "session": session, "page": page, **roles, "item": item, "decision": decision,
        "filter": chosen, "filter_label": dict(FILTERS)[chosen],
        "position": position + 1, "total": len(walk),
        "previous": previous and _with_filter(_candidate_url(session, previous.decision),
                                              chosen),
        "previous_name": previous and previous.decision.enrolment.candidate.legal_name,
        "next": following and _with_filter(_candidate_url(session, following.decision),
                                           chosen),
        "next_name": following and following.decision.enrolment.candidate.legal_name,
        "overview_url": _with_filter(_url(session), chosen),
        "outcomes": CandidateOutcome.choices,
        "later_sessions": later_sessions_of(session=session) if roles["can_carry"] else [],
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


def _candidate_url(session: Session, decision: CandidateDecision) -> str:
    return reverse("deliberations:deliberation_decision",
                   args=[session.public_id, decision.public_id])


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


def _save_candidate(request: HttpRequest, decision: CandidateDecision, posted: Posted,
                    requirements: list) -> dict[str, str]:
    """Apply what changed in one candidate's form; errors by field name. The requirements
    first: the proposal they lead to is the one an outcome left on the proposal follows,
    and the one a justification is asked against."""
    errors: dict[str, str] = {}
    for requirement in requirements:
        wanted = posted.requirements_met[str(requirement.pk)]
        current = decision.requirements_met.get(str(requirement.pk), {})
        if (wanted["met"], wanted["justification"]) == (bool(current.get("met")),
                                                        current.get("justification", "")):
            continue
        decision.refresh_from_db()
        try:
            requirement_tick(decision=decision, requirement=requirement, met=wanted["met"],
                             justification=wanted["justification"], by=request.user)
        except ValidationError as error:
            errors[f"requirement-justification-{requirement.pk}"] = " ".join(error.messages)
    for row in decision.competences.select_related("candidate_decision__deliberation__session"
                                                   "__referentiel"):
        final, justification = posted.finals.get(row.pk), posted.justifications.get(row.pk, "")
        if (final, justification) == (row.final_level, row.justification):
            continue
        try:
            competence_decision_override(decision=row, final_level=final,
                                         justification=justification, by=request.user)
        except ValidationError as error:
            errors[f"justification-{row.pk}"] = " ".join(error.messages)
    decision.refresh_from_db()
    outcome, justification = posted.outcome, posted.outcome_justification
    if posted.follows_proposal:
        outcome, justification = decision.proposed_outcome, ""
    if (outcome, justification) != (decision.outcome, decision.justification):
        try:
            candidate_outcome_override(decision=decision, outcome=outcome,
                                       justification=justification, by=request.user)
        except (ValidationError, ValueError) as error:
            errors["outcome-justification"] = " ".join(getattr(error, "messages", [str(error)]))
    return errors


@login_required
@require_http_methods(["GET", "POST"])
def decision_view(request: HttpRequest, session_id: UUID, decision_id: UUID) -> HttpResponse:
    """One candidate's page. GET: read (the jury's members and administrators), with the
    form for the president. POST with ``preview``: the page again with the values posted
    and the verdict the rules reach from them, nothing saved (the proposal recomputed as
    requirements are ticked; htmx swaps that part in). POST: save; an error answers the
    same page with every value posted kept and the errors next to their fields."""
    if request.method == "GET":
        try:
            session = deliberation_session_get_for_reader(user=request.user,
                                                          public_id=session_id)
        except Session.DoesNotExist:
            raise Http404 from None
        return _render_candidate(request, session, decision_id)
    session = _session(request, session_id)
    decision = _decision(session, decision_id)
    page = deliberation_page(session=session, decision_id=decision_id)
    posted = _posted(request.POST, page.decisions[0], page.requirements)
    if request.POST.get("preview"):
        if not _roles(request, page)["can_write"]:
            raise Http404
        return _render_candidate(request, session, decision_id, posted=posted)
    try:
        with transaction.atomic():
            errors = _save_candidate(request, decision, posted, page.requirements)
            if errors:
                transaction.set_rollback(True)
    except PermissionDenied:
        raise Http404 from None
    if errors:
        return _render_candidate(request, session, decision_id, errors=errors,
                                 posted=posted, status=422)
    messages.success(request, _("The decision of %(name)s is saved.")
                     % {"name": decision.enrolment.candidate.display_name})
    target = decision
    if request.POST.get("then") == "next":
        chosen = _filter(request)
        walk = [row.decision for row in deliberation_overview(session=session)
                if row.matches(chosen or None) or row.decision.pk == decision.pk]
        at = next(i for i, d in enumerate(walk) if d.pk == decision.pk)
        target = walk[at + 1] if at + 1 < len(walk) else decision
    return redirect(_with_filter(_candidate_url(session, target), _filter(request)))


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
        return _render_candidate(request, session, decision.public_id, amend=form,
                                 status=422)
    messages.success(request, _("The amendment for %(name)s is recorded.")
                     % {"name": decision.enrolment.candidate.display_name})
    return redirect(_with_filter(_candidate_url(session, decision), _filter(request)))


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
        return _render_candidate(request, session, decision.public_id, errors={
            "to_session": " ".join(error.messages)}, status=422)
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
         decision_view, name="deliberation_decision"),
    path("sessions/<uuid:session_id>/deliberation/candidates/<uuid:decision_id>/amend/",
         amendment_view, name="deliberation_amend"),
    path("sessions/<uuid:session_id>/deliberation/candidates/<uuid:decision_id>/rattrapage/",
         rattrapage_view, name="deliberation_rattrapage"),
    path("sessions/<uuid:session_id>/deliberation/sign/", deliberation_sign_view,
         name="deliberation_sign"),
    path("sessions/<uuid:session_id>/deliberation/publish/", deliberation_publish_view,
         name="deliberation_publish"),
]
