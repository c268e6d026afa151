"""Background work leaves the request, on both brokers: the embedded filesystem broker
and Redis. Each test starts a real `celery worker` process and sends mail through the
real path (Django's send_mail → CeleryEmailBackend → broker → worker → delivery)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from config.celery_app import app

BASE_DIR = Path(__file__).resolve().parent.parent
REDIS_TEST_URL = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        VAR_DIR=str(var_dir),
        EMAIL_URL="filemail://",
        EMAIL_FILE_PATH=str(var_dir / "outbox"),
        PYTHONPATH=str(BASE_DIR),
        **extra,
    )
    return env


def _send_mail(env: dict[str, str], subject: str) -> None:
    code = (
        "import django; django.setup();"
        "from django.core.mail import send_mail;"
        f"send_mail({subject!r}, 'Bonjour', 'noreply@certif.example', ['c@certif.example'])"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=BASE_DIR, check=True, timeout=60)


def _delivered(outbox: Path, subject: str, timeout: float = 40) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.glob("*.log") if outbox.exists() else []:
            if subject in path.read_text(errors="replace"):
                return True
        time.sleep(0.3)
    return False


def _run_worker_and_send(env: dict[str, str], var_dir: Path) -> None:
    subject = f"Invitation {uuid.uuid4()}"
    # The message is queued before any worker runs: it must wait in the broker.
    _send_mail(env, subject)
    assert not _delivered(var_dir / "outbox", subject, timeout=1)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default,pdf",
         "--pool=solo", "--loglevel=WARNING", "--without-heartbeat", "--without-mingle",
         "--without-gossip"],
        env=env, cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        assert _delivered(var_dir / "outbox", subject), "the worker did not deliver the mail"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert "Traceback" not in output, output


@pytest.mark.worker
def test_it_runs_background_work_on_the_embedded_filesystem_broker(tmp_path):
    _run_worker_and_send(_env(tmp_path), tmp_path)
    assert not list((tmp_path / "broker" / "queue").glob("*")), "a message stayed queued"


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.mark.worker
@pytest.mark.redis
def test_it_runs_background_work_on_redis(tmp_path):
    if not _redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {REDIS_TEST_URL}")
        pytest.skip(f"no Redis at {REDIS_TEST_URL}")
    redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    _run_worker_and_send(_env(tmp_path, REDIS_URL=REDIS_TEST_URL), tmp_path)


@pytest.mark.worker
def test_the_worker_writes_its_log_to_the_logfile_as_bin_run_asks(tmp_path):
    """bin/run starts the worker with --logfile=var/log/worker.log: each task's line
    (received, succeeded or failed) lands there, not in the terminal."""
    env, subject, logfile = _env(tmp_path), f"Log {uuid.uuid4()}", tmp_path / "worker.log"
    _send_mail(env, subject)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default,pdf",
         "--pool=solo", "--loglevel=INFO", f"--logfile={logfile}", "--without-heartbeat",
         "--without-mingle", "--without-gossip"],
        env=env, cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        assert _delivered(tmp_path / "outbox", subject), "the worker did not deliver the mail"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    log = logfile.read_text()
    assert "INFO celery.app.trace Task accounts.tasks.email_send[" in log
    assert "INFO certassess.tasks accounts.tasks.email_send []: SUCCESS" in log
    assert "Bonjour" not in log  # a message's contents never reach the log
    assert "succeeded" in log
    assert "celery.app.trace" not in output


def test_each_task_run_logs_its_ids_and_outcome(caplog):
    from config.celery_app import log_the_outcome

    class Task:
        name = "reports.tasks.documents_render_task"

    with caplog.at_level("INFO", logger="certassess.tasks"):
        log_the_outcome(task=Task(), args=[[3, 4]], state="SUCCESS")
        log_the_outcome(task=Task(), args=[{"body": "Bonjour"}, 7, "token"], state="FAILURE")
    assert caplog.messages == ["reports.tasks.documents_render_task [[3, 4]]: SUCCESS",
                               "reports.tasks.documents_render_task [7]: FAILURE"]


def test_it_routes_document_rendering_to_the_pdf_queue():
    route = app.amqp.router.route({}, "reports.tasks.document_render")
    assert route["queue"].name == "pdf"
    assert app.amqp.router.route({}, "accounts.tasks.email_send")["queue"].name == "default"
    assert app.amqp.router.route({}, "notifications.tasks.send_message")["queue"].name == \
        "default"


def test_it_does_not_lose_work():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_always_eager is False
    assert conf.task_soft_time_limit < conf.task_time_limit


def test_time_limits_stay_below_the_redis_visibility_timeout(monkeypatch):
    code = (
        "from config.settings import base as s;"
        "assert s.CELERY_BROKER_URL.startswith('redis://'), s.CELERY_BROKER_URL;"
        "assert s.CELERY_TASK_TIME_LIMIT < s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout']"
    )
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/0", "PYTHONPATH": str(BASE_DIR)}
    subprocess.run([sys.executable, "-c", code], env=env, cwd=BASE_DIR, check=True, timeout=60)
