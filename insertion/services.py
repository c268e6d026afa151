"""Writes of the insertion survey: a survey recorded when its e-mail is queued, an
answer recorded (and corrected), an erased holder's surveys turned into anonymous counts."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from insertion.models import InsertionSurvey, InsertionTally
from insertion.selectors import SurveyState, survey_state


def survey_open(*, enrolment_id: int, wave: int, decided_on: datetime.date,
                now: datetime.datetime | None = None) -> InsertionSurvey | None:
    """Record the survey of one holder and wave, as sent now; ``None`` when it exists
    already (at most one e-mail per holder and wave, whoever sends first)."""
    try:
        with transaction.atomic():
            return InsertionSurvey.objects.create(enrolment_id=enrolment_id, wave=wave,
                                                  decided_on=decided_on,
                                                  sent_at=now or timezone.now())
    except IntegrityError:
        return None


@transaction.atomic
def survey_answer_record(*, survey: InsertionSurvey, employed: bool,
                         in_target_job: bool | None, contract_type: str, job_title: str = "",
                         now: datetime.datetime | None = None) -> InsertionSurvey:
    """The holder's answer, or its correction within ``CORRECTION_DAYS`` of the first
    one. Not employed: neither in the target job nor under a contract. Refused once the
    link has expired."""
    now = now or timezone.now()
    locked = InsertionSurvey.objects.select_for_update().get(pk=survey.pk)
    if survey_state(locked, now=now) is SurveyState.CLOSED:
        raise ValidationError(_("This questionnaire is closed: the answer was not recorded."),
                              code="closed")
    if not employed:
        in_target_job, contract_type, job_title = False, "", ""
    locked.employed, locked.in_target_job = employed, bool(in_target_job)
    locked.contract_type, locked.job_title = contract_type, job_title.strip()[:200]
    if locked.answered_at is None:
        locked.answered_at = now
    else:
        locked.updated_at = now
    locked.save(update_fields=["employed", "in_target_job", "contract_type", "job_title",
                               "answered_at", "updated_at"])
    return locked


def surveys_erase_for_candidate(*, enrolment_ids: list[int]) -> int:
    """An erased candidate's surveys are deleted; what they counted stays as anonymous
    counts per session, wave and answer (``InsertionTally``; no date, no job title, no
    link to the person). Returns how many surveys were deleted."""
    surveys = list(InsertionSurvey.objects.filter(enrolment_id__in=enrolment_ids,
                                                  sent_at__isnull=False)
                   .values_list("enrolment__session_id", "wave", "answered_at", "employed",
                                "in_target_job", "contract_type"))
    for session_id, wave, answered_at, employed, in_target_job, contract_type in surveys:
        key = {"session_id": session_id, "wave": wave, "answered": answered_at is not None,
               "employed": employed, "in_target_job": in_target_job,
               "contract_type": contract_type}
        if not InsertionTally.objects.filter(**key).update(count=F("count") + 1):
            InsertionTally.objects.create(**key, count=1)
    deleted, _by_model = InsertionSurvey.objects.filter(enrolment_id__in=enrolment_ids).delete()
    return deleted
