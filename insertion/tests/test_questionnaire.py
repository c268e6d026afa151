"""The questionnaire page: public, opened only by its signed link, answered once and
corrected within 30 days, a clear 404 for a forged or expired link, rate-limited."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from candidates.services import candidate_erase
from insertion.links import survey_token, survey_url
from insertion.models import ContractType, InsertionSurvey
from insertion.services import survey_answer_record, survey_open
from insertion.tests.helpers import FULL, PARTIAL, decided_session

pytestmark = pytest.mark.django_db
SIGNED = datetime.date(2026, 6, 15)
EMPLOYED = {"employed": "yes", "in_target_job": "yes", "contract_type": "cdi",
            "job_title": "Cheffe de projet"}


def _survey(language: str = "fr", **kwargs) -> InsertionSurvey:
    (holder,) = decided_session(SIGNED, [FULL], candidate__language=language)
    return survey_open(enrolment_id=holder.pk, wave=6, decided_on=SIGNED, **kwargs)


def _url(survey: InsertionSurvey) -> str:
    return reverse("insertion:questionnaire", args=[survey_token(survey.public_id)])


def test_it_asks_four_questions_without_login(client):
    survey = _survey()
    page = html.unescape(client.get(_url(survey)).content.decode())
    assert "Votre situation après la certification" in page
    assert "15 juin 2026" in page
    assert page.count("<fieldset") == 3  # employed, target job, contract: one choice each
    assert "<legend>Occupez-vous un emploi aujourd'hui ?</legend>" in page
    assert "Intérim" in page or "intérim" in page
    assert _url(survey) in survey_url(survey.public_id)


def test_it_speaks_english(client):
    client.cookies["django_language"] = "en"
    page = client.get(_url(_survey("en"))).content.decode()
    assert "<legend>Are you employed today?</legend>" in page
    assert "Send my answer" in page


def test_an_answer_is_recorded_once_then_can_be_corrected(client):
    survey = _survey()
    response = client.post(_url(survey), EMPLOYED)
    assert response.status_code == 302
    survey.refresh_from_db()
    answered_at = survey.answered_at
    assert (survey.employed, survey.in_target_job, survey.contract_type, survey.job_title) == (
        True, True, ContractType.CDI, "Cheffe de projet")
    page = client.get(_url(survey)).content.decode()
    assert "Merci, votre réponse est enregistrée." in page
    assert "Corriger votre réponse" in page
    assert 'value="cdi" id="id_contract_type_0" checked' in page  # the answer given
    client.post(_url(survey), {"employed": "no"})
    survey.refresh_from_db()
    assert (survey.employed, survey.in_target_job, survey.contract_type, survey.job_title) == (
        False, False, "", "")
    assert survey.answered_at == answered_at  # the first answer's date stays
    assert survey.updated_at is not None


def test_the_errors_are_told_next_to_the_questions(client):
    survey = _survey()
    response = client.post(_url(survey), {})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_employed_error"' in page
    assert 'aria-describedby="id_employed_error id_employed_helptext"' in page
    assert 'aria-invalid="true"' in page
    response = client.post(_url(survey), {"employed": "yes"})
    page = response.content.decode()
    assert 'id="id_in_target_job_error"' in page
    assert 'id="id_contract_type_error"' in page
    survey.refresh_from_db()
    assert survey.answered_at is None


@pytest.mark.parametrize("token", ["nimportequoi", "9b2f1c1e-1d7e-4a54-8d53-5b6c2b0e1f00:abc"])
def test_a_forged_link_is_a_clear_404(client, token):
    _survey()
    response = client.get(reverse("insertion:questionnaire", args=[token]))
    assert response.status_code == 404
    assert "Ce lien ne fonctionne pas" in response.content.decode()


def test_a_link_signed_for_another_survey_opens_only_that_one(client):
    mine, other = _survey(), _survey()
    url = _url(mine)
    signature = url.rstrip("/").rsplit(":", 1)[1]
    forged = reverse("insertion:questionnaire", args=[f"{other.public_id}:{signature}"])
    assert client.get(forged).status_code == 404
    assert client.post(forged, EMPLOYED).status_code == 404
    other.refresh_from_db()
    assert other.answered_at is None


def test_an_expired_link_is_a_404(client):
    survey = _survey(now=timezone.now() - datetime.timedelta(days=61))
    assert client.get(_url(survey)).status_code == 404
    survey = _survey()
    survey_answer_record(survey=survey, employed=False, in_target_job=None, contract_type="",
                         now=timezone.now() - datetime.timedelta(days=31))
    assert client.get(_url(survey)).status_code == 404
    with pytest.raises(ValidationError):
        survey_answer_record(survey=survey, employed=True, in_target_job=True,
                             contract_type="cdi")


def test_an_erased_holders_link_is_a_404(client, alice):
    survey = _survey()
    url = _url(survey)
    candidate_erase(candidate=survey.enrolment.candidate, erased_by=alice, reason="RGPD.")
    assert client.get(url).status_code == 404


def test_it_is_rate_limited_like_the_verification(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "insertion_survey": (2, 60)}
    survey = _survey()
    assert client.get(_url(survey)).status_code == 200
    assert client.get("/insertion/forged/").status_code == 404
    assert client.get(_url(survey)).status_code == 429


def test_the_page_reads_in_constant_queries(client, django_assert_max_num_queries):
    survey = _survey()
    client.get(_url(survey))
    with django_assert_max_num_queries(4) as small:
        assert client.get(_url(survey)).status_code == 200
    (other,) = decided_session(SIGNED, [PARTIAL] * 1)
    big = survey_open(enrolment_id=other.pk, wave=24, decided_on=SIGNED)
    decided_session(SIGNED, [FULL] * 8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(_url(big)).status_code == 200


def test_the_page_is_neither_indexed_nor_cached_nor_linking_elsewhere(client):
    response = client.get(_url(_survey()))
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]
    assert not re.search(r'<a [^>]*href="https?://', response.content.decode())
