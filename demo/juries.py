"""Demo jury of the demo session: three members, one épreuve per assessment method of
blocs 1 and 2, the demo jury login assigned to the first one (embedded mode only)."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.models import Role, User
from accounts.services import user_ensure
from assessments.models import Assessment
from assessments.services import assessment_create, assessment_open_early
from candidates.models import EnrolmentStatus, Session
from certifications.models import Modality
from juries.models import Jury, JuryMember, Quality
from juries.services import (
    ConflictOfInterestError,
    assignment_create,
    jury_compose,
    jury_member_ensure,
)

PLACE = "Paris — salle 204"
# (e-mail, password, first name, last name, quality, organisation, external, sex)
OTHER_MEMBERS = [
    ("claire.dubois@certif.example", "demo-jury-2026", "Claire", "Dubois", Quality.TEACHER,
     "École du certificateur", False, "F"),
    ("karim.haddad@certif.example", "demo-jury-2026", "Karim", "Haddad", Quality.EMPLOYEE,
     "Datalyse SAS", True, "M"),
]


def _members(jury_user: User) -> list[JuryMember]:
    members = [jury_member_ensure(user=jury_user, quality=Quality.EMPLOYER,
                                  organisation="Nova Conseil", external=True, sex="M")]
    for email, password, first, last, quality, organisation, external, sex in OTHER_MEMBERS:
        user, _created = user_ensure(email=email, role=Role.JURY, password=password,
                                     first_name=first, last_name=last)
        members.append(jury_member_ensure(user=user, quality=quality,
                                          organisation=organisation, external=external,
                                          sex=sex))
    return members


OPENED_EARLY_REASON = "Démonstration : la notation est ouverte avant la date de l'épreuve."


def _modalities(session: Session) -> list[Modality]:
    blocs = list(session.referentiel.blocs.order_by("position")[:2])
    return list(
        Modality.objects.filter(referentiel=session.referentiel, blocs__in=blocs)
        .distinct().order_by("position", "pk")
    )


def _assessments(session: Session) -> list[Assessment]:
    """One épreuve per assessment method of blocs 1–2, on the working days ahead."""
    enrolments = list(session.enrolments.filter(status=EnrolmentStatus.ENROLLED)
                      .order_by("candidate__birth_name"))
    first_day = timezone.localdate() + timedelta(days=14)
    assessments = []
    for index, modality in enumerate(_modalities(session)):
        existing = Assessment.objects.filter(session=session, modality=modality).first()
        if existing is not None:
            assessments.append(existing)
            continue
        starts_at = timezone.make_aware(
            datetime.combine(first_day + timedelta(days=index), time(9, 0)))
        teams = ({e.pk: f"Équipe {'AB'[i % 2]}" for i, e in enumerate(enrolments)}
                 if modality.team else None)
        assessments.append(assessment_create(
            session=session, modality=modality, starts_at=starts_at, place=PLACE,
            enrolments=enrolments, teams=teams,
        ))
    return assessments


def load(*, jury_user: User, session: Session, admin_user: User | None = None) -> None:
    """The demo jury and épreuves; running it again changes nothing.

    The épreuves are two weeks ahead, and scoring opens on an épreuve's date: the demo's
    administrator opens the first one early, as the product records it, so that the demo
    jury member can try the grid today."""
    members = _members(jury_user)
    if not Jury.objects.filter(session=session, president__isnull=False).exists():
        jury_compose(session=session, members=members, president=members[0])
    assessments = _assessments(session)
    if not assessments:
        return
    if admin_user is not None:
        assessment_open_early(assessment=assessments[0], by=admin_user,
                              reason=OPENED_EARLY_REASON)
    sittings = assessments[0].sittings.select_related(
        "assessment__session", "enrolment__candidate")
    for sitting in sittings:
        # No administrator is at work here: the demo's assignments have no author.
        with suppress(ConflictOfInterestError):  # a conflict declared since: respected
            assignment_create(sitting=sitting, member=members[0],
                              assigned_by=None)
