"""The editor's operations on a draft (certifications.services.draft_edit)."""

import copy
import io
from datetime import date

import pytest
from django.utils import translation

from certifications.importers import json_format
from certifications.models import Scale
from certifications.services.draft_edit import apply_op, apply_patch, check_patch, edit_issues
from certifications.tests.drafts import make_draft
from certifications.vocabulary import ModalityKind


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def draft():
    return make_draft()


def test_set_certification_changes_the_facts(draft):
    errors = apply_op(draft, {
        "op": "set_certification", "code": "rncp 12345", "title": "  Chef  de projet ",
        "level": "6", "eqf_level": 6, "nsf_codes": "310, 326n", "certifier": "Organisme X",
        "registration_date": "2025-01-02", "registration_end_date": "2030-01-01",
        "last_issuing_date": "",
    })
    assert errors == {}
    cert = draft.certification
    assert (cert.code, cert.title, cert.level, cert.eqf_level) == (
        "RNCP12345", "Chef de projet", 6, 6)
    assert cert.nsf_codes == ["310", "326n"]
    assert cert.certifiers[0].legal_name == "Organisme X"
    assert cert.registration_date == date(2025, 1, 2)
    assert cert.last_issuing_date is None


def test_set_certification_refuses_bad_values_and_changes_nothing(draft):
    before = copy.deepcopy(draft)
    errors = apply_op(draft, {
        "op": "set_certification", "code": "ABC", "title": "Nouveau", "level": "9",
        "registration_date": "2025-13-40", "nsf_codes": "32",
    })
    assert set(errors) == {"code", "level", "registration_date", "nsf_codes"}
    assert draft == before


def test_set_bloc_checks_its_code(draft):
    ref = draft.blocs[0].ref
    assert apply_op(draft, {"op": "set_bloc", "bloc": ref, "code": "RNCP99999BC07",
                            "title": "Piloter"}) == {}
    assert (draft.blocs[0].code, draft.blocs[0].title, draft.blocs[0].ref) == (
        "RNCP99999BC07", "Piloter", ref)
    errors = apply_op(draft, {"op": "set_bloc", "bloc": ref, "code": "RNCP11111BC01"})
    assert "is not a block code" in errors["code"]
    errors = apply_op(draft, {"op": "set_bloc", "bloc": ref, "code": draft.blocs[1].code})
    assert errors == {"code": "Another block has this code."}
    assert apply_op(draft, {"op": "set_bloc", "bloc": ref, "title": " "}) == {
        "title": "This field is required."}
    assert draft.blocs[0].title == "Piloter"


def test_add_and_remove_a_bloc(draft):
    assert apply_op(draft, {"op": "add_bloc", "code": "RNCP99999BC03", "title": "Nouveau"}) == {}
    new = draft.blocs[-1]
    assert (new.ref, new.code, new.title) == ("bloc-new1", "RNCP99999BC03", "Nouveau")
    first = draft.blocs[0]
    assert apply_op(draft, {"op": "remove_bloc", "bloc": first.ref}) == {}
    assert [b.ref for b in draft.blocs] == ["RNCP99999BC02", "bloc-new1"]
    # Its compétences are gone from the modality, and the bloc from its blocs.
    assert draft.modalities[0].competence_refs == ["C2.1", "C2.2"]
    assert draft.modalities[0].bloc_refs == ["RNCP99999BC02"]


def test_set_competence_keeps_its_ref(draft):
    assert apply_op(draft, {"op": "set_competence", "competence": "C1.1", "code": "C9",
                            "title": "Analyser le besoin", "description": "En détail"}) == {}
    competence = draft.blocs[0].competences[0]
    assert (competence.ref, competence.code, competence.title, competence.description) == (
        "C1.1", "C9", "Analyser le besoin", "En détail")
    assert draft.blocs[0].criteria[0].competence_refs == ["C1.1"]


def test_competence_code_must_be_unique_and_wording_present(draft):
    before = copy.deepcopy(draft)
    errors = apply_op(draft, {"op": "set_competence", "competence": "C1.1", "code": "C1.2",
                              "title": ""})
    assert errors == {"code": "Another competence has this code.",
                      "title": "This field is required."}
    assert draft == before
    assert apply_op(draft, {"op": "set_competence", "competence": "nope", "title": "x"}) == {
        "competence": "No such competence in this framework."}


def test_add_competence_gets_a_generated_ref(draft):
    bloc = draft.blocs[1]
    assert apply_op(draft, {"op": "add_competence", "bloc": bloc.ref, "code": "C2.3",
                            "title": "Évaluer"}) == {}
    assert apply_op(draft, {"op": "add_competence", "bloc": bloc.ref, "title": "Suivre",
                            "ref": "mine"}) == {}
    assert [(c.ref, c.code, c.title) for c in bloc.competences[-2:]] == [
        (f"{bloc.ref}-c1", "C2.3", "Évaluer"), ("mine", "", "Suivre")]
    assert apply_op(draft, {"op": "add_competence", "bloc": bloc.ref, "title": "X",
                            "ref": "mine"}) == {
        "ref": "This reference is already used in this framework."}


def test_remove_competence_drops_its_links(draft):
    assert apply_op(draft, {"op": "remove_competence", "competence": "C1.1"}) == {}
    assert [c.ref for c in draft.blocs[0].competences] == ["C1.2"]
    assert draft.blocs[0].criteria[0].competence_refs == []
    assert "C1.1" not in draft.modalities[0].competence_refs


def test_move_competence_to_another_bloc_takes_its_own_criteria(draft):
    source, target = draft.blocs
    assert apply_op(draft, {"op": "move_competence", "competence": "C1.1",
                            "bloc": target.ref, "position": 0}) == {}
    assert [c.ref for c in source.competences] == ["C1.2"]
    assert [c.ref for c in target.competences] == ["C1.1", "C2.1", "C2.2"]
    assert target.competences[0].activity_ref is None  # activities belong to their bloc
    assert [c.text for c in source.criteria] == ["Critère 1.C1.2"]
    assert [c.text for c in target.criteria][-1] == "Critère 1.C1.1"
    assert "C1.1" in draft.modalities[0].competence_refs


def test_move_competence_within_its_bloc(draft):
    bloc = draft.blocs[0]
    assert apply_op(draft, {"op": "move_competence", "competence": "C1.2",
                            "bloc": bloc.ref, "position": "0"}) == {}
    assert [c.ref for c in bloc.competences] == ["C1.2", "C1.1"]
    assert bloc.competences[0].activity_ref == "A1"
    assert apply_op(draft, {"op": "move_competence", "competence": "C1.2", "bloc": "x"}) == {
        "bloc": "No such block in this framework."}


def test_link_and_unlink_a_criterion(draft):
    bloc = draft.blocs[0]
    assert apply_op(draft, {"op": "set_criterion", "bloc": bloc.ref, "index": 0,
                            "competences": ["C1.1", "C2.1"], "text": "Mieux dit"}) == {}
    assert (bloc.criteria[0].text, bloc.criteria[0].competence_refs) == (
        "Mieux dit", ["C1.1", "C2.1"])
    assert apply_op(draft, {"op": "set_criterion", "bloc": bloc.ref, "index": "0",
                            "competences": []}) == {}
    assert bloc.criteria[0].competence_refs == []
    errors = apply_op(draft, {"op": "set_criterion", "bloc": bloc.ref, "index": 0,
                              "competences": ["C1.1", "ghost"]})
    assert errors == {"competences": "Unknown: ghost."}
    assert apply_op(draft, {"op": "set_criterion", "bloc": bloc.ref, "index": 7,
                            "text": "x"}) == {"index": "No such criterion in this block."}


def test_add_and_remove_criterion(draft):
    bloc = draft.blocs[0]
    assert apply_op(draft, {"op": "add_criterion", "bloc": bloc.ref, "text": "Nouveau",
                            "competences": "C1.2", "modality": "E1"}) == {}
    added = bloc.criteria[-1]
    assert (added.text, added.competence_refs, added.modality_ref) == (
        "Nouveau", ["C1.2"], "E1")
    assert apply_op(draft, {"op": "add_criterion", "bloc": bloc.ref, "text": ""}) == {
        "text": "This field is required."}
    assert apply_op(draft, {"op": "remove_criterion", "bloc": bloc.ref, "index": 0}) == {}
    assert [c.text for c in bloc.criteria] == ["Critère 1.C1.2", "Nouveau"]


def test_set_modality(draft):
    assert apply_op(draft, {
        "op": "set_modality", "modality": "E1", "code": "e2", "title": "Soutenance",
        "kind": "oral", "duration_minutes": "45", "team": "on", "competences": ["C1.1"],
        "blocs": [draft.blocs[0].ref],
    }) == {}
    modality = draft.modalities[0]
    assert (modality.ref, modality.code, modality.title, modality.kind) == (
        "E1", "E2", "Soutenance", ModalityKind.ORAL)
    assert (modality.duration_minutes, modality.team) == (45, True)
    assert (modality.competence_refs, modality.bloc_refs) == (["C1.1"], [draft.blocs[0].ref])
    errors = apply_op(draft, {"op": "set_modality", "modality": "E1", "kind": "dance",
                              "duration_minutes": "-3", "team": "maybe"})
    assert set(errors) == {"kind", "duration_minutes", "team"}
    assert modality.kind == ModalityKind.ORAL


def test_add_and_remove_modality_unlinks_criteria(draft):
    assert apply_op(draft, {"op": "add_modality", "title": "Dossier", "kind": "portfolio"}) == {}
    assert (draft.modalities[-1].ref, draft.modalities[-1].kind) == (
        "e-new1", ModalityKind.PORTFOLIO)
    assert apply_op(draft, {"op": "remove_modality", "modality": "E1"}) == {}
    assert [m.ref for m in draft.modalities] == ["e-new1"]
    assert all(c.modality_ref is None for c in draft.criteria())


@pytest.mark.django_db
def test_set_scale_takes_an_existing_scale(draft):
    other = Scale.objects.create(code="trois", name="Trois niveaux")
    assert [i.message for i in edit_issues(draft)] == [
        "The document states no scale: the default 4-level scale will be used."]
    assert apply_op(draft, {"op": "set_scale", "scale": other.code}) == {}
    assert draft.scale_code == "trois"
    assert edit_issues(draft) == []
    assert apply_op(draft, {"op": "set_scale", "scale": "nope"}) == {
        "scale": "Choose a scale from the list."}
    assert draft.scale_code == "trois"
    assert apply_op(draft, {"op": "set_scale", "scale": Scale.DEFAULT_CODE}) == {}
    assert draft.scale_code == Scale.DEFAULT_CODE


def test_set_rules(draft):
    assert apply_op(draft, {"op": "set_rules", "bloc_validity_months": "60",
                            "quorum_min_members": 3, "external_professional_share": "0,75",
                            "president_required": False}) == {}
    assert draft.rules == {"bloc_validity_months": 60, "quorum_min_members": 3,
                           "external_professional_share": "0.75", "president_required": False}
    errors = apply_op(draft, {"op": "set_rules", "external_professional_share": "2",
                              "divergence_threshold": "", "speed": 3})
    assert set(errors) == {"external_professional_share", "divergence_threshold", "speed"}
    assert draft.rules["external_professional_share"] == "0.75"


def test_patch_is_all_or_nothing(draft):
    before = copy.deepcopy(draft)
    errors = apply_patch(draft, [
        {"op": "set_competence", "competence": "C1.1", "title": "Changé"},
        {"op": "set_bloc", "bloc": "nope", "title": "x"},
    ])
    assert errors == {1: {"bloc": "No such block in this framework."}}
    assert draft == before
    assert apply_patch(draft, [{"op": "explode"}])[0]["op"].startswith("Unknown operation")
    assert apply_patch(draft, {"op": "set_bloc"}) == {0: {"ops": "Send a list of operations."}}
    assert apply_patch(draft, [
        {"op": "add_bloc", "title": "B3", "ref": "B3"},
        {"op": "add_competence", "bloc": "B3", "title": "Nouvelle", "ref": "N1"},
        {"op": "add_criterion", "bloc": "B3", "text": "Fait", "competences": ["N1"]},
    ]) == {}
    assert draft.blocs[-1].criteria[0].competence_refs == ["N1"]


def test_edited_draft_survives_the_json_round_trip(draft):
    apply_patch(draft, [{"op": "set_rules", "quorum_min_members": 4}])
    draft.scale_code = "trois"
    (read_back,) = json_format.parse(io.BytesIO(json_format.dumps(draft)))
    assert (read_back.scale_code, read_back.rules) == ("trois", {"quorum_min_members": 4})


def test_set_add_and_remove_an_activity(draft):
    bloc = draft.blocs[0]
    assert apply_op(draft, {"op": "set_activity", "activity": "A1", "code": " A9 ",
                            "title": "Accueillir  le public"}) == {}
    assert [(a.ref, a.code, a.title) for a in bloc.activities] == [
        ("A1", "A9", "Accueillir le public")]
    assert apply_op(draft, {"op": "add_activity", "bloc": bloc.ref, "code": "A10",
                            "title": "Orienter"}) == {}
    added = bloc.activities[-1]
    assert (added.ref, added.code, added.title) == (f"{bloc.ref}-a1", "A10", "Orienter")
    # A compétence takes an activity of its own bloc only.
    assert apply_op(draft, {"op": "set_competence", "competence": "C1.2",
                            "activity": added.ref}) == {}
    assert bloc.competences[1].activity_ref == added.ref
    assert apply_op(draft, {"op": "set_competence", "competence": "C1.2",
                            "activity": "A2"}) == {"activity": "No such activity in this block."}
    assert apply_op(draft, {"op": "add_competence", "bloc": bloc.ref, "title": "Nouvelle",
                            "activity": added.ref}) == {}
    assert bloc.competences[-1].activity_ref == added.ref
    # Removed: its compétences stay in the bloc, outside any activity.
    assert apply_op(draft, {"op": "remove_activity", "activity": added.ref}) == {}
    assert [a.ref for a in bloc.activities] == ["A1"]
    assert [(c.ref, c.activity_ref) for c in bloc.competences] == [
        ("C1.1", "A1"), ("C1.2", None), (f"{bloc.ref}-c1", None)]


def test_activity_values_are_checked(draft):
    bloc = draft.blocs[0]
    apply_op(draft, {"op": "add_activity", "bloc": bloc.ref, "code": "A2", "ref": "X"})
    before = copy.deepcopy(draft)
    assert apply_op(draft, {"op": "set_activity", "activity": "X", "code": "A1"}) == {
        "code": "Another activity of this block has this code."}
    # Another bloc may use the same code.
    assert apply_op(draft, {"op": "add_activity", "bloc": draft.blocs[1].ref,
                            "code": "A1"}) == {}
    del draft.blocs[1].activities[-1]
    assert apply_op(draft, {"op": "set_activity", "activity": "X", "code": "",
                            "title": " "}) == {"title": "Give the activity a code or a title."}
    assert apply_op(draft, {"op": "set_activity", "activity": "nope", "code": "A3"}) == {
        "activity": "No such activity in this framework."}
    assert apply_op(draft, {"op": "add_activity", "bloc": "nope", "code": "A3"}) == {
        "bloc": "No such block in this framework."}
    assert apply_op(draft, {"op": "remove_activity", "activity": "nope"}) == {
        "activity": "No such activity in this framework."}
    assert apply_op(draft, {"op": "set_competence", "competence": "C1.1",
                            "activity": ["A1"]}) == {
        "activity": "No such activity in this block."}
    assert draft == before


def test_set_modality_says_what_the_candidate_does_and_hands_in(draft):
    assert apply_op(draft, {"op": "set_modality", "modality": "E1",
                            "description": "Analyse un cas réel", "deliverables": "Un rapport",
                            "duration_text": "20 min  + 10 min"}) == {}
    modality = draft.modalities[0]
    assert (modality.description, modality.deliverables, modality.duration_text) == (
        "Analyse un cas réel", "Un rapport", "20 min + 10 min")
    assert apply_op(draft, {"op": "set_modality", "modality": "E1",
                            "deliverables": "x" * 2001}) == {
        "deliverables": "At most 2000 characters."}
    assert modality.deliverables == "Un rapport"


def test_check_patch_answers_like_apply_patch_and_changes_nothing(draft):
    before = copy.deepcopy(draft)
    assert check_patch(draft, [{"op": "set_competence", "competence": "C1.1",
                                "code": "C1.2"}]) == {
        0: {"code": "Another competence has this code."}}
    assert check_patch(draft, [{"op": "set_competence", "competence": "C1.1",
                                "title": "Changé"}]) == {}
    assert check_patch(draft, "nope") == {0: {"ops": "Send a list of operations."}}
    assert draft == before
