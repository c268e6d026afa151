"""No scoring before an épreuve's date (in the site's timezone), unless an administrator
opened it early — which the audit trail records."""

import datetime
import json
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from assessments.models import Assessment, CriterionCheck, Score
from assessments.services import ScoringNotOpenError, assessment_open_early
from juries.services import grid_criterion_save, grid_score_save
from juries.tests.factories import AssessmentFactory, MemberFactory, SittingFactory, assign, loaded

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# 15 March 2027, 9:00 in Paris; scoring opens at midnight, Paris time
DAY = datetime.datetime(2027, 3, 15, 9, 0, tzinfo=PARIS)
REFUSAL = ("This assessment takes place on March 15, 2027: it cannot be scored before that "
           "date unless an administrator opens it early.")


def _client(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def sitting():
    return loaded(SittingFactory(assessment=AssessmentFactory(starts_at=DAY)))


@pytest.fixture
def member(bob, sitting):
    member = MemberFactory(user=bob)
    assign(sitting, member)
    return member


def _competence(sitting):
    return sitting.assessment.modality.competences.order_by("bloc__position", "position").first()


def _score(member, sitting):
    return grid_score_save(user=member.user, sitting=loaded(sitting),
                           competence=_competence(sitting), level=2, comment="",
                           expected_version=0)


def _grid_post(client, sitting):
    return client.post(
        reverse("juries:competence_save", args=[sitting.public_id, _competence(sitting).pk]),
        {"level": "2", "comment": "Clair", "version": "0"})


def test_the_service_refuses_a_score_the_day_before_and_writes_nothing(member, sitting):
    with time_machine.travel(datetime.datetime(2027, 3, 14, 23, 30, tzinfo=PARIS), tick=False):
        with pytest.raises(ScoringNotOpenError) as refused:
            _score(member, sitting)
        criterion = sitting.assessment.modality.criteria.first()
        with pytest.raises(ScoringNotOpenError):
            grid_criterion_save(user=member.user, sitting=loaded(sitting), criterion=criterion,
                                observed=True, note="", expected_version=0)
    assert refused.value.code == "not_yet_open"
    assert not Score.objects.exists()
    assert not CriterionCheck.objects.exists()
    assert not AuditEvent.objects.filter(action="score.recorded").exists()


def test_the_date_is_the_sites_not_utcs(member, sitting):
    # 23:30 UTC on the 14th is already 00:30 on the 15th in Paris: open
    with time_machine.travel(datetime.datetime(2027, 3, 14, 23, 30, tzinfo=datetime.UTC),
                             tick=False):
        score = _score(member, sitting)
    assert (score.level, score.version) == (2, 1)


def test_it_scores_on_the_date_before_the_hour(member, sitting):
    with time_machine.travel(datetime.datetime(2027, 3, 15, 7, 0, tzinfo=PARIS), tick=False):
        assert _score(member, sitting).level == 2


def test_the_grid_says_why_and_keeps_the_input(member, sitting):
    with time_machine.travel(datetime.datetime(2027, 3, 10, 12, 0, tzinfo=PARIS), tick=False):
        client = _client(member.user)
        page = client.get(reverse("juries:grid", args=[sitting.public_id])).content.decode()
        response = _grid_post(client, sitting)
    assert ("This assessment takes place on March 15, 2027: scores are saved from that date "
            "on.") in page
    assert response.status_code == 422
    content = response.content.decode()
    assert REFUSAL in content
    assert "Clair" in content  # the comment typed is kept
    assert not Score.objects.exists()


def test_the_api_refuses_with_a_400_not_yet_open(member, sitting):
    with time_machine.travel(datetime.datetime(2027, 3, 10, 12, 0, tzinfo=PARIS), tick=False):
        client = _client(member.user)
        response = client.post("/api/v1/scores/", json.dumps({
            "sitting": str(sitting.public_id), "competence": _competence(sitting).pk,
            "level": 2, "comment": "", "expected_version": 0}),
            content_type="application/json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "not_yet_open"
    assert REFUSAL in json.dumps(body, ensure_ascii=False)
    assert not Score.objects.exists()


def test_an_administrator_opens_it_early_and_the_opening_is_recorded(alice, member, sitting):
    page_url = reverse("juries:assignments", args=[sitting.assessment.public_id])
    with time_machine.travel(datetime.datetime(2027, 3, 10, 12, 0, tzinfo=PARIS), tick=False):
        client = _client(alice)
        page = client.get(page_url).content.decode()
        assert "Opens on March 15, 2027, the date of the assessment." in page
        assert "Your name, the time and the reason are recorded in the audit trail." in page
        assert "Open scoring now (recorded)" in page
        response = client.post(
            reverse("juries:assessment_open_early", args=[sitting.assessment.public_id]),
            {"reason": "Jury disponible plus tôt"}, follow=True)
        score = _score(member, sitting)
    content = response.content.decode()
    assert ("Scoring of this assessment is open before its date; the opening is recorded in "
            "the audit trail.") in content
    assert "Opened before the date on 03/10/2027" in content
    assert "Open scoring now (recorded)" not in content
    assessment = Assessment.objects.get(pk=sitting.assessment.pk)
    assert assessment.opened_early_by == alice
    assert assessment.opened_early_at == datetime.datetime(2027, 3, 10, 11, 0,
                                                           tzinfo=datetime.UTC)
    event = AuditEvent.objects.get(action="assessment.opened_early")
    assert event.actor == alice
    assert event.new["reason"] == "Jury disponible plus tôt"
    assert event.context["date"] == "2027-03-15"
    assert score.level == 2


def test_opening_twice_records_once(alice, sitting):
    assessment = sitting.assessment
    assessment_open_early(assessment=assessment, by=alice)
    assessment_open_early(assessment=Assessment.objects.get(pk=assessment.pk), by=alice)
    assert AuditEvent.objects.filter(action="assessment.opened_early").count() == 1


def test_no_one_but_an_administrator_opens_it(bob, charlie, member, sitting):
    url = reverse("juries:assessment_open_early", args=[sitting.assessment.public_id])
    for user in (bob, charlie):
        assert _client(user).post(url, {"reason": "x"}).status_code == 404
        with pytest.raises(PermissionDenied):
            assessment_open_early(assessment=sitting.assessment, by=user)
    assert Client().post(url).status_code == 302  # anonymous: sign in
    assessment = Assessment.objects.get(pk=sitting.assessment.pk)
    assert assessment.opened_early_at is None
    assert not AuditEvent.objects.filter(action="assessment.opened_early").exists()


def test_the_page_offers_no_early_opening_once_the_date_has_come(alice):
    assessment = AssessmentFactory(starts_at=timezone.now() - datetime.timedelta(days=1))
    content = _client(alice).get(
        reverse("juries:assignments", args=[assessment.public_id])).content.decode()
    assert "Open scoring now (recorded)" not in content
    assert "<dd>Open.</dd>" in content
