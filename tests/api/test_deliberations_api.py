"""The deliberation API: administrators and the president of the session's jury read and
propose; only the president signs, with the page's quorum and composition checks (refused
with the reasons); anyone else gets a 404."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext

from assessments.models import Score
from deliberations.models import CandidateOutcome, CompetenceDecision, Deliberation
from deliberations.services import deliberation_propose
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from tests.api.conftest import session_client

pytestmark = pytest.mark.django_db

DELIBERATIONS = "/api/v1/deliberations/"


@pytest.fixture
def proposed(alice, charlie):
    setup = jury_setup()
    enrolment = enrol(setup, candidate__user=charlie, candidate__email=charlie.email)
    score_all(setup, enrolment, 2)
    deliberation_propose(session=setup.session, by=alice)
    return setup, Deliberation.objects.get(session=setup.session)


def _sign(user, deliberation, members):
    return session_client(user).post(
        f"{DELIBERATIONS}{deliberation.public_id}/sign/",
        {"members_present": [str(m.public_id) for m in members],
         "proposal_version": Deliberation.objects.get(pk=deliberation.pk).proposal_version},
        format="json")


def test_the_jury_and_administrators_read_it(alice, proposed):
    """DESIGN.md §8: administrators and every member of the jury read the deliberation."""
    setup, deliberation = proposed
    for user in (alice, setup.president.user, setup.members[1].user):
        rows = session_client(user).get(DELIBERATIONS).json()["results"]
        assert [row["id"] for row in rows] == [str(deliberation.public_id)]
        detail = session_client(user).get(f"{DELIBERATIONS}{deliberation.public_id}/").json()
        (candidate,) = detail["candidates"]
        assert candidate["outcome"] in CandidateOutcome.values
        assert {c["final_level"] for c in candidate["competences"]} == {2}
        assert candidate["blocs"]


def test_a_member_who_does_not_preside_reads_but_cannot_sign(proposed):
    setup, deliberation = proposed
    assert _sign(setup.members[1].user, deliberation, setup.members).status_code == 403
    deliberation.refresh_from_db()
    assert deliberation.status == Deliberation.Status.DRAFT


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_anyone_else_gets_a_404(proposed, who, request):
    setup, deliberation = proposed
    user = request.getfixturevalue(who)
    client = session_client(user)
    assert client.get(DELIBERATIONS).json()["results"] == []
    assert client.get(f"{DELIBERATIONS}{deliberation.public_id}/").status_code == 404
    assert _sign(user, deliberation, setup.members).status_code == 404
    deliberation.refresh_from_db()
    assert deliberation.status == Deliberation.Status.DRAFT


def test_the_president_signs(proposed):
    setup, deliberation = proposed
    response = _sign(setup.president.user, deliberation, setup.members)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "signed"
    assert set(body["members_present"]) == {str(m.public_id) for m in setup.members}
    assert body["warnings"] == []
    again = _sign(setup.president.user, deliberation, setup.members)
    assert again.status_code == 409
    assert again.json()["code"] == "signed"


def test_signing_what_was_not_seen_is_refused_with_the_changes(alice, proposed):
    """A score saved after the proposal: 409 with what changed; propose again, read the
    version, sign: the signed decisions hold the new level."""
    setup, deliberation = proposed
    president = session_client(setup.president.user)
    version = president.get(f"{DELIBERATIONS}{deliberation.public_id}/").json()[
        "proposal_version"]
    member = setup.members[2]
    Score.objects.filter(scorer=member.user, competence__code="C1.2").update(level=4)
    body = {"members_present": [str(m.public_id) for m in setup.members],
            "proposal_version": version}
    url = f"{DELIBERATIONS}{deliberation.public_id}/sign/"
    response = president.post(url, body, format="json")
    assert response.status_code == 409, response.content
    refused = response.json()
    assert refused["code"] == "stale_proposal"
    assert [(c["competence"], c["old"], c["new"]) for c in refused["changes"]] == [
        ("C1.2", "2", "4")]
    assert refused["changes"][0]["candidate"] == CompetenceDecision.objects.filter(
        competence__code="C1.2").get().candidate_decision.enrolment.candidate.legal_name
    assert Deliberation.objects.get(pk=deliberation.pk).status == Deliberation.Status.DRAFT
    reproposed = president.post(DELIBERATIONS, {"session": str(setup.session.public_id)},
                                format="json").json()
    assert president.post(url, body, format="json").json()["code"] == "stale_proposal"
    body["proposal_version"] = reproposed["proposal_version"]
    response = president.post(url, body, format="json")
    assert response.status_code == 200, response.content
    row = CompetenceDecision.objects.get(competence__code="C1.2")
    assert sorted(m["level"] for m in row.member_levels) == [2, 2, 4]


def test_an_administrator_cannot_sign(alice, proposed):
    setup, deliberation = proposed
    response = _sign(alice, deliberation, setup.members)
    assert response.status_code == 403
    assert response.json()["detail"] == gettext("Only the president of the jury may do this.")
    deliberation.refresh_from_db()
    assert deliberation.status == Deliberation.Status.DRAFT


def test_signing_without_quorum_is_refused_with_the_reasons(proposed):
    setup, deliberation = proposed
    response = _sign(setup.president.user, deliberation, [setup.president])
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "composition"
    assert gettext("At least %(count)s members must be present (quorum).") % {"count": 2} \
        in body["reasons"]
    deliberation.refresh_from_db()
    assert deliberation.status == Deliberation.Status.DRAFT


def test_someone_outside_the_jury_cannot_be_present(proposed, bob):
    from juries.tests.factories import MemberFactory

    setup, deliberation = proposed
    response = _sign(setup.president.user, deliberation, [*setup.members, MemberFactory()])
    assert response.status_code == 400
    assert "members_present" in response.json()["errors"]


def test_propose_then_publish(alice, proposed):
    setup, deliberation = proposed
    client = session_client(alice)
    again = client.post(DELIBERATIONS, {"session": str(setup.session.public_id)},
                        format="json")
    assert again.status_code == 200
    assert again.json()["id"] == str(deliberation.public_id)
    early = client.post(f"{DELIBERATIONS}{deliberation.public_id}/publish/")
    assert (early.status_code, early.json()["code"]) == (409, "not_signed")
    assert _sign(setup.president.user, deliberation, setup.members).status_code == 200
    published = client.post(f"{DELIBERATIONS}{deliberation.public_id}/publish/")
    assert published.status_code == 200
    assert published.json()["results_published_at"] is not None
    closed = client.post(DELIBERATIONS, {"session": str(setup.session.public_id)},
                         format="json")
    assert (closed.status_code, closed.json()["code"]) == (409, "signed")


def test_a_jury_member_cannot_propose_for_a_session_they_do_not_preside(proposed):
    setup, _deliberation = proposed
    response = session_client(setup.members[1].user).post(
        DELIBERATIONS, {"session": str(setup.session.public_id)}, format="json")
    assert response.status_code == 400
    assert "session" in response.json()["errors"]


def test_the_list_is_filtered(alice, proposed):
    setup, _deliberation = proposed
    client = session_client(alice)
    assert client.get(DELIBERATIONS, {"status": "signed"}).json()["results"] == []
    rows = client.get(DELIBERATIONS, {"session": str(setup.session.public_id)}).json()
    assert rows["count"] == 1
    assert client.get(DELIBERATIONS, {"session": "not-a-uuid"}).status_code == 400
