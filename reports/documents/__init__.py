"""PDF documents (transcript, bloc attestation, certificate, minutes) rendered by WeasyPrint.

``render_pdf`` renders one document; ``render_pdfs`` issues many at once by laying out a
whole batch as ONE WeasyPrint document, writing it once (fonts subset once) and cutting
that PDF into standalone PDFs, each with its own metadata (``split.py``). Resources are
fetched only from the project's ``static/`` folder (and ``data:`` URIs); anything else
(``file:///etc/passwd``, the network) is refused.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from weasyprint import CSS, HTML, Document
from weasyprint.pdf import fonts as weasyprint_fonts
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from reports.documents.split import Part, split_pdf

__all__ = [
    "KINDS",
    "PDFA_KINDS",
    "StaticOnlyURLFetcher",
    "render_letter_pdf",
    "render_pdf",
    "render_pdfs",
    "verification_qr_svg",
]

KINDS: frozenset[str] = frozenset({"transcript", "bloc_attestation", "certificate", "minutes"})
#: Archival documents: PDF/A-3b (the PDF/A "b" variants WeasyPrint 70 supports with tags).
PDFA_KINDS: frozenset[str] = frozenset({"certificate", "bloc_attestation"})
#: Kinds laid out on one page with no page counter: safe to batch in one layout.
BATCHABLE_KINDS: frozenset[str] = frozenset({"certificate", "bloc_attestation"})
PDFA_VARIANT = "pdf/a-3b"
_PDFA_ID = (3, "B")  # pdfaid:part and pdfaid:conformance of PDFA_VARIANT
STYLESHEET = "reports/documents.css"
_ANCHOR_PREFIX = "document-"


def static_root() -> Path:
    """The project's own ``static/`` folder (sources, not the collected STATIC_ROOT)."""
    return (Path(settings.BASE_DIR) / "static").resolve()


class StaticOnlyURLFetcher(URLFetcher):
    """Serves ``data:`` URIs and files under ``static/``; raises for anything else."""

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self._root = (root or static_root()).resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ValueError(f"Refused URL (only static/ files and data: URIs): {url[:200]}")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not path.is_relative_to(self._root) or not path.is_file():
            raise ValueError(f"Refused URL outside static/: {url[:200]}")
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes())


def verification_qr_svg(url: str) -> str:
    """An inline ``<svg>`` QR code (error correction M) pointing to ``url``."""
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_inline(scale=3, border=2, dark="#000", light="#fff", title=None)


@functools.cache
def _fetcher() -> StaticOnlyURLFetcher:
    """One fetcher per process (building one costs more than laying a page out)."""
    return StaticOnlyURLFetcher()


@functools.cache
def _font_config() -> FontConfiguration:
    """One font configuration per process: the fonts found once, not per document (we
    declare no ``@font-face``, so nothing accumulates in it)."""
    return FontConfiguration()


@functools.cache
def _stylesheet() -> CSS:
    """The print stylesheet, parsed once per process."""
    path = static_root() / STYLESHEET
    return CSS(filename=str(path), url_fetcher=_fetcher(), font_config=_font_config())


def _template_context(kind: str, context: dict[str, Any], *, fragment: bool) -> dict[str, Any]:
    if kind not in KINDS:
        raise ValueError(f"Unknown document kind: {kind!r}")
    url = str(context.get("document", {}).get("verification_url") or "")
    qr: SafeString = mark_safe(verification_qr_svg(url)) if url else mark_safe("")  # noqa: S308 - our SVG
    return {**context, "qr_svg": qr, "fragment": fragment, "kind": kind}


def _render_html(kind: str, context: dict[str, Any], *, fragment: bool = False) -> str:
    return render_to_string(
        f"reports/documents/{kind}.html", _template_context(kind, context, fragment=fragment)
    )


def _metadata(kind: str, context: dict[str, Any], language: str) -> DocumentMetadata:
    """Title, author (the certifier), subject, language of one document."""
    document = context.get("document", {})
    certification = context.get("certification", {})
    holder = context.get("holder", {})
    kind_title = {
        "transcript": translation.gettext("Transcript of results"),
        "bloc_attestation": translation.gettext("Attestation of skills bloc"),
        "certificate": translation.gettext("Certificate"),
        "minutes": translation.gettext("Jury minutes"),
    }[kind]
    who = str(holder.get("printed_name") or "")
    title = " – ".join(p for p in (kind_title, who, str(document.get("number") or "")) if p)
    subject = " ".join(
        str(p) for p in (certification.get("code"), certification.get("title")) if p
    )
    return DocumentMetadata(
        title=title,
        authors=[str(context.get("certifier", {}).get("name") or "")],
        description=subject,
        keywords=[kind, str(document.get("verification_code") or "")],
        generator="certassess",
        lang=language,
    )


def _identifier(context: dict[str, Any]) -> bytes:
    """The permanent ``/ID`` of a document, derived from its register number."""
    number = str(context.get("document", {}).get("number") or "")
    return hashlib.sha256(number.encode()).hexdigest()[:32].encode()


def _write(document: Document, kind: str, context: dict[str, Any], language: str) -> bytes:
    document.metadata = _metadata(kind, context, language)
    options: dict[str, Any] = {"pdf_tags": True, "pdf_identifier": _identifier(context)}
    if kind in PDFA_KINDS:
        options["pdf_variant"] = PDFA_VARIANT
    return document.write_pdf(**options)


def _layout(html: str, language: str) -> Document:
    return HTML(
        string=html, base_url=static_root().as_uri() + "/", url_fetcher=_fetcher()
    ).render(stylesheets=[_stylesheet()], pdf_tags=True, font_config=_font_config())


def render_pdf(kind: str, context: dict[str, Any], *, language: str = "fr") -> bytes:
    """Render ``reports/documents/<kind>.html`` with ``context`` in ``language`` as PDF bytes."""
    with translation.override(language):
        document = _layout(_render_html(kind, context), language)
        return _write(document, kind, context, language)


def render_letter_pdf(template: str, context: dict[str, Any], *, language: str, title: str,
                      author: str) -> bytes:
    """A letter outside the register (a convocation): ``template`` laid out with the
    documents' stylesheet, fonts and static-only fetcher; no number, no verification."""
    with translation.override(language):
        document = _layout(render_to_string(template, context), language)
        document.metadata = DocumentMetadata(title=title, authors=[author],
                                             generator="certassess", lang=language)
        return document.write_pdf(pdf_tags=True)


def _split_pages(document: Document, count: int) -> list[range]:
    """Page indexes of each of the ``count`` documents, found by the anchor each starts with."""
    starts: list[int] = []
    for index, page in enumerate(document.pages):
        starts.extend(index for name in page.anchors if name.startswith(_ANCHOR_PREFIX))
    if len(starts) != count:
        raise RuntimeError(f"Batch layout found {len(starts)} documents, expected {count}")
    bounds = [*starts, len(document.pages)]
    return [range(bounds[i], bounds[i + 1]) for i in range(count)]


def _render_batch(kind: str, contexts: Sequence[dict[str, Any]], language: str) -> list[bytes]:
    """One layout and ONE ``write_pdf`` for the whole batch (fonts subset once), then the
    PDF is cut into standalone documents by ``split.split_pdf``."""
    parts = [
        _render_html(kind, {**context, "anchor": f"{_ANCHOR_PREFIX}{index}"}, fragment=True)
        for index, context in enumerate(contexts)
    ]
    html = render_to_string(
        "reports/documents/batch.html",
        {"documents": [mark_safe(part) for part in parts], "language": language},  # noqa: S308
    )
    batch = _layout(html, language)
    pages = _split_pages(batch, len(contexts))
    batch.metadata = DocumentMetadata(lang=language)
    options: dict[str, Any] = {"pdf_tags": True}
    if kind in PDFA_KINDS:
        options["pdf_variant"] = PDFA_VARIANT
    data = batch.write_pdf(**options)
    pdfa = _PDFA_ID if kind in PDFA_KINDS else None
    return split_pdf(data, [
        Part(pages=document_pages, metadata=_metadata(kind, context, language),
             identifier=_identifier(context), pdfa=pdfa)
        for document_pages, context in zip(pages, contexts, strict=True)
    ])


def _runs(items: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Consecutive items of the same kind, grouped."""
    runs: list[tuple[str, list[dict[str, Any]]]] = []
    for kind, context in items:
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(context)
        else:
            runs.append((kind, [context]))
    return runs


def batching_pays() -> bool:
    """Whether laying documents out in batches is faster than one by one here.

    A batch amortises ``write_pdf``'s font subsetting, which dominates when WeasyPrint
    subsets with fontTools (about 7 to 10 times faster in bulk, ``bench/pdf_bench.py
    --subsetter fonttools``). With HarfBuzz-Subset (Debian's libharfbuzz-subset0)
    subsetting costs little, layout dominates and cannot be shared, and a batch of
    many pages plus the split costs slightly more than one document at a time.
    """
    return weasyprint_fonts.harfbuzz_subset is None


def render_pdfs(
    items: list[tuple[str, dict[str, Any]]], *, language: str = "fr", batch_size: int = 40,
    batch: bool | None = None,
) -> list[bytes]:
    """Bulk issuing: one PDF per ``(kind, context)``, in order.

    In batches (``batch``; by default when ``batching_pays()``), single-page kinds are
    laid out and written ``batch_size`` at a time as one PDF, cut back into standalone
    PDFs (own metadata, identifier, structure tree, PDF/A identification); multi-page
    kinds with page counters, and everything when batching does not pay, are rendered
    one by one.
    """
    if batch is None:
        batch = batching_pays()
    results: list[bytes] = []
    with translation.override(language):
        for kind, contexts in _runs(items):
            if kind not in BATCHABLE_KINDS or not batch:
                results.extend(render_pdf(kind, c, language=language) for c in contexts)
                continue
            for start in range(0, len(contexts), batch_size):
                results.extend(_render_batch(kind, contexts[start:start + batch_size], language))
    return results

