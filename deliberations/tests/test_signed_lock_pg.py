"""On PostgreSQL, the database refuses what the services refuse on a signed session, for
a write that would not go through them (the last wall)."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from assessments.models import Assessment, Sitting
from candidates.models import Enrolment, Session
from candidates.tests.factories import CandidateFactory
from deliberations.models import Deliberation
from deliberations.services import (
    deliberation_publish,
)
from deliberations.tests.deliberation_helpers import (
    enrol,
    jury_setup,
    propose_and_sign,
    score_all,
)
from juries.models import Assignment, Jury
from juries.tests.factories import MemberFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger: PostgreSQL"),
]


@pytest.fixture
def signed(alice):
    setup = jury_setup()
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    Assignment.objects.create(sitting=Sitting.objects.get(enrolment=enrolment),
                              member=setup.members[1])
    propose_and_sign(setup, alice)
    return setup, enrolment


def _refused(write) -> None:
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        write()


def test_the_database_refuses_changes_to_a_signed_session(signed):
    setup, enrolment = signed
    session = setup.session
    sitting = Sitting.objects.get(enrolment=enrolment)
    jury = Jury.objects.get(session=session)
    _refused(lambda: Assessment.objects.create(
        session=session, modality=setup.assessment.modality,
        starts_at=timezone.now() + datetime.timedelta(days=1)))
    _refused(lambda: Sitting.objects.create(assessment=setup.assessment,
                                            enrolment=Enrolment.objects.create(
                                                candidate=CandidateFactory(), session=session,
                                                access_route="candidature_libre")))
    _refused(lambda: Assignment.objects.create(sitting=sitting, member=setup.members[2]))
    _refused(lambda: Assignment.objects.filter(sitting=sitting).delete())
    _refused(lambda: jury.members.add(MemberFactory()))
    _refused(lambda: jury.members.remove(setup.members[2]))
    _refused(lambda: Session.objects.filter(pk=session.pk).update(name="RENAMED"))
    _refused(lambda: Sitting.objects.filter(pk=sitting.pk).update(attendance="absent"))


def test_publishing_and_invitations_still_go_through(signed):
    setup, enrolment = signed
    deliberation_publish(deliberation=Deliberation.objects.get(), by=setup.president.user)
    Enrolment.objects.filter(pk=enrolment.pk).update(invited_at=timezone.now())
    assert Session.objects.get(pk=setup.session.pk).results_published_at is not None
