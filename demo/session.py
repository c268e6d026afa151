"""A whole demo session, from the référentiel to the published deliberation — the logic
of ``manage.py demo_session`` (the command, in ``demo/management``, adds the documents):

    python manage.py demo_session --referentiel FILE [--fiche RNCP…] --candidates N
        --members M [--seed S] [--sign] [--issue-documents] --json

Everything goes through the services a person would use (import, enrolment, jury,
épreuves, assignments, the scoring grid, the deliberation), one transaction per phase.
The same seed draws the same candidates and levels; each run creates a new session.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import user_ensure
from assessments.models import Score, Sitting
from assessments.services import assessment_create
from candidates.models import AccessRoute, Candidate, Enrolment, Session
from candidates.services import (
    EnrolmentTerms,
    Identity,
    candidate_create,
    candidate_find_duplicate,
    enrolment_create,
    session_create,
)
from certifications import importers
from certifications.errors import ImportFormatError
from certifications.importers.draft import ReferentielDraft
from certifications.models import Certifier, Competence, Modality, Referentiel, Requirement
from certifications.selectors import scale_levels
from certifications.services import ReferentielImportError, referentiel_import
from certifications.vocabulary import LevelOutcome
from deliberations.models import (
    BlocDecision,
    BlocDecisionStatus,
    CandidateDecision,
    CandidateOutcome,
    Deliberation,
)
from deliberations.services import (
    SigningRefusedError,
    deliberation_propose,
    deliberation_publish,
    deliberation_sign,
    requirement_tick,
)
from juries.models import JuryMember, Quality
from juries.services import (
    ConflictOfInterestError,
    assignment_create,
    grid_score_save,
    jury_compose,
    jury_member_ensure,
)

DEMO_SIGNATORY = ("Anne Martin-Roussel", "Directrice générale")
MEMBER_PASSWORD = "demo-jury-2026"  # noqa: S105 (a demo login, as in demo.juries)
PLACE = "Lyon — centre d'examen de démonstration"
FIRST_NAMES = {
    "F": ["Camille", "Léa", "Manon", "Chloé", "Sarah", "Inès", "Emma", "Louise", "Jade",
          "Clara", "Yasmine", "Anaïs", "Pauline", "Mathilde", "Aïcha", "Océane"],
    "M": ["Lucas", "Hugo", "Thomas", "Nathan", "Mehdi", "Louis", "Gabriel", "Antoine",
          "Théo", "Karim", "Maxime", "Julien", "Romain", "Paul", "Ousmane", "Quentin"],
}
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
              "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia",
              "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "Nguyen",
              "Mercier", "Benali", "Diallo", "Fontaine", "Chevalier", "Lambert", "Bonnet"]
# (commune, INSEE code)
COMMUNES = [("Paris", "75056"), ("Marseille", "13055"), ("Lyon", "69123"),
            ("Toulouse", "31555"), ("Nice", "06088"), ("Nantes", "44109"),
            ("Strasbourg", "67482"), ("Montpellier", "34172"), ("Bordeaux", "33063"),
            ("Lille", "59350"), ("Rennes", "35238"), ("Reims", "51454"),
            ("Grenoble", "38185"), ("Dijon", "21231"), ("Angers", "49007"),
            ("Clermont-Ferrand", "63113"), ("Le Havre", "76351"), ("Brest", "29019")]
ROUTES = [AccessRoute.CONTINUING, AccessRoute.APPRENTICESHIP, AccessRoute.INITIAL,
          AccessRoute.PROFESSIONALISATION, AccessRoute.FREE]
GAPS = {
    LevelOutcome.COMPLEMENT: [
        "Écarts mineurs : la démarche est juste mais la justification des choix reste "
        "incomplète.",
        "Écarts mineurs : livrable conforme, analyse des risques à approfondir.",
        "Écarts mineurs : argumentation orale hésitante sur les indicateurs.",
    ],
    LevelOutcome.RATTRAPAGE: [
        "Écarts majeurs : la méthode attendue n'est pas mise en œuvre.",
        "Écarts majeurs : le livrable ne répond pas au cahier des charges.",
    ],
}
# Quality, external to the certifier, sex, organisation: member n takes row (n - 1) % 4.
MEMBER_PROFILES = [
    (Quality.EMPLOYER, True, "F", "Atelier Numérique SARL"),
    (Quality.TEACHER, False, "M", "École du certificateur"),
    (Quality.EMPLOYEE, True, "F", "Groupe Horizon"),
    (Quality.EMPLOYEE, True, "M", "Coopérative Logis"),
]
# Share of the candidates with few, some and many gaps (realistic: most pass most blocs).
PROFILES = [(0.5, 0.0), (0.3, 0.03), (0.2, 0.12)]
REQUIREMENT_SHARE = 0.8


@dataclass
class DemoSessionResult:
    """What the run made, counted from the database (the JSON the command prints)."""

    session: str | None = None
    candidates: int = 0
    scores: int = 0
    blocs_validated: int = 0
    certified: int = 0
    partial: int = 0
    failed: int = 0
    # Filled by the command when documents are issued (kind → count).
    documents: dict[str, int] = field(default_factory=lambda: {
        "transcript": 0, "bloc_attestation": 0, "certificate": 0, "minutes": 0})
    verification_codes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _rng(key: str) -> random.Random:
    """A generator seeded by a string: the same draws for the same key, whatever else was
    drawn before."""
    return random.Random(key)  # noqa: S311 (reproducible demo data, not a secret)


# -- phase 1: the référentiel ------------------------------------------------------------------
def _drafts(path: Path, fiche: str) -> list[ReferentielDraft]:
    with path.open("rb") as source:
        kind = importers.detect_format(source.read(4096), path.name)
        source.seek(0)
        streams_fiche = "fiche" in inspect.signature(importers.PARSERS[kind]).parameters
        drafts = importers.parse(source, format=kind, name=path.name,
                                 fiche=fiche if streams_fiche else None)
    if fiche:
        drafts = [d for d in drafts if d.certification.code.upper() == fiche.upper()]
    return drafts


def referentiel_load(*, path: Path, fiche: str = "") -> Referentiel:
    """Import the référentiel of the file (unchanged content writes nothing)."""
    try:
        drafts = _drafts(path, fiche)
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    except ImportFormatError as exc:
        raise CommandError(f"Cannot import {path.name}: {exc.message}") from exc
    if not drafts:
        raise CommandError(f"No référentiel {fiche or ''} in {path.name}.".replace("  ", " "))
    try:
        with transaction.atomic():
            return referentiel_import(draft=drafts[0]).referentiel
    except ReferentielImportError as exc:
        raise CommandError("; ".join(issue.message for issue in exc.issues)) from exc


def demo_signatory_ensure(referentiel: Referentiel) -> None:
    """A demo certifier signs its documents: its legal representative is filled in, as an
    administrator does on the certifier's page, when nobody is named yet."""
    name = referentiel.certification.certifier_legal_name
    certifier, _created = Certifier.objects.get_or_create(legal_name=name)
    if not certifier.representative_name:
        certifier.representative_name = DEMO_SIGNATORY[0]
        certifier.representative_quality = DEMO_SIGNATORY[1]
        certifier.save(update_fields=["representative_name", "representative_quality"])


# -- phase 2: session and candidates -----------------------------------------------------------
def _identity(rng: random.Random) -> Identity:
    sex = rng.choice("FM")
    commune, insee = rng.choice(COMMUNES)
    first = rng.choice(FIRST_NAMES[sex])
    if rng.random() < 0.2:
        first = f"{first} {rng.choice(FIRST_NAMES[sex])}"
    return Identity(
        birth_name=rng.choice(LAST_NAMES), first_names=first,
        birth_date=date(rng.randint(1975, 2004), rng.randint(1, 12), rng.randint(1, 28)),
        birth_commune=commune, birth_insee_code=insee, sex=sex,
    )


def _candidate(identity: Identity) -> Candidate:
    return candidate_find_duplicate(
        birth_name=identity.birth_name, first_names=identity.first_names,
        birth_date=identity.birth_date,
    ) or candidate_create(identity=identity)


@transaction.atomic
def _enrol(session: Session, count: int, seed: int, first: Candidate | None) -> list[Enrolment]:
    """``count`` candidates (``first`` among them when given); no invitation is sent."""
    rng = _rng(f"{seed}:candidates")
    enrolments: list[Enrolment] = []
    taken: set[int] = set()
    for _draw in range(count * 50):
        if len(enrolments) == count:
            break
        candidate = first if first is not None and not enrolments else _candidate(_identity(rng))
        route = rng.choice(ROUTES)
        if candidate.pk in taken:  # the same identity drawn twice
            continue
        taken.add(candidate.pk)
        enrolments.append(enrolment_create(candidate=candidate, session=session,
                                           terms=EnrolmentTerms(access_route=route),
                                           invite=False))
    return enrolments


def session_start(*, referentiel: Referentiel, name: str, candidates: int, seed: int,
                  first: Candidate | None = None) -> tuple[Session, list[Enrolment]]:
    today = timezone.localdate()
    with transaction.atomic():
        session = session_create(
            referentiel=referentiel,
            name=name or f"Session de démonstration — graine {seed}",
            starts_on=today - timedelta(days=60), ends_on=today - timedelta(days=7),
            place=PLACE,
        )
        return session, _enrol(session, candidates, seed, first)


# -- phase 3: jury, épreuves, assignments ------------------------------------------------------
def _member(n: int, president: User | None) -> JuryMember:
    quality, external, sex, organisation = MEMBER_PROFILES[(n - 1) % len(MEMBER_PROFILES)]
    if n == 1 and president is not None:
        existing = JuryMember.objects.filter(user=president).first()
        return existing or jury_member_ensure(user=president, quality=quality,
                                              organisation=organisation, external=external,
                                              sex=sex)
    first = FIRST_NAMES[sex][(n * 5) % len(FIRST_NAMES[sex])]
    last = LAST_NAMES[(n * 7) % len(LAST_NAMES)]
    user, _created = user_ensure(email=f"jury.demo.{n}@certif.example", role=Role.JURY,
                                 password=MEMBER_PASSWORD, first_name=first, last_name=last)
    return jury_member_ensure(user=user, quality=quality, organisation=organisation,
                              external=external, sex=sex)


def _sittings(session: Session, enrolments: list[Enrolment]) -> list[Sitting]:
    modalities = Modality.objects.filter(referentiel=session.referentiel).order_by(
        "position", "pk")
    for index, modality in enumerate(modalities):
        starts_at = timezone.make_aware(datetime.combine(
            session.starts_on + timedelta(days=index // 3), time(9 + 3 * (index % 3), 0)))
        teams = ({e.pk: f"Équipe {'ABC'[i % 3]}" for i, e in enumerate(enrolments)}
                 if modality.team else None)
        assessment_create(session=session, modality=modality, starts_at=starts_at,
                          place=PLACE, enrolments=enrolments, teams=teams)
    return list(Sitting.objects.filter(assessment__session=session).select_related(
        "assessment__session__referentiel", "assessment__modality", "enrolment__candidate")
        .order_by("assessment__starts_at", "assessment_id", "enrolment_id"))


@transaction.atomic
def jury_schedule(*, session: Session, enrolments: list[Enrolment], members: int,
                  president: User | None, errors: list[str]) -> tuple[list[JuryMember],
                                                                     list[Sitting]]:
    """The jury (the first member presides), every épreuve, every member assigned to
    every sitting (a conflict of interest is reported, not forced)."""
    jury = [_member(n, president) for n in range(1, members + 1)]
    jury_compose(session=session, members=jury, president=jury[0] if jury else None)
    sittings = _sittings(session, enrolments)
    for sitting in sittings:
        for member in jury:
            try:
                assignment_create(sitting=sitting, member=member, assigned_by=None)
            except ConflictOfInterestError as refused:
                errors.extend(refused.messages)
    return jury, sittings


# -- phase 4: scores ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Scale:
    levels: dict[LevelOutcome, list[int]]
    comment_required: frozenset[int]
    outcome: dict[int, LevelOutcome]


def _scale(referentiel: Referentiel) -> _Scale:
    rows = scale_levels(referentiel=referentiel)
    levels: dict[LevelOutcome, list[int]] = {outcome: [] for outcome in LevelOutcome}
    for level in rows:
        levels[LevelOutcome(level.outcome)].append(level.number)
    return _Scale(levels, frozenset(lv.number for lv in rows if lv.comment_required),
                  {lv.number: LevelOutcome(lv.outcome) for lv in rows})


def _base_level(scale: _Scale, rng: random.Random, gap: float) -> int:
    """Mostly an acquired level, sometimes complement, rarely rattrapage."""
    draw = rng.random()
    if draw < gap * 0.3 and scale.levels[LevelOutcome.RATTRAPAGE]:
        return rng.choice(scale.levels[LevelOutcome.RATTRAPAGE])
    if draw < gap and scale.levels[LevelOutcome.COMPLEMENT]:
        return rng.choice(scale.levels[LevelOutcome.COMPLEMENT])
    acquired = scale.levels[LevelOutcome.ACQUIRED] or sorted(scale.outcome)
    return acquired[-1] if rng.random() < 0.55 else acquired[0]


def level_draw(*, scale: _Scale, seed: int, candidate: int, competence: str, member: int,
               gap: float) -> tuple[int, str]:
    """One member's level and comment, the same for the same seed whatever the order of
    the draws. Members mostly agree with the candidate's level; some differ by one."""
    base = _base_level(scale, _rng(f"{seed}:{candidate}:{competence}"), gap)
    rng = _rng(f"{seed}:{candidate}:{competence}:{member}")
    numbers = sorted(scale.outcome)
    level = base
    if rng.random() < 0.12:
        index = numbers.index(base) + rng.choice((-1, 1))
        level = numbers[min(max(index, 0), len(numbers) - 1)]
    outcome = scale.outcome[level]
    needs = level in scale.comment_required or outcome is not LevelOutcome.ACQUIRED
    comment = rng.choice(GAPS.get(outcome) or GAPS[LevelOutcome.COMPLEMENT]) if needs else ""
    return level, comment


def _gap(seed: int, candidate: int) -> float:
    draw, total = _rng(f"{seed}:{candidate}:profile").random(), 0.0
    for share, gap in PROFILES:
        total += share
        if draw < total:
            return gap
    return PROFILES[-1][1]


@transaction.atomic
def scores_record(*, sittings: list[Sitting], jury: list[JuryMember], seed: int,
                  errors: list[str]) -> None:
    """Every member scores every compétence of every sitting, through the grid."""
    if not sittings:
        return
    scale = _scale(sittings[0].assessment.session.referentiel)
    evaluated: dict[int, list[Competence]] = {}
    order = {pk: i for i, pk in enumerate(sorted({s.enrolment_id for s in sittings}))}
    for sitting in sittings:
        modality_id = sitting.assessment.modality_id
        if modality_id not in evaluated:
            evaluated[modality_id] = list(Competence.objects.filter(
                modalities=modality_id).order_by("bloc__position", "position", "pk"))
        candidate = order[sitting.enrolment_id]
        gap = _gap(seed, candidate)
        for competence in evaluated[modality_id]:
            for index, member in enumerate(jury, start=1):
                level, comment = level_draw(scale=scale, seed=seed, candidate=candidate,
                                            competence=competence.code or str(competence.pk),
                                            member=index, gap=gap)
                try:
                    grid_score_save(user=member.user, sitting=sitting, competence=competence,
                                    level=level, comment=comment, expected_version=0)
                except ValidationError as refused:
                    errors.extend(refused.messages)


# -- phase 5: deliberation ---------------------------------------------------------------------
def _tick(deliberation: Deliberation, by: User, seed: int) -> None:
    requirements = list(Requirement.objects.filter(
        certification_id=deliberation.session.referentiel.certification_id))
    rng = _rng(f"{seed}:requirements")
    decisions = deliberation.candidates.select_related("deliberation__session__referentiel")
    for decision in decisions.order_by("enrolment_id"):
        if rng.random() >= REQUIREMENT_SHARE:
            continue
        for requirement in requirements:
            requirement_tick(decision=decision, requirement=requirement, met=True,
                             justification="Rapport et soutenance orale validés.", by=by)


def _attempt(errors: list[str], step: Callable[[], object]) -> bool:
    """Run one phase in its transaction; a refusal is reported, not raised."""
    try:
        with transaction.atomic():
            step()
    except SigningRefusedError as refused:
        errors.extend(refused.reasons)
        return False
    except ValidationError as refused:
        errors.extend(refused.messages)
        return False
    return True


def deliberation_run(*, session: Session, jury: list[JuryMember], seed: int, sign: bool,
                     errors: list[str]) -> None:
    """Propose; with ``sign``, tick the extra requirements of most candidates, sign with
    every member present and publish."""
    if not jury:
        errors.append("No jury member: nothing to deliberate.")
        return
    president = jury[0].user
    if not _attempt(errors, lambda: deliberation_propose(session=session, by=president)):
        return
    if not sign:
        return
    deliberation = Deliberation.objects.get(session=session)

    def sign_and_publish() -> None:
        _tick(deliberation, president, seed)
        deliberation_sign(deliberation=deliberation, members_present=jury, by=president)
        deliberation_publish(deliberation=Deliberation.objects.get(pk=deliberation.pk),
                             by=president)

    _attempt(errors, sign_and_publish)


# -- the whole run -----------------------------------------------------------------------------
def _count(result: DemoSessionResult, session: Session) -> DemoSessionResult:
    decisions = CandidateDecision.objects.filter(deliberation__session=session)
    result.session = str(session.public_id)
    result.candidates = session.enrolments.count()
    result.scores = Score.objects.filter(sitting__assessment__session=session).count()
    result.blocs_validated = BlocDecision.objects.filter(
        candidate_decision__deliberation__session=session,
        status=BlocDecisionStatus.VALIDATED).count()
    result.certified = decisions.filter(outcome=CandidateOutcome.FULL_SUCCESS).count()
    result.partial = decisions.filter(outcome=CandidateOutcome.PARTIAL_SUCCESS).count()
    result.failed = decisions.filter(outcome=CandidateOutcome.FAILURE).count()
    return result


def demo_session_create(
    *, path: Path, candidates: int, members: int, seed: int = 0, sign: bool = False,
    fiche: str = "", name: str = "", president: User | None = None,
    candidate: Candidate | None = None,
) -> DemoSessionResult:
    """The whole demo session (see the module's docstring). ``president`` presides
    instead of ``jury.demo.1``; ``candidate`` is enrolled among the ``candidates``."""
    referentiel = referentiel_load(path=path, fiche=fiche)
    demo_signatory_ensure(referentiel)
    result = DemoSessionResult()
    session, enrolments = session_start(referentiel=referentiel, name=name,
                                        candidates=candidates, seed=seed, first=candidate)
    jury, sittings = jury_schedule(session=session, enrolments=enrolments, members=members,
                                   president=president, errors=result.errors)
    scores_record(sittings=sittings, jury=jury, seed=seed, errors=result.errors)
    deliberation_run(session=session, jury=jury, seed=seed, sign=sign, errors=result.errors)
    return _count(result, session)
