"""Builders for the renewal file's tests: sessions of one certification deliberated and
signed through the real services (proposal from the scores, requirement ticked, signature),
then their signing date moved to the promotion wanted."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from assessments.models import Attendance, Sitting
from candidates.models import (
    AccessRoute,
    AcquiredBloc,
    AcquisitionOrigin,
    Enrolment,
    EnrolmentStatus,
)
from candidates.tests.factories import EnrolmentFactory, SessionFactory
from certifications.models import Bloc, Partner, Referentiel, Requirement
from deliberations.models import CandidateDecision, Deliberation
from deliberations.services import deliberation_propose, deliberation_sign, requirement_tick
from deliberations.tests.deliberation_helpers import enrol, jury_setup, lock_opened, score_all

INITIAL, APPRENTICESHIP = AccessRoute.INITIAL, AccessRoute.APPRENTICESHIP
CONTINUING, VAE, FREE = AccessRoute.CONTINUING, AccessRoute.VAE, AccessRoute.FREE
CODES = ("C1.1", "C1.2", "C2.1", "C2.2")  # make_referentiel(blocs=2, competences=2)


@dataclass
class Planned:
    """One candidate of a session: route, final levels of C1.1, C1.2, C2.1, C2.2 (every
    member gives the same), requirement met, absent, withdrawn, blocs acquired before."""

    route: str = AccessRoute.CONTINUING
    levels: tuple[int, int, int, int] = (2, 2, 2, 2)
    requirement: bool = False
    absent: bool = False
    withdrawn: bool = False
    acquired: tuple[str, ...] = ()  # codes of blocs acquired before (by VAE, in 2023)


def signed_session(referentiel: Referentiel, admin, signed_on: datetime.date,
                   candidates: list[Planned], partner: Partner | None = None) -> list[Enrolment]:
    setup = jury_setup(SessionFactory(referentiel=referentiel, partner=partner))
    enrolments, ticked = [], []
    for planned in candidates:
        if planned.withdrawn:
            enrolments.append(EnrolmentFactory(session=setup.session, access_route=planned.route,
                                               status=EnrolmentStatus.WITHDRAWN))
            continue
        enrolment = enrol(setup, access_route=planned.route)
        enrolments.append(enrolment)
        for code in planned.acquired:
            AcquiredBloc.objects.create(enrolment=enrolment, bloc=Bloc.objects.get(
                referentiel=referentiel, code=code), acquired_on=datetime.date(2023, 6, 1),
                origin=AcquisitionOrigin.VAE)
        if planned.absent:
            Sitting.objects.filter(enrolment=enrolment).update(attendance=Attendance.ABSENT)
            continue
        score_all(setup, enrolment, {code: [level] * len(setup.members)
                                     for code, level in zip(CODES, planned.levels, strict=True)})
        if planned.requirement:
            ticked.append(enrolment)
    deliberation_propose(session=setup.session, by=admin)
    deliberation = Deliberation.objects.get(session=setup.session)
    for enrolment in ticked:
        for requirement in Requirement.objects.filter(
                certification=referentiel.certification):
            requirement_tick(decision=CandidateDecision.objects.get(enrolment=enrolment),
                             requirement=requirement, met=True, justification="Attesté.",
                             by=setup.president.user)
    deliberation_sign(deliberation=deliberation, members_present=setup.members,
                      by=setup.president.user)
    at = datetime.datetime.combine(signed_on, datetime.time(15),
                                   tzinfo=timezone.get_current_timezone())
    with lock_opened():
        Deliberation.objects.filter(pk=deliberation.pk).update(signed_at=at)
    return enrolments
