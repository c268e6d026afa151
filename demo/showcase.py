"""The showcase session: one signed session that holds every case a document must print
right — a usage name, compound first names, a holder born abroad who reads English, a bloc
acquired before (VAE), a rattrapage, an absent candidate, a certificate decided after the
end of the registration (issued on the certifier's recorded override), a revoked and
reissued document. ``make run`` loads it as the demo's deliberated session; the document
texts approved in ``demo/tests/approved/`` are rendered from it.

Everything goes through the services a person would use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.models import Attendance, Sitting
from candidates.models import AccessRoute, AcquisitionOrigin, Candidate, Enrolment, Session
from candidates.services import (
    AcquiredBlocInput,
    EnrolmentTerms,
    Identity,
    candidate_create,
    enrolment_create,
)
from certifications.models import Bloc, Competence, Requirement
from certifications.selectors import scale_levels
from certifications.vocabulary import LevelOutcome
from deliberations.models import CandidateDecision, Deliberation
from deliberations.services import (
    deliberation_propose,
    deliberation_publish,
    deliberation_sign,
    requirement_tick,
)
from demo.certifications import SEEDS_DIR
from demo.session import (
    PLACE,
    demo_signatory_ensure,
    jury_schedule,
    referentiel_load,
    session_start,
)
from juries.models import JuryMember
from juries.services import grid_attendance_save, grid_score_save
from reports.models import Document, DocumentKind
from reports.services import document_reissue, issuing_override_record

SEED = SEEDS_DIR / "003_d8ac24bbc4ef792a.txt"
OVERRIDE_REASON = ("Promotion entrée en formation avant la fin de l'enregistrement ; "
                   "délivrance autorisée par la décision de renouvellement en cours.")


@dataclass(frozen=True)
class Holder:
    """One showcase candidate: who they are and what the jury will decide."""

    key: str
    identity: Identity
    profile: str  # "success", "rattrapage", "absent"
    acquired_first_bloc: bool = False


HOLDERS = [
    Holder("benali", Identity(
        birth_name="Benali", first_names="Sarah Nadia", birth_date=date(1998, 3, 14),
        birth_commune="Lyon", birth_insee_code="69123", sex="F",
        email="sarah.benali@example.org"), "success"),
    Holder("dupont", Identity(
        birth_name="Dupont", usage_name="Leroy", first_names="Sophie Anne-Laure",
        birth_date=date(1987, 11, 2), birth_commune="Nantes", birth_insee_code="44109",
        sex="F", email="sophie.leroy@example.org"), "success"),
    Holder("nguyen", Identity(
        birth_name="Nguyen", first_names="Van Minh", birth_date=date(1992, 7, 30),
        birth_commune="Hanoï", birth_country="Viêt Nam", birth_insee_code="99243",
        sex="M", email="minh.nguyen@example.org", language="en"), "success",
        acquired_first_bloc=True),
    Holder("moreau", Identity(
        birth_name="Moreau", first_names="Julien", birth_date=date(2001, 1, 9),
        birth_commune="Brest", birth_insee_code="29019", sex="M",
        email="julien.moreau@example.org"), "rattrapage"),
    Holder("petit", Identity(
        birth_name="Petit", first_names="Inès", birth_date=date(1999, 5, 21),
        birth_commune="Lille", birth_insee_code="59350", sex="F",
        email="ines.petit@example.org"), "absent"),
]


@dataclass
class Showcase:
    session: Session
    enrolments: dict[str, Enrolment] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _certifier(session: Session) -> None:
    """The certification's legal mentions and the certifier's legal representative, as an
    administrator fills them on the certifier's page."""
    certification = session.referentiel.certification
    demo_signatory_ensure(session.referentiel)
    if certification.registration_date is None:
        certification.registration_date = date(2021, 5, 19)
    if certification.eqf_level is None and certification.level:
        certification.eqf_level = certification.level
    if not certification.cdc_client_id:  # demonstration ids: the declaration can be built
        certification.cdc_client_id, certification.cdc_contract_id = "DEMO0001", "MCFCER000001"
    certification.save()


def _enrol(session: Session, candidate: Candidate | None) -> dict[str, Enrolment]:
    first_bloc = Bloc.objects.filter(referentiel=session.referentiel).order_by(
        "position", "pk").first()
    enrolments: dict[str, Enrolment] = {}
    for holder in HOLDERS:
        acquired = ([AcquiredBlocInput(bloc=first_bloc, acquired_on=date(2024, 6, 18),
                                       origin=AcquisitionOrigin.VAE,
                                       reference="Jury VAE du 18 juin 2024")]
                    if holder.acquired_first_bloc and first_bloc else [])
        route = AccessRoute.VAE if holder.acquired_first_bloc else AccessRoute.CONTINUING
        enrolments[holder.key] = enrolment_create(
            candidate=candidate_create(identity=holder.identity), session=session,
            terms=EnrolmentTerms(access_route=route, acquired_blocs=acquired), invite=False)
    if candidate is not None:
        enrolments["demo"] = enrolment_create(
            candidate=candidate, session=session,
            terms=EnrolmentTerms(access_route=AccessRoute.CONTINUING), invite=False)
    return enrolments


def _levels(session: Session) -> dict[LevelOutcome, int]:
    """The best level of each outcome on the session's scale."""
    best: dict[LevelOutcome, int] = {}
    for level in sorted(scale_levels(referentiel=session.referentiel), key=lambda lv: lv.number):
        best.setdefault(LevelOutcome(level.outcome), level.number)
    return best


def _score(session: Session, enrolments: dict[str, Enrolment], jury: list[JuryMember],
           sittings: list[Sitting]) -> None:
    levels = _levels(session)
    profiles = {h.key: h.profile for h in HOLDERS} | {"demo": "success"}
    keys = {e.pk: key for key, e in enrolments.items()}
    second_bloc = list(Bloc.objects.filter(referentiel=session.referentiel)
                       .order_by("position", "pk").values_list("pk", flat=True))[1:2]
    for sitting in sittings:
        profile = profiles[keys[sitting.enrolment_id]]
        if profile == "absent":
            grid_attendance_save(user=jury[0].user, sitting=sitting,
                                 attendance=Attendance.ABSENT, expected_version=0)
            continue
        competences = Competence.objects.filter(
            modalities=sitting.assessment.modality_id).order_by("bloc__position", "position")
        for competence in competences:
            low = profile == "rattrapage" and competence.bloc_id in second_bloc
            level = levels[LevelOutcome.RATTRAPAGE if low else LevelOutcome.ACQUIRED]
            comment = "Écarts majeurs : la méthode attendue n'est pas mise en œuvre." if low else ""
            for member in jury:
                grid_score_save(user=member.user, sitting=sitting, competence=competence,
                                level=level, comment=comment, expected_version=0)


def _deliberate(session: Session, enrolments: dict[str, Enrolment],
                jury: list[JuryMember]) -> Deliberation:
    president = jury[0].user
    deliberation_propose(session=session, by=president)
    deliberation = Deliberation.objects.get(session=session)
    present = {e.pk for key, e in enrolments.items() if key not in ("petit",)}
    requirements = list(Requirement.objects.filter(
        certification=session.referentiel.certification))
    for decision in CandidateDecision.objects.filter(deliberation=deliberation,
                                                     enrolment_id__in=present):
        for requirement in requirements:
            requirement_tick(decision=decision, requirement=requirement, met=True,
                             justification="Rapport et soutenance orale validés.",
                             by=president)
    deliberation_sign(deliberation=deliberation, members_present=jury, by=president)
    deliberation = Deliberation.objects.get(pk=deliberation.pk)
    deliberation_publish(deliberation=deliberation, by=president)
    return deliberation


def showcase_create(*, name: str, president: User | None = None,
                    candidate: Candidate | None = None, administrator: User | None = None,
                    members: int = 3) -> Showcase:
    """Build, score, deliberate, sign and publish the showcase session; record the
    certifier's override for certificates decided after the end of registration. The
    documents are created (not rendered) by the signature; ``reissue`` of one transcript
    follows when they are issued (``showcase_reissue``)."""
    referentiel = referentiel_load(path=SEED)
    today = timezone.localdate()
    with transaction.atomic():
        session, _none = session_start(referentiel=referentiel, name=name, candidates=0, seed=0)
        session.place = PLACE
        session.starts_on, session.ends_on = today - timedelta(days=30), today - timedelta(days=2)
        session.save(update_fields=["place", "starts_on", "ends_on"])
        _certifier(session)
        enrolments = _enrol(session, candidate)
    showcase = Showcase(session=session, enrolments=enrolments)
    with transaction.atomic():
        jury, sittings = jury_schedule(session=session, enrolments=list(enrolments.values()),
                                       members=members, president=president,
                                       errors=showcase.errors)
        _score(session, enrolments, jury, sittings)
    with transaction.atomic():
        deliberation = _deliberate(session, enrolments, jury)
        if administrator is not None:
            issuing_override_record(deliberation=deliberation, by=administrator,
                                    reason=OVERRIDE_REASON)
    return showcase


def showcase_reissue(showcase: Showcase, *, by: User) -> Document | None:
    """Revoke and reissue the English holder's transcript (a copy lost in the post)."""
    transcript = Document.objects.filter(
        session=showcase.session, kind=DocumentKind.TRANSCRIPT,
        enrolment=showcase.enrolments["nguyen"], replaced_by__isnull=True).first()
    if transcript is None:
        return None
    return document_reissue(document=transcript, by=by,
                            reason="Exemplaire remplacé à la demande du titulaire (envoi égaré).")
