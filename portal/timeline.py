"""The session page's hub (issue 18): the session's stages from enrolment to the Caisse
des Dépôts declaration, each with its state, its figures and the pages it links to, and
the administrator's next action.

``session_facts_for_admin`` reads what the stages are made of in a constant number of
queries (the selectors of the apps below: juries, deliberations, reports); ``session_stages``
and ``next_action`` are pure functions of those facts, so every step of a session's life
is tested without a database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from accounts.models import User
from assessments.models import Assessment
from candidates.models import EnrolmentStatus, Session
from certifications.selectors import certification_rules
from deliberations.models import Deliberation
from deliberations.selectors import deliberation_list_for_user
from deliberations.services.sign import composition_messages
from juries.selectors import (
    AssessmentProgress,
    CompositionSummary,
    jury_composition_summary,
    jury_for_session,
    session_cancelled_epreuves,
    session_scoring_progress,
)
from reports.cdc import CdcDeclaration, cdc_declaration_for_session
from reports.cdc_precheck import SessionPrecheck, cdc_precheck
from reports.cdc_selectors import PassageCounts, cdc_passage_counts_for_session
from reports.selectors import SessionDocumentCounts, cdc_last_export, session_document_counts


class StageState(StrEnum):
    WAITING = "waiting"  # an earlier stage must be done first
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    LATE = "late"
    CANCELLED = "cancelled"  # an épreuve called off


STATE_LABELS = {
    StageState.WAITING: gettext_lazy("not yet possible"),
    StageState.TODO: gettext_lazy("to do"),
    StageState.IN_PROGRESS: gettext_lazy("in progress"),
    StageState.DONE: gettext_lazy("done"),
    StageState.LATE: gettext_lazy("overdue"),
    StageState.CANCELLED: pgettext_lazy("épreuve", "cancelled"),
}


@dataclass(frozen=True)
class SessionFacts:
    """What the stages are made of, read once."""

    session: Session
    enrolled: int  # withdrawn candidates left out
    epreuves: list[AssessmentProgress]
    jury_members: int
    president: str  # the president's name, "" when none is chosen
    composition: CompositionSummary | None  # None: no jury yet
    composition_errors: list[str]
    deliberation: Deliberation | None  # annotated with ``decisions``
    documents: SessionDocumentCounts
    declaration: CdcDeclaration | None  # None before signing
    today: date
    cdc_downloaded_at: datetime | None = None  # the holders file's last download
    cdc_ids_missing: bool = False  # the certification lacks its Caisse des Dépôts ids
    # The holders' passages by state once a declaration flux was built (reports/cdc_flux.py).
    cdc_passages: PassageCounts | None = None
    # The pre-declaration report (reports/cdc_precheck.py): None without candidates.
    cdc_precheck: SessionPrecheck | None = None
    # Épreuves called off: shown struck in the épreuves stage, with their reason.
    cancelled_epreuves: tuple[Assessment, ...] = ()

    @property
    def cdc_to_complete(self) -> int:
        """Candidates whose identity would refuse the holders file as it stands."""
        return len(self.cdc_precheck.to_complete) if self.cdc_precheck else 0

    @property
    def cdc_downloaded_in_time(self) -> bool:
        """Downloaded on or before its deadline: presumably deposited."""
        return (self.declaration is not None and self.cdc_downloaded_at is not None
                and timezone.localdate(self.cdc_downloaded_at)
                <= self.declaration.deadline.due_on)

    @property
    def decisions(self) -> int:
        return getattr(self.deliberation, "decisions", 0) if self.deliberation else 0

    @property
    def proposed(self) -> bool:
        return self.deliberation is not None and self.deliberation.proposed_at is not None

    @property
    def signed(self) -> bool:
        return self.deliberation is not None and self.deliberation.is_signed

    @property
    def published(self) -> bool:
        return self.session.results_published_at is not None

    @property
    def jury_ready(self) -> bool:
        return self.jury_members > 0 and not self.composition_errors

    @property
    def present(self) -> int:
        return sum(item.present for item in self.epreuves)

    @property
    def scored(self) -> int:
        return sum(item.scored for item in self.epreuves)


def session_facts_for_admin(*, user: User, session: Session, now: datetime | None = None
                            ) -> SessionFacts:
    """The facts of a session reached through an administrator's selector; fifteen queries
    at most whatever the number of candidates, épreuves and documents."""
    now = now or timezone.now()
    enrolled = session.enrolments.exclude(status=EnrolmentStatus.WITHDRAWN).count()
    jury = jury_for_session(user=user, session=session)
    certification = session.referentiel.certification
    composition, errors = None, []
    if jury is not None:
        composition = jury_composition_summary(jury=jury, certification=certification)
        errors, _warnings = composition_messages(composition.check,
                                                 certification_rules(certification))
    deliberation = (deliberation_list_for_user(user=user).filter(session=session)
                    .annotate(decisions=Count("candidates")).first())
    signed = deliberation is not None and deliberation.is_signed
    export = cdc_last_export(deliberation=deliberation) if signed else None
    return SessionFacts(
        session=session,
        enrolled=enrolled,
        epreuves=session_scoring_progress(session=session, now=now),
        cancelled_epreuves=tuple(session_cancelled_epreuves(session=session)),
        jury_members=composition.members if composition else 0,
        president=str(jury.president) if jury is not None and jury.president else "",
        composition=composition,
        composition_errors=errors,
        deliberation=deliberation,
        documents=session_document_counts(session=session),
        declaration=(cdc_declaration_for_session(session=session,
                                                 today=timezone.localdate(now))
                     if signed else None),
        today=timezone.localdate(now),
        cdc_downloaded_at=export.at if export is not None else None,
        cdc_ids_missing=not (certification.cdc_client_id and certification.cdc_contract_id),
        cdc_passages=cdc_passage_counts_for_session(session=session) if signed else None,
        cdc_precheck=cdc_precheck(session=session, signed=signed) if enrolled else None,
    )


# -- the stages ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class EpreuveLine:
    """One épreuve in the épreuves stage."""

    title: str
    url: str  # its assignments page
    lines: list[str]
    state: StageState

    @property
    def state_label(self) -> str:
        if self.state is StageState.WAITING:
            return _("not over yet")
        return str(STATE_LABELS[self.state])


@dataclass(frozen=True)
class Stage:
    key: str  # the anchor: "stage-<key>"
    title: str
    state: StageState
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    epreuves: list[EpreuveLine] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def _url(name: str, *args: object) -> str:
    return reverse(name, args=[str(arg) for arg in args])


def _day(moment: date | datetime) -> str:
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return date_format(moment, "DATE_FORMAT")


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _organiser_line(session: Session) -> tuple[str, list[str]]:
    """Who organises the session (a partner or the certifier itself), and a problem when
    the partner is no longer habilitated to organise on the session's dates."""
    partner = session.partner
    if partner is None:
        return _("Organised by the certifier itself."), []
    line = _("Organised by the partner %(name)s (SIRET %(siret)s).") % {
        "name": partner.legal_name, "siret": partner.siret}
    if session.is_signed or partner.organises_between(session.starts_on, session.ends_on):
        return line, []
    return line, [_("%(name)s is no longer habilitated to organise the assessment on the "
                    "session's dates: check its habilitation on the certification's partners "
                    "page, or change the session's partner.") % {"name": partner.legal_name}]


def _enrolment_stage(facts: SessionFacts) -> Stage:
    sid = facts.session.public_id
    links = [] if facts.signed else [  # a signed session enrols nobody any more
        Link(_("Enrol a candidate"), _url("candidates:enrolment_create", sid)),
        Link(_("Enrol from a spreadsheet"), _url("candidates:enrolment_import_upload", sid)),
        Link(_("Edit the session"), _url("candidates:session_edit", sid))]
    organiser, problems = _organiser_line(facts.session)
    lines = [ngettext("%(count)d candidate enrolled.", "%(count)d candidates enrolled.",
                      facts.enrolled) % {"count": facts.enrolled}, organiser]
    precheck = _precheck_problems(facts)
    if precheck:
        links.append(_precheck_link(facts))
    return Stage(
        "enrolment", pgettext("session stage", "Enrolment"),
        StageState.DONE if facts.enrolled else StageState.TODO,
        lines=lines, problems=[*problems, *precheck],
        links=[*links, Link(_("Dashboard"), _url("candidates:session_dashboard", sid))],
    )


def _precheck_problems(facts: SessionFacts) -> list[str]:
    """« n candidates to complete before the declaration », said from the first enrolment
    (the identities the Caisse des Dépôts file will need)."""
    count = facts.cdc_to_complete
    if not count:
        return []
    return [ngettext("%(count)d candidate to complete before the declaration to the Caisse "
                     "des Dépôts.",
                     "%(count)d candidates to complete before the declaration to the Caisse "
                     "des Dépôts.", count) % {"count": count}]


def _precheck_link(facts: SessionFacts) -> Link:
    return Link(_("Check the identities before the declaration"),
                _url("reports:cdc_precheck", facts.session.public_id))


def _epreuve_line(item: AssessmentProgress) -> EpreuveLine:
    assessment = item.assessment
    where = assessment.place or _("place to be announced")
    lines = [_("%(when)s, %(place)s") % {"when": _when(assessment.starts_at), "place": where},
             ngettext("%(count)d candidate scheduled.", "%(count)d candidates scheduled.",
                      item.scheduled) % {"count": item.scheduled}]
    if item.unassigned:
        lines.append(ngettext(
            "%(count)d candidate has no jury member assigned.",
            "%(count)d candidates have no jury member assigned.",
            item.unassigned) % {"count": item.unassigned})
    lines.append(_("Scoring: %(scored)d of %(present)d candidates present fully scored.")
                 % {"scored": item.scored, "present": item.present})
    if item.not_over:
        state = StageState.WAITING
    else:
        state = StageState.DONE if item.fully_scored else StageState.IN_PROGRESS
    return EpreuveLine(str(assessment.modality.title),
                       _url("juries:assignments", assessment.public_id), lines, state)


def _cancelled_line(assessment: Assessment, session_id: UUID) -> EpreuveLine:
    lines = [_("Was planned for %(when)s; cancelled on %(date)s.") % {
        "when": _when(assessment.starts_at),
        "date": date_format(timezone.localtime(assessment.cancelled_at), "DATE_FORMAT")}]
    if assessment.cancel_reason:
        lines.append(_("Reason: %(reason)s") % {"reason": assessment.cancel_reason})
    return EpreuveLine(str(assessment.modality.title),
                       _url("juries:assessment_list", session_id), lines,
                       StageState.CANCELLED)


def _epreuves_stage(facts: SessionFacts) -> Stage:
    sid = facts.session.public_id
    links = [Link(_("The épreuves"), _url("juries:assessment_list", sid))]
    if not facts.signed:
        links.append(Link(_("Schedule an épreuve"), _url("juries:assessment_create", sid)))
    if facts.epreuves and not facts.signed:
        links.append(Link(_("Convoke the candidates"),
                          _url("notifications:session_messages", sid)))
    cancelled = [_cancelled_line(assessment, sid) for assessment in facts.cancelled_epreuves]
    if not facts.epreuves:
        return Stage("epreuves", _("Épreuves and scoring"),
                     StageState.TODO if facts.enrolled else StageState.WAITING,
                     lines=[_("No épreuve is scheduled yet.")], links=links,
                     epreuves=cancelled)
    done = not any(item.blocks_signing for item in facts.epreuves)
    return Stage(
        "epreuves", _("Épreuves and scoring"),
        StageState.DONE if done else StageState.IN_PROGRESS,
        lines=[_("%(scored)d of %(present)d candidates present fully scored, all épreuves "
                 "together.") % {"scored": facts.scored, "present": facts.present}],
        epreuves=[*(_epreuve_line(item) for item in facts.epreuves), *cancelled], links=links)


def _jury_stage(facts: SessionFacts) -> Stage:
    link = Link(_("The jury") if facts.jury_ready else _("Compose the jury"),
                _url("juries:jury_compose", facts.session.public_id))
    if not facts.jury_members:
        return Stage("jury", _("Jury"), StageState.TODO,
                     lines=[_("No member yet.")], links=[link])
    lines = [ngettext("%(count)d member.", "%(count)d members.", facts.jury_members)
             % {"count": facts.jury_members}]
    lines.append(_("President: %(name)s.") % {"name": facts.president} if facts.president
                 else _("No president chosen yet."))
    if not facts.composition_errors:
        lines.append(_("The composition meets the certification's rules."))
    return Stage("jury", _("Jury"),
                 StageState.IN_PROGRESS if facts.composition_errors else StageState.DONE,
                 lines=lines, problems=facts.composition_errors, links=[link])


def _deliberation_stage(facts: SessionFacts) -> Stage:
    sid = facts.session.public_id
    links = [Link(_("The deliberation"), _url("deliberations:deliberation", sid)),
             Link(_("Every member's levels"), _url("juries:session_scores", sid))]
    if not facts.proposed:
        ready = facts.epreuves and not any(item.blocks_signing for item in facts.epreuves)
        return Stage("deliberation", _("Deliberation"),
                     StageState.TODO if ready else StageState.WAITING,
                     lines=[_("Not started.")], links=links)
    decided = _("%(decisions)d decisions for %(enrolled)d candidates enrolled.") % {
        "decisions": facts.decisions, "enrolled": facts.enrolled}
    proposed = _("Proposed on %(date)s.") % {"date": _day(facts.deliberation.proposed_at)}
    return Stage("deliberation", _("Deliberation"),
                 StageState.DONE if facts.signed else StageState.IN_PROGRESS,
                 lines=[proposed, decided], links=links)


def _signing_stage(facts: SessionFacts) -> Stage:
    link = Link(_("The deliberation"),
                _url("deliberations:deliberation", facts.session.public_id))
    if facts.signed:
        deliberation = facts.deliberation
        by = str(deliberation.signed_by) if deliberation.signed_by else facts.president
        return Stage("signing", _("Signing of the minutes"), StageState.DONE,
                     lines=[_("Signed on %(date)s by %(name)s.")
                            % {"date": _day(deliberation.signed_at), "name": by}],
                     links=[link])
    problems = []
    for item in facts.epreuves:
        title = item.assessment.modality.title
        if item.not_over:
            problems.append(_("The épreuve “%(title)s” is not over (%(date)s).")
                            % {"title": title, "date": _when(item.ends_at)})
        elif item.unscored:
            problems.append(ngettext(
                "The épreuve “%(title)s”: %(count)d candidate present is not fully scored.",
                "The épreuve “%(title)s”: %(count)d candidates present are not fully scored.",
                len(item.unscored)) % {"title": title, "count": len(item.unscored)})
    if not facts.proposed:
        return Stage("signing", _("Signing of the minutes"), StageState.WAITING,
                     lines=[_("The deliberation must be proposed first.")], links=[link])
    lines = [_("The jury's president signs the minutes on the deliberation page.")]
    return Stage("signing", _("Signing of the minutes"), StageState.TODO, lines=lines,
                 problems=problems, links=[link])


def _publication_stage(facts: SessionFacts) -> Stage:
    link = Link(_("The deliberation"),
                _url("deliberations:deliberation", facts.session.public_id))
    if facts.published:
        return Stage("publication", _("Publication of the results"), StageState.DONE,
                     lines=[_("Published on %(date)s: candidates read their results in "
                              "their space.")
                            % {"date": _day(facts.session.results_published_at)}],
                     links=[link])
    if not facts.signed:
        return Stage("publication", _("Publication of the results"), StageState.WAITING,
                     lines=[_("Once the minutes are signed.")], links=[link])
    return Stage("publication", _("Publication of the results"), StageState.TODO,
                 lines=[_("Not published: candidates do not see their results yet.")],
                 links=[link])


def _documents_stage(facts: SessionFacts) -> Stage:
    counts = facts.documents
    link = Link(_("The documents"), _url("reports:session_documents", facts.session.public_id))
    if not facts.signed and not counts.total:
        return Stage("documents", _("Documents"), StageState.WAITING,
                     lines=[_("Issued once the minutes are signed.")], links=[link])
    lines = [_("%(issued)d issued, %(pending)d being issued, %(failed)d failed.")
             % {"issued": counts.issued, "pending": counts.pending, "failed": counts.failed}]
    if counts.revoked:
        lines.append(ngettext("%(count)d revoked.", "%(count)d revoked.", counts.revoked)
                     % {"count": counts.revoked})
    if counts.failed or not counts.total:
        state = StageState.TODO
    elif counts.pending:
        state = StageState.IN_PROGRESS
    else:
        state = StageState.DONE
    return Stage("documents", _("Documents"), state, lines=lines, links=[link])


def _declaration_stage(facts: SessionFacts) -> Stage:
    title = _("Declaration to the Caisse des Dépôts")
    declaration = facts.declaration
    if declaration is None:
        return Stage("cdc", title, StageState.WAITING,
                     lines=[_("The holders file can be produced once the minutes are "
                              "signed.")],
                     # Said before signing too: the certification's ids and code.
                     problems=_precheck_problems(facts) + (
                         facts.cdc_precheck.certification_problems
                         if facts.cdc_precheck else []),
                     links=[_precheck_link(facts)] if facts.cdc_precheck else [])
    deadline = declaration.deadline
    if not declaration.holders and not declaration.revoked:
        return Stage("cdc", title, StageState.DONE,
                     lines=[_("No candidate obtained the certification: there is no holder "
                              "to declare.")])
    due = {"date": _day(deadline.due_on)}
    if deadline.overdue:
        lines = [ngettext("To be deposited before %(date)s: overdue by %(days)d day.",
                          "To be deposited before %(date)s: overdue by %(days)d days.",
                          deadline.days_overdue) % {**due, "days": deadline.days_overdue}]
    else:
        lines = [ngettext("To be deposited before %(date)s: %(days)d day left.",
                          "To be deposited before %(date)s: %(days)d days left.",
                          deadline.days_left) % {**due, "days": deadline.days_left}]
    lines.append(ngettext("%(count)d holder to declare.", "%(count)d holders to declare.",
                          declaration.holders) % {"count": declaration.holders})
    if declaration.revoked:
        lines.append(_("Left out, certificate revoked: %(names)s.")
                     % {"names": ", ".join(declaration.revoked)})
    if facts.cdc_downloaded_at is not None:
        lines.append(_("The holders file was last downloaded on %(date)s.")
                     % {"date": _day(facts.cdc_downloaded_at)})
    links = []
    problems = list(declaration.problems)
    if problems:
        lines.append(_("The holders file cannot be produced yet:"))
        if facts.cdc_ids_missing:
            links.append(Link(
                _("Legal mentions and Caisse des Dépôts ids of the certification"),
                _url("certifications:certification_mentions",
                     facts.session.referentiel.certification.public_id)))
    else:
        links.append(Link(_("Download the holders file (XML)"),
                          _url("reports:cdc_accrochage", facts.session.public_id)))
    if facts.cdc_downloaded_in_time:
        state = StageState.DONE
    elif deadline.overdue:
        state = StageState.LATE
    else:
        state = StageState.IN_PROGRESS if facts.cdc_downloaded_at else StageState.TODO
    counts = facts.cdc_passages
    if counts is not None and counts.tracked:
        state = _tracked_declaration(counts, declaration, lines, links)
    elif not problems:
        links.append(Link(_("Declarations to the Caisse des Dépôts"),
                          _url("reports:cdc_declarations")))
    if facts.cdc_precheck:
        links.append(_precheck_link(facts))
    return Stage("cdc", title, state, lines=lines, problems=problems, links=links)


def _tracked_declaration(counts: PassageCounts, declaration: CdcDeclaration,
                         lines: list[str], links: list[Link]) -> StageState:
    """The stage once declaration fluxes track the passages: their states say where the
    declaration stands, not the last download."""
    lines.append(_("Passages: %(declared)d declared, %(accepted)d accepted, %(rejected)d "
                   "rejected.") % {"declared": counts.declared, "accepted": counts.accepted,
                                   "rejected": counts.rejected})
    if counts.corrected:
        lines.append(ngettext("%(count)d corrected, to declare again.",
                              "%(count)d corrected, to declare again.", counts.corrected)
                     % {"count": counts.corrected})
    if counts.revoked:
        lines.append(ngettext("%(count)d revoked after declaration: withdraw it on the Caisse "
                              "des Dépôts portal.",
                              "%(count)d revoked after declaration: withdraw them on the "
                              "Caisse des Dépôts portal.", counts.revoked)
                     % {"count": counts.revoked})
    links.append(Link(_("Declarations to the Caisse des Dépôts"),
                      _url("reports:cdc_declarations")))
    unsent = max(0, declaration.holders - counts.declared - counts.accepted - counts.rejected)
    if counts.rejected or unsent or counts.corrected:
        return StageState.LATE if declaration.deadline.overdue else StageState.IN_PROGRESS
    if counts.accepted >= declaration.holders:
        return StageState.DONE
    return StageState.IN_PROGRESS  # sent, waiting for the processing report


def session_stages(facts: SessionFacts) -> list[Stage]:
    """The session's stages in the order a session lives them."""
    return [_enrolment_stage(facts), _epreuves_stage(facts), _jury_stage(facts),
            _deliberation_stage(facts), _signing_stage(facts), _publication_stage(facts),
            _documents_stage(facts), _declaration_stage(facts)]


# -- the next action -------------------------------------------------------------------------
@dataclass(frozen=True)
class NextAction:
    key: str  # which step: stable, for tests and styles
    label: str  # the button's words
    url: str
    detail: str = ""  # a sentence saying why, when the label does not


def _before_signing(facts: SessionFacts) -> NextAction:
    sid = facts.session.public_id
    if not facts.enrolled:
        return NextAction("enrol", _("Enrol candidates"),
                          _url("candidates:enrolment_import_upload", sid),
                          _("No candidate is enrolled in this session yet."))
    if not facts.epreuves:
        return NextAction("schedule", _("Schedule the épreuves"),
                          _url("juries:assessment_create", sid),
                          _("No épreuve is scheduled yet."))
    if not facts.jury_ready:
        return NextAction("jury", _("Compose the jury"), _url("juries:jury_compose", sid),
                          " ".join(facts.composition_errors)
                          or _("The jury has no member yet."))
    for item in facts.epreuves:
        if item.unassigned:
            return NextAction(
                "assign", _("Assign jury members to the épreuve “%(title)s”")
                % {"title": item.assessment.modality.title},
                _url("juries:assignments", item.assessment.public_id),
                ngettext("%(count)d candidate has no jury member assigned.",
                         "%(count)d candidates have no jury member assigned.",
                         item.unassigned) % {"count": item.unassigned})
    waiting = [item for item in facts.epreuves if item.blocks_signing]
    if waiting:
        first = waiting[0]
        label = _("Wait for or enter the scores (%(scored)d/%(present)d)") % {
            "scored": facts.scored, "present": facts.present}
        detail = (_("The épreuve “%(title)s” is not over: it ends on %(date)s.")
                  % {"title": first.assessment.modality.title, "date": _when(first.ends_at)}
                  if first.not_over else
                  _("The épreuve “%(title)s”: %(scored)d of %(present)d candidates present "
                    "fully scored.") % {"title": first.assessment.modality.title,
                                        "scored": first.scored, "present": first.present})
        return NextAction("score", label,
                          _url("juries:assignments", first.assessment.public_id), detail)
    if not facts.proposed:
        return NextAction("deliberate", _("Deliberate"),
                          _url("deliberations:deliberation", sid),
                          _("Every épreuve is over and scored: propose the jury's "
                            "decisions."))
    return NextAction("sign", _("Sign the minutes"), _url("deliberations:deliberation", sid),
                      _("The jury's president signs the minutes once the decisions are "
                        "final."))


def _after_signing(facts: SessionFacts) -> NextAction:
    sid = facts.session.public_id
    if not facts.published:
        return NextAction("publish", _("Publish the results"),
                          _url("deliberations:deliberation", sid),
                          _("The minutes are signed: candidates will read their results "
                            "once published."))
    counts = facts.documents
    if counts.failed or not counts.total:
        return NextAction("issue", _("Issue the documents"),
                          _url("reports:session_documents", sid),
                          ngettext("%(count)d document failed.", "%(count)d documents failed.",
                                   counts.failed) % {"count": counts.failed}
                          if counts.failed else _("No document is issued yet."))
    if counts.pending:
        return NextAction("documents_pending", _("Follow the documents being issued"),
                          _url("reports:session_documents", sid),
                          ngettext("%(count)d document is being issued.",
                                   "%(count)d documents are being issued.",
                                   counts.pending) % {"count": counts.pending})
    declaration = facts.declaration
    if declaration is None or (not declaration.holders and not declaration.revoked):
        return NextAction("done", _("See the documents"), _url("reports:session_documents", sid),
                          _("The session is complete: nothing is left to do."))
    tracked = _tracked_next(facts, declaration)
    if tracked is not None:
        return tracked
    deadline = declaration.deadline
    due = {"date": _day(deadline.due_on)}
    if facts.cdc_downloaded_in_time and not declaration.problems:
        return NextAction("cdc_downloaded", _("Download the holders file again"),
                          _url("reports:cdc_accrochage", sid),
                          _("The holders file was downloaded on %(downloaded)s: deposit it "
                            "on the Caisse des Dépôts portal before %(date)s if not done "
                            "yet.") % {**due, "downloaded": _day(facts.cdc_downloaded_at)})
    if declaration.problems:
        return NextAction("cdc_problems",
                          _("Complete the declaration to the Caisse des Dépôts before "
                            "%(date)s") % due, "#stage-cdc",
                          ngettext("The holders file cannot be produced yet: %(count)d "
                                   "problem to fix, listed under the declaration below.",
                                   "The holders file cannot be produced yet: %(count)d "
                                   "problems to fix, listed under the declaration below.",
                                   len(declaration.problems))
                          % {"count": len(declaration.problems)})
    if deadline.overdue:
        return NextAction("cdc_overdue",
                          _("Deposit the declaration to the Caisse des Dépôts now"),
                          _url("reports:cdc_accrochage", sid),
                          ngettext("It was due on %(date)s, %(days)d day ago.",
                                   "It was due on %(date)s, %(days)d days ago.",
                                   deadline.days_overdue)
                          % {**due, "days": deadline.days_overdue})
    return NextAction("cdc", _("Deposit the declaration to the Caisse des Dépôts before "
                               "%(date)s") % due,
                      _url("reports:cdc_accrochage", sid),
                      _("Download the holders file, then deposit it on the Caisse des "
                        "Dépôts portal."))


def _tracked_next(facts: SessionFacts, declaration: CdcDeclaration) -> NextAction | None:
    """Once fluxes track the passages: rejected holders to correct first, then the
    processing report to upload; None while holders are still to send (the file)."""
    counts = facts.cdc_passages
    if counts is None or not counts.tracked:
        return None
    declarations = _url("reports:cdc_declarations")
    if counts.rejected:
        return NextAction("cdc_rejected",
                          _("Correct the holders the Caisse des Dépôts rejected"), declarations,
                          ngettext("%(count)d holder was rejected: correct the identity, the "
                                   "next flux declares it again.",
                                   "%(count)d holders were rejected: correct their identity, "
                                   "the next flux declares them again.", counts.rejected)
                          % {"count": counts.rejected})
    unsent = max(0, declaration.holders - counts.declared - counts.accepted)
    if unsent or counts.corrected:
        return NextAction("cdc_flux", _("Build the declaration flux"), declarations,
                          ngettext("%(count)d holder is not declared yet.",
                                   "%(count)d holders are not declared yet.", unsent
                                   or counts.corrected) % {"count": unsent or counts.corrected})
    if counts.accepted >= declaration.holders:
        return NextAction("done", _("See the declarations"), declarations,
                          _("The Caisse des Dépôts accepted every holder: nothing is left to "
                            "do."))
    return NextAction("cdc_report", _("Upload the processing report"), declarations,
                      _("Every holder is declared: the Caisse des Dépôts' processing report "
                        "will say whether it accepted them."))


def next_action(facts: SessionFacts) -> NextAction:
    """What the administrator does next, from the first stage not done."""
    return _after_signing(facts) if facts.signed else _before_signing(facts)
