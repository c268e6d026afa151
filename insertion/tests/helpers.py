"""Holders for the insertion tests: a session whose deliberation was signed on a given day
(and published), with one decision per outcome asked for. Rows written directly: the
deliberation's own rules are tested in its app; here only what it decided matters."""

from __future__ import annotations

import datetime

from django.utils import timezone

from candidates.models import Enrolment, EnrolmentStatus
from candidates.tests.factories import EnrolmentFactory, SessionFactory
from deliberations.models import CandidateDecision, CandidateOutcome, Deliberation
from deliberations.tests.deliberation_helpers import lock_opened

FULL, PARTIAL = CandidateOutcome.FULL_SUCCESS, CandidateOutcome.PARTIAL_SUCCESS
FAILURE = CandidateOutcome.FAILURE


def paris(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour),
                                      tzinfo=timezone.get_current_timezone())


def decided_session(signed_on: datetime.date, outcomes: list[str], *, published: bool = True,
                    session=None, **enrolment) -> list[Enrolment]:
    """One enrolment per outcome, in that order; ``withdrawn`` as an outcome is a
    withdrawn enrolment (no decision)."""
    session = session or SessionFactory()
    with lock_opened():  # PostgreSQL's triggers: rows of a session already signed
        return _decided(session, signed_on, outcomes, published, enrolment)


def _decided(session, signed_on: datetime.date, outcomes: list[str], published: bool,
             enrolment: dict) -> list[Enrolment]:
    Deliberation.objects.create(session=session, status=Deliberation.Status.SIGNED,
                                signed_at=paris(signed_on, 15))
    session.signed_at = paris(signed_on, 15)
    session.results_published_at = paris(signed_on, 16) if published else None
    session.save(update_fields=["signed_at", "results_published_at"])
    enrolments = []
    for outcome in outcomes:
        if outcome == "withdrawn":
            enrolments.append(EnrolmentFactory(session=session, status=EnrolmentStatus.WITHDRAWN,
                                               **enrolment))
            continue
        made = EnrolmentFactory(session=session, **enrolment)
        CandidateDecision.objects.create(deliberation=session.deliberation, enrolment=made,
                                         proposed_outcome=outcome, outcome=outcome)
        enrolments.append(made)
    return enrolments
