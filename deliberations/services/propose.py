"""Propose: what the rules read, gathered once (the context, the members' levels), what a
proposal is built from and what changed since, the rules applied to one candidate
(the verdicts), the proposal itself, and one candidate's verdict again after a change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_log
from assessments.models import Assessment, Attendance, Score, Sitting
from candidates.models import AcquiredBloc, Enrolment, EnrolmentStatus, Session, TargetBloc
from candidates.services import session_row_lock
from certifications.models import Bloc, Competence, Level, Requirement
from certifications.rules import (
    BlocStatus,
    CandidateResult,
    CertificationRules,
    Outcome,
    ScaleRules,
    bloc_status,
    bloc_still_acquired,
    candidate_outcome,
    levels_diverge,
    proposed_level,
)
from certifications.selectors import certification_rules
from certifications.vocabulary import LevelOutcome
from deliberations.models import (
    BlocDecision,
    BlocDecisionStatus,
    CandidateDecision,
    CompetenceDecision,
    Deliberation,
)
from deliberations.services._base import (
    DeliberationClosedError,
    ProposalChange,
    _require_president_or_admin,
)
from deliberations.services._bulk import _delete_rows, _insert_rows, _update_rows
from juries.models import ConflictOfInterest


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
                                   "competence_id", "scorer_id", "level",
                                   "sitting__assessment_id"))
    # The scorers (a handful) in the order the members are listed, by the database's
    # collation as before; the rows sorted by it (stable: ties keep the database's order).
    scorers = User.objects.filter(pk__in={row[3] for row in rows}).order_by(
        "last_name", "first_name", "pk").values_list("pk", "first_name", "last_name", "email")
    rank, names = {}, {}
    for position, (pk, first, last, email) in enumerate(scorers):
        rank[pk], names[pk] = position, f"{first} {last}".strip() or email
    rows.sort(key=lambda row: rank[row[3]])
    given: dict[tuple[int, int], list[dict]] = {}
    for enrolment_id, candidate_id, competence_id, scorer_id, level, assessment_id in rows:
        key = (enrolment_id, competence_id)
        # The épreuve the level was given in: a compétence evaluated by two épreuves has
        # two levels from the same member, said apart on the page.
        entry = {"scorer": scorer_id, "name": names[scorer_id], "level": level,
                 "conflicted": (scorer_id, candidate_id) in conflicts,
                 "assessment": assessment_id}
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
    kept = list(CompetenceDecision.objects.filter(candidate_decision__deliberation=deliberation)
                .values_list("candidate_decision__enrolment_id", "competence_id",
                             "member_levels"))
    # A member's level on a compétence evaluated by two épreuves is one per épreuve: said
    # apart by the épreuve each was given in (a proposal made before it was recorded in
    # ``member_levels`` is compared member by member, as it was).
    by_epreuve = all("assessment" in m for _e, _c, levels in kept for m in levels)

    def member(m: dict) -> tuple[int, int | None]:
        return m["scorer"], m.get("assessment") if by_epreuve else None

    before: dict[tuple[int, int], dict[tuple, dict]] = {
        (e, c): {member(m): m for m in levels} for e, c, levels in kept}
    now: dict[tuple[int, int], dict[tuple, dict]] = {}
    for enrolment_id, item in ctx.candidates.items():
        for bloc_id in item.targeted:
            for competence in ctx.competences[bloc_id]:
                key = (enrolment_id, competence.pk)
                now[key] = {member(m): m for m in given.get(key, [])}
    epreuves: dict[int, str] = {}
    for key in sorted(set(before) | set(now)):
        enrolment_id, competence_id = key
        old, new = before.get(key, {}), now.get(key, {})
        several = len({assessment for _scorer, assessment in set(old) | set(new)}) > 1
        for who in sorted(set(old) | set(new), key=lambda k: (k[0], k[1] or 0)):
            shown = _level_shown(old.get(who)), _level_shown(new.get(who))
            if shown[0] != shown[1]:
                name = (new.get(who) or old.get(who) or {}).get("name", "")
                if several:
                    if not epreuves:
                        epreuves.update(
                            (pk, code or title) for pk, code, title in Assessment.objects
                            .filter(session=ctx.session)
                            .values_list("pk", "modality__code", "modality__title"))
                    name = f"{name} ({epreuves.get(who[1], '?')})"
                changes.append(ProposalChange(
                    candidate=names.get(enrolment_id) or decisions.get(enrolment_id, ""),
                    competence=codes.get(competence_id, str(competence_id)),
                    member=name, old=shown[0], new=shown[1]))
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
class _CompetenceValues(NamedTuple):
    """What a proposal writes on a compétence decision: its fields are the columns read,
    compared, inserted and updated."""

    proposed_level: int | None
    final_level: int | None
    justification: str
    divergent: bool
    member_levels: list[dict]

    @property
    def overridden(self) -> bool:
        """A final level that departs from the proposal (NULLs depart), justified."""
        return bool(self.justification) and (
            self.final_level is None or self.proposed_level is None
            or self.final_level != self.proposed_level)


class _BlocValues(NamedTuple):
    """What a proposal writes on a bloc decision."""

    status: str
    reason: str


_COMPETENCE_COLUMNS = list(_CompetenceValues._fields)
_BLOC_COLUMNS = list(_BlocValues._fields)
_CANDIDATE_COLUMNS = ["proposed_outcome", "outcome", "outcome_reason", "justification",
                      "version"]


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
    # What is there already, read once: (enrolment, compétence) → pk and values;
    # (enrolment, bloc) → pk and values.
    before: dict[tuple[int, int], tuple[int, _CompetenceValues]] = {
        (enrolment_id, competence_id): (pk, _CompetenceValues(*values))
        for enrolment_id, competence_id, pk, *values in CompetenceDecision.objects
        .filter(candidate_decision__deliberation=deliberation)
        .values_list("candidate_decision__enrolment_id", "competence_id", "pk",
                     *_COMPETENCE_COLUMNS)
    }
    before_blocs: dict[tuple[int, int], tuple[int, _BlocValues]] = {
        (enrolment_id, bloc_id): (pk, _BlocValues(*values))
        for enrolment_id, bloc_id, pk, *values in BlocDecision.objects
        .filter(candidate_decision__deliberation=deliberation)
        .values_list("candidate_decision__enrolment_id", "bloc_id", "pk", *_BLOC_COLUMNS)
    }
    kept = {key: (old.final_level, old.justification)
            for key, (_pk, old) in before.items() if old.overridden}

    # Computed once, not once a candidate: the compétences of each bloc, the proposal for
    # each set of levels, the verdict for each bloc's final levels.
    competence_ids = {bloc.pk: [c.pk for c in ctx.competences[bloc.pk]] for bloc in ctx.blocs}
    bloc_verdicts = _BlocVerdicts(competence_ids)
    proposals: dict[tuple[int, ...], tuple[int | None, bool]] = {}
    competence_rows: dict[tuple[int, int], _CompetenceValues] = {}  # (enrolment, compétence)
    bloc_rows: dict[tuple[int, int], _BlocValues] = {}  # (enrolment, bloc) →
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
                competence_rows[key] = _CompetenceValues(proposed, final, justification,
                                                         divergent, member_levels)
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
        bloc_rows.update({(enrolment_id, bloc_id): _BlocValues(status, reason)
                          for bloc_id, status, reason in verdict.blocs})

    # Compétence and bloc decisions: insert the new, update the changed, delete the gone.
    new_competences, changed_competences = _changes(competence_rows, before)
    new_blocs, changed_blocs = _changes(bloc_rows, before_blocs)
    _delete_rows(CompetenceDecision, [pk for pk, _old in before.values()])
    _delete_rows(BlocDecision, [pk for pk, _old in before_blocs.values()])
    CandidateDecision.objects.filter(deliberation=deliberation).exclude(
        enrolment__in=list(ctx.candidates)).delete()

    CandidateDecision.objects.bulk_create(
        [d for d in decisions.values() if d.pk is None], batch_size=2000)
    _update_rows(CandidateDecision, _CANDIDATE_COLUMNS,
                 [(d.pk, *(getattr(d, column) for column in _CANDIDATE_COLUMNS))
                  for d in decisions.values() if d.enrolment_id in existing])
    _update_rows(CompetenceDecision, _COMPETENCE_COLUMNS, changed_competences)
    _update_rows(BlocDecision, _BLOC_COLUMNS, changed_blocs)
    decision_ids = {enrolment_id: d.pk for enrolment_id, d in decisions.items()}
    _insert_rows(CompetenceDecision, ["candidate_decision_id", "competence_id",
                                      *_COMPETENCE_COLUMNS],
                 [(decision_ids[enrolment_id], competence_id, *values)
                  for (enrolment_id, competence_id), values in new_competences])
    _insert_rows(BlocDecision, ["candidate_decision_id", "bloc_id", *_BLOC_COLUMNS],
                 [(decision_ids[enrolment_id], bloc_id, *values)
                  for (enrolment_id, bloc_id), values in new_blocs])
    deliberation.proposed_at = timezone.now()
    deliberation.proposal_version, deliberation.proposal_attendance = _proposal_basis(
        ctx, given)
    deliberation.save(update_fields=["proposed_at", "proposal_version", "proposal_attendance"])
    audit_log(actor=by, action="deliberation.proposed", obj=deliberation,
              new={"candidates": len(decisions), "competences": len(competence_rows),
                   "overrides_kept": len(kept)},
              context={"session": str(session.public_id)})
    return deliberation


def _changes[V: tuple](
    rows: dict[tuple[int, int], V], before: dict[tuple[int, int], tuple[int, V]],
) -> tuple[list[tuple[tuple[int, int], V]], list[tuple]]:
    """The rows to insert ((key, values): not there before) and to update ((pk, *values):
    there with other values); what is left in ``before`` is gone."""
    new, changed = [], []
    for key, values in rows.items():
        old = before.pop(key, None)
        if old is None:
            new.append((key, values))
        elif old[1] != values:
            changed.append((old[0], *values))
    return new, changed


def decision_preview(*, decision: CandidateDecision, finals: dict[int, int | None],
                     requirements_met: dict) -> _Verdict:
    """What the rules would propose for this candidate with these final levels
    (compétence pk → level) and these requirements ticked (``requirements_met``'s shape),
    without writing anything: the blocs' statuses and the proposed outcome, with their
    reasons. The page shows it as the president ticks and chooses, before saving; saving
    goes through ``_recompute``, which applies the same rules."""
    ctx = _context(decision.deliberation.session, [decision.enrolment_id])
    return _verdict(ctx, ctx.candidates[decision.enrolment_id], finals, requirements_met)


def _recompute(decision: CandidateDecision) -> _Verdict:
    """The blocs and proposed outcome of one candidate again, from their final levels;
    the outcome follows unless the president departed from it."""
    finals = dict(decision.competences.values_list("competence_id", "final_level"))
    verdict = decision_preview(decision=decision, finals=finals,
                               requirements_met=decision.requirements_met)
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
