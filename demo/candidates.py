"""Demo session and candidates on fiche RNCP35609 (embedded mode only)."""

from datetime import date

from accounts.models import User
from candidates.models import AccessRoute, AcquisitionOrigin, Candidate, Session
from candidates.services import (
    AcquiredBlocInput,
    EnrolmentTerms,
    Identity,
    candidate_create,
    candidate_find_duplicate,
    enrolment_create,
    session_create,
)
from certifications.models import Referentiel

SESSION_NAME = "Promotion 2027 — Paris"

# (birth name, usage name, first names, birth date, commune, INSEE, sex, route)
PEOPLE = [
    ("Bernard", "", "Chloé Marie", date(1994, 4, 12), "Nantes", "44109", "F",
     AccessRoute.CONTINUING),
    ("Moreau", "", "Hugo", date(1998, 11, 3), "Lille", "59350", "M", AccessRoute.APPRENTICESHIP),
    ("Nguyen", "Petit", "Linh", date(1990, 2, 27), "Lyon", "69123", "F", AccessRoute.VAE),
    ("Diallo", "", "Mamadou", date(1996, 7, 19), "", "", "M", AccessRoute.PROFESSIONALISATION),
    ("Rousseau", "", "Inès", date(2000, 1, 8), "Bordeaux", "33063", "F", AccessRoute.INITIAL),
    ("Fontaine", "", "Julien Pierre", date(1988, 9, 30), "Rennes", "35238", "M",
     AccessRoute.FREE),
]


def _session() -> Session | None:
    referentiel = (
        Referentiel.objects.filter(certification__code="RNCP35609").order_by("-version").first()
    )
    if referentiel is None:
        return None
    existing = Session.objects.filter(referentiel=referentiel, name=SESSION_NAME).first()
    return existing or session_create(
        referentiel=referentiel, name=SESSION_NAME, starts_on=date(2027, 1, 11),
        ends_on=date(2027, 6, 30), place="Paris — campus de démonstration",
    )


def load(*, candidate_user: User) -> Session | None:
    """Enrol the demo candidate login and five other candidates; idempotent."""
    session = _session()
    if session is None:
        return None
    blocs = list(session.referentiel.blocs.order_by("position"))
    for index, (birth, usage, first, born, commune, insee, sex, route) in enumerate(PEOPLE):
        identity = Identity(
            birth_name=birth, usage_name=usage, first_names=first, birth_date=born,
            birth_commune=commune, birth_insee_code=insee,
            birth_country="" if commune else "Sénégal", sex=sex,
            email=candidate_user.email if index == 0 else "",
        )
        candidate = candidate_find_duplicate(
            birth_name=birth, first_names=first, birth_date=born
        ) or candidate_create(identity=identity)
        if index == 0 and candidate.user_id is None:
            Candidate.objects.filter(pk=candidate.pk).update(user=candidate_user)
        if candidate.enrolments.filter(session=session).exists():
            continue
        enrolment_create(
            candidate=candidate, session=session, invite=False,
            terms=EnrolmentTerms(
                access_route=route, whole_certification=route != AccessRoute.VAE,
                target_blocs=blocs[4:] if route == AccessRoute.VAE else (),
                extra_time_percent=33 if index == 1 else 0,
                jury_note="Tiers-temps accordé (MDPH)." if index == 1 else "",
                acquired_blocs=[
                    AcquiredBlocInput(bloc=blocs[0], acquired_on=date(2025, 6, 20),
                                      origin=AcquisitionOrigin.CAPITALISATION,
                                      reference="Session 2025")
                ] if index == 0 else []),
        )
    return session
