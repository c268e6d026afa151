"""Builders for the deliberation tests: a session, its jury (a president and two members)
and scores written directly (the scoring rules have their own tests)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from assessments.models import Assessment, Score, Sitting
from candidates.models import Enrolment, Session
from candidates.tests.factories import EnrolmentFactory, SessionFactory
from certifications.models import Competence, Modality
from deliberations.models import Deliberation
from deliberations.services import deliberation_propose, deliberation_sign
from juries.models import Jury, JuryMember, Quality
from juries.tests.factories import AssessmentFactory, MemberFactory


@dataclass
class Setup:
    session: Session
    jury: Jury
    president: JuryMember
    members: list[JuryMember]  # president first
    assessment: Assessment

    @property
    def competences(self) -> list[Competence]:
        return list(Competence.objects.filter(bloc__referentiel=self.session.referentiel)
                    .order_by("bloc__position", "position", "pk"))


def jury_setup(session: Session | None = None, modality: Modality | None = None) -> Setup:
    session = session or SessionFactory()
    president = MemberFactory(sex="F")
    others = [MemberFactory(sex="M"), MemberFactory(quality=Quality.TEACHER, sex="F")]
    jury = Jury.objects.create(session=session, president=president)
    jury.members.set([president, *others])
    # Held yesterday: a deliberation is signed once its épreuves have taken place.
    assessment = AssessmentFactory(
        session=session, modality=modality or session.referentiel.modalities.first(),
        starts_at=timezone.now() - datetime.timedelta(days=1))
    return Setup(session, jury, president, [president, *others], assessment)


def enrol(setup: Setup, assessment: Assessment | None = None, **kwargs) -> Enrolment:
    enrolment = EnrolmentFactory(session=setup.session, **kwargs)
    Sitting.objects.create(assessment=assessment or setup.assessment, enrolment=enrolment)
    return enrolment


def score_all(setup: Setup, enrolment: Enrolment, levels: dict[str, list[int]] | int,
              assessment: Assessment | None = None) -> None:
    """Each member's level for each compétence of the épreuve: ``levels`` maps a
    compétence code to the members' levels (in member order), or is one level for all."""
    sitting = Sitting.objects.get(enrolment=enrolment,
                                  assessment=assessment or setup.assessment)
    competences = Competence.objects.filter(modalities=sitting.assessment.modality_id)
    rows = []
    for competence in competences:
        given = ([levels] * len(setup.members) if isinstance(levels, int)
                 else levels.get(competence.code, [2] * len(setup.members)))
        for member, level in zip(setup.members, given, strict=False):
            rows.append(Score(sitting=sitting, competence=competence, scorer=member.user,
                              level=level, comment="écarts" if level >= 3 else ""))
    Score.objects.bulk_create(rows)


def propose_and_sign(setup: Setup, by) -> Deliberation:
    """The session's deliberation proposed by ``by`` (an administrator) and signed by its
    president with every member present."""
    deliberation_propose(session=setup.session, by=by)
    deliberation = Deliberation.objects.get(session=setup.session)
    deliberation_sign(deliberation=deliberation, members_present=setup.members,
                      by=setup.president.user)
    return deliberation


@contextmanager
def lock_opened() -> Iterator[None]:
    """On PostgreSQL triggers refuse any change to a signed deliberation outside an
    amendment, and any new enrolment, épreuve or jury member of a signed session: the tests
    that build such a world after signing (more holders, a moved signing date) open both
    locks for the block — the amendment's setting, and the triggers off
    (``session_replication_role``, the test database's superuser) — inside one transaction,
    so that the settings hold in a live server's autocommit too, and end with it."""
    def switch(on: bool) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('certassess.amendment', %s, true), "
                               "set_config('session_replication_role', %s, true)",
                               ["on" if on else "off", "replica" if on else "origin"])
    with transaction.atomic():
        switch(True)
        yield
        switch(False)
