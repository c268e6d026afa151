"""Real Word, PDF and OpenDocument référentiels built for the tests and the benchmark.

Each builder returns the file's bytes. Inline markup in the texts: ``**bold**`` and
``__underlined__``; a cell is a list of paragraphs, ``"- item"`` being a list item.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable

_MARK = re.compile(r"(\*\*.+?\*\*|__.+?__)")


# -- DOCX ----------------------------------------------------------------------------------


def _runs(paragraph, text: str) -> None:
    for piece in _MARK.split(text):
        if not piece:
            continue
        if piece.startswith("**"):
            paragraph.add_run(piece[2:-2]).bold = True
        elif piece.startswith("__"):
            paragraph.add_run(piece[2:-2]).underline = True
        else:
            paragraph.add_run(piece)


def docx_fill(cell, paragraphs: Iterable[str]) -> None:
    """Write paragraphs into a python-docx cell (its first, empty paragraph reused)."""
    first = True
    for text in paragraphs:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        if text.startswith("- "):
            paragraph.style = "List Bullet"
            text = text[2:]
        _runs(paragraph, text)


def docx_paragraph(document, text: str) -> None:
    if match := re.match(r"(#{1,6}) (.*)", text):
        document.add_heading(match.group(2), level=len(match.group(1)))
    elif text.startswith("- "):
        _runs(document.add_paragraph(style="List Bullet"), text[2:])
    else:
        _runs(document.add_paragraph(), text)


def docx_bytes(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# Référentiel A: one table, a bloc column merged down its compétence rows, an épreuve cell
# merged down the same rows, a header spanning two columns, criteria as lists in cells.
TABLE_BLOCS = [
    {
        "title": "Bloc 1 : Collecter et préparer les données de l'entreprise",
        "modality": [
            "**E1. Étude de cas sur un jeu de données réel**",
            "Durée : 3 heures",
            "Le candidat reçoit un jeu de données brut et un cahier des charges.",
        ],
        "competences": [
            ("C1.1", "Identifier les sources de données internes et externes utiles au besoin",
             ["Les sources retenues couvrent le besoin exprimé",
              "La licence de chaque source est vérifiée"]),
            ("C1.2", "Nettoyer un jeu de données en traitant les valeurs manquantes",
             ["Les valeurs manquantes sont traitées selon une règle justifiée",
              "Les doublons sont supprimés"]),
            ("C1.3", "Documenter le jeu de données préparé pour ses futurs utilisateurs",
             ["La documentation décrit chaque variable"]),
        ],
    },
    {
        "title": "Bloc 2 : Analyser et restituer les résultats",
        "modality": [
            "**E2. Soutenance orale devant un jury de professionnels**",
            "Présentation de 20 minutes suivie de 10 minutes d'échange avec le jury.",
        ],
        "competences": [
            ("C2.1", "Construire des indicateurs répondant aux questions du commanditaire",
             ["Chaque indicateur répond à une question posée",
              "Le calcul des indicateurs est reproductible"]),
            ("C2.2", "Présenter les résultats à un public non spécialiste",
             ["Le vocabulaire est adapté au public",
              "Les limites de l'analyse sont exposées"]),
        ],
    },
]


def docx_table_referentiel(blocs: list[dict] | None = None) -> bytes:
    import docx

    blocs = TABLE_BLOCS if blocs is None else blocs
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "En-tête : référentiel confidentiel"
    document.sections[0].footer.paragraphs[0].text = "Page 1"
    document.add_heading("Technicien supérieur en analyse de données", level=1)
    document.add_paragraph("Référentiel d'activités, de compétences et d'évaluation.")
    rows = 2 + sum(len(b["competences"]) for b in blocs)
    table = document.add_table(rows=rows, cols=4)
    table.style = "Table Grid"
    top = table.cell(0, 0).merge(table.cell(0, 1))
    docx_fill(top, ["Référentiel de compétences"])
    right = table.cell(0, 2).merge(table.cell(0, 3))
    docx_fill(right, ["Référentiel d'évaluation"])
    for index, text in enumerate(["Blocs de compétences", "Compétences",
                                  "Modalités d'évaluation", "Critères d'évaluation"]):
        docx_fill(table.cell(1, index), [text])
    row = 2
    for bloc in blocs:
        last = row + len(bloc["competences"]) - 1
        docx_fill(table.cell(row, 0).merge(table.cell(last, 0)), [f"**{bloc['title']}**"])
        docx_fill(table.cell(row, 2).merge(table.cell(last, 2)), bloc["modality"])
        for code, title, criteria in bloc["competences"]:
            docx_fill(table.cell(row, 1), [f"**{code} {title}**"])
            docx_fill(table.cell(row, 3), [f"- {c}" for c in criteria])
            row += 1
    document.add_paragraph("Document validé par le conseil de perfectionnement.")
    return docx_bytes(document)


# Référentiel B: no table; blocs and compétences are headings, criteria are lists.
HEADINGS_TEXT = [
    "# Gestionnaire de paie",
    "**RNCP37777**",
    "## Bloc de compétences 1 : Préparer la paie",
    "### C1 - Collecter les éléments variables de la paie",
    "Critères d'évaluation :",
    "- Les absences du mois sont toutes prises en compte",
    "- Les heures supplémentaires sont justifiées",
    "### C2 - Contrôler les bulletins avant leur diffusion",
    "Critères d'évaluation :",
    "- Les anomalies relevées sont corrigées",
    "### Modalité : Mise en situation professionnelle de 2 heures",
    "## Bloc de compétences 2 : Déclarer les charges sociales",
    "### C3 - Établir la déclaration sociale nominative",
    "Critères d'évaluation :",
    "- La déclaration est transmise dans les délais",
    "### Modalité : Étude de cas écrite d'une heure",
]


def docx_headings_referentiel() -> bytes:
    import docx

    document = docx.Document()
    for text in HEADINGS_TEXT:
        docx_paragraph(document, text)
    return docx_bytes(document)


def docx_from_text(text: str) -> bytes:
    """A text export (a seed) written back as a Word file: each run of tab-separated lines
    is one table, cell fragments (<p>, <li>, <b>, <u>) become paragraphs and runs."""
    import docx

    document = docx.Document()
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if "\t" in lines[index]:
            rows = []
            while index < len(lines) and "\t" in lines[index]:
                rows.append(lines[index].split("\t"))
                index += 1
            width = max(len(r) for r in rows)
            table = document.add_table(rows=len(rows), cols=width)
            for row, cells in zip(table.rows, rows, strict=True):
                for cell, raw in zip(row.cells, cells, strict=False):
                    docx_fill(cell, _html_paragraphs(raw))
            continue
        line = lines[index].strip()
        index += 1
        if line:
            docx_paragraph(document, _html_inline(line) if not line.startswith("#") else
                           html.unescape(line))
    return docx_bytes(document)


_BLOCK = re.compile(r"(<\s*/?\s*(?:p|ul|ol|li|br|div)\b[^>]*>)", re.I)


def _html_paragraphs(raw: str) -> list[str]:
    paragraphs: list[str] = []
    in_li = False
    for piece in _BLOCK.split(raw):
        if _BLOCK.fullmatch(piece):
            in_li = piece.lower().replace(" ", "").startswith("<li")
            continue
        text = _html_inline(piece).strip()
        if text:
            paragraphs.append(f"- {text}" if in_li else text)
    return paragraphs


def _html_inline(raw: str) -> str:
    """<b>/<strong> → **, <u> → __, other tags dropped, entities decoded."""
    text = re.sub(r"<\s*/?\s*(?:b|strong)\s*>", "**", raw, flags=re.I)
    text = re.sub(r"<\s*/?\s*u\s*>", "__", text, flags=re.I)
    text = re.sub(r"<[^<>]*>", "", text)
    text = re.sub(r"\*\*(\s*)\*\*", r"\1", text)
    return html.unescape(text)


# -- PDF (WeasyPrint) ------------------------------------------------------------------------

PDF_CSS = """
@page { size: A4; margin: 2cm; @bottom-center { content: "Page " counter(page) " / "
  counter(pages); font-size: 8pt; } @top-center { content: "Référentiel Développeur IA";
  font-size: 8pt; } }
body { font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; }
h1 { font-size: 18pt; } h2 { font-size: 14pt; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #000; vertical-align: top; padding: 4pt; font-size: 9pt;
  text-align: left; font-weight: normal; }
p { margin: 0 0 4pt 0; } ul { margin: 0; padding-left: 12pt; }
"""


def _html_markup(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"__(.+?)__", r"<u>\1</u>", text)


def _html_cell(paragraphs: list[str], attrs: str = "") -> str:
    parts: list[str] = []
    items = [p for p in paragraphs if p.startswith("- ")]
    for text in paragraphs:
        if not text.startswith("- "):
            parts.append(f"<p>{_html_markup(text)}</p>")
    if items:
        parts.append("<ul>" + "".join(f"<li>{_html_markup(i[2:])}</li>" for i in items)
                     + "</ul>")
    return f"<td{attrs}>{''.join(parts)}</td>"


def pdf_blocs(count: int, competences: int, *, long: bool = False, criteria: int = 2
              ) -> list[dict]:
    """Blocs of the PDF référentiel: activities, coded compétences, an épreuve, criteria."""
    filler = (
        " en tenant compte des contraintes techniques, réglementaires et budgétaires du "
        "projet ainsi que des attentes exprimées par les utilisateurs finaux" if long else ""
    )
    blocs = []
    for b in range(1, count + 1):
        blocs.append({
            "title": f"BLOC N° {b} Concevoir et déployer la solution d'intelligence "
                     f"artificielle numéro {b}",
            "activity": f"A{b}.1 Conduite du projet d'intelligence artificielle {b}",
            "modality": [f"**E{b}. Projet tutoré {b}**",
                         f"Le candidat réalise un projet en entreprise{filler}.",
                         "Durée : 45 minutes de soutenance."],
            "competences": [
                (f"C{b}.{c}", f"Concevoir le composant {c} du système d'intelligence "
                              f"artificielle du bloc {b}{filler}",
                 [f"Le composant {b}.{c} respecte le cahier des charges",
                  *[f"Les tests {n} du composant {b}.{c} sont documentés{filler}"
                    for n in range(1, criteria)]])
                for c in range(1, competences + 1)
            ],
        })
    return blocs


PDF_BLOCS = pdf_blocs(3, 4, long=True)


def pdf_html(blocs: list[dict], *, title: str = "Développeur en intelligence artificielle"
             ) -> str:
    rows = [
        "<tr><th>REFERENTIEL D'ACTIVITES</th><th>REFERENTIEL DE COMPETENCES</th>"
        "<th colspan=2>REFERENTIEL D'ÉVALUATION</th></tr>",
        "<tr><th></th><th></th><th>MODALITÉS D'ÉVALUATION</th><th>CRITÈRES D'ÉVALUATION</th>"
        "</tr>",
    ]
    for bloc in blocs:
        rows.append(f"<tr><td colspan=4><b>{_html_markup(bloc['title'])}</b></td></tr>")
        span = len(bloc["competences"])
        for index, (code, text, criteria) in enumerate(bloc["competences"]):
            cells = []
            if index == 0:
                cells.append(_html_cell([bloc["activity"]], f" rowspan={span}"))
            cells.append(_html_cell([f"**{code} {text}**"]))
            if index == 0:
                cells.append(_html_cell(bloc["modality"], f" rowspan={span}"))
            cells.append(_html_cell([f"- {c}" for c in criteria]))
            rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<html><head><meta charset=utf-8><style>{PDF_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Référentiel d'activités, de compétences et "
        "d'évaluation de la certification.</p>"
        f"<table>{''.join(rows)}</table>"
        "<p>Document validé par le conseil de perfectionnement.</p></body></html>"
    )


def pdf_bytes(source: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=source).write_pdf()


# -- ODT (written by hand: mimetype first and stored, then content.xml) -----------------------

_ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"'
)
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _odt_inline(text: str) -> str:
    out = []
    for piece in _MARK.split(text):
        if piece.startswith("**"):
            out.append(f'<text:span text:style-name="Gras">{html.escape(piece[2:-2])}'
                       "</text:span>")
        elif piece.startswith("__"):
            out.append(f'<text:span text:style-name="Souligne">{html.escape(piece[2:-2])}'
                       "</text:span>")
        else:
            out.append(html.escape(piece))
    return "".join(out)


def odt_cell(paragraphs: list[str], *, columns: int = 1, rows: int = 1) -> str:
    attrs = ""
    if columns > 1:
        attrs += f' table:number-columns-spanned="{columns}"'
    if rows > 1:
        attrs += f' table:number-rows-spanned="{rows}"'
    body = []
    items = []
    for text in paragraphs:
        if text.startswith("- "):
            items.append(f"<text:list-item><text:p>{_odt_inline(text[2:])}</text:p>"
                         "</text:list-item>")
        else:
            body.append(f"<text:p>{_odt_inline(text)}</text:p>")
    if items:
        body.append(f"<text:list>{''.join(items)}</text:list>")
    return f"<table:table-cell{attrs}>{''.join(body)}</table:table-cell>"


COVERED = "<table:covered-table-cell/>"


def odt_bytes(body: str) -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODT_NS} '
        'office:version="1.2"><office:automatic-styles>'
        '<style:style style:name="Gras" style:family="text">'
        '<style:text-properties fo:font-weight="bold"/></style:style>'
        '<style:style style:name="Souligne" style:family="text">'
        '<style:text-properties style:text-underline-style="solid"/></style:style>'
        f"</office:automatic-styles><office:body><office:text>{body}</office:text>"
        "</office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def odt_paragraph(text: str) -> str:
    if match := re.match(r"(#{1,6}) (.*)", text):
        return (f'<text:h text:outline-level="{len(match.group(1))}">'
                f"{_odt_inline(match.group(2))}</text:h>")
    if text.startswith("- "):
        return (f"<text:list><text:list-item><text:p>{_odt_inline(text[2:])}</text:p>"
                "</text:list-item></text:list>")
    return f"<text:p>{_odt_inline(text)}</text:p>"


# Référentiel C: a heading per bloc, then a table Compétences | Critères | Modalités whose
# épreuve cell is merged down the compétence rows; the header spans two columns.
ODT_BLOCS = [
    ("Bloc 1 - Accueillir les voyageurs", "E1 : Mise en situation d'accueil d'une durée de "
     "30 minutes", [
        ("C1", "Accueillir un voyageur en français et en anglais",
         ["L'accueil respecte les usages de l'entreprise", "L'anglais est courant"]),
        ("C2", "Renseigner un voyageur sur les horaires et les correspondances",
         ["Les informations données sont exactes"]),
    ]),
    ("Bloc 2 - Vendre des titres de transport", "E2 : Étude de cas écrite de 1 heure", [
        ("C3", "Conseiller le titre de transport le mieux adapté",
         ["Le titre proposé correspond au trajet", "Le tarif appliqué est justifié"]),
        ("C4", "Encaisser une vente et rendre la monnaie",
         ["La caisse est juste en fin de service"]),
    ]),
]


def odt_referentiel() -> bytes:
    body = [odt_paragraph("# Agent d'accueil et de vente en gare"),
            odt_paragraph("Référentiel de compétences et d'évaluation.")]
    for title, modality, competences in ODT_BLOCS:
        body.append(odt_paragraph(f"## {title}"))
        rows = [
            "<table:table-row>" + odt_cell(["Référentiel de compétences"], columns=2) + COVERED
            + odt_cell(["Référentiel d'évaluation"]) + "</table:table-row>",
            "<table:table-row>" + odt_cell(["Compétences"]) + odt_cell(["Critères"])
            + odt_cell(["Modalités"]) + "</table:table-row>",
        ]
        for index, (code, text, criteria) in enumerate(competences):
            cells = odt_cell([f"{code} - {text}"]) + odt_cell([f"- {c}" for c in criteria])
            if index == 0:
                cells += odt_cell([modality], rows=len(competences))
            else:
                cells += COVERED
            rows.append(f"<table:table-row>{cells}</table:table-row>")
        body.append(
            '<table:table table:name="Tableau"><table:table-column '
            'table:number-columns-repeated="3"/>' + "".join(rows) + "</table:table>"
        )
    return odt_bytes("".join(body))
