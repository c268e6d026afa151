"""Page timings on the large dataset of ``bench/generate.py``.

    .venv/bin/python bench/generate.py            # first: fill the bench database
    .venv/bin/python bench/page_bench.py [--runs 20] [--explain]

Renders the pages people open most, on the database at ``BENCH_LARGE_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/certbench``; read only: nothing is written but
sessions), with Django's test client (server time: middleware, views, templates, the
database; no network): the candidate space of the candidate with the most documents,
the scoring grid of the épreuve with the most compétences of a session being scored,
the dashboard of the largest signed session, the jury member's home of the member with
the most assignments, the president's side-by-side scores and the documents list of the
largest session, the audit trail (first page, and filtered by a session) and the public
verification page. Each page: p50 and p95 over ``--runs`` requests after one warm-up
(fewer when a page is slow: at most ~``--budget`` seconds a page) and the SQL query
count. ``--explain`` prints ``EXPLAIN ANALYZE`` of each page's slowest queries.
The last line is ``key=value`` pairs for ``bench/run_all.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import ADMIN_EMAIL, bench_database_url, setup_django


@dataclass(frozen=True)
class Page:
    key: str  # short name in the figures
    what: str
    login: str  # e-mail of the user who opens it
    url: str


def pages() -> list[Page]:
    """The pages to time, each on the biggest object of its kind in the database."""
    from django.db.models import Count
    from django.urls import reverse

    from assessments.models import Sitting
    from candidates.models import Session
    from deliberations.models import Deliberation
    from juries.models import Assignment, JuryMember
    from reports.models import Document

    found: list[Page] = []
    holder = (Document.objects.filter(enrolment__isnull=False).values("enrolment")
              .annotate(n=Count("pk")).order_by("-n", "enrolment")[:1])
    if holder:
        document = Document.objects.select_related("enrolment__candidate__user").filter(
            enrolment=holder[0]["enrolment"]).first()
        found.append(Page("space", "candidate space (signed, published, most documents)",
                          document.enrolment.candidate.user.email, reverse("candidates:space")))
        found.append(Page("verify", "public verification page", "",
                          reverse("reports:verify", args=[document.verification_code])))
    scoring = (Sitting.objects.filter(assessment__session__deliberation__isnull=True,
                                      scores__isnull=False)
               .annotate(n=Count("assessment__modality__competences", distinct=True))
               .order_by("-n", "pk").first())
    if scoring is not None:
        member = Assignment.objects.filter(sitting=scoring).select_related(
            "member__user").order_by("pk").first().member
        found.append(Page("grid", "scoring grid (épreuve with the most compétences)",
                          member.user.email, reverse("juries:grid", args=[scoring.public_id])))
    signed = (Session.objects.filter(deliberation__status=Deliberation.Status.SIGNED)
              .annotate(n=Count("assessments__sittings")).order_by("-n", "pk").first())
    if signed is not None:
        found.append(Page("dashboard", "session dashboard (largest signed session)",
                          ADMIN_EMAIL, reverse("candidates:session_dashboard",
                                               args=[signed.public_id])))
        found.append(Page("scores", "president's side-by-side scores (same session)",
                          ADMIN_EMAIL, reverse("juries:session_scores",
                                               args=[signed.public_id])))
        found.append(Page("documents", "documents of the session (same session)",
                          ADMIN_EMAIL, reverse("reports:session_documents",
                                               args=[signed.public_id])))
        found.append(Page("audit_session", "audit trail filtered by that session",
                          ADMIN_EMAIL, f"{reverse('juries:audit_log')}?session="
                                       f"{signed.public_id}"))
    busiest = (JuryMember.objects.annotate(n=Count("assignments")).order_by("-n", "pk")
               .select_related("user").first())
    if busiest is not None:
        found.append(Page("member_home", "jury member's home (most assignments)",
                          busiest.user.email, reverse("deliberations:member_home")))
    found.append(Page("audit", "audit trail, first page", ADMIN_EMAIL,
                      reverse("juries:audit_log")))
    return found


@dataclass(frozen=True)
class Timing:
    p50: float
    p95: float
    runs: int
    queries: int
    slowest: list[tuple[float, str]]  # (ms, sql) of the warm-up request
    size_kb: float


def measure(get: Callable[[], object], runs: int, budget: float) -> Timing:
    """One warm-up request counted and captured, then up to ``runs`` timed ones (fewer
    when ``budget`` seconds are spent, at least three)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        response = get()
    status = getattr(response, "status_code", 0)
    if status != 200:
        raise SystemExit(f"status {status}")
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < runs and (len(times) < 3 or time.perf_counter() - started < budget):
        start = time.perf_counter()
        get()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return Timing(statistics.median(times), p95, len(times), len(queries),
                  sorted(queries, reverse=True)[:3], len(response.content) / 1024)


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(f"      {row[0]}" for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--budget", type=float, default=30, help="seconds at most a page")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN ANALYZE the three slowest queries of each page")
    options = parser.parse_args()

    setup_django(bench_database_url())
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    from accounts.models import User
    from candidates.models import Candidate
    from reports.models import Document

    setup_test_environment()  # the test client's host
    storages = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    figures: dict[str, str] = {
        "candidates": str(Candidate.objects.count()),
        "documents": str(Document.objects.count()),
    }
    with override_settings(STORAGES=storages, DEBUG=False):
        found = pages()
        if not found:
            raise SystemExit("the bench database is empty: run bench/generate.py first")
        for page in found:
            client = Client()
            if page.login:
                client.force_login(User.objects.get(email=page.login))
            timing = measure(lambda client=client, page=page: client.get(page.url),
                             options.runs, options.budget)
            print(f"{page.what}: p50 {timing.p50:.0f} ms, p95 {timing.p95:.0f} ms "
                  f"({timing.runs} runs), {timing.queries} queries, "
                  f"{timing.size_kb:.0f} KB", flush=True)
            if options.explain:
                for ms, sql in timing.slowest:
                    print(f"    {ms:.1f} ms: {sql[:300]}")
                    print(explain(sql))
            figures |= {f"{page.key}_ms": f"{timing.p50:.0f}",
                        f"{page.key}_p95_ms": f"{timing.p95:.0f}",
                        f"{page.key}_queries": str(timing.queries)}
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
