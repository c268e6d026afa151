"""PDF bench: 200 bloc attestations, issued one by one and in bulk.

    .venv/bin/python bench/pdf_bench.py [--documents 200] [--subsetter auto|fonttools]

Standalone (``config.settings.base`` on a temporary VAR_DIR). The naive way runs one
WeasyPrint layout and one ``write_pdf()`` per document (``render_pdf``); the product's way
(``reports.documents.render_pdfs``) — where batching pays (``batching_pays()``: fontTools
subsetting) — lays each batch out once, writes it once (fonts are subset once per batch)
and cuts the PDF into standalone PDFs with qpdf (pikepdf); with HarfBuzz-Subset it renders
one by one, which is faster there. Each
split PDF is checked with ``pdftotext`` (its own verification code and number, no other
document's) and pikepdf (one page, no syntax error). The last line of the output is
``key=value`` pairs for ``bench/run_all.py``. Target: ratio >= 8.

Font subsetting is what the product amortises: WeasyPrint subsets with HarfBuzz-Subset
when the system has it (Debian's libharfbuzz-subset0) and falls back to fontTools, about
ten times slower, otherwise. ``--subsetter fonttools`` forces the fallback for BOTH ways,
to measure on a machine with HarfBuzz-Subset what a machine without it sees.
"""

from __future__ import annotations

import argparse
import datetime
import io
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pikepdf

from bench.import_bench import setup_django


def attestation_context(index: int) -> dict[str, Any]:
    """A bloc attestation context with the keys fixed by ``reports`` (distinct holder,
    number and verification code per document)."""
    code = f"BX{index:04d}-QRTA"
    return {
        "document": {
            "kind": "bloc_attestation", "number": f"ATT-2027-{index:06d}",
            "verification_code": code, "verification_url": f"https://certif.example/v/{code}",
            "issued_on": datetime.date(2027, 7, 3), "place": "Lyon", "language": "fr",
            "decided_on": datetime.date(2027, 7, 2),
        },
        "certifier": {"name": "Institut Européen des Métiers du Numérique",
                      "siret": "12345678900017", "logo": "", "signature": ""},
        "certification": {
            "code": "RNCP38123", "title": "Concepteur développeur d'applications",
            "level": 6, "eqf_level": 6, "nsf_codes": ["326t", "326n"],
            "registration_date": datetime.date(2023, 9, 14),
            "registration_end_date": datetime.date(2028, 9, 14),
        },
        "holder": {
            "printed_name": f"NOM{index:04d} Camille", "birth_name": f"NOM{index:04d}",
            "usage_name": "", "sex": "F",
            "first_names": "Camille", "birth_date": datetime.date(1990, 1, 1 + index % 28),
            "birth_place": "Lyon",
        },
        "session": {"name": "Printemps 2027", "starts_on": datetime.date(2027, 3, 1),
                    "ends_on": datetime.date(2027, 6, 30)},
        "signatory": {"name": "Hélène Marchand", "quality": "Directrice générale", "image": ""},
        "bloc": {"code": f"RNCP38123BC0{1 + index % 4}", "title": "Concevoir une application"},
        "blocs": [], "outcome": "partial", "outcome_label": "Validation partielle",
    }


def pdf_text(pdf: bytes, folder: Path) -> str:
    path = folder / "check.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(  # noqa: S603 - our temp file
        ["pdftotext", str(path), "-"], capture_output=True, check=True  # noqa: S607
    )
    return out.stdout.decode()


def check_split(pdfs: list[bytes], contexts: list[dict[str, Any]], folder: Path) -> None:
    """Every split PDF is a standalone PDF carrying its own code and number only."""
    if len(pdfs) != len(contexts):
        raise SystemExit(f"expected {len(contexts)} PDFs, got {len(pdfs)}")
    for index, (pdf, context) in enumerate(zip(pdfs, contexts, strict=True)):
        text = pdf_text(pdf, folder)
        own = context["document"]
        neighbour = contexts[(index + 1) % len(contexts)]["document"]
        if own["verification_code"] not in text or own["number"] not in text:
            raise SystemExit(f"document {index}: own verification code/number missing")
        if len(contexts) > 1 and neighbour["verification_code"] in text:
            raise SystemExit(f"document {index}: holds another document's code")
        if not pdf.startswith(b"%PDF-") or not pdf.rstrip().endswith(b"%%EOF"):
            raise SystemExit(f"document {index}: not a complete PDF")
        with pikepdf.open(io.BytesIO(pdf)) as document:
            if len(document.pages) != 1 or document.check_pdf_syntax():
                raise SystemExit(f"document {index}: not a valid one-page PDF")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--subsetter", choices=("auto", "fonttools"), default="auto")
    options = parser.parse_args()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    import weasyprint.pdf.fonts

    if options.subsetter == "fonttools":
        weasyprint.pdf.fonts.harfbuzz_subset = None
    subsetter = "harfbuzz" if weasyprint.pdf.fonts.harfbuzz_subset else "fonttools"
    print(f"font subsetting: {subsetter}")

    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(Path(var_dir))
        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # Django set LOGGING again
        from reports.documents import render_pdf, render_pdfs

        contexts = [attestation_context(index) for index in range(options.documents)]
        render_pdf("bloc_attestation", contexts[0])  # warm-up: fonts, stylesheet, templates

        start = time.perf_counter()
        naive = [render_pdf("bloc_attestation", context) for context in contexts]
        naive_ms = (time.perf_counter() - start) * 1000 / len(contexts)
        print(f"naive: {len(naive)} PDFs, {naive_ms:.1f} ms/doc")

        start = time.perf_counter()
        product = render_pdfs([("bloc_attestation", context) for context in contexts])
        product_ms = (time.perf_counter() - start) * 1000 / len(contexts)
        print(f"product (one layout and one write per batch, split): {len(product)} PDFs, "
              f"{product_ms:.1f} ms/doc")

        check_split(product, contexts, Path(var_dir))
        print(f"checked {len(product)} split PDFs (pdftotext, pikepdf): own code and number "
              "each, one page")
        phases = profile(contexts[: min(len(contexts), 40)])
        print("where an attestation's milliseconds go (median): " + ", ".join(
            f"{name} {value:.1f} ms" for name, value in phases.items()))
        transcript_ms = transcript_median(10)
        print(f"transcript (7 blocs, 35 compétences, 3 pages): {transcript_ms:.1f} ms/doc")

    # A 1,000-candidate session on one worker: per candidate a transcript, ~6 attestations
    # and (most of them) a certificate, laid out like an attestation.
    session_min = 1000 * (transcript_ms + 6.7 * product_ms) / 60000
    print(f"template_ms={phases['template']:.1f} layout_ms={phases['layout']:.1f} "
          f"write_ms={phases['write']:.1f} transcript_ms_per_doc={transcript_ms:.1f} "
          f"session_1000_candidates_min={session_min:.1f} "
          f"naive_ms_per_doc={naive_ms:.1f} ratio={naive_ms / product_ms:.2f} "
          f"subsetter={subsetter} product_ms_per_doc={product_ms:.1f}")


def profile(contexts: list[dict[str, Any]]) -> dict[str, float]:
    """Median time of each phase of one attestation: the Django template, WeasyPrint's
    layout (boxes, line breaking, the QR code's SVG), ``write_pdf`` (drawing, font
    subsetting, compression, PDF/A metadata)."""
    import statistics

    from django.utils import translation

    from reports.documents import _layout, _render_html, _write

    times: dict[str, list[float]] = {"template": [], "layout": [], "write": []}
    with translation.override("fr"):
        for context in contexts:
            started = time.perf_counter()
            html = _render_html("bloc_attestation", context)
            laid = time.perf_counter()
            document = _layout(html, "fr")
            written = time.perf_counter()
            _write(document, "bloc_attestation", context, "fr")
            done = time.perf_counter()
            times["template"].append((laid - started) * 1000)
            times["layout"].append((written - laid) * 1000)
            times["write"].append((done - written) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def transcript_median(count: int) -> float:
    import statistics

    from reports.documents import render_pdf

    base = attestation_context(0)
    blocs = [{"code": f"RNCP38123BC0{b}", "title": f"Bloc {b} : concevoir une application",
              "status": "validated", "status_label": "Validé", "acquired": False,
              "competences": [{"code": f"C{b}.{c}", "title": f"Compétence {b}.{c} : conduire "
                               "l'analyse des besoins et rédiger les spécifications",
                               "level": 2, "level_label": "Compétence validée"}
                              for c in range(1, 6)]} for b in range(1, 8)]
    context = {**base, "blocs": blocs, "absent": False,
               "document": {**base["document"], "kind": "transcript"}}
    render_pdf("transcript", context)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        render_pdf("transcript", context)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    main()
