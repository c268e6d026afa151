"""The scoring grid: only the assigned member reaches it; each cell saves on its own
(htmx or a plain POST); a stale write is refused and explained; a refused input is kept."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attendance, CriterionCheck, Score, Sitting
from candidates.models import Session
from candidates.tests.factories import SessionFactory, make_referentiel
from certifications.models import Competence
from juries.tests.factories import AssessmentFactory, MemberFactory, SittingFactory, assign

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def english(client):
    """Messages asserted in English whatever the catalogue holds."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def sitting():
    return SittingFactory(enrolment__extra_time_percent=33,
                          enrolment__technical_aids="Logiciel de synthèse vocale",
                          enrolment__jury_note="Prévoir une salle au rez-de-chaussée")


@pytest.fixture
def member(bob, sitting):
    member = MemberFactory(user=bob)
    assign(sitting, member)
    return member


def grid_url(sitting: Sitting) -> str:
    return reverse("juries:grid", args=[sitting.public_id])


def competence_url(sitting: Sitting, competence: Competence) -> str:
    return reverse("juries:competence_save", args=[sitting.public_id, competence.pk])


def first_competence(sitting: Sitting) -> Competence:
    return sitting.assessment.modality.competences.order_by("bloc__position", "position").first()


def every_url(sitting: Sitting) -> list[tuple[str, dict]]:
    competence = first_competence(sitting)
    criterion = sitting.assessment.modality.criteria.first()
    return [
        (competence_url(sitting, competence), {"level": "2", "comment": "", "version": "0"}),
        (reverse("juries:criterion_save", args=[sitting.public_id, criterion.pk]),
         {"observed": "yes", "note": "", "version": "0"}),
        (reverse("juries:attendance_save", args=[sitting.public_id]),
         {"attendance": "absent", "version": "0"}),
    ]


def test_it_shows_the_whole_grid_to_the_assigned_member(client, member, sitting):
    client.force_login(member.user)
    response = client.get(grid_url(sitting))
    assert response.status_code == 200
    html = response.content.decode()
    for competence in sitting.assessment.modality.competences.all():
        assert f'id="cell-c{competence.pk}"' in html
        assert competence.code in html
    for criterion in sitting.assessment.modality.criteria.all():
        assert f'id="cell-k{criterion.pk}"' in html
    for level in sitting.assessment.session.referentiel.scale.levels.all():
        assert level.label in html
    assert 'id="cell-attendance"' in html
    assert "Logiciel de synthèse vocale" in html
    assert "Prévoir une salle au rez-de-chaussée" in html
    assert "33\u202f% de temps supplémentaire" in html
    assert ("30\u00a0min + 10\u00a0min de temps supplémentaire = <strong>40\u00a0min</strong>"
            in html)  # 33 % of 30 min is 9.9: rounded up, in the candidate's favour
    assert f'href="#cell-c{first_competence(sitting).pk}"' in html  # skip to the first unscored
    assert "vendor/htmx/htmx.min.js" in html
    assert "<script>" not in html  # no inline script (CSP)


@pytest.mark.parametrize("persona", ["bob", "charlie", "alice"])
def test_it_answers_404_to_anyone_not_assigned(client, request, sitting, persona):
    user = request.getfixturevalue(persona)
    if persona == "bob":
        MemberFactory(user=user)  # a jury member, but not assigned to this candidate
    client.force_login(user)
    assert client.get(grid_url(sitting)).status_code == 404
    for url, data in every_url(sitting):
        assert client.post(url, data).status_code == 404
        assert client.post(url, data, headers=HTMX).status_code == 404
    assert not Score.objects.exists()
    assert not CriterionCheck.objects.exists()
    sitting.refresh_from_db()
    assert sitting.attendance == Attendance.PRESENT


def test_it_answers_404_on_another_members_sitting(client, member, sitting):
    other = SittingFactory(assessment=sitting.assessment)
    assign(other, MemberFactory())
    client.force_login(member.user)
    assert client.get(grid_url(other)).status_code == 404
    for url, data in every_url(other):
        assert client.post(url, data).status_code == 404
    assert not Score.objects.exists()


def test_it_answers_404_for_a_competence_outside_the_epreuve(client, member, sitting):
    outside = Competence.objects.exclude(modalities=sitting.assessment.modality).first() or \
        Competence.objects.create(bloc=sitting.assessment.modality.blocs.first(),
                                  title="Hors épreuve")
    client.force_login(member.user)
    response = client.post(competence_url(sitting, outside), {"level": "2", "version": "0"})
    assert response.status_code == 404


def test_it_saves_a_cell_without_javascript_and_comes_back_to_it(english, member, sitting):
    english.force_login(member.user)
    competence = first_competence(sitting)
    response = english.post(competence_url(sitting, competence),
                            {"level": "2", "comment": "Clair", "version": "0"})
    assert response.status_code == 302
    assert response["Location"] == f"{grid_url(sitting)}#cell-c{competence.pk}"
    score = Score.objects.get()
    assert (score.level, score.comment, score.scorer, score.version) == (2, "Clair",
                                                                       member.user, 1)
    page = english.get(response["Location"]).content.decode()
    assert "Saved at" in page
    assert f'id="cell-c{competence.pk}-level-2" value="2" checked' in page


def test_it_saves_a_cell_with_htmx_and_answers_with_the_cell(english, member, sitting):
    english.force_login(member.user)
    competence = first_competence(sitting)
    response = english.post(competence_url(sitting, competence),
                            {"level": "1", "comment": "", "version": "0"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="cell-c{competence.pk}-status"' in html
    assert 'aria-live="polite"' in html
    assert "Saved at" in html
    assert 'name="version" value="1"' in html
    assert "HX-Retarget" not in response
    assert Score.objects.get().level == 1


def test_a_level_that_needs_a_comment_is_refused_with_422(english, member, sitting):
    english.force_login(member.user)
    competence = first_competence(sitting)
    url = competence_url(sitting, competence)
    response = english.post(url, {"level": "3", "comment": " ", "version": "0"}, headers=HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == f"#cell-c{competence.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert f'aria-describedby="cell-c{competence.pk}-comment-error' in html
    assert f'id="cell-c{competence.pk}-comment-error"' in html
    assert "describes the gaps" in html
    assert f'id="cell-c{competence.pk}-level-3" value="3" checked' in html  # input kept
    assert not Score.objects.exists()
    no_js = english.post(url, {"level": "4", "comment": "", "version": "0"})
    assert no_js.status_code == 422
    assert 'class="error-summary"' in no_js.content.decode()


def test_two_tabs_saving_the_same_cell_refuse_the_second(english, client, member, sitting):
    competence = first_competence(sitting)
    url = competence_url(sitting, competence)
    english.force_login(member.user)
    client.force_login(member.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert english.post(url, {"level": "2", "comment": "Premier", "version": "0"},
                        headers=HTMX).status_code == 200
    second = client.post(url, {"level": "4", "comment": "Écarts majeurs", "version": "0"},
                         headers=HTMX)
    assert second.status_code == 409
    html = second.content.decode()
    assert "saved meanwhile" in html
    assert "Premier" in html  # what is saved
    assert "Écarts majeurs" in html  # the user's input, not lost
    assert 'name="version" value="1"' in html  # saving again replaces it knowingly
    assert "?cell=c" in html  # the reload link
    score = Score.objects.get()
    assert (score.level, score.comment, score.version) == (2, "Premier", 1)
    no_js = client.post(url, {"level": "4", "comment": "Écarts majeurs", "version": "0"})
    assert no_js.status_code == 409
    assert "Écarts majeurs" in no_js.content.decode()
    assert Score.objects.get().level == 2


def test_two_members_marking_attendance_refuse_the_second(client, member, sitting):
    other = MemberFactory()
    assign(sitting, other)
    url = reverse("juries:attendance_save", args=[sitting.public_id])
    client.force_login(member.user)
    assert client.post(url, {"attendance": "absent", "version": "0"}).status_code == 302
    client.force_login(other.user)
    response = client.post(url, {"attendance": "excused", "version": "0"}, headers=HTMX)
    assert response.status_code == 409
    sitting.refresh_from_db()
    assert sitting.attendance == Attendance.ABSENT


def test_a_criterion_is_checked_with_a_note(client, member, sitting):
    criterion = sitting.assessment.modality.criteria.first()
    url = reverse("juries:criterion_save", args=[sitting.public_id, criterion.pk])
    client.force_login(member.user)
    response = client.post(url, {"observed": "no", "note": "Pas vu", "version": "0"},
                           headers=HTMX)
    assert response.status_code == 200
    check = CriterionCheck.objects.get()
    assert (check.observed, check.note) == (False, "Pas vu")
    assert client.post(url, {"observed": "", "note": "", "version": "1"},
                       headers=HTMX).status_code == 200
    assert CriterionCheck.objects.get().observed is None
    assert client.post(url, {"observed": "maybe", "version": "2"},
                       headers=HTMX).status_code == 422


def test_a_malformed_version_is_a_bad_request(client, member, sitting):
    client.force_login(member.user)
    url = competence_url(sitting, first_competence(sitting))
    assert client.post(url, {"level": "2", "version": "x"}).status_code == 400


def test_a_signed_deliberation_makes_the_grid_read_only(client, member, sitting):
    # What the signature sets (deliberation_sign): the sittings' and the session's lock.
    Sitting.objects.filter(pk=sitting.pk).update(locked_at=timezone.now())
    Session.objects.filter(pk=sitting.assessment.session_id).update(signed_at=timezone.now())
    client.force_login(member.user)
    html = client.get(grid_url(sitting)).content.decode()
    assert "hx-post" not in html
    assert 'name="version"' not in html  # no save button, nothing to post
    assert "disabled" in html
    url = competence_url(sitting, first_competence(sitting))
    assert client.post(url, {"level": "2", "version": "0"}).status_code == 302
    htmx = client.post(url, {"level": "2", "version": "0"}, headers=HTMX)
    assert htmx.status_code == 409
    assert htmx["HX-Redirect"] == grid_url(sitting)
    assert not Score.objects.exists()


def test_the_grid_runs_a_constant_number_of_queries(client, bob):
    member = MemberFactory(user=bob)
    counts = []
    for code, blocs, competences in (("RNCP11111", 1, 3), ("RNCP22222", 3, 4)):
        session = SessionFactory(referentiel=make_referentiel(code=code, blocs=blocs,
                                                              competences=competences))
        sitting = SittingFactory(assessment=AssessmentFactory(session=session))
        assign(sitting, member)
        client.force_login(bob)
        for competence in sitting.assessment.modality.competences.all()[:2]:
            client.post(competence_url(sitting, competence), {"level": "2", "version": "0"})
        with CaptureQueriesContext(connection) as queries:
            assert client.get(grid_url(sitting)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
