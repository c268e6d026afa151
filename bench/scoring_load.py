"""Scoring load: jury members save grid cells at once on gunicorn and PostgreSQL.

    .venv/bin/python bench/scoring_load.py [--seconds 60] [--members 40]

Recreates the PostgreSQL database at ``BENCH_DATABASE_URL`` (loopback only; default
``postgres://postgres@127.0.0.1:5432/bench_scoring``), migrates it, builds a session
through the services (a 4-bloc × 5-compétence référentiel, one assessment, each member
assigned to their own candidates' sittings), starts gunicorn on 127.0.0.1 with the
production settings, signs every member in through the login form, then has each member
save cells of their grid (htmx POST, the version they last got sent back) until the time
is up. Gunicorn stopped, every cell is checked in the database: the level and comment
its single writer last saw acknowledged, and one version per acknowledged write.
The last line is ``key=value`` pairs for ``bench/run_all.py``.
Target: 0 errors, 0 lost updates, p95 < 150 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
DEFAULT_DATABASE_URL = f"postgres://postgres@{LOOPBACK}:5432/bench_scoring"
SITTINGS_PER_MEMBER = 3
MAX_REQUESTS_PER_MEMBER = 20_000  # a bound whatever --seconds says
LOGIN_RETRIES, LOGIN_RETRY_SECONDS = 20, 5.0
PASSWORD = secrets.token_urlsafe(16)
VERSION_INPUT = re.compile(r"<input\b[^>]*\bname=\"version\"[^>]*>")
VALUE = re.compile(r"\bvalue=\"(\d+)\"")
CSRF_INPUT = re.compile(r"name=\"csrfmiddlewaretoken\" value=\"([^\"]+)\"")


# -- database and server -----------------------------------------------------------------
def loopback_database(url: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in (LOOPBACK, "localhost") or not parts.path.strip("/"):
        raise SystemExit(f"BENCH_DATABASE_URL must name a database on {LOOPBACK}: {url}")
    return parts


def recreate_database(parts: urllib.parse.SplitResult) -> None:
    """Drop and create the bench database, so that runs are independent."""
    import psycopg
    from psycopg import sql

    name = parts.path.strip("/")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def server_environment(database_url: str, var_dir: Path, settings: str) -> dict[str, str]:
    """The production settings on the bench database, nothing else of this machine's."""
    kept = {k: v for k, v in os.environ.items()
            if k not in ("REDIS_URL", "MEDIA_ROOT", "STATIC_ROOT", "EMAIL_FILE_PATH")}
    return kept | {
        "DJANGO_SETTINGS_MODULE": settings,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": LOOPBACK,
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var_dir),
    }


def manage(env: dict[str, str], *args: str) -> None:
    # Our own manage.py with our own interpreter.
    subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env,  # noqa: S603
                   check=True, capture_output=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "config.wsgi:application", "--bind", f"{LOOPBACK}:{port}",
               "--workers", str(workers), "--threads", "1", "--log-level", "warning"]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out,  # noqa: S603
                                stderr=subprocess.STDOUT)


def wait_healthy(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# -- data, built through the services ----------------------------------------------------
@dataclass(frozen=True)
class Cell:
    sitting: str  # public id
    competence: int


@dataclass(frozen=True)
class Member:
    email: str
    grid: str  # the grid page of their first sitting
    cells: tuple[Cell, ...]


def build(members: int) -> list[Member]:
    """A session whose assessment has ``SITTINGS_PER_MEMBER`` candidates per member, each
    member assigned to their own; returns what each member's browser needs."""
    import datetime

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import Role, User
    from accounts.services import user_create
    from assessments.services import assessment_create
    from candidates.models import AccessRoute
    from candidates.services import (
        EnrolmentTerms,
        Identity,
        candidate_create,
        enrolment_create,
        session_create,
    )
    from certifications.services import referentiel_import
    from certifications.tests.drafts import make_draft
    from juries.models import Quality
    from juries.services import assignment_create, jury_compose, jury_member_ensure

    referentiel = referentiel_import(draft=make_draft(blocs=4, competences=5)).referentiel
    admin = user_create(email="admin@bench.example", role=Role.ADMIN, email_verified=True)
    today = datetime.date.today()
    session = session_create(referentiel=referentiel, name="Charge de notation",
                             starts_on=today, ends_on=today + datetime.timedelta(days=60))
    enrolments = [
        enrolment_create(candidate=candidate_create(identity=Identity(
            birth_name=f"Nom{index:04d}", first_names="Camille",
            birth_date=datetime.date(1990, 1, 1) + datetime.timedelta(days=index),
            birth_commune="Lyon", birth_insee_code="69123", sex="F",
        )), session=session, terms=EnrolmentTerms(access_route=AccessRoute.CONTINUING),
            invite=False)
        for index in range(members * SITTINGS_PER_MEMBER)
    ]
    modality = referentiel.modalities.get()
    assessment = assessment_create(session=session, modality=modality,
                                   starts_at=timezone.now(), place="Salle 1",
                                   enrolments=enrolments, created_by=admin)
    jurors = [
        jury_member_ensure(user=user_create(email=f"jure{index:02d}@bench.example",
                                            role=Role.JURY, email_verified=True),
                           quality=Quality.EMPLOYER, organisation=f"Entreprise {index}")
        for index in range(members)
    ]
    # One hash for all: hashing 40 passwords one by one would take longer than the run.
    User.objects.filter(role=Role.JURY).update(password=make_password(PASSWORD))
    jury_compose(session=session, members=jurors, president=jurors[0], composed_by=admin)
    sittings = list(assessment.sittings.select_related(
        "assessment__session", "enrolment__candidate").order_by("pk"))
    competences = list(modality.competences.order_by("pk").values_list("pk", flat=True))
    plans = []
    for index, juror in enumerate(jurors):
        own = sittings[index * SITTINGS_PER_MEMBER:(index + 1) * SITTINGS_PER_MEMBER]
        for sitting in own:
            assignment_create(sitting=sitting, member=juror, assigned_by=admin)
        cells = tuple(Cell(str(s.public_id), c) for s in own for c in competences)
        plans.append(Member(juror.user.email, grid_path(own[0].public_id), cells))
    return plans


def grid_path(sitting: object) -> str:
    return f"/jury/sittings/{sitting}/"


def cell_path(cell: Cell) -> str:
    return f"/jury/sittings/{cell.sitting}/competences/{cell.competence}/"


def endpoint_missing(cell: Cell) -> str | None:
    """Why the grid's save URL cannot be loaded, if it is not routed in this tree."""
    from django.urls import Resolver404, resolve

    try:
        resolve(cell_path(cell))
    except Resolver404:
        return (f"the grid save URL {cell_path(cell)} is not routed (juries/views/grid.py "
                "not written yet)")
    return None


# -- one member's browser ----------------------------------------------------------------
class Browser:
    """Plain HTTP/1.1 to the loopback server with its own cookies. The production
    cookies are marked Secure, which a cookie jar would withhold over http: they are
    kept and sent back by hand."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, str]:
        sent = {"Accept-Language": "fr", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies |= {name: morsel.value for name, morsel in SimpleCookie(header).items()}
        return response.status, text

    def log_in(self, email: str) -> int:
        """Sign in through the login form; returns how many times the login rate limit
        (allauth: 30 a minute per address, and every member comes from 127.0.0.1) made
        it wait."""
        status, page = self.send("GET", "/accounts/login/")
        token = CSRF_INPUT.search(page)
        if status != 200 or token is None:
            raise RuntimeError(f"login page: HTTP {status}")
        form = {"login": email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        waited = 0
        status, _page = self.send("POST", "/accounts/login/", form)
        while status == 429 and waited < LOGIN_RETRIES:
            time.sleep(LOGIN_RETRY_SECONDS)
            waited += 1
            status, _page = self.send("POST", "/accounts/login/", form)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {email}: HTTP {status}")
        return waited


def version_in(partial: str) -> int | None:
    """The hidden ``version`` input of the returned cell."""
    tag = VERSION_INPUT.search(partial)
    value = VALUE.search(tag.group(0)) if tag else None
    return int(value.group(1)) if value else None


@dataclass
class Tally:
    """What one member saw: latencies, failures, and per cell what was acknowledged."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    conflicts: int = 0
    uncertain: set[Cell] = field(default_factory=set)  # no answer: the write may be in
    versions: dict[Cell, int] = field(default_factory=dict)
    writes: dict[Cell, int] = field(default_factory=dict)
    saved: dict[Cell, tuple[int, str]] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)  # first unexpected answers


def save_cell(browser: Browser, cell: Cell, tally: Tally, level: int, comment: str) -> None:
    version = tally.versions.get(cell, 0)
    form = {"level": str(level), "comment": comment, "version": str(version)}
    headers = {"HX-Request": "true", "X-CSRFToken": browser.cookies.get("csrftoken", "")}
    start = time.perf_counter()
    try:
        status, body = browser.send("POST", cell_path(cell), form, headers)
    except (OSError, http.client.HTTPException) as error:
        tally.errors += 1
        tally.uncertain.add(cell)
        tally.samples.append(f"{cell_path(cell)}: {error!r}")
        return
    tally.latencies.append((time.perf_counter() - start) * 1000)
    acknowledged = version_in(body) if status == 200 else None
    if acknowledged is not None:
        tally.versions[cell] = acknowledged
        tally.writes[cell] = tally.writes.get(cell, 0) + 1
        tally.saved[cell] = (level, comment)
        return
    tally.errors += 1  # a single writer per cell: even a 409 is unexpected here
    tally.conflicts += status == 409
    tally.versions[cell] = version_in(body) or version
    if len(tally.samples) < 3:
        tally.samples.append(f"{cell_path(cell)}: HTTP {status} {body[:200]!r}")


def member_load(browser: Browser, member: Member, deadline: float, think: float,
                tally: Tally) -> None:
    """Save the member's cells in turn until the deadline (or the request cap), pausing
    ``think`` seconds on average between two saves (0: back to back)."""
    rng = random.Random(member.email)
    for count in range(MAX_REQUESTS_PER_MEMBER):
        if time.monotonic() >= deadline:
            return
        cell = member.cells[count % len(member.cells)]
        if cell in tally.uncertain:
            continue
        save_cell(browser, cell, tally, rng.randint(1, 4), f"{member.email} n°{count}")
        if think:
            time.sleep(rng.uniform(0.5, 1.5) * think)


def run_load(port: int, members: list[Member], seconds: float,
             think: float) -> tuple[list[Tally], float]:
    browsers = [Browser(port) for _ in members]
    limited = sum(browser.log_in(member.email)
                  for browser, member in zip(browsers, members, strict=True))
    for browser, member in zip(browsers, members, strict=True):
        status, _page = browser.send("GET", member.grid)
        if status != 200:
            raise RuntimeError(f"grid of {member.email}: HTTP {status}")
    if limited:
        print(f"signed in {len(members)} members; the login rate limit made them wait "
              f"{limited * LOGIN_RETRY_SECONDS:.0f} s in all (not counted in the figures)")
    tallies = [Tally() for _ in members]
    start = time.monotonic()
    threads = [threading.Thread(target=member_load, args=(b, m, start + seconds, think, t))
               for b, m, t in zip(browsers, members, tallies, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tallies, time.monotonic() - start


# -- the check ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    lost_updates: int  # a level or comment other than the last acknowledged one
    version_mismatches: int  # a version other than the number of acknowledged writes
    unexpected_rows: int  # a score no one saw acknowledged


def check_database(members: list[Member], tallies: list[Tally]) -> Check:
    from assessments.models import Score

    stored = {
        (email, Cell(str(sitting), competence)): (level, comment, version)
        for email, sitting, competence, level, comment, version in Score.objects.values_list(
            "scorer__email", "sitting__public_id", "competence_id", "level", "comment", "version")
    }
    lost = mismatched = 0
    expected = set()
    for member, tally in zip(members, tallies, strict=True):
        for cell, (level, comment) in tally.saved.items():
            if cell in tally.uncertain:
                continue
            expected.add((member.email, cell))
            row = stored.get((member.email, cell))
            lost += row is None or row[:2] != (level, comment)
            mismatched += row is None or row[2] != tally.writes[cell]
    uncertain = {(m.email, c) for m, t in zip(members, tallies, strict=True) for c in t.uncertain}
    return Check(lost, mismatched, len(set(stored) - expected - uncertain))


def percentile(values: list[float], share: int) -> float:
    return statistics.quantiles(values, n=100)[share - 1] if len(values) > 1 else 0.0


# -- the run -----------------------------------------------------------------------------
def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    for name in ("REDIS_URL", "MEDIA_ROOT", "STATIC_ROOT", "EMAIL_FILE_PATH"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def report(tallies: list[Tally], elapsed: float, check: Check) -> None:
    latencies = [ms for tally in tallies for ms in tally.latencies]
    requests = len(latencies) + sum(len(t.uncertain) for t in tallies)
    errors = sum(t.errors for t in tallies)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    for sample in [s for t in tallies for s in t.samples][:5]:
        print(f"  unexpected: {sample}")
    print(f"{requests} saves in {elapsed:.1f} s ({requests / elapsed:.0f}/s), {errors} errors "
          f"({sum(t.conflicts for t in tallies)} conflicts, "
          f"{sum(len(t.uncertain) for t in tallies)} unanswered)")
    print(f"latency: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(latencies, default=0):.0f} ms"
          " (target p95 < 150 ms)")
    print(f"database: {check.lost_updates} lost updates, {check.version_mismatches} versions "
          f"off the acknowledged writes, {check.unexpected_rows} unacknowledged rows")
    print(f"requests={requests} errors={errors} lost_updates={check.lost_updates} "
          f"version_mismatches={check.version_mismatches} p50_ms={p50:.0f} p95_ms={p95:.0f} "
          f"rps={requests / elapsed:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--workers", type=int, default=4)
    # A member saves a cell at most about once a second while scoring a candidate;
    # --think-ms 0 is the saturation test (latency is then members ÷ throughput).
    parser.add_argument("--think-ms", type=float, default=1000,
                        help="mean pause of a member between two saves (0: back to back)")
    parser.add_argument("--settings", default="config.settings.production",
                        help="settings module of the server (to compare a variant)")
    options = parser.parse_args()
    if not 0 < options.seconds <= 600 or not 0 < options.members <= 200:
        raise SystemExit("--seconds must be in (0, 600] and --members in (0, 200]")

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    recreate_database(loopback_database(database_url))
    with tempfile.TemporaryDirectory(prefix="scoring-load-") as tmp:
        env = server_environment(database_url, Path(tmp) / "var", options.settings)
        started = time.perf_counter()
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        setup_django(env)
        members = build(options.members)
        print(f"migrated and built {options.members} members × {SITTINGS_PER_MEMBER} "
              f"sittings × {len(members[0].cells) // SITTINGS_PER_MEMBER} compétences "
              f"in {time.perf_counter() - started:.1f} s")
        missing = endpoint_missing(members[0].cells[0])
        if missing:
            raise SystemExit(f"cannot load: {missing}")
        from django.db import connections

        connections.close_all()
        port, log = free_port(), Path(tmp) / "gunicorn.log"
        server = start_gunicorn(env, port, options.workers, log)
        try:
            wait_healthy(port, server)
            print(f"gunicorn: {options.workers} workers on {LOOPBACK}:{port}; "
                  f"{options.members} members saving for {options.seconds:.0f} s, "
                  f"{options.think_ms:.0f} ms between two saves of a member")
            tallies, elapsed = run_load(port, members, options.seconds,
                                        options.think_ms / 1000)
        finally:
            stop(server)
            sys.stdout.write("".join(log.read_text().splitlines(keepends=True)[-5:]))
        check = check_database(members, tallies)
    report(tallies, elapsed, check)


if __name__ == "__main__":
    main()
