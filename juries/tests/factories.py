import datetime

import factory
from django.utils import timezone

from accounts.tests.factories import JuryMemberFactory as JuryUserFactory
from assessments.models import Assessment, Sitting
from candidates.tests.factories import EnrolmentFactory, SessionFactory
from juries.models import Assignment, Jury, JuryMember, Quality


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JuryMember

    user = factory.SubFactory(JuryUserFactory)
    quality = Quality.EMPLOYER
    organisation = factory.Sequence(lambda n: f"Entreprise {n}")
    external = True
    sex = "F"


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    session = factory.SubFactory(SessionFactory)
    modality = factory.LazyAttribute(lambda a: a.session.referentiel.modalities.first())
    # Yesterday: an épreuve is scored from its date on (assessments.services); pass a
    # later ``starts_at`` for one still to come.
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    place = "Salle 204"


class SittingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sitting

    assessment = factory.SubFactory(AssessmentFactory)
    enrolment = factory.SubFactory(
        EnrolmentFactory, session=factory.SelfAttribute("..assessment.session")
    )


def assign(sitting: Sitting, member: JuryMember) -> Assignment:
    jury, _ = Jury.objects.get_or_create(session=sitting.assessment.session)
    jury.members.add(member)
    return Assignment.objects.create(sitting=sitting, member=member)


def loaded(sitting: Sitting) -> Sitting:
    """The sitting as views load it for the services (related rows selected)."""
    return Sitting.objects.select_related(
        "assessment__session__referentiel", "enrolment__candidate"
    ).get(pk=sitting.pk)
