"""The deliberation page: president writes, administrators read and propose, others 404;
overrides with justification tied to the field; signing shows the reasons; constant
queries."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from assessments.models import Score, Sitting
from deliberations.models import CandidateDecision, CompetenceDecision, Deliberation
from deliberations.services import (
    StaleProposalError,
    deliberation_propose,
    deliberation_sign,
)
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return jury_setup()


def url(setup, name="deliberation", *args):
    return reverse(f"deliberations:{name}", args=[setup.session.public_id, *args])


def test_it_is_a_404_for_candidates_and_members_of_other_juries(client, setup, bob, charlie):
    for user in (bob, charlie):
        client.force_login(user)
        assert client.get(url(setup)).status_code == 404
        assert client.post(url(setup, "deliberation_propose")).status_code == 404


def test_a_member_of_the_jury_reads_it_without_any_control(client, setup, alice):
    """DESIGN.md §8: jury members read the deliberation; only the president writes."""
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    deliberation_propose(session=setup.session, by=alice)
    member = setup.members[1].user
    client.force_login(member)
    response = client.get(url(setup))
    assert response.status_code == 200
    assert enrolment.candidate.legal_name in response.text
    decision = CandidateDecision.objects.get()
    candidate_page = client.get(url(setup, "deliberation_decision", decision.public_id))
    assert candidate_page.status_code == 200
    for text in (response.text, candidate_page.text):
        for control in ('name="final-', 'name="present"', "deliberation/propose",
                        "deliberation/publish", "Signer le procès-verbal"):
            assert control not in text
    assert client.post(url(setup, "deliberation_propose")).status_code == 404
    assert client.post(url(setup, "deliberation_sign"), {"present": []}).status_code == 404
    home = client.get(reverse("deliberations:member_home")).content.decode()
    assert url(setup) in home


def test_an_administrator_proposes_and_reads_without_write_controls(client, setup, alice):
    score_all(setup, enrol(setup), 2)
    client.force_login(alice)
    client.post(url(setup, "deliberation_propose"))
    response = client.get(url(setup))
    assert response.status_code == 200
    assert 'name="present"' not in response.text
    decision = CandidateDecision.objects.get()
    response = client.get(url(setup, "deliberation_decision", decision.public_id))
    assert response.status_code == 200
    assert "Bloc" in response.text
    assert 'name="final-' not in response.text
    assert 'name="present"' not in response.text
    # Previewing is the president's: an administrator's POST is a 404.
    preview = client.post(url(setup, "deliberation_decision", decision.public_id),
                          {"preview": "1"})
    assert preview.status_code == 404


def test_the_president_overrides_with_a_justification_tied_to_the_field(client, setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, {"C1.1": [3, 3, 3]})
    deliberation_propose(session=setup.session, by=alice)
    client.force_login(setup.president.user)
    decision = CandidateDecision.objects.get()
    row = CompetenceDecision.objects.get(competence__code="C1.1")
    form = {f"final-{r.pk}": r.final_level or "" for r in decision.competences.all()}
    form |= {"outcome": decision.outcome, f"final-{row.pk}": 2}
    response = client.post(url(setup, "deliberation_decision", decision.public_id), form)
    assert response.status_code == 422
    assert f'aria-describedby="justification-{row.pk}-error"' in response.text
    assert f'<a href="#justification-{row.pk}">' in response.text  # the error summary
    row.refresh_from_db()
    assert row.final_level == 3
    form[f"justification-{row.pk}"] = "Complément rendu en séance."
    response = client.post(url(setup, "deliberation_decision", decision.public_id), form)
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.final_level, row.justification) == (2, "Complément rendu en séance.")


def test_signing_shows_the_reasons_then_signs_and_publishes(client, setup, alice):
    score_all(setup, enrol(setup), 2)
    deliberation_propose(session=setup.session, by=alice)
    client.force_login(setup.president.user)
    version = Deliberation.objects.get().proposal_version
    assert f'name="proposal_version" value="{version}"' in client.get(url(setup)).text
    only_me = {"present": [str(setup.president.public_id)], "proposal_version": version,
               "confirm": "1"}
    response = client.post(url(setup, "deliberation_sign"), only_me)
    assert response.status_code == 422
    assert "quorum" in response.text
    everyone = {"present": [str(m.public_id) for m in setup.members],
                "proposal_version": version, "confirm": "1"}
    assert client.post(url(setup, "deliberation_sign"), everyone).status_code == 302
    assert Deliberation.objects.get().is_signed
    assert client.post(url(setup, "deliberation_publish"), {"confirm": "1"}).status_code == 302
    setup.session.refresh_from_db()
    assert setup.session.results_published_at is not None


def test_signing_a_stale_proposal_lists_the_changes_and_offers_to_propose_again(
        client, setup, alice):
    """Sign what you saw: propose, a member changes a score, sign → refused with the
    change; propose again (one click), sign → the decisions hold the new level."""
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    deliberation_propose(session=setup.session, by=alice)
    client.force_login(setup.president.user)
    version = Deliberation.objects.get().proposal_version
    member = setup.members[1]
    Score.objects.filter(scorer=member.user, competence__code="C1.1").update(level=1)
    sign = {"present": [str(m.public_id) for m in setup.members], "proposal_version": version,
            "confirm": "1"}
    response = client.post(url(setup, "deliberation_sign"), sign)
    assert response.status_code == 409
    scorer = f"{member.user.first_name} {member.user.last_name}".strip() or member.user.email
    change = f"{enrolment.candidate.legal_name} — C1.1, {scorer} : 2 → 1"
    assert escape(change) in response.text
    assert f'action="{url(setup, "deliberation_propose")}"' in response.text
    assert "Proposer à nouveau" in response.text
    assert not Deliberation.objects.get().is_signed
    assert client.post(url(setup, "deliberation_propose")).status_code == 302
    # The page displayed before the new proposal is stale too.
    assert client.post(url(setup, "deliberation_sign"), sign).status_code == 409
    sign["proposal_version"] = Deliberation.objects.get().proposal_version
    assert client.post(url(setup, "deliberation_sign"), sign).status_code == 302
    deliberation = Deliberation.objects.get()
    assert deliberation.is_signed
    row = CompetenceDecision.objects.get(competence__code="C1.1")
    assert {m["scorer"]: m["level"] for m in row.member_levels}[member.user.pk] == 1
    signed_levels = {c["code"]: c["final"] for c in deliberation.minutes["decisions"][0][
        "competences"]}
    assert signed_levels["C1.1"] == row.final_level


def test_an_attendance_changed_since_the_proposal_is_listed(setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    deliberation_propose(session=setup.session, by=alice)
    Sitting.objects.filter(enrolment=enrolment).update(attendance="absent")
    with pytest.raises(StaleProposalError) as stale:
        deliberation_sign(deliberation=Deliberation.objects.get(),
                          members_present=setup.members, by=setup.president.user)
    assert [(c.candidate, c.old, c.new) for c in stale.value.changes] == [
        (enrolment.candidate.legal_name, "présent", "absent")]


def test_the_page_runs_a_constant_number_of_queries(client, setup, alice,
                                                    django_assert_max_num_queries):
    for _ in range(3):
        score_all(setup, enrol(setup), 2)
    deliberation_propose(session=setup.session, by=alice)
    client.force_login(setup.president.user)
    with django_assert_max_num_queries(30) as few:
        client.get(url(setup))
    for _ in range(9):
        score_all(setup, enrol(setup), 3)
    deliberation_propose(session=setup.session, by=alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(setup)).status_code == 200


def test_the_president_finds_the_page_from_their_home(client, setup):
    client.force_login(setup.president.user)
    assert url(setup) in client.get(reverse("deliberations:member_home")).text
