"""Bulk issuing: a batch written once and cut into standalone PDFs that match, one for one,
what ``render_pdf`` gives for the same document (metadata, PDF/A identification,
structure tree, visible content), and hold nothing of the other documents."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from reports.documents import PDFA_KINDS, render_pdf, render_pdfs
from reports.tests.test_documents_render import sample_context

ATTESTATIONS = 6


def needs(tool: str) -> None:
    # `make test` installs poppler-utils; CI fails rather than skips without it.
    if not shutil.which(tool) and not os.environ.get("CI"):
        pytest.skip(f"needs poppler's {tool} (apt-get install poppler-utils)")


def attestation(index: int) -> dict[str, Any]:
    context = sample_context("bloc_attestation", number=f"ATT-2027-{index:06d}",
                             code=f"BX{index:04d}-QRTA", legal_name=f"Nom{index:04d}")
    context["bloc"] = {"code": f"RNCP38123BC0{1 + index % 4}", "title": "Concevoir"}
    return context


def certificate(index: int) -> dict[str, Any]:
    return sample_context("certificate", number=f"CRT-2027-{index:06d}",
                          code=f"CX{index:04d}-QRTA", legal_name=f"Cert{index:04d}")


@pytest.fixture(scope="module")
def items() -> list[tuple[str, dict[str, Any]]]:
    """Mixed kinds, in an order that makes several batches and one-by-one runs."""
    return [
        *(("bloc_attestation", attestation(i)) for i in range(ATTESTATIONS)),
        ("transcript", sample_context("transcript", number="TR-2027-000001", code="TX01-QRTA")),
        ("certificate", certificate(1)),
        ("certificate", certificate(2)),
        ("bloc_attestation", attestation(99)),
    ]


@pytest.fixture(scope="module")
def pdfs(items) -> list[bytes]:
    return render_pdfs(items, batch_size=4, batch=True)


@pytest.fixture(scope="module")
def naive(items) -> list[bytes]:
    """What one ``render_pdf`` per document gives, to compare with."""
    return [render_pdf(kind, context) for kind, context in items]


def opened(pdf: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(pdf))


def text_of(pdf: bytes, tmp_path: Path) -> str:
    needs("pdftotext")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def codes(items) -> list[str]:
    return [context["document"]["verification_code"] for _kind, context in items]


def test_it_returns_one_valid_standalone_pdf_per_item_in_order(items, pdfs, tmp_path):
    assert len(pdfs) == len(items)
    for pdf, (kind, context) in zip(pdfs, items, strict=True):
        assert pdf.startswith(b"%PDF-1.7")
        assert pdf.rstrip().endswith(b"%%EOF")
        with opened(pdf) as document:
            assert document.check_pdf_syntax() == []
            code = context["document"]["verification_code"]
            assert document.docinfo.Keywords == f"{kind}, {code}"


def test_each_pdf_holds_its_own_code_and_number_only(items, pdfs, tmp_path):
    all_codes = codes(items)
    numbers = [context["document"]["number"] for _kind, context in items]
    for index, pdf in enumerate(pdfs):
        text = text_of(pdf, tmp_path)
        assert all_codes[index] in text
        assert numbers[index] in text
        assert [c for c in all_codes if c in text] == [all_codes[index]]
        assert [n for n in numbers if n in text] == [numbers[index]]


def test_the_visible_text_is_the_standalone_rendering_s(pdfs, naive, tmp_path):
    for pdf, alone in zip(pdfs, naive, strict=True):
        assert text_of(pdf, tmp_path) == text_of(alone, tmp_path)


def test_a_split_page_rasterises_like_the_standalone_rendering(pdfs, naive, tmp_path):
    needs("pdftoppm")
    for name, pdf in (("split", pdfs[1]), ("alone", naive[1])):
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "40", "-gray", str(tmp_path / f"{name}.pdf"),
                        str(tmp_path / name)], check=True)
    assert (tmp_path / "split-1.pgm").read_bytes() == (tmp_path / "alone-1.pgm").read_bytes()


def test_no_pdf_carries_the_other_documents_pages_or_content(items, pdfs, naive):
    """One page, one content stream, as many objects as the standalone rendering, and
    far smaller than the batch of four it was cut from."""
    for pdf, alone, (kind, _context) in zip(pdfs, naive, items, strict=True):
        if kind == "transcript":
            continue
        with opened(pdf) as split, opened(alone) as reference:
            assert len(split.pages) == 1
            assert isinstance(split.pages[0].Contents, pikepdf.Stream)
            assert sum(1 for o in split.objects
                       if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Page") == 1
            elements = [o for o in split.objects
                        if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/StructElem"]
            reference_elements = [o for o in reference.objects if isinstance(o, pikepdf.Dictionary)
                                  and o.get("/Type") == "/StructElem"]
            assert len(elements) == len(reference_elements)
            assert len(split.objects) <= len(reference.objects) + 5
        # Only the fonts differ: subset once for the batch (a few more glyphs); four
        # documents' pages would weigh about four times the standalone one.
        assert len(pdf) < 1.25 * len(alone)


def test_each_pdf_has_its_own_metadata_as_render_pdf_sets_it(items, pdfs, naive):
    for pdf, alone, (kind, context) in zip(pdfs, naive, items, strict=True):
        with opened(pdf) as split, opened(alone) as reference:
            assert dict(split.docinfo) == dict(reference.docinfo)
            assert context["document"]["number"] in str(split.docinfo.Title)
            assert str(split.Root.Lang) == "fr"
            number = context["document"]["number"].encode()
            assert bytes(split.trailer.ID[0]) == hashlib.sha256(number).hexdigest()[:32].encode()
            assert split.Root.MarkInfo.Marked
            assert split.Root.ViewerPreferences.DisplayDocTitle
            if kind == "transcript":  # rendered alone: no XMP packet without PDF/A
                continue
            assert (split.Root.Metadata.read_bytes()
                    == reference.Root.Metadata.read_bytes())
            xmp = split.open_metadata()
            assert xmp["dc:title"] == str(split.docinfo.Title)
            assert xmp["dc:creator"] == [str(split.docinfo.Author)]
            assert xmp["dc:description"] == str(split.docinfo.Subject)
            assert xmp["pdf:Keywords"] == str(split.docinfo.Keywords)


def test_archival_kinds_stay_pdfa_3b(items, pdfs):
    for pdf, (kind, _context) in zip(pdfs, items, strict=True):
        with opened(pdf) as split:
            if kind not in PDFA_KINDS:
                if "/Metadata" in split.Root:
                    assert b"pdfaid" not in split.Root.Metadata.read_bytes()
                continue
            assert split.open_metadata().pdfa_status == "3B"
            (intent,) = split.Root.OutputIntents
            assert intent.S == "/GTS_PDFA1"
            assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"  # an ICC profile
            fonts = [o for o in split.objects if isinstance(o, pikepdf.Dictionary)
                     and o.get("/Type") == "/FontDescriptor"]
            assert fonts
            assert all("/FontFile2" in f or "/FontFile3" in f or "/FontFile" in f
                       for f in fonts)


def test_the_structure_tree_is_rebuilt_for_the_document_s_page_only(items, pdfs):
    for pdf, (kind, _context) in zip(pdfs, items, strict=True):
        if kind == "transcript":
            continue
        with opened(pdf) as split:
            page = split.pages[0].obj
            tree = split.Root.StructTreeRoot
            (document,) = tree.K
            assert document.S == "/Document"
            assert document.P.objgen == tree.objgen
            assert [int(k) for k in tree.ParentTree.Nums[::2]] == [0]
            assert int(page.StructParents) == 0
            marked = list(tree.ParentTree.Nums[1])
            assert marked
            for element in marked:
                assert element.Pg.objgen == page.objgen
                # Each marked element climbs to this document's root, never elsewhere.
                while element.objgen != document.objgen:
                    element = element.P
            assert all(child.P.objgen == document.objgen for child in document.K)


def test_the_outline_points_to_the_document_s_own_page(items, pdfs, naive):
    for pdf, alone, (kind, _context) in zip(pdfs, naive, items, strict=True):
        if kind == "transcript":
            continue
        with opened(pdf) as split, opened(alone) as reference:
            assert int(split.Root.Outlines.Count) == int(reference.Root.Outlines.Count)
            item = split.Root.Outlines.First
            assert item.Title == reference.Root.Outlines.First.Title
            assert item.Dest[0].objgen == split.pages[0].obj.objgen
            assert "/Next" not in item
            assert "/Prev" not in item


def test_multi_page_kinds_are_still_rendered_one_by_one(items, pdfs, naive):
    index = next(i for i, (kind, _c) in enumerate(items) if kind == "transcript")
    with opened(pdfs[index]) as split, opened(naive[index]) as reference:
        assert len(split.pages) == len(reference.pages)
        assert dict(split.docinfo) == dict(reference.docinfo)


def test_a_batch_of_one_and_an_empty_list():
    assert render_pdfs([], batch=True) == []
    (pdf,) = render_pdfs([("certificate", certificate(7))], batch_size=1, batch=True)
    with opened(pdf) as split:
        assert len(split.pages) == 1
        assert "CRT-2027-000007" in str(split.docinfo.Title)


def test_batches_are_used_where_they_pay(monkeypatch):
    """fontTools subsetting: batches (one subsetting per batch); HarfBuzz-Subset: one by
    one, which is faster there (bench/pdf_bench.py)."""
    import reports.documents as documents

    batches: list[int] = []
    monkeypatch.setattr(documents, "_render_batch",
                        lambda kind, contexts, language: batches.append(len(contexts))
                        or [b"%PDF-batch"] * len(contexts))
    monkeypatch.setattr(documents, "render_pdf", lambda kind, context, language="fr":
                        b"%PDF-one")
    items = [("bloc_attestation", {}), ("bloc_attestation", {})]

    monkeypatch.setattr(documents.weasyprint_fonts, "harfbuzz_subset", None)
    assert documents.batching_pays()
    assert render_pdfs(items) == [b"%PDF-batch"] * 2
    assert batches == [2]

    monkeypatch.setattr(documents.weasyprint_fonts, "harfbuzz_subset", object())
    assert not documents.batching_pays()
    assert render_pdfs(items) == [b"%PDF-one"] * 2
    assert batches == [2]
