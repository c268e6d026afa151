"""Parser for référentiel documents: text exports of RNCP fiches and référentiels (DESIGN.md §7).

The input is what a word processor or a web page gives when saved as text: table rows whose
cells are separated by tabs (or markdown ``| … |`` rows) and may hold HTML fragments (``<p>``,
``<b>``, ``<u>``, ``<li>``), markdown-ish headings, bullets and backquoted codes, and page
breaks that cut a cell in two (the rest of the cell comes on a later line, often alone,
sometimes after the next rows have started).

The parser does not know the five seed files; it knows the shape of a référentiel:

* a table header ("Référentiel d'activités | … de compétences | Modalités | Critères") gives
  each column a :class:`Role`; without one, the content decides;
* blocs, activities, compétences and épreuves are recognised by their codes or headings
  ("Bloc 2 :", "BLOC 1 — RNCP37873BC01 — …", "Catégorie 1 :", "RNCP35609BC01", "BC01 –",
  "A.2.1.", "C1.1.1.", "<b>CP1.</b> …", "Compétence 3 :", "BC7. 2\\_", "E1.", "M2 —",
  "Épreuve 1 :"); a coded épreuve stated again by its code ("M1", "Modalité M1", "E1, E2" in
  a later row or bloc) is the same épreuve, which then also evaluates that row's compétences
  — unless it comes with another title (épreuves numbered per bloc): then it is another one;
* a table's columns may come in any order: the header names them, and the cells of a row are
  read bloc first, criteria last; a "Code" column is joined to the wording beside it, a
  "Durée" column to the épreuve, "Coefficient" or "Observations" columns are left out;
* without tables, label lines ("Compétences évaluées :", "Critères d'évaluation :",
  "Modalité(s) d'évaluation :") open sections read by :mod:`.outline`; bullets under a
  compétence heading ("### C2.3 …") are its criteria;
* text that starts in lower case (or a bullet left without a list) continues a paragraph
  cut by a page break: :meth:`.continuations.ContinuationsMixin._continue` finds the
  paragraph it completes;
* everything outside the référentiel tables is read for the fiche's facts (code, title,
  level, certifier, NSF, formacodes, ROME, dates, scale, access routes, extra requirements),
  from labelled lines ("Intitulé :", "Certificateur :") or from a title block's first lines
  ("Titre professionnel …", "RNCP38000 — …", "Niveau 5").

Every guess is a warning on the draft with its line (a compétence without code, codes
deduced from "Compétence 1", a level not labelled as the qualification's, criteria or an
épreuve linked to all the compétences of their bloc because they name none, a bloc with no
épreuve attached to the previous one).

Links that a table only states by position (a criteria cell beside some compétence rows, an
épreuve stated once for several rows) are resolved at the end from the line numbers.

Word (.docx), PDF and OpenDocument (.odt) files are first written as that same text by
:mod:`.office` (tables row by row, merged cells once, headings, lists, bold), then read
like any export.

The package, in reading order: :mod:`.office` (office files to text), :mod:`.reading`
(bytes to text, HTML fragments),
:mod:`.codes` (how codes and épreuves are written), :mod:`.state` (what the parser keeps while
it reads), :mod:`.tables` (header rows, rows, cells), :mod:`.outline` (lines of their own: label
lines and the sections they open), :mod:`.continuations` (paragraphs cut by page breaks),
:mod:`.facts`
(the fiche outside the tables), :mod:`.links` (positional links, at the end) and
:mod:`.parser` (the line loop and :func:`parse`).
"""

from __future__ import annotations

from certifications.importers.document.parser import parse
from certifications.importers.document.reading import MAX_BYTES
from certifications.importers.document.state import Role

__all__ = ["MAX_BYTES", "Role", "parse"]
