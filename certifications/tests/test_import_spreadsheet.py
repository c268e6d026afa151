"""CSV / XLSX template → drafts (certifications.importers.spreadsheet)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from certifications.errors import ImportFormatError
from certifications.importers import spreadsheet
from certifications.importers.draft import ReferentielDraft, Severity
from certifications.vocabulary import ModalityKind

HEADER = [
    "Code certification",
    "Intitulé certification",
    "Code bloc",
    "Intitulé bloc",
    "Code activité",
    "Intitulé activité",
    "Code compétence",
    "Intitulé compétence",
    "Code modalité",
    "Intitulé modalité",
    "Type de modalité",
    "Critère d'évaluation",
]
ROWS = [
    [
        "RNCP35609",
        "Expert IA",
        "BC01",
        "Données",
        "A1",
        "Cartographier",
        "C1.1",
        "Recenser",
        "E1",
        "Étude de cas",
        "étude de cas",
        "Les sources sont recensées",
    ],
    [
        "",
        "",
        "BC01",
        "Données",
        "A1",
        "Cartographier",
        "C1.1",
        "Recenser",
        "E1",
        "Étude de cas",
        "",
        "Les sources sont qualifiées",
    ],
    [
        "",
        "",
        "BC01",
        "Données",
        "",
        "",
        "C1.2",
        "Gouverner",
        "E2",
        "Soutenance",
        "Soutenance orale",
        "Le critère commun",
    ],
    [
        "",
        "",
        "BC01",
        "Données",
        "",
        "",
        "C1.1",
        "Recenser",
        "E2",
        "Soutenance",
        "",
        "Le critère commun",
    ],
    ["", "", "BC02", "Modèles", "", "", "C2.1", "Entraîner", "", "", "", ""],
    ["", "", "", "Éthique", "", "", "", "Analyser les biais", "E1", "", "", "Biais listés"],
]


def _csv(rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _parse(data: bytes) -> list[ReferentielDraft]:
    return spreadsheet.parse(io.BytesIO(data), name="grille")


def _check_example(draft: ReferentielDraft) -> None:
    cert = draft.certification
    assert (cert.code, cert.title) == ("RNCP35609", "Expert IA")
    assert draft.source_format == "spreadsheet"
    assert draft.source_name == "grille"
    assert [(b.ref, b.code, b.title) for b in draft.blocs] == [
        ("BC01", "BC01", "Données"),
        ("BC02", "BC02", "Modèles"),
        ("bloc3", "", "Éthique"),
    ]
    bc01, bc02, bloc3 = draft.blocs
    assert [(a.ref, a.title) for a in bc01.activities] == [("A1", "Cartographier")]
    assert [(c.ref, c.activity_ref) for c in bc01.competences] == [("C1.1", "A1"), ("C1.2", None)]
    assert [(c.text, c.competence_refs, c.modality_ref) for c in bc01.criteria] == [
        ("Les sources sont recensées", ["C1.1"], "E1"),
        ("Les sources sont qualifiées", ["C1.1"], "E1"),
        ("Le critère commun", ["C1.2", "C1.1"], "E2"),  # one criterion, two compétences
    ]
    # A row without criterion still declares the compétence.
    assert [c.ref for c in bc02.competences] == ["C2.1"]
    assert bc02.criteria == []
    assert [(c.ref, c.code) for c in bloc3.competences] == [("bloc3-c1", "")]
    e1, e2 = draft.modalities
    assert (e1.ref, e1.kind, e1.bloc_refs) == ("E1", ModalityKind.CASE_STUDY, ["BC01", "bloc3"])
    assert (e2.kind, e2.competence_refs) == (ModalityKind.ORAL, ["C1.2", "C1.1"])
    assert not draft.has_errors()
    warnings = [(i.location, i.message) for i in draft.issues]
    assert ("ligne 7", "Bloc « Éthique » sans code : référence « bloc3 » générée") in warnings


def test_it_reads_a_csv_with_semicolons_and_bom() -> None:
    [draft] = _parse(_csv([HEADER, *ROWS]))
    _check_example(draft)


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_it_sniffs_other_delimiters(delimiter: str) -> None:
    [draft] = _parse(_csv([HEADER, *ROWS], delimiter=delimiter, encoding="utf-8"))
    _check_example(draft)


def test_it_reads_an_xlsx() -> None:
    [draft] = _parse(_xlsx([HEADER, *ROWS]))
    _check_example(draft)


def test_it_accepts_english_keys_and_header_variants_and_number_cells() -> None:
    header = ["BLOC_CODE", "intitule du bloc", "Competence code", "COMPÉTENCE", "criterion"]
    [draft] = _parse(_xlsx([header, [1, "Bloc un", 1.0, "Faire", "Bien fait"]]))
    [bloc] = draft.blocs
    assert (bloc.code, bloc.title) == ("1", "Bloc un")
    assert [(c.code, c.title) for c in bloc.competences] == [("1", "Faire")]
    assert draft.certification.code == ""


def test_it_makes_one_draft_per_certification_code() -> None:
    rows = [
        ["certification_code", "bloc_code", "competence_code", "competence_title"],
        ["RNCP1", "B1", "C1", "Un"],
        ["RNCP2", "B1", "C1", "Un"],
        ["", "B2", "C2", "Deux"],  # the code written once goes on
    ]
    first, second = _parse(_csv(rows))
    assert first.certification.code == "RNCP1"
    assert [b.code for b in second.blocs] == ["B1", "B2"]


def test_row_errors_name_the_row_and_make_the_draft_invalid() -> None:
    rows = [
        HEADER,
        ROWS[0],
        ["RNCP35609", "", "", "", "", "", "C9", "Sans bloc", "", "", "", "x"],
        ["RNCP35609", "", "BC01", "", "", "", "", "", "", "", "", "x"],
        ["RNCP35609", "", "BC01", "", "", "", "C1.1", "", "E1", "", "danse", ""],
    ]
    [draft] = _parse(_csv(rows))
    assert draft.has_errors()
    errors = [(i.location, i.message) for i in draft.issues if i.severity is Severity.ERROR]
    assert errors == [
        ("ligne 3", "Code de bloc manquant (et intitulé vide)"),
        ("ligne 4", "Compétence manquante (ni code ni intitulé)"),
    ]
    assert ("ligne 5", "Type de modalité « danse » inconnu : « autre » retenu") in [
        (i.location, i.message) for i in draft.issues
    ]


def test_a_missing_required_column_stops_the_import() -> None:
    with pytest.raises(ImportFormatError, match=r"Colonne obligatoire absente.*compétence") as e:
        _parse(_csv([["Code bloc", "Critère"], ["B1", "x"]]))
    assert e.value.location == "ligne 1"


def test_it_falls_back_to_cp1252_with_a_warning() -> None:
    [draft] = _parse(_csv([HEADER, *ROWS], encoding="cp1252"))
    assert draft.blocs[2].title == "Éthique"
    assert any("Windows-1252" in issue.message for issue in draft.issues)


def test_it_reads_utf16_text_from_excel() -> None:
    [draft] = _parse(_csv([HEADER, *ROWS], delimiter="\t", encoding="utf-16"))
    _check_example(draft)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("étude de cas", ModalityKind.CASE_STUDY),
        ("Mise en situation professionnelle", ModalityKind.WORK_SITUATION),
        ("PROJET", ModalityKind.PROJECT),
        ("monographie", ModalityKind.MONOGRAPH),
        ("Thèse professionnelle", ModalityKind.THESIS),
        ("QCM", ModalityKind.QUIZ),
        ("oral", ModalityKind.ORAL),
        ("écrit", ModalityKind.WRITTEN),
        ("dossier", ModalityKind.PORTFOLIO),
        ("work_situation", ModalityKind.WORK_SITUATION),
        ("tricot", None),
    ],
)
def test_it_reads_modality_kinds(text: str, kind: ModalityKind | None) -> None:
    assert spreadsheet.parse_kind(text) is kind


# -- templates -------------------------------------------------------------------------------
@pytest.mark.parametrize("template", [spreadsheet.template_csv, spreadsheet.template_xlsx])
def test_the_templates_parse_back(template: object) -> None:
    [draft] = _parse(template())  # type: ignore[operator]
    assert draft.certification.code == "RNCP35609"
    assert draft.counts()["criteria"] == 2
    assert draft.counts()["competences"] == 2
    assert [m.kind for m in draft.modalities] == [ModalityKind.CASE_STUDY, ModalityKind.ORAL]
    assert draft.issues == []


# -- hostile input ---------------------------------------------------------------------------
def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "bonjour")
    with pytest.raises(ImportFormatError, match="pas un classeur"):
        _parse(out.getvalue())


def test_a_zip_bomb_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 50_000_000)
    with pytest.raises(ImportFormatError, match="anormalement gros"):
        _parse(out.getvalue())


def test_a_damaged_workbook_is_refused() -> None:
    data = _xlsx([HEADER, *ROWS])
    with pytest.raises(ImportFormatError):
        _parse(data[: len(data) // 2])
    with pytest.raises(ImportFormatError):
        _parse(data[:200] + b"\x00" * 100 + data[300:])


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02\x03", b"a;b\n1;2"])
def test_unreadable_files_are_refused(data: bytes) -> None:
    with pytest.raises(ImportFormatError):
        _parse(data)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=400),
        st.binary(max_size=400).map(lambda tail: b"PK\x03\x04" + tail),
        st.lists(
            st.lists(
                st.sampled_from(["Code bloc", "Compétence", "x", "", "é", '"', ";"]), max_size=6
            ),
            max_size=6,
        ).map(lambda rows: _csv([HEADER[2:8], *rows])),
    )
)
def test_only_import_format_errors_escape(data: bytes) -> None:
    try:
        drafts = _parse(data)
    except ImportFormatError:
        return
    assert all(isinstance(draft, ReferentielDraft) for draft in drafts)


# -- the shared reader (accounts.tabular): the référentiel import gets all its guards ------
def test_a_binary_file_without_a_nul_is_refused_with_a_line() -> None:
    with pytest.raises(ImportFormatError) as caught:
        _parse(b"\x01\x02\x03Code bloc;\x1b[0m;Code comp\xe9tence\n\x7fELF;x;y\n")
    assert caught.value.message == "Fichier binaire : ni un fichier CSV ni un classeur XLSX."
    assert caught.value.location == "ligne 1"


def test_the_readers_messages_follow_the_users_language() -> None:
    with translation.override("en"):
        with pytest.raises(ImportFormatError) as caught:
            _parse(b"  \n")
        assert caught.value.message == "The file is empty."
        data = "\n".join(";".join(row) for row in [HEADER, *ROWS]).encode("cp1252")
        [draft] = _parse(data)
    assert "The file is not in UTF-8: it was read as Windows-1252, check the accents." in [
        issue.message for issue in draft.issues]
