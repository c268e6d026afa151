"""Certifications and their versions, read through the API: administrators and jury
members read every référentiel (a nested tree), candidates none; imports are listed for
administrators only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candidates.tests.factories import make_referentiel
from certifications.importers import json_format
from certifications.models import Competence, Criterion, Modality
from certifications.tests.drafts import make_draft
from tests.api.conftest import session_client

pytestmark = pytest.mark.django_db

CERTIFICATIONS = "/api/v1/certifications/"
REFERENTIELS = "/api/v1/referentiels/"


def test_administrators_and_jury_members_read_certifications(alice, bob):
    referentiel = make_referentiel(code="RNCP11111")
    make_referentiel(code="RNCP22222")
    for user in (alice, bob):
        client = session_client(user)
        body = client.get(CERTIFICATIONS, {"ordering": "-code"}).json()
        assert [row["code"] for row in body["results"]] == ["RNCP22222", "RNCP11111"]
        one = client.get(CERTIFICATIONS, {"code": "RNCP11111"}).json()["results"]
        assert one[0]["versions"][0]["id"] == str(referentiel.public_id)
        detail = client.get(f"{CERTIFICATIONS}{one[0]['id']}/").json()
        assert detail["code"] == "RNCP11111"


def test_a_candidate_reads_none(charlie):
    referentiel = make_referentiel()
    client = session_client(charlie)
    assert client.get(CERTIFICATIONS).json()["results"] == []
    assert client.get(REFERENTIELS).json()["results"] == []
    assert client.get(f"{REFERENTIELS}{referentiel.public_id}/").status_code == 404
    certification = referentiel.certification
    assert client.get(f"{CERTIFICATIONS}{certification.public_id}/").status_code == 404


def test_a_version_reads_whole_in_constant_queries(alice):
    small = make_referentiel(code="RNCP11111", blocs=1, competences=1)
    large = make_referentiel(code="RNCP22222", blocs=4, competences=5)
    client = session_client(alice)
    client.get(f"{REFERENTIELS}{small.public_id}/")  # session and translations warmed up
    counts = []
    for referentiel in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{REFERENTIELS}{referentiel.public_id}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    body = response.json()
    assert body["certification_code"] == "RNCP22222"
    assert len(body["blocs"]) == 4
    competences = [c for bloc in body["blocs"] for c in bloc["competences"]]
    assert len(competences) == Competence.objects.filter(bloc__referentiel=large).count()
    criteria = [c for bloc in body["blocs"] for c in bloc["criteria"]]
    assert len(criteria) == Criterion.objects.filter(bloc__referentiel=large).count()
    assert len(body["modalities"]) == Modality.objects.filter(referentiel=large).count()
    assert [level["number"] for level in body["scale"]["levels"]] == [1, 2, 3, 4]


def test_versions_are_filtered(alice):
    make_referentiel(code="RNCP11111")
    make_referentiel(code="RNCP22222")
    client = session_client(alice)
    rows = client.get(REFERENTIELS, {"certification": "RNCP22222"}).json()["results"]
    assert [row["certification_code"] for row in rows] == ["RNCP22222"]
    assert client.get(REFERENTIELS, {"locked": "true"}).json()["results"] == []


def test_imports_are_listed_for_administrators_only(alice, bob):
    upload = SimpleUploadedFile("referentiel.json", json_format.dumps(make_draft()))
    created = session_client(alice).post("/api/v1/imports/", {"file": upload, "dry_run": "true"},
                                         format="multipart")
    assert created.status_code == 201
    rows = session_client(alice).get("/api/v1/imports/", {"status": "pending"}).json()
    assert rows["count"] == 1
    assert session_client(bob).get("/api/v1/imports/").status_code == 404
