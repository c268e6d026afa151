"""Writes on the deliberation (DESIGN.md §4.4, §5): propose from the scores, override with
justification, sign (quorum and composition, then lock), publish, amend after signing,
carry rattrapage and complement to a later session.

Every decision comes from the pure rules of ``certifications.rules``; this module reads
the rows they need in a constant number of queries and writes the decisions in bulk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import (
    may_amend,
    may_carry_rattrapage,
    may_deliberate,
    may_sign,
    require,
)
from accounts.services import audit_log
from assessments.models import Attendance, Score, Sitting
from candidates.facts import certification_facts, holder_facts
from candidates.models import (
    AcquiredBloc,
    AcquisitionOrigin,
    Enrolment,
    EnrolmentStatus,
    Session,
    TargetBloc,
)
from candidates.services import AcquiredBlocInput, enrolment_create, session_row_lock
from certifications.models import Bloc, Competence, Level, Requirement
from certifications.rules import (
    BlocStatus,
    CandidateResult,
    CertificationRules,
    CompositionCheck,
    MemberPresence,
    Outcome,
    ScaleRules,
    bloc_status,
    bloc_still_acquired,
    candidate_outcome,
    jury_composition_check,
    levels_diverge,
    proposed_level,
)
from certifications.selectors import certification_rules
from certifications.vocabulary import LevelOutcome
from juries.models import (
    Amendment,
    BlocDecision,
    BlocDecisionStatus,
    CandidateDecision,
    CandidateOutcome,
    CompetenceDecision,
    ConflictOfInterest,
    Deliberation,
    JuryMember,
)


class DeliberationClosedError(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            _("The deliberation is signed: decisions change only through an amendment."),
            code="signed",
        )


@dataclass(frozen=True)
class ProposalChange:
    """One thing that changed since the proposal: a member's level on a compétence, or a
    candidate's attendance at an épreuve (``competence`` or ``assessment`` is set)."""

    candidate: str
    old: str
    new: str
    competence: str = ""
    member: str = ""
    assessment: str = ""

    def __str__(self) -> str:
        if self.assessment:
            return _("%(candidate)s — attendance at %(assessment)s: %(old)s → %(new)s") % {
                "candidate": self.candidate, "assessment": self.assessment,
                "old": self.old, "new": self.new}
        if self.competence:
            return _("%(candidate)s — %(competence)s, %(member)s: %(old)s → %(new)s") % {
                "candidate": self.candidate, "competence": self.competence,
                "member": self.member, "old": self.old, "new": self.new}
        return _("%(candidate)s: %(old)s → %(new)s") % {
            "candidate": self.candidate, "old": self.old, "new": self.new}


class StaleProposalError(ValidationError):
    """The president would sign something else than what they saw: scores or attendance
    changed since the proposal (``changes`` says what), or the proposal was made again
    since the page was displayed. Nothing was signed."""

    def __init__(self, changes: list[ProposalChange]) -> None:
        self.changes = changes
        super().__init__(
            _("The scores or the attendance changed since the proposal: propose again, "
              "check the decisions and sign.") if changes else
            _("The proposal was made again since this page was displayed: check it and "
              "sign again."),
            code="stale_proposal",
        )


class SigningRefusedError(ValidationError):
    """Quorum or composition not met: ``reasons`` says why, nothing was signed."""

    def __init__(self, reasons: list[str], warnings: list[str]) -> None:
        self.reasons, self.warnings = reasons, warnings
        super().__init__(reasons, code="composition")


# -- document issuing: the reports app plugs in here ----------------------------------------
def issue_documents_for_deliberation(deliberation_id: int) -> None:
    """Run after the signature commits: sends the reports app's issuing task (minutes,
    transcripts, bloc attestations, certificates) by name, since juries may not import
    reports."""
    from config.celery_app import app

    app.send_task("reports.tasks.issue_for_deliberation_task", args=[deliberation_id])


def reissue_documents_for_amendment(amendment_id: int) -> None:
    """Run after an amendment commits: sends the reports app's task by name; it reissues
    the affected candidate's documents and revokes the old ones."""
    from config.celery_app import app

    app.send_task("reports.tasks.reissue_for_amendment_task", args=[amendment_id])


# -- who may do what ------------------------------------------------------------------------
def _require_president(user: User, session: Session) -> None:
    require(may_sign(user, session), _("Only the president of the jury may do this."))


def _require_signing_president(user: User, deliberation: Deliberation) -> None:
    """Amendments (docs/decisions/0004-who-amends.md): the president of the jury that
    signed, among the members present at the signature. The jury cannot change once
    signed, so no one added later ever amends."""
    require(may_amend(user, deliberation),
            _("Only the president of the jury that signed may amend a decision."))


def _require_president_or_admin(user: User, session: Session) -> None:
    require(may_deliberate(user, session), _("Only the president of the jury may do this."))


# -- what the rules read, gathered once ------------------------------------------------------
@dataclass
class _Candidate:
    enrolment: Enrolment
    targeted: set[int] = field(default_factory=set)  # blocs to decide in this session
    acquired: dict[int, AcquiredBloc] = field(default_factory=dict)  # still acquired
    expired: dict[int, AcquiredBloc] = field(default_factory=dict)
    attendance: set[str] = field(default_factory=set)
    sittings: dict[int, str] = field(default_factory=dict)  # sitting pk → attendance


@dataclass
class _Context:
    session: Session
    on: date
    rules: CertificationRules
    scale: ScaleRules
    blocs: list[Bloc]
    competences: dict[int, list[Competence]]  # bloc pk → its compétences, in order
    requirements: list[Requirement]
    candidates: dict[int, _Candidate]  # enrolment pk →


def _context(session: Session, enrolment_ids: Iterable[int] | None = None) -> _Context:
    """Everything but the scores, in eight queries whatever the number of candidates."""
    referentiel = session.referentiel
    enrolments = Enrolment.objects.filter(session=session).exclude(
        status=EnrolmentStatus.WITHDRAWN).select_related("candidate")
    if enrolment_ids is not None:
        enrolments = enrolments.filter(pk__in=list(enrolment_ids))
    candidates = {e.pk: _Candidate(e) for e in enrolments}
    blocs = list(Bloc.objects.filter(referentiel=referentiel).order_by("position", "pk"))
    competences: dict[int, list[Competence]] = {bloc.pk: [] for bloc in blocs}
    for competence in Competence.objects.filter(bloc__referentiel=referentiel).order_by(
            "bloc__position", "bloc_id", "position", "pk"):
        competences[competence.bloc_id].append(competence)
    rules = certification_rules(referentiel.certification)
    # After signing (an amendment), the rules of the day of the signature: its date and
    # the requirements it was signed on, not what a later import or edit says.
    signed = Deliberation.objects.filter(session=session, status=Deliberation.Status.SIGNED
                                         ).values_list("signed_at", "minutes").first()
    on = timezone.localdate(signed[0]) if signed else timezone.localdate()
    for acquired in AcquiredBloc.objects.filter(enrolment__in=list(candidates)):
        target = candidates[acquired.enrolment_id]
        still = bloc_still_acquired(acquired.acquired_on, on, rules.bloc_validity_months)
        (target.acquired if still else target.expired)[acquired.bloc_id] = acquired
    chosen: dict[int, set[int]] = {}
    for enrolment_id, bloc_id in TargetBloc.objects.filter(
            enrolment__in=list(candidates)).values_list("enrolment_id", "bloc_id"):
        chosen.setdefault(enrolment_id, set()).add(bloc_id)
    for sitting_id, enrolment_id, attendance in Sitting.objects.filter(
            enrolment__in=list(candidates)).values_list("pk", "enrolment_id", "attendance"):
        candidates[enrolment_id].attendance.add(attendance)
        candidates[enrolment_id].sittings[sitting_id] = attendance
    every = {bloc.pk for bloc in blocs}
    for pk, item in candidates.items():
        wanted = every if item.enrolment.whole_certification else chosen.get(pk, set())
        item.targeted = wanted - set(item.acquired)
    levels = Level.objects.filter(scale_id=referentiel.scale_id)
    scale = ScaleRules(
        outcomes={lv.number: LevelOutcome(lv.outcome) for lv in levels},
        comment_required=frozenset(lv.number for lv in levels if lv.comment_required),
    )
    frozen = (signed[1] or {}).get("referentiel", {}).get("requirements") if signed else None
    if frozen is not None:
        requirements = [Requirement(pk=r["id"], label=r["label"]) for r in frozen]
    else:
        requirements = list(Requirement.objects.filter(
            certification_id=referentiel.certification_id).order_by("position", "pk"))
    return _Context(session, on, rules, scale, blocs, competences, requirements, candidates)


def _member_levels(session: Session, enrolment_ids: Iterable[int] | None = None
                   ) -> dict[tuple[int, int], list[dict]]:
    """(enrolment, compétence) → each member's level, a declared conflict flagged, members
    in name order. Three queries; each scorer's name is built once, not once a score."""
    scores = Score.objects.filter(sitting__assessment__session=session, level__isnull=False)
    conflicts_qs = ConflictOfInterest.objects.filter(candidate__enrolments__session=session)
    if enrolment_ids is not None:
        ids = list(enrolment_ids)
        scores = scores.filter(sitting__enrolment__in=ids)
        conflicts_qs = conflicts_qs.filter(candidate__enrolments__in=ids)
    conflicts = set(conflicts_qs.values_list("member__user_id", "candidate_id"))
    rows = list(scores.values_list("sitting__enrolment_id", "sitting__enrolment__candidate_id",
                                   "competence_id", "scorer_id", "level"))
    # The scorers (a handful) in the order the members are listed, by the database's
    # collation as before; the rows sorted by it (stable: ties keep the database's order).
    scorers = User.objects.filter(pk__in={row[3] for row in rows}).order_by(
        "last_name", "first_name", "pk").values_list("pk", "first_name", "last_name", "email")
    rank, names = {}, {}
    for position, (pk, first, last, email) in enumerate(scorers):
        rank[pk], names[pk] = position, f"{first} {last}".strip() or email
    rows.sort(key=lambda row: rank[row[3]])
    given: dict[tuple[int, int], list[dict]] = {}
    for enrolment_id, candidate_id, competence_id, scorer_id, level in rows:
        key = (enrolment_id, competence_id)
        entry = {"scorer": scorer_id, "name": names[scorer_id], "level": level,
                 "conflicted": (scorer_id, candidate_id) in conflicts}
        if key in given:
            given[key].append(entry)
        else:
            given[key] = [entry]
    return given


# -- what a proposal is built from, and what changed since ---------------------------------
def _proposal_basis(ctx: _Context, given: dict[tuple[int, int], list[dict]]
                    ) -> tuple[str, dict[str, str]]:
    """The version of a proposal: the digest of the candidates and their blocs decided,
    every member's level (and declared conflict) on each compétence decided, and each
    sitting's attendance; returned with the attendance (sitting pk → value)."""
    scores, targets = [], []
    for enrolment_id, item in ctx.candidates.items():
        targets.append((enrolment_id, sorted(item.targeted)))
        for bloc_id in item.targeted:
            for competence in ctx.competences[bloc_id]:
                scores += [(enrolment_id, competence.pk, m["scorer"], m["level"],
                            m["conflicted"]) for m in given.get((enrolment_id, competence.pk), [])]
    attendance = {str(pk): value for item in ctx.candidates.values()
                  for pk, value in item.sittings.items()}
    text = json.dumps([sorted(targets), sorted(scores), sorted(attendance.items())],
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest(), attendance


def _level_shown(entry: dict | None) -> str:
    if entry is None or entry.get("level") is None:
        return "—"
    if entry.get("conflicted"):
        return _("%(level)s (conflict of interest)") % {"level": entry["level"]}
    return str(entry["level"])


def _proposal_changes(deliberation: Deliberation, ctx: _Context,
                      given: dict[tuple[int, int], list[dict]],
                      attendance: dict[str, str]) -> list[ProposalChange]:
    """What differs between the proposal (the members' levels kept on its compétence
    decisions, the attendance kept on the deliberation) and the scores now."""
    decisions = {d.enrolment_id: d.enrolment.candidate.legal_name for d in
                 CandidateDecision.objects.filter(deliberation=deliberation)
                 .select_related("enrolment__candidate")}
    names = {e: item.enrolment.candidate.legal_name for e, item in ctx.candidates.items()}
    changes = [ProposalChange(candidate=names[e], old=_("not in the proposal"),
                              new=_("enrolled")) for e in names if e not in decisions]
    changes += [ProposalChange(candidate=decisions[e], old=_("in the proposal"),
                               new=_("no longer enrolled")) for e in decisions if e not in names]
    codes = {c.pk: c.code or str(c.pk) for cs in ctx.competences.values() for c in cs}
    before: dict[tuple[int, int], dict[int, dict]] = {
        (e, c): {m["scorer"]: m for m in levels}
        for e, c, levels in CompetenceDecision.objects
        .filter(candidate_decision__deliberation=deliberation)
        .values_list("candidate_decision__enrolment_id", "competence_id", "member_levels")
    }
    now: dict[tuple[int, int], dict[int, dict]] = {}
    for enrolment_id, item in ctx.candidates.items():
        for bloc_id in item.targeted:
            for competence in ctx.competences[bloc_id]:
                key = (enrolment_id, competence.pk)
                now[key] = {m["scorer"]: m for m in given.get(key, [])}
    for key in sorted(set(before) | set(now)):
        enrolment_id, competence_id = key
        old, new = before.get(key, {}), now.get(key, {})
        for scorer in sorted(set(old) | set(new)):
            shown = _level_shown(old.get(scorer)), _level_shown(new.get(scorer))
            if shown[0] != shown[1]:
                changes.append(ProposalChange(
                    candidate=names.get(enrolment_id) or decisions.get(enrolment_id, ""),
                    competence=codes.get(competence_id, str(competence_id)),
                    member=(new.get(scorer) or old.get(scorer) or {}).get("name", ""),
                    old=shown[0], new=shown[1]))
    moved = {pk for pk in set(attendance) | set(deliberation.proposal_attendance)
             if attendance.get(pk) != deliberation.proposal_attendance.get(pk)}
    labels = dict(Attendance.choices)
    for sitting in (Sitting.objects.filter(pk__in=[int(pk) for pk in moved])
                    .select_related("enrolment__candidate", "assessment__modality")
                    .order_by("enrolment__candidate__birth_name", "pk")):
        old_value = deliberation.proposal_attendance.get(str(sitting.pk))
        new_value = attendance.get(str(sitting.pk))
        changes.append(ProposalChange(
            candidate=sitting.enrolment.candidate.legal_name,
            assessment=str(sitting.assessment.modality),
            old=str(labels.get(old_value, "—")), new=str(labels.get(new_value, "—"))))
    return changes


# -- the rules applied to one candidate -------------------------------------------------------
@dataclass
class _Verdict:
    blocs: list[tuple[int, str, str]]  # bloc pk, BlocDecisionStatus, reason
    outcome: Outcome
    reason: str


def _codes(competences: Iterable[Competence]) -> str:
    return ", ".join(c.code or str(c.pk) for c in competences)


def _bloc_verdict(ctx: _Context, item: _Candidate, bloc: Bloc,
                  finals: dict[int, int | None]) -> tuple[str, str]:
    if bloc.pk in item.acquired:
        acquired = item.acquired[bloc.pk]
        return BlocDecisionStatus.ACQUIRED_BEFORE, _(
            "Acquired before, on %(date)s (%(origin)s).") % {
            "date": date_format(acquired.acquired_on), "origin": acquired.get_origin_display()}
    competences = ctx.competences[bloc.pk]
    status = bloc_status({str(c.pk): finals.get(c.pk) for c in competences}, ctx.scale)
    missing = [c for c in competences if finals.get(c.pk) is None]
    short = {
        outcome: [c for c in competences if finals.get(c.pk) is not None
                  and ctx.scale.outcome(finals[c.pk]) is outcome]
        for outcome in (LevelOutcome.COMPLEMENT, LevelOutcome.RATTRAPAGE)
    }
    if status is BlocStatus.VALIDATED:
        reason = _("Every competence of the bloc is acquired.")
    elif status is BlocStatus.INCOMPLETE:
        reason = (_("No final level yet for: %(codes)s.") % {"codes": _codes(missing)}
                  if missing else _("The bloc has no competence."))
    else:
        parts = []
        if short[LevelOutcome.RATTRAPAGE]:
            parts.append(_("rattrapage required for %(codes)s")
                         % {"codes": _codes(short[LevelOutcome.RATTRAPAGE])})
        if short[LevelOutcome.COMPLEMENT]:
            parts.append(_("complement required for %(codes)s")
                         % {"codes": _codes(short[LevelOutcome.COMPLEMENT])})
        text = "; ".join(parts)
        reason = text[:1].upper() + text[1:] + "."
    if bloc.pk in item.expired:
        reason += " " + _("Acquired on %(date)s, but its validity of %(months)s months has "
                          "expired.") % {"date": date_format(item.expired[bloc.pk].acquired_on),
                                         "months": ctx.rules.bloc_validity_months}
    return BlocDecisionStatus(status.value), reason


@dataclass
class _BlocVerdicts:
    """The bloc verdicts already reached in one proposal, by what they depend on: many
    candidates share them, and each costs translations and date formatting."""

    competence_ids: dict[int, list[int]]  # bloc pk → its compétences' pks
    seen: dict[tuple, tuple[str, str]] = field(default_factory=dict)

    def get(self, ctx: _Context, item: _Candidate, bloc: Bloc,
            finals: dict[int, int | None]) -> tuple[str, str]:
        pk = bloc.pk
        if pk in item.acquired:
            acquired = item.acquired[pk]
            key: tuple = ("acquired", pk, acquired.acquired_on, acquired.origin)
        else:
            expired = item.expired.get(pk)
            key = ("decided", pk, expired.acquired_on if expired else None,
                   *[finals.get(c) for c in self.competence_ids[pk]])
        if key not in self.seen:
            self.seen[key] = _bloc_verdict(ctx, item, bloc, finals)
        return self.seen[key]


def _verdict(ctx: _Context, item: _Candidate, finals: dict[int, int | None],
             requirements_met: dict, bloc_verdicts: _BlocVerdicts | None = None) -> _Verdict:
    blocs = []
    validated: set[int] = set()
    for bloc in ctx.blocs:
        if bloc.pk not in item.targeted and bloc.pk not in item.acquired:
            continue
        status, reason = (_bloc_verdict(ctx, item, bloc, finals) if bloc_verdicts is None
                          else bloc_verdicts.get(ctx, item, bloc, finals))
        if status == BlocDecisionStatus.VALIDATED:
            validated.add(bloc.pk)
        blocs.append((bloc.pk, status, reason))
    met = {str(r.pk): bool(requirements_met.get(str(r.pk), {}).get("met"))
           for r in ctx.requirements}
    present = Attendance.PRESENT in item.attendance
    result = CandidateResult(
        blocs_targeted=frozenset(str(b) for b in item.targeted),
        blocs_validated_now=frozenset(str(b) for b in validated),
        blocs_acquired_before=frozenset(str(b) for b in item.acquired),
        all_blocs=frozenset(str(b.pk) for b in ctx.blocs),
        requirements_met=met,
        absent=bool(item.attendance) and not present and Attendance.EXCUSED not in item.attendance,
        excused=bool(item.attendance) and not present and Attendance.EXCUSED in item.attendance,
    )
    outcome = candidate_outcome(result)
    return _Verdict(blocs, outcome, _outcome_reason(ctx, outcome, validated, item, met))


def _outcome_reason(ctx: _Context, outcome: Outcome, validated: set[int], item: _Candidate,
                    met: dict[str, bool]) -> str:
    if outcome is Outcome.EXCUSED:
        return _("Excused from the assessments of the session.")
    if outcome is Outcome.ABSENT:
        return _("Absent from the assessments of the session.")
    if outcome is Outcome.FULL_SUCCESS:
        return _("Every bloc is validated (now or before) and every extra requirement is met.")
    codes = {bloc.pk: bloc.code or bloc.title for bloc in ctx.blocs}
    parts = []
    if validated:
        parts.append(_("Blocs validated: %(codes)s.")
                     % {"codes": ", ".join(codes[b] for b in codes if b in validated)})
    missing = [codes[b] for b in codes if b not in validated and b not in item.acquired]
    if missing:
        parts.append(_("Blocs not validated: %(codes)s.") % {"codes": ", ".join(missing)})
    unmet = [r.label for r in ctx.requirements if not met[str(r.pk)]]
    if unmet:
        parts.append(_("Extra requirements not met: %(labels)s.") % {"labels": "; ".join(unmet)})
    if outcome is Outcome.FAILURE and not validated:
        parts.insert(0, _("No bloc is validated in this session."))
    return " ".join(parts)


def _competence_proposal(counted: Sequence[int], threshold: int) -> tuple[int | None, bool]:
    """The proposal and the divergence flag from the levels counted (conflicts left out)."""
    if not counted:
        return None, False
    return proposed_level(counted), levels_diverge(counted, threshold)


# -- propose ----------------------------------------------------------------------------------
@transaction.atomic
def deliberation_propose(*, session: Session, by: User) -> Deliberation:
    """Compute every candidate's decision from the scores and the rules. Re-proposing a
    draft keeps the president's overrides (a final level or an outcome that departs from
    the proposal, with its justification) and the requirement ticks, and writes only the
    compétence and bloc decisions that change. A constant number of queries whatever the
    number of candidates."""
    _require_president_or_admin(by, session)
    if session_row_lock(session_id=session.pk):
        raise DeliberationClosedError
    deliberation, _created = Deliberation.objects.select_for_update().get_or_create(
        session=session)
    if deliberation.is_signed:
        raise DeliberationClosedError
    ctx = _context(session)
    given = _member_levels(session)
    threshold = ctx.rules.divergence_threshold
    existing = {d.enrolment_id: d for d in deliberation.candidates.all()}
    # What is there already, read once: (enrolment, compétence) → pk, proposed, final,
    # justification, divergent, members' levels; (enrolment, bloc) → pk, status, reason.
    before = {
        (enrolment_id, competence_id): values
        for enrolment_id, competence_id, *values in CompetenceDecision.objects
        .filter(candidate_decision__deliberation=deliberation)
        .values_list("candidate_decision__enrolment_id", "competence_id", "pk",
                     "proposed_level", "final_level", "justification", "divergent",
                     "member_levels")
    }
    before_blocs = {
        (enrolment_id, bloc_id): values
        for enrolment_id, bloc_id, *values in BlocDecision.objects
        .filter(candidate_decision__deliberation=deliberation)
        .values_list("candidate_decision__enrolment_id", "bloc_id", "pk", "status", "reason")
    }
    # A final level that departs from the proposal (NULLs depart) with a justification.
    kept = {
        key: (final, justification)
        for key, (_pk, proposed, final, justification, _d, _l) in before.items()
        if justification and (final is None or proposed is None or final != proposed)
    }

    # Computed once, not once a candidate: the compétences of each bloc, the proposal for
    # each set of levels, the verdict for each bloc's final levels.
    competence_ids = {bloc.pk: [c.pk for c in ctx.competences[bloc.pk]] for bloc in ctx.blocs}
    bloc_verdicts = _BlocVerdicts(competence_ids)
    proposals: dict[tuple[int, ...], tuple[int | None, bool]] = {}
    competence_rows: list[tuple] = []  # enrolment, compétence, then the decision's values
    bloc_rows: list[tuple[int, int, str, str]] = []
    decisions: dict[int, CandidateDecision] = {}
    for enrolment_id, item in ctx.candidates.items():
        finals: dict[int, int | None] = {}
        for bloc_id, competences in competence_ids.items():
            if bloc_id not in item.targeted:
                continue
            for competence_id in competences:
                key = (enrolment_id, competence_id)
                member_levels = given.get(key, [])
                counted = tuple([m["level"] for m in member_levels if not m["conflicted"]])
                if counted not in proposals:
                    proposals[counted] = _competence_proposal(counted, threshold)
                proposed, divergent = proposals[counted]
                final, justification = kept.get(key, (proposed, ""))
                finals[competence_id] = final
                competence_rows.append((enrolment_id, competence_id, proposed, final,
                                        justification, divergent, member_levels))
        decision = existing.get(enrolment_id) or CandidateDecision(
            deliberation=deliberation, enrolment=item.enrolment, version=0)
        verdict = _verdict(ctx, item, finals, decision.requirements_met, bloc_verdicts)
        overridden = bool(decision.pk) and decision.outcome != decision.proposed_outcome \
            and bool(decision.justification)
        decision.proposed_outcome = verdict.outcome.value
        decision.outcome_reason = verdict.reason
        if not overridden:
            decision.outcome, decision.justification = verdict.outcome.value, ""
        decision.version += 1
        decisions[enrolment_id] = decision
        bloc_rows += [(enrolment_id, bloc_id, status, reason)
                      for bloc_id, status, reason in verdict.blocs]

    # Compétence and bloc decisions: insert the new, update the changed, delete the gone.
    new_competences, changed_competences = [], []
    for enrolment_id, competence_id, *values in competence_rows:
        old = before.pop((enrolment_id, competence_id), None)
        if old is None:
            new_competences.append((enrolment_id, competence_id, *values))
        elif old[1:] != values:
            changed_competences.append((old[0], *values))
    new_blocs, changed_blocs = [], []
    for enrolment_id, bloc_id, status, reason in bloc_rows:
        old = before_blocs.pop((enrolment_id, bloc_id), None)
        if old is None:
            new_blocs.append((enrolment_id, bloc_id, status, reason))
        elif (old[1], old[2]) != (status, reason):
            changed_blocs.append((old[0], status, reason))
    competence_columns = ["proposed_level", "final_level", "justification", "divergent",
                          "member_levels"]
    _delete_rows(CompetenceDecision, [old[0] for old in before.values()])
    _delete_rows(BlocDecision, [old[0] for old in before_blocs.values()])
    CandidateDecision.objects.filter(deliberation=deliberation).exclude(
        enrolment__in=list(ctx.candidates)).delete()

    CandidateDecision.objects.bulk_create(
        [d for d in decisions.values() if d.pk is None], batch_size=2000)
    _update_rows(CandidateDecision,
                 ["proposed_outcome", "outcome", "outcome_reason", "justification", "version"],
                 [(d.pk, d.proposed_outcome, d.outcome, d.outcome_reason, d.justification,
                   d.version) for d in decisions.values() if d.enrolment_id in existing])
    _update_rows(CompetenceDecision, competence_columns, changed_competences)
    _update_rows(BlocDecision, ["status", "reason"], changed_blocs)
    decision_ids = {enrolment_id: d.pk for enrolment_id, d in decisions.items()}
    _insert_rows(CompetenceDecision, ["candidate_decision_id", "competence_id",
                                      *competence_columns],
                 [(decision_ids[row[0]], *row[1:]) for row in new_competences])
    _insert_rows(BlocDecision, ["candidate_decision_id", "bloc_id", "status", "reason"],
                 [(decision_ids[row[0]], *row[1:]) for row in new_blocs])
    deliberation.proposed_at = timezone.now()
    deliberation.proposal_version, deliberation.proposal_attendance = _proposal_basis(
        ctx, given)
    deliberation.save(update_fields=["proposed_at", "proposal_version", "proposal_attendance"])
    audit_log(actor=by, action="deliberation.proposed", obj=deliberation,
              new={"candidates": len(decisions), "competences": len(competence_rows),
                   "overrides_kept": len(kept)},
              context={"session": str(session.public_id)})
    return deliberation


# -- bulk writes: one statement each, whatever the number of rows -----------------------------
def _recordset(model: type, columns: list[str], rows: list[tuple]) -> tuple[str, str]:
    """PostgreSQL: ``jsonb_to_recordset`` over the rows sent as one JSON document, its
    column definitions typed as the model's fields; returns that FROM item and the JSON."""
    quote = connection.ops.quote_name
    fields = {f.column: f for f in model._meta.concrete_fields}
    definition = ", ".join(f"{quote(c)} {fields[c].db_type(connection)}" for c in columns)
    document = json.dumps([dict(zip(columns, row, strict=True)) for row in rows],
                          ensure_ascii=False, separators=(",", ":"))
    return f"jsonb_to_recordset(%s::jsonb) AS r({definition})", document


def _prepared(model: type, columns: list[str], rows: list[tuple]) -> list[tuple]:
    """The rows with JSON fields serialized as ``JSONField`` does (``json.dumps`` with the
    field's encoder), without its per-value overhead."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    encoders = {n: fields[c].encoder for n, c in enumerate(columns)
                if fields[c].get_internal_type() == "JSONField"}
    if not encoders:
        return rows
    return [tuple(json.dumps(value, cls=encoders[n]) if n in encoders else value
                  for n, value in enumerate(row)) for row in rows]


def _insert_rows(model: type, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows without building a model instance each: on PostgreSQL one
    ``INSERT … SELECT`` from a JSON recordset, elsewhere one ``executemany``."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source, document = _recordset(model, columns, rows)
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {source}",  # noqa: S608 (names from the model)
                           [document])
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})",  # noqa: S608
                _prepared(model, columns, rows))


def _update_rows(model: type, columns: list[str], rows: list[tuple]) -> None:
    """Set ``columns`` on many rows, each given as (pk, *values): on PostgreSQL one
    ``UPDATE … FROM`` a JSON recordset, elsewhere one ``executemany``."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source, document = _recordset(model, [model._meta.pk.column, *columns], rows)
            assignments = ", ".join(f"{quote(c)} = r.{quote(c)}" for c in columns)
            cursor.execute(f"UPDATE {table} SET {assignments} FROM {source} "  # noqa: S608
                           f"WHERE {table}.{pk} = r.{pk}", [document])
        else:
            assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
            prepared = _prepared(model, [model._meta.pk.column, *columns], rows)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                               [(*row[1:], row[0]) for row in prepared])


def _delete_rows(model: type, pks: list[int]) -> None:
    """Delete many rows by primary key in one statement (no signals, no cascade)."""
    if not pks:
        return
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {table} WHERE {pk} = ANY(%s)", [pks])  # noqa: S608
        else:
            cursor.executemany(f"DELETE FROM {table} WHERE {pk} = %s",  # noqa: S608
                               [(pk_value,) for pk_value in pks])


def _recompute(decision: CandidateDecision) -> _Verdict:
    """The blocs and proposed outcome of one candidate again, from their final levels;
    the outcome follows unless the president departed from it."""
    session = decision.deliberation.session
    ctx = _context(session, [decision.enrolment_id])
    item = ctx.candidates[decision.enrolment_id]
    finals = dict(decision.competences.values_list("competence_id", "final_level"))
    verdict = _verdict(ctx, item, finals, decision.requirements_met)
    overridden = decision.outcome != decision.proposed_outcome and bool(decision.justification)
    decision.proposed_outcome, decision.outcome_reason = verdict.outcome.value, verdict.reason
    if not overridden:
        decision.outcome, decision.justification = verdict.outcome.value, ""
    decision.version += 1
    decision.save(update_fields=["proposed_outcome", "outcome", "outcome_reason",
                                 "justification", "version"])
    by_bloc = {b.bloc_id: b for b in decision.blocs.all()}
    changed = []
    for bloc_id, status, reason in verdict.blocs:
        row = by_bloc.get(bloc_id)
        if row is not None and (row.status, row.reason) != (status, reason):
            row.status, row.reason = status, reason
            changed.append(row)
    BlocDecision.objects.bulk_update(changed, ["status", "reason"])
    return verdict


def _decision_context(decision: CandidateDecision) -> dict[str, str]:
    return {"session": str(decision.deliberation.session.public_id),
            "candidate": str(decision.enrolment.candidate.public_id)}


def _open_decision(decision: CandidateDecision, by: User) -> None:
    """The president changes a decision of a deliberation not signed, as committed: the
    session's lock is taken first (inside the caller's transaction)."""
    if session_row_lock(session_id=decision.deliberation.session_id):
        raise DeliberationClosedError
    _require_president(by, decision.deliberation.session)


# -- the president's overrides -----------------------------------------------------------------
@transaction.atomic
def competence_decision_override(
    *, decision: CompetenceDecision, final_level: int | None, justification: str, by: User,
) -> CompetenceDecision:
    """The president's final level; a justification is required when it departs from the
    proposal. The candidate's blocs and outcome follow."""
    candidate_decision = decision.candidate_decision
    _open_decision(candidate_decision, by)
    justification = justification.strip()
    scale = candidate_decision.deliberation.session.referentiel.scale_id
    if final_level is not None and not Level.objects.filter(scale_id=scale,
                                                            number=final_level).exists():
        raise ValidationError(_("Level %(level)s is not on the scale.") % {"level": final_level},
                              code="level")
    if final_level != decision.proposed_level and not justification:
        raise ValidationError(
            _("A final level that departs from the proposal needs a justification."),
            code="justification_required")
    old = {"final_level": decision.final_level, "justification": decision.justification}
    decision.final_level = final_level
    decision.justification = justification if final_level != decision.proposed_level else ""
    decision.save(update_fields=["final_level", "justification"])
    _recompute(candidate_decision)
    audit_log(actor=by, action="deliberation.competence_overridden", obj=decision, old=old,
              new={"final_level": final_level, "justification": decision.justification,
                   "competence": decision.competence_id},
              context=_decision_context(candidate_decision))
    return decision


@transaction.atomic
def candidate_outcome_override(
    *, decision: CandidateDecision, outcome: CandidateOutcome | str, justification: str,
    by: User,
) -> CandidateDecision:
    """The president's outcome for a candidate; a justification is required when it
    departs from the proposal."""
    _open_decision(decision, by)
    outcome = CandidateOutcome(outcome)
    justification = justification.strip()
    if outcome != decision.proposed_outcome and not justification:
        raise ValidationError(
            _("An outcome that departs from the proposal needs a justification."),
            code="justification_required")
    old = {"outcome": decision.outcome, "justification": decision.justification}
    decision.outcome = outcome.value
    decision.justification = justification if outcome != decision.proposed_outcome else ""
    decision.version += 1
    decision.save(update_fields=["outcome", "justification", "version"])
    audit_log(actor=by, action="deliberation.outcome_overridden", obj=decision, old=old,
              new={"outcome": decision.outcome, "justification": decision.justification},
              context=_decision_context(decision))
    return decision


@transaction.atomic
def requirement_tick(
    *, decision: CandidateDecision, requirement: Requirement, met: bool, justification: str,
    by: User,
) -> CandidateDecision:
    """Whether a candidate meets an extra requirement (company mission, thesis…): the
    president ticks it with a justification (what was checked)."""
    _open_decision(decision, by)
    certification_id = decision.deliberation.session.referentiel.certification_id
    if requirement.certification_id != certification_id:
        raise ValidationError(_("This requirement is not one of the certification."),
                              code="foreign_requirement")
    justification = justification.strip()
    if met and not justification:
        raise ValidationError(_("Say what shows the requirement is met."),
                              code="justification_required")
    key = str(requirement.pk)
    old = decision.requirements_met.get(key)
    decision.requirements_met = {**decision.requirements_met,
                                 key: {"met": met, "justification": justification}}
    decision.save(update_fields=["requirements_met"])
    _recompute(decision)
    audit_log(actor=by, action="deliberation.requirement_ticked", obj=decision,
              old={"requirement": key, "value": old},
              new={"requirement": key, "value": decision.requirements_met[key]},
              context=_decision_context(decision))
    return decision


# -- signing --------------------------------------------------------------------------------
def composition_messages(check: CompositionCheck, rules: CertificationRules
                         ) -> tuple[list[str], list[str]]:
    """The composition check's keys in words: (errors, warnings)."""
    words = {
        "quorum": _("At least %(count)s members must be present (quorum).")
        % {"count": rules.quorum_min_members},
        "president_absent": _("The president of the jury must be present."),
        "external_share": _("At least %(percent)s %% of the members present must be "
                            "professionals external to the certifier.")
        % {"percent": round(100 * rules.external_professional_share)},
        "single_gender": _("Men or women are absent from the members present."),
    }
    return ([words.get(key, key) for key in check.errors],
            [words.get(key, key) for key in check.warnings])


def _presence(members: Sequence[JuryMember], president_id: int | None) -> list[MemberPresence]:
    return [MemberPresence(is_president=m.pk == president_id,
                           is_external_professional=m.is_external_professional, sex=m.sex)
            for m in members]


@transaction.atomic
def deliberation_sign(
    *, deliberation: Deliberation, members_present: Sequence[JuryMember], by: User,
    proposal_version: str | None = None,
) -> CompositionCheck:
    """The president signs what they saw: ``proposal_version`` is the version of the
    proposal the page or the client displayed (None: a command that proposes and signs
    at once). A score or an attendance saved since the proposal, or another version,
    refuses with what changed (StaleProposalError). Then quorum and composition are
    checked (errors refuse with the reasons, warnings are returned); then every score and
    decision of the session is locked, the minutes' data recorded, and the documents
    issued after the commit."""
    # The session's lock first, as every writer on the session takes it: a score saved
    # meanwhile commits before (and is in what is signed) or waits and is refused.
    signed = session_row_lock(session_id=deliberation.session_id)
    deliberation = Deliberation.objects.select_for_update(of=("self",)).select_related(
        "session__referentiel__certification", "session__jury").get(pk=deliberation.pk)
    session = deliberation.session
    _require_president(by, session)
    if signed or deliberation.is_signed:
        raise DeliberationClosedError
    if deliberation.proposed_at is None:
        raise ValidationError(_("Propose the deliberation before signing it."),
                              code="not_proposed")
    ctx, given = _context(session), _member_levels(session)
    version, attendance = _proposal_basis(ctx, given)
    if version != deliberation.proposal_version:
        raise StaleProposalError(_proposal_changes(deliberation, ctx, given, attendance))
    if proposal_version is not None and proposal_version != deliberation.proposal_version:
        raise StaleProposalError([])
    jury = session.jury
    members = list(JuryMember.objects.filter(juries=jury, pk__in=[m.pk for m in members_present])
                   .select_related("user"))
    if len(members) != len({m.pk for m in members_present}):
        raise ValidationError(_("Only members of the jury can be present."), code="not_member")
    rules = certification_rules(session.referentiel.certification)
    check = jury_composition_check(_presence(members, jury.president_id), rules)
    errors, warnings = composition_messages(check, rules)
    if errors:
        raise SigningRefusedError(errors, warnings)
    now = timezone.now()
    Sitting.objects.filter(assessment__session=session).update(locked_at=now)
    Session.objects.filter(pk=session.pk).update(signed_at=now)
    session.signed_at = now
    deliberation.members_present.set(members)
    deliberation.status = Deliberation.Status.SIGNED
    deliberation.signed_at, deliberation.signed_by = now, by
    deliberation.minutes = _minutes(deliberation, members, jury.president_id, check, rules, by)
    deliberation.save(update_fields=["status", "signed_at", "signed_by", "minutes"])
    audit_log(actor=by, action="deliberation.signed", obj=deliberation,
              new={"members_present": [m.pk for m in members], "warnings": list(check.warnings)},
              context={"session": str(session.public_id)})
    deliberation_id = deliberation.pk
    transaction.on_commit(lambda: issue_documents_for_deliberation(deliberation_id))
    return check


def _minutes(deliberation: Deliberation, members: list[JuryMember], president_id: int | None,
             check: CompositionCheck, rules: CertificationRules, by: User) -> dict:
    """The procès-verbal's data and the facts every document of the session states,
    frozen at signing (``candidates.facts``): the certification as registered, its
    certifier, the scale's labels, the requirements, each holder's identity as printed,
    the members present and the composition check as it was. Constant queries."""
    session = deliberation.session
    referentiel = session.referentiel
    certification = referentiel.certification
    decisions = (
        CandidateDecision.objects.filter(deliberation=deliberation)
        .select_related("enrolment__candidate")
        .prefetch_related("competences__competence", "blocs__bloc",
                          "enrolment__acquired_blocs__bloc")
        .order_by("enrolment__candidate__birth_name", "enrolment__candidate__first_names", "pk")
    )
    blocs = list(Bloc.objects.filter(referentiel=referentiel).order_by("position", "pk"))
    competences = Competence.objects.filter(bloc__referentiel=referentiel).order_by(
        "bloc__position", "position", "pk")
    externals = sum(1 for m in members if m.is_external_professional)
    return {
        "session": {"id": str(session.public_id), "name": session.name,
                    "place": session.place, "starts_on": session.starts_on.isoformat(),
                    "ends_on": session.ends_on.isoformat(),
                    "certification": certification.code, "title": certification.title,
                    "version": referentiel.version},
        "certification": certification_facts(certification),
        "referentiel": {
            "version": referentiel.version,
            "blocs": [{"id": b.pk, "code": b.code, "title": b.title} for b in blocs],
            "competences": [{"id": c.pk, "bloc": c.bloc_id, "code": c.code, "title": c.title}
                            for c in competences],
            "scale": {str(level.number): level.label
                      for level in Level.objects.filter(scale_id=referentiel.scale_id)},
            "requirements": [{"id": r.pk, "label": r.label} for r in
                             Requirement.objects.filter(certification=certification)
                             .order_by("position", "pk")],
        },
        "members_present": [
            {"name": m.user.get_full_name() or m.user.email, "quality": m.quality,
             "organisation": m.organisation,
             "external": m.external, "external_professional": m.is_external_professional,
             "sex": m.sex, "president": m.pk == president_id}
            for m in sorted(members, key=lambda m: (m.pk != president_id,
                                                    m.user.last_name, m.user.first_name))
        ],
        "composition": {"errors": list(check.errors), "warnings": list(check.warnings),
                        "present": len(members),
                        "quorum_min_members": rules.quorum_min_members,
                        "external_professionals": externals,
                        "external_professional_share": str(rules.external_professional_share),
                        "women": sum(1 for m in members if m.sex == "F"),
                        "men": sum(1 for m in members if m.sex == "M"),
                        "president_present": any(m.pk == president_id for m in members)},
        "holders": {str(d.enrolment.candidate.public_id): holder_facts(d.enrolment.candidate)
                    for d in decisions},
        "decisions": [
            {"candidate": str(d.enrolment.candidate.public_id),
             "name": d.enrolment.candidate.legal_name,
             "outcome": d.outcome, "proposed_outcome": d.proposed_outcome,
             "reason": d.outcome_reason, "justification": d.justification,
             "requirements": d.requirements_met,
             "blocs": [{"id": b.bloc_id, "code": b.bloc.code, "status": b.status,
                        "reason": b.reason}
                       for b in sorted(d.blocs.all(), key=lambda b: (b.bloc.position, b.pk))],
             "acquired": [{"bloc": a.bloc_id, "code": a.bloc.code, "origin": a.origin,
                           "acquired_on": a.acquired_on.isoformat(), "reference": a.reference}
                          for a in d.enrolment.acquired_blocs.all()],
             "competences": [{"code": c.competence.code, "proposed": c.proposed_level,
                              "final": c.final_level, "justification": c.justification}
                             for c in d.competences.all()]}
            for d in decisions
        ],
        "signature": {"by": by.get_full_name() or by.email, "email": by.email,
                      "at": deliberation.signed_at.isoformat() if deliberation.signed_at else ""},
    }


# -- publication ------------------------------------------------------------------------------
@transaction.atomic
def deliberation_publish(*, deliberation: Deliberation, by: User) -> Session:
    """Candidates see their results from now on; only a signed deliberation is published."""
    session = deliberation.session
    _require_president_or_admin(by, session)
    if not deliberation.is_signed:
        raise ValidationError(_("Sign the deliberation before publishing the results."),
                              code="not_signed")
    if session.results_published_at is None:
        session.results_published_at = timezone.now()
        session.save(update_fields=["results_published_at"])
        audit_log(actor=by, action="deliberation.published", obj=deliberation,
                  new={"published_at": session.results_published_at.isoformat()},
                  context={"session": str(session.public_id)})
    return session


# -- amendments after signing -------------------------------------------------------------------
def _amendment_path(on: bool) -> None:
    """On PostgreSQL the lock trigger lets decision rows change only while this
    transaction-local setting is on (set here, by amendments, and nowhere else)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('certassess.amendment', %s, true)",
                           ["on" if on else "off"])


@transaction.atomic
def amendment_record(
    *, decision: CompetenceDecision | CandidateDecision, field: str, new_value: object,
    reason: str, by: User,
) -> Amendment:
    """A rectification after signing: ``final_level`` of a compétence decision,
    ``outcome`` or ``requirement:<pk>`` (True/False) of a candidate decision. The change,
    and what follows from it (bloc statuses, outcome), is recorded old → new with the
    reason; the affected documents are reissued after the commit."""
    candidate_decision = (decision.candidate_decision if isinstance(decision, CompetenceDecision)
                          else decision)
    deliberation = candidate_decision.deliberation
    # The recorded amendment path: the session's lock is taken as by every writer, and
    # the signature read as committed.
    if not session_row_lock(session_id=deliberation.session_id):
        raise ValidationError(_("Before signing, change the decision itself."),
                              code="not_signed")
    _require_signing_president(by, deliberation)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("An amendment needs a reason."), code="reason_required")
    _amendment_path(True)
    try:
        amendment = _amend(decision, candidate_decision, field, new_value, reason, by)
    finally:
        _amendment_path(False)
    audit_log(actor=by, action="deliberation.amended", obj=amendment,
              old={"field": field, "value": amendment.old},
              new={"field": field, "value": amendment.new, "reason": reason},
              context=_decision_context(candidate_decision))
    amendment_id = amendment.pk
    transaction.on_commit(lambda: reissue_documents_for_amendment(amendment_id))
    return amendment


def _amend(decision: CompetenceDecision | CandidateDecision,
           candidate_decision: CandidateDecision, field: str, new_value: object, reason: str,
           by: User) -> Amendment:
    deliberation = candidate_decision.deliberation

    def record(kind: str, pk: int, name: str, old: object, new: object) -> Amendment:
        return Amendment.objects.create(
            deliberation=deliberation, candidate_decision=candidate_decision,
            decision_type=kind, decision_id=pk, field=name, old=old, new=new, reason=reason,
            by=by)

    before_blocs = {b.pk: b.status for b in candidate_decision.blocs.all()}
    before_outcome = candidate_decision.outcome
    if isinstance(decision, CompetenceDecision) and field == "final_level":
        level = None if new_value in (None, "") else int(new_value)  # type: ignore[arg-type]
        if level is not None and not Level.objects.filter(
                scale_id=deliberation.session.referentiel.scale_id, number=level).exists():
            raise ValidationError(_("Level %(level)s is not on the scale.") % {"level": level},
                                  code="level")
        amendment = record(Amendment.DecisionType.COMPETENCE, decision.pk, field,
                           decision.final_level, level)
        decision.final_level, decision.justification = level, reason
        decision.save(update_fields=["final_level", "justification"])
    elif isinstance(decision, CandidateDecision) and field == "outcome":
        outcome = CandidateOutcome(str(new_value))
        amendment = record(Amendment.DecisionType.CANDIDATE, decision.pk, field,
                           decision.outcome, outcome.value)
        decision.outcome, decision.justification = outcome.value, reason
        decision.save(update_fields=["outcome", "justification"])
        return amendment
    elif isinstance(decision, CandidateDecision) and field.startswith("requirement:"):
        key = field.split(":", 1)[1]
        old = decision.requirements_met.get(key, {}).get("met", False)
        amendment = record(Amendment.DecisionType.CANDIDATE, decision.pk, field, old,
                           bool(new_value))
        decision.requirements_met = {**decision.requirements_met,
                                     key: {"met": bool(new_value), "justification": reason}}
        decision.save(update_fields=["requirements_met"])
    else:
        raise ValidationError(_("This field cannot be amended."), code="field")
    candidate_decision.refresh_from_db()
    _recompute(candidate_decision)
    for bloc in candidate_decision.blocs.all():
        if before_blocs.get(bloc.pk) != bloc.status:
            record(Amendment.DecisionType.BLOC, bloc.pk, "status", before_blocs.get(bloc.pk),
                   bloc.status)
    if candidate_decision.outcome != before_outcome:
        record(Amendment.DecisionType.CANDIDATE, candidate_decision.pk, "outcome",
               before_outcome, candidate_decision.outcome)
    return amendment


# -- rattrapage and complement carried to a later session --------------------------------------
@transaction.atomic
def rattrapage_carry(*, enrolment: Enrolment, to_session: Session, by: User) -> Enrolment:
    """Enrol the candidate in a later session for the blocs not validated here (the
    compétences at complement or rattrapage level named for the jury); the blocs validated
    here are kept as acquired (capitalisation, dated the signature), with those acquired
    before."""
    require(may_carry_rattrapage(by), _("Only an administrator enrols candidates."))
    decision = (CandidateDecision.objects
                .select_related("deliberation__session__referentiel", "enrolment__candidate")
                .filter(enrolment=enrolment, deliberation__status=Deliberation.Status.SIGNED)
                .first())
    if decision is None:
        raise ValidationError(_("The deliberation of this session is not signed yet."),
                              code="not_signed")
    session = decision.deliberation.session
    if to_session.pk == session.pk or to_session.starts_on <= session.starts_on or (
            to_session.referentiel.certification_id != session.referentiel.certification_id):
        raise ValidationError(_("Choose a later session of the same certification."),
                              code="session")
    blocs = {b.code: b for b in Bloc.objects.filter(referentiel=to_session.referentiel)}
    signed_on = timezone.localdate(decision.deliberation.signed_at)
    to_target, acquired = [], []
    for row in decision.blocs.select_related("bloc"):
        bloc = blocs.get(row.bloc.code)
        if bloc is None:
            raise ValidationError(
                _("Bloc %(code)s is not in the framework version of the later session.")
                % {"code": row.bloc.code}, code="bloc")
        if row.status == BlocDecisionStatus.VALIDATED:
            acquired.append(AcquiredBlocInput(
                bloc=bloc, acquired_on=signed_on, origin=AcquisitionOrigin.CAPITALISATION,
                reference=session.name))
        elif row.status != BlocDecisionStatus.ACQUIRED_BEFORE:
            to_target.append(bloc)
    for before in enrolment.acquired_blocs.select_related("bloc"):
        if before.bloc.code in blocs:
            acquired.append(AcquiredBlocInput(
                bloc=blocs[before.bloc.code], acquired_on=before.acquired_on,
                origin=AcquisitionOrigin(before.origin), reference=before.reference))
    if not to_target:
        raise ValidationError(_("Every bloc is validated: nothing to carry."),
                              code="nothing_to_carry")
    carried = enrolment_create(
        candidate=enrolment.candidate, session=to_session, access_route=enrolment.access_route,
        whole_certification=False, target_blocs=to_target,
        extra_time_percent=enrolment.extra_time_percent,
        technical_aids=enrolment.technical_aids,
        other_accommodations=enrolment.other_accommodations,
        jury_note=_carry_note(decision, enrolment.jury_note), acquired_blocs=acquired,
        invite=False,
    )
    audit_log(actor=by, action="deliberation.rattrapage_carried", obj=carried,
              new={"from_session": str(session.public_id), "blocs": [b.code for b in to_target],
                   "acquired": [a.bloc.code for a in acquired]},
              context={"session": str(to_session.public_id),
                       "candidate": str(enrolment.candidate.public_id)})
    return carried


def _carry_note(decision: CandidateDecision, note: str) -> str:
    rows = list(decision.competences.select_related("competence")
                .filter(final_level__isnull=False))
    scale_id = decision.deliberation.session.referentiel.scale_id
    outcomes = dict(Level.objects.filter(scale_id=scale_id).values_list("number", "outcome"))
    rattrapage = [r.competence.code for r in rows
                  if outcomes.get(r.final_level) == LevelOutcome.RATTRAPAGE]
    complement = [r.competence.code for r in rows
                  if outcomes.get(r.final_level) == LevelOutcome.COMPLEMENT]
    lines = [note] if note else []
    if rattrapage:
        lines.append(_("Rattrapage: %(codes)s.") % {"codes": ", ".join(rattrapage)})
    if complement:
        lines.append(_("Complement: %(codes)s.") % {"codes": ", ".join(complement)})
    return "\n".join(lines)
