"""The one import pipeline (DESIGN.md §4.1): bytes → parser → drafts → validation →
preview → ``certifications.services.referentiel_import``.

Each format is one module with ``parse(source, *, name="", **options) -> list[ReferentielDraft]``;
adding a format is adding it to ``PARSERS``.
"""

from __future__ import annotations

import inspect
import zipfile
from collections.abc import Callable
from pathlib import PurePath
from typing import BinaryIO

from django.utils.translation import gettext as _

from certifications.codes import code_normalise
from certifications.errors import ImportFormatError
from certifications.importers import document, json_format, rncp_xml, spreadsheet
from certifications.importers.document import office
from certifications.importers.draft import ReferentielDraft

Parser = Callable[..., list[ReferentielDraft]]

PARSERS: dict[str, Parser] = {
    "document": document.parse,
    "rncp-xml": rncp_xml.parse,
    "spreadsheet": spreadsheet.parse,
    "json": json_format.parse,
}
FORMAT_CHOICES = ["auto", *PARSERS]

_EXTENSIONS = {
    ".xml": "rncp-xml",
    ".csv": "spreadsheet",
    ".xlsx": "spreadsheet",
    ".json": "json",
    ".txt": "document",
    ".md": "document",
    ".tsv": "document",
    # Word, PDF and OpenDocument: turned into the document text (document/office.py)
    ".docx": "document",
    ".docm": "document",
    ".doc": "document",
    ".odt": "document",
    ".pdf": "document",
}
_WORD_EXTENSIONS = (".docx", ".docm", ".dotx", ".odt")


def detect_format(head: bytes, name: str = "", source: BinaryIO | None = None) -> str:
    """Guess the format from the first bytes, then from the file name.

    A zip is a Word or OpenDocument text (``document``) or a workbook (``spreadsheet``):
    its first bytes may not say which, so ``source`` (seekable, left where it was) is
    looked into when given, else the file name decides.
    """
    if head.startswith(b"%PDF-"):
        return "document"
    if head.startswith(b"PK\x03\x04"):
        return "document" if _zip_is_text(head, name, source) else "spreadsheet"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"<?xml", b"<FICHES", b"<fiches")):
        return "rncp-xml"
    if stripped.startswith(b"{"):
        return "json"
    by_extension = _EXTENSIONS.get(PurePath(name).suffix.lower())
    if by_extension:
        return by_extension
    first_line = stripped.split(b"\n", 1)[0].lower()
    if b"competence" in first_line and (b";" in first_line or b"," in first_line):
        return "spreadsheet"
    return "document"


def _zip_is_text(head: bytes, name: str, source: BinaryIO | None) -> bool:
    """Whether a zip is a Word (.docx) or OpenDocument text (.odt) file."""
    kind = office.kind_of(head, names=[])  # the ODT mimetype comes first
    if kind == "odt" or b"word/" in head:
        return True
    if source is not None:
        position = source.tell()
        try:
            with zipfile.ZipFile(source) as archive:
                return office.DOCX_MAIN in archive.namelist()
        except (zipfile.BadZipFile, ValueError, EOFError, OSError):
            pass  # a damaged archive: the name decides, the parser says what is wrong
        finally:
            source.seek(position)
    return PurePath(name).suffix.lower() in _WORD_EXTENSIONS


def parse(
    source: BinaryIO, *, format: str = "auto", name: str = "", **options: object
) -> list[ReferentielDraft]:
    """Parse with the named format (or the detected one). Options a format does not take
    (``fiche`` for a spreadsheet) are refused with a clear message."""
    if format == "auto":
        position = source.tell()
        format = detect_format(source.read(4096), name, source)
        source.seek(position)
    try:
        parser = PARSERS[format]
    except KeyError:
        raise ImportFormatError(_("Unknown format “%(format)s”.") % {"format": format}) from None
    accepted = inspect.signature(parser).parameters
    given = {key: value for key, value in options.items() if value not in (None, "")}
    for key in given:
        if key not in accepted:
            raise ImportFormatError(
                _("The option “%(option)s” does not apply to the %(format)s format.")
                % {"option": key, "format": format}
            )
    drafts = parser(source, name=name, **given)
    for draft in drafts:  # codes typed in any case: kept in upper case (certifications.codes)
        draft.certification.code = code_normalise(draft.certification.code)
        for bloc in draft.blocs:
            bloc.code = code_normalise(bloc.code)
    return drafts


__all__ = ["FORMAT_CHOICES", "PARSERS", "ImportFormatError", "detect_format", "parse"]
