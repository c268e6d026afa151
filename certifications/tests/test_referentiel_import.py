import pytest

from certifications.importers.draft import CriterionDraft, LevelDraft, ScaleDraft
from certifications.models import Bloc, Certification, Competence, Criterion, Modality, Referentiel
from certifications.services import (
    ImportAction,
    ReferentielImportError,
    referentiel_import,
    referentiel_lock,
    scale_default,
)
from certifications.tests.drafts import make_draft
from certifications.vocabulary import LevelOutcome

pytestmark = pytest.mark.django_db


def test_it_saves_every_part_of_a_draft():
    result = referentiel_import(draft=make_draft(blocs=3, competences=2))
    referentiel = result.referentiel
    assert result.action is ImportAction.CREATED
    assert referentiel.version == 1
    assert referentiel.scale == scale_default()
    assert referentiel.blocs.count() == 3
    assert Competence.objects.filter(bloc__referentiel=referentiel).count() == 6
    assert Criterion.objects.filter(bloc__referentiel=referentiel).count() == 6
    modality = referentiel.modalities.get()
    assert modality.competences.count() == 6
    assert modality.blocs.count() == 3
    competence = Competence.objects.get(code="C2.1")
    assert competence.activity.code == "A2"
    assert list(competence.criteria.values_list("modality__code", flat=True)) == ["E1"]
    certification = referentiel.certification
    assert (certification.code, certification.level, certification.eqf_level) == (
        "RNCP99999", 7, 7)
    assert certification.requirements.get().label.startswith("Mission")
    assert certification.rules.divergence_threshold == 2


def test_it_saves_a_draft_in_a_bounded_number_of_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        referentiel_import(draft=make_draft(blocs=6, competences=8))


def test_importing_the_same_content_again_writes_nothing():
    first = referentiel_import(draft=make_draft())
    again = referentiel_import(draft=make_draft())
    assert again.action is ImportAction.UNCHANGED
    assert again.referentiel == first.referentiel
    assert Referentiel.objects.count() == 1
    assert Bloc.objects.count() == 2


def test_it_replaces_the_content_of_a_version_nobody_was_scored_on():
    first = referentiel_import(draft=make_draft(blocs=2))
    second = referentiel_import(draft=make_draft(blocs=3))
    assert second.action is ImportAction.REPLACED
    assert second.referentiel == first.referentiel
    assert Bloc.objects.count() == 3
    assert Modality.objects.count() == 1


def test_it_makes_a_new_version_once_the_latest_is_locked():
    first = referentiel_import(draft=make_draft(blocs=2)).referentiel
    referentiel_lock(referentiel=first)
    second = referentiel_import(draft=make_draft(blocs=3))
    assert second.action is ImportAction.NEW_VERSION
    assert second.referentiel.version == 2
    assert first.blocs.count() == 2  # the locked version kept its content
    assert Certification.objects.count() == 1


def test_locking_happens_once_even_when_asked_twice():
    referentiel = referentiel_import(draft=make_draft()).referentiel
    assert referentiel_lock(referentiel=referentiel) is True
    locked_at = referentiel.locked_at
    assert referentiel_lock(referentiel=referentiel) is False
    assert referentiel.locked_at == locked_at


def test_a_draft_with_errors_writes_nothing():
    draft = make_draft()
    draft.blocs[1].criteria.append(CriterionDraft(text="Orphelin", competence_refs=["C9.9"]))
    with pytest.raises(ReferentielImportError, match=r"C9\.9"):
        referentiel_import(draft=draft)
    assert not Certification.objects.exists()
    assert not Bloc.objects.exists()


def test_a_draft_without_code_is_kept_with_a_warning_and_matched_by_title():
    draft = make_draft(code="")
    result = referentiel_import(draft=draft)
    assert result.referentiel.certification.code == ""
    assert any("Code RNCP absent" in issue.message for issue in result.issues)
    assert referentiel_import(draft=make_draft(code="")).action is ImportAction.UNCHANGED
    assert Certification.objects.count() == 1


def test_a_draft_with_its_own_scale_gets_that_scale_once():
    def with_scale():
        draft = make_draft()
        draft.scale = ScaleDraft(name="Trois niveaux", levels=[
            LevelDraft(1, "Maîtrisé"), LevelDraft(2, "Partiel", outcome=LevelOutcome.COMPLEMENT),
            LevelDraft(3, "Non maîtrisé", outcome=LevelOutcome.RATTRAPAGE)])
        return draft

    scale = referentiel_import(draft=with_scale()).referentiel.scale
    assert [level.label for level in scale.levels.all()] == ["Maîtrisé", "Partiel", "Non maîtrisé"]
    assert [level.comment_required for level in scale.levels.all()] == [False, True, True]
    draft = with_scale()
    draft.blocs[0].title = "Autre intitulé"
    assert referentiel_import(draft=draft).referentiel.scale == scale


def test_the_default_scale_is_the_four_levels_of_rncp35609():
    labels = list(scale_default().levels.values_list("number", "outcome", "comment_required"))
    assert labels == [(1, "acquired", False), (2, "acquired", False),
                      (3, "complement", True), (4, "rattrapage", True)]


def test_the_default_scale_matches_the_one_the_formats_use():
    from certifications.importers.defaults import DEFAULT_SCALE

    stored = [(lv.number, lv.label, lv.description, lv.outcome)
              for lv in scale_default().levels.all()]
    assert stored == [(lv.number, lv.label, lv.description, lv.outcome.value)
                      for lv in DEFAULT_SCALE.levels]


def test_the_default_scale_comes_back_if_it_was_removed():
    from certifications.models import Scale

    Scale.objects.filter(code=Scale.DEFAULT_CODE).delete()
    assert [level.number for level in scale_default().levels.all()] == [1, 2, 3, 4]


def test_an_unchanged_reimport_keeps_the_requirement_rows():
    from certifications.models import Requirement

    referentiel_import(draft=make_draft())
    before = list(Requirement.objects.values_list("pk", flat=True))
    referentiel_import(draft=make_draft())
    assert list(Requirement.objects.values_list("pk", flat=True)) == before
    changed = make_draft()
    changed.certification.requirements[0].label = "Mission de 6 mois"
    referentiel_import(draft=changed)
    assert list(Requirement.objects.values_list("label", flat=True)) == ["Mission de 6 mois"]
