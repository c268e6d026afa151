"""What a user with Docker or a production server relies on, checked without either."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
# The Compose Specification schema (compose-spec/compose-spec, Apache-2.0), vendored.
COMPOSE_SCHEMA = BASE_DIR / "tests" / "fixtures" / "compose-spec.schema.json"


def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_the_compose_file_follows_the_compose_specification():
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(compose())


def test_the_compose_file_runs_every_part_of_the_product():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "test" in services[name]["healthcheck"], name
    assert "default,pdf" in services["worker"]["command"]
    assert services["web"]["environment"]["REDIS_URL"].startswith("redis://redis")
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://")
    # One image for web, worker and beat.
    assert len({services[name]["image"] for name in ("web", "worker", "beat")}) == 1


def test_the_image_is_debian_based_with_pango_for_weasyprint():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[2-9]-slim-(bookworm|trixie)", dockerfile, re.M)
    assert "libpango-1.0-0" in dockerfile


def test_production_settings_pass_the_deployment_checks():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "certification.example.org",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", ALLOWED_HOSTS="x.example")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
