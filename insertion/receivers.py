"""The insertion app's answers to the candidates app (connected in
``InsertionConfig.ready()``): erasure and the personal data export (docs/rgpd.md)."""

from __future__ import annotations

from typing import Any

from candidates.models import Candidate
from insertion import services
from insertion.models import InsertionSurvey


def on_candidate_erased(*, enrolment_ids: list[int], **_kwargs: Any) -> None:
    services.surveys_erase_for_candidate(enrolment_ids=enrolment_ids)


def export_section(candidate: Candidate) -> tuple[str, list[dict]]:
    """The candidate's surveys and answers, in their personal data file."""
    surveys = InsertionSurvey.objects.filter(enrolment__candidate=candidate).select_related(
        "enrolment__session").order_by("enrolment__session__starts_on", "wave")
    return "insertion_surveys", [{
        "session": survey.enrolment.session.name, "wave_months": survey.wave,
        "decided_on": survey.decided_on.isoformat(),
        "sent_at": survey.sent_at.isoformat() if survey.sent_at else None,
        "answered_at": survey.answered_at.isoformat() if survey.answered_at else None,
        "employed": survey.employed, "in_target_job": survey.in_target_job,
        "contract_type": survey.contract_type, "job_title": survey.job_title,
    } for survey in surveys]
