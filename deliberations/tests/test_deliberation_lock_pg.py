"""On PostgreSQL, the database refuses to change a signed deliberation's scores and
decisions, except through an amendment."""

import pytest
from django.db import DatabaseError, connection, transaction

from assessments.models import Score
from deliberations.models import BlocDecision, CandidateDecision, CompetenceDecision, Deliberation
from deliberations.services import (
    FinalLevelAmended,
    amendment_record,
)
from deliberations.tests.deliberation_helpers import (
    enrol,
    jury_setup,
    propose_and_sign,
    score_all,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger: PostgreSQL"),
]


@pytest.fixture
def signed(alice):
    setup = jury_setup()
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    propose_and_sign(setup, alice)
    return setup, enrolment


def test_the_database_refuses_to_change_locked_scores(signed):
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        Score.objects.update(level=1)
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        Score.objects.all().delete()
    assert set(Score.objects.values_list("level", flat=True)) == {2}


@pytest.mark.parametrize(("model", "change"), [
    (CompetenceDecision, {"final_level": 1}),
    (CandidateDecision, {"outcome": "full_success"}),
    (BlocDecision, {"status": "validated"}),
    (Deliberation, {"status": "draft"}),
])
def test_the_database_refuses_to_change_signed_decisions(signed, model, change):
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        model.objects.update(**change)
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        model.objects.all().delete()


def test_an_amendment_goes_through_and_the_lock_closes_behind_it(signed):
    setup, enrolment = signed
    row = CompetenceDecision.objects.filter(candidate_decision__enrolment=enrolment).first()
    amendment_record(target=FinalLevelAmended(row), new_value=4, reason="Erreur au PV.",
                     by=setup.president.user)
    row.refresh_from_db()
    assert row.final_level == 4
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        CompetenceDecision.objects.filter(pk=row.pk).update(final_level=1)
