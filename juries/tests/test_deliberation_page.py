"""The deliberation page: president writes, administrators read and propose, others 404;
overrides with justification tied to the field; signing shows the reasons; constant
queries."""

import pytest
from django.urls import reverse

from juries.models import CandidateDecision, CompetenceDecision, Deliberation
from juries.services_deliberation import deliberation_propose
from juries.tests.deliberation_helpers import enrol, jury_setup, score_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return jury_setup()


def url(setup, name="deliberation", *args):
    return reverse(f"juries:{name}", args=[setup.session.public_id, *args])


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
    for control in ('name="final-', 'name="present"', "deliberation/propose",
                    "deliberation/publish"):
        assert control not in response.text
    assert client.post(url(setup, "deliberation_propose")).status_code == 404
    assert client.post(url(setup, "deliberation_sign"), {"present": []}).status_code == 404
    home = client.get(reverse("juries:member_home")).content.decode()
    assert url(setup) in home


def test_an_administrator_proposes_and_reads_without_write_controls(client, setup, alice):
    score_all(setup, enrol(setup), 2)
    client.force_login(alice)
    client.post(url(setup, "deliberation_propose"))
    response = client.get(url(setup))
    assert response.status_code == 200
    assert "Bloc" in response.text
    assert 'name="final-' not in response.text
    assert 'name="present"' not in response.text


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
    only_me = {"present": [str(setup.president.public_id)]}
    response = client.post(url(setup, "deliberation_sign"), only_me)
    assert response.status_code == 422
    assert "quorum" in response.text
    everyone = {"present": [str(m.public_id) for m in setup.members]}
    assert client.post(url(setup, "deliberation_sign"), everyone).status_code == 302
    assert Deliberation.objects.get().is_signed
    assert client.post(url(setup, "deliberation_publish")).status_code == 302
    setup.session.refresh_from_db()
    assert setup.session.results_published_at is not None


def test_the_page_runs_a_constant_number_of_queries(client, setup, alice,
                                                    django_assert_max_num_queries):
    for _ in range(2):
        score_all(setup, enrol(setup), 2)
    deliberation_propose(session=setup.session, by=alice)
    client.force_login(setup.president.user)
    with django_assert_max_num_queries(30) as few:
        client.get(url(setup))
    for _ in range(8):
        score_all(setup, enrol(setup), 3)
    deliberation_propose(session=setup.session, by=alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(setup)).status_code == 200


def test_the_president_finds_the_page_from_their_home(client, setup):
    client.force_login(setup.president.user)
    assert url(setup) in client.get(reverse("juries:member_home")).text
