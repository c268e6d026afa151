"""The import API (POST /api/v1/imports/, GET and confirm one), tried by alice
(administrator), bob (jury), charlie (candidate) and an anonymous client."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from certifications.importers import json_format
from certifications.models import Certification, Referentiel, ReferentielImport
from certifications.services import referentiel_import, referentiel_lock
from certifications.tests.drafts import make_draft

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/imports/"


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def _file(draft=None) -> SimpleUploadedFile:
    return SimpleUploadedFile("referentiel.json", json_format.dumps(draft or make_draft()))


def _dry_run(client: APIClient, draft=None):
    return client.post(IMPORTS, {"file": _file(draft), "format": "auto", "dry_run": "true"},
                       format="multipart")


def test_it_previews_without_importing(alice):
    response = _dry_run(_client(alice))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["drafts"][0]["counts"]["competences"] == 4
    assert body["drafts"][0]["diff"]["action"] == "created"
    assert body["drafts"][0]["errors"] == []
    assert not Certification.objects.exists()
    detail = _client(alice).get(f"{IMPORTS}{body['id']}/")
    assert detail.json()["id"] == body["id"]


def test_it_confirms_once(alice):
    client = _client(alice)
    import_id = _dry_run(client, make_draft(code="")).json()["id"]
    url = f"{IMPORTS}{import_id}/confirm/"
    first = client.post(url, {"codes": {"0": "RNCP24680"}}, format="json")
    second = client.post(url, {"codes": {"0": "RNCP24680"}}, format="json")
    assert first.status_code == second.status_code == 200
    assert first.json()["result"] == second.json()["result"]
    assert first.json()["result"]["referentiels"][0]["action"] == "created"
    assert Referentiel.objects.filter(certification__code="RNCP24680").count() == 1


def test_it_imports_at_once_without_dry_run(alice):
    response = _client(alice).post(IMPORTS, {"file": _file()}, format="multipart")
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"
    assert Certification.objects.get().code == "RNCP99999"


def test_it_creates_a_new_version_of_a_locked_one(alice):
    referentiel_lock(referentiel=referentiel_import(draft=make_draft()).referentiel)
    client = _client(alice)
    body = _dry_run(client, make_draft(blocs=3)).json()
    assert body["drafts"][0]["diff"]["action"] == "new_version"
    result = client.post(f"{IMPORTS}{body['id']}/confirm/", format="json").json()["result"]
    assert result["referentiels"][0]["version"] == 2


def test_it_refuses_a_draft_with_errors_and_keeps_it_pending(alice):
    draft = make_draft()
    draft.certification.level = 12
    client = _client(alice)
    body = _dry_run(client, draft).json()
    assert body["drafts"][0]["errors"][0]["location"] == "certification"
    response = client.post(f"{IMPORTS}{body['id']}/confirm/", format="json")
    assert response.status_code == 400
    assert response.json()["status"] == "pending"
    assert response.json()["errors"][0]["location"] == "fiche 1 / certification"
    assert not Certification.objects.exists()


def test_it_refuses_an_rncp_code_that_is_not_one(alice):
    client = _client(alice)
    import_id = _dry_run(client, make_draft(code="")).json()["id"]
    response = client.post(f"{IMPORTS}{import_id}/confirm/", {"codes": {"0": "X1"}},
                           format="json")
    assert response.status_code == 400
    assert "X1" in response.json()["errors"][0]["message"]
    assert not Certification.objects.exists()


@pytest.mark.parametrize(
    ("content", "location"),
    [(b"{not json", "ligne 1, colonne 2"), (b'{"format": "other"}', "format")],
)
def test_it_explains_an_unreadable_file(alice, content, location):
    upload = SimpleUploadedFile("x.json", content)
    response = _client(alice).post(IMPORTS, {"file": upload, "dry_run": "true"},
                                   format="multipart")
    assert response.status_code == 400
    assert response.json()["location"] == location
    assert not ReferentielImport.objects.exclude(drafts=[]).exists()


def test_it_refuses_an_oversized_file(alice, settings):
    settings.IMPORT_MAX_UPLOAD_SIZE = 100
    response = _client(alice).post(IMPORTS, {"file": _file()}, format="multipart")
    assert response.status_code == 400
    assert "trop volumineux" in response.json()["detail"]
    assert not Certification.objects.exists()


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_it_hides_imports_from_non_administrators(request, alice, persona):
    import_id = _dry_run(_client(alice)).json()["id"]
    client = _client(request.getfixturevalue(persona))
    assert client.post(IMPORTS, {"file": _file()}, format="multipart").status_code == 404
    assert client.get(f"{IMPORTS}{import_id}/").status_code == 404
    assert client.post(f"{IMPORTS}{import_id}/confirm/", format="json").status_code == 404
    assert ReferentielImport.objects.get().status == "pending"


def test_it_refuses_anonymous_clients(alice):
    import_id = _dry_run(_client(alice)).json()["id"]
    client = _client()
    assert client.post(IMPORTS, {"file": _file()}, format="multipart").status_code == 401
    assert client.post(f"{IMPORTS}{import_id}/confirm/", format="json").status_code == 401
    assert not Certification.objects.exists()


def test_it_describes_the_endpoints_in_the_schema():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert {"/api/v1/imports/", "/api/v1/imports/{public_id}/",
            "/api/v1/imports/{public_id}/confirm/"} <= paths.keys()
    assert "multipart/form-data" in paths["/api/v1/imports/"]["post"]["requestBody"]["content"]
