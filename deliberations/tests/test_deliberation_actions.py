"""After signing, on the deliberation page: the president amends a decision with a
required reason (errors tied to the field), administrators carry a candidate's blocs not
validated to a later session. Everyone else gets a 404."""

from datetime import timedelta

import pytest
from django.urls import reverse

from candidates.models import Enrolment, TargetBloc
from candidates.tests.factories import SessionFactory
from certifications.models import Requirement, RuleSet
from deliberations.models import (
    Amendment,
    BlocDecisionStatus,
    CandidateDecision,
    CandidateOutcome,
    CompetenceDecision,
    Deliberation,
)
from deliberations.services import deliberation_propose, deliberation_sign
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(alice):
    """A signed deliberation: one candidate with a rattrapage on C1.1."""
    setup = jury_setup()
    score_all(setup, enrol(setup), {"C1.1": [4, 4, 4]})
    deliberation = deliberation_propose(session=setup.session, by=alice)
    deliberation_sign(deliberation=deliberation, members_present=setup.members,
                      by=setup.president.user)
    return setup


@pytest.fixture
def later(setup):
    session = setup.session
    return SessionFactory(referentiel=session.referentiel, name="Session de rattrapage",
                          starts_on=session.starts_on + timedelta(days=90),
                          ends_on=session.ends_on + timedelta(days=90))


def url(setup, name="deliberation", decision=None):
    args = [setup.session.public_id] + ([decision.public_id] if decision else [])
    return reverse(f"deliberations:{name}", args=args)


def candidate_page(setup):
    """The page of the candidate (one in these tests): the amendment and rattrapage forms."""
    return url(setup, "deliberation_decision", CandidateDecision.objects.get())


def row(code="C1.1"):
    return CompetenceDecision.objects.get(competence__code=code)


def test_it_is_a_404_for_members_candidates_and_strangers(client, setup, later, bob, charlie):
    decision = CandidateDecision.objects.get()
    amend = {"target": f"competence:{row().pk}", "value": "2", "reason": "Erreur de saisie."}
    for user in (setup.members[1].user, bob, charlie):
        client.force_login(user)
        assert client.post(url(setup, "deliberation_amend", decision), amend).status_code == 404
        assert client.post(url(setup, "deliberation_rattrapage", decision),
                           {"to_session": str(later.public_id)}).status_code == 404
    assert not Amendment.objects.exists()
    assert not Enrolment.objects.filter(session=later).exists()


def test_only_the_president_amends_and_only_an_administrator_carries(
        client, setup, later, alice):
    decision = CandidateDecision.objects.get()
    client.force_login(alice)
    page = client.get(candidate_page(setup)).text
    assert 'name="to_session"' in page
    assert 'name="reason"' not in page
    amend = {"target": f"competence:{row().pk}", "value": "2", "reason": "Erreur de saisie."}
    assert client.post(url(setup, "deliberation_amend", decision), amend).status_code == 404
    client.force_login(setup.president.user)
    page = client.get(candidate_page(setup)).text
    assert 'name="reason"' in page
    assert 'name="to_session"' not in page
    assert client.post(url(setup, "deliberation_rattrapage", decision),
                       {"to_session": str(later.public_id)}).status_code == 404
    assert not Amendment.objects.exists()


def test_a_decision_of_another_session_is_a_404(client, setup):
    other = jury_setup()
    score_all(other, enrol(other), 2)
    foreign = deliberation_propose(session=other.session, by=other.president.user
                                   ).candidates.get()
    client.force_login(setup.president.user)
    response = client.post(url(setup, "deliberation_amend", foreign),
                           {"target": "outcome", "value": "failure", "reason": "Non."})
    assert response.status_code == 404


def test_an_amendment_without_a_reason_is_refused_on_its_field(client, setup):
    decision = CandidateDecision.objects.get()
    target = row()
    client.force_login(setup.president.user)
    response = client.post(url(setup, "deliberation_amend", decision),
                           {"target": f"competence:{target.pk}", "value": "2", "reason": " "})
    assert response.status_code == 422
    prefix = f"amend-competence-{target.pk}"
    assert f'aria-describedby="{prefix}-reason-error"' in response.text
    assert f'id="{prefix}-reason-error"' in response.text
    assert "<details class=\"deliberation-amend\" open>" in response.text
    assert not Amendment.objects.exists()


def test_the_same_value_or_a_value_off_the_scale_is_refused_on_the_value(client, setup):
    decision = CandidateDecision.objects.get()
    target = row()
    client.force_login(setup.president.user)
    prefix = f"amend-competence-{target.pk}"
    for value in ("4", "9", "x"):
        response = client.post(url(setup, "deliberation_amend", decision), {
            "target": f"competence:{target.pk}", "value": value, "reason": "Relecture."})
        assert response.status_code == 422, value
        assert f'aria-describedby="{prefix}-value-error"' in response.text
    assert not Amendment.objects.exists()


def test_the_president_amends_a_final_level_and_the_bloc_and_outcome_follow(client, setup):
    decision = CandidateDecision.objects.get()
    target = row()
    client.force_login(setup.president.user)
    response = client.post(url(setup, "deliberation_amend", decision), {
        "target": f"competence:{target.pk}", "value": "2",
        "reason": "Erreur de report de la grille."})
    assert response.status_code == 302
    target.refresh_from_db()
    decision.refresh_from_db()
    assert target.final_level == 2
    assert decision.outcome != CandidateOutcome.FAILURE
    first = Amendment.objects.order_by("pk").first()
    assert (first.field, first.old, first.new, first.by) == (
        "final_level", 4, 2, setup.president.user)
    assert response["Location"] == candidate_page(setup)
    assert "Erreur de report de la grille." in client.get(candidate_page(setup)).text


def test_the_president_amends_an_outcome_and_a_requirement(client, setup):
    decision = CandidateDecision.objects.get()
    client.force_login(setup.president.user)
    response = client.post(url(setup, "deliberation_amend", decision), {
        "target": "outcome", "value": CandidateOutcome.EXCUSED, "reason": "Certificat médical."})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.outcome == CandidateOutcome.EXCUSED
    requirement = Requirement.objects.create(
        certification=setup.session.referentiel.certification, label="Mission en entreprise")
    assert f"amend-requirement-{decision.pk}-{requirement.pk}" in client.get(
        candidate_page(setup)).text
    response = client.post(url(setup, "deliberation_amend", decision), {
        "target": f"requirement:{requirement.pk}", "value": "yes", "reason": "Rapport reçu."})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.requirements_met[str(requirement.pk)]["met"] is True
    assert Amendment.objects.filter(field=f"requirement:{requirement.pk}").exists()


def test_an_administrator_carries_the_blocs_not_validated_to_a_later_session(
        client, setup, later, alice):
    decision = CandidateDecision.objects.get()
    not_validated = {b.bloc.code for b in decision.blocs.select_related("bloc")
                     if b.status != BlocDecisionStatus.VALIDATED}
    client.force_login(alice)
    response = client.post(url(setup, "deliberation_rattrapage", decision),
                           {"to_session": str(later.public_id)})
    assert response.status_code == 302
    carried = Enrolment.objects.get(session=later)
    assert carried.candidate_id == decision.enrolment.candidate_id
    assert set(TargetBloc.objects.filter(enrolment=carried)
               .values_list("bloc__code", flat=True)) == not_validated
    assert "Session de rattrapage" in client.get(response.url).text
    again = client.post(url(setup, "deliberation_rattrapage", decision),
                        {"to_session": str(later.public_id)})
    assert again.status_code == 422
    assert f'id="to-session-error-{decision.pk}"' in again.text


def test_without_a_later_session_the_page_says_so(client, setup, alice):
    client.force_login(alice)
    page = client.get(candidate_page(setup)).text
    assert "Aucune session ultérieure de cette certification" in page
    assert 'name="to_session"' not in page


def test_an_earlier_session_is_refused_with_the_reason_on_the_select(client, setup, later,
                                                                     alice):
    session = setup.session
    earlier = SessionFactory(referentiel=session.referentiel,
                             starts_on=session.starts_on - timedelta(days=90),
                             ends_on=session.starts_on - timedelta(days=60))
    decision = CandidateDecision.objects.get()
    client.force_login(alice)
    assert str(earlier.public_id) not in client.get(candidate_page(setup)).text
    response = client.post(url(setup, "deliberation_rattrapage", decision),
                           {"to_session": str(earlier.public_id)})
    assert response.status_code == 422
    assert f'aria-describedby="to-session-hint-{decision.pk} to-session-error-{decision.pk}"' \
        in response.text
    assert not Enrolment.objects.filter(session=earlier).exists()


def test_no_action_before_signing(client, alice):
    setup = jury_setup()
    score_all(setup, enrol(setup), 2)
    deliberation_propose(session=setup.session, by=alice)
    assert not Deliberation.objects.get().is_signed
    client.force_login(setup.president.user)
    assert 'name="reason"' not in client.get(candidate_page(setup)).text
    decision = CandidateDecision.objects.get()
    response = client.post(url(setup, "deliberation_amend", decision), {
        "target": "outcome", "value": CandidateOutcome.FAILURE, "reason": "Test."})
    assert response.status_code == 422
    assert not Amendment.objects.exists()


def test_a_president_absent_at_the_signature_is_offered_no_amendment(client, alice):
    """docs/decisions/0004-who-amends.md: the president among the members present at the
    signature amends; the page offers the form to no one the service would refuse."""
    setup = jury_setup()
    RuleSet.objects.update_or_create(certification=setup.session.referentiel.certification,
                                     defaults={"president_required": False})
    score_all(setup, enrol(setup), {"C1.1": [4, 4, 4]})
    deliberation = deliberation_propose(session=setup.session, by=alice)
    deliberation_sign(deliberation=deliberation, members_present=setup.members[1:],
                      by=setup.president.user)
    client.force_login(setup.president.user)
    response = client.get(candidate_page(setup))
    assert response.status_code == 200
    assert 'class="deliberation-amend"' not in response.text
