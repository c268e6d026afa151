"""The president sees every member's level side by side, with the proposed level and a
flag on divergent levels; a member in conflict is not counted; nobody else gets in."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certifications.models import RuleSet
from juries.models import ConflictKind, ConflictOfInterest, Jury
from juries.services import grid_score_save
from juries.tests.factories import MemberFactory, SittingFactory, assign, loaded

pytestmark = pytest.mark.django_db


@pytest.fixture
def sitting():
    return loaded(SittingFactory())


@pytest.fixture
def president(bob, sitting):
    member = MemberFactory(user=bob)
    assign(sitting, member)
    Jury.objects.filter(session=sitting.assessment.session).update(president=member)
    return member


def competences(sitting):
    return list(sitting.assessment.modality.competences.order_by("bloc__position", "position"))


def score(member, sitting, competence, level):
    comment = "Écarts" if level >= 3 else ""
    grid_score_save(user=member.user, sitting=sitting, competence=competence, level=level,
                    comment=comment, expected_version=0)


def url(sitting) -> str:
    return reverse("juries:session_scores", args=[sitting.assessment.session.public_id])


def page(client, user, sitting) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url(sitting))
    assert response.status_code == 200
    return response.content.decode()


def row_of(html: str, competence) -> str:
    return html.split(f"<th scope=\"row\">{competence}</th>")[1].split("</tr>")[0]


def test_the_president_sees_every_level_side_by_side(client, president, sitting):
    other = MemberFactory(user__first_name="Zoé", user__last_name="Zeller")
    assign(sitting, other)
    first, second = competences(sitting)[:2]
    score(president, sitting, first, 1)
    score(other, sitting, first, 3)
    score(president, sitting, second, 2)
    score(other, sitting, second, 2)
    html = page(client, president.user, sitting)
    row = row_of(html, first)
    assert "Zoé Zeller" in row
    assert "<strong>1</strong>" in row
    assert "<strong>3</strong>" in row
    assert "Écarts" in row  # the comment, in a details element
    assert "apart: to discuss" in row  # 2 levels apart
    assert "<td><strong>3</strong></td>" in row  # median of (1, 3) towards the demanding
    assert "apart: to discuss" not in row_of(html, second)


def test_the_threshold_comes_from_the_rules(client, president, sitting):
    RuleSet.objects.update_or_create(
        certification=sitting.assessment.session.referentiel.certification,
        defaults={"divergence_threshold": 3})
    other = MemberFactory()
    assign(sitting, other)
    first = competences(sitting)[0]
    score(president, sitting, first, 1)
    score(other, sitting, first, 3)
    assert "apart: to discuss" not in row_of(page(client, president.user, sitting), first)


def test_a_member_in_conflict_is_struck_through_and_not_counted(client, president, sitting):
    other = MemberFactory()
    assign(sitting, other)
    first = competences(sitting)[0]
    score(president, sitting, first, 1)
    score(other, sitting, first, 4)
    ConflictOfInterest.objects.create(member=other, candidate=sitting.enrolment.candidate,
                                      kind=ConflictKind.TRAINED, declared_by=other.user)
    row = row_of(page(client, president.user, sitting), first)
    assert "<del>" in row
    assert "not counted" in row
    assert "apart: to discuss" not in row
    assert "<td><strong>1</strong></td>" in row


def test_an_administrator_sees_it_too(client, alice, president, sitting):
    page(client, alice, sitting)


def test_nobody_else_gets_in(client, president, sitting, charlie):
    member = MemberFactory()
    assign(sitting, member)  # a member of the jury, not its president
    for user in (member.user, charlie):
        client.force_login(user)
        assert client.get(url(sitting)).status_code == 404
    other_session = SittingFactory()
    client.force_login(president.user)  # president of another session's jury
    assert client.get(url(other_session)).status_code == 404


def test_it_runs_a_constant_number_of_queries(client, alice, president, sitting):
    counts = []
    for extra in (0, 6):
        for _ in range(extra):
            other = loaded(SittingFactory(assessment=sitting.assessment))
            member = MemberFactory()
            assign(other, member)
            for competence in competences(other)[:3]:
                score(member, other, competence, 2)
        client.force_login(alice)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(sitting)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_big_session_is_read_a_page_of_candidates_at_a_time(client, alice, sitting,
                                                               monkeypatch):
    """400 candidates × 39 compétences × 3 members on one page were 12 MB of HTML."""
    from juries.views import grid

    monkeypatch.setattr(grid, "SCORES_PAGE_SIZE", 2)
    others = [loaded(SittingFactory(assessment=sitting.assessment)) for _ in range(2)]
    names = sorted((s.enrolment.candidate for s in [sitting, *others]),
                   key=lambda c: (c.birth_name, c.first_names, c.pk))
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    first = client.get(url(sitting)).content.decode()
    second = client.get(url(sitting), {"page": 2}).content.decode()
    assert [c.display_name in first for c in names] == [True, True, False]
    assert [c.display_name in second for c in names] == [False, False, True]
    assert "Page 1 of 2" in first
