"""The backup and restore of docs/operations.md, round trip: pg_dump (custom format) of the
database and a tar of the media folder, restored into a fresh database and a fresh folder;
there every issued document still verifies (public page valid, file present, SHA-256 as in
the register). PostgreSQL only."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from reports.models import Document, DocumentStatus
from reports.services import document_render, documents_issue_for_deliberation
from reports.tests.conftest import enqueued, signed  # noqa: F401 - fixtures

BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="pg_dump / pg_restore round trip: PostgreSQL only (set "
                              "DATABASE_URL=postgres://…)"),
    # The dump must see the rows: they are committed, not kept in a test transaction.
    pytest.mark.django_db(transaction=True),
]

# Run in the restored copy: each issued document's verification page, file and hash.
CHECK = """
import hashlib, json
from django.test import Client
from django.test.utils import setup_test_environment
from reports.models import Document
setup_test_environment()
client, found = Client(), {}
for document in Document.objects.filter(status="issued"):
    page = client.get(f"/verify/{document.verification_code}/")
    storage, name = document.file.storage, document.file.name
    present = bool(name) and storage.exists(name)
    digest = hashlib.sha256(storage.open(name).read()).hexdigest() if present else None
    found[document.verification_code] = {
        "page": page.status_code, "valid": page.context["document"].is_valid,
        "file": present, "sha256_matches": digest == document.sha256,
    }
print(json.dumps(found))
"""


def pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGHOST": db["HOST"] or "127.0.0.1", "PGPORT": str(db["PORT"] or 5432),
           "PGUSER": db["USER"] or "postgres"}
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def run(*command: str | Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(part) for part in command], env=env or pg_env(),
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{command[0]}: {result.stdout}{result.stderr}"
    return result.stdout


def check_restored(database: str, media: Path, var: Path) -> dict[str, dict]:
    """CHECK run by manage.py in the restored copy, as an operator would after a restore
    (test settings: static files from the finders, no collectstatic)."""
    db = settings.DATABASES["default"]
    env = pg_env()
    url = f"postgres://{env['PGUSER']}@{env['PGHOST']}:{env['PGPORT']}/{database}"
    if db["PASSWORD"]:
        url = url.replace("@", f":{db['PASSWORD']}@", 1)
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=url,
               MEDIA_ROOT=str(media), VAR_DIR=str(var), SECRET_KEY=secrets.token_urlsafe(50),
               REDIS_URL="", AWS_STORAGE_BUCKET_NAME="")
    output = run(sys.executable, BASE_DIR / "manage.py", "shell", "-c", CHECK, env=env)
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture
def distinct_pdfs(monkeypatch) -> None:
    """A stub renderer whose bytes differ for each document (so each hash says which)."""
    def render_pdf(kind: str, context: dict, *, language: str = "fr") -> bytes:
        return f"%PDF-1.7 {kind} {context['document']['number']}".encode()

    monkeypatch.setattr("reports.documents.render_pdf", render_pdf)


@pytest.fixture
def restored_database():
    name = f"{settings.DATABASES['default']['NAME']}_restore"
    run("dropdb", "--if-exists", name)
    yield name
    run("dropdb", "--if-exists", name)


def test_every_issued_document_still_verifies_after_a_restore(
        signed, enqueued, distinct_pdfs, restored_database, tmp_path):  # noqa: F811
    for document in documents_issue_for_deliberation(deliberation=signed.deliberation):
        document_render(document_id=document.pk)
    issued = {d.verification_code: d.sha256
              for d in Document.objects.filter(status=DocumentStatus.ISSUED)}
    assert len(issued) >= 4  # transcripts, attestations, a certificate, the minutes
    assert len(set(issued.values())) == len(issued)
    media = Path(settings.MEDIA_ROOT)
    backup = tmp_path / "backup"
    backup.mkdir()

    # Backup, in the documented order: the database first, then the files.
    database = settings.DATABASES["default"]["NAME"]
    run("pg_dump", "--format=custom", "--file", backup / "certassess.dump", database)
    run("tar", "-C", media, "-czf", backup / "media.tar.gz", ".")

    # Restore into a fresh database and a fresh folder.
    restored_media = tmp_path / "restored" / "media"
    restored_media.mkdir(parents=True)
    run("createdb", restored_database)
    run("pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
        "--dbname", restored_database, backup / "certassess.dump")
    run("tar", "-C", restored_media, "-xzf", backup / "media.tar.gz")
    shutil.rmtree(media)  # nothing can be read from the original folder any more

    found = check_restored(restored_database, restored_media, tmp_path / "var")
    assert set(found) == set(issued)
    assert all(result == {"page": 200, "valid": True, "file": True, "sha256_matches": True}
               for result in found.values()), found

    # The check does see a damaged copy: a file altered after the restore.
    altered = Document.objects.filter(status=DocumentStatus.ISSUED).first()
    (restored_media / altered.file.name).write_bytes(b"%PDF-1.7 altered")
    found = check_restored(restored_database, restored_media, tmp_path / "var")
    assert found[altered.verification_code]["sha256_matches"] is False
    assert sum(not result["sha256_matches"] for result in found.values()) == 1
