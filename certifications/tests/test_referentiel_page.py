"""The référentiel page (blocs, compétences, criteria, modalités, scale, rules, versions,
imports) and the start of an edition from it (a pending import of the version)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse

from certifications.importers import json_format
from certifications.models import Competence, Referentiel, ReferentielImport, RuleSet
from certifications.selectors import referentiel_import_drafts, referentiel_to_draft
from certifications.services import (
    referentiel_import,
    referentiel_import_confirm,
    referentiel_import_preview,
    referentiel_lock,
)
from certifications.services.editing import referentiel_edit_start
from certifications.services.referentiels import content_signature
from certifications.tests.drafts import make_draft

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _url(name: str, referentiel: Referentiel) -> str:
    return reverse(f"certifications:{name}", args=[referentiel.public_id])


def _imported(user, code: str = "RNCP99999", blocs: int = 2) -> Referentiel:
    """A version made through the wizard (upload, confirm) by ``user``."""
    data = json_format.dumps(make_draft(code=code, blocs=blocs))
    row = referentiel_import_preview(file=io.BytesIO(data), file_name="grille.json",
                                     size=len(data), created_by=user)
    referentiel_import_confirm(referentiel_import=row, confirmed_by=user)
    return Referentiel.objects.get(certification__code=code)


def test_the_page_shows_the_content_of_the_version(alice):
    referentiel = _imported(alice)
    RuleSet.objects.update_or_create(certification=referentiel.certification,
                                     defaults={"quorum_min_members": 3})
    response = _client(alice).get(_url("referentiel_detail", referentiel))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "RNCP99999", "Chef de projet de démonstration",  # certification facts
        "RNCP99999BC01", "Bloc 1", "RNCP99999BC02",  # blocs
        "Activité 1", "C1.1", "Compétence 1.1", "C2.2", "Compétence 2.2",  # activities, compétences
        "Critère 1.C1.1",  # criteria
        "Étude de cas", "case study", "30 min",  # the modality
        "Compétence validée au-delà des attentes", "rattrapage required",  # the scale
        "Minimum members present</dt><dd>3</dd>",  # the rules
        "Minimum share of external professionals</dt><dd>50%</dd>",
    ):
        assert text in page, text
    french = _client(alice).get(_url("referentiel_detail", referentiel),
                                headers={"accept-language": "fr"}).content.decode()
    assert "50\u202f%</dd>" in french
    assert _url("referentiel_export_json", referentiel) in page
    assert _url("referentiel_export_case", referentiel) in page
    assert reverse("certifications:certification_mentions",
                   args=[referentiel.certification.public_id]) in page
    assert "grille.json" in page  # the import that made it, with who
    assert "Alice" in page
    assert "evaluated by no assessment method" not in page


def test_the_list_links_each_version_to_its_page(alice):
    referentiel = _imported(alice)
    page = _client(alice).get(reverse("certifications:referentiel_list")).content.decode()
    assert _url("referentiel_detail", referentiel) in page
    assert "/admin/" not in page.split("<main", 1)[-1]


def test_versions_are_listed_and_linked(alice):
    first = _imported(alice)
    referentiel_lock(referentiel=first)
    changed = make_draft()
    changed.blocs[0].title = "Bloc 1 renommé"
    second = referentiel_import(draft=changed, imported_by=alice).referentiel
    assert second.version == 2
    page = _client(alice).get(_url("referentiel_detail", first)).content.decode()
    assert _url("referentiel_detail", second) in page  # the other version is a link
    assert "Version 2" in page
    assert "Locked since" in page
    assert "New version from this one" in page
    page = _client(alice).get(_url("referentiel_detail", second)).content.decode()
    assert _url("referentiel_detail", first) in page
    assert "Edit this version" in page
    assert "Bloc 1 renommé" in page


def test_a_competence_no_modality_evaluates_is_flagged(alice):
    referentiel = _imported(alice)
    Competence.objects.get(bloc__referentiel=referentiel, code="C2.1").modalities.clear()
    page = _client(alice).get(_url("referentiel_detail", referentiel)).content.decode()
    assert "1 competence is evaluated by no assessment method" in page
    assert "by no assessment method</strong>" in page


def test_a_jury_member_reads_it_without_the_edit_button_nor_imports(alice, bob):
    referentiel = _imported(alice)
    response = _client(bob).get(_url("referentiel_detail", referentiel))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Compétence 1.1" in page
    assert _url("referentiel_edit", referentiel) not in page
    assert 'id="imports"' not in page  # the imports are the administrators'
    assert _client(bob).post(_url("referentiel_edit", referentiel)).status_code == 404
    assert not ReferentielImport.objects.filter(format="edit").exists()


def test_others_get_a_404_and_anonymous_visitors_sign_in(alice, charlie):
    referentiel = _imported(alice)
    assert _client(charlie).get(_url("referentiel_detail", referentiel)).status_code == 404
    assert _client(charlie).post(_url("referentiel_edit", referentiel)).status_code == 404
    anonymous = Client().get(_url("referentiel_detail", referentiel))
    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"]


def test_the_page_reads_in_a_constant_number_of_queries(alice, django_assert_max_num_queries):
    small = _imported(alice, code="RNCP11111", blocs=1)
    large = _imported(alice, code="RNCP22222", blocs=5)
    client = _client(alice)
    client.get(_url("referentiel_detail", small))  # session, caches
    with django_assert_max_num_queries(20) as small_queries:
        assert client.get(_url("referentiel_detail", small)).status_code == 200
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        response = client.get(_url("referentiel_detail", large))
    assert "RNCP22222BC05" in response.content.decode()


# -- editing -------------------------------------------------------------------------------
def test_edit_start_makes_a_pending_import_with_the_same_content(alice):
    referentiel = _imported(alice)
    row = referentiel_edit_start(referentiel=referentiel, user=alice)
    assert (row.status, row.format, row.created_by) == (
        ReferentielImport.Status.PENDING, "edit", alice)
    assert row.file_name == "RNCP99999, version 1"
    [draft] = referentiel_import_drafts(referentiel_import=row)
    assert content_signature(draft) == content_signature(
        referentiel_to_draft(referentiel=referentiel))
    assert [c.code for c in draft.competences()] == ["C1.1", "C1.2", "C2.1", "C2.2"]
    [report] = row.report["drafts"]
    assert (report["code"], report["errors"], report["diff"]["action"]) == (
        "RNCP99999", [], "unchanged")


def test_the_button_starts_the_edition_and_opens_the_preview(alice):
    referentiel = _imported(alice)
    response = _client(alice).post(_url("referentiel_edit", referentiel))
    row = ReferentielImport.objects.get(format="edit")
    assert response.status_code == 302
    assert response["Location"] == reverse("certifications:import_preview",
                                           args=[row.public_id])
    assert _client(alice).get(_url("referentiel_edit", referentiel)).status_code == 405


def _retitle_first_competence(row: ReferentielImport, title: str) -> None:
    """What the preview's editor does: change the pending draft."""
    [draft] = referentiel_import_drafts(referentiel_import=row)
    draft.blocs[0].competences[0].title = title
    row.drafts = [json_format.dump(draft)]
    row.save(update_fields=["drafts"])


def test_an_unlocked_version_is_replaced_in_place(alice):
    referentiel = _imported(alice)
    row = referentiel_edit_start(referentiel=referentiel, user=alice)
    _retitle_first_competence(row, "Cartographier les données")
    referentiel_import_confirm(referentiel_import=row, confirmed_by=alice)
    assert row.result["referentiels"][0]["action"] == "replaced"
    [only] = Referentiel.objects.filter(certification=referentiel.certification)
    assert only.version == 1
    assert only.blocs.get(position=0).competences.order_by("position")[0].title == (
        "Cartographier les données")


def test_a_locked_version_is_never_edited_in_place_but_gives_a_new_version(alice):
    referentiel = _imported(alice)
    referentiel_lock(referentiel=referentiel)
    row = referentiel_edit_start(referentiel=referentiel, user=alice)
    _retitle_first_competence(row, "Cartographier les données")
    referentiel_import_confirm(referentiel_import=row, confirmed_by=alice)
    versions = list(Referentiel.objects.filter(certification=referentiel.certification)
                    .order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    old, new = versions
    assert Competence.objects.get(bloc__referentiel=old, code="C1.1").title == "Compétence 1.1"
    assert Competence.objects.get(bloc__referentiel=new, code="C1.1").title == (
        "Cartographier les données")
    assert row.result["referentiels"][0]["action"] == "new_version"
    # The new version's page names the edit as the import that made it.
    page = _client(alice).get(_url("referentiel_detail", new)).content.decode()
    assert "RNCP99999, version 1" in page
