"""Sign: the jury's composition checked, the proposal as seen, every score and decision
locked, the minutes and the facts every document states frozen; then publication."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.services import audit_log
from assessments.models import Sitting
from candidates.facts import certification_facts, holder_facts
from candidates.models import Session
from candidates.services import session_row_lock
from certifications.models import Bloc, Competence, Level, Requirement
from certifications.rules import (
    CertificationRules,
    CompositionCheck,
    MemberPresence,
    jury_composition_check,
)
from certifications.selectors import certification_rules
from certifications.units import format_percent
from deliberations.models import CandidateDecision, Deliberation
from deliberations.services._base import (
    DeliberationClosedError,
    StaleProposalError,
    _require_president,
    _require_president_or_admin,
)
from deliberations.services.propose import (
    _context,
    _member_levels,
    _proposal_basis,
    _proposal_changes,
)
from deliberations.signals import deliberation_signed, results_published
from juries.models import JuryMember
from juries.selectors import AssessmentReadiness, session_signing_blockers


class SigningRefusedError(ValidationError):
    """Quorum or composition not met: ``reasons`` says why, nothing was signed."""

    def __init__(self, reasons: list[str], warnings: list[str]) -> None:
        self.reasons, self.warnings = reasons, warnings
        super().__init__(reasons, code="composition")
        self.code = "composition"  # a list keeps no code: the API answers with this one


class SessionNotReadyError(SigningRefusedError):
    """An épreuve of the session has not taken place, or present candidates are not fully
    scored: ``reasons`` lists them, nothing was signed."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons, self.warnings = reasons, []
        ValidationError.__init__(self, reasons, code="not_ready")
        self.code = "not_ready"


def readiness_messages(blockers: Sequence[AssessmentReadiness]) -> list[str]:
    """What holds signing up, in words: each épreuve not over yet, each épreuve over with
    the present candidates whose scores are missing (how many compétences are scored)."""
    messages = []
    for blocker in blockers:
        title = blocker.assessment.modality.title
        when = date_format(timezone.localtime(blocker.assessment.starts_at), "DATETIME_FORMAT")
        if blocker.not_over:
            messages.append(_("%(title)s (%(date)s) has not taken place yet.")
                            % {"title": title, "date": when})
            continue
        names = [ngettext("%(name)s (%(scored)s / %(total)s competence scored)",
                          "%(name)s (%(scored)s / %(total)s competences scored)", u.total)
                 % {"name": u.candidate.display_name, "scored": u.scored, "total": u.total}
                 for u in blocker.unscored]
        messages.append(_("%(title)s (%(date)s): scores are missing for %(names)s.")
                        % {"title": title, "date": when, "names": ", ".join(names)})
    return messages


def readiness_preview(*, session: Session) -> list[str]:
    """Before the president confirms: what signing would refuse for the calendar and the
    scores (empty: nothing). Reads only; signing checks again."""
    return readiness_messages(session_signing_blockers(session=session))


# -- document issuing: the reports app plugs in here ----------------------------------------
def issue_documents_for_deliberation(deliberation_id: int) -> None:
    """Run after the signature commits: announces it (``deliberations.signals``); the reports
    app, which subscribes from above, issues the minutes, transcripts, attestations and
    certificates."""
    deliberation_signed.send(sender=Deliberation, deliberation_id=deliberation_id)


# -- signing --------------------------------------------------------------------------------
def composition_messages(check: CompositionCheck, rules: CertificationRules
                         ) -> tuple[list[str], list[str]]:
    """The composition check's keys in words: (errors, warnings)."""
    words = {
        "quorum": _("At least %(count)s members must be present (quorum).")
        % {"count": rules.quorum_min_members},
        "president_absent": _("The president of the jury must be present."),
        "external_share": _("At least %(percent)s of the members present must be "
                            "professionals external to the certifier.")
        % {"percent": format_percent(round(100 * rules.external_professional_share))},
        "single_gender": _("Men or women are absent from the members present."),
    }
    return ([words.get(key, key) for key in check.errors],
            [words.get(key, key) for key in check.warnings])


def _presence(members: Sequence[JuryMember], president_id: int | None) -> list[MemberPresence]:
    return [MemberPresence(is_president=m.pk == president_id,
                           is_external_professional=m.is_external_professional, sex=m.sex)
            for m in members]


def composition_preview(*, session: Session, members_present: Sequence[JuryMember],
                        president_id: int | None) -> tuple[list[str], list[str]]:
    """Before the president confirms: the quorum and composition check that signing runs,
    for the members chosen, in words (errors, warnings). Reads only; signing checks again."""
    rules = certification_rules(session.referentiel.certification)
    check = jury_composition_check(_presence(list(members_present), president_id), rules)
    return composition_messages(check, rules)


@transaction.atomic
def deliberation_sign(
    *, deliberation: Deliberation, members_present: Sequence[JuryMember], by: User,
    proposal_version: str | None = None,
) -> CompositionCheck:
    """The president signs what they saw: ``proposal_version`` is the version of the
    proposal the page or the client displayed (None: a command that proposes and signs
    at once). A score or an attendance saved since the proposal, or another version,
    refuses with what changed (StaleProposalError). Every épreuve of the session must be
    over and every candidate present fully scored (SessionNotReadyError lists what is
    not). Then quorum and composition are
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
    not_ready = readiness_messages(session_signing_blockers(session=session))
    if not_ready:
        raise SessionNotReadyError(not_ready)
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
        transaction.on_commit(lambda: results_published.send(Deliberation, session_id=session.pk))
    return session
