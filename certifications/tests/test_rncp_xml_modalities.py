"""MODALITES_EVALUATION of an RNCP XML fiche → the bloc's modalités (one per épreuve the
text names, else one for the bloc), each flagged for the administrator to confirm."""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from certifications.importers import rncp_xml
from certifications.importers.draft import ReferentielDraft, Severity
from certifications.importers.validation import validate
from certifications.models import Modality
from certifications.services import referentiel_import
from certifications.vocabulary import ModalityKind

FIXTURES = Path(__file__).parent / "fixtures"
GUESS = "Modalité déduite du texte MODALITES_EVALUATION : à confirmer"


def _fiche(*modalites: str | None, number: str = "RNCP40792") -> ReferentielDraft:
    """A fiche with one bloc (two compétences) per MODALITES_EVALUATION text given;
    None leaves the element out."""
    blocs = []
    for index, text in enumerate(modalites, start=1):
        element = "" if text is None else (
            f"<MODALITES_EVALUATION>{escape(text)}</MODALITES_EVALUATION>"
        )
        blocs.append(f"""
      <BLOC_COMPETENCES>
        <CODE>{number}BC0{index}</CODE>
        <LIBELLE>Bloc {index}</LIBELLE>
        <LISTE_COMPETENCES>* C{index}.1 Analyser la demande
          * C{index}.2 Rédiger la réponse</LISTE_COMPETENCES>
        {element}
      </BLOC_COMPETENCES>""")
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<FICHES><FICHE>
  <NUMERO_FICHE>{number}</NUMERO_FICHE>
  <INTITULE>Responsable de la relation client</INTITULE>
  <NOMENCLATURE_EUROPE><NIVEAU>NIV6</NIVEAU></NOMENCLATURE_EUROPE>
  <CERTIFICATEURS><CERTIFICATEUR><NOM_CERTIFICATEUR>Organisme test</NOM_CERTIFICATEUR>
  <SIRET_CERTIFICATEUR>12345678900012</SIRET_CERTIFICATEUR></CERTIFICATEUR></CERTIFICATEURS>
  <BLOCS_COMPETENCES>{"".join(blocs)}
  </BLOCS_COMPETENCES>
</FICHE></FICHES>"""
    [draft] = rncp_xml.parse(io.BytesIO(xml.encode()), name="fiche.xml")
    return draft


def _rows(draft: ReferentielDraft) -> list[tuple]:
    return [(m.title, m.kind, m.duration_minutes, m.team, m.bloc_refs, m.competence_refs)
            for m in draft.modalities]


def test_a_bullet_list_gives_one_modality_per_epreuve_with_kind_and_duration() -> None:
    draft = _fiche(
        "<p>Les compétences sont évaluées à travers :</p><ul>"
        "<li>une mise en situation professionnelle reconstituée de 2 h 30 en équipe ;</li>"
        "<li>un QCM de 45 minutes ;</li>"
        "<li>la soutenance d'un dossier professionnel (20 min).</li></ul>"
    )
    bloc, competences = ["RNCP40792BC01"], ["C1.1", "C1.2"]
    assert _rows(draft) == [
        ("Mise en situation professionnelle reconstituée de 2 h 30 en équipe",
         ModalityKind.WORK_SITUATION, 150, True, bloc, competences),
        ("QCM de 45 minutes", ModalityKind.QUIZ, 45, False, bloc, competences),
        ("Soutenance d'un dossier professionnel", ModalityKind.ORAL, 20, False, bloc,
         competences),
    ]
    assert draft.modalities[1].description == "un QCM de 45 minutes ;"
    assert draft.modalities[0].duration_text == "2 h 30"
    assert [(i.severity, i.message, i.location) for i in draft.issues] == [
        (Severity.WARNING, f"{GUESS} (« {title} »)", "FICHE RNCP40792 / BLOC_COMPETENCES[1]")
        for title, *_ in _rows(draft)
    ]


def test_a_paragraph_naming_two_epreuves_gives_two_with_their_own_sentences() -> None:
    draft = _fiche(
        "Le candidat réalise une étude de cas écrite d'une durée de 3 heures. Il présente "
        "ensuite un dossier devant le jury lors d'un entretien de 45 minutes. L'étude de cas "
        "porte sur une situation réelle de l'entreprise."
    )
    first, second = draft.modalities
    assert (first.title, first.kind, first.duration_minutes) == (
        "Étude de cas écrite d'une durée de 3 heures", ModalityKind.CASE_STUDY, 180)
    # The third sentence names the étude de cas again: it is added to it, not a third.
    assert first.description == (
        "Le candidat réalise une étude de cas écrite d'une durée de 3 heures.\n"
        "L'étude de cas porte sur une situation réelle de l'entreprise."
    )
    assert (second.title, second.kind, second.duration_minutes) == (
        "Dossier devant le jury lors d'un entretien de 45 minutes", ModalityKind.ORAL, 45)
    assert second.description.startswith("Il présente ensuite un dossier")


def test_one_sentence_joining_two_epreuves_gives_two() -> None:
    draft = _fiche("Projet tutoré et soutenance orale de 30 min.")
    assert [(m.title, m.kind, m.duration_minutes) for m in draft.modalities] == [
        ("Projet tutoré", ModalityKind.PROJECT, None),
        ("Soutenance orale de 30 min", ModalityKind.ORAL, 30),
    ]
    assert all(m.description == "Projet tutoré et soutenance orale de 30 min."
               for m in draft.modalities)


def test_a_text_naming_no_epreuve_gives_one_modality_for_the_bloc() -> None:
    text = "Évaluation continue tout au long du parcours, attestée par le tuteur (1 h)."
    draft = _fiche(text)
    [modality] = draft.modalities
    assert (modality.title, modality.kind, modality.description, modality.duration_minutes) == (
        "Évaluation du bloc RNCP40792BC01", ModalityKind.OTHER, text, 60)
    assert (modality.bloc_refs, modality.competence_refs) == (["RNCP40792BC01"],
                                                              ["C1.1", "C1.2"])
    assert draft.issues[0].message == f"{GUESS} (« Évaluation du bloc RNCP40792BC01 »)"


def test_a_bloc_without_text_gets_no_modality_and_a_warning() -> None:
    draft = _fiche("Cas pratique sur logiciel.", None, "")
    assert [m.bloc_refs for m in draft.modalities] == [["RNCP40792BC01"]]
    empty = [i for i in draft.issues if "MODALITES_EVALUATION vide" in i.message]
    assert [(i.severity, i.location) for i in empty] == [
        (Severity.WARNING, "FICHE RNCP40792 / BLOC_COMPETENCES[2]"),
        (Severity.WARNING, "FICHE RNCP40792 / BLOC_COMPETENCES[3]"),
    ]


def test_modality_refs_stay_unique_and_the_draft_validates() -> None:
    draft = _fiche("Étude de cas. Soutenance.", "Étude de cas et QCM.")
    assert [m.ref for m in draft.modalities] == [
        "RNCP40792BC01-E1", "RNCP40792BC01-E2", "RNCP40792BC02-E1", "RNCP40792BC02-E2",
    ]
    assert [i for i in validate(draft) if i.severity is Severity.ERROR] == []


def test_the_fixture_fiches_get_modalities_on_every_bloc_with_a_text() -> None:
    with (FIXTURES / "rncp_fiches.xml").open("rb") as source:
        ia, paie, projet = rncp_xml.parse(source, name="rncp_fiches.xml")
    assert len(ia.modalities) == 21  # étude de cas, mise en situation, soutenance × 7 blocs
    assert {m.bloc_refs[0] for m in ia.modalities} == {b.ref for b in ia.blocs}
    covered = {ref for m in ia.modalities for ref in m.competence_refs}
    assert covered == {c.ref for c in ia.competences()}
    assert [(m.title, m.kind) for m in paie.modalities] == [
        ("Cas pratique sur logiciel de paie", ModalityKind.CASE_STUDY)
    ]
    # RNCP34000's second bloc has no MODALITES_EVALUATION: no modality, a warning.
    assert [(m.title, m.bloc_refs) for m in projet.modalities] == [
        ("Projet tutoré", ["RNCP34000BC01"]), ("Soutenance", ["RNCP34000BC01"]),
    ]
    assert any("MODALITES_EVALUATION vide" in i.message and i.location.endswith("[2]")
               for i in projet.issues)


@pytest.mark.django_db
def test_imported_modalities_evaluate_the_bloc_competences() -> None:
    draft = _fiche("- Étude de cas (2 h)\n- Soutenance orale (30 min)")
    referentiel = referentiel_import(draft=draft).referentiel
    rows = [
        (m.title, m.kind, m.duration_minutes, sorted(c.code for c in m.competences.all()),
         [b.code for b in m.blocs.all()])
        for m in Modality.objects.filter(referentiel=referentiel).order_by("position")
    ]
    assert rows == [
        ("Étude de cas", "case_study", 120, ["C1.1", "C1.2"], ["RNCP40792BC01"]),
        ("Soutenance orale", "oral", 30, ["C1.1", "C1.2"], ["RNCP40792BC01"]),
    ]
