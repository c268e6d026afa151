import datetime

import factory
from django.conf import settings

from accounts.tests.factories import UserFactory
from candidates.models import AccessRoute, Candidate, Enrolment, Session
from candidates.services import identity_key
from certifications.models import Certifier
from certifications.services import referentiel_import
from certifications.tests.drafts import make_draft


def certifier_ensure(name: str | None = None) -> Certifier:
    """The certifier's profile with its legal representative, who signs documents."""
    certifier, _created = Certifier.objects.get_or_create(
        legal_name=name or settings.CERTIFIER_NAME,
        defaults={"representative_name": "Anne Martin", "representative_quality":
                  "Directrice générale"})
    return certifier


def make_referentiel(code: str = "RNCP99999", blocs: int = 3, competences: int = 3):
    """A référentiel whose certification has every legal mention documents print."""
    certifier_ensure()
    return referentiel_import(draft=make_draft(code=code, blocs=blocs,
                                               competences=competences)).referentiel


class SessionFactory(factory.django.DjangoModelFactory):
    """A session on its OWN certification (RNCP90000, RNCP90001…), so that « another
    session » is also another certification; pass ``referentiel=`` to share one (for
    instance ``make_referentiel()``, RNCP99999)."""

    class Meta:
        model = Session

    referentiel = factory.Sequence(lambda n: make_referentiel(code=f"RNCP{90000 + n}"))
    name = factory.Sequence(lambda n: f"Session {n} — printemps 2027")
    place = "Paris"
    starts_on = datetime.date(2027, 3, 1)
    ends_on = datetime.date(2027, 6, 30)


class CandidateFactory(factory.django.DjangoModelFactory):
    """A candidate; pass user=None for one without an account."""

    class Meta:
        model = Candidate

    birth_name = factory.Faker("last_name", locale="fr_FR")
    first_names = factory.Faker("first_name", locale="fr_FR")
    birth_date = factory.Faker("date_of_birth", minimum_age=18, maximum_age=60)
    birth_commune = "Lyon"
    birth_insee_code = "69123"
    sex = "F"
    email = factory.Sequence(lambda n: f"candidat{n}@certif.example")
    user = factory.SubFactory(UserFactory, email=factory.SelfAttribute("..email"))
    identity_key = factory.LazyAttribute(
        lambda c: identity_key(birth_name=c.birth_name, first_names=c.first_names,
                               birth_date=c.birth_date)
    )


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    candidate = factory.SubFactory(CandidateFactory)
    session = factory.SubFactory(SessionFactory)
    access_route = AccessRoute.CONTINUING
