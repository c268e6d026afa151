"""Sessions and enrolments one by one (DESIGN.md §4.2), and the session's write lock
every writer on a session takes first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role, User
from accounts.services import audit_log
from candidates.models import (
    AccessRoute,
    AcquiredBloc,
    AcquisitionOrigin,
    Candidate,
    Enrolment,
    EnrolmentStatus,
    Session,
    TargetBloc,
)
from candidates.services.identity import Identity, candidate_create, identity_key
from candidates.services.invitation import candidate_invite
from certifications.models import Bloc, Competence, Partner, Referentiel
from certifications.selectors import competences_without_modality
from certifications.services import partner_check_for_session


class SessionLockedError(ValidationError):
    """The session's deliberation is signed: nothing of it changes but by an amendment."""

    def __init__(self) -> None:
        super().__init__(
            _("The deliberation of this session is signed: the session, its jury, "
              "assessments, candidates and scores can no longer change (only the jury "
              "president may amend a decision)."),
            code="session_signed",
        )


def session_row_lock(*, session_id: int) -> bool:
    """Take the write lock on the session's row in the current transaction and say
    whether its deliberation is signed, as committed (every writer on a session and the
    signature take this lock first, so a check made here holds until the commit).

    PostgreSQL: ``SELECT … FOR UPDATE`` on the row. SQLite ignores ``select_for_update``
    and lets one writer at a time: a no-op UPDATE of the row takes the database's write
    lock (already held when transactions BEGIN IMMEDIATE, as the settings ask; this does
    not rely on it), so no signature can commit between this read and our commit.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("session_row_lock runs inside the writing transaction.")
    if connection.vendor == "sqlite":
        table = connection.ops.quote_name(Session._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET id = id WHERE id = %s RETURNING signed_at",  # noqa: S608 (the model's table)
                           [session_id])
            row = cursor.fetchone()
    else:
        row = (Session.objects.select_for_update().filter(pk=session_id)
               .values_list("signed_at").first())
    if row is None:
        raise Session.DoesNotExist
    return row[0] is not None


def session_lock_for_write(*, session_id: int) -> None:
    """Every service that changes a session, its jury, assessments, sittings,
    assignments, enrolments, scores or decisions calls this first, inside its
    transaction: a signed session raises SessionLockedError (amendments take the lock
    with ``session_row_lock`` instead)."""
    if session_row_lock(session_id=session_id):
        raise SessionLockedError


# How many compétences the refusal names one by one; the rest are counted.
UNEVALUATED_LISTED = 20


def _competence_label(competence: Competence) -> str:
    title = " ".join(competence.title.split())
    if len(title) > 80:
        title = title[:80].rsplit(" ", 1)[0] + "…"
    return f"{competence.code} {title}" if competence.code else title


def session_referentiel_check(*, referentiel: Referentiel) -> None:
    """A compétence no modality evaluates could never be scored: every candidate would
    fail it without a word. The session is refused with the list (DESIGN.md §4.1)."""
    missing = competences_without_modality(referentiel=referentiel)
    if not missing:
        return
    listed = "; ".join(_competence_label(c) for c in missing[:UNEVALUATED_LISTED])
    if len(missing) > UNEVALUATED_LISTED:
        listed += _("; and %(count)d more") % {"count": len(missing) - UNEVALUATED_LISTED}
    message = ngettext(
        "No assessment method of this framework version evaluates %(count)d competence, "
        "so it could never be scored: %(list)s. Add an assessment method evaluating it "
        "(on the framework's page) before opening a session.",
        "No assessment method of this framework version evaluates %(count)d competences, "
        "so they could never be scored: %(list)s. Add assessment methods evaluating them "
        "(on the framework's page) before opening a session.",
        len(missing),
    ) % {"count": len(missing), "list": listed}
    raise ValidationError(
        {"referentiel": ValidationError(message, code="competences_not_evaluated")}
    )


@transaction.atomic
def session_create(
    *, referentiel: Referentiel, name: str, starts_on: date, ends_on: date, place: str = "",
    partner: Partner | None = None,
) -> Session:
    """Open a session on a version; refused (ValidationError on ``referentiel``) when a
    compétence of it is evaluated by no modality, and (on ``partner``) when the partner
    named is not habilitated to organise the assessment on the session's dates."""
    session_referentiel_check(referentiel=referentiel)
    session = Session(
        referentiel=referentiel, name=name.strip(), starts_on=starts_on, ends_on=ends_on,
        place=place.strip(), partner=partner,
    )
    session.full_clean()
    partner_check_for_session(partner=partner, certification=referentiel.certification,
                              starts_on=starts_on, ends_on=ends_on)
    session.save()
    return session


@transaction.atomic
def session_update(
    *, session: Session, name: str, starts_on: date, ends_on: date, place: str = "",
    partner: Partner | None = None,
) -> Session:
    """Change a session's name, dates, place or partner until its deliberation is signed.
    A partner newly named, or new dates, must fall within an habilitation to organise (a
    partner withdrawn since keeps the sessions it already had)."""
    session_lock_for_write(session_id=session.pk)
    session = Session.objects.select_related("referentiel__certification").get(pk=session.pk)
    before = (session.partner_id, session.starts_on, session.ends_on)
    session.name, session.place = name.strip(), place.strip()
    session.starts_on, session.ends_on, session.partner = starts_on, ends_on, partner
    session.full_clean()
    if before != (session.partner_id, starts_on, ends_on):
        partner_check_for_session(partner=partner,
                                  certification=session.referentiel.certification,
                                  starts_on=starts_on, ends_on=ends_on)
    session.save(update_fields=["name", "place", "starts_on", "ends_on", "partner"])
    return session


@dataclass(frozen=True)
class AcquiredBlocInput:
    bloc: Bloc
    acquired_on: date
    origin: AcquisitionOrigin
    reference: str = ""


@dataclass(frozen=True)
class EnrolmentTerms:
    """What an enrolment says besides who and in which session: the access route, the
    target (the whole certification or chosen blocs), the accommodations, the note for the
    jury and the blocs acquired before. One value passed from the form, the API and the
    spreadsheet import to the services. Sequences are kept as tuples."""

    access_route: AccessRoute
    whole_certification: bool = True
    target_blocs: Sequence[Bloc] = ()
    extra_time_percent: int = 0
    technical_aids: str = ""
    other_accommodations: str = ""
    jury_note: str = ""
    acquired_blocs: Sequence[AcquiredBlocInput] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "target_blocs", tuple(self.target_blocs))
        object.__setattr__(self, "acquired_blocs", tuple(self.acquired_blocs))


def _check_blocs(session: Session, blocs: Iterable[Bloc], what: str) -> None:
    foreign = [bloc for bloc in blocs if bloc.referentiel_id != session.referentiel_id]
    if foreign:
        raise ValidationError(
            _("%(what)s %(codes)s do not belong to the framework version of this session.")
            % {"what": what, "codes": ", ".join(b.code or b.title for b in foreign)},
            code="foreign_bloc",
        )


def enrolment_terms_check(*, session: Session, whole_certification: bool,
                          target_blocs: Sequence[Bloc], acquired_blocs: Sequence[Bloc]) -> None:
    """The target and the blocs held, as an enrolment's creation and its edit check them:
    a target (the whole certification or at least one bloc), blocs of the session's
    framework version only."""
    if not whole_certification and not target_blocs:
        raise ValidationError(_("Choose at least one bloc, or the whole certification."),
                              code="no_target")
    _check_blocs(session, target_blocs, _("The chosen blocs"))
    _check_blocs(session, acquired_blocs, _("The blocs acquired before"))


@transaction.atomic
def enrolment_create(
    *,
    candidate: Candidate,
    session: Session,
    terms: EnrolmentTerms,
    invite: bool = True,
) -> Enrolment:
    """Enrol a candidate in a session on these terms and, by default, invite them to their
    space."""
    session_lock_for_write(session_id=session.pk)
    if candidate.anonymised_at is not None:
        raise ValidationError(_("This candidate's data was erased: they cannot be enrolled."),
                              code="erased")
    enrolment_terms_check(session=session, whole_certification=terms.whole_certification,
                          target_blocs=terms.target_blocs,
                          acquired_blocs=[a.bloc for a in terms.acquired_blocs])
    if Enrolment.objects.filter(candidate=candidate, session=session).exists():
        raise ValidationError(
            _("%(candidate)s is already enrolled in this session.") % {"candidate": candidate},
            code="already_enrolled",
        )
    enrolment = Enrolment.objects.create(
        candidate=candidate, session=session, access_route=terms.access_route,
        whole_certification=terms.whole_certification,
        extra_time_percent=terms.extra_time_percent,
        technical_aids=terms.technical_aids.strip(),
        other_accommodations=terms.other_accommodations.strip(),
        jury_note=terms.jury_note.strip(),
    )
    if not terms.whole_certification:
        TargetBloc.objects.bulk_create(
            TargetBloc(enrolment=enrolment, bloc=bloc)
            for bloc in dict.fromkeys(terms.target_blocs)
        )
    AcquiredBloc.objects.bulk_create(
        AcquiredBloc(enrolment=enrolment, bloc=a.bloc, acquired_on=a.acquired_on,
                     origin=a.origin, reference=a.reference.strip())
        for a in terms.acquired_blocs
    )
    if invite and candidate.email:
        candidate_invite(candidate=candidate, session=session)
        enrolment.invited_at = timezone.now()
        enrolment.save(update_fields=["invited_at"])
    return enrolment


def _email_conflict(*, email: str, key: str) -> str | None:
    """Why this address cannot be a new candidate's (it opens someone else's account)."""
    if not email:
        return None
    staff = User.objects.filter(email__iexact=email).exclude(role=Role.CANDIDATE).exists()
    if staff:
        return _("%(email)s belongs to a staff or jury account: use another address.") % {
            "email": email}
    other = (
        Candidate.objects.filter(Q(email__iexact=email) | Q(user__email__iexact=email),
                                 anonymised_at__isnull=True)
        .exclude(identity_key=key).first()
    )
    if other is not None:
        return _("%(email)s is already the address of another candidate (%(name)s).") % {
            "email": email, "name": other.legal_name}
    return None


@transaction.atomic
def enrolment_create_for_identity(
    *,
    session: Session,
    identity: Identity,
    existing: Candidate | None = None,
    terms: EnrolmentTerms,
    invite: bool = True,
) -> Enrolment:
    """Enrol the person an identity describes: a new candidate, or ``existing`` when the
    administrator chose the candidate already known under this identity. The same person
    is never created twice: without ``existing`` a known identity raises
    DuplicateCandidateError."""
    key = identity_key(birth_name=identity.birth_name, first_names=identity.first_names,
                       birth_date=identity.birth_date)
    if existing is None:
        problem = _email_conflict(email=identity.cleaned()["email"], key=key)
        if problem:
            raise ValidationError({"email": problem})
        candidate = candidate_create(identity=identity)
    elif existing.identity_key != key or existing.anonymised_at is not None:
        raise ValidationError(_("This candidate is not the person described."),
                              code="not_same_person")
    else:
        candidate = existing
    return enrolment_create(candidate=candidate, session=session, terms=terms, invite=invite)


@transaction.atomic
def enrolment_invite(*, enrolment: Enrolment) -> Enrolment:
    """Send the invitation again (a lost mail, an expired link, a corrected address).
    Allowed after signing: the invitation changes nothing the deliberation decided."""
    candidate_invite(candidate=enrolment.candidate, session=enrolment.session)
    enrolment.invited_at = timezone.now()
    enrolment.save(update_fields=["invited_at"])
    return enrolment


# -- an enrolment changed or withdrawn -------------------------------------------------------
#: Free texts about the person: the audit trail names them when they change, never their
#: words (an erasure empties them and must leave nothing behind: docs/rgpd.md).
PERSONAL_TEXTS = ("technical_aids", "other_accommodations", "employer", "jury_note")

def _enrolment_state(enrolment: Enrolment) -> dict[str, object]:
    return {
        "access_route": enrolment.access_route,
        "whole_certification": enrolment.whole_certification,
        "target_blocs": sorted(TargetBloc.objects.filter(enrolment=enrolment)
                               .values_list("bloc__code", flat=True)),
        "extra_time_percent": enrolment.extra_time_percent,
        "technical_aids": enrolment.technical_aids,
        "other_accommodations": enrolment.other_accommodations,
        "employer": enrolment.employer,
        "jury_note": enrolment.jury_note,
    }


def _audit_context(enrolment: Enrolment) -> dict[str, str]:
    return {"session": str(enrolment.session.public_id),
            "candidate": str(enrolment.candidate.public_id),
            "enrolment": str(enrolment.public_id)}


@transaction.atomic
def enrolment_update(
    *,
    enrolment: Enrolment,
    by: User | None,
    access_route: AccessRoute | str,
    whole_certification: bool,
    target_blocs: Sequence[Bloc] = (),
    extra_time_percent: int = 0,
    technical_aids: str = "",
    other_accommodations: str = "",
    employer: str = "",
    jury_note: str = "",
    ip_address: str | None = None,
) -> Enrolment:
    """Change an enrolment's route, target and accommodations, checked as at its creation
    (``enrolment_terms_check``, with the blocs it holds). Refused once the session is
    signed (SessionLockedError); recorded in the audit trail (old and new values, but
    only the names of the free texts about the person)."""
    session_lock_for_write(session_id=enrolment.session_id)
    stored = Enrolment.objects.select_related("session", "candidate").get(pk=enrolment.pk)
    if stored.candidate.anonymised_at is not None:
        raise ValidationError(_("This candidate's data was erased: the enrolment no longer "
                                "changes."), code="erased")
    target_blocs = [] if whole_certification else list(dict.fromkeys(target_blocs))
    enrolment_terms_check(
        session=stored.session, whole_certification=whole_certification,
        target_blocs=target_blocs,
        acquired_blocs=[a.bloc for a in stored.acquired_blocs.select_related("bloc")])
    old = _enrolment_state(stored)
    stored.access_route = AccessRoute(access_route)
    stored.whole_certification = whole_certification
    stored.extra_time_percent = extra_time_percent
    stored.technical_aids = technical_aids.strip()
    stored.other_accommodations = other_accommodations.strip()
    stored.employer = " ".join(employer.split())
    stored.jury_note = jury_note.strip()
    stored.full_clean(exclude=["candidate", "session"], validate_unique=False,
                      validate_constraints=False)
    stored.save()
    TargetBloc.objects.filter(enrolment=stored).exclude(
        bloc__in=[b.pk for b in target_blocs]).delete()
    present = set(TargetBloc.objects.filter(enrolment=stored).values_list("bloc_id", flat=True))
    TargetBloc.objects.bulk_create(TargetBloc(enrolment=stored, bloc=bloc)
                                   for bloc in target_blocs if bloc.pk not in present)
    new = _enrolment_state(stored)
    changed = [name for name in new if new[name] != old[name]]
    if changed:
        # Free texts about the person (erased with their data): which changed, not what.
        shown = [name for name in changed if name not in PERSONAL_TEXTS]
        audit_log(actor=by, action="enrolment.changed", obj=stored,
                  old={"fields": changed, **{name: old[name] for name in shown}},
                  new={"fields": changed, **{name: new[name] for name in shown}},
                  context=_audit_context(stored), ip_address=ip_address)
    return stored


class WithdrawalNeedsConfirmationError(ValidationError):
    """The candidate has scores: they are kept, but the administrator must say so."""

    def __init__(self, scores: int) -> None:
        self.scores = scores
        super().__init__(
            ngettext("This candidate already has %(count)d score: confirm the withdrawal "
                     "(the score is kept).",
                     "This candidate already has %(count)d scores: confirm the withdrawal "
                     "(the scores are kept).", scores) % {"count": scores},
            code="confirm_scores",
        )


def enrolment_score_count(*, enrolment: Enrolment) -> int:
    """How many levels were entered for this enrolment, in every épreuve (read through
    the relations the apps above declare: candidates imports none of them)."""
    return Enrolment.objects.filter(pk=enrolment.pk).aggregate(
        scores=Count("sittings__scores", filter=Q(sittings__scores__level__isnull=False))
    )["scores"]


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, by: User | None, reason: str,
                       scores_confirmed: bool = False,
                       ip_address: str | None = None) -> Enrolment:
    """Withdraw a candidate from a session: the deliberation leaves them out, their
    sittings and scores stay in the record (nothing is deleted). Refused once the session
    is signed; with scores already entered, refused until ``scores_confirmed``."""
    session_lock_for_write(session_id=enrolment.session_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(
            _("Give the reason for the withdrawal."), code="no_reason")})
    stored = Enrolment.objects.select_related("session", "candidate").get(pk=enrolment.pk)
    if stored.status == EnrolmentStatus.WITHDRAWN:
        raise ValidationError(_("This candidate was already withdrawn from the session."),
                              code="already_withdrawn")
    scores = enrolment_score_count(enrolment=stored)
    if scores and not scores_confirmed:
        raise WithdrawalNeedsConfirmationError(scores)
    old_status = stored.status
    stored.status = EnrolmentStatus.WITHDRAWN
    stored.save(update_fields=["status"])
    audit_log(actor=by, action="enrolment.withdrawn", obj=stored,
              old={"status": old_status},
              new={"status": stored.status, "reason": reason, "scores_kept": scores},
              context=_audit_context(stored), ip_address=ip_address)
    enrolment.status = stored.status
    return stored
