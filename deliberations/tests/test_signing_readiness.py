"""No signing while an épreuve of the session has not taken place, or while candidates
present at an épreuve are not fully scored (issue 18): the service refuses and lists them
(épreuve, date, candidates with how much is scored); the confirmation page shows the list
and no Sign button."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape

from assessments.models import Attendance, Score, Sitting
from deliberations.models import Deliberation
from deliberations.services import (
    SessionNotReadyError,
    deliberation_propose,
    deliberation_sign,
)
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from juries.models import ConflictKind, ConflictOfInterest
from juries.tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}


def sign(setup):
    return deliberation_sign(deliberation=Deliberation.objects.get(session=setup.session),
                             members_present=setup.members, by=setup.president.user)


def when(assessment) -> str:
    return date_format(timezone.localtime(assessment.starts_at), "DATETIME_FORMAT")


def later_epreuve(setup, enrolments):
    """A second épreuve of the session, in a week, the enrolments scheduled on it."""
    later = AssessmentFactory(session=setup.session, modality=setup.assessment.modality,
                              starts_at=timezone.now() + datetime.timedelta(days=7))
    for enrolment in enrolments:
        Sitting.objects.create(assessment=later, enrolment=enrolment)
    return later


def test_an_epreuve_still_to_come_refuses_the_signature_then_it_signs(alice):
    setup = jury_setup()
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    later = later_epreuve(setup, [enrolment])
    title = later.modality.title
    total = later.modality.competences.count()
    deliberation_propose(session=setup.session, by=alice)
    with translation.override("en"), pytest.raises(SessionNotReadyError) as refused:
        sign(setup)
    with translation.override("en"):
        assert refused.value.reasons == [f"{title} ({when(later)}) has not taken place yet."]
    assert refused.value.code == "not_ready"
    assert not Deliberation.objects.get().is_signed
    assert Sitting.objects.filter(locked_at__isnull=False).count() == 0

    with time_machine.travel(later.starts_at + datetime.timedelta(days=1), tick=False):
        # Held now, but nobody scored the candidate on it.
        with translation.override("en"), pytest.raises(SessionNotReadyError) as refused:
            sign(setup)
        with translation.override("en"):
            assert refused.value.reasons == [
                f"{title} ({when(later)}): scores are missing for "
                f"{enrolment.candidate.display_name} (0 / {total} competences scored)."]
        score_all(setup, enrolment, 2, assessment=later)
        deliberation_propose(session=setup.session, by=alice)
        sign(setup)
    assert Deliberation.objects.get().is_signed


def test_present_candidates_not_fully_scored_are_listed(alice):
    setup = jury_setup()
    scored, partly, unscored, absent, excused = (enrol(setup) for _ in range(5))
    score_all(setup, scored, 2)
    competences = list(setup.assessment.modality.competences.order_by("pk"))
    Score.objects.create(sitting=Sitting.objects.get(enrolment=partly),
                         competence=competences[0], scorer=setup.members[1].user, level=3)
    Sitting.objects.filter(enrolment=absent).update(attendance=Attendance.ABSENT)
    Sitting.objects.filter(enrolment=excused).update(attendance=Attendance.EXCUSED)
    deliberation_propose(session=setup.session, by=alice)
    with translation.override("en"), pytest.raises(SessionNotReadyError) as refused:
        sign(setup)
    [reason] = refused.value.reasons
    total = len(competences)
    assert f"{partly.candidate.display_name} (1 / {total} competences scored)" in reason
    assert f"{unscored.candidate.display_name} (0 / {total} competences scored)" in reason
    assert setup.assessment.modality.title in reason
    for not_listed in (scored, absent, excused):
        assert not_listed.candidate.display_name not in reason
    assert not Deliberation.objects.get().is_signed


def test_a_level_given_by_a_member_in_conflict_does_not_count(alice):
    setup = jury_setup()
    enrolment = enrol(setup)
    competences = list(setup.assessment.modality.competences.all())
    conflicted = setup.members[2]
    Score.objects.bulk_create(
        Score(sitting=Sitting.objects.get(enrolment=enrolment), competence=c,
              scorer=conflicted.user, level=2) for c in competences)
    ConflictOfInterest.objects.create(member=conflicted, candidate=enrolment.candidate,
                                      kind=ConflictKind.TRAINED, declared_by=alice)
    deliberation_propose(session=setup.session, by=alice)
    with translation.override("en"), pytest.raises(SessionNotReadyError) as refused:
        sign(setup)
    assert (f"{enrolment.candidate.display_name} (0 / {len(competences)} competences scored)"
            in refused.value.reasons[0])


def test_the_confirmation_page_lists_the_reasons_and_offers_no_sign_button(client, alice):
    setup = jury_setup()
    enrolment = enrol(setup)
    later = later_epreuve(setup, [enrolment])
    deliberation_propose(session=setup.session, by=alice)
    url = reverse("deliberations:deliberation_sign", args=[setup.session.public_id])
    client.force_login(setup.president.user)
    form = {"present": [str(m.public_id) for m in setup.members],
            "proposal_version": Deliberation.objects.get().proposal_version}
    response = client.get(url, form, headers=EN)
    assert response.status_code == 200
    text = response.text
    assert 'id="not-ready"' in text
    assert "The deliberation cannot be signed yet" in text
    with translation.override("en"):
        assert escape(f"{later.modality.title} ({when(later)}) has not taken place yet.") in text
        assert escape(enrolment.candidate.display_name) in text  # unscored at the first one
    assert "Sign the deliberation</button>" not in text
    assert "Back to the deliberation" in text
    # Posting the confirmation anyway signs nothing and says why.
    response = client.post(url, {**form, "confirm": "1"}, headers=EN)
    assert response.status_code == 422
    assert "has not taken place yet." in response.text
    assert not Deliberation.objects.get().is_signed


def test_the_confirmation_page_offers_the_button_once_ready(client, alice):
    setup = jury_setup()
    score_all(setup, enrol(setup), 2)
    deliberation_propose(session=setup.session, by=alice)
    client.force_login(setup.president.user)
    text = client.get(reverse("deliberations:deliberation_sign",
                              args=[setup.session.public_id]),
                      {"present": [str(m.public_id) for m in setup.members]}, headers=EN).text
    assert 'id="not-ready"' not in text
    assert "Sign the deliberation</button>" in text


def test_the_reasons_are_said_in_french(alice):
    setup = jury_setup()
    enrolment = enrol(setup)
    later_epreuve(setup, [enrolment])
    deliberation_propose(session=setup.session, by=alice)
    with translation.override("fr"), pytest.raises(SessionNotReadyError) as refused:
        sign(setup)
    first, second = refused.value.reasons
    assert "il manque des évaluations pour" in first
    assert "compétences évaluées)" in first
    assert second.endswith("n’a pas encore eu lieu.")


def test_a_withdrawn_candidate_neither_holds_the_signature_up_nor_reaches_the_grid(alice):
    """Withdrawn after being scheduled, never scored: the signature is not held up for them,
    and the member assigned to them no longer finds their sitting."""
    from candidates.services import enrolment_withdraw
    from juries.selectors.scoring import sittings_for_scorer
    from juries.services import assignment_create

    setup = jury_setup()
    kept, withdrawn = enrol(setup), enrol(setup)
    score_all(setup, kept, 2)
    sitting = Sitting.objects.get(enrolment=withdrawn)
    member = setup.members[0]
    if not sitting.assignments.filter(member=member).exists():
        assignment_create(sitting=sitting, member=member, assigned_by=alice)
    assert sittings_for_scorer(user=member.user).filter(pk=sitting.pk).exists()
    enrolment_withdraw(enrolment=withdrawn, by=alice, reason="Abandon de la formation")
    assert not sittings_for_scorer(user=member.user).filter(pk=sitting.pk).exists()
    deliberation_propose(session=setup.session, by=alice)
    sign(setup)
    assert Deliberation.objects.get().is_signed
