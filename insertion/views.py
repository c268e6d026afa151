"""The questionnaire page: public, reached by the signed link of the survey's e-mail (no
login), rate-limited per address as the verification pages. A forged, expired or erased
holder's link is a 404 that says so."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from accounts.ratelimit import rate_limit_consume
from insertion.forms import QuestionnaireForm
from insertion.models import InsertionSurvey
from insertion.selectors import (
    ANSWER_DAYS,
    CORRECTION_DAYS,
    SurveyState,
    survey_correctable_until,
    survey_for_link,
    survey_state,
)
from insertion.services import survey_answer_record


def _invalid(request: HttpRequest) -> HttpResponse:
    return _page(request, "insertion/link_invalid.html",
                 {"answer_days": ANSWER_DAYS, "correction_days": CORRECTION_DAYS}, status=404)


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """Never indexed, never cached: the page shows a person's answers to whoever holds
    the link (a shared computer's cache must not keep them)."""
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    if not rate_limit_consume(request, action="insertion_survey"):
        return render(request, "429.html", status=429)
    try:
        survey = survey_for_link(token=token)
    except InsertionSurvey.DoesNotExist:
        return _invalid(request)
    form = QuestionnaireForm.for_survey(
        survey, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                survey_answer_record(survey=survey, **form.answers())
            except ValidationError:  # closed between the page and the answer
                return _invalid(request)
            return redirect("insertion:questionnaire", token=token)
        status = 422
    session = survey.enrolment.session
    return _page(request, "insertion/questionnaire.html", {
        "survey": survey, "form": form, "answered": survey.answered_at is not None,
        "correctable": survey_state(survey) is SurveyState.CORRECTABLE,
        "correct_until": survey_correctable_until(survey),
        "certification": session.referentiel.certification,
    }, status=status)
