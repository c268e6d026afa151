"""The jury member's home lists the candidates assigned to them, nobody else's, with their
scoring progress, in a constant number of queries."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from juries.services import grid_score_save
from juries.tests.factories import MemberFactory, SittingFactory, assign, loaded

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(bob):
    return MemberFactory(user=bob)


def home(client, user) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("deliberations:member_home"))
    assert response.status_code == 200
    return response.content.decode()


def test_it_lists_my_candidates_with_their_progress(client, member):
    sitting = SittingFactory(team="Équipe bleue")
    assign(sitting, member)
    for competence in sitting.assessment.modality.competences.all()[:2]:
        grid_score_save(user=member.user, sitting=loaded(sitting), competence=competence,
                        level=2, comment="", expected_version=0)
    html = home(client, member.user)
    assert sitting.enrolment.candidate.display_name in html
    assert "Équipe bleue" in html
    assert sitting.assessment.modality.title in html
    assert sitting.assessment.place in html
    assert "2 / 9 competences scored" in html
    assert 'max="9" value="2"' in html
    assert reverse("juries:grid", args=[sitting.public_id]) in html


def test_it_shows_nobody_elses_candidates(client, member):
    mine = SittingFactory()
    assign(mine, member)
    theirs = SittingFactory(assessment=mine.assessment)
    assign(theirs, MemberFactory())
    html = home(client, member.user)
    assert reverse("juries:grid", args=[mine.public_id]) in html
    assert reverse("juries:grid", args=[theirs.public_id]) not in html


def test_it_says_so_when_nothing_is_assigned(client, member):
    assert 'class="empty-state"' in home(client, member.user)


def test_it_is_the_jury_members_home(client, member):
    sitting = SittingFactory()
    assign(sitting, member)
    client.force_login(member.user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("juries:grid", args=[sitting.public_id]) in response.content.decode()


def test_it_links_to_the_conflict_declaration_when_the_page_exists(client, member):
    sitting = SittingFactory()
    assign(sitting, member)
    try:
        url = reverse("juries:conflict_declare", args=[sitting.public_id])
    except NoReverseMatch:
        pytest.skip("the conflict declaration page does not exist yet")
    assert url in home(client, member.user)


def test_a_candidate_sees_no_assignment(client, charlie):
    sitting = SittingFactory(enrolment__candidate__user=charlie)
    assign(sitting, MemberFactory())
    assert reverse("juries:grid", args=[sitting.public_id]) not in home(client, charlie)


def test_it_leaves_out_the_sittings_of_signed_deliberations(client, member):
    """Locked at signing, they are history: the home must not grow with every session."""
    open_sitting, signed_sitting = SittingFactory(), SittingFactory()
    assign(open_sitting, member)
    assign(signed_sitting, member)
    signed_sitting.locked_at = timezone.now()
    signed_sitting.save(update_fields=["locked_at"])
    html = home(client, member.user)
    assert open_sitting.enrolment.candidate.display_name in html
    assert signed_sitting.enrolment.candidate.display_name not in html


def test_it_runs_a_constant_number_of_queries(client, member):
    counts = []
    first = SittingFactory()
    for total in (3, 25):
        while member.assignments.count() < total:
            assign(SittingFactory(assessment=first.assessment) if total == 3
                   else SittingFactory(), member)
        client.force_login(member.user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("deliberations:member_home")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_president_finds_the_side_by_side_view_from_their_home(client):
    from django.urls import reverse

    from juries.models import Jury
    from juries.tests.factories import MemberFactory, SittingFactory

    sitting = SittingFactory()
    president = MemberFactory()
    jury = Jury.objects.create(session=sitting.assessment.session, president=president)
    jury.members.add(president)
    client.force_login(president.user)
    page = client.get(reverse("deliberations:member_home")).content.decode()
    assert reverse("juries:session_scores", args=[sitting.assessment.session.public_id]) in page
    other = MemberFactory()
    jury.members.add(other)
    client.force_login(other.user)
    page = client.get(reverse("deliberations:member_home")).content.decode()
    assert "session_scores" not in page
    assert reverse("juries:session_scores", args=[sitting.assessment.session.public_id]) not in page


def test_a_signed_session_stays_on_the_home_marked_signed(client, alice):
    """After signing, the member's sittings are locked: the home lists the session as
    signed, with the read-only deliberation, and does not say nothing was assigned."""
    from assessments.models import Sitting
    from deliberations.models import Deliberation
    from deliberations.services import deliberation_propose, deliberation_sign
    from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
    from juries.models import Assignment

    setup = jury_setup()
    member = setup.members[1]
    enrolment = enrol(setup)
    Assignment.objects.create(sitting=Sitting.objects.get(enrolment=enrolment), member=member)
    score_all(setup, enrolment, 2)
    deliberation_propose(session=setup.session, by=alice)
    html = home(client, member.user)
    assert "No candidate is assigned to you yet" not in html
    assert enrolment.candidate.display_name in html  # open for scoring: listed
    assert "1 candidate assigned to me" in html
    deliberation_sign(deliberation=Deliberation.objects.get(), members_present=setup.members,
                      by=setup.president.user)
    setup.session.refresh_from_db()
    html = home(client, member.user)
    assert "No candidate is assigned to you yet" not in html
    assert "No candidate is waiting for your scores" in html
    signed_on = date_format(timezone.localtime(setup.session.signed_at), "DATE_FORMAT")
    assert f"deliberation signed on {signed_on}" in html
    assert "1 candidate scored by me, read only" in html
    assert escape(setup.session.name) in html
    deliberation_url = reverse("deliberations:deliberation", args=[setup.session.public_id])
    assert f'href="{deliberation_url}"' in html
    assert client.get(deliberation_url).status_code == 200  # which the member may read
    assert reverse("juries:session_scores", args=[setup.session.public_id]) not in html
    # The president finds it too, with the side-by-side levels.
    html = home(client, setup.president.user)
    assert f"deliberation signed on {signed_on}" in html
    assert reverse("juries:session_scores", args=[setup.session.public_id]) in html
    # A jury member of the session never assigned a candidate is told so.
    html = home(client, setup.members[2].user)
    assert "No candidate is assigned to you yet" in html
    assert f"deliberation signed on {signed_on}" in html
    # In French, as the issue says it.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("deliberations:member_home")).content.decode()
    assert "délibération signée le" in html
