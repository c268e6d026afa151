"""The import wizard (upload → preview → confirm → result), the référentiel list and the
exports, tried by alice (administrator), bob (jury) and charlie (candidate)."""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certifications import importers
from certifications.importers import json_format
from certifications.models import Certification, Referentiel, ReferentielImport
from certifications.selectors import referentiel_to_draft
from certifications.services import referentiel_diff, referentiel_import, referentiel_lock
from certifications.tests.drafts import make_draft
from demo.certifications import SEEDS_DIR

pytestmark = pytest.mark.django_db

SEEDS = SEEDS_DIR
SEED_WITHOUT_CODE = SEEDS / "002_faa6f23e9f369a50.txt"
UPLOAD = reverse("certifications:import_upload")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _json_file(draft, name: str = "referentiel.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json_format.dumps(draft), content_type="application/json")


def _upload(client: Client, upload: SimpleUploadedFile, **fields: str):
    return client.post(UPLOAD, {"file": upload, "format": "auto", **fields})


def _pending(client: Client, upload: SimpleUploadedFile) -> ReferentielImport:
    response = _upload(client, upload)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ReferentielImport.objects.get()


def _url(name: str, row: ReferentielImport) -> str:
    return reverse(f"certifications:{name}", kwargs={"public_id": row.public_id})


def test_it_imports_a_seed_document_and_completes_its_code(alice):
    client = _client(alice)
    expected = importers.parse(io.BytesIO(SEED_WITHOUT_CODE.read_bytes()), name="seed.txt")[0]
    row = _pending(client, SimpleUploadedFile("seed.txt", SEED_WITHOUT_CODE.read_bytes()))
    assert row.format == "document"
    assert row.report["drafts"][0]["counts"] == expected.counts()

    page = client.get(_url("import_preview", row))
    content = page.content.decode()
    assert page.status_code == 200
    assert f"<td>{expected.counts()['competences']}</td>" in content
    assert "Avertissements : l&#x27;import est possible" in content or (
        "Avertissements : l'import est possible" in content)
    assert 'name="code_0"' in content

    response = client.post(_url("import_confirm", row), {"code_0": "rncp 12345"})
    assert response.status_code == 302
    assert response["Location"] == _url("import_result", row)
    certification = Certification.objects.get(code="RNCP12345")
    assert certification.referentiels.get().blocs.count() == expected.counts()["blocs"]
    row.refresh_from_db()
    assert row.status == ReferentielImport.Status.CONFIRMED
    result = client.get(_url("import_result", row)).content.decode()
    # The result links the version to its page, not to Django's admin.
    version = certification.referentiels.get()
    assert reverse("certifications:referentiel_detail", args=[version.public_id]) in result
    assert "/admin/certifications/" not in result


def test_it_imports_own_json_through_the_wizard(alice):
    client = _client(alice)
    draft = make_draft(code="")
    row = _pending(client, _json_file(draft))
    page = client.get(_url("import_preview", row)).content.decode()
    assert "Code RNCP absent" in page  # the warning, with its location
    assert "Chef de projet de démonstration" in page
    client.post(_url("import_confirm", row), {"code_0": "RNCP54321"})
    referentiel = Referentiel.objects.get(certification__code="RNCP54321")
    assert referentiel.blocs.count() == 2
    assert referentiel.source_format == "json"
    assert referentiel.imported_by == alice


def test_it_refuses_a_code_that_is_not_an_rncp_code(alice):
    client = _client(alice)
    row = _pending(client, _json_file(make_draft(code="")))
    response = client.post(_url("import_confirm", row), {"code_0": "ABC"})
    assert response.status_code == 200
    assert 'aria-describedby="id_code_0_helptext id_code_0_error"' in response.content.decode()
    assert not Certification.objects.exists()


def test_it_imports_once_when_confirmed_twice(alice):
    client = _client(alice)
    row = _pending(client, _json_file(make_draft()))
    first = client.post(_url("import_confirm", row))
    second = client.post(_url("import_confirm", row))
    assert first["Location"] == second["Location"] == _url("import_result", row)
    assert Referentiel.objects.count() == 1
    assert Certification.objects.count() == 1


def test_it_cancels(alice):
    client = _client(alice)
    row = _pending(client, _json_file(make_draft()))
    response = client.post(_url("import_cancel", row))
    assert response["Location"] == UPLOAD
    row.refresh_from_db()
    assert row.status == ReferentielImport.Status.CANCELLED
    client.post(_url("import_confirm", row))
    assert not Certification.objects.exists()


TRUNCATED_XML = (Path(__file__).parent / "fixtures" / "rncp_fiches.xml").read_bytes()[:700]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vide.txt", b"", "Le fichier soumis est vide"),
        ("image.txt", bytes(range(256)) * 3, "Fichier binaire"),
        ("fiches.xml", TRUNCATED_XML, "XML mal formé"),
        ("gros.txt", b"Bloc 1\n" * 500, "Le fichier est trop volumineux"),
    ],
)
def test_it_explains_a_bad_file_and_writes_nothing(alice, settings, name, content, message):
    settings.IMPORT_MAX_UPLOAD_SIZE = 2000
    response = _upload(_client(alice), SimpleUploadedFile(name, content))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert 'aria-describedby="id_file_helptext id_file_error"' in page
    assert not ReferentielImport.objects.exclude(drafts=[]).exists()
    assert not Certification.objects.exists()


def test_it_cannot_confirm_a_draft_with_errors(alice):
    client = _client(alice)
    draft = make_draft()
    draft.blocs[0] = replace(draft.blocs[0], title="")
    row = _pending(client, _json_file(draft))
    page = client.get(_url("import_preview", row)).content.decode()
    assert "Bloc sans intitulé" in page
    assert 'disabled aria-describedby="confirm-blocked"' in page
    client.post(_url("import_confirm", row))
    row.refresh_from_db()
    assert row.status == ReferentielImport.Status.PENDING
    assert row.report["errors"][0]["message"] == "Bloc sans intitulé."
    assert not Certification.objects.exists()


def test_it_previews_a_new_version_when_the_current_one_is_locked(alice):
    current = referentiel_import(draft=make_draft()).referentiel
    referentiel_lock(referentiel=current)
    draft = make_draft(blocs=3)
    draft.blocs[0].title = "Bloc 1 renommé"
    client = _client(alice)
    row = _pending(client, _json_file(draft))
    diff = row.report["drafts"][0]["diff"]
    assert diff["action"] == "new_version"
    assert [b["code"] for b in diff["changes"]["blocs"]["added"]] == ["RNCP99999BC03"]
    assert diff["changes"]["blocs"]["changed"][0]["new"] == "Bloc 1 renommé"
    page = client.get(_url("import_preview", row)).content.decode()
    assert "crée une nouvelle version" in page
    client.post(_url("import_confirm", row))
    versions = Referentiel.objects.filter(certification=current.certification)
    assert sorted(versions.values_list("version", flat=True)) == [1, 2]


def test_it_previews_unchanged_content(alice):
    referentiel_import(draft=make_draft())
    row = _pending(_client(alice), _json_file(make_draft()))
    assert row.report["drafts"][0]["diff"]["action"] == "unchanged"
    assert row.report["drafts"][0]["diff"]["changes"]["blocs"] == {
        "added": [], "removed": [], "changed": []}


def test_it_offers_the_spreadsheet_templates(alice):
    client = _client(alice)
    assert 'href="/referentiels/import/modele.csv"' in client.get(UPLOAD).content.decode()
    csv = client.get(reverse("certifications:import_template", args=["csv"]))
    xlsx = client.get(reverse("certifications:import_template", args=["xlsx"]))
    assert csv.status_code == xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK")


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_it_hides_the_wizard_from_non_administrators(request, alice, persona):
    row = _pending(_client(alice), _json_file(make_draft()))
    client = _client(request.getfixturevalue(persona))
    for url in [UPLOAD, _url("import_preview", row), _url("import_result", row),
                reverse("certifications:import_template", args=["csv"])]:
        assert client.get(url).status_code == 404, url
    for url in [UPLOAD, _url("import_confirm", row), _url("import_cancel", row)]:
        assert client.post(url).status_code == 404, url
    row.refresh_from_db()
    assert row.status == ReferentielImport.Status.PENDING


def test_it_answers_404_for_an_unknown_import(alice):
    url = reverse("certifications:import_preview", kwargs={"public_id": uuid.uuid4()})
    assert _client(alice).get(url).status_code == 404


def test_it_exports_own_json_that_reads_back_the_same(bob):
    draft = make_draft(blocs=3)
    referentiel = referentiel_import(draft=draft).referentiel
    url = reverse("certifications:referentiel_export_json", args=[referentiel.public_id])
    response = _client(bob).get(url)
    assert response.status_code == 200
    assert 'filename="RNCP99999-v1.json"' in response["Content-Disposition"]
    (read_back,) = json_format.parse(io.BytesIO(response.content))
    assert read_back.counts() == draft.counts()
    assert read_back.scale is None  # the default scale, as in the imported draft


def test_it_exports_case(alice):
    referentiel = referentiel_import(draft=make_draft()).referentiel
    url = reverse("certifications:referentiel_export_case", args=[referentiel.public_id])
    package = json.loads(_client(alice).get(url).content)
    assert package["CFDocument"]["humanCodingScheme"] == "RNCP99999"
    assert len(package["CFItems"]) == 2 + 4 + 4


def test_it_hides_exports_from_candidates(charlie):
    referentiel = referentiel_import(draft=make_draft()).referentiel
    client = _client(charlie)
    for name in ["referentiel_export_json", "referentiel_export_case"]:
        url = reverse(f"certifications:{name}", args=[referentiel.public_id])
        assert client.get(url).status_code == 404


def test_it_lists_certifications_with_their_versions(bob, charlie):
    referentiel = referentiel_import(draft=make_draft()).referentiel
    referentiel_lock(referentiel=referentiel)
    referentiel_import(draft=make_draft(blocs=3))
    page = _client(bob).get(reverse("certifications:referentiel_list")).content.decode()
    assert "RNCP99999" in page
    assert "Version 2" in page
    assert "Version 1" in page
    assert "Importer un référentiel" not in page
    page = _client(charlie).get(reverse("certifications:referentiel_list")).content.decode()
    assert "RNCP99999" not in page


def test_it_reads_the_list_in_few_queries(alice, django_assert_max_num_queries):
    for number in range(5):
        referentiel_import(draft=make_draft(code=f"RNCP1000{number}"))
    client = _client(alice)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("certifications:referentiel_list"))
    assert response.content.decode().count("export.json") == 5


def test_it_reads_the_preview_in_few_queries(alice, django_assert_max_num_queries):
    client = _client(alice)
    row = _pending(client, SimpleUploadedFile("seed.txt", SEED_WITHOUT_CODE.read_bytes()))
    # Session, user, the import; the editor adds the scales and their levels (the scale
    # choice) and the certification's current rules.
    with django_assert_max_num_queries(6):
        assert client.get(_url("import_preview", row)).status_code == 200


def test_it_reads_a_version_back_in_a_constant_number_of_queries(django_assert_num_queries):
    small = referentiel_import(draft=make_draft(code="RNCP11111", blocs=1)).referentiel
    large = referentiel_import(draft=make_draft(code="RNCP22222", blocs=6)).referentiel
    with CaptureQueriesContext(connection) as small_queries:
        referentiel_to_draft(referentiel=small)
    with django_assert_num_queries(len(small_queries)):
        draft = referentiel_to_draft(referentiel=large)
    diff = referentiel_diff(old=draft, new=make_draft(code="RNCP22222", blocs=6))
    assert all(not any(change.values()) for change in diff.values())


def test_it_reads_one_fiche_of_an_rncp_export(alice):
    xml = (Path(__file__).parent / "fixtures" / "rncp_fiches.xml").read_bytes()
    client = _client(alice)
    response = _upload(client, SimpleUploadedFile("fiches.xml", xml), fiche="RNCP12345")
    assert response.status_code == 302
    row = ReferentielImport.objects.get()
    assert (row.format, row.options) == ("rncp-xml", {"fiche": "RNCP12345"})
    assert [d["code"] for d in row.report["drafts"]] == ["RNCP12345"]


def test_it_refuses_a_fiche_number_for_another_format(alice):
    response = _upload(_client(alice), SimpleUploadedFile("r.json", json_format.dumps(
        make_draft())), fiche="RNCP12345")
    assert "ne s&#x27;applique pas" in response.content.decode()
    assert not ReferentielImport.objects.exclude(drafts=[]).exists()


def test_it_completes_a_missing_title_in_the_preview(alice):
    client = _client(alice)
    seed = SEEDS / "000_d9cf31af56cbd7f4.txt"
    row = _pending(client, SimpleUploadedFile("000.txt", seed.read_bytes()))
    page = client.get(_url("import_preview", row)).content.decode()
    assert 'name="title_0"' in page
    assert "Intitulé de la certification absent" in page
    client.post(_url("import_confirm", row), {"title_0": "  Ingénieur en  IA ", "code_0": ""})
    certification = Certification.objects.get()
    assert certification.title == "Ingénieur en IA"
    assert certification.code == ""


def test_it_completes_title_and_code_through_the_api(alice):
    client = _client(alice)
    seed = SEEDS / "004_622301eea10cee80.txt"
    response = client.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("004.txt", seed.read_bytes()), "dry_run": "true"},
    )
    assert response.status_code in (200, 201), response.content
    row = ReferentielImport.objects.get()
    response = client.post(
        f"/api/v1/imports/{row.public_id}/confirm/",
        {"codes": {"0": "RNCP40404"}, "titles": {"0": "Praticien de la donnée"}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert Certification.objects.get().title == "Praticien de la donnée"
