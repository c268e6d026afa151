"""Dashboard benchmark: a session of 500 candidates on a 7-bloc référentiel.

    .venv/bin/python bench/dashboard_bench.py [--candidates 500] [--runs 20]

Renders the session dashboard and a candidate space with Django's test client (server
time: middleware, views, templates) on a throw-away SQLite database in a temporary
VAR_DIR. The last line of the output is ``key=value`` pairs for ``bench/run_all.py``.
Target: dashboard < 500 ms; both pages run a constant number of queries.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_bench import setup_django

BLOCS, COMPETENCES = 7, 6


def build_session(candidates: int) -> tuple[object, object, object]:
    """A 7-bloc référentiel, a session, ``candidates`` enrolments (every third on chosen
    blocs, every fourth with a bloc acquired before); returns the session, an
    administrator and the user of the first candidate."""
    from accounts.models import Role, User
    from candidates.models import (
        AccessRoute,
        AcquiredBloc,
        AcquisitionOrigin,
        Candidate,
        Enrolment,
        Session,
        TargetBloc,
    )
    from certifications.services import referentiel_import
    from certifications.tests.drafts import make_draft

    referentiel = referentiel_import(
        draft=make_draft(blocs=BLOCS, competences=COMPETENCES)
    ).referentiel
    blocs = list(referentiel.blocs.all())
    session = Session.objects.create(
        referentiel=referentiel, name="Printemps 2027", place="Lyon",
        starts_on=datetime.date(2027, 3, 1), ends_on=datetime.date(2027, 6, 30),
    )
    admin = User.objects.create_user("admin@bench.example", role=Role.ADMIN)
    user = User.objects.create_user("candidat@bench.example", role=Role.CANDIDATE)
    people = Candidate.objects.bulk_create(
        Candidate(
            birth_name=f"Nom{index:04d}", first_names="Camille", email=f"c{index}@bench.example",
            birth_date=datetime.date(1990, 1, 1), birth_commune="Lyon", sex="F",
            identity_key=f"nom{index:04d}|camille|1990-01-01", user=user if index == 0 else None,
        )
        for index in range(candidates)
    )
    routes = list(AccessRoute)
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(candidate=person, session=session, access_route=routes[index % len(routes)],
                  whole_certification=index % 3 != 0, extra_time_percent=33 * (index % 5 == 0))
        for index, person in enumerate(people)
    )
    TargetBloc.objects.bulk_create(
        TargetBloc(enrolment=enrolment, bloc=blocs[index % BLOCS])
        for index, enrolment in enumerate(enrolments) if index % 3 == 0
    )
    AcquiredBloc.objects.bulk_create(
        AcquiredBloc(enrolment=enrolment, bloc=blocs[(index + 1) % BLOCS],
                     acquired_on=datetime.date(2025, 6, 1), origin=AcquisitionOrigin.VAE)
        for index, enrolment in enumerate(enrolments) if index % 4 == 0
    )
    return session, admin, user


def measure(get: Callable[[], object], runs: int) -> tuple[float, float, int]:
    """p50 and p95 in ms over ``runs`` requests after one warm-up, and the query count."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # each request clears the log: the capture must start from empty
    with CaptureQueriesContext(connection) as queries:
        response = get()
    assert response.status_code == 200, response.status_code
    count = len(queries)  # read now: the next request clears the connection's log
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        get()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as tmp:
        setup_django(Path(tmp) / "var")
        (Path(tmp) / "var" / "static").mkdir()  # STATIC_ROOT, which WhiteNoise checks
        from django.conf import settings
        from django.test import Client
        from django.test.utils import override_settings, setup_test_environment
        from django.urls import reverse

        setup_test_environment()  # the test client's host, locmem e-mail
        # No collectstatic in a temporary VAR_DIR: plain static URLs instead of the manifest.
        storages = {**settings.STORAGES, "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
        with override_settings(STORAGES=storages):
            start = time.perf_counter()
            session, admin, user = build_session(options.candidates)
            print(f"built {options.candidates} enrolments on {BLOCS} blocs × {COMPETENCES} "
                  f"compétences in {time.perf_counter() - start:.1f} s")

            staff, candidate = Client(), Client()
            staff.force_login(admin)
            candidate.force_login(user)
            dashboard = reverse("candidates:session_dashboard", args=[session.public_id])
            space = reverse("candidates:space")
            dash_p50, dash_p95, dash_queries = measure(lambda: staff.get(dashboard),
                                                       options.runs)
            print(f"dashboard: p50 {dash_p50:.0f} ms, p95 {dash_p95:.0f} ms, "
                  f"{dash_queries} queries (target < 500 ms)")
            csv_p50, _, csv_queries = measure(lambda: staff.get(dashboard, {"export": "csv"}),
                                              max(1, options.runs // 4))
            print(f"dashboard CSV export: p50 {csv_p50:.0f} ms, {csv_queries} queries")
            space_p50, space_p95, space_queries = measure(lambda: candidate.get(space),
                                                          options.runs * 2)
            print(f"candidate space: p50 {space_p50:.1f} ms, p95 {space_p95:.1f} ms, "
                  f"{space_queries} queries")

    print(
        f"candidates={options.candidates} blocs={BLOCS} "
        f"dashboard_ms={dash_p50:.0f} dashboard_p95_ms={dash_p95:.0f} "
        f"dashboard_queries={dash_queries} csv_ms={csv_p50:.0f} "
        f"space_ms={space_p50:.1f} space_p95_ms={space_p95:.1f} space_queries={space_queries}"
    )


if __name__ == "__main__":
    main()
