"""Deliberation benchmark: propose the deliberation of 1,000 candidates × 40 compétences ×
3 jury members.

    .venv/bin/python bench/deliberation_bench.py [--candidates 1000]
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_delib \
        .venv/bin/python bench/deliberation_bench.py

Builds the session with bulk_create on a throw-away SQLite database in a temporary
VAR_DIR (or on a test database created next to ``BENCH_DATABASE_URL`` and dropped after),
then times ``deliberation_propose`` and counts its SQL queries; it proposes a session a
tenth the size too, to show the query count does not grow with candidates. Then the
president overrides some decisions, a few scores change, and the draft is proposed again
(``repropose_s``: the overrides must be kept). The last line is ``key=value`` pairs for
``bench/run_all.py``. Target: < 3 s for each proposal.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_bench import setup_django

BLOCS, PER_BLOC, MEMBERS = 8, 5, 3  # 40 compétences


def build(candidates: int, tag: str) -> tuple[object, object]:
    """A session of ``candidates`` sitting one épreuve on every compétence, scored by the
    three members of its jury; returns the session and an administrator."""
    from accounts.models import Role, User
    from assessments.models import Assessment, Score, Sitting
    from candidates.models import AccessRoute, Candidate, Enrolment, Session
    from certifications.services import referentiel_import
    from certifications.tests.drafts import make_draft
    from juries.models import Jury, JuryMember, Quality

    referentiel = referentiel_import(
        draft=make_draft(code=f"RNCP9{tag}", blocs=BLOCS, competences=PER_BLOC)).referentiel
    competences = list(referentiel.blocs.values_list("competences", flat=True))
    session = Session.objects.create(
        referentiel=referentiel, name=f"Bench {tag}", starts_on=datetime.date(2027, 3, 1),
        ends_on=datetime.date(2027, 6, 30))
    admin = User.objects.create_user(f"admin{tag}@bench.example", role=Role.ADMIN)
    users = [User.objects.create_user(f"jury{tag}{n}@bench.example", role=Role.JURY,
                                      last_name=f"Juré {n}") for n in range(MEMBERS)]
    members = JuryMember.objects.bulk_create(
        JuryMember(user=user, quality=Quality.EMPLOYER, sex="FM"[n % 2])
        for n, user in enumerate(users))
    jury = Jury.objects.create(session=session, president=members[0])
    jury.members.set(members)
    people = Candidate.objects.bulk_create(
        Candidate(birth_name=f"Nom{n:05d}", first_names="Camille", sex="F",
                  identity_key=f"nom{tag}{n:05d}|camille|1990-01-01",
                  birth_date=datetime.date(1990, 1, 1))
        for n in range(candidates))
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(candidate=person, session=session, access_route=AccessRoute.CONTINUING)
        for person in people)
    assessment = Assessment.objects.create(
        session=session, modality=referentiel.modalities.get(),
        starts_at=datetime.datetime(2027, 5, 1, 9, tzinfo=datetime.UTC))
    sittings = Sitting.objects.bulk_create(
        Sitting(assessment=assessment, enrolment=enrolment) for enrolment in enrolments)
    Score.objects.bulk_create(
        (Score(sitting=sitting, competence_id=competence, scorer=user,
               level=1 + (n + c + m) % 4, comment="écarts")
         for n, sitting in enumerate(sittings)
         for c, competence in enumerate(competences)
         for m, user in enumerate(users)),
        batch_size=5000)
    return session, admin


def propose(session: object, admin: object) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deliberations.services import deliberation_propose

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        deliberation_propose(session=session, by=admin)
        elapsed = time.perf_counter() - start
    return elapsed, len(queries)


def president_overrides(session: object) -> int:
    """What happens on a draft between two proposals: the president departs from the
    proposal (with a justification) on one compétence of every tenth candidate and on the
    outcome of every twentieth, and a late correction changes the scores of every
    hundredth. Returns the number of compétence overrides the re-proposal must keep."""
    from django.db.models import F, Min

    from assessments.models import Score
    from deliberations.models import CandidateDecision, CompetenceDecision

    decisions = CandidateDecision.objects.filter(deliberation__session=session)
    ids = list(decisions.order_by("pk").values_list("pk", flat=True))
    rows = CompetenceDecision.objects.filter(candidate_decision_id__in=ids[::10])
    competence = rows.aggregate(first=Min("competence_id"))["first"]
    overridden = rows.filter(competence_id=competence, proposed_level__isnull=False).update(
        final_level=5 - F("proposed_level"), justification="Vu à l'oral.")
    decisions.filter(pk__in=ids[::20]).update(outcome="failure",
                                              justification="Fraude constatée.")
    Score.objects.filter(sitting__enrolment__decisions__pk__in=ids[::100]).update(level=4)
    return overridden


def kept_overrides(session: object) -> int:
    from deliberations.models import CompetenceDecision

    return CompetenceDecision.objects.filter(
        candidate_decision__deliberation__session=session,
        justification="Vu à l'oral.").count()


def _setup_postgresql(var_dir: Path, database_url: str) -> None:
    """Django on a test database created next to ``database_url`` (dropped at the end)."""
    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings.base", VAR_DIR=str(var_dir),
                      DATABASE_URL=database_url)
    import django
    from django.db import connection

    django.setup()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    options = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL")

    with tempfile.TemporaryDirectory(prefix="deliberation-bench-") as tmp:
        if database_url:
            _setup_postgresql(Path(tmp) / "var", database_url)
        else:
            setup_django(Path(tmp) / "var")
        from django.db import connection

        start = time.perf_counter()
        session, admin = build(options.candidates, "a")
        small, small_admin = build(max(1, options.candidates // 10), "b")
        print(f"built {options.candidates} candidates × {BLOCS * PER_BLOC} compétences × "
              f"{MEMBERS} members on {connection.vendor} in {time.perf_counter() - start:.1f} s")
        small_s, small_queries = propose(small, small_admin)
        print(f"propose {max(1, options.candidates // 10)} candidates: {small_s:.2f} s, "
              f"{small_queries} queries")
        propose_s, queries = propose(session, admin)
        print(f"propose {options.candidates} candidates: {propose_s:.2f} s, {queries} queries "
              "(target < 3 s)")
        overridden = president_overrides(session)
        repropose_s, repropose_queries = propose(session, admin)
        kept = kept_overrides(session)
        print(f"re-propose ({kept} of {overridden} overrides kept): {repropose_s:.2f} s, "
              f"{repropose_queries} queries (target < 3 s)")
        if kept != overridden:
            raise SystemExit("the re-proposal lost the president's overrides")
        if database_url:
            connection.creation.destroy_test_db(
                connection.settings_dict["NAME"].removeprefix("test_"), verbosity=0)

    print(f"propose_s={propose_s:.2f} queries={queries} small_queries={small_queries} "
          f"repropose_s={repropose_s:.2f} repropose_queries={repropose_queries} "
          f"candidates={options.candidates} "
          f"competences={BLOCS * PER_BLOC} members={MEMBERS}")


if __name__ == "__main__":
    main()
