"""Word, PDF and OpenDocument référentiels through the one import pipeline: real files built
here (certifications/tests/office_files.py) become the document parser's text
(certifications/importers/document/office.py) and then drafts, checked for their content;
hostile or unreadable files are refused with a message before any parsing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from certifications import importers
from certifications.errors import ImportFormatError
from certifications.importers import spreadsheet
from certifications.importers.document import office
from certifications.importers.draft import ReferentielDraft
from certifications.importers.validation import validate
from certifications.models import Certification, ReferentielImport
from certifications.tests import office_files as files
from demo.certifications import SEEDS_DIR

SCANNED = (
    "Ce PDF ne contient pas de texte (document numérisé ?) : exportez-le en texte ou en Word "
    "depuis le logiciel qui l'a produit, ou faites-le passer par une reconnaissance de "
    "caractères."
)


def parse(data: bytes, name: str) -> ReferentielDraft:
    drafts = importers.parse(io.BytesIO(data), name=name)
    assert len(drafts) == 1
    return drafts[0]


def errors(draft: ReferentielDraft) -> list[str]:
    return [i.message for i in validate(draft) if i.severity == "error"]


def competences(draft: ReferentielDraft) -> list[tuple[str, str]]:
    return [(c.code, c.title) for c in draft.competences()]


def criteria(draft: ReferentielDraft) -> list[tuple[str, list[str], str | None]]:
    return [(c.text, c.competence_refs, c.modality_ref) for c in draft.criteria()]


# -- module-level files: each is built once ------------------------------------------------
_built: dict[str, bytes] = {}


def built(kind: str) -> bytes:
    if kind not in _built:
        _built[kind] = {
            "table.docx": files.docx_table_referentiel,
            "headings.docx": files.docx_headings_referentiel,
            "referentiel.pdf": lambda: files.pdf_bytes(files.pdf_html(files.PDF_BLOCS)),
            "referentiel.odt": files.odt_referentiel,
        }[kind]()
    return _built[kind]


# -- Word: a table with merged cells ---------------------------------------------------------


def test_a_word_table_becomes_one_line_per_row_with_merged_cells_written_once():
    lines = office.to_text(built("table.docx"), "table.docx").splitlines()
    assert lines[0] == "# Technicien supérieur en analyse de données"
    # The header spanning two columns: written once, then an empty cell (columns aligned).
    assert "Référentiel de compétences\t\tRéférentiel d'évaluation\t" in lines
    assert ("Blocs de compétences\tCompétences\tModalités d'évaluation\t"
            "Critères d'évaluation") in lines
    rows = [line.split("\t") for line in lines if line.count("\t") == 3]
    c11 = next(r for r in rows if "C1.1" in r[1])
    c12 = next(r for r in rows if "C1.2" in r[1])
    # The bloc and épreuve cells merged down the compétence rows: on the first row only.
    assert c11[0] == "<b>Bloc 1 : Collecter et préparer les données de l'entreprise</b>"
    assert c11[2].startswith("<p><b>E1. Étude de cas sur un jeu de données réel</b></p>")
    assert "<p>Durée : 3 heures</p>" in c11[2]
    assert c12[0] == ""
    assert c12[2] == ""
    assert c12[1] == ("<b>C1.2 Nettoyer un jeu de données en traitant les valeurs "
                      "manquantes</b>")
    assert c12[3] == ("<ul> <li>Les valeurs manquantes sont traitées selon une règle "
                      "justifiée</li> <li>Les doublons sont supprimés</li> </ul>")
    assert lines[-1] == "Document validé par le conseil de perfectionnement."
    assert "En-tête" not in "\n".join(lines)  # headers and footers are left out


def test_a_nested_word_table_is_flattened_into_its_cell():
    import docx

    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    files.docx_fill(table.cell(0, 0), ["C1 Accueillir le public"])
    inner = table.cell(0, 1).add_table(rows=2, cols=2)
    for row, texts in enumerate([["Critère", "Seuil"], ["Accueil courtois", "100 %"]]):
        for column, text in enumerate(texts):
            files.docx_fill(inner.cell(row, column), [text])
    text = office.to_text(files.docx_bytes(document), "a.docx")
    assert text.strip() == ("C1 Accueillir le public\t<p>Critère</p> <p>Seuil</p> "
                            "<p>Accueil courtois</p> <p>100 %</p>")


def test_a_word_table_referentiel_imports_its_blocs_competences_criteria_and_epreuves():
    draft = parse(built("table.docx"), "table.docx")
    assert draft.source_format == "document"
    assert draft.source_name == "table.docx"
    assert draft.certification.title == "Technicien supérieur en analyse de données"
    assert [b.title for b in draft.blocs] == [
        "Collecter et préparer les données de l'entreprise",
        "Analyser et restituer les résultats",
    ]
    expected = [(code, title) for bloc in files.TABLE_BLOCS
                for code, title, _criteria in bloc["competences"]]
    assert competences(draft) == expected
    assert [[c.code for c in b.competences] for b in draft.blocs] == [
        ["C1.1", "C1.2", "C1.3"], ["C2.1", "C2.2"]]
    assert criteria(draft) == [
        (text, [code], f"E{number}")
        for number, bloc in enumerate(files.TABLE_BLOCS, start=1)
        for code, _title, texts in bloc["competences"] for text in texts
    ]
    e1, e2 = draft.modalities
    assert (e1.code, e1.title, e1.duration_minutes) == (
        "E1", "Étude de cas sur un jeu de données réel", 180)
    assert e1.competence_refs == ["C1.1", "C1.2", "C1.3"]
    assert (e2.code, e2.title, e2.duration_minutes) == (
        "E2", "Soutenance orale devant un jury de professionnels", 30)
    assert e2.competence_refs == ["C2.1", "C2.2"]
    assert errors(draft) == []


def test_a_competence_whose_code_alone_is_bold_keeps_its_title():
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for index, text in enumerate(["Compétences", "Modalités", "Critères"]):
        files.docx_fill(table.cell(0, index), [text])
    files.docx_fill(table.cell(1, 0), ["Bloc 1 : Préparer les données"])
    files.docx_fill(table.cell(2, 0), ["**C1.1** Identifier les sources de données"])
    files.docx_fill(table.cell(2, 1), ["**E1. Étude de cas**"])
    files.docx_fill(table.cell(2, 2), ["- Les sources couvrent le besoin"])
    data = files.docx_bytes(document)
    assert "<b>C1.1</b> Identifier les sources de données\t" in office.to_text(data, "a.docx")
    draft = parse(data, "a.docx")
    assert competences(draft) == [("C1.1", "Identifier les sources de données")]


# -- Word: headings and lists, no table ---------------------------------------------------------


def test_word_headings_lists_and_bold_become_markdown_and_html():
    text = office.to_text(built("headings.docx"), "headings.docx")
    expected = [
        line.replace("**RNCP37777**", "<b>RNCP37777</b>") for line in files.HEADINGS_TEXT
    ]
    assert text.splitlines() == expected


def test_a_word_referentiel_in_headings_imports_its_content():
    draft = parse(built("headings.docx"), "headings.docx")
    assert draft.certification.code == "RNCP37777"
    assert [b.title for b in draft.blocs] == ["Préparer la paie", "Déclarer les charges sociales"]
    assert competences(draft) == [
        ("C1", "Collecter les éléments variables de la paie"),
        ("C2", "Contrôler les bulletins avant leur diffusion"),
        ("C3", "Établir la déclaration sociale nominative"),
    ]
    assert [(c.text, c.competence_refs) for c in draft.criteria()] == [
        ("Les absences du mois sont toutes prises en compte", ["C1"]),
        ("Les heures supplémentaires sont justifiées", ["C1"]),
        ("Les anomalies relevées sont corrigées", ["C2"]),
        ("La déclaration est transmise dans les délais", ["C3"]),
    ]
    assert [(m.title, m.duration_minutes) for m in draft.modalities] == [
        # The duration leaves the title; « d'une heure » is read as 60 minutes.
        ("Mise en situation professionnelle", 120),
        ("Étude de cas écrite", 60),
    ]


# -- a seed written back as a Word table imports as the seed does ----------------------------


@pytest.mark.parametrize("seed", ["000_d9cf31af56cbd7f4.txt", "003_d8ac24bbc4ef792a.txt"])
def test_a_seed_turned_into_a_word_file_imports_like_the_text(seed):
    raw = (SEEDS_DIR / seed).read_bytes()
    text_draft = parse(raw, seed)
    word = files.docx_from_text(raw.decode("utf-8-sig"))
    word_draft = parse(word, Path(seed).with_suffix(".docx").name)
    assert word_draft.counts() == text_draft.counts()
    assert [(b.code, b.title) for b in word_draft.blocs] == [
        (b.code, b.title) for b in text_draft.blocs]
    assert competences(word_draft) == competences(text_draft)
    assert [(c.title, c.description) for c in word_draft.competences()] == [
        (c.title, c.description) for c in text_draft.competences()]
    assert criteria(word_draft) == criteria(text_draft)
    assert [(m.code, m.title, m.duration_minutes, m.competence_refs)
            for m in word_draft.modalities] == [
        (m.code, m.title, m.duration_minutes, m.competence_refs)
        for m in text_draft.modalities]
    assert word_draft.certification.code == text_draft.certification.code


# -- PDF ---------------------------------------------------------------------------------------


def test_a_pdf_table_spanning_pages_imports_its_content():
    import pdfplumber

    data = built("referentiel.pdf")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) >= 2  # the table goes on over a page break
    draft = parse(data, "referentiel.pdf")
    assert draft.source_name == "referentiel.pdf"
    assert draft.certification.title == "Développeur en intelligence artificielle"
    assert [b.title for b in draft.blocs] == [
        bloc["title"].removeprefix(f"BLOC N° {n} ")
        for n, bloc in enumerate(files.PDF_BLOCS, start=1)
    ]
    assert [(a.code, a.title) for a in draft.activities()] == [
        (f"A{n}.1", f"Conduite du projet d'intelligence artificielle {n}") for n in (1, 2, 3)]
    assert competences(draft) == [
        (code, title) for bloc in files.PDF_BLOCS for code, title, _c in bloc["competences"]]
    assert criteria(draft) == [
        (text, [code], f"E{n}")
        for n, bloc in enumerate(files.PDF_BLOCS, start=1)
        for code, _title, texts in bloc["competences"] for text in texts
    ]
    assert [(m.code, m.title, m.duration_minutes) for m in draft.modalities] == [
        (f"E{n}", f"Projet tutoré {n}", 45) for n in (1, 2, 3)]
    assert errors(draft) == []


def test_a_pdf_loses_its_running_header_and_page_numbers_and_keeps_bold():
    text = office.to_text(built("referentiel.pdf"), "referentiel.pdf")
    assert "Référentiel Développeur IA" not in text
    assert "Page 1" not in text
    assert "/ 3" not in text
    assert text.startswith("# Développeur en intelligence artificielle\n")
    assert "<b>BLOC N° 1 Concevoir et déployer la solution d'intelligence artificielle " \
           "numéro 1</b>\t\t\t\n" in text
    assert "<li>Le composant 2.3 respecte le cahier des charges</li>" in text


def test_a_pdf_without_text_is_a_scan():
    data = files.pdf_bytes("<html><body><div style='height: 5cm'></div></body></html>")
    with pytest.raises(ImportFormatError) as caught:
        parse(data, "scan.pdf")
    assert caught.value.message == SCANNED
    assert caught.value.location == "page 1"


def test_a_pdf_over_the_page_limit_is_refused(monkeypatch):
    monkeypatch.setattr(office, "MAX_PDF_PAGES", 1)
    with pytest.raises(ImportFormatError, match=r"PDF trop long pour un référentiel : \d+ pages "
                                                r"\(au plus 1\)"):
        parse(built("referentiel.pdf"), "referentiel.pdf")


def test_a_pdf_decompression_bomb_is_refused_before_pdfium_reads_it(monkeypatch):
    import zlib

    import pikepdf
    import pypdfium2

    def never(*args, **kwargs):
        raise AssertionError("PDFium read the file")

    monkeypatch.setattr(office, "MAX_PDF_INFLATED_BYTES", 4 * 1024 * 1024)
    pdf = pikepdf.new()
    pdf.add_blank_page()
    inflater = zlib.compressobj(9)
    content = b"".join([*(inflater.compress(b" " * 1024 * 1024) for _ in range(8)),
                        inflater.flush()])
    stream = pikepdf.Stream(pdf, content)
    stream.Filter = pikepdf.Name.FlateDecode
    pdf.pages[0].obj.Contents = stream
    out = io.BytesIO()
    pdf.save(out)
    assert len(out.getvalue()) < 100_000
    monkeypatch.setattr(pypdfium2, "PdfDocument", never)
    with pytest.raises(ImportFormatError, match="plus de 4 Mo une fois décompressés"):
        parse(out.getvalue(), "bombe.pdf")


def test_a_pdf_protected_by_a_password_is_refused():
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(built("referentiel.pdf"))) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    with pytest.raises(ImportFormatError, match="PDF protégé par un mot de passe"):
        parse(out.getvalue(), "referentiel.pdf")


def test_a_truncated_pdf_is_refused():
    with pytest.raises(ImportFormatError) as caught:
        parse(built("referentiel.pdf")[:3000], "referentiel.pdf")
    assert caught.value.message.startswith("PDF illisible")


# -- OpenDocument ----------------------------------------------------------------------------


def test_an_odt_table_writes_covered_cells_empty():
    lines = office.to_text(built("referentiel.odt"), "referentiel.odt").splitlines()
    assert lines[:3] == ["# Agent d'accueil et de vente en gare",
                         "Référentiel de compétences et d'évaluation.",
                         "## Bloc 1 - Accueillir les voyageurs"]
    assert "Référentiel de compétences\t\tRéférentiel d'évaluation" in lines
    assert ("C2 - Renseigner un voyageur sur les horaires et les correspondances\t"
            "<ul> <li>Les informations données sont exactes</li> </ul>\t") in lines


def test_an_odt_referentiel_imports_its_content():
    draft = parse(built("referentiel.odt"), "referentiel.odt")
    assert draft.source_name == "referentiel.odt"
    assert [b.title for b in draft.blocs] == [
        "Accueillir les voyageurs", "Vendre des titres de transport"]
    assert competences(draft) == [
        (code, title) for _b, _m, rows in files.ODT_BLOCS for code, title, _c in rows]
    assert criteria(draft) == [
        (text, [code], f"E{n}")
        for n, (_b, _m, rows) in enumerate(files.ODT_BLOCS, start=1)
        for code, _title, texts in rows for text in texts
    ]
    assert [(m.code, m.duration_minutes, m.competence_refs) for m in draft.modalities] == [
        ("E1", 30, ["C1", "C2"]), ("E2", 60, ["C3", "C4"])]
    assert errors(draft) == []


# -- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["table.docx", "referentiel.pdf", "referentiel.odt"])
@pytest.mark.parametrize("name", ["", "upload.bin"])
def test_office_files_are_detected_as_documents_from_their_bytes(kind, name):
    data = built(kind)
    source = io.BytesIO(data)
    source.seek(10)
    assert importers.detect_format(data[:4096], name, source) == "document"
    assert source.tell() == 10  # left where it was


def test_a_workbook_is_still_a_spreadsheet():
    data = spreadsheet.template_xlsx()
    assert importers.detect_format(data[:4096], "modele.xlsx", io.BytesIO(data)) == "spreadsheet"
    assert importers.detect_format(data[:4096], "", io.BytesIO(data)) == "spreadsheet"
    assert importers.detect_format(data[:4096], "modele.xlsx") == "spreadsheet"
    with pytest.raises(ImportFormatError, match="ni un document Word"):
        importers.parse(io.BytesIO(data), format="document", name="modele.xlsx")


def test_without_the_bytes_the_name_decides_for_a_zip():
    data = built("table.docx")
    head = data[:30]  # a zip whose first member says nothing
    assert importers.detect_format(head, "referentiel.docx") == "document"
    assert importers.detect_format(head, "referentiel.xlsx") == "spreadsheet"


def test_text_exports_are_left_to_the_text_reader():
    assert office.to_text(b"Bloc 1 : Titre\tC1 Faire\n", "a.txt") is None


# -- hostile and broken files -------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_parsing(monkeypatch):
    import docx

    def never(*args, **kwargs):
        raise AssertionError("the document was parsed")

    monkeypatch.setattr(docx, "Document", never)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        # 200 MB of zeros, written in chunks: never held in memory.
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(200):
                member.write(chunk)
    data = out.getvalue()
    assert len(data) < 2 * 1024 * 1024
    assert importers.detect_format(data[:4096], "bombe.docx", io.BytesIO(data)) == "document"
    with pytest.raises(ImportFormatError, match="bombe de décompression"):
        parse(data, "bombe.docx")


def test_an_archive_inflating_past_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(office, "MAX_UNZIPPED_BYTES", 1000)
    with pytest.raises(ImportFormatError, match="une fois décompressé il ferait plus de"):
        parse(built("table.docx"), "table.docx")


def test_an_archive_of_too_many_members_is_refused(monkeypatch):
    monkeypatch.setattr(office, "MAX_ZIP_MEMBERS", 5)
    data = _zip({"word/document.xml": b"<w/>", **{f"word/media/{n}.png": b"x" for n in range(6)}})
    with pytest.raises(ImportFormatError, match="plus de 5 fichiers"):
        parse(data, "a.docx")


def test_a_truncated_word_file_is_refused():
    data = built("table.docx")
    with pytest.raises(ImportFormatError, match="l'archive est incomplète ou corrompue"):
        parse(data[: len(data) // 2], "table.docx")


def test_xml_entities_are_refused():
    data = built("table.docx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members["word/document.xml"] = members["word/document.xml"].replace(
        b"?>", b'?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1)
    with pytest.raises(ImportFormatError, match="DOCTYPE"):
        parse(_zip(members), "table.docx")


def test_a_word_file_with_macros_is_refused():
    data = built("table.docx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
    with pytest.raises(ImportFormatError, match=r"macros \(\.docm\)"):
        parse(_zip(members), "table.docm")


def test_an_old_word_file_is_refused_with_advice():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    with pytest.raises(ImportFormatError, match=r"ancien format \(\.doc\)"):
        parse(data, "vieux.doc")


def test_an_oversized_office_file_is_refused(monkeypatch):
    monkeypatch.setattr(office, "MAX_BYTES", 1000)
    with pytest.raises(ImportFormatError, match="Fichier trop volumineux"):
        parse(built("referentiel.odt"), "referentiel.odt")


# -- through the wizard, the API and the command -------------------------------------------------


@pytest.mark.django_db
def test_the_import_command_reads_a_word_file(tmp_path):
    import json

    from django.core.management import call_command

    path = tmp_path / "referentiel.docx"
    path.write_bytes(built("table.docx"))
    out = io.StringIO()
    call_command("import_referentiel", str(path), "--json", "--dry-run", stdout=out)
    [line] = [json.loads(text) for text in out.getvalue().splitlines() if text.strip()]
    assert line["action"] == "dry-run"
    assert (line["blocs"], line["competences"], line["criteria"], line["modalities"]) == (
        2, 5, 9, 2)
    assert not Certification.objects.exists()


@pytest.mark.django_db
def test_a_word_upload_reaches_the_preview(alice):
    client = Client()
    client.force_login(alice)
    data = built("table.docx")
    response = client.post(reverse("certifications:import_upload"), {
        "file": SimpleUploadedFile("referentiel.docx", data), "format": "auto"})
    assert response.status_code == 302, response.content.decode()[:2000]
    row = ReferentielImport.objects.get()
    assert row.format == "document"
    assert row.file_name == "referentiel.docx"
    report = row.report["drafts"][0]
    assert report["title"] == "Technicien supérieur en analyse de données"
    assert report["counts"] == {"blocs": 2, "activities": 0, "competences": 5,
                                "criteria": 9, "modalities": 2}
    page = client.get(reverse("certifications:import_preview",
                              kwargs={"public_id": row.public_id}))
    assert page.status_code == 200
    assert "Technicien supérieur en analyse de données" in page.content.decode()
    assert not Certification.objects.exists()


@pytest.mark.django_db
def test_the_upload_page_says_which_files_it_takes(alice):
    client = Client()
    client.force_login(alice)
    page = client.get(reverse("certifications:import_upload")).content.decode()
    assert 'accept=".txt,.md,.tsv,.docx,.pdf,.odt,.xml,.csv,.xlsx,.json"' in page


@pytest.mark.django_db
def test_the_api_previews_a_pdf(alice):
    client = Client()
    client.force_login(alice)
    response = client.post("/api/v1/imports/", {
        "file": SimpleUploadedFile("referentiel.pdf", built("referentiel.pdf")),
        "dry_run": "true"})
    assert response.status_code == 201, response.content.decode()[:2000]
    body = response.json()
    assert body["format"] == "document"
    assert body["drafts"][0]["counts"]["competences"] == 12


@pytest.mark.django_db
def test_the_api_explains_a_scanned_pdf(alice):
    client = Client()
    client.force_login(alice)
    data = files.pdf_bytes("<html><body><p></p></body></html>")
    response = client.post("/api/v1/imports/", {
        "file": SimpleUploadedFile("scan.pdf", data), "dry_run": "true"})
    assert response.status_code == 400
    assert SCANNED in response.content.decode()
