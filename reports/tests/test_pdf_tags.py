"""Every kind of document is a tagged PDF (``pdf_tags``): a structure tree, marked content
and the document's language, so screen readers read it in order (issue 9)."""

from __future__ import annotations

import io

import pikepdf
import pytest

from reports.documents import render_pdf
from reports.tests.test_documents_render import KINDS, sample_context


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_kind_is_tagged_in_its_language(kind: str, language: str) -> None:
    pdf = render_pdf(kind, sample_context(kind), language=language)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        assert "/StructTreeRoot" in root
        assert root.StructTreeRoot.K
        assert bool(root.MarkInfo.Marked) is True
        assert str(root.Lang) == language
        assert all("/StructParents" in page.obj for page in document.pages)
