"""A convoked candidate (33 % extra time on a 2-hour épreuve: « 2 h 40 »), the épreuve's
administrator alice, and mail delivered to Django's locmem outbox."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from assessments.models import Assessment, Sitting
from candidates.models import Enrolment
from candidates.tests.factories import EnrolmentFactory, SessionFactory
from juries.tests.factories import AssessmentFactory

# 15 March 2027, 14:00 in Paris (13:00 UTC).
STARTS_AT = datetime.datetime(2027, 3, 15, 13, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _locmem_delivery(settings):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@dataclass
class Convocation:
    assessment: Assessment
    enrolment: Enrolment
    sitting: Sitting


def convocation_setup(language: str = "fr", *, session=None, extra: int = 33,
                      email: str | None = None) -> Convocation:
    session = session or SessionFactory(name="Session de printemps")
    modality = session.referentiel.modalities.first()
    modality.title = "Étude de cas écrite"
    modality.duration_minutes = 120
    modality.description = "Analyse d'un dossier d'entreprise."
    modality.deliverables = "Une note de synthèse de 4 pages."
    modality.save()
    assessment = Assessment.objects.filter(session=session).first() or AssessmentFactory(
        session=session, modality=modality, starts_at=STARTS_AT, place="Salle 204")
    kwargs = {"candidate__language": language, "candidate__birth_name": "Durand",
              "candidate__first_names": "Claire"}
    if email is not None:
        kwargs["candidate__email"] = email
    enrolment = EnrolmentFactory(session=session, extra_time_percent=extra, **kwargs)
    sitting = Sitting.objects.create(assessment=assessment, enrolment=enrolment)
    return Convocation(assessment, enrolment, sitting)


def in_the_past(assessment: Assessment) -> None:
    assessment.starts_at = timezone.now() - datetime.timedelta(days=1)
    assessment.save(update_fields=["starts_at"])
