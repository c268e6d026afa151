"""The import preview as an editor (pages, htmx, API PATCH, command --patch), tried by alice
(administrator), bob (jury), charlie (candidate). Pages are asked in English so that the
messages checked do not depend on the French catalogue."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.tests.factories import AdminFactory
from certifications.importers import json_format
from certifications.models import (
    Certification,
    Competence,
    Level,
    Referentiel,
    ReferentielImport,
    RuleSet,
    Scale,
)
from certifications.selectors import referentiel_import_drafts, referentiel_to_draft
from certifications.services import referentiel_import, referentiel_import_preview
from certifications.services.staging import (
    ReferentielImportNotPendingError,
    referentiel_import_edit,
)
from certifications.tests.drafts import make_draft
from certifications.views_editor import anchor

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _pending(draft=None, user=None) -> ReferentielImport:
    source = io.BytesIO(json_format.dumps(draft or make_draft()))
    # The report is written in the uploader's language: these tests read the pages in English.
    with translation.override("en"):
        return referentiel_import_preview(file=source, file_name="r.json", created_by=user)


def _preview(row: ReferentielImport) -> str:
    return reverse("certifications:import_preview", kwargs={"public_id": row.public_id})


def _edit(row: ReferentielImport, kind: str, query: str = "", action: str = "edit",
          index: int = 0) -> str:
    url = reverse(f"certifications:import_draft_{action}",
                  kwargs={"public_id": row.public_id, "index": index, "kind": kind})
    return f"{url}?{query}" if query else url


def _competence_post(title: str, bloc: str = "RNCP99999BC01", **extra: str) -> dict:
    return {"code": "C1.1", "title": title, "description": "", "bloc": bloc,
            "activity": "A1", **extra}


def _draft(row: ReferentielImport):
    row.refresh_from_db()
    return referentiel_import_drafts(referentiel_import=row)[0]


def test_the_preview_shows_the_whole_tree_with_edit_links(alice):
    row = _pending()
    page = _client(alice).get(_preview(row)).content.decode()
    competence_url = _edit(row, "competence", "ref=C1.1").replace("&", "&amp;")
    assert f'href="{competence_url}"' in page
    assert f'hx-get="{competence_url}"' in page
    assert f'id="{anchor(0, "competence", "C1.1")}"' in page
    # Criteria with their linked compétences, modalities with what they evaluate.
    assert "Critère 1.C1.1" in page
    assert "assesses C1.1" in page
    assert "Competences evaluated: C1.1, C1.2, C2.1, C2.2" in page
    # The scale that will be used, and why.
    assert "Scale used: Échelle à 4 niveaux (par défaut)." in page
    assert "The document states no scale: the default 4-level scale will be used." in page
    assert "vendor/htmx/htmx.min.js" in page


def test_it_corrects_a_competence_without_javascript(alice):
    row = _pending()
    client = _client(alice)
    url = _edit(row, "competence", "ref=C1.1")
    form_page = client.get(url).content.decode()
    assert "Compétence 1.1</textarea>" in form_page
    assert "<html" in form_page  # its own page, with a way back
    response = client.post(url, _competence_post("Analyser le besoin du client"))
    assert response.status_code == 302
    assert response["Location"] == f"{_preview(row)}#{anchor(0, 'competence', 'C1.1')}"
    # Kept with the upload: a reload shows it, the ref is unchanged.
    competence = _draft(row).blocs[0].competences[0]
    assert (competence.ref, competence.title) == ("C1.1", "Analyser le besoin du client")
    page = client.get(_preview(row)).content.decode()
    assert "Analyser le besoin du client" in page
    assert "Compétence 1.1 " not in page


def test_it_corrects_a_competence_in_place_with_htmx(alice):
    row = _pending()
    client = _client(alice)
    url = _edit(row, "competence", "ref=C1.1")
    fragment = client.get(url, **HTMX).content.decode()
    item = anchor(0, "competence", "C1.1")
    assert "<html" not in fragment
    assert fragment.startswith(f'<li id="{item}" class="editor-form">')
    assert f'hx-post="{url}"' in fragment
    assert re.search(r'<input type="text" name="code" value="C1.1"[^>]* autofocus', fragment)
    response = client.post(url, _competence_post("Analyser le besoin"), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#draft-0"
    section = response.content.decode()
    assert section.startswith('<section id="draft-0"')
    assert "Analyser le besoin" in section
    assert "Saved." in section  # said by the status region
    # The focus goes back to the item's « Edit » link.
    assert re.search(rf'<li id="{item}"[^>]*>.*?hx-swap="outerHTML" autofocus>Edit', section,
                     re.S)
    assert _draft(row).blocs[0].competences[0].title == "Analyser le besoin"


def test_an_error_is_shown_next_to_its_field_and_input_is_kept(alice):
    row = _pending()
    client = _client(alice)
    url = _edit(row, "bloc", "ref=RNCP99999BC01")
    data = {"code": "RNCP11111BC01", "title": "Piloter autrement", "description": ""}
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 422  # the page again, as the project answers refusals
    assert "is not a block code" in page
    assert 'aria-invalid="true"' in page
    assert re.search(r'<input[^>]*name="code" value="RNCP11111BC01"[^>]*aria-invalid="true"'
                     r'[^>]*aria-describedby="[^"]*-code_error', page)
    assert "\nPiloter autrement</textarea>" in page  # the other input kept too
    assert "Not saved: correct the fields marked below." in page
    assert _draft(row).blocs[0].title == "Bloc 1"  # nothing changed
    response = client.post(url, data, **HTMX)
    assert response.status_code == 422
    assert "is not a block code" in response.content.decode()


def test_it_moves_a_competence_and_its_own_criteria(alice):
    row = _pending()
    url = _edit(row, "competence", "ref=C1.1")
    response = _client(alice).post(url, _competence_post("Compétence 1.1",
                                                         bloc="RNCP99999BC02"))
    assert response.status_code == 302
    draft = _draft(row)
    assert [c.ref for c in draft.blocs[0].competences] == ["C1.2"]
    assert [c.ref for c in draft.blocs[1].competences] == ["C2.1", "C2.2", "C1.1"]
    assert "Critère 1.C1.1" in [c.text for c in draft.blocs[1].criteria]


def test_it_links_and_unlinks_a_criterion(alice):
    row = _pending()
    client = _client(alice)
    url = _edit(row, "criterion", "ref=RNCP99999BC01&position=0")
    response = client.post(url, {"text": "Le besoin est analysé",
                                 "competences": ["C1.2", "C2.1"], "modality": ""})
    assert response.status_code == 302
    criterion = _draft(row).blocs[0].criteria[0]
    assert (criterion.text, criterion.competence_refs, criterion.modality_ref) == (
        "Le besoin est analysé", ["C1.2", "C2.1"], None)
    client.post(url, {"text": "Le besoin est analysé"})
    assert _draft(row).blocs[0].criteria[0].competence_refs == []
    assert "linked to no competence" in client.get(_preview(row)).content.decode()


def test_it_edits_a_modality(alice):
    row = _pending()
    response = _client(alice).post(_edit(row, "modality", "ref=E1"), {
        "code": "E1", "title": "Soutenance orale", "kind": "oral", "duration_minutes": "40",
        "team": "on", "competences": ["C1.1"], "blocs": ["RNCP99999BC01"],
    })
    assert response.status_code == 302
    modality = _draft(row).modalities[0]
    assert (modality.title, modality.kind.value, modality.duration_minutes, modality.team) == (
        "Soutenance orale", "oral", 40, True)
    assert (modality.competence_refs, modality.bloc_refs) == (["C1.1"], ["RNCP99999BC01"])


def test_it_adds_and_removes_items(alice):
    row = _pending()
    client = _client(alice)
    response = client.post(_edit(row, "competence", "ref=RNCP99999BC02", action="add"),
                           {"code": "C2.3", "title": "Rendre compte", "bloc": "RNCP99999BC02"})
    assert response.status_code == 302
    assert _draft(row).blocs[1].competences[-1].title == "Rendre compte"
    response = client.post(_edit(row, "competence", "ref=C1.1", action="remove"), **HTMX)
    assert response.status_code == 200
    draft = _draft(row)
    assert [c.ref for c in draft.blocs[0].competences] == ["C1.2"]
    assert "C1.1" not in draft.modalities[0].competence_refs
    assert "Removed." in response.content.decode()
    # The diff against the current version is recomputed.
    assert row.report["drafts"][0]["counts"]["competences"] == 4


def test_removing_a_bloc_without_javascript_asks_first(alice):
    row = _pending()
    client = _client(alice)
    url = _edit(row, "bloc", "ref=RNCP99999BC01", action="remove")
    page = client.post(url).content.decode()
    assert "Compétence 1.1" in page  # what would go
    assert 'name="confirmed"' in page
    assert len(_draft(row).blocs) == 2
    response = client.post(url, {"confirmed": "1"})
    assert response.status_code == 302
    draft = _draft(row)
    assert [b.ref for b in draft.blocs] == ["RNCP99999BC02"]
    assert draft.modalities[0].competence_refs == ["C2.1", "C2.2"]
    # The last bloc stays: refused, with the reason.
    response = client.post(_edit(row, "bloc", "ref=RNCP99999BC02", action="remove"),
                           {"confirmed": "1"}, follow=True)
    assert "A framework keeps at least one block." in response.content.decode()
    assert len(_draft(row).blocs) == 1


def test_the_diff_follows_the_corrections(alice):
    referentiel_import(draft=make_draft())
    row = _pending()
    assert row.report["drafts"][0]["diff"]["action"] == "unchanged"
    assert referentiel_import_edit(referentiel_import=row, index=0, ops=[
        {"op": "set_competence", "competence": "C1.1", "title": "Nouveau libellé"}]) == {}
    diff = row.report["drafts"][0]["diff"]
    assert diff["action"] == "replaced"
    assert diff["changes"]["competences"]["changed"] == [
        {"code": "C1.1", "old": "Compétence 1.1", "new": "Nouveau libellé"}]
    page = _client(alice).get(_preview(row)).content.decode()
    assert "<del>Compétence 1.1</del> → <ins>Nouveau libellé</ins>" in page


def test_confirm_saves_the_corrected_referentiel_with_its_scale_and_rules(alice):
    other = Scale.objects.create(code="trois-niveaux", name="Trois niveaux")
    Level.objects.create(scale=other, number=1, label="Acquis", outcome="acquired")
    row = _pending()
    client = _client(alice)
    client.post(_edit(row, "competence", "ref=C1.1"), _competence_post("Analyser"))
    response = client.post(_edit(row, "scale"), {"d0-scale-scale": "trois-niveaux"})
    assert response.status_code == 302
    assert "Scale used: Trois niveaux." in client.get(_preview(row)).content.decode()
    response = client.post(_edit(row, "rules"), {
        "d0-rules-bloc_validity_months": "60", "d0-rules-divergence_threshold": "2",
        "d0-rules-quorum_min_members": "3", "d0-rules-president_required": "on",
        "d0-rules-external_professional_share": "0.40",
    })
    assert response.status_code == 302
    response = client.post(reverse("certifications:import_confirm",
                                   kwargs={"public_id": row.public_id}))
    assert response.status_code == 302
    referentiel = Referentiel.objects.get(certification__code="RNCP99999")
    assert referentiel.scale == other
    assert Competence.objects.get(bloc__referentiel=referentiel, code="C1.1").title == "Analyser"
    rules = RuleSet.objects.get(certification__code="RNCP99999")
    assert (rules.bloc_validity_months, rules.quorum_min_members,
            rules.external_professional_share, rules.warn_on_single_gender) == (
        60, 3, Decimal("0.40"), False)


def test_an_edit_import_is_compared_with_its_version(alice):
    """The « edit this version » import (format "edit") is corrected the same way."""
    version = referentiel_import(draft=make_draft()).referentiel
    draft = referentiel_to_draft(referentiel=version)
    row = ReferentielImport.objects.create(
        created_by=alice, file_name="RNCP99999 v1", format="edit",
        drafts=[json_format.dump(draft)],
        report={"drafts": [{"code": "", "title": "", "level": None, "counts": {},
                            "errors": [], "warnings": [],
                            "diff": {"action": "unchanged", "current": None,
                                     "changes": None}}], "errors": []},
    )
    client = _client(alice)
    response = client.post(_edit(row, "bloc", "ref=RNCP99999BC01"),
                           {"code": "RNCP99999BC01", "title": "Bloc un", "description": ""})
    assert response.status_code == 302
    page = client.get(_preview(row)).content.decode()
    assert "<del>Bloc 1</del> → <ins>Bloc un</ins>" in page
    client.post(reverse("certifications:import_confirm", kwargs={"public_id": row.public_id}))
    version.refresh_from_db()
    assert list(version.blocs.values_list("title", flat=True)) == ["Bloc un", "Bloc 2"]


def test_once_corrected_the_parsers_errors_become_warnings(alice):
    draft = make_draft()
    draft.error("Compétence manquante (ni code ni intitulé)", "row 7")
    row = _pending(draft)
    assert [e["message"] for e in row.report["drafts"][0]["errors"]] == [
        "Compétence manquante (ni code ni intitulé)"]
    assert referentiel_import_edit(referentiel_import=row, index=0, ops=[
        {"op": "set_bloc", "bloc": "RNCP99999BC01", "title": "Bloc revu"}]) == {}
    report = row.report["drafts"][0]
    assert report["errors"] == []
    assert {"severity": "warning", "message": "Compétence manquante (ni code ni intitulé)",
            "location": "row 7"} in report["warnings"]
    # Corrections themselves are still checked.
    errors = referentiel_import_edit(referentiel_import=row, index=0, ops=[
        {"op": "set_competence", "competence": "C1.1", "title": ""}])
    assert errors == {0: {"title": "Ce champ est obligatoire."}}


def test_a_decided_import_can_no_longer_be_corrected(alice):
    row = _pending()
    client = _client(alice)
    client.post(reverse("certifications:import_cancel", kwargs={"public_id": row.public_id}))
    url = _edit(row, "competence", "ref=C1.1")
    response = client.post(url, _competence_post("Trop tard"))
    assert response.status_code == 302
    assert client.post(url, _competence_post("Trop tard"), **HTMX).status_code == 409
    assert _draft(row).blocs[0].competences[0].title == "Compétence 1.1"
    with pytest.raises(ReferentielImportNotPendingError):
        referentiel_import_edit(referentiel_import=row, index=0, ops=[])


def test_unknown_items_are_404(alice):
    row = _pending()
    client = _client(alice)
    assert client.get(_edit(row, "competence", "ref=ghost")).status_code == 404
    assert client.get(_edit(row, "criterion", "ref=RNCP99999BC01&position=9")).status_code == 404
    assert client.get(_edit(row, "competence", "ref=C1.1", index=3)).status_code == 404
    assert client.get(_edit(row, "nonsense")).status_code == 404


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_the_editor_is_hidden_from_non_administrators(request, persona):
    row = _pending()
    client = _client(request.getfixturevalue(persona))
    url = _edit(row, "competence", "ref=C1.1")
    assert client.get(url).status_code == 404
    assert client.post(url, _competence_post("Intrus")).status_code == 404
    assert client.post(_edit(row, "competence", "ref=C1.1", action="remove")).status_code == 404
    assert Client().get(url).status_code == 302  # anonymous: sign in first
    assert _draft(row).blocs[0].competences[0].title == "Compétence 1.1"


def test_another_administrator_may_correct_an_import(alice):
    """Imports are the administrators' work, not one administrator's (the selectors)."""
    row = _pending(user=alice)
    response = _client(AdminFactory()).post(_edit(row, "competence", "ref=C1.1"),
                                            _competence_post("Par un collègue"))
    assert response.status_code == 302
    assert _draft(row).blocs[0].competences[0].title == "Par un collègue"


def test_the_preview_reads_in_a_constant_number_of_queries(alice):
    client = _client(alice)
    small = _pending(make_draft(code="RNCP11111", blocs=1, competences=1))
    large = _pending(make_draft(code="RNCP22222", blocs=8, competences=6))
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(_preview(small)).status_code == 200
    with CaptureQueriesContext(connection) as large_queries:
        assert client.get(_preview(large)).status_code == 200
    assert len(large_queries) == len(small_queries) <= 7


def test_the_editor_reads_in_few_queries(alice, django_assert_max_num_queries):
    client = _client(alice)
    row = _pending(make_draft(blocs=8, competences=6))
    with django_assert_max_num_queries(4):
        assert client.get(_edit(row, "competence", "ref=C1.1"), **HTMX).status_code == 200


# -- API -----------------------------------------------------------------------------------
def _api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _draft_url(row: ReferentielImport, index: int = 0) -> str:
    return f"/api/v1/imports/{row.public_id}/drafts/{index}/"


def test_the_api_patches_a_draft(alice):
    row = _pending()
    client = _api(alice)
    response = client.patch(_draft_url(row), {"ops": [
        {"op": "set_competence", "competence": "C1.1", "title": "Par l'API"},
        {"op": "add_bloc", "ref": "B3", "code": "RNCP99999BC03", "title": "Bloc 3"},
        {"op": "add_activity", "bloc": "B3", "ref": "A3", "code": "A3", "title": "Piloter"},
        {"op": "add_competence", "bloc": "B3", "ref": "C3.1", "title": "Nouvelle",
         "activity": "A3"},
        {"op": "remove_activity", "activity": "A2"},
    ]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["draft"]["referentiel"]["blocs"][0]["competences"][0]["title"] == "Par l'API"
    assert body["report"]["counts"]["blocs"] == 3
    assert body["report"]["scale"]["source"] == "default"
    assert client.get(_draft_url(row)).json()["draft"] == body["draft"]
    response = client.post(f"/api/v1/imports/{row.public_id}/confirm/", {}, format="json")
    assert response.status_code == 200, response.content
    certification = Certification.objects.get(code="RNCP99999")
    assert list(certification.referentiels.get().blocs.values_list("code", flat=True)) == [
        "RNCP99999BC01", "RNCP99999BC02", "RNCP99999BC03"]
    assert str(Competence.objects.get(title="Nouvelle").activity) == "A3 — Piloter"
    assert Competence.objects.get(code="C2.1").activity is None
    assert Competence.objects.get(code="C1.1").activity.code == "A1"


def test_the_api_refuses_a_bad_patch_and_changes_nothing(alice):
    row = _pending()
    before = list(row.drafts)
    response = _api(alice).patch(_draft_url(row), {"ops": [
        {"op": "set_competence", "competence": "C1.1", "title": "Bien"},
        {"op": "set_modality", "modality": "E1", "kind": "dance"},
    ]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"1": {"kind": "Choose a kind from the list."}}
    row.refresh_from_db()
    assert row.drafts == before
    assert _api(alice).patch(_draft_url(row), {"ops": "x"}, format="json").status_code == 400


def test_the_api_answers_404_and_409(alice, bob):
    row = _pending()
    ops = {"ops": [{"op": "set_competence", "competence": "C1.1", "title": "x"}]}
    assert _api(bob).patch(_draft_url(row), ops, format="json").status_code == 404
    assert _api(alice).patch(_draft_url(row, 5), ops, format="json").status_code == 404
    _api(alice).post(f"/api/v1/imports/{row.public_id}/confirm/", {}, format="json")
    response = _api(alice).patch(_draft_url(row), ops, format="json")
    assert response.status_code == 409
    assert response.json()["status"] == "confirmed"


# -- command -------------------------------------------------------------------------------
def test_the_command_applies_a_patch(tmp_path):
    source = tmp_path / "r.json"
    source.write_bytes(json_format.dumps(make_draft()))
    patch = tmp_path / "patch.json"
    patch.write_text(json.dumps({"ops": [
        {"op": "set_bloc", "bloc": "RNCP99999BC01", "title": "Bloc corrigé"},
        {"op": "set_rules", "quorum_min_members": 4},
    ]}))
    call_command("import_referentiel", str(source), "--patch", str(patch), stdout=io.StringIO())
    assert Referentiel.objects.get().blocs.first().title == "Bloc corrigé"
    assert RuleSet.objects.get().quorum_min_members == 4


def test_the_command_refuses_a_bad_patch(tmp_path):
    source = tmp_path / "r.json"
    source.write_bytes(json_format.dumps(make_draft()))
    patch = tmp_path / "patch.json"
    patch.write_text(json.dumps({"ops": [{"op": "set_bloc", "bloc": "nope", "title": "x"}]}))
    with pytest.raises(CommandError, match="opération 0 : bloc"):
        call_command("import_referentiel", str(source), "--patch", str(patch),
                     stdout=io.StringIO())
    assert not Referentiel.objects.exists()


def test_uploads_through_the_wizard_reach_the_editor(alice):
    client = _client(alice)
    response = client.post(reverse("certifications:import_upload"), {
        "file": SimpleUploadedFile("r.json", json_format.dumps(make_draft())), "format": "auto"})
    row = ReferentielImport.objects.get()
    assert response["Location"] == _preview(row)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_issue_links_to_its_bloc_whatever_the_uploaders_language(alice, language):
    draft = make_draft()
    draft.blocs[1].title = ""  # « Bloc without title »: an error located on that bloc
    source = io.BytesIO(json_format.dumps(draft))
    with translation.override(language):
        row = referentiel_import_preview(file=source, file_name="r.json")
    page = _client(alice).get(_preview(row)).content.decode()
    bloc_anchor = anchor(0, "bloc", draft.blocs[1].ref)
    assert f'href="#{bloc_anchor}"' in page
    assert f'id="{bloc_anchor}"' in page


# -- activities, modality texts, order, the check as you type ------------------------------
def test_activities_are_corrected_added_and_removed_in_the_page(alice):
    row = _pending()
    client = _client(alice)
    page = client.get(_preview(row)).content.decode()
    edit_url = _edit(row, "activity", "ref=A1")
    add_url = _edit(row, "activity", "ref=RNCP99999BC01", action="add")
    remove_url = _edit(row, "activity", "ref=A1", action="remove")
    item = anchor(0, "activity", "A1")
    assert re.search(rf'<div id="{item}" class="editor-group"><span>Activity A1 — Activité 1'
                     r'</span>', page)
    for url in (edit_url, add_url, remove_url):
        assert url.replace("&", "&amp;") in page
    assert "Add an activity" in page
    # In place (htmx): the form replaces the activity's heading.
    fragment = client.get(edit_url, **HTMX).content.decode()
    assert fragment.startswith(f'<div id="{item}" class="editor-form">')
    assert re.search(r'<input type="text" name="code" value="A1"', fragment)
    # Without JavaScript: corrected, added.
    response = client.post(edit_url, {"code": "A1", "title": "Accueillir le public"})
    assert response["Location"] == f"{_preview(row)}#{item}"
    response = client.post(add_url, {"code": "A2", "title": "Orienter"})
    assert response.status_code == 302
    bloc = _draft(row).blocs[0]
    assert [(a.ref, a.code, a.title) for a in bloc.activities] == [
        ("A1", "A1", "Accueillir le public"), ("RNCP99999BC01-a1", "A2", "Orienter")]
    # A compétence's form chooses among its bloc's activities, or none.
    competence_url = _edit(row, "competence", "ref=C1.2")
    form = client.get(competence_url).content.decode()
    assert '<option value="">None (outside any activity)</option>' in form
    assert '<option value="RNCP99999BC01-a1">A2 — Orienter</option>' in form
    assert "Activité 2" not in form  # another bloc's activity
    client.post(competence_url, _competence_post("Compétence 1.2", code="C1.2",
                                                 activity="RNCP99999BC01-a1"))
    assert _draft(row).blocs[0].competences[1].activity_ref == "RNCP99999BC01-a1"
    page = client.get(_preview(row)).content.decode()
    assert re.search(r"Activity A2 — Orienter</span>.*?<strong>C1.2</strong>", page, re.S)
    # Removed: its compétences stay, outside any activity.
    response = client.post(_edit(row, "activity", "ref=RNCP99999BC01-a1", action="remove"),
                           **HTMX)
    assert response.status_code == 200
    assert "Removed." in response.content.decode()
    assert re.search(r"Competences outside any activity</p>\s*<ul[^>]*>\s*<li[^>]*>"
                     r"<strong>C1.2</strong>", response.content.decode())
    bloc = _draft(row).blocs[0]
    assert [a.ref for a in bloc.activities] == ["A1"]
    assert [(c.ref, c.activity_ref) for c in bloc.competences] == [("C1.1", "A1"),
                                                                   ("C1.2", None)]
    # Refused values are said next to the field, nothing saved.
    response = client.post(edit_url, {"code": "", "title": ""})
    assert response.status_code == 422
    assert "Give the activity a code or a title." in response.content.decode()
    assert client.get(_edit(row, "activity", "ref=ghost")).status_code == 404


def test_a_modality_s_texts_are_edited_in_the_page(alice):
    row = _pending()
    client = _client(alice)
    url = _edit(row, "modality", "ref=E1")
    form = client.get(url).content.decode()
    for label in ("What the candidate does", "What the candidate hands in",
                  "Duration as written"):
        assert f">{label}:</label>" in form
    response = client.post(url, {
        "code": "E1", "title": "Étude de cas", "kind": "case_study",
        "description": "Analyse une situation réelle", "deliverables": "Un rapport écrit",
        "duration_minutes": "", "duration_text": "20 min de présentation + 10 min d'échange",
        "competences": ["C1.1"], "blocs": [],
    })
    assert response.status_code == 302
    modality = _draft(row).modalities[0]
    assert (modality.description, modality.deliverables, modality.duration_text) == (
        "Analyse une situation réelle", "Un rapport écrit",
        "20 min de présentation + 10 min d'échange")
    page = client.get(_preview(row)).content.decode()
    assert "What the candidate does: Analyse une situation réelle" in page
    assert "What the candidate hands in: Un rapport écrit" in page
    assert "20 min de présentation + 10 min d&#x27;échange" in page
    # The form shows them again.
    form = client.get(url).content.decode()
    assert "\nUn rapport écrit</textarea>" in form


def _order(row: ReferentielImport) -> list[str]:
    return [c.ref for c in _draft(row).blocs[0].competences]


def test_competences_move_up_and_down_within_their_group(alice):
    draft = make_draft(competences=3)
    draft.blocs[0].competences[1].activity_ref = None  # C1.2 outside the activity A1
    row = _pending(draft)
    client = _client(alice)
    move_url = _edit(row, "competence", "ref=C1.1", action="move")
    page = client.get(_preview(row)).content.decode()
    c11, c13 = anchor(0, "competence", "C1.1"), anchor(0, "competence", "C1.3")
    # Within the group the page shows (activity A1: C1.1 then C1.3): C1.1 goes down after
    # C1.3 (position 2), C1.3 up before C1.1 (position 0); no « up » at the top.
    assert f'action="{move_url.replace("&", "&amp;")}"' in page
    assert re.search(rf'id="{c11}-down" name="position" value="2"', page)
    assert f'id="{c11}-up"' not in page
    assert re.search(rf'id="{c13}-up" name="position" value="0"', page)
    assert f'id="{c13}-down"' not in page
    # Without JavaScript: back to the preview at the item.
    response = client.post(_edit(row, "competence", "ref=C1.3", action="move"),
                           {"position": "0"})
    assert response["Location"] == f"{_preview(row)}#{c13}"
    assert _order(row) == ["C1.3", "C1.1", "C1.2"]
    # With htmx: the section again; the focus on the Edit link once at the bottom.
    response = client.post(_edit(row, "competence", "ref=C1.3", action="move"),
                           {"position": "2"}, **HTMX)
    assert _order(row) == ["C1.1", "C1.2", "C1.3"]
    section = response.content.decode()
    assert "Moved." in section
    assert re.search(rf'<li id="{c13}"[^>]*>.*?hx-swap="outerHTML" autofocus>Edit', section,
                     re.S)
    # … on the button pressed while it can be pressed again.
    draft = make_draft(competences=3)
    row = _pending(draft)
    response = client.post(_edit(row, "competence", "ref=C1.3", action="move"),
                           {"position": "1"}, **HTMX)
    assert _order(row) == ["C1.1", "C1.3", "C1.2"]
    assert re.search(rf'id="{c13}-up" name="position" value="0" class="button--link"'
                     r' autofocus>Move up', response.content.decode())
    for bad in ({"position": "x"}, {}):
        assert client.post(_edit(row, "competence", "ref=C1.3", action="move"),
                           bad).status_code == 404
    assert client.post(_edit(row, "bloc", "ref=RNCP99999BC01", action="move"),
                       {"position": "0"}).status_code == 404
    assert client.get(_edit(row, "competence", "ref=C1.3", action="move")).status_code == 405


def _live(fragment: str, field_id: str) -> str:
    found = re.search(rf'<div id="{field_id}_live" hx-swap-oob="innerHTML">(.*?)</div>',
                      fragment, re.S)
    assert found, f"no error region for {field_id}"
    return found.group(1)


def test_item_forms_are_checked_as_typed_and_nothing_is_saved(alice):
    row = _pending()
    client = _client(alice)
    url = _edit(row, "competence", "ref=C1.1")
    item = anchor(0, "competence", "C1.1")
    fragment = client.get(url, **HTMX).content.decode()
    # The fieldset posts what is typed (validate=1) and swaps nothing but error regions.
    assert re.search(rf'<fieldset hx-post="{re.escape(url)}" hx-vals=\'{{"validate": "1"}}\' '
                     r'hx-trigger="change, keyup changed delay:600ms" hx-target="this" '
                     r'hx-swap="none"', fragment)
    assert f'<div id="{item}-code_live" class="editor-live" aria-live="polite"></div>' in (
        fragment)
    assert "hx-trigger" not in client.get(url).content.decode()  # no JavaScript: as before
    # A duplicate code: said at once, nothing saved.
    checked = client.post(url, {**_competence_post("Compétence 1.1"), "code": "C1.2",
                                "validate": "1"}, **HTMX)
    assert checked.status_code == 200
    answer = checked.content.decode()
    assert "Another competence has this code." in _live(answer, f"{item}-code")
    assert _live(answer, f"{item}-title").strip() == ""
    assert "<input" not in answer  # the fields are left alone
    assert _draft(row).blocs[0].competences[0].code == "C1.1"
    assert "<strong>C1.1</strong> — Compétence 1.1" in client.get(_preview(row)).content.decode()
    # A good value: no error, and still nothing saved.
    answer = client.post(url, {**_competence_post("Analyser le besoin"), "validate": "1"},
                         **HTMX).content.decode()
    assert "errorlist" not in answer
    assert _live(answer, f"{item}-code").strip() == ""
    assert _draft(row).blocs[0].competences[0].title == "Compétence 1.1"
    # A bad RNCP code in the certification's form.
    cert = anchor(0, "certification")
    answer = client.post(_edit(row, "certification"), {
        "code": "RNCP12AB", "title": "Chef de projet de démonstration", "validate": "1",
    }, **HTMX).content.decode()
    assert "Enter an RNCP or RS code" in _live(answer, f"{cert}-code")
    assert _draft(row).certification.code == "RNCP99999"
    # The rules, checked the same way.
    answer = client.post(_edit(row, "rules"), {"d0-rules-quorum_min_members": "99",
                                               "d0-rules-divergence_threshold": "2",
                                               "validate": "1"}, **HTMX).content.decode()
    assert "Enter a number from 1 to 20." in _live(
        answer, "d0-rules-d0-rules-quorum_min_members")
    assert _draft(row).rules == {}
    page = client.get(_preview(row)).content.decode()
    assert 'id="d0-rules-d0-rules-quorum_min_members_live"' in page


def test_a_new_item_s_untyped_fields_are_not_errors_yet(alice):
    row = _pending()
    client = _client(alice)
    url = _edit(row, "competence", "ref=RNCP99999BC01", action="add")
    swap = f"d0-add-competence-{anchor(0, 'bloc', 'RNCP99999BC01')}"
    answer = client.post(url, {"code": "C1.1", "title": "", "bloc": "RNCP99999BC01",
                               "validate": "1"}, **HTMX).content.decode()
    assert "Another competence has this code." in _live(answer, f"{swap}-code")
    assert _live(answer, f"{swap}-title").strip() == ""  # not typed yet
    assert len(_draft(row).blocs[0].competences) == 2
    # The save still says it.
    response = client.post(url, {"code": "C1.9", "title": "", "bloc": "RNCP99999BC01"})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_the_check_as_typed_reads_in_few_queries(alice, django_assert_max_num_queries):
    client = _client(alice)
    row = _pending(make_draft(blocs=8, competences=6))
    url = _edit(row, "competence", "ref=C1.1")
    with django_assert_max_num_queries(4):
        response = client.post(url, {**_competence_post("Autre"), "validate": "1"}, **HTMX)
    assert response.status_code == 200
    with django_assert_max_num_queries(4):
        client.post(_edit(row, "certification"), {"code": "X", "title": "T", "validate": "1"},
                    **HTMX)
