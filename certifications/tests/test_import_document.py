"""The référentiel-document parser against the five seeds (shared/seeds/EXPECTED.md), a
référentiel written for these tests, and input that is not a référentiel at all.

Plain functions, no database: the parser only builds dataclasses.
"""

from __future__ import annotations

import contextlib
import io
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certifications.errors import ImportFormatError
from certifications.importers.document import parse
from certifications.importers.draft import ReferentielDraft
from certifications.importers.validation import validate
from certifications.vocabulary import LevelOutcome, ModalityKind
from demo.certifications import SEEDS_DIR

SEEDS = SEEDS_DIR
SEED_000 = "000_d9cf31af56cbd7f4.txt"
SEED_001 = "001_b662725314731ad8.txt"
SEED_002 = "002_faa6f23e9f369a50.txt"
SEED_003 = "003_d8ac24bbc4ef792a.txt"
SEED_004 = "004_622301eea10cee80.txt"

EXPECTED_COUNTS = {
    SEED_000: {"blocs": 3, "competences": 11, "modalities": 3, "criteria": 36},
    SEED_001: {"blocs": 4, "competences": 20, "modalities": 7, "criteria": 37, "activities": 9},
    SEED_002: {"blocs": 6, "competences": 31, "modalities": 17, "criteria": 64, "activities": 17},
    SEED_003: {"blocs": 7, "competences": 39, "modalities": 16, "criteria": 0},
    SEED_004: {"blocs": 4, "competences": 21, "modalities": 1, "criteria": 32},
}

MISSING_CODE = (
    "Code RNCP absent du document : à compléter avant la délivrance des documents."
)


def seed_bytes(name: str) -> bytes:
    return (SEEDS / name).read_bytes()


def parse_bytes(data: bytes, name: str = "test.txt") -> ReferentielDraft:
    drafts = parse(io.BytesIO(data), name=name)
    assert len(drafts) == 1
    return drafts[0]


_cache: dict[str, ReferentielDraft] = {}


def seed(name: str) -> ReferentielDraft:
    if name not in _cache:
        _cache[name] = parse_bytes(seed_bytes(name), name)
    return _cache[name]


def messages(draft: ReferentielDraft) -> list[str]:
    """The parser's findings and the shared validation's, as the preview shows them."""
    return [issue.message for issue in validate(draft)]


def assert_consistent(draft: ReferentielDraft) -> None:
    """Every cross reference of the draft points at something in it, refs are unique."""
    competences = {c.ref for c in draft.competences()}
    activities = {a.ref for a in draft.activities()}
    modalities = {m.ref for m in draft.modalities}
    blocs = {b.ref for b in draft.blocs}
    refs = [c.ref for c in draft.competences()] + [a.ref for a in draft.activities()]
    refs += [m.ref for m in draft.modalities] + [b.ref for b in draft.blocs]
    assert len(refs) == len(set(refs))
    for competence in draft.competences():
        assert competence.activity_ref is None or competence.activity_ref in activities
    for criterion in draft.criteria():
        assert criterion.text
        assert set(criterion.competence_refs) <= competences
        assert criterion.modality_ref is None or criterion.modality_ref in modalities
    for modality in draft.modalities:
        assert set(modality.competence_refs) <= competences
        assert set(modality.bloc_refs) <= blocs


# -- the five seeds: counts --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), EXPECTED_COUNTS.items())
def test_seed_counts(name: str, expected: dict[str, int]) -> None:
    draft = seed(name)
    counts = draft.counts()
    assert {key: counts[key] for key in expected} == expected
    assert draft.source_format == "document"
    assert draft.source_name == name
    assert not draft.has_errors()
    assert_consistent(draft)


@pytest.mark.parametrize("name", [SEED_000, SEED_001, SEED_002, SEED_004])
def test_seed_without_certification_code_keeps_it_empty_and_says_so(name: str) -> None:
    draft = seed(name)
    assert draft.certification.code == ""
    assert MISSING_CODE in messages(draft)


@pytest.mark.parametrize("name", EXPECTED_COUNTS)
def test_seed_titles_have_no_code_prefix(name: str) -> None:
    draft = seed(name)
    for bloc in draft.blocs:
        assert bloc.title
        assert not re.match(r"(bloc|cat[ée]gorie|RNCP|BC\d)", bloc.title, re.I)
    for competence in draft.competences():
        assert competence.title
        assert not competence.title.startswith(competence.code)
        assert not re.match(r"B?C\d", competence.title)


# -- 000: "Catégorie" blocs, E1–E3, criteria beside compétence rows ----------------------------


def test_000_codes_and_blocs() -> None:
    draft = seed(SEED_000)
    assert [c.code for c in draft.competences()] == [f"C{n}" for n in range(1, 12)]
    assert [m.code for m in draft.modalities] == ["E1", "E2", "E3"]
    assert draft.blocs[0].title.startswith("Collecter et analyser des données")
    assert [len(b.competences) for b in draft.blocs] == [3, 5, 3]


def test_000_e3_is_a_twenty_plus_ten_minute_presentation() -> None:
    e3 = next(m for m in seed(SEED_000).modalities if m.code == "E3")
    assert e3.title == "Projet professionnel"
    assert e3.kind is ModalityKind.PROJECT
    assert e3.duration_minutes == 30
    assert "20 minutes" in e3.duration_text
    assert "10 minutes" in e3.duration_text
    assert "soutenance" in e3.deliverables.lower()


def test_000_e1_separates_what_the_candidate_does_and_hands_in() -> None:
    e1 = seed(SEED_000).modalities[0]
    assert e1.title == "Mise en situation professionnelle 1"
    assert e1.description.startswith("Choisir des outils mathématiques")
    assert "note d'intention" in e1.deliverables


def test_000_criteria_sit_beside_their_competences() -> None:
    draft = seed(SEED_000)
    bloc1 = draft.blocs[0]
    assert [c.competence_refs for c in bloc1.criteria[:6]] == [["C1", "C2"]] * 6
    c10 = [c for c in draft.criteria() if c.competence_refs == ["C10"]]
    assert len(c10) == 4  # its list is cut by a page break
    assert all(c.text.startswith("Le candidat") for c in draft.criteria())


def test_000_competence_cut_by_a_page_break_is_joined() -> None:
    competences = {c.code: c for c in seed(SEED_000).competences()}
    assert competences["C10"].title.endswith("au sein d'une entreprise")
    assert competences["C10"].description.startswith("Cette compétence consiste")
    assert "utilisées dans des applications d'IA" in competences["C2"].description
    assert competences["C7"].description.endswith("applicatif à résoudre.")


# -- 001: activities A*, compétences C*.*.*, a team épreuve ------------------------------------


def test_001_activities_and_competences() -> None:
    draft = seed(SEED_001)
    codes = [a.code for a in draft.activities()]
    assert codes == ["A1.1", "A1.2", "A2.1", "A2.2", "A3.1", "A3.2", "A4.1", "A4.2", "A4.3"]
    assert all(re.fullmatch(r"C\d\.\d\.\d", c.code) for c in draft.competences())
    by_code = {c.code: c for c in draft.competences()}
    assert by_code["C2.1.1"].activity_ref == "A2.1"  # written "A.2.1." in the document
    assert by_code["C4.2.2"].activity_ref == "A4.2"
    assert by_code["C4.1.2"].title.startswith("Réaliser des simulations")


def test_001_bloc1_is_a_team_exercise_scored_individually() -> None:
    draft = seed(SEED_001)
    bloc1_modalities = [m for m in draft.modalities if m.bloc_refs == [draft.blocs[0].ref]]
    assert len(bloc1_modalities) == 1
    modality = bloc1_modalities[0]
    assert modality.team is True
    assert modality.kind is ModalityKind.WORK_SITUATION
    assert "individuelle" in modality.description
    assert len(modality.competence_refs) == 4


def test_001_criterion_continued_after_the_table() -> None:
    bloc2 = seed(SEED_001).blocs[1]
    texts = [c.text for c in bloc2.criteria]
    assert len(texts) == 11
    assert (
        "Les résultats des modèles et algorithmes développés et programmés dans le cadre de "
        "l'application sont analysés et traités."
    ) in texts
    assert texts[-1] == "Des axes d'amélioration sont proposés eu égard aux résultats."


def test_001_modality_names_the_competences_it_evaluates() -> None:
    draft = seed(SEED_001)
    project = next(m for m in draft.modalities if m.title == "Projet professionnel")
    assert project.competence_refs == ["C3.1.4", "C3.2.1", "C3.2.2"]


# -- 002: six blocs, extra requirements, accommodations ----------------------------------------


def test_002_requirements_and_accommodations() -> None:
    cert = seed(SEED_002).certification
    assert cert.title.startswith("Chef de projet en développement de solutions")
    assert cert.accommodations_available is True
    # "La validation des 6 blocs" is what any certification requires: not an extra one.
    assert len(cert.requirements) == 1
    mission = cert.requirements[0]
    assert "mission en entreprise" in mission.label
    assert "3 mois" in mission.description
    assert "rapport" in mission.description
    assert "soutenance" in mission.description


def test_002_blocs_activities_and_repeated_modalities() -> None:
    draft = seed(SEED_002)
    assert draft.blocs[1].title == "Analyser et traiter des données"  # title on its own row
    assert [len(b.activities) for b in draft.blocs] == [3, 2, 3, 3, 3, 3]
    assert [len(b.competences) for b in draft.blocs] == [5, 5, 7, 6, 4, 4]
    bloc6 = draft.blocs[5].ref
    titles = [m.title for m in draft.modalities if m.bloc_refs == [bloc6]]
    assert titles.count("Mise en situation professionnelle (suite)") == 2
    criterion = next(c for c in draft.criteria() if c.text.startswith("Une analyse de l'é"))
    assert criterion.text.endswith("solution IA est réalisée")  # "est - réalisée" in the file


# -- 003: a France Compétences fiche -----------------------------------------------------------


def test_003_certification_facts() -> None:
    cert = seed(SEED_003).certification
    assert cert.code == "RNCP35609"
    assert cert.title.startswith("Chef de Projets en Intelligence Artificielle")
    assert cert.level == 7
    assert cert.eqf_level == 7
    assert cert.nsf_codes == ["326"]
    assert cert.formacodes == ["50105", "31028"]
    assert cert.rome_codes == ["M1805", "H1206", "H2502"]
    assert cert.registration_date == date(2021, 5, 19)
    assert cert.registration_end_date == date(2024, 5, 19)
    assert "vae" in cert.access_routes
    assert cert.active is True


def test_003_blocs_and_competences_from_the_bloc_table() -> None:
    draft = seed(SEED_003)
    assert [b.code for b in draft.blocs] == [f"RNCP35609BC0{n}" for n in range(1, 8)]
    assert [len(b.competences) for b in draft.blocs] == [5, 6, 7, 6, 5, 5, 5]
    assert draft.competences()[0].code == "BC1.1"
    assert draft.competences()[-1].code == "BC7.5"
    assert all(b.certifiable_alone for b in draft.blocs)
    titles = {c.code: c.title for c in draft.competences()}
    # Halves of cells cut by page breaks come back to their compétence.
    assert titles["BC5.1"].endswith("capacité à résoudre des problèmes spécifiques.")
    assert titles["BC7.1"].endswith("et mieux saisir les enjeux.")
    assert titles["BC7.2"].startswith("Formuler une problématique")  # written "BC7. 2\_"
    assert draft.blocs[4].title.endswith("prises de décision managériales et marketing")


def test_003_scale() -> None:
    scale = seed(SEED_003).scale
    assert scale is not None
    assert [level.number for level in scale.levels] == [1, 2, 3, 4]
    assert "validée au-delà des attentes" in scale.levels[0].label
    assert "non acquise" in scale.levels[3].label
    assert "rattrapage requis" in scale.levels[3].label.lower()
    assert [level.outcome for level in scale.levels] == [
        LevelOutcome.ACQUIRED,
        LevelOutcome.ACQUIRED,
        LevelOutcome.COMPLEMENT,
        LevelOutcome.RATTRAPAGE,
    ]
    assert all(level.description for level in scale.levels)
    assert "écarts mineurs" in scale.levels[2].description


def test_003_bloc7_is_assessed_by_a_thesis() -> None:
    draft = seed(SEED_003)
    bloc7 = draft.blocs[6]
    modalities = [m for m in draft.modalities if bloc7.ref in m.bloc_refs]
    assert [m.kind for m in modalities] == [ModalityKind.THESIS]
    assert modalities[0].competence_refs == [c.ref for c in bloc7.competences]
    assert "thèse" in bloc7.assessment_text
    assert not any(m.kind is ModalityKind.THESIS for m in draft.modalities[:-1])


# -- 004: one épreuve for four blocs -----------------------------------------------------------


def test_004_one_modality_shared_by_all_blocs() -> None:
    draft = seed(SEED_004)
    assert [c.code for c in draft.competences()] == [f"C{n}" for n in range(1, 22)]
    (e1,) = draft.modalities
    assert e1.code == "E1"
    assert e1.bloc_refs == [b.ref for b in draft.blocs]
    assert e1.competence_refs == [c.ref for c in draft.competences()]
    assert e1.kind is ModalityKind.CASE_STUDY
    assert [len(b.criteria) for b in draft.blocs] == [6, 15, 4, 7]
    assert all(c.modality_ref == "E1" for c in draft.criteria())


# -- a référentiel written for these tests: the parser is not keyed on the seeds ---------------

HAND_WRITTEN = "\n".join(
    [
        "Référentiel Technicien en maintenance de drones",
        "",
        "Bloc de compétences 1 : Préparer une intervention",
        "",
        "REFERENTIEL D'ACTIVITES\tREFERENTIEL DE COMPETENCES\tREFERENTIEL D'EVALUATION\t",
        "\t\tMODALITÉS D'ÉVALUATION\tCRITÈRES D'ÉVALUATION",
        "A.1.1. Diagnostic de la panne\tC 1.1. Identifier la panne à partir du journal de vol."
        "\t<u>Étude de cas :</u> en équipe de trois, 45 min, chaque candidat est noté seul."
        "\t<ul> - Le journal est lu en entier. - La panne est nommée.",
        "\tC1.2. Chiffrer la réparation en tenant compte des pièces disponibles.\t\t",
        "A1.2. Commande des pièces\tC1.3. Commander les pièces auprès des fournisseurs agréés."
        "\t<u>Mise en situation professionnelle :</u> commande réelle sur le logiciel de "
        "l'atelier.\t- Le bon de commande est complet et les délais sont",
        "",
        "respectés par le candidat.",
        "- Le fournisseur choisi est agréé.",
        "",
        "Bloc de compétences 2 : Réparer et contrôler",
        "",
        "A2.1. Réparation\tC2.1. Remplacer un moteur défectueux.\t<p><b>E2. Épreuve pratique</b>"
        "</p> <p>Ce que doit faire le candidat : remplacer un moteur.</p> <p>Durée : 1 h 30</p>"
        "\t<ul><li>• Le moteur tourne.</li><li>• Le couple de serrage est respecté.</li></ul>",
        "\tC2.2. Contrôler l'appareil avant sa remise au client.\t\t<p>- Le vol d'essai est fait.",
        "",
        "L'obtention de la certification est conditionnée à :",
        "- La validation des 2 blocs de compétences",
        "- Un stage de 8 semaines en atelier",
    ]
)


def test_hand_written_referentiel() -> None:
    draft = parse_bytes(HAND_WRITTEN.encode("utf-8"))
    assert draft.counts() == {
        "blocs": 2,
        "activities": 3,
        "competences": 5,
        "criteria": 7,
        "modalities": 3,
    }
    assert_consistent(draft)
    cert = draft.certification
    assert cert.title == "Technicien en maintenance de drones"
    assert [r.label for r in cert.requirements] == ["Un stage de 8 semaines en atelier"]
    assert [a.code for a in draft.activities()] == ["A1.1", "A1.2", "A2.1"]
    assert [c.code for c in draft.competences()] == ["C1.1", "C1.2", "C1.3", "C2.1", "C2.2"]
    assert draft.competences()[1].activity_ref == "A1.1"
    case, situation, practical = draft.modalities
    assert (case.kind, case.team, case.duration_minutes) == (ModalityKind.CASE_STUDY, True, 45)
    assert case.competence_refs == ["C1.1", "C1.2"]
    assert situation.kind is ModalityKind.WORK_SITUATION
    assert (practical.code, practical.title, practical.duration_minutes) == (
        "E2",
        "Épreuve pratique",
        90,
    )
    texts = [c.text for c in draft.criteria()]
    assert "Le bon de commande est complet et les délais sont respectés par le candidat." in texts
    assert draft.blocs[0].criteria[-1].competence_refs == ["C1.3"]
    assert draft.blocs[1].criteria[-1].competence_refs == ["C2.2"]
    assert MISSING_CODE in messages(draft)


def test_hand_written_fiche_layout() -> None:
    """A fiche in the France Compétences style: codes on lines of their own, no criteria."""
    text = "\n\n".join(
        [
            "# Gestionnaire de paie",
            "Nomenclature du niveau de qualification : Niveau 5",
            "**RNCP12345**",
            "Code(s) NSF :",
            "- 315 : Ressources humaines",
            "## ▼ BLOCS DE COMPÉTENCES",
            "N° et intitulé du bloc\tListe de compétences\tModalités d'évaluation",
            "RNCP12345BC01 - Établir les bulletins de paie",
            "BC1.1\\_Collecter les éléments variables de paie.",
            "BC1.2\\_Calculer les cotisations sociales.",
            "### Étude de cas",
            "Sur un dossier réel, le candidat établit trois bulletins.",
            "RNCP12345BC02 - Déclarer les charges sociales",
            "BC2.1\\_Établir la déclaration sociale nominative.",
            "Mémoire professionnel",
            "Le candidat rédige un mémoire de 30 pages.",
            "## ▼ BASE LÉGALE",
            "Date de décision\t01-02-2023",
        ]
    )
    draft = parse_bytes(text.encode("utf-8"))
    assert draft.counts()["blocs"] == 2
    assert draft.counts()["competences"] == 3
    assert [m.kind for m in draft.modalities] == [ModalityKind.CASE_STUDY, ModalityKind.THESIS]
    cert = draft.certification
    assert (cert.code, cert.title, cert.level, cert.nsf_codes) == (
        "RNCP12345",
        "Gestionnaire de paie",
        5,
        ["315"],
    )
    assert cert.registration_date == date(2023, 2, 1)
    assert [b.code for b in draft.blocs] == ["RNCP12345BC01", "RNCP12345BC02"]
    assert MISSING_CODE not in messages(draft)


# -- encodings ---------------------------------------------------------------------------------


def test_utf8_bom_is_accepted() -> None:
    draft = parse_bytes(b"\xef\xbb\xbf" + seed_bytes(SEED_001))
    assert draft.counts()["competences"] == 20


def test_cp1252_falls_back_with_a_warning() -> None:
    data = seed_bytes(SEED_004).decode("utf-8").encode("cp1252", errors="replace")
    draft = parse_bytes(data)
    assert draft.counts()["competences"] == 21
    assert any("Windows-1252" in message for message in messages(draft))
    assert draft.blocs[0].title == "Analyse exploratoire et descriptive de la donnée"


# -- what is not a référentiel -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n\n\t \n", b"\x00\x01\x02binary\xff\xfe", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"],
)
def test_empty_or_binary_input_is_refused_with_a_line(data: bytes) -> None:
    with pytest.raises(ImportFormatError) as caught:
        parse_bytes(data)
    assert re.fullmatch(r"ligne \d+", caught.value.location)
    assert caught.value.message


def test_undecodable_input_names_its_line() -> None:
    data = b"Bloc 1 : Titre\nligne deux\n\x81\x8d\x8f\x90\x9d"
    with pytest.raises(ImportFormatError) as caught:
        parse_bytes(data)
    assert caught.value.location == "ligne 3"
    assert "UTF-8" in caught.value.message


def test_prose_is_not_a_referentiel() -> None:
    text = "Bonjour,\n\nVoici le compte rendu de la réunion de lundi.\n- point 1\n- point 2\n"
    with pytest.raises(ImportFormatError) as caught:
        parse_bytes(text.encode("utf-8"))
    assert "référentiel" in caught.value.message


@pytest.mark.parametrize("name", EXPECTED_COUNTS)
def test_truncated_seed_gives_an_error_or_a_draft_with_warnings(name: str) -> None:
    data = seed_bytes(name)
    cut = data[: len(data) * 3 // 10]
    result: ReferentielDraft | ImportFormatError
    try:
        result = parse_bytes(cut.decode("utf-8", errors="ignore").encode("utf-8"))
    except ImportFormatError as error:
        result = error
    if isinstance(result, ImportFormatError):
        assert result.message
    else:
        assert result.issues
        assert_consistent(result)


def test_random_bytes_never_raise_anything_else() -> None:
    import random

    generator = random.Random(1234)
    for _ in range(50):
        data = bytes(generator.randrange(256) for _ in range(generator.randrange(1, 400)))
        with contextlib.suppress(ImportFormatError):
            parse_bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_arbitrary_text_only_raises_import_format_error(text: str) -> None:
    try:
        draft = parse_bytes(text.encode("utf-8", errors="surrogatepass"))
    except ImportFormatError:
        return
    assert_consistent(draft)


_SEED_LINES = [
    line for name in EXPECTED_COUNTS for line in seed_bytes(name).decode("utf-8").splitlines()
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_SEED_LINES), max_size=80))
def test_shuffled_seed_lines_only_raise_import_format_error(lines: list[str]) -> None:
    try:
        draft = parse_bytes("\n".join(lines).encode("utf-8"))
    except ImportFormatError:
        return
    assert_consistent(draft)
