"""Reads of the insertion survey: the holders due a wave, a survey from its link, and the
counts the renewal file adds up per promotion (docs/renewal.md)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from enum import Enum

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, Sum
from django.utils import timezone

from candidates.models import EnrolmentStatus
from deliberations.models import CandidateDecision, CandidateOutcome, Deliberation
from insertion.links import survey_public_id
from insertion.models import InsertionSurvey, InsertionTally, Wave

#: A wave is sent during this many days after its date, not later: a holder reached at
#: 12 months would not tell their insertion at 6 (a backlog when the survey starts, a
#: worker stopped for weeks).
WAVE_WINDOW_DAYS = 92
#: A survey is answered within this many days of its sending…
ANSWER_DAYS = 60
#: …and an answer corrected within this many days of the first answer.
CORRECTION_DAYS = 30
HOLDER_OUTCOMES = (CandidateOutcome.FULL_SUCCESS, CandidateOutcome.PARTIAL_SUCCESS)


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """``moment`` ``months`` earlier, in the site's time zone; the 31st becomes the last
    day of a shorter month."""
    local = timezone.localtime(moment)
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class DueHolder:
    decision: CandidateDecision  # with its enrolment, candidate, session, deliberation
    wave: int

    @property
    def decided_on(self) -> datetime.date:
        return timezone.localdate(self.decision.deliberation.signed_at)


def insertion_holders_due(*, now: datetime.datetime | None = None,
                          wave: int | None = None) -> list[DueHolder]:
    """The holders whose wave is due and not sent: certified in full or in part by a
    signed deliberation whose results are published, signed ``wave`` months ago at least
    (and not more than ``WAVE_WINDOW_DAYS`` beyond), not withdrawn, not erased, with an
    e-mail address. One query per wave."""
    now = now or timezone.now()
    due = []
    for current in Wave.values if wave is None else [wave]:
        # Due from the day itself: signed on that day or before (site's time zone).
        latest = months_before(now, current).replace(hour=23, minute=59, second=59,
                                                     microsecond=999999)
        decisions = (
            CandidateDecision.objects.filter(
                outcome__in=HOLDER_OUTCOMES, deliberation__status=Deliberation.Status.SIGNED,
                deliberation__signed_at__lte=latest,
                deliberation__signed_at__gt=latest - datetime.timedelta(days=WAVE_WINDOW_DAYS),
                enrolment__session__results_published_at__isnull=False,
                enrolment__candidate__anonymised_at__isnull=True)
            .exclude(enrolment__candidate__email="")
            .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
            .exclude(Exists(InsertionSurvey.objects.filter(enrolment=OuterRef("enrolment"),
                                                           wave=current)))
            .select_related("deliberation", "enrolment__candidate",
                            "enrolment__session__referentiel__certification")
            .order_by("deliberation__signed_at", "pk"))
        due.extend(DueHolder(decision, current) for decision in decisions)
    return due


class SurveyState(Enum):
    OPEN = "open"  # not answered yet, within ANSWER_DAYS of sending
    CORRECTABLE = "correctable"  # answered, within CORRECTION_DAYS of the answer
    CLOSED = "closed"  # the link has expired


def survey_state(survey: InsertionSurvey, *, now: datetime.datetime | None = None
                 ) -> SurveyState:
    now = now or timezone.now()
    if survey.answered_at is not None:
        if now <= survey_correctable_until(survey):
            return SurveyState.CORRECTABLE
        return SurveyState.CLOSED
    if survey.sent_at is not None and now <= survey.sent_at + datetime.timedelta(
            days=ANSWER_DAYS):
        return SurveyState.OPEN
    return SurveyState.CLOSED


def survey_correctable_until(survey: InsertionSurvey) -> datetime.datetime | None:
    """The last moment an answer may be corrected; ``None`` before any answer."""
    if survey.answered_at is None:
        return None
    return survey.answered_at + datetime.timedelta(days=CORRECTION_DAYS)


def survey_for_link(*, token: str, now: datetime.datetime | None = None) -> InsertionSurvey:
    """The survey a link opens, while it may be answered or corrected; anyone holding the
    link (no login). ``InsertionSurvey.DoesNotExist`` for a forged link, an erased
    holder's or an expired one (a 404)."""
    public_id = survey_public_id(token)
    if public_id is None:
        raise InsertionSurvey.DoesNotExist
    survey = (InsertionSurvey.objects.select_related(
        "enrolment__session__referentiel__certification")
        .get(public_id=public_id, enrolment__candidate__anonymised_at__isnull=True))
    if survey_state(survey, now=now) is SurveyState.CLOSED:
        raise InsertionSurvey.DoesNotExist
    return survey


#: (session pk, wave, answered, employed, in target job, contract type, count)
CountRow = tuple[int, int, bool, bool | None, bool | None, str, int]


def insertion_counts(*, session_ids: list[int]) -> list[CountRow]:
    """The surveys sent for the holders of these sessions, grouped by answer, with the
    anonymous counts erasures left: two queries, whatever the number of surveys."""
    answered = ExpressionWrapper(Q(answered_at__isnull=False), output_field=BooleanField())
    surveys = (InsertionSurvey.objects
               .filter(enrolment__session_id__in=session_ids, sent_at__isnull=False)
               .annotate(is_answered=answered)
               .values_list("enrolment__session_id", "wave", "is_answered", "employed",
                            "in_target_job", "contract_type")
               .annotate(n=Count("pk")).order_by())
    tallies = (InsertionTally.objects.filter(session_id__in=session_ids)
               .values_list("session_id", "wave", "answered", "employed", "in_target_job",
                            "contract_type")
               .annotate(n=Sum("count")).order_by())
    return [(*row[:2], bool(row[2]), *row[3:]) for row in [*surveys, *tallies]]


def insertion_status(*, now: datetime.datetime | None = None) -> list[dict]:
    """Per wave: due now, sent, answered, link still open without an answer (the
    command's ``status``). Three queries."""
    now = now or timezone.now()
    open_since = now - datetime.timedelta(days=ANSWER_DAYS)
    rows = {row["wave"]: row for row in InsertionSurvey.objects.filter(sent_at__isnull=False)
            .values("wave").annotate(
                sent=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)),
                waiting=Count("pk", filter=Q(answered_at__isnull=True,
                                             sent_at__gte=open_since))).order_by()}
    due = insertion_holders_due(now=now)
    return [{"wave": wave, "due": sum(1 for d in due if d.wave == wave),
             "sent": rows.get(wave, {}).get("sent", 0),
             "answered": rows.get(wave, {}).get("answered", 0),
             "waiting": rows.get(wave, {}).get("waiting", 0)} for wave in Wave.values]
