"""The demo_session command issues the signed session's documents, waits for them, and
prints what it issued."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certifications.importers.json_format import dumps
from certifications.tests.drafts import make_draft
from reports.models import Document, DocumentKind, DocumentStatus


@pytest.fixture
def referentiel_file(tmp_path: Path) -> Path:
    path = tmp_path / "referentiel.json"
    path.write_bytes(dumps(make_draft()))
    return path


def run(path: Path, *extra: str) -> dict:
    out = StringIO()
    call_command("demo_session", "--referentiel", str(path), "--candidates", "3",
                 "--members", "3", "--seed", "11", "--json", *extra, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_demo_session_issues_the_documents_and_reports_them(referentiel_file):
    result = run(referentiel_file, "--sign", "--issue-documents")
    assert result["errors"] == []
    documents = Document.objects.filter(session__public_id=result["session"])
    assert set(documents.values_list("status", flat=True)) == {DocumentStatus.ISSUED}
    assert result["documents"] == {
        kind: documents.filter(kind=kind).count() for kind in DocumentKind.values}
    assert result["documents"]["minutes"] == 1
    assert result["documents"]["transcript"] == result["candidates"] == 3
    assert result["documents"]["certificate"] == result["certified"]
    assert result["documents"]["bloc_attestation"] == result["blocs_validated"]
    assert sorted(result["verification_codes"]) == sorted(
        documents.values_list("verification_code", flat=True))


@pytest.mark.django_db
def test_demo_session_without_documents_reports_none(referentiel_file):
    result = run(referentiel_file, "--sign")
    assert result["documents"] == dict.fromkeys(DocumentKind.values, 0)
    assert result["verification_codes"] == []


def test_issue_documents_needs_sign(referentiel_file):
    with pytest.raises(CommandError, match="--sign"):
        run(referentiel_file, "--issue-documents")
