"""The demo jury: three members, the demo jury login presiding and assigned to every
candidate of the first épreuve; loading it again changes nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, Role, User
from assessments.models import Assessment, Sitting
from demo import accounts as accounts_demo
from demo import candidates as candidates_demo
from demo import certifications as certifications_demo
from demo import juries as juries_demo
from juries.models import Assignment, Jury, JuryMember, Quality

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    users = {login.role: user for login, user, _created in accounts_demo.load()}
    certifications_demo.load()
    session = candidates_demo.load(candidate_user=users[Role.CANDIDATE])
    juries_demo.load(jury_user=users[Role.JURY], session=session, admin_user=users[Role.ADMIN])
    return users[Role.JURY], session


def test_it_composes_the_jury_with_the_demo_login_presiding(loaded):
    jury_user, session = loaded
    jury = Jury.objects.get(session=session)
    assert jury.president.user == jury_user
    assert jury.members.count() == 3
    profile = JuryMember.objects.get(user=jury_user)
    assert (profile.quality, profile.external, profile.sex) == (Quality.EMPLOYER, True, "M")
    claire = JuryMember.objects.get(user__email="claire.dubois@certif.example")
    assert (claire.quality, claire.external, claire.sex) == (Quality.TEACHER, False, "F")
    assert claire.user.role == Role.JURY
    assert claire.user.check_password("demo-jury-2026")
    assert JuryMember.objects.filter(quality=Quality.EMPLOYEE).count() == 1


def test_it_schedules_one_assessment_per_modality_of_blocs_1_and_2(loaded):
    _jury_user, session = loaded
    blocs = list(session.referentiel.blocs.order_by("position")[:2])
    expected = set(session.referentiel.modalities.filter(blocs__in=blocs)
                   .values_list("pk", flat=True))
    assessments = list(Assessment.objects.filter(session=session))
    assert {a.modality_id for a in assessments} == expected
    enrolled = session.enrolments.count()
    for assessment in assessments:
        assert assessment.place == "Paris — salle 204"
        assert assessment.starts_at > timezone.now()
        assert assessment.sittings.count() == enrolled
        if assessment.modality.team:
            assert all(assessment.sittings.values_list("team", flat=True))


def test_the_demo_jury_login_is_assigned_to_every_sitting_of_the_first(loaded):
    jury_user, session = loaded
    first = Assessment.objects.filter(session=session).order_by("starts_at").first()
    assigned = Assignment.objects.filter(member__user=jury_user)
    assert set(assigned.values_list("sitting_id", flat=True)) == set(
        first.sittings.values_list("pk", flat=True))


def test_loading_again_changes_nothing(loaded):
    jury_user, session = loaded
    models = (User, JuryMember, Jury, Assessment, Sitting, Assignment, AuditEvent)
    counts = [model.objects.count() for model in models]
    juries_demo.load(jury_user=jury_user, session=session)
    assert [model.objects.count() for model in models] == counts


def test_the_first_epreuve_is_opened_early_by_the_administrator_and_recorded(loaded):
    """The épreuves are ahead; scoring opens on their date, so the demo opens the first one
    early the way the product records it, and the demo jury member can try the grid today."""
    _jury_user, session = loaded
    first, *others = Assessment.objects.filter(session=session).order_by("starts_at")
    assert first.starts_at.date() > timezone.localdate()
    assert first.scoring_open()
    assert first.opened_early_by.email == "admin@certif.example"
    assert not any(other.scoring_open() for other in others)
    event = AuditEvent.objects.get(action="assessment.opened_early")
    assert event.new["reason"] == juries_demo.OPENED_EARLY_REASON
