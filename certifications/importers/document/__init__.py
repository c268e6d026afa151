"""Parser for référentiel documents: text exports of RNCP fiches and référentiels (DESIGN.md §7).

The input is what a word processor or a web page gives when saved as text: table rows whose
cells are separated by tabs and may hold HTML fragments (``<p>``, ``<b>``, ``<u>``, ``<li>``),
markdown-ish headings and bullets, and page breaks that cut a cell in two (the rest of the
cell comes on a later line, often alone, sometimes after the next rows have started).

The parser does not know the five seed files; it knows the shape of a référentiel:

* a table header ("Référentiel d'activités | … de compétences | Modalités | Critères") gives
  each column a :class:`Role`; without one, the content decides;
* blocs, activities, compétences and épreuves are recognised by their codes or headings
  ("Bloc 2 :", "Catégorie 1 :", "RNCP35609BC01", "A.2.1.", "C1.1.1.", "BC7. 2\\_", "E1.");
* text that starts in lower case (or a bullet left without a list) continues a paragraph
  cut by a page break: :meth:`.tables.TablesMixin._continue` finds the paragraph it completes;
* everything outside the référentiel tables is read for the fiche's facts (code, level,
  NSF, formacodes, ROME, dates, scale, access routes, extra requirements).

Links that a table only states by position (a criteria cell beside some compétence rows, an
épreuve stated once for several rows) are resolved at the end from the line numbers.

Word (.docx), PDF and OpenDocument (.odt) files are first written as that same text by
:mod:`.office` (tables row by row, merged cells once, headings, lists, bold), then read
like any export.

The package, in reading order: :mod:`.office` (office files to text), :mod:`.reading`
(bytes to text, HTML fragments),
:mod:`.codes` (how codes and épreuves are written), :mod:`.state` (what the parser keeps while
it reads), :mod:`.tables` (header rows, rows, cells, page-break continuations), :mod:`.facts`
(the fiche outside the tables), :mod:`.links` (positional links, at the end) and
:mod:`.parser` (the line loop and :func:`parse`).
"""

from __future__ import annotations

from certifications.importers.document.parser import parse
from certifications.importers.document.reading import MAX_BYTES
from certifications.importers.document.state import Role

__all__ = ["MAX_BYTES", "Role", "parse"]
