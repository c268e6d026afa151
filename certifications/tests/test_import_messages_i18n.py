"""The importers' messages are in the uploader's language: English msgids, French in the
catalogue (the default language). The same file read under each language gives the same
findings, worded and located in that language."""

from __future__ import annotations

import io

import pytest
from django.utils import translation

from certifications import importers
from certifications.errors import ImportFormatError
from certifications.importers.document import parse as parse_document
from certifications.importers.draft import (
    BlocDraft,
    CertificationDraft,
    CompetenceDraft,
    ReferentielDraft,
    Severity,
)
from certifications.importers.validation import validate
from certifications.tests import office_files as files

# "Niveau 6" on line 3 is not labelled as the qualification level: a guess, with a warning.
DOCUMENT = """Intitulé : Technicien de test
Code RNCP : RNCP12345
Niveau 6
Bloc 1 : Analyser
C1 Collecter les données
C2. Analyser les données
""".encode()

WARNINGS = {
    "en": [
        ("Level 6 deduced from the line “Niveau 6”: to be checked", "line 3"),
        ("Code missing for 1 bloc: to be completed", ""),
        ("No assessment criterion in the document: to be completed", ""),
        ("No assessment method recognised: to be completed", ""),
        ("Compétences assessed by no assessment method: C1, C2", "assessment methods"),
    ],
    "fr": [
        ("Niveau 6 déduit de la ligne « Niveau 6 » : à vérifier", "ligne 3"),
        ("Code absent pour 1 bloc(s) : à compléter", ""),
        ("Aucun critère d'évaluation dans le document : à compléter", ""),
        ("Aucune modalité d'évaluation reconnue : à compléter", ""),
        ("Compétences évaluées par aucune modalité : C1, C2", "modalités"),
    ],
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_documents_warnings_are_in_the_uploaders_language(language):
    with translation.override(language):
        (draft,) = parse_document(io.BytesIO(DOCUMENT), name="test.txt")
        issues = validate(draft)
    assert draft.certification.level == 6
    assert [(i.message, i.location) for i in issues] == WARNINGS[language]
    assert {i.severity for i in issues} == {Severity.WARNING}


def test_the_message_is_worded_when_made_not_when_shown():
    with translation.override("en"):
        (draft,) = parse_document(io.BytesIO(DOCUMENT), name="test.txt")
    with translation.override("fr"):
        assert draft.issues[0].message == "Level 6 deduced from the line “Niveau 6”: to be checked"
        assert draft.issues[0].location == "line 3"


@pytest.mark.parametrize(
    ("language", "message", "location"),
    [
        ("en", "The file is empty.", "line 1"),
        ("fr", "Le fichier est vide.", "ligne 1"),
    ],
)
def test_an_empty_file_is_refused_in_the_uploaders_language(language, message, location):
    with translation.override(language), pytest.raises(ImportFormatError) as caught:
        importers.parse(io.BytesIO(b"  \n"), name="vide.txt")
    assert (caught.value.message, caught.value.location) == (message, location)
    assert str(caught.value) == f"{location}: {message}"


_scan: list[bytes] = []


def _scanned_pdf() -> bytes:
    if not _scan:
        _scan.append(files.pdf_bytes("<html><body><div style='height: 5cm'></div></body></html>"))
    return _scan[0]


@pytest.mark.parametrize(
    ("language", "start", "location"),
    [
        ("en", "This PDF holds no text (a scanned document?): export it as text", "page 1"),
        ("fr", "Ce PDF ne contient pas de texte (document numérisé ?) : exportez-le en texte",
         "page 1"),
    ],
)
def test_a_scanned_pdf_is_refused_in_the_uploaders_language(language, start, location):
    with translation.override(language), pytest.raises(ImportFormatError) as caught:
        importers.parse(io.BytesIO(_scanned_pdf()), name="scan.pdf")
    assert caught.value.message.startswith(start)
    assert caught.value.location == location


@pytest.mark.parametrize(
    ("language", "message", "location"),
    [
        ("en", "Malformed XML: unexpected end of file (truncated file?)", "line 2, column 1"),
        ("fr", "XML mal formé : fin de fichier inattendue (fichier tronqué ?)",
         "ligne 2, colonne 1"),
    ],
)
def test_a_broken_xml_export_is_located_in_the_uploaders_language(language, message, location):
    with translation.override(language), pytest.raises(ImportFormatError) as caught:
        importers.parse(io.BytesIO(b"<?xml version='1.0'?><FICHES><FICHE>\n"), name="x.xml")
    assert (caught.value.message, caught.value.location) == (message, location)


@pytest.mark.parametrize(
    ("language", "message", "location"),
    [
        ("en", "Unknown key “colour”", "referentiel.certification"),
        ("fr", "Clé inconnue « colour »", "referentiel.certification"),
    ],
)
def test_a_json_path_keeps_its_keys_and_the_message_is_translated(language, message, location):
    data = (b'{"format": "certassess-referentiel", "version": 1, '
            b'"referentiel": {"certification": {"colour": "red"}}}')
    with translation.override(language), pytest.raises(ImportFormatError) as caught:
        importers.parse(io.BytesIO(data), name="r.json")
    assert (caught.value.message, caught.value.location) == (message, location)


def _draft_with_a_duplicate_code() -> ReferentielDraft:
    first = CompetenceDraft(ref="C1", code="C1", title="Collecter les données")
    again = CompetenceDraft(ref="C1", code="C1", title="Analyser les données")
    return ReferentielDraft(
        certification=CertificationDraft(code="RNCP12345", title="Technicien de test"),
        blocs=[BlocDraft(ref="RNCP12345BC01", code="RNCP12345BC01", title="Analyser",
                         competences=[first, again])],
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Compétence “C1” present 2 times."),
        ("fr", "Compétence « C1 » présente 2 fois."),
    ],
)
def test_a_duplicate_code_is_an_error_in_the_uploaders_language(language, message):
    with translation.override(language):
        issues = validate(_draft_with_a_duplicate_code())
    assert [i.message for i in issues if i.severity is Severity.ERROR] == [message]
