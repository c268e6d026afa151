"""Reads on sessions and their juries: the sessions a member presides or deliberates
with, the juries and their members, the composition against the certification's rules."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from accounts.models import Role, User
from accounts.permissions import (
    administered_scope,
    is_administrator,
    is_jury_member,
    may_manage_session,
)
from candidates.models import Session
from certifications.models import Certification
from certifications.rules import CompositionCheck, MemberPresence, jury_composition_check
from certifications.selectors import certification_rules
from juries.models import Jury, JuryMember


def sessions_presided_by(*, user: User) -> QuerySet[Session]:
    """The sessions whose jury ``user`` presides (the president's links to their views)."""
    if not is_jury_member(user):
        return Session.objects.none()
    return Session.objects.filter(jury__president__user=user).order_by("-starts_on")


def jury_presided_by(*, user: User, session_id: int) -> Jury | None:
    """The session's jury when ``user`` is its president."""
    return Jury.objects.filter(session_id=session_id, president__user=user).first()


def jury_member_list_for_user(*, user: User) -> QuerySet[JuryMember]:
    """Every jury member profile, for administrators; nobody else lists them."""
    members = JuryMember.objects.select_related("user")
    return members.filter(administered_scope(user))


def jury_users_for_user(*, user: User) -> QuerySet[User]:
    """Active accounts with the jury role (to give them a member profile)."""
    users = User.objects.filter(role=Role.JURY, is_active=True).select_related("jury_member")
    return users.order_by("last_name", "first_name", "email") if is_administrator(user) \
        else users.none()


def jury_for_session(*, user: User, session: Session) -> Jury | None:
    """The session's jury with its members and president (administrators)."""
    if not may_manage_session(user, session):
        return None
    return (
        Jury.objects.filter(session=session)
        .select_related("president__user")
        .prefetch_related("members__user")
        .first()
    )


def session_jury_members(*, user: User, session: Session) -> QuerySet[JuryMember]:
    """The members of the session's jury (administrators)."""
    members = JuryMember.objects.filter(juries__session=session).select_related("user")
    return members if may_manage_session(user, session) else members.none()


@dataclass(frozen=True)
class CompositionSummary:
    """What the composition looks like now, against the certification's rules."""

    members: int
    external_professionals: int
    women: int
    men: int
    required_share: Decimal
    check: CompositionCheck

    @property
    def external_percent(self) -> int:
        return round(100 * self.external_professionals / self.members) if self.members else 0

    @property
    def required_percent(self) -> int:
        return round(100 * self.required_share)


def jury_composition_summary(*, jury: Jury | None, certification: Certification
                             ) -> CompositionSummary:
    """The composition check of DESIGN.md §5, as if every member were present (the check
    at signing counts those actually present)."""
    rules = certification_rules(certification)
    members = list(jury.members.all()) if jury is not None else []
    president_id = jury.president_id if jury is not None else None
    present = [
        MemberPresence(is_president=member.pk == president_id,
                       is_external_professional=member.is_external_professional,
                       sex=member.sex)
        for member in members
    ]
    return CompositionSummary(
        members=len(members),
        external_professionals=sum(1 for p in present if p.is_external_professional),
        women=sum(1 for p in present if p.sex == "F"),
        men=sum(1 for p in present if p.sex == "M"),
        required_share=rules.external_professional_share,
        check=jury_composition_check(present, rules),
    )


def jury_list_for_user(*, user: User) -> QuerySet[Jury]:
    """Administrators: every jury; a jury member: the juries they preside (what the
    deliberation page shows them); anyone else nothing."""
    juries = Jury.objects.select_related(
        "session__referentiel__certification", "president__user"
    ).prefetch_related("members__user").order_by("-session__starts_on", "-pk")
    if is_administrator(user):
        return juries
    if is_jury_member(user):
        return juries.filter(president__user=user)
    return juries.none()
