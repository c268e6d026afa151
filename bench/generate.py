"""Large-data generator: a whole certifier's history on a dedicated PostgreSQL database.

    .venv/bin/python bench/generate.py                    # 20 certifications, 50 sessions,
                                                          # 20,000 candidates, ~2 M scores
    .venv/bin/python bench/generate.py --quick            # a few minutes' worth, for make
    BENCH_LARGE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/certbench \\
        .venv/bin/python bench/generate.py --seed 7

The database at ``BENCH_LARGE_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/
certbench``, loopback only, never ``test…`` nor ``postgres``) is dropped, created and
migrated, so that the same seed gives the same rows. Media (the shared PDFs below) go to
``var/bench/``. ``bench/page_bench.py`` then times pages on it.

What goes through the product and what is bulk:

- référentiels: the five seeds are parsed and saved by the real import pipeline
  (``importers.parse`` → ``referentiel_import``; a seed without RNCP code or title is
  completed as the import wizard asks an administrator to), and so are the variants —
  copies of the seed drafts with other RNCP codes, titles and certifiers;
- deliberations: ``deliberation_propose`` (twice where the certification has extra
  requirements: once, the requirements ticked in bulk, again), ``deliberation_sign`` with
  every member present, ``deliberation_publish`` — the product's own bulk writes;
- everything else — users, candidates, sessions, enrolments, juries, assessments,
  sittings, assignments, scores, the audit events of the scores, documents — is written
  in bulk: ``bulk_create`` in batches, or PostgreSQL ``COPY`` (psycopg 3
  ``cursor.copy``) for the big tables. The model invariants hold: unique identities,
  one enrolment per candidate and session, one sitting per assessment × enrolment, one
  assignment per member × sitting, one score per sitting × compétence × scorer, scorers
  are members of the session's jury assigned to the sitting.

Order matters on PostgreSQL, whose triggers keep a signed deliberation append-only
(``juries/migrations/0003_deliberation_lock.py``) and the audit trail insert-only
(``accounts/migrations/0003_audit_append_only.py``): scores and their audit events are
inserted before the deliberations are signed (signing locks the sittings), and nothing
is updated or deleted afterwards but documents.

Documents: every signed session gets the rows the issue task would create — minutes, a
transcript per candidate, an attestation per validated bloc, a certificate per full
success — with numbers reserved from the register counters (one counter update per
session and register, as ``register_number_next`` would have reached), random
verification codes, ``status=issued``. Rendering 50,000 PDFs would take hours on this
machine, so files are NOT rendered one by one: one real PDF per kind is rendered through
the product (``document_context`` of the first document of that kind, ``render_pdf``),
stored once, and every document of that kind points at it with its SHA-256. Downloads,
the verification page, the candidate space and the export's hash check therefore work,
but a downloaded PDF shows the first document's number and code, not its own.

The last line is ``key=value`` pairs: rows per table and seconds per phase.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import itertools
import json
import os
import random
import string
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/certbench"
LOOPBACK = ("127.0.0.1", "localhost")
FORBIDDEN_DATABASES = ("postgres", "template0", "template1", "root")
BATCH = 5000
DOMAIN = "bench.example"
ADMIN_EMAIL = f"admin@{DOMAIN}"


@dataclass(frozen=True)
class Sizes:
    certifications: int = 20
    sessions: int = 50
    candidates: int = 20_000
    members: int = 3  # per jury; every member scores every sitting of the session
    # Sessions signed and published (they have documents); of the others, half are fully
    # scored with a draft deliberation, half are in progress (a quarter of the épreuves
    # to come).
    signed_share: float = 0.5
    audit: bool = True  # one "score.recorded" audit event per score, as score_record writes
    files: bool = True  # the shared PDFs (one per kind)


FULL = Sizes()
QUICK = Sizes(certifications=6, sessions=8, candidates=1_600)


@dataclass
class Built:
    """What the phases hand each other (ids only, never all rows)."""

    referentiels: list[Any] = field(default_factory=list)
    admin: Any = None
    members: list[Any] = field(default_factory=list)  # JuryMember, with .user
    sessions: list[Any] = field(default_factory=list)
    juries: dict[int, list[Any]] = field(default_factory=dict)  # session pk → members
    enrolments: dict[int, list[int]] = field(default_factory=dict)  # session pk → pks
    signed: list[Any] = field(default_factory=list)
    drafted: list[Any] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _rng(*key: object) -> random.Random:
    """A generator per purpose: the same draws for the same seed, whatever ran before."""
    return random.Random(":".join(map(str, key)))


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


# -- writing many rows ---------------------------------------------------------------------
def insert_rows(model: type, columns: list[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` (values for ``columns``, attribute names) without signals: on
    PostgreSQL one ``COPY``, elsewhere ``bulk_create`` in batches. Returns the count."""
    from django.db import connection
    from django.db.models import JSONField
    from psycopg import sql

    fields = [model._meta.get_field(name) for name in columns]
    if connection.vendor != "postgresql":
        count = 0
        for batch in itertools.batched(rows, BATCH):
            model.objects.bulk_create([model(**dict(zip(columns, row, strict=True)))
                                       for row in batch])
            count += len(batch)
        return count
    as_json = [isinstance(f, JSONField) for f in fields]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(f.column) for f in fields))
    count = 0
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as out:
        for row in rows:
            if any(as_json):
                row = tuple(json.dumps(v) if j and v is not None else v
                            for v, j in zip(row, as_json, strict=True))
            out.write_row(row)
            count += 1
    return count


def created(model: type, objects: Iterable[Any]) -> list[Any]:
    """``bulk_create`` in batches, returning the objects with their primary keys."""
    done: list[Any] = []
    for batch in itertools.batched(objects, BATCH):
        done += model.objects.bulk_create(batch)
    return done


# -- phase 1: référentiels through the import pipeline -------------------------------------
def _seed_drafts() -> list[Any]:
    from certifications.importers import parse
    from demo.certifications import seed_paths

    drafts = []
    for index, path in enumerate(seed_paths()):
        with path.open("rb") as source:
            draft = parse(source, name=path.name)[0]
        # What the import wizard asks an administrator for when the document lacks it.
        if not draft.certification.code:
            draft.certification.code = f"RNCP990{index:02d}"
        if not draft.certification.title:
            draft.certification.title = f"Référentiel de démonstration n° {index + 1}"
        drafts.append(draft)
    return drafts


def _variant(draft: Any, number: int, group: int) -> Any:
    """A copy of a seed draft under another RNCP code, title and certifier."""
    from certifications.importers.draft import CertifierDraft

    variant = copy.deepcopy(draft)
    old, new = draft.certification.code, f"RNCP98{number:03d}"
    variant.certification.code = new
    variant.certification.title = f"{draft.certification.title} — variante {group}"
    variant.certification.certifiers = [CertifierDraft(
        legal_name=f"Institut de certification {group}", siret=f"{10_000_000_000_000 + group}")]
    for bloc in variant.blocs:
        bloc.code = bloc.code.replace(old, new) if old else bloc.code
    return variant


def referentiels_import(sizes: Sizes, built: Built) -> None:
    from certifications.services import referentiel_import

    seeds = _seed_drafts()
    for number in range(sizes.certifications):
        seed = seeds[number % len(seeds)]
        draft = seed if number < len(seeds) else _variant(seed, number, number // len(seeds))
        built.referentiels.append(referentiel_import(draft=draft).referentiel)


# -- phase 2: people -------------------------------------------------------------------------
def _password(rng: random.Random) -> str:
    """An unusable password (as ``set_unusable_password``), drawn reproducibly."""
    return "!" + "".join(rng.choices(string.ascii_letters + string.digits, k=40))


def people_create(sizes: Sizes, seed: int, built: Built) -> None:
    """The administrator and a pool of jury members (profiles as the demo's, so that
    every jury of three meets the composition rules)."""
    from accounts.models import Role, User
    from demo.session import FIRST_NAMES, LAST_NAMES, MEMBER_PROFILES
    from juries.models import JuryMember

    rng = _rng(seed, "people")
    built.admin = User.objects.create(email=ADMIN_EMAIL, role=Role.ADMIN, is_staff=True,
                                      first_name="Admin", last_name="Bench",
                                      password=_password(rng))
    pool = max(sizes.members * 2, (sizes.sessions * sizes.members * 2 // 5) // 3 * 3)
    users = created(User, (
        User(email=f"jure.{n:03d}@{DOMAIN}", role=Role.JURY, password=_password(rng),
             first_name=FIRST_NAMES[MEMBER_PROFILES[n % 4][2]][n % 16],
             last_name=LAST_NAMES[n % len(LAST_NAMES)])
        for n in range(pool)))
    built.members = created(JuryMember, (
        JuryMember(public_id=_uuid(rng), user=user, quality=MEMBER_PROFILES[n % 4][0],
                   external=MEMBER_PROFILES[n % 4][1], sex=MEMBER_PROFILES[n % 4][2],
                   organisation=MEMBER_PROFILES[n % 4][3])
        for n, user in enumerate(users)))
    for member, user in zip(built.members, users, strict=True):
        member.user = user


# -- phase 3: sessions, candidates, enrolments --------------------------------------------
def _session_kinds(sizes: Sizes) -> list[str]:
    """"signed", "drafted" (fully scored, draft deliberation) or "open" (in progress)."""
    signed = max(1, round(sizes.sessions * sizes.signed_share))
    rest = sizes.sessions - signed
    kinds = ["signed"] * signed + ["drafted"] * ((rest + 1) // 2) + ["open"] * (rest // 2)
    return kinds[:sizes.sessions]


def sessions_create(sizes: Sizes, seed: int, built: Built) -> None:
    from candidates.models import Session

    rng = _rng(seed, "sessions")
    today = datetime.date.today()
    kinds = _session_kinds(sizes)
    sessions = []
    for number, kind in enumerate(kinds):
        referentiel = built.referentiels[number % len(built.referentiels)]
        if kind == "signed":
            starts = today - datetime.timedelta(days=400 - 7 * number)
            ends = starts + datetime.timedelta(days=90)
        else:
            starts = today - datetime.timedelta(days=30)
            ends = today + datetime.timedelta(days=60)
        session = Session(public_id=_uuid(rng), referentiel=referentiel, starts_on=starts,
                          ends_on=ends, place=f"Centre d'examen {1 + number % 7}",
                          name=f"Session {number + 1:02d} — {referentiel.certification.code}")
        session.kind = kind
        sessions.append(session)
    built.sessions = created(Session, sessions)
    for session, kind in zip(built.sessions, kinds, strict=True):
        session.kind = kind


def candidates_create(sizes: Sizes, seed: int, built: Built) -> None:
    """Candidates with an account each, enrolled in one session each (round robin);
    every sixth targets chosen blocs, every tenth acquired a bloc before."""
    from accounts.models import Role, User
    from candidates.models import (
        AccessRoute,
        AcquiredBloc,
        AcquisitionOrigin,
        Candidate,
        Enrolment,
        TargetBloc,
    )
    from candidates.services import identity_key
    from demo.session import COMMUNES, FIRST_NAMES, LAST_NAMES

    rng = _rng(seed, "candidates")
    routes = list(AccessRoute)
    users = created(User, (
        User(email=f"candidat.{n:05d}@{DOMAIN}", role=Role.CANDIDATE, password=_password(rng))
        for n in range(sizes.candidates)))
    keys: set[str] = set()
    people = []
    for n, user in enumerate(users):
        while True:
            sex = rng.choice("FM")
            first, last = rng.choice(FIRST_NAMES[sex]), rng.choice(LAST_NAMES)
            born = datetime.date(rng.randint(1970, 2005), rng.randint(1, 12), rng.randint(1, 28))
            key = identity_key(birth_name=last, first_names=first, birth_date=born)
            if key not in keys:
                keys.add(key)
                break
        commune, insee = rng.choice(COMMUNES)
        people.append(Candidate(
            public_id=_uuid(rng), user=user, birth_name=last, first_names=first, sex=sex,
            birth_date=born, birth_commune=commune, birth_insee_code=insee,
            email=user.email, identity_key=key, language="en" if n % 25 == 0 else "fr"))
    people = created(Candidate, people)
    sessions = built.sessions
    enrolments = created(Enrolment, (
        Enrolment(public_id=_uuid(rng), candidate=person, session=sessions[n % len(sessions)],
                  access_route=routes[n % len(routes)], whole_certification=n % 6 != 0,
                  extra_time_percent=33 if n % 20 == 0 else 0,
                  employer=f"Entreprise {n % 500}")
        for n, person in enumerate(people)))
    blocs = {r.pk: list(r.blocs.order_by("position", "pk")) for r in built.referentiels}
    targets, acquired = [], []
    for n, enrolment in enumerate(enrolments):
        built.enrolments.setdefault(enrolment.session_id, []).append(enrolment.pk)
        own = blocs[sessions[n % len(sessions)].referentiel_id]
        if n % 6 == 0:
            targets += [TargetBloc(enrolment=enrolment, bloc=bloc) for bloc in own[:2]]
        if n % 10 == 3 and len(own) > 1:
            acquired.append(AcquiredBloc(
                enrolment=enrolment, bloc=own[-1], origin=AcquisitionOrigin.CAPITALISATION,
                acquired_on=datetime.date.today() - datetime.timedelta(days=500),
                reference=f"ATT-{n:05d}"))
    created(TargetBloc, targets)
    created(AcquiredBloc, acquired)


# -- phase 4: juries, assessments, sittings, assignments ------------------------------------
def juries_create(sizes: Sizes, built: Built) -> None:
    from juries.models import Jury

    juries = []
    for number, session in enumerate(built.sessions):
        start = number * sizes.members % len(built.members)
        members = [built.members[(start + k) % len(built.members)] for k in range(sizes.members)]
        built.juries[session.pk] = members
        juries.append(Jury(public_id=_uuid(_rng(session.public_id, "jury")), session=session,
                           president=members[0]))
    juries = created(Jury, juries)
    created(Jury.members.through, (
        Jury.members.through(jury_id=jury.pk, jurymember_id=member.pk)
        for jury in juries for member in built.juries[jury.session_id]))


@dataclass(frozen=True)
class _Plan:
    """A sitting to score: its compétences and who scores them."""

    sitting: int
    enrolment: int
    referentiel: int
    at: datetime.datetime  # when the épreuve was held
    competences: tuple[int, ...]
    scorers: tuple[int, ...]  # user pks


def assessments_create(seed: int, built: Built) -> list[_Plan]:
    """One assessment per épreuve of the référentiel and session, every candidate sitting
    each, every jury member assigned to every sitting (as the demo session does). Returns
    the sittings to score: all of a signed or drafted session, those of past épreuves of
    an open one."""
    from django.utils import timezone

    from assessments.models import Assessment, Sitting
    from certifications.models import Modality
    from juries.models import Assignment

    now = timezone.now()
    modalities = {
        r.pk: list(Modality.objects.filter(referentiel=r).order_by("position", "pk")
                   .prefetch_related("competences"))
        for r in built.referentiels
    }
    plans: list[_Plan] = []
    assignments: list[tuple] = []
    for session in built.sessions:
        rng = _rng(seed, "assessments", session.pk)
        own = modalities[session.referentiel_id]
        assessments = []
        for index, modality in enumerate(own):
            if session.kind == "open":  # three épreuves in four held, the others to come
                held = max(1, len(own) * 3 // 4)
                days = (index - held) * 3 + (1 if index >= held else -1)
                starts = now + datetime.timedelta(days=days)
            else:
                starts = timezone.make_aware(datetime.datetime.combine(
                    session.starts_on + datetime.timedelta(days=index // 3),
                    datetime.time(9 + 3 * (index % 3))))
            assessments.append(Assessment(public_id=_uuid(rng), session=session,
                                          modality=modality, starts_at=starts,
                                          place=session.place))
        assessments = created(Assessment, assessments)
        enrolments = built.enrolments.get(session.pk, [])
        sittings = created(Sitting, (
            Sitting(public_id=_uuid(rng), assessment=assessment, enrolment_id=enrolment,
                    team=f"Équipe {'ABC'[n % 3]}" if assessment.modality.team else "")
            for assessment in assessments for n, enrolment in enumerate(enrolments)))
        members = built.juries[session.pk]
        competences = {m.pk: tuple(c.pk for c in sorted(m.competences.all(),
                                                        key=lambda c: (c.bloc_id, c.position,
                                                                       c.pk)))
                       for m in own}
        by_assessment = {a.pk: a for a in assessments}
        for sitting in sittings:
            assessment = by_assessment[sitting.assessment_id]
            assignments += [(_uuid(rng), sitting.pk, member.pk, built.admin.pk, now)
                            for member in members]
            if assessment.starts_at <= now:
                plans.append(_Plan(sitting.pk, sitting.enrolment_id, session.referentiel_id,
                                   assessment.starts_at,
                                   competences[assessment.modality_id],
                                   tuple(m.user.pk for m in members)))
    built.counts["assignments"] = insert_rows(
        Assignment, ["public_id", "sitting_id", "member_id", "assigned_by_id", "assigned_at"],
        assignments)
    return plans


# -- phase 5: scores and their audit events -------------------------------------------------
GAP_COMMENTS = {
    3: ["Écarts mineurs : la démarche est juste mais la justification des choix reste "
        "incomplète.", "Écarts mineurs : livrable conforme, analyse des risques à approfondir."],
    4: ["Écarts majeurs : la méthode attendue n'est pas mise en œuvre.",
        "Écarts majeurs : le livrable ne répond pas au cahier des charges."],
}


def _score_rows(plans: list[_Plan], seed: int) -> Iterator[tuple]:
    """Levels as juries give them: most candidates pass most compétences, members agree
    mostly and differ by one level sometimes; levels 3 and 4 carry a comment. Saved
    during the four hours after the épreuve began."""
    rng = _rng(seed, "scores")
    gap: dict[int, float] = {}
    for plan in plans:
        at = plan.at + datetime.timedelta(seconds=rng.randrange(4 * 3600))
        share = gap.setdefault(plan.enrolment, rng.choice((0.0, 0.0, 0.03, 0.03, 0.12)))
        for competence in plan.competences:
            draw = rng.random()
            base = 4 if draw < share * 0.3 else 3 if draw < share else rng.choice((1, 2, 2))
            for scorer in plan.scorers:
                level = base
                if rng.random() < 0.1:
                    level = min(4, max(1, base + rng.choice((-1, 1))))
                comment = rng.choice(GAP_COMMENTS[level]) if level >= 3 else ""
                at += datetime.timedelta(seconds=rng.randrange(1, 20))
                yield (plan.sitting, competence, scorer, level, comment, 1, at)


AUDIT_SQL = """
INSERT INTO accounts_auditevent
    (at, actor_id, ip_address, action, object_type, object_id, old, new, context)
SELECT s.updated_at, s.scorer_id, NULL, 'score.recorded', 'assessments.score', s.id::text,
       NULL,
       jsonb_build_object('competence', s.competence_id, 'level', s.level,
                          'comment', s.comment, 'version', s.version),
       jsonb_build_object('session', se.public_id::text, 'assessment', a.public_id::text,
                          'candidate', c.public_id::text, 'sitting', si.public_id::text)
FROM assessments_score s
JOIN assessments_sitting si ON si.id = s.sitting_id
JOIN assessments_assessment a ON a.id = si.assessment_id
JOIN candidates_session se ON se.id = a.session_id
JOIN candidates_enrolment e ON e.id = si.enrolment_id
JOIN candidates_candidate c ON c.id = e.candidate_id
ORDER BY s.id
"""


def scores_create(plans: list[_Plan], seed: int, built: Built) -> None:
    from django.utils import timezone

    from assessments.models import Score
    from certifications.models import Referentiel

    now = timezone.now()
    built.counts["scores"] = insert_rows(
        Score, ["sitting_id", "competence_id", "scorer_id", "level", "comment", "version",
                "updated_at"], _score_rows(plans, seed))
    # The first score makes a référentiel version read-only (score_record does it).
    Referentiel.objects.filter(pk__in={plan.referentiel for plan in plans},
                               locked_at__isnull=True).update(locked_at=now)


def audit_create(built: Built) -> None:
    """One "score.recorded" event per score, as ``score_record`` writes it (insert only:
    the audit table refuses updates and deletes)."""
    from django.db import connection

    from accounts.models import AuditEvent
    from assessments.models import Score

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(AUDIT_SQL)
            built.counts["audit_events"] = cursor.rowcount
        return
    scores = Score.objects.select_related(
        "sitting__assessment__session", "sitting__enrolment__candidate").order_by("pk")
    built.counts["audit_events"] = insert_rows(
        AuditEvent, ["at", "actor_id", "action", "object_type", "object_id", "new", "context"],
        ((s.updated_at, s.scorer_id, "score.recorded", "assessments.score", str(s.pk),
          {"competence": s.competence_id, "level": s.level, "comment": s.comment,
           "version": s.version},
          {"session": str(s.sitting.assessment.session.public_id),
           "assessment": str(s.sitting.assessment.public_id),
           "candidate": str(s.sitting.enrolment.candidate.public_id),
           "sitting": str(s.sitting.public_id)})
         for s in scores.iterator()))


# -- phase 6: deliberations through the product ---------------------------------------------
def deliberations_run(seed: int, built: Built) -> None:
    """Signed sessions: propose, tick the extra requirements of four candidates in five,
    propose again, sign with every member present, publish. Drafted sessions: propose."""

    from deliberations.services import sign

    # The documents of a signature are the next phase's bulk rows, not the issue task's
    # (stubbed where deliberation_sign looks it up: the sign module).
    issue = sign.issue_documents_for_deliberation
    sign.issue_documents_for_deliberation = lambda deliberation_id: None
    try:
        _deliberate(seed, built)
    finally:  # the process (a test run, say) keeps the real hook
        sign.issue_documents_for_deliberation = issue


def _deliberate(seed: int, built: Built) -> None:
    from django.db import transaction

    from certifications.models import Requirement
    from deliberations.models import CandidateDecision, Deliberation
    from deliberations.services import (
        deliberation_propose,
        deliberation_publish,
        deliberation_sign,
    )

    for session in built.sessions:
        if session.kind == "open":
            continue
        members = built.juries[session.pk]
        president = members[0].user
        with transaction.atomic():
            deliberation = deliberation_propose(session=session, by=president)
            if session.kind == "drafted":
                built.drafted.append(session)
                continue
            requirements = list(Requirement.objects.filter(
                certification_id=session.referentiel.certification_id))
            if requirements:
                met = {str(r.pk): {"met": True, "justification": "Rapport et soutenance "
                                   "orale validés."} for r in requirements}
                ids = list(CandidateDecision.objects.filter(deliberation=deliberation)
                           .order_by("pk").values_list("pk", flat=True))
                ticked = [pk for pk in ids if _rng(seed, "tick", pk).random() < 0.8]
                CandidateDecision.objects.filter(pk__in=ticked).update(requirements_met=met)
                deliberation = deliberation_propose(session=session, by=president)
            deliberation_sign(deliberation=deliberation, members_present=members,
                              by=president)
            deliberation_publish(deliberation=Deliberation.objects.get(pk=deliberation.pk),
                                 by=president)
        built.signed.append(session)


# -- phase 7: documents ------------------------------------------------------------------------
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _wanted(session: Any) -> list[tuple[str, int | None, int | None, str]]:
    """What the issue task creates for a signed session, in its order: (kind, enrolment,
    bloc, language)."""
    from deliberations.models import BlocDecision, BlocDecisionStatus, CandidateDecision
    from reports.models import DocumentKind

    validated: dict[int, list[int]] = {}
    for decision_id, bloc_id in BlocDecision.objects.filter(
            candidate_decision__deliberation__session=session,
            status=BlocDecisionStatus.VALIDATED).order_by("pk").values_list(
            "candidate_decision_id", "bloc_id"):
        validated.setdefault(decision_id, []).append(bloc_id)
    wanted: list[tuple[str, int | None, int | None, str]] = [
        (DocumentKind.MINUTES, None, None, "fr")]
    for pk, enrolment, outcome, language in CandidateDecision.objects.filter(
            deliberation__session=session).order_by("pk").values_list(
            "pk", "enrolment_id", "outcome", "enrolment__candidate__language"):
        wanted.append((DocumentKind.TRANSCRIPT, enrolment, None, language))
        wanted += [(DocumentKind.BLOC_ATTESTATION, enrolment, bloc, language)
                   for bloc in validated.get(pk, [])]
        if outcome == "full_success":
            wanted.append((DocumentKind.CERTIFICATE, enrolment, None, language))
    return wanted


def _numbers(certifier: str, year: int, count: int) -> Iterator[str]:
    """``count`` numbers of the certifier's register, reserved in one counter update."""
    from django.db.models import F

    from reports.models import RegisterCounter

    counter, _new = RegisterCounter.objects.select_for_update().get_or_create(
        certifier=certifier, year=year)
    RegisterCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    return (f"{year}-{n:06d}" for n in range(counter.last + 1, counter.last + count + 1))


def documents_create(seed: int, built: Built) -> None:
    from django.db import transaction
    from django.utils import timezone

    from deliberations.models import Deliberation
    from reports.models import Document, DocumentStatus

    rng = _rng(seed, "documents")
    codes: set[str] = set()
    rows: list[tuple] = []
    now = timezone.now()
    with transaction.atomic():
        for session in built.signed:
            deliberation = Deliberation.objects.get(session=session)
            certifier = session.referentiel.certification.certifier_legal_name
            wanted = _wanted(session)
            numbers = _numbers(certifier, timezone.localdate().year, len(wanted))
            for (kind, enrolment, bloc, language), number in zip(wanted, numbers, strict=True):
                code = "".join(rng.choices(CODE_ALPHABET, k=12))
                while code in codes:
                    code = "".join(rng.choices(CODE_ALPHABET, k=12))
                codes.add(code)
                rows.append((_uuid(rng), kind, enrolment, bloc, session.pk, deliberation.pk,
                             certifier, number, code, DocumentStatus.ISSUED, "", "",
                             language, now, now, "", "", ""))
        built.counts["documents"] = insert_rows(Document, [
            "public_id", "kind", "enrolment_id", "bloc_id", "session_id", "deliberation_id",
            "certifier", "number", "verification_code", "status", "sha256", "file",
            "language", "created_at", "issued_at", "failure_reason", "revocation_reason",
            "public_revocation_reason"], rows)


def shared_files_create(built: Built) -> None:
    """One real PDF per kind, rendered through the product from the first document of the
    kind, referenced by every document of that kind (see the module's docstring)."""
    import hashlib
    import logging

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone, translation

    from reports.documents import render_pdf
    from reports.models import Document
    from reports.services import document_context

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    for kind in Document.objects.order_by().values_list("kind", flat=True).distinct():
        first = Document.objects.select_related(
            "session__referentiel__certification", "session__jury__president__user",
            "enrolment__candidate", "bloc", "deliberation").filter(kind=kind).order_by("pk")[0]
        with translation.override(first.language):
            context = document_context(document=first, issued_on=timezone.localdate())
            pdf = render_pdf(kind, context, language=first.language)
        name = f"documents/{timezone.localdate().year}/bench-shared-{kind}.pdf"
        if default_storage.exists(name):
            default_storage.delete(name)
        name = default_storage.save(name, ContentFile(pdf))
        Document.objects.filter(kind=kind).update(file=name,
                                                  sha256=hashlib.sha256(pdf).hexdigest())


# -- the whole run ---------------------------------------------------------------------------
TABLES = {
    "certifications": "certifications.Certification",
    "referentiels": "certifications.Referentiel",
    "competences": "certifications.Competence",
    "users": "accounts.User",
    "candidates": "candidates.Candidate",
    "sessions": "candidates.Session",
    "enrolments": "candidates.Enrolment",
    "assessments": "assessments.Assessment",
    "sittings": "assessments.Sitting",
    "assignments": "juries.Assignment",
    "scores": "assessments.Score",
    "audit_events": "accounts.AuditEvent",
    "deliberations": "deliberations.Deliberation",
    "candidate_decisions": "deliberations.CandidateDecision",
    "competence_decisions": "deliberations.CompetenceDecision",
    "documents": "reports.Document",
}


def relation_sizes() -> dict[str, int]:
    """MB on disk (with indexes) of the whole database and of its two biggest tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database()), "
                       "pg_total_relation_size('assessments_score'), "
                       "pg_total_relation_size('accounts_auditevent')")
        database, scores, audit = cursor.fetchone()
    return {"database_mb": database // 2**20, "scores_mb": scores // 2**20,
            "audit_mb": audit // 2**20}


def generate(sizes: Sizes, *, seed: int = 0,
             log: Callable[[str], None] = print) -> dict[str, float | int]:
    """Fill the current database (expected empty but for migrations); returns the rows
    per table and the seconds per phase."""
    from django.apps import apps
    from django.db import connection, transaction

    built = Built()
    timings: dict[str, float] = {}

    def phase(name: str, run: Callable[[], object], atomic: bool = True) -> None:
        start = time.perf_counter()
        if atomic:
            with transaction.atomic():
                run()
        else:
            run()
        timings[name] = time.perf_counter() - start
        log(f"{name}: {timings[name]:.1f} s")

    plans: list[_Plan] = []

    def schedule() -> None:
        plans.extend(assessments_create(seed, built))

    phase("referentiels", lambda: referentiels_import(sizes, built))
    phase("people", lambda: people_create(sizes, seed, built))
    phase("sessions", lambda: sessions_create(sizes, seed, built))
    phase("candidates", lambda: candidates_create(sizes, seed, built))
    phase("juries", lambda: juries_create(sizes, built))
    phase("assessments", schedule)
    phase("scores", lambda: scores_create(plans, seed, built))
    if sizes.audit:
        phase("audit", lambda: audit_create(built))
    phase("deliberations", lambda: deliberations_run(seed, built), atomic=False)
    phase("documents", lambda: documents_create(seed, built), atomic=False)
    if sizes.files and built.signed:
        phase("files", lambda: shared_files_create(built), atomic=False)
    if connection.vendor == "postgresql":
        def analyze() -> None:
            # VACUUM cannot run in a transaction (a test's): ANALYZE alone then.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        phase("analyze", analyze, atomic=False)
    counts = {name: apps.get_model(label).objects.count() for name, label in TABLES.items()}
    counts["signed_sessions"] = len(built.signed)
    counts["drafted_sessions"] = len(built.drafted)
    if connection.vendor == "postgresql":
        counts |= relation_sizes()
    return {**counts, **{f"{name}_s": round(s, 1) for name, s in timings.items()},
            "total_s": round(sum(timings.values()), 1)}


# -- the database ----------------------------------------------------------------------------
def bench_database_url() -> str:
    return os.environ.get("BENCH_LARGE_DATABASE_URL", DEFAULT_DATABASE_URL)


def checked_database(url: str) -> urllib.parse.SplitResult:
    """Only a dedicated database on this machine: never the tests' nor a system one."""
    parts = urllib.parse.urlsplit(url)
    name = parts.path.strip("/")
    if parts.hostname not in LOOPBACK or not name:
        raise SystemExit(f"BENCH_LARGE_DATABASE_URL must name a database on 127.0.0.1: {url}")
    if name in FORBIDDEN_DATABASES or name.startswith("test"):
        raise SystemExit(f"refusing to use the database {name!r}: choose a dedicated one")
    return parts


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = checked_database(url)
    name = parts.path.strip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str, settings: str = "config.settings.base") -> None:
    """Django on the bench database, media under var/bench (never the developer's)."""
    checked_database(url)
    for name in ("REDIS_URL", "MEDIA_ROOT", "STATIC_ROOT", "EMAIL_FILE_PATH"):
        os.environ.pop(name, None)
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE=settings,
                      VAR_DIR=str(REPO / "var" / "bench"))
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--candidates", type=int)
    parser.add_argument("--sessions", type=int)
    parser.add_argument("--certifications", type=int)
    parser.add_argument("--no-audit", action="store_true",
                        help="no audit event per score")
    parser.add_argument("--no-files", action="store_true", help="no shared PDFs")
    options = parser.parse_args()
    sizes = QUICK if options.quick else FULL
    overrides = {name: getattr(options, name)
                 for name in ("candidates", "sessions", "certifications")
                 if getattr(options, name)}
    sizes = Sizes(**{**sizes.__dict__, **overrides, "audit": not options.no_audit,
                     "files": not options.no_files})
    if sizes.sessions > sizes.candidates or sizes.certifications < 1:
        raise SystemExit("need at least one candidate per session and one certification")

    url = bench_database_url()
    started = time.perf_counter()
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started
    print(f"database {urllib.parse.urlsplit(url).path.strip('/')} recreated and migrated "
          f"in {migrate_s:.1f} s; {sizes}", flush=True)
    figures = generate(sizes, seed=options.seed, log=lambda line: print(line, flush=True))
    figures = {"migrate_s": round(migrate_s, 1), **figures,
               "wall_s": round(time.perf_counter() - started, 1)}
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
