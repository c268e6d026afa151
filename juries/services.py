"""Writes on juries: members, composition, assignments, conflicts of interest, and the
scoring grid's saves (which check the assignment, then call assessments' services)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.permissions import is_jury_member, may_manage_session, may_score_sitting, require
from accounts.services import audit_log, invitation_url, user_invited_account
from assessments.models import Attendance, CriterionCheck, Score, Sitting
from assessments.services import attendance_mark, criterion_check_record, score_record
from candidates.models import Candidate, Session
from candidates.services import session_lock_for_write
from certifications.models import Competence, Criterion
from juries.models import Assignment, ConflictKind, ConflictOfInterest, Jury, JuryMember, Quality
from juries.signals import assignment_created


class ConflictOfInterestError(ValidationError):
    """The member may not assess this candidate; the message says why."""


class NotAssignedError(Exception):
    """The user is not assigned to this sitting (the view answers 404)."""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).lower().split())


@transaction.atomic
def jury_member_ensure(
    *, user: User, quality: Quality, organisation: str = "", external: bool = True, sex: str = ""
) -> JuryMember:
    if not is_jury_member(user):
        raise ValidationError(_("Only jury member accounts can sit on a jury."), code="role")
    member, _created = JuryMember.objects.update_or_create(
        user=user, defaults={"quality": quality, "organisation": organisation.strip(),
                             "external": external, "sex": sex},
    )
    return member


@transaction.atomic
def jury_compose(
    *, session: Session, members: Sequence[JuryMember], president: JuryMember | None,
    composed_by: User | None = None,
) -> Jury:
    session_lock_for_write(session_id=session.pk)
    if president is not None and president not in members:
        raise ValidationError(_("The president must be a member of the jury."),
                              code="president")
    jury, _created = Jury.objects.get_or_create(session=session)
    old = {"members": sorted(jury.members.values_list("pk", flat=True)),
           "president": jury.president_id}
    jury.members.set(members)
    jury.president = president
    jury.save(update_fields=["president"])
    audit_log(actor=composed_by, action="jury.composed", obj=jury, old=old,
              new={"members": sorted(m.pk for m in members),
                   "president": president.pk if president else None},
              context={"session": str(session.public_id)})
    return jury


def _send_jury_invitation(member: JuryMember, session: Session) -> None:
    """The link to choose a password (the candidates' invitation mechanism: allauth's
    reset-from-key link), in the member's language, plain text."""
    context = {
        "member": member,
        "session": session,
        "certification": session.referentiel.certification,
        "url": invitation_url(member.user),
        "site_name": settings.CERTIFIER_NAME,
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    with translation.override(member.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("juries/email/invitation_subject.txt",
                                            context).split())
        body = render_to_string("juries/email/invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [member.user.email])


@transaction.atomic
def jury_member_invite(
    *, session: Session, first_name: str, last_name: str, email: str, quality: Quality,
    invited_by: User, organisation: str = "", external: bool = True, sex: str = "",
    language: str = "fr", ip_address: str | None = None,
) -> tuple[JuryMember, bool]:
    """Invite a jury member to a session's jury by e-mail: create their account (jury
    role, no password yet) and member profile, add them to the jury, and e-mail them the
    link to choose a password, in their language. An account with that e-mail is reused
    (its profile kept as it is), never duplicated; it must be a jury member's. Refused
    once the session is signed. Returns the member and whether the account was created."""
    require(may_manage_session(invited_by, session))
    session_lock_for_write(session_id=session.pk)
    email = email.strip().lower()
    user, created = user_invited_account(email=email, role=Role.JURY, first_name=first_name,
                                         last_name=last_name)
    member = JuryMember.objects.filter(user=user).select_related("user").first()
    if member is None:
        member = JuryMember.objects.create(
            user=user, quality=quality, organisation=organisation.strip(), external=external,
            sex=sex, language=language)
    jury, _created = Jury.objects.get_or_create(session=session)
    added = not jury.members.filter(pk=member.pk).exists()
    if added:
        jury.members.add(member)
    mailed = not user.has_usable_password()
    audit_log(actor=invited_by, action="jury.member_invited", obj=member,
              new={"email": email, "account_created": created, "added_to_jury": added,
                   "invitation_sent": mailed},
              context={"session": str(session.public_id)}, ip_address=ip_address)
    if mailed:
        _send_jury_invitation(member, session)
    return member, created


@transaction.atomic
def jury_invitation_resend(
    *, member: JuryMember, session: Session, by: User, ip_address: str | None = None
) -> None:
    """E-mail a new link to choose a password to a member who has not chosen one yet
    (the earlier link may have expired). Refused once they have a password: they sign in,
    or use « forgot your password »."""
    require(may_manage_session(by, session))
    if member.user.has_usable_password():
        raise ValidationError(_("%(member)s has already chosen a password: they sign in, or "
                                "use “Forgot your password?” on the sign-in page.")
                              % {"member": member}, code="active")
    audit_log(actor=by, action="jury.invitation_resent", obj=member,
              new={"email": member.user.email},
              context={"session": str(session.public_id)}, ip_address=ip_address)
    _send_jury_invitation(member, session)


def conflict_reasons(*, member: JuryMember, sitting: Sitting) -> list[str]:
    """Why ``member`` may not assess this sitting's candidate (empty: no conflict)."""
    candidate = sitting.enrolment.candidate
    reasons = [
        f"{conflict.get_kind_display()}" + (f" ({conflict.note})" if conflict.note else "")
        for conflict in ConflictOfInterest.objects.filter(member=member, candidate=candidate)
    ]
    employer = _fold(sitting.enrolment.employer)
    if employer and employer == _fold(member.organisation):
        reasons.append(
            _("works in the candidate's organisation (%(organisation)s)")
            % {"organisation": sitting.enrolment.employer}
        )
    return reasons


@transaction.atomic
def assignment_create(
    *, sitting: Sitting, member: JuryMember, assigned_by: User | None,
    ip_address: str | None = None,
) -> Assignment:
    """Assign a member of the session's jury to a candidate's sitting; a conflict of
    interest refuses it and says why."""
    session = sitting.assessment.session
    session_lock_for_write(session_id=session.pk)
    if not Jury.objects.filter(session=session, members=member).exists():
        raise ValidationError(
            _("%(member)s is not a member of the jury of this session.") % {"member": member},
            code="not_in_jury",
        )
    reasons = conflict_reasons(member=member, sitting=sitting)
    if reasons:
        raise ConflictOfInterestError(
            _("%(member)s cannot assess %(candidate)s: %(reasons)s.")
            % {"member": member, "candidate": sitting.enrolment.candidate,
               "reasons": "; ".join(reasons)},
            code="conflict",
        )
    assignment, created = Assignment.objects.get_or_create(
        sitting=sitting, member=member, defaults={"assigned_by": assigned_by}
    )
    if created:
        audit_log(actor=assigned_by, action="assignment.created", obj=assignment,
                  new={"member": member.pk, "sitting": str(sitting.public_id)},
                  context=_context(sitting), ip_address=ip_address)
        transaction.on_commit(
            lambda: assignment_created.send(Assignment, assignment_id=assignment.pk))
    return assignment


@transaction.atomic
def assignment_delete(
    *, assignment: Assignment, removed_by: User, ip_address: str | None = None
) -> None:
    sitting = assignment.sitting
    session_lock_for_write(session_id=sitting.assessment.session_id)
    audit_log(actor=removed_by, action="assignment.deleted", obj=assignment,
              old={"member": assignment.member_id, "sitting": str(sitting.public_id)},
              context=_context(sitting), ip_address=ip_address)
    assignment.delete()


@transaction.atomic
def conflict_declare(
    *, member: JuryMember, candidate: Candidate, kind: ConflictKind, declared_by: User,
    note: str = "", ip_address: str | None = None,
) -> ConflictOfInterest:
    """Record a conflict (the member themself or an administrator). The member's
    assignments to that candidate are withdrawn; scores they gave stay in the record
    but the deliberation does not count them. Assignments in a signed session stay: they
    are part of what was signed."""
    conflict, created = ConflictOfInterest.objects.get_or_create(
        member=member, candidate=candidate, kind=kind,
        defaults={"declared_by": declared_by, "note": note.strip()},
    )
    if created:
        audit_log(actor=declared_by, action="conflict.declared", obj=conflict,
                  new={"member": member.pk, "candidate": str(candidate.public_id),
                       "kind": kind, "note": conflict.note},
                  context={"candidate": str(candidate.public_id)}, ip_address=ip_address)
    for assignment in Assignment.objects.filter(
        member=member, sitting__enrolment__candidate=candidate,
        sitting__assessment__session__signed_at__isnull=True,
    ).select_related("sitting__assessment__session", "sitting__enrolment__candidate"):
        assignment_delete(assignment=assignment, removed_by=declared_by, ip_address=ip_address)
    return conflict


def _context(sitting: Sitting) -> dict[str, str]:
    return {
        "session": str(sitting.assessment.session.public_id),
        "assessment": str(sitting.assessment.public_id),
        "candidate": str(sitting.enrolment.candidate.public_id),
    }


# -- the scoring grid: every save checks the assignment first ---------------------------


def _require_assignment(user: User, sitting: Sitting) -> None:
    if not may_score_sitting(user, sitting):
        raise NotAssignedError


def grid_score_save(
    *, user: User, sitting: Sitting, competence: Competence, level: int | None,
    comment: str, expected_version: int, ip_address: str | None = None,
) -> Score:
    _require_assignment(user, sitting)
    return score_record(scorer=user, sitting=sitting, competence=competence, level=level,
                        comment=comment, expected_version=expected_version,
                        ip_address=ip_address)


def grid_criterion_save(
    *, user: User, sitting: Sitting, criterion: Criterion, observed: bool | None, note: str,
    expected_version: int, ip_address: str | None = None,
) -> CriterionCheck:
    _require_assignment(user, sitting)
    return criterion_check_record(scorer=user, sitting=sitting, criterion=criterion,
                                  observed=observed, note=note,
                                  expected_version=expected_version, ip_address=ip_address)


def grid_attendance_save(
    *, user: User, sitting: Sitting, attendance: Attendance, expected_version: int,
    ip_address: str | None = None,
) -> Sitting:
    _require_assignment(user, sitting)
    return attendance_mark(sitting=sitting, attendance=attendance, marked_by=user,
                           expected_version=expected_version, ip_address=ip_address)
