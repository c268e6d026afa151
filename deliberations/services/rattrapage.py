"""Rattrapage and complement carried to a later session."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import may_carry_rattrapage, require
from accounts.services import audit_log
from candidates.models import AcquisitionOrigin, Enrolment, Session
from candidates.services import AcquiredBlocInput, EnrolmentTerms, enrolment_create
from certifications.models import Bloc, Level
from certifications.vocabulary import LevelOutcome
from deliberations.models import BlocDecisionStatus, CandidateDecision, Deliberation


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
        candidate=enrolment.candidate, session=to_session, invite=False,
        terms=EnrolmentTerms(
            access_route=enrolment.access_route, whole_certification=False,
            target_blocs=to_target, extra_time_percent=enrolment.extra_time_percent,
            technical_aids=enrolment.technical_aids,
            other_accommodations=enrolment.other_accommodations,
            jury_note=_carry_note(decision, enrolment.jury_note), acquired_blocs=acquired),
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
