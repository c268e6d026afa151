"""Word and PDF référentiel import benchmark: a ~40-page référentiel read from .docx and .pdf.

    .venv/bin/python bench/import_documents_bench.py [--blocs 10] [--competences 8] \
        [--criteria 4] [--runs 3]

Builds one référentiel (``--blocs`` blocs × ``--competences`` compétences × ``--criteria``
criteria, an épreuve per bloc, long enough wording for about 40 A4 pages) as a Word file
(python-docx) and as a PDF (WeasyPrint, ruled table cut by page breaks), then times what the
import preview does with each: ``importers.parse`` (conversion to the document text and the
parser) and ``validate``, best of ``--runs``; then the whole preview service
(``referentiel_import_preview``: parse, validate, the report and the draft kept in the import
row) on a temporary SQLite database, first with no current version, then against a confirmed
one (the diff). The last line of the output is ``key=value`` pairs for ``bench/run_all.py``.
Target: under 2 s each.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocs", type=int, default=10)
    parser.add_argument("--competences", type=int, default=8)
    parser.add_argument("--criteria", type=int, default=4, help="per compétence")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    from bench.import_bench import setup_django

    setup_django(Path(tempfile.mkdtemp(prefix="bench-import-docs-")))
    import pypdfium2

    from certifications import importers
    from certifications.importers.document import office
    from certifications.importers.validation import validate
    from certifications.services import referentiel_import_confirm, referentiel_import_preview
    from certifications.tests import office_files

    blocs = office_files.pdf_blocs(args.blocs, args.competences, long=True, criteria=args.criteria)
    started = time.perf_counter()
    pdf = office_files.pdf_bytes(office_files.pdf_html(blocs))
    docx = office_files.docx_table_referentiel(blocs)
    built_s = time.perf_counter() - started
    document = pypdfium2.PdfDocument(pdf)
    pages = len(document)
    document.close()
    print(f"built in {built_s:.1f} s: PDF {pages} pages ({len(pdf) // 1024} kB), "
          f"Word {len(docx) // 1024} kB")

    figures: dict[str, str] = {"pdf_pages": str(pages), "blocs": str(args.blocs),
                               "competences": str(args.blocs * args.competences)}
    for name, data in (("docx", docx), ("pdf", pdf)):
        best_convert = best_total = float("inf")
        counts = {}
        for _ in range(args.runs):
            start = time.perf_counter()
            office.to_text(data, f"referentiel.{name}")
            best_convert = min(best_convert, time.perf_counter() - start)
            start = time.perf_counter()
            drafts = importers.parse(io.BytesIO(data), name=f"referentiel.{name}")
            for draft in drafts:
                validate(draft)
            best_total = min(best_total, time.perf_counter() - start)
            counts = drafts[0].counts()
        print(f"{name}: parse + validate {best_total:.2f} s (conversion to text "
              f"{best_convert:.2f} s), {counts}")
        figures[f"{name}_s"] = f"{best_total:.2f}"
        figures[f"{name}_convert_s"] = f"{best_convert:.2f}"
        figures[f"{name}_competences"] = str(counts.get("competences", 0))
        figures[f"{name}_criteria"] = str(counts.get("criteria", 0))
        for against in ("new", "diff"):
            best = float("inf")
            for _ in range(args.runs):
                start = time.perf_counter()
                row = referentiel_import_preview(file=io.BytesIO(data), size=len(data),
                                                 file_name=f"referentiel.{name}")
                best = min(best, time.perf_counter() - start)
            print(f"{name}: preview service ({against}) {best:.2f} s")
            figures[f"{name}_preview_{against}_s"] = f"{best:.2f}"
            if against == "new":
                referentiel_import_confirm(referentiel_import=row)
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
