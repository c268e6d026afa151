"""Three référentiels written apart from the parser's own layout tests (fixtures/unseen/), after
the three held-out documents the issue describes: a titre professionnel with `<b>CP1.</b>` codes
and « BLOC 1 — RNCP…BC01 — » headings, a table whose columns run compétences | critères |
modalités with coded épreuves cited again by code, and a plain-text référentiel with label lines.
Each is read as text and as a Word file built here, and checked on what was read."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from certifications import importers
from certifications.importers.draft import ReferentielDraft, Severity
from certifications.importers.validation import validate
from certifications.vocabulary import ModalityKind

FIXTURES = Path(__file__).parent / "fixtures" / "unseen"


def _read(name: str) -> ReferentielDraft:
    [draft] = importers.parse(io.BytesIO((FIXTURES / name).read_bytes()), name=name)
    return draft


def word_from_plain_text(name: str) -> bytes:
    """The plain-text référentiel as a Word author writes it: headings, bold labels, bullets."""
    document = docx.Document()
    lines = [line for line in (FIXTURES / name).read_text().splitlines() if line.strip()]
    document.add_heading(lines[0], 0)
    for line in lines[1:]:
        if line.startswith("BLOC"):
            document.add_heading(line, 1)
        elif line.startswith("- "):
            document.add_paragraph(line[2:], style="List Bullet")
        elif line.endswith(":"):
            document.add_paragraph().add_run(line).bold = True
        else:
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _competences(draft: ReferentielDraft) -> list[tuple[str, str, str]]:
    return [(bloc.code, c.code, c.title) for bloc in draft.blocs for c in bloc.competences]


def _warnings(draft: ReferentielDraft) -> list[str]:
    return [i.message for i in draft.issues if i.severity is Severity.WARNING]


def test_titre_professionnel_with_cp_codes_and_em_dash_bloc_headings():
    draft = _read("a_tp.txt")
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == ("RNCP37674", "Développeur web et web mobile", 5)
    assert [c.legal_name for c in cert.certifiers] == [
        "Ministère du Travail, du Plein emploi et de l'Insertion"]
    assert [(b.code, b.title) for b in draft.blocs] == [
        ("RNCP37674BC01",
         "Développer la partie front-end d'une application web ou web mobile sécurisée"),
        ("RNCP37674BC02",
         "Développer la partie back-end d'une application web ou web mobile sécurisée"),
    ]
    assert _competences(draft)[0] == (
        "RNCP37674BC01", "CP1",
        "Installer et configurer son environnement de travail en fonction du projet web ou web "
        "mobile")
    assert [c for _, c, _ in _competences(draft)] == ["CP1", "CP2", "CP3", "CP4", "CP5"]
    assert [(c.text, c.competence_refs) for c in draft.criteria()][:3] == [
        ("L'environnement de développement est installé et configuré", ["CP1"]),
        ("Les outils de gestion de versions sont utilisés", ["CP1"]),
        ("La maquette respecte la charte graphique de l'entreprise", ["CP2"]),
    ]
    assert [(m.title, m.kind, m.duration_minutes, m.competence_refs)
            for m in draft.modalities] == [
        ("Mise en situation professionnelle", ModalityKind.WORK_SITUATION, 210,
         ["CP1", "CP2", "CP3"]),
        ("Entretien technique", ModalityKind.ORAL, 45, ["CP4", "CP5"]),
    ]
    # « Niveau 5 — RNCP37674 » is not labelled as the qualification's level: a guess, said.
    assert any("Niveau 5 déduit" in w for w in _warnings(draft))
    assert not [i for i in validate(draft) if i.severity is Severity.ERROR]


def test_columns_competences_criteria_modalities_with_coded_epreuves_cited_again():
    draft = _read("b_columns.txt")
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == (
        "RNCP38512", "Responsable de la transformation numérique des organisations", 7)
    # « … délivrée par l'Institut Numérique de Lyon »: the certifier, flagged as deduced.
    assert [c.legal_name for c in cert.certifiers] == ["Institut Numérique de Lyon"]
    assert any("Certificateur « Institut Numérique de Lyon » déduit" in w
               for w in _warnings(draft))
    assert [c[1:] for c in _competences(draft)] == [
        ("C1.1", "Réaliser un diagnostic de maturité numérique de l'organisation"),
        ("C1.2", "Définir une feuille de route de transformation hiérarchisée"),
        ("C1.3", "Présenter la feuille de route à la direction"),
        ("C2.1", "Identifier les résistances au changement et leurs causes"),
        ("C2.2", "Construire un plan d'accompagnement des équipes"),
    ]
    # M1 is described once and cited by its code in bloc 1 and in bloc 2: one épreuve.
    assert [(m.code, m.title, m.duration_minutes, m.competence_refs, m.bloc_refs)
            for m in draft.modalities] == [
        ("M1", "Étude de cas", 180, ["C1.1", "C1.2", "C2.1"], ["bloc1", "bloc2"]),
        ("M2", "Soutenance orale", 45, ["C1.3"], ["bloc1"]),
        ("M3", "Dossier professionnel rédigé en entreprise", None, ["C2.2"], ["bloc2"]),
    ]
    assert [(c.text, c.competence_refs, c.modality_ref) for c in draft.criteria()][-2:] == [
        ("Les résistances sont identifiées par groupe d'acteurs", ["C2.1"], "M1"),
        ("Le plan précise les actions, les délais et les responsables", ["C2.2"], "M3"),
    ]


@pytest.mark.parametrize("as_word", [False, True], ids=["text", "docx"])
def test_plain_text_with_label_lines(as_word):
    if as_word:
        [draft] = importers.parse(io.BytesIO(word_from_plain_text("c_plain.txt")),
                                  name="c_plain.docx")
    else:
        draft = _read("c_plain.txt")
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == (
        "RNCP36123", "Chargé d'accompagnement social et professionnel", 6)
    assert _competences(draft) == [
        ("RNCP36123BC01", "1.1",
         "Conduire un entretien d'accueil en adoptant une posture d'écoute active"),
        ("RNCP36123BC01", "1.2",
         "Analyser la situation sociale et professionnelle de la personne accompagnée"),
        ("RNCP36123BC02", "2.1", "Co-construire un projet d'insertion avec la personne"),
        ("RNCP36123BC02", "2.2", "Mobiliser les partenaires du territoire"),
        ("RNCP36123BC02", "2.3", "Évaluer les étapes du parcours et l'ajuster"),
    ]
    assert [(c.text, c.competence_refs) for c in draft.blocs[0].criteria] == [
        ("La demande de la personne est reformulée avec exactitude", ["1.1", "1.2"]),
        ("Les freins à l'insertion sont identifiés et hiérarchisés", ["1.1", "1.2"]),
    ]
    assert [(m.title, m.kind, m.duration_minutes, m.competence_refs)
            for m in draft.modalities] == [
        ("Étude de cas écrite", ModalityKind.CASE_STUDY, 150, ["1.1", "1.2"]),
        ("Mise en situation professionnelle suivie d'un entretien avec le jury",
         ModalityKind.WORK_SITUATION, 60, ["2.1", "2.2", "2.3"]),
    ]
