"""Word (.docx), PDF and OpenDocument (.odt) files turned into the document parser's text.

The document parser reads text exports (see the package docstring): one line per table row
with cells separated by tabs, cells holding HTML fragments (``<p>``, ``<b>``, ``<u>``,
``<li>``, ``<br>``), markdown headings (``#``) and bullets (``- ``). :func:`to_text` writes
exactly that from an office file, so that one parser reads every référentiel document:

* paragraphs in document order, headings as ``#``×level, list items as ``- item``, bold as
  ``<b>…</b>`` and underline as ``<u>…</u>``;
* each table row on one line, cells joined by a tab; inside a cell, paragraphs are
  ``<p>…</p>`` and list items ``<li>…</li>``; a cell merged across columns is written once
  followed by empty cells (the columns stay aligned with the header), a cell merged down
  several rows is written on its first row and empty on the next ones;
* PDF: tables found from their ruling lines, the text around them in reading order, the
  lines repeated at the top or bottom of most pages (running headers, page numbers) left out.

Hostile files are refused before any parsing: the size (:data:`MAX_BYTES`), zip archives
whose members would inflate beyond :data:`MAX_UNZIPPED_BYTES` or by more than
:data:`MAX_RATIO` to one, with more than :data:`MAX_ZIP_MEMBERS` members, or whose XML
declares a DOCTYPE (entity expansion); PDFs of more than :data:`MAX_PDF_PAGES` pages,
protected by a password, or without any text (a scan).
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from certifications.errors import ImportFormatError
from certifications.importers.document.reading import MAX_BYTES, too_big_message
from certifications.importers.draft import line_location, page_location

MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # all the members of a .docx/.odt, uncompressed
MAX_RATIO = 100  # uncompressed / compressed size of one big member
_RATIO_FLOOR = 5 * 1024 * 1024  # small members may compress well: the ratio is not checked
MAX_ZIP_MEMBERS = 2000
MAX_PDF_PAGES = 300
MAX_PDF_INFLATED_BYTES = 200 * 1024 * 1024  # all the Flate streams of a PDF, inflated

DOCX_MAIN = "word/document.xml"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def _word_advice(problem: str) -> str:
    """An unreadable document's message, with what to do about it."""
    return problem + " " + _("Save it again from the word processor, then import it again.")


def kind_of(raw: bytes, names: list[str] | None = None) -> str | None:
    """"pdf", "docx", "odt", "zip" (another archive), "doc" (Word 97-2003) or None (text)."""
    head = raw[:8]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if not head.startswith(b"PK\x03\x04"):
        return None
    if raw[30:38] == b"mimetype" and raw[38:38 + len(ODT_MIMETYPE)] == ODT_MIMETYPE:
        return "odt"  # ODF stores its mimetype first and uncompressed
    if names is None:
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError, EOFError):
            return "zip"
    if DOCX_MAIN in names:
        return "docx"
    return "zip"


def to_text(raw: bytes, name: str = "") -> str | None:
    """The parser's intermediate text of a Word, PDF or OpenDocument file; None when the
    bytes are not one of those (a text export, read as it is)."""
    kind = kind_of(raw)
    if kind is None:
        return None
    if len(raw) > MAX_BYTES:
        raise ImportFormatError(too_big_message(), line_location(1))
    if kind == "pdf":
        return pdf_to_text(raw)
    if kind == "doc":
        raise ImportFormatError(
            _("Word document in the old format (.doc): save it in the .docx format "
              "(File › Save as › Word Document), then import it."),
            line_location(1),
        )
    if kind == "zip":
        # Either a zip that is no document, or one too damaged to list its members.
        _open_zip(raw)  # raises the "corrupt archive" message when it cannot be read
        raise ImportFormatError(
            _("ZIP archive that is neither a Word document (.docx) nor an OpenDocument text "
              "(.odt): choose the spreadsheet format for an .xlsx workbook."),
            line_location(1),
        )
    if kind == "odt":
        return odt_to_text(raw)
    return docx_to_text(raw)


# -- zip archives: refused before any parsing when hostile ----------------------------------


def _open_zip(raw: bytes) -> zipfile.ZipFile:
    """The archive, after its members' declared sizes are checked. zipfile never inflates a
    member beyond its declared size, so these checks bound what parsing can read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise ImportFormatError(
            _word_advice(_("Unreadable document: the archive is incomplete or corrupt.")),
            line_location(1),
        ) from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ImportFormatError(
            _("Document refused: the archive holds more than %(count)d files.")
            % {"count": MAX_ZIP_MEMBERS},
            line_location(1),
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ImportFormatError(
                _("Document protected by a password: save it without protection, then "
                  "import it."),
                line_location(1),
            )
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > MAX_RATIO:
            raise ImportFormatError(
                _("Document refused: “%(name)s” unzips %(ratio)d times bigger than it is "
                  "(decompression bomb?).") % {"name": info.filename[:80], "ratio": int(ratio)},
                line_location(1),
            )
    if total > MAX_UNZIPPED_BYTES:
        raise ImportFormatError(
            _("Document refused: once unzipped it would be more than %(size)d MB.")
            % {"size": MAX_UNZIPPED_BYTES // (1024 * 1024)},
            line_location(1),
        )
    return archive


def _check_xml_members(archive: zipfile.ZipFile) -> None:
    """Office documents never declare a DOCTYPE: one that does is refused (entity expansion,
    external entities) before any XML parser sees it."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        try:
            data = archive.read(info)
        except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError) as exc:
            raise ImportFormatError(
                _word_advice(
                    _("Unreadable document: “%(name)s” is corrupt.") % {"name": info.filename[:80]}
                ),
                line_location(1),
            ) from exc
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            data = data.decode("utf-16", "replace").encode()
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise ImportFormatError(
                _("Document refused: its XML declares a DOCTYPE or entities, which no word "
                  "processor produces."),
                line_location(1),
            )


# -- writing the intermediate text --------------------------------------------------------


@dataclass
class _Piece:
    text: str
    bold: bool = False
    underline: bool = False
    br: bool = False  # a line break inside the paragraph


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _inline(pieces: list[_Piece], *, in_cell: bool) -> str:
    """Pieces of one paragraph as text with <b>/<u>; adjacent bold pieces merged (spaces
    between two bold pieces stay inside the bold)."""
    merged: list[_Piece] = []
    for piece in pieces:
        text = re.sub(r"[\t\r\n\v\f]", " ", piece.text)
        if piece.br:
            merged.append(_Piece("", br=True))
            continue
        if not text:
            continue
        if merged and not merged[-1].br:
            last = merged[-1]
            same = (last.bold, last.underline) == (piece.bold, piece.underline)
            if same or not text.strip():
                last.text += text
                continue
            if not last.text.strip():
                last.text += text
                last.bold, last.underline = piece.bold, piece.underline
                continue
        merged.append(_Piece(text, piece.bold, piece.underline))
    out: list[str] = []
    for piece in merged:
        if piece.br:
            out.append("<br>" if in_cell else " ")
            continue
        body = piece.text.strip()
        if not body:
            out.append(" ")
            continue
        lead = " " if piece.text[:1].isspace() else ""
        trail = " " if piece.text[-1:].isspace() else ""
        body = _escape(body)
        if piece.underline:
            body = f"<u>{body}</u>"
        if piece.bold:
            body = f"<b>{body}</b>"
        out.append(f"{lead}{body}{trail}")
    text = re.sub(r"\s+", " ", "".join(out)).strip()
    return re.sub(r"(?:<br>\s*)+$", "", re.sub(r"^(?:\s*<br>)+", "", text)).strip()


@dataclass
class _Para:
    """One paragraph: its inline text, heading level (0: none) and whether it is a list
    item."""

    text: str
    level: int = 0
    item: bool = False


def _free_line(para: _Para) -> str:
    if para.level:
        return f"{'#' * min(para.level, 6)} {para.text}"
    if para.item:
        return f"- {para.text}"
    return para.text


def _cell_text(paras: list[_Para]) -> str:
    """A cell's paragraphs as one line of HTML fragments."""
    paras = [p for p in paras if p.text]
    if not paras:
        return ""
    if len(paras) == 1 and not paras[0].item:
        return paras[0].text
    out: list[str] = []
    in_list = False
    for para in paras:
        if para.item and not in_list:
            out.append("<ul>")
            in_list = True
        elif not para.item and in_list:
            out.append("</ul>")
            in_list = False
        out.append(f"<li>{para.text}</li>" if para.item else f"<p>{para.text}</p>")
    if in_list:
        out.append("</ul>")
    return " ".join(out)


def _row_line(cells: list[str]) -> str:
    return "\t".join(cells)


def _join_lines(lines: list[str]) -> str:
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


# -- DOCX --------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_NAME = re.compile(r"^(?:heading|titre|[ée]nonc[ée])\s*(\d)$", re.I)
_TITLE_NAME = re.compile(r"^(?:title|titre)$", re.I)
_LIST_NAME = re.compile(r"^(?:list|liste)\b", re.I)


def _on(element: object | None) -> bool:
    """A w:b / w:u style toggle: present and not switched off."""
    if element is None:
        return False
    value = element.get(f"{_W}val")
    return value not in ("0", "false", "none", "off")


class _DocxStyles:
    """What the document's styles say: heading level, list, bold, underline (with the
    styles they are based on)."""

    def __init__(self, document: object) -> None:
        self.by_id: dict[str, object] = {}
        self.default_paragraph = None
        for style in document.styles.element.findall(f"{_W}style"):
            style_id = style.get(f"{_W}styleId")
            if style_id:
                self.by_id[style_id] = style
            if style.get(f"{_W}type") == "paragraph" and _on_default(style):
                self.default_paragraph = style_id
        self._cache: dict[tuple[str, str], object] = {}

    def _chain(self, style_id: str | None) -> Iterator[object]:
        seen: set[str] = set()
        while style_id and style_id not in seen and style_id in self.by_id:
            seen.add(style_id)
            style = self.by_id[style_id]
            yield style
            based = style.find(f"{_W}basedOn")
            style_id = based.get(f"{_W}val") if based is not None else None

    def level(self, style_id: str | None) -> int:
        key = ("level", style_id or "")
        if key not in self._cache:
            self._cache[key] = self._level(style_id)
        return self._cache[key]

    def _level(self, style_id: str | None) -> int:
        for style in self._chain(style_id or self.default_paragraph):
            name_el = style.find(f"{_W}name")
            name = (name_el.get(f"{_W}val") if name_el is not None else "") or ""
            if match := _HEADING_NAME.match(name.strip()):
                return max(1, int(match.group(1)))
            if _TITLE_NAME.match(name.strip()):
                return 1
            outline = style.find(f"{_W}pPr/{_W}outlineLvl")
            if outline is not None:
                value = int(outline.get(f"{_W}val", "9") or 9)
                return value + 1 if value < 9 else 0
        return 0

    def is_list(self, style_id: str | None) -> bool:
        key = ("list", style_id or "")
        if key not in self._cache:
            found = False
            for style in self._chain(style_id):
                num_id = style.find(f"{_W}pPr/{_W}numPr/{_W}numId")
                name_el = style.find(f"{_W}name")
                name = (name_el.get(f"{_W}val") if name_el is not None else "") or ""
                if (num_id is not None and num_id.get(f"{_W}val") != "0") or _LIST_NAME.match(
                    name
                ):
                    found = True
                    break
            self._cache[key] = found
        return self._cache[key]

    def flags(self, style_id: str | None) -> tuple[bool, bool]:
        """(bold, underline) a paragraph or character style gives its text."""
        key = ("flags", style_id or "")
        if key not in self._cache:
            bold = underline = None
            for style in self._chain(style_id):
                rpr = style.find(f"{_W}rPr")
                if rpr is None:
                    continue
                if bold is None and (b := rpr.find(f"{_W}b")) is not None:
                    bold = _on(b)
                if underline is None and (u := rpr.find(f"{_W}u")) is not None:
                    underline = _on(u)
            self._cache[key] = (bool(bold), bool(underline))
        return self._cache[key]


def _on_default(style: object) -> bool:
    return style.get(f"{_W}default") in ("1", "true", "on")


class _DocxWriter:
    def __init__(self, styles: _DocxStyles) -> None:
        self.styles = styles

    # paragraphs
    def paragraph(self, p: object) -> _Para:
        ppr = p.find(f"{_W}pPr")
        style_id = None
        level = 0
        item = False
        if ppr is not None:
            pstyle = ppr.find(f"{_W}pStyle")
            style_id = pstyle.get(f"{_W}val") if pstyle is not None else None
            outline = ppr.find(f"{_W}outlineLvl")
            if outline is not None:
                value = int(outline.get(f"{_W}val", "9") or 9)
                level = value + 1 if value < 9 else 0
            num_id = ppr.find(f"{_W}numPr/{_W}numId")
            if num_id is not None:
                item = num_id.get(f"{_W}val") != "0"
        level = level or self.styles.level(style_id)
        if not item and (ppr is None or ppr.find(f"{_W}numPr") is None):
            item = self.styles.is_list(style_id)  # numId 0 switches a list style off
        if level:
            item = False  # a numbered heading stays a heading
        para_bold, para_underline = self.styles.flags(style_id)
        pieces = list(self._runs(p, para_bold and not level, para_underline and not level))
        return _Para(_inline(pieces, in_cell=True), level, item)

    def _runs(self, element: object, bold: bool, underline: bool) -> Iterator[_Piece]:
        for child in element:
            tag = child.tag
            if tag == f"{_W}r":
                yield from self._run(child, bold, underline)
            elif tag in (
                f"{_W}hyperlink", f"{_W}ins", f"{_W}smartTag", f"{_W}customXml",
                f"{_W}fldSimple", f"{_W}sdtContent", f"{_W}moveTo",
            ):
                yield from self._runs(child, bold, underline)
            elif tag == f"{_W}sdt":
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    yield from self._runs(content, bold, underline)

    def _run(self, r: object, para_bold: bool, para_underline: bool) -> Iterator[_Piece]:
        rpr = r.find(f"{_W}rPr")
        bold, underline = para_bold, para_underline
        if rpr is not None:
            rstyle = rpr.find(f"{_W}rStyle")
            if rstyle is not None:
                style_bold, style_underline = self.styles.flags(rstyle.get(f"{_W}val"))
                bold, underline = bold or style_bold, underline or style_underline
            b = rpr.find(f"{_W}b")
            if b is not None:
                bold = _on(b)
            u = rpr.find(f"{_W}u")
            if u is not None:
                underline = _on(u)
            if rpr.find(f"{_W}vanish") is not None and _on(rpr.find(f"{_W}vanish")):
                return  # hidden text
        for child in r:
            tag = child.tag
            if tag == f"{_W}t":
                yield _Piece(child.text or "", bold, underline)
            elif tag in (f"{_W}tab", f"{_W}ptab"):
                yield _Piece(" ", bold, underline)
            elif tag in (f"{_W}br", f"{_W}cr"):
                if child.get(f"{_W}type") != "page":
                    yield _Piece("", br=True)
            elif tag == f"{_W}noBreakHyphen":
                yield _Piece("-", bold, underline)

    # tables
    def table(self, tbl: object) -> list[list[str]]:
        rows: list[list[str]] = []
        for tr in self._children(tbl, f"{_W}tr"):
            cells: list[str] = []
            trpr = tr.find(f"{_W}trPr")
            if trpr is not None and (before := trpr.find(f"{_W}gridBefore")) is not None:
                cells += [""] * min(int(before.get(f"{_W}val", "0") or 0), 60)
            for tc in self._children(tr, f"{_W}tc"):
                tcpr = tc.find(f"{_W}tcPr")
                span = 1
                continued = False
                if tcpr is not None:
                    grid = tcpr.find(f"{_W}gridSpan")
                    if grid is not None:
                        span = max(1, min(int(grid.get(f"{_W}val", "1") or 1), 60))
                    vmerge = tcpr.find(f"{_W}vMerge")
                    if vmerge is not None and vmerge.get(f"{_W}val") != "restart":
                        continued = True
                    hmerge = tcpr.find(f"{_W}hMerge")
                    if hmerge is not None and hmerge.get(f"{_W}val") != "restart":
                        continued = True
                cells.append("" if continued else _cell_text(self.cell(tc)))
                cells += [""] * (span - 1)
            rows.append(cells)
        return rows

    def _children(self, element: object, tag: str) -> Iterator[object]:
        """Direct children with that tag, looking through content controls."""
        for child in element:
            if child.tag == tag:
                yield child
            elif child.tag in (f"{_W}sdt", f"{_W}customXml"):
                content = child.find(f"{_W}sdtContent")
                yield from self._children(content if content is not None else child, tag)

    def cell(self, tc: object) -> list[_Para]:
        paras: list[_Para] = []
        for block in self.blocks(tc):
            if isinstance(block, _Para):
                paras.append(block)
            else:  # a nested table: its rows flattened into the cell
                for row in block:
                    paras += [_Para(c) for c in row if c]
        return paras

    def blocks(self, container: object) -> Iterator[_Para | list[list[str]]]:
        """Paragraphs and tables of a body or a cell, in document order."""
        for child in container:
            tag = child.tag
            if tag == f"{_W}p":
                yield self.paragraph(child)
            elif tag == f"{_W}tbl":
                yield self.table(child)
            elif tag in (f"{_W}sdt", f"{_W}customXml"):
                content = child.find(f"{_W}sdtContent")
                yield from self.blocks(content if content is not None else child)


def docx_to_text(raw: bytes) -> str:
    """A .docx file as the parser's text: body paragraphs and tables in document order."""
    archive = _open_zip(raw)
    _check_xml_members(archive)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(raw))
    except ValueError as exc:  # python-docx: "file … is not a Word file, content type is …"
        if "macroEnabled" in str(exc):
            raise ImportFormatError(
                _("Word document with macros (.docm): save it in the .docx format (without "
                  "macros), then import it."),
                line_location(1),
            ) from exc
        raise ImportFormatError(
            _("This Word file is not a document (.docx): a template or another type. Save it "
              "as a Word document, then import it."),
            line_location(1),
        ) from exc
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile, SyntaxError, OSError) as exc:
        raise ImportFormatError(
            _word_advice(_("Unreadable Word document: it is incomplete or corrupt.")),
            line_location(1),
        ) from exc
    writer = _DocxWriter(_DocxStyles(document))
    return _blocks_text(writer.blocks(document.element.body))


def _flat(text: str) -> str:
    """A paragraph outside a table: its line breaks are spaces."""
    return re.sub(r"\s*<br>\s*", " ", text)


# -- ODT ---------------------------------------------------------------------------------

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


class _OdtStyles:
    def __init__(self, roots: list[object]) -> None:
        self.styles: dict[str, object] = {}
        for root in roots:
            for style in root.iter(f"{_STYLE}style"):
                name = style.get(f"{_STYLE}name")
                if name:
                    self.styles.setdefault(name, style)
        self._cache: dict[str, tuple[bool, bool, int]] = {}

    def get(self, name: str | None) -> tuple[bool, bool, int]:
        """(bold, underline, outline level) of a style and the styles it inherits from."""
        if not name:
            return False, False, 0
        if name not in self._cache:
            bold = underline = None
            level = 0
            seen: set[str] = set()
            current: str | None = name
            while current and current not in seen and current in self.styles:
                seen.add(current)
                style = self.styles[current]
                props = style.find(f"{_STYLE}text-properties")
                if props is not None:
                    weight = props.get(f"{_FO}font-weight")
                    if bold is None and weight:
                        bold = weight in ("bold", "600", "700", "800", "900")
                    line = props.get(f"{_STYLE}text-underline-style")
                    if underline is None and line:
                        underline = line != "none"
                if not level and style.get(f"{_STYLE}default-outline-level"):
                    level = int(style.get(f"{_STYLE}default-outline-level") or 0)
                current = style.get(f"{_STYLE}parent-style-name")
            self._cache[name] = (bool(bold), bool(underline), level)
        return self._cache[name]


class _OdtWriter:
    def __init__(self, styles: _OdtStyles) -> None:
        self.styles = styles

    def pieces(self, element: object, bold: bool, underline: bool) -> Iterator[_Piece]:
        if element.text:
            yield _Piece(element.text, bold, underline)
        for child in element:
            tag = child.tag
            if tag == f"{_TEXT}span":
                span_bold, span_underline, _level = self.styles.get(
                    child.get(f"{_TEXT}style-name")
                )
                yield from self.pieces(child, bold or span_bold, underline or span_underline)
            elif tag in (f"{_TEXT}a", f"{_TEXT}meta", f"{_TEXT}ruby-base"):
                yield from self.pieces(child, bold, underline)
            elif tag == f"{_TEXT}s":
                count = min(int(child.get(f"{_TEXT}c", "1") or 1), 100)
                yield _Piece(" " * count, bold, underline)
            elif tag == f"{_TEXT}tab":
                yield _Piece(" ", bold, underline)
            elif tag == f"{_TEXT}line-break":
                yield _Piece("", br=True)
            # notes, frames, bookmarks and fields' hidden parts are left out
            if child.tail:
                yield _Piece(child.tail, bold, underline)

    def paragraph(self, element: object, *, item: bool = False) -> _Para:
        bold, underline, level = self.styles.get(element.get(f"{_TEXT}style-name"))
        if element.tag == f"{_TEXT}h":
            level = int(element.get(f"{_TEXT}outline-level", "1") or 1)
        pieces = list(self.pieces(element, bold and not level, underline and not level))
        return _Para(_inline(pieces, in_cell=True), min(level, 6), item and not level)

    def blocks(self, container: object, *, item: bool = False) -> Iterator[_Para | list]:
        for child in container:
            tag = child.tag
            if tag in (f"{_TEXT}p", f"{_TEXT}h"):
                yield self.paragraph(child, item=item)
            elif tag == f"{_TEXT}list":
                for entry in child:
                    if entry.tag in (f"{_TEXT}list-item", f"{_TEXT}list-header"):
                        yield from self.blocks(entry, item=True)
            elif tag == f"{_TABLE}table":
                yield self.table(child)
            elif tag in (f"{_TEXT}section", f"{_TEXT}index-body", f"{_TEXT}table-of-content"):
                yield from self.blocks(child, item=item)

    def table(self, table: object) -> list[list[str]]:
        rows: list[list[str]] = []
        for row in self._rows(table):
            cells: list[str] = []
            for cell in row:
                repeat = min(int(cell.get(f"{_TABLE}number-columns-repeated", "1") or 1), 60)
                if cell.tag == f"{_TABLE}covered-table-cell":
                    cells += [""] * repeat
                elif cell.tag == f"{_TABLE}table-cell":
                    paras: list[_Para] = []
                    for block in self.blocks(cell):
                        if isinstance(block, _Para):
                            paras.append(block)
                        else:
                            for nested in block:
                                paras += [_Para(c) for c in nested if c]
                    cells += [_cell_text(paras)] * repeat
            rows.append(cells)
        return rows

    def _rows(self, element: object) -> Iterator[object]:
        for child in element:
            if child.tag == f"{_TABLE}table-row":
                repeat = min(int(child.get(f"{_TABLE}number-rows-repeated", "1") or 1), 1000)
                has_text = any((t or "").strip() for t in child.itertext())
                for _copy in range(repeat if has_text else 1):
                    yield child
            elif child.tag in (
                f"{_TABLE}table-header-rows", f"{_TABLE}table-rows", f"{_TABLE}table-row-group"
            ):
                yield from self._rows(child)


def odt_to_text(raw: bytes) -> str:
    """An .odt file as the parser's text."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    archive = _open_zip(raw)
    _check_xml_members(archive)
    try:
        content = fromstring(archive.read("content.xml"))
        styles_root = (
            fromstring(archive.read("styles.xml")) if "styles.xml" in archive.namelist() else None
        )
    except KeyError as exc:
        raise ImportFormatError(
            _word_advice(_("Unreadable OpenDocument document: content.xml is missing.")),
            line_location(1),
        ) from exc
    except (ParseError, DefusedXmlException, zipfile.BadZipFile, OSError) as exc:
        raise ImportFormatError(
            _word_advice(_("Unreadable OpenDocument document: its XML is corrupt.")),
            line_location(1),
        ) from exc
    roots = [content] + ([styles_root] if styles_root is not None else [])
    writer = _OdtWriter(_OdtStyles(roots))
    body = content.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise ImportFormatError(
            _("OpenDocument document without text: it is not a text document (.odt)."),
            line_location(1),
        )
    return _blocks_text(writer.blocks(body))


def _blocks_text(blocks: Iterable[_Para | list[list[str]]]) -> str:
    """The document text of a Word or OpenDocument body: paragraphs as lines of their own,
    each table's rows as tab-separated lines between blank lines."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, _Para):
            if block.text:
                lines.append(_free_line(_Para(_flat(block.text), block.level, block.item)))
        else:
            lines.append("")
            lines += [_row_line(row) for row in block if any(row)]
            lines.append("")
    return _join_lines(lines)


# -- PDF ---------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s*)?\d{1,4}\s*(?:/|sur|of|de)\s*\d{1,4}\s*$|^\s*(?:page\s*)?\d{1,4}\s*$|"
    r"^\s*[-–]\s*\d{1,4}\s*[-–]\s*$",
    re.I,
)
_PDF_BULLET = re.compile(r"^\s*(?:[-•–▪●◦*]|\d{1,2}[.)])\s+")
_PDF_BULLET_CHAR = re.compile(r"^\s*[•▪●◦]\s*")


def _is_bold(fontname: str) -> bool:
    name = fontname.split("+", 1)[-1].lower()
    return any(word in name for word in ("bold", "black", "heavy", "semibold", "demi"))


@dataclass
class _PdfLine:
    top: float
    bottom: float
    x0: float
    pieces: list[_Piece]
    size: float

    @property
    def plain(self) -> str:
        return "".join(p.text for p in self.pieces).strip()


def _pdf_lines(words: list[dict]) -> list[_PdfLine]:
    """Words grouped into lines (same baseline band), left to right, with bold pieces."""
    lines: list[_PdfLine] = []
    for word in words:  # in reading order (_sorted_words)
        height = word["bottom"] - word["top"]
        line = lines[-1] if lines else None
        if line is not None and abs(word["top"] - line.top) <= max(2.0, height * 0.4):
            line.pieces.append(_Piece(" " + word["text"], _is_bold(word.get("fontname", ""))))
            line.bottom = max(line.bottom, word["bottom"])
            continue
        lines.append(
            _PdfLine(
                word["top"], word["bottom"], word["x0"],
                [_Piece(word["text"], _is_bold(word.get("fontname", "")))],
                word.get("size") or height,
            )
        )
    return lines


def _sorted_words(words: list[dict]) -> list[dict]:
    """Words in reading order: lines top to bottom (a small tolerance), left to right."""
    words = sorted(words, key=lambda w: (w["top"], w["x0"]))
    rows: list[list[dict]] = []
    for word in words:
        height = word["bottom"] - word["top"]
        if rows and abs(word["top"] - rows[-1][0]["top"]) <= max(2.0, height * 0.4):
            rows[-1].append(word)
        else:
            rows.append([word])
    return [w for row in rows for w in sorted(row, key=lambda w: w["x0"])]


def _cell_paras(lines: list[_PdfLine]) -> list[_Para]:
    """Lines of a table cell joined into paragraphs and list items: a bullet, a wider gap or
    a bold start opens a new one; other lines continue the one before (wrapped text)."""
    paras: list[tuple[list[_Piece], bool]] = []
    previous: _PdfLine | None = None
    for line in lines:
        plain = line.plain
        if not plain:
            continue
        bullet = bool(_PDF_BULLET.match(plain) or _PDF_BULLET_CHAR.match(plain))
        gap = line.top - previous.bottom if previous is not None else 0
        starts_bold = bool(line.pieces) and line.pieces[0].bold
        previous_bold_end = bool(paras) and paras[-1][0] and paras[-1][0][-1].bold
        new = (
            not paras
            or bullet
            or gap > line.size * 0.5
            or (starts_bold and not previous_bold_end)
        )
        pieces = list(line.pieces)
        if bullet:
            first = pieces[0]
            stripped = _PDF_BULLET_CHAR.sub("", first.text, count=1)
            if stripped == first.text:
                stripped = re.sub(r"^\s*[-–*]\s+", "", first.text, count=1)
            pieces[0] = _Piece(stripped, first.bold, first.underline)
        if new:
            paras.append((pieces, bullet))
        else:
            text_so_far = "".join(p.text for p in paras[-1][0]).rstrip()
            if text_so_far.endswith("-") and not text_so_far.endswith(" -"):
                pieces[0] = _Piece(pieces[0].text.lstrip(), pieces[0].bold)
            else:
                pieces[0] = _Piece(" " + pieces[0].text.lstrip(), pieces[0].bold)
            paras[-1][0].extend(pieces)
        previous = line
    return [_Para(_inline(pieces, in_cell=True), 0, item) for pieces, item in paras]


def pdf_to_text(raw: bytes) -> str:
    """A text PDF as the parser's text: per page, its ruled tables row by row and the text
    around them in reading order; running headers and footers left out.

    Characters and ruling lines come from PDFium (pypdfium2: fast, and the engine browsers
    use on hostile files); tables are found from the rules by pdfplumber's algorithm."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    _check_pdf_streams(raw)
    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise ImportFormatError(
                _("PDF protected by a password: save it without protection (or export the "
                  "document to Word), then import it."),
                page_location(1),
            ) from exc
        raise ImportFormatError(
            _("Unreadable PDF: the file is incomplete or corrupt."), page_location(1)
        ) from exc
    try:
        if len(pdf) > MAX_PDF_PAGES:
            raise ImportFormatError(
                _("PDF too long for a référentiel: %(count)d pages (at most %(max)d).")
                % {"count": len(pdf), "max": MAX_PDF_PAGES},
                page_location(1),
            )
        page_blocks: list[list[tuple[float, str, object]]] = []
        chars = 0
        for number in range(len(pdf)):
            try:
                page = pdf[number]
                try:
                    words, edges, count, size = _pdfium_page(page)
                finally:
                    page.close()
                blocks = _pdf_page(words, edges, size)
            except ImportFormatError:
                raise
            except Exception as exc:  # a damaged page: say which
                raise ImportFormatError(
                    _("Unreadable PDF: this page is corrupt."), page_location(number + 1)
                ) from exc
            page_blocks.append(blocks)
            chars += count
    finally:
        pdf.close()
    if chars == 0:
        raise ImportFormatError(
            _("This PDF holds no text (a scanned document?): export it as text or to Word "
              "from the software that produced it, or run it through character recognition."),
            page_location(1),
        )
    return _join_lines(_pdf_lines_out(page_blocks))


def _check_pdf_streams(raw: bytes) -> None:
    """Refuse a PDF whose compressed streams would inflate past MAX_PDF_INFLATED_BYTES (a
    decompression bomb: PDFium inflates a page's content whole). Each Flate stream is
    inflated piece by piece and counted, never held; the other filters are left to PDFium."""
    import zlib

    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(raw))
    except pikepdf.PasswordError:
        return  # PDFium says it is protected
    except Exception:  # a damaged file: PDFium says what it can read
        return
    total = 0
    with pdf:
        if pdf.is_encrypted:
            return  # streams are decrypted by PDFium only: their sizes are not known here
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Stream):
                continue
            filters = obj.get("/Filter")
            first = filters[0] if isinstance(filters, pikepdf.Array) and len(filters) else filters
            if first != pikepdf.Name.FlateDecode:
                continue
            try:
                data = obj.read_raw_bytes()
            except Exception:  # noqa: S112 - an unreadable stream is PDFium's to report
                continue
            inflater = zlib.decompressobj()
            chunk = 1024 * 1024
            try:
                for start in range(0, len(data), chunk):
                    pending = data[start:start + chunk]
                    while pending:
                        total += len(inflater.decompress(pending, chunk))
                        pending = inflater.unconsumed_tail
                        if total > MAX_PDF_INFLATED_BYTES:
                            raise ImportFormatError(
                                _("PDF refused: its compressed contents would be more "
                                  "than %(size)d MB once inflated (decompression bomb?).")
                                % {"size": MAX_PDF_INFLATED_BYTES // (1024 * 1024)},
                                page_location(1),
                            )
                    if inflater.eof:
                        break
            except zlib.error:
                continue


_SPACES_CP = frozenset([0x20, 0x09, 0x0A, 0x0D, 0xA0, 0x2002, 0x2003, 0x2009, 0x202F, 0xFFFE])


def _pdfium_page(page: object) -> tuple[list[dict], list[dict], int, tuple[float, float]]:
    """(words, ruling edges, characters, (width, height)) of a page, top-down coordinates."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    width, height = page.get_width(), page.get_height()
    textpage = page.get_textpage()
    try:
        handle = textpage.raw
        buffer = ctypes.create_string_buffer(128)
        flags = ctypes.c_int()
        words: list[dict] = []
        word: dict | None = None
        count = 0
        for index in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(handle, index)
            if code in _SPACES_CP or code < 0x20:
                word = None
                continue
            left, bottom, right, top = textpage.get_charbox(index, loose=True)
            top, bottom = height - top, height - bottom
            size = pdfium_c.FPDFText_GetFontSize(handle, index) or (bottom - top)
            pdfium_c.FPDFText_GetFontInfo(handle, index, buffer, 128, ctypes.byref(flags))
            font = buffer.value.decode("latin-1", "replace")
            if pdfium_c.FPDFText_GetFontWeight(handle, index) >= 600:
                font += "-Bold"
            count += 1
            char = chr(code)
            if (
                word is not None
                and abs(top - word["top"]) <= max(2.0, size * 0.4)
                and word["x0"] - 1 <= left  # a ligature's second letter overlaps the first
                and left - word["x1"] <= size * 0.25
                and _is_bold(font) == _is_bold(word["fontname"])
            ):
                word["text"] += char
                word["x1"] = max(word["x1"], right)
                word["bottom"] = max(word["bottom"], bottom)
                continue
            word = {"text": char, "x0": left, "x1": right, "top": top, "bottom": bottom,
                    "fontname": font, "size": size}
            words.append(word)
    finally:
        textpage.close()
    edges: list[dict] = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=1):
        edges += _path_edges(obj, height)
    return words, edges, count, (width, height)


def _edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> dict:
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "width": x1 - x0,
            "height": bottom - top, "orientation": orientation, "object_type": "line"}


def _path_edges(obj: object, height: float) -> list[dict]:
    """Horizontal and vertical rules of a path: a thin shape is a line, a rectangle gives its
    four sides; a longer path (a whole grid drawn at once) gives its straight segments."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    segments = pdfium_c.FPDFPath_CountSegments(obj.raw)
    if segments <= 5:
        left, bottom, right, top = obj.get_bounds()
        top, bottom = height - top, height - bottom
        if bottom - top <= 3 and right - left > 3:
            middle = (top + bottom) / 2
            return [_edge(left, middle, right, middle, "h")]
        if right - left <= 3 and bottom - top > 3:
            middle = (left + right) / 2
            return [_edge(middle, top, middle, bottom, "v")]
        if right - left > 3 and bottom - top > 3:
            return [_edge(left, top, right, top, "h"), _edge(left, bottom, right, bottom, "h"),
                    _edge(left, top, left, bottom, "v"), _edge(right, top, right, bottom, "v")]
        return []
    matrix = obj.get_matrix()
    edges: list[dict] = []
    start = previous = None
    x, y = ctypes.c_float(), ctypes.c_float()
    for index in range(min(segments, 5000)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj.raw, index)
        pdfium_c.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
        px, py = matrix.on_point(x.value, y.value)
        point = (px, height - py)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or previous is None:
            start = previous = point
            continue
        targets = [point]
        if pdfium_c.FPDFPathSegment_GetClose(segment):
            targets.append(start)
        for target in targets:
            if kind == pdfium_c.FPDF_SEGMENT_LINETO or target is start:
                (ax, ay), (bx, by) = previous, target
                if abs(ay - by) <= 1 and abs(ax - bx) > 3:
                    edges.append(_edge(min(ax, bx), ay, max(ax, bx), ay, "h"))
                elif abs(ax - bx) <= 1 and abs(ay - by) > 3:
                    edges.append(_edge(ax, min(ay, by), ax, max(ay, by), "v"))
            previous = target
    return edges


def _table_settings(edges: list[dict]) -> dict:
    """pdfplumber's ruled-table settings, closing tables cut by a page break: a row split
    between two pages has no bottom border on the first and no top border on the second,
    so horizontal lines are added where the vertical rules start and end."""
    verticals = [edge for edge in edges if edge["orientation"] == "v"]
    if not verticals:
        return {}
    tops = min(edge["top"] for edge in verticals)
    bottoms = max(edge["bottom"] for edge in verticals)
    return {"explicit_horizontal_lines": [tops, bottoms]}


class _RulesPage:
    """What pdfplumber's TableFinder reads of a page with the "lines" strategy."""

    def __init__(self, edges: list[dict], size: tuple[float, float]) -> None:
        self.edges = edges
        self.bbox = (0, 0, size[0], size[1])


def _pdf_page(
    words: list[dict], edges: list[dict], size: tuple[float, float]
) -> list[tuple[float, str, object]]:
    """Blocks in reading order: ("line", _PdfLine) or ("table", _PdfTable)."""
    if not words:
        return []
    tables = []
    if edges:
        from pdfplumber.table import TableFinder

        tables = TableFinder(_RulesPage(edges, size), _table_settings(edges)).tables
    bboxes = [table.bbox for table in tables]

    def inside(word: dict, bbox: tuple[float, float, float, float]) -> bool:
        x0, top, x1, bottom = bbox
        return (x0 <= (word["x0"] + word["x1"]) / 2 <= x1
                and top <= (word["top"] + word["bottom"]) / 2 <= bottom)

    blocks: list[tuple[float, str, object]] = []
    free = [w for w in words if not any(inside(w, bbox) for bbox in bboxes)]
    for line in _pdf_lines(_sorted_words(free)):
        blocks.append((line.top, "line", line))
    ruled = [edge["top"] for edge in edges if edge["orientation"] == "h"]
    for table in tables:
        _x0, top, _x1, bottom = table.bbox
        in_table = [w for w in words if inside(w, table.bbox)]
        rows: list[list[list[_Para]]] = []
        for row in table.rows:
            cells: list[list[_Para]] = []
            for bbox in row.cells:
                if bbox is None:
                    cells.append([])
                    continue
                cell_words = [w for w in in_table if inside(w, bbox)]
                cells.append(_cell_paras(_pdf_lines(_sorted_words(cell_words))))
            rows.append(cells)
        blocks.append((top, "table", _PdfTable(
            rows,
            open_top=not any(abs(y - top) <= 1.5 for y in ruled),
            open_bottom=not any(abs(y - bottom) <= 1.5 for y in ruled),
        )))
    blocks.sort(key=lambda block: block[0])
    return blocks


@dataclass
class _PdfTable:
    """A table of one page; open at the top or bottom when a page break cut a row there
    (no rule closes it)."""

    rows: list[list[list[_Para]]]
    open_top: bool = False
    open_bottom: bool = False


def _continues(before: _Para, after: _Para) -> bool:
    """Whether the first paragraph of a cell's second half goes on with the first half's
    last one: not a new list item, not a bold start after plain text, not a new sentence."""
    if after.item:
        return False
    if after.text.startswith("<b>") and not before.text.endswith("</b>"):
        return False
    before_plain = re.sub(r"<[^>]*>", "", before.text).rstrip()
    after_plain = re.sub(r"<[^>]*>", "", after.text).lstrip()
    return not (before_plain.endswith((".", "!", "?", ":")) and after_plain[:1].isupper())


def _continue_table(previous: _PdfTable, table: _PdfTable) -> bool:
    """Join the first row of a page's table to the last row of the previous page's when a
    page break cut that row in two (both tables open there, same columns)."""
    if not (previous.open_bottom and table.open_top and previous.rows and table.rows):
        return False
    last, first = previous.rows[-1], table.rows[0]
    if len(last) != len(first):
        return False
    for left, right in zip(last, first, strict=True):
        if not right:
            continue
        head = right[0]
        if left and _continues(left[-1], head):
            text = re.sub(r"</b>\s*<b>", " ", f"{left[-1].text} {head.text}".strip())
            left[-1] = _Para(text, left[-1].level, left[-1].item)
            left.extend(right[1:])
        else:
            left.extend(right)
    previous.rows.extend(table.rows[1:])
    previous.open_bottom = table.open_bottom
    return True


def _pdf_lines_out(page_blocks: list[list[tuple[float, str, object]]]) -> list[str]:
    """Lines of every page; a line that starts or ends most pages (a running header or footer)
    and page numbers at the top or bottom of a page are left out. Lines of text outside the
    tables are joined into paragraphs; a line in a larger font than the body is a heading."""
    edges: Counter[str] = Counter()

    def key(line: _PdfLine) -> str:
        return re.sub(r"\d+", "#", line.plain.lower())

    for blocks in page_blocks:
        lines = [b[2] for b in blocks if b[1] == "line"]
        edges.update({key(line) for line in lines[:2] + lines[-2:]})
    repeated = {k for k, n in edges.items() if len(page_blocks) >= 3 and n * 2 > len(page_blocks)}
    kept: list[list[tuple[float, str, object]]] = []
    sizes: Counter[float] = Counter()
    for blocks in page_blocks:
        line_blocks = [b for b in blocks if b[1] == "line"]
        edge_ids = {id(b[2]) for b in line_blocks[:2] + line_blocks[-2:]}
        page: list[tuple[float, str, object]] = []
        for block in blocks:
            line = block[2]
            if block[1] == "line" and id(line) in edge_ids and (
                key(line) in repeated or _PAGE_NUMBER.match(line.plain)
            ):
                continue
            if block[1] == "line":
                sizes[round(line.size)] += len(line.plain)
            page.append(block)
        kept.append(page)
    body = sizes.most_common(1)[0][0] if sizes else 0
    larger = sorted({s for s in sizes if s > body * 1.15 and s - body >= 1.5}, reverse=True)
    levels = {size: min(index + 1, 6) for index, size in enumerate(larger)}
    out: list[str] = []
    open_table: _PdfTable | None = None  # the last block written, when it is a table
    for page in kept:
        run: list[_PdfLine] = []
        for _top, kind, value in [*page, (0.0, "end", None)]:
            if kind == "line":
                run.append(value)
                continue
            if run:
                if open_table is not None:
                    out += _table_lines(open_table)
                    open_table = None
                out += _free_paragraphs(run, levels)
                run = []
            if kind == "table":
                if open_table is not None and _continue_table(open_table, value):
                    continue
                if open_table is not None:
                    out += _table_lines(open_table)
                open_table = value
    if open_table is not None:
        out += _table_lines(open_table)
    return out


def _table_lines(table: _PdfTable) -> list[str]:
    lines = [_row_line([_cell_text(cell) for cell in row]) for row in table.rows]
    return ["", *[line for line in lines if line.strip()], ""]


def _free_paragraphs(lines: list[_PdfLine], levels: dict[float, int]) -> list[str]:
    """Consecutive lines outside the tables as paragraphs, list items and headings."""
    out: list[str] = []
    body: list[_PdfLine] = []

    def flush() -> None:
        for para in _cell_paras(body):
            text = _flat(para.text)
            if text:
                out.append(f"- {text}" if para.item else text)
        body.clear()

    for line in lines:
        level = levels.get(round(line.size), 0)
        if level:
            flush()
            text = _inline([_Piece(p.text) for p in line.pieces], in_cell=False)
            if text:
                out.append(f"{'#' * level} {text}")
        else:
            body.append(line)
    flush()
    return out
