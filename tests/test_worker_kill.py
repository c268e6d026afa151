"""A rendering worker killed with SIGKILL in the middle of a render loses nothing: after a
restart each document exists exactly once, with its number and its file.

The hard case, and the honest one: the whole worker dies at once (its process group —
the main process and its pool processes — receives SIGKILL, as with the OOM killer on a
container, ``docker kill`` or a lost host). Nobody is left to give the task back to the
broker (as the main process does when only a pool process dies): the messages stay
unacknowledged in Redis until the visibility timeout, a document stays "rendering" with a
claim nobody will finish, and a file may already be written but not recorded. A second,
ordinary worker must get the messages back from Redis, take over the stale claims,
replace the half-done file and render the rest — once each.

A real ``celery worker`` (prefork) on Redis and a database shared with the test (SQLite:
a file under a temporary ``VAR_DIR``; PostgreSQL: the test database). The first worker is
slowed down by ``tests/slow_worker.py`` so the kill lands mid-render; the broker's
visibility timeout and the stale-claim delay are made short through their settings.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.utils import timezone

BASE_DIR = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("CELERY_KILL_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
VISIBILITY_TIMEOUT = 10  # seconds before Redis hands an unacknowledged task out again
STALE_AFTER = 5  # seconds before a "rendering" claim is taken over (< the timeout)
CANDIDATES = 2  # 11 documents: minutes, and per candidate 1 transcript, 3 attestations,
# 1 certificate
BATCH = 4  # documents per render task, as DOCUMENT_RENDER_BATCH (smaller, so several)


@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    enrolment_id: int | None
    bloc_id: int | None
    number: str
    status: str
    file: str
    sha256: str
    public_id: str  # 32 hexadecimal digits


class SharedDatabase:
    """The database the workers write and the test reads. On PostgreSQL, the test
    database itself (committed to, and flushed afterwards, by ``transactional_db``). On
    SQLite, the test database lives in this process's memory: once seeded, it is copied
    to a file the workers open, and read back with raw SQL."""

    def __init__(self, tmp_path: Path) -> None:
        from django.db import connection

        self.sqlite_path: Path | None = None
        if connection.vendor == "postgresql":
            s = connection.settings_dict
            credentials = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
            self.url = (f"postgres://{credentials}@{s['HOST'] or 'localhost'}:"
                        f"{s['PORT'] or 5432}/{s['NAME']}")
        else:
            self.sqlite_path = tmp_path / "db.sqlite3"
            self.url = f"sqlite:///{self.sqlite_path}"

    def share(self) -> None:
        """Make what this process wrote visible to the workers."""
        from django.db import connection

        if self.sqlite_path is not None:
            connection.ensure_connection()
            target = sqlite3.connect(self.sqlite_path)
            connection.connection.backup(target)
            target.close()

    def rows(self) -> list[Row]:
        query = ("SELECT id, kind, enrolment_id, bloc_id, number, status, file, sha256, "
                 "public_id FROM reports_document ORDER BY id")
        if self.sqlite_path is not None:
            source = sqlite3.connect(self.sqlite_path, timeout=10)
            try:
                fetched = source.execute(query).fetchall()
            finally:
                source.close()
        else:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(query)
                fetched = cursor.fetchall()
        return [Row(*row[:8], uuid.UUID(str(row[8])).hex) for row in fetched]


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


def _signed_deliberation_issued(monkeypatch) -> tuple[int, list[int]]:
    """A signed deliberation of CANDIDATES certified candidates and its documents, pending
    rows; returns its id and the ids whose rendering the service enqueued."""
    from accounts.tests.factories import AdminFactory
    from certifications.models import Requirement
    from deliberations.models import CandidateDecision, Deliberation
    from deliberations.services import (
        deliberation_propose,
        deliberation_sign,
        requirement_tick,
    )
    from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
    from reports.services import documents_issue_for_deliberation

    setup = jury_setup()
    for enrolment in [enrol(setup) for _ in range(CANDIDATES)]:
        for assessment in setup.session.assessments.all():
            score_all(setup, enrolment, 1, assessment=assessment)
    deliberation_propose(session=setup.session, by=AdminFactory())
    deliberation = Deliberation.objects.get(session=setup.session)
    requirements = Requirement.objects.filter(
        certification=setup.session.referentiel.certification)
    for decision in CandidateDecision.objects.filter(deliberation=deliberation):
        for requirement in requirements:
            requirement_tick(decision=decision, requirement=requirement, met=True,
                             justification="Attesté.", by=setup.president.user)
    deliberation_sign(deliberation=deliberation, members_present=setup.members,
                      by=setup.president.user)
    enqueued: list[int] = []
    monkeypatch.setattr("reports.tasks.documents_render_task.delay_on_commit", enqueued.extend)
    documents_issue_for_deliberation(deliberation=Deliberation.objects.get(pk=deliberation.pk))
    return deliberation.pk, enqueued


def _enqueue_on_redis(deliberation_id: int, document_ids: list[int]) -> None:
    """What signing and issuing sent, sent to the workers' Redis (this process's own
    broker is in memory): the issue task (it will create nothing more), then the render
    tasks in batches of ``BATCH`` documents, routed to the ``pdf`` queue by
    CELERY_TASK_ROUTES."""
    from reports.tasks import documents_render_task, issue_for_deliberation_task

    with documents_render_task.app.connection_for_write(REDIS_URL) as connection:
        issue_for_deliberation_task.apply_async(args=[deliberation_id], connection=connection)
        for start in range(0, len(document_ids), BATCH):
            documents_render_task.apply_async(args=[document_ids[start:start + BATCH]],
                                              connection=connection)


def _env(var_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "DATABASE_URL", "MEDIA_ROOT")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base", VAR_DIR=str(var_dir),
        DATABASE_URL=database_url, REDIS_URL=REDIS_URL, PYTHONPATH=str(BASE_DIR),
        EMAIL_URL="filemail://", LOG_LEVEL="WARNING",
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        DOCUMENT_RENDER_STALE_AFTER=str(STALE_AFTER), **extra,
    )
    return env


def _worker(env: dict[str, str], log: Path, *, slow: bool) -> subprocess.Popen:
    """A prefork worker on the ``pdf`` queue, alone in a new process group."""
    command = ["-m", "tests.slow_worker"] if slow else ["-m", "celery"]
    return subprocess.Popen(
        [sys.executable, *command, "-A", "config", "worker", "-Q", "pdf", "--pool=prefork",
         "--concurrency=2", "--loglevel=WARNING", "--without-heartbeat", "--without-mingle",
         "--without-gossip"],
        env=env, cwd=BASE_DIR, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()}")


def _files(media: Path) -> dict[str, Path]:
    """The PDFs of the documents folder, by the 32 hexadecimal digits of their stem."""
    return {uuid.UUID(p.stem.split("_")[0]).hex: p
            for p in (media / "documents").glob("*/*") if p.is_file()}


@pytest.mark.worker
@pytest.mark.redis
def test_a_worker_killed_mid_render_loses_nothing_and_duplicates_nothing(
        transactional_db, tmp_path, monkeypatch):
    broker = _redis_or_skip()
    broker.flushdb()
    database = SharedDatabase(tmp_path)
    media = tmp_path / "media"
    env = _env(tmp_path, database.url)
    logs = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    workers: list[subprocess.Popen] = []
    try:
        # A signed deliberation: its documents are pending rows, their renders queued.
        deliberation_id, expected = _signed_deliberation_issued(monkeypatch)
        assert len(expected) == 1 + 5 * CANDIDATES
        database.share()
        assert {r.status for r in database.rows()} == {"pending"}
        _enqueue_on_redis(deliberation_id, expected)
        assert broker.llen("pdf") == 1 + math.ceil(len(expected) / BATCH)

        workers.append(_worker({**env, "SLOW_RENDER_BEFORE": "0.3",
                                "SLOW_RENDER_AFTER_WRITE": "1.5"}, logs[0], slow=True))

        def mid_render():
            # A document whose file is written but not yet recorded, and some untouched.
            rows, files = database.rows(), _files(media)
            unrecorded = [r for r in rows if r.status == "rendering" and r.public_id in files]
            return unrecorded and any(r.status == "pending" for r in rows) and rows

        at_kill = _wait(mid_render, 40, "a render in progress", logs[0])
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        half_done = {r.public_id for r in at_kill if r.status == "rendering"}
        # Killed outright, the worker acknowledged nothing: its tasks wait in Redis.
        assert broker.hlen("unacked") >= 1

        workers.append(_worker(env, logs[1], slow=False))

        def all_issued():
            rows = database.rows()
            return all(r.status == "issued" for r in rows) and rows

        rows = _wait(all_issued, 45, "every document issued", logs[1])
        # Every message acknowledged, none left queued (nor a late duplicate).
        _wait(lambda: broker.hlen("unacked") == 0 and broker.llen("pdf") == 0, 15,
              "the queue to drain", logs[1])
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait()
        broker.flushdb()

    # No document lost, none created again.
    assert sorted(r.id for r in rows) == sorted(expected)
    assert Counter((r.kind, r.enrolment_id, r.bloc_id) for r in rows).most_common(1)[0][1] == 1
    # The register: unique numbers, consecutive, no gap.
    numbers = sorted(int(r.number.split("-")[1]) for r in rows)
    assert numbers == list(range(numbers[0], numbers[0] + len(rows)))
    # One file per document, the recorded one, whose hash is the recorded hash; the file
    # left unrecorded by the killed worker was replaced, not doubled.
    assert sorted(p.relative_to(media).as_posix() for p in _files(media).values()) == sorted(
        r.file for r in rows)
    assert len([p for p in (media / "documents").rglob("*") if p.is_file()]) == len(rows)
    for row in rows:
        content = (media / row.file).read_bytes()
        assert content.startswith(b"%PDF")
        assert hashlib.sha256(content).hexdigest() == row.sha256
    assert half_done <= {r.public_id for r in rows}
    assert "Traceback" not in logs[1].read_text(), logs[1].read_text()


def test_the_short_delays_keep_their_order_in_production():
    """The test shortens these delays; the defaults must keep the same order: a running
    task is killed (hard time limit) before its claim is stale, and a claim is stale
    before Redis hands the task out again."""
    code = (
        "from config.settings import base as s;"
        "v = s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'];"
        "assert s.CELERY_TASK_TIME_LIMIT < s.DOCUMENT_RENDER_STALE_AFTER < v, v;"
        "assert s.CELERY_BROKER_TRANSPORT_OPTIONS['unacked_restore_interval'] <= 60"
    )
    env = {k: v for k, v in os.environ.items()
           if k not in ("CELERY_VISIBILITY_TIMEOUT", "DOCUMENT_RENDER_STALE_AFTER")}
    env.update(REDIS_URL="redis://127.0.0.1:6379/0", PYTHONPATH=str(BASE_DIR))
    subprocess.run([sys.executable, "-c", code], env=env, cwd=BASE_DIR, check=True,
                   timeout=60)
    assert VISIBILITY_TIMEOUT > STALE_AFTER


@pytest.mark.django_db
def test_a_file_left_unrecorded_by_a_killed_worker_is_replaced_not_doubled(
        monkeypatch, settings, tmp_path):
    from reports.models import Document
    from reports.services import document_render

    settings.MEDIA_ROOT = tmp_path / "media"
    _deliberation_id, ids = _signed_deliberation_issued(monkeypatch)
    monkeypatch.setattr("reports.documents.render_pdf",
                        lambda kind, context, *, language="fr": b"%PDF-1.7 new")
    document = Document.objects.get(pk=ids[0])
    left = settings.MEDIA_ROOT / "documents" / str(document.created_at.year) / (
        f"{document.public_id}.pdf")
    left.parent.mkdir(parents=True)
    left.write_bytes(b"%PDF-1.7 half writ")  # the killed worker's, never recorded
    Document.objects.filter(pk=document.pk).update(
        status="rendering", rendering_started_at=timezone.now() - datetime.timedelta(hours=1))

    document = document_render(document_id=document.pk)

    assert (document.status, document.file.name) == (
        "issued", left.relative_to(settings.MEDIA_ROOT).as_posix())
    assert left.read_bytes() == b"%PDF-1.7 new"
    assert document.sha256 == hashlib.sha256(b"%PDF-1.7 new").hexdigest()
    assert list(left.parent.iterdir()) == [left]


@pytest.mark.django_db
def test_a_task_finding_a_fresh_claim_looks_again_when_it_is_stale(monkeypatch, settings):
    """A pool process killed alone gives its task back at once (reject on worker lost):
    the task comes back while the dead process's claim is fresh. It must not be dropped,
    or the document would stay "rendering" for ever."""
    from reports.models import Document
    from reports.services import document_render

    settings.DOCUMENT_RENDER_STALE_AFTER = 60
    _deliberation_id, ids = _signed_deliberation_issued(monkeypatch)
    scheduled: list[dict] = []
    monkeypatch.setattr("reports.tasks.document_render_task.apply_async",
                        lambda **kwargs: scheduled.append(kwargs))
    Document.objects.filter(pk=ids[0]).update(
        status="rendering", rendering_started_at=timezone.now() - datetime.timedelta(seconds=20))

    assert document_render(document_id=ids[0]).status == "rendering"
    assert len(scheduled) == 1
    assert scheduled[0]["args"] == [ids[0]]
    assert 39 <= scheduled[0]["countdown"] <= 42
    # Issued, a document is left alone, and nothing is scheduled.
    Document.objects.filter(pk=ids[0]).update(status="issued")
    assert document_render(document_id=ids[0]).status == "issued"
    assert len(scheduled) == 1
