"""Split one batch PDF written by WeasyPrint into standalone PDFs, at the object level.

WeasyPrint's per-document cost is mostly in ``write_pdf`` (font subsetting, drawing,
serialising); bulk issuing writes a whole batch once and cuts it here with qpdf (pikepdf),
which copies only what each document's pages reach. Each part gets back what a
standalone rendering has: its own Info dictionary and XMP packet (title, author,
subject, keywords with the verification code, PDF/A identification), ``/Lang``, ``/ID``,
output intent, outline, and a structure tree rebuilt from its own elements.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pikepdf
import weasyprint
from pikepdf import Array, Dictionary, Name, String
from weasyprint.pdf.metadata import DocumentMetadata

__all__ = ["Part", "split_pdf"]

_XMP_HEADER = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
               b'<x:xmpmeta xmlns:x="adobe:ns:meta/">')
_XMP_FOOTER = b'</x:xmpmeta>\n<?xpacket end="r"?>'


@dataclass(frozen=True)
class Part:
    """One document of a batch: its pages (indexes in the batch) and what it says of itself."""

    pages: range
    metadata: DocumentMetadata
    identifier: bytes
    #: ``(part, conformance)`` of PDF/A, e.g. ``(3, "B")``; ``None`` for a plain PDF.
    pdfa: tuple[int, str] | None = None


def _siblings(first: pikepdf.Object | None) -> Iterator[pikepdf.Object]:
    """Outline items linked by ``/Next`` from ``first``."""
    item = first
    while item is not None:
        yield item
        item = item.get("/Next")


def _page_of(destination: pikepdf.Object | None) -> tuple[int, int] | None:
    """The page (objgen) an explicit destination ``[page /XYZ …]`` points to."""
    if isinstance(destination, Array) and len(destination) and destination[0].is_indirect:
        return destination[0].objgen
    return None


def _renumber_parent_tree(pdf: pikepdf.Pdf) -> None:
    """ParentTree keys 0, 1, … in page order, as a standalone rendering numbers them."""
    tree = pdf.Root.StructTreeRoot
    nums = tree.ParentTree.Nums
    keys = {int(nums[i]): i // 2 for i in range(0, len(nums), 2)}
    for i in range(0, len(nums), 2):
        nums[i] = keys[int(nums[i])]
    for page in pdf.pages:
        for holder in [page.obj, *page.obj.get("/Annots", Array())]:
            for name in ("/StructParents", "/StructParent"):
                if name in holder and int(holder[name]) in keys:
                    holder[name] = keys[int(holder[name])]
    tree.ParentTreeNextKey = len(keys)


class _Batch:
    """The batch PDF opened once, with indexes from pages to what belongs to them."""

    def __init__(self, data: bytes) -> None:
        self.pdf = pikepdf.open(io.BytesIO(data))
        root = self.pdf.Root
        self.version = self.pdf.pdf_version
        # Children of the batch's /Document element, by the page they sit on.
        self.elements: dict[tuple[int, int], list[pikepdf.Object]] = {}
        self.parent_tree: dict[int, pikepdf.Object] = {}
        self.document: tuple[int, int] | None = None
        self.tree = root.get("/StructTreeRoot")
        if self.tree is not None:
            for document in self._as_list(self.tree.get("/K")):
                self.document = document.objgen
                for element in self._as_list(document.get("/K")):
                    page = element.get("/Pg")
                    if isinstance(element, Dictionary) and page is not None:
                        self.elements.setdefault(page.objgen, []).append(element)
            nums = self.tree.ParentTree.get("/Nums", Array())
            self.parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        outlines = root.get("/Outlines")
        self.outline = list(_siblings(outlines.get("/First"))) if outlines is not None else []
        intents = root.get("/OutputIntents")
        self.intents = self.pdf.make_indirect(intents) if intents is not None else None

    @staticmethod
    def _as_list(value: pikepdf.Object | None) -> list[pikepdf.Object]:
        if value is None:
            return []
        return list(value) if isinstance(value, Array) else [value]

    def close(self) -> None:
        self.pdf.close()

    def extract(self, part: Part) -> bytes:
        target = pikepdf.new()
        pages = [self.pdf.pages[index] for index in part.pages]
        for page in pages:
            target.pages.append(page)  # qpdf copies what the page reaches, not /Parent
        objgens = {page.obj.objgen for page in pages}
        root = target.Root
        if self.tree is not None:
            root.StructTreeRoot = target.copy_foreign(self._structure(pages))
            root.MarkInfo = Dictionary(Marked=True)
            _renumber_parent_tree(target)
        outline = self._outline(objgens)
        if outline is not None:
            root.Outlines = target.copy_foreign(outline)
        if self.intents is not None:
            root.OutputIntents = target.copy_foreign(self.intents)
        self._metadata(target, part)
        out = io.BytesIO()
        target.save(
            out,
            min_version=self.version,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,  # copy streams as written
            deterministic_id=True,
            fix_metadata_version=False,  # keep our XMP packet as written
        )
        target.close()
        return out.getvalue()

    def _structure(self, pages: Sequence[pikepdf.Page]) -> pikepdf.Object:
        """A new structure tree root (in the batch) over this document's elements only.

        Its top-level elements get a new ``/Document`` parent; everything below them
        points only inside the subtree or to the document's own pages, so copying the
        new root drags nothing of the other documents along.
        """
        source = self.pdf
        elements: list[pikepdf.Object] = []
        keys: set[int] = set()
        for page in pages:
            elements.extend(self.elements.get(page.obj.objgen, []))
            if "/StructParents" in page.obj:
                keys.add(int(page.obj.StructParents))
            for annotation in page.obj.get("/Annots", Array()):
                if "/StructParent" in annotation:
                    keys.add(int(annotation.StructParent))
        tree = source.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        document = source.make_indirect(Dictionary(
            Type=Name.StructElem, S=Name.Document, P=tree, K=Array(elements)))
        keys &= self.parent_tree.keys()
        # Every element whose parent is the batch's /Document gets the new one, including
        # those WeasyPrint leaves out of /Document's /K (page margin boxes): found by
        # walking up from the marked content of the pages.
        for element in [*elements, *self._tops(keys)]:
            element.P = document
        tree.K = Array([document])
        nums = Array()
        for key in sorted(keys):
            nums.extend([key, self.parent_tree[key]])
        tree.ParentTree = Dictionary(Nums=nums)
        tree.ParentTreeNextKey = max(keys, default=-1) + 1
        for name in ("/RoleMap", "/ClassMap"):
            if name in self.tree:
                tree[name] = self.tree[name]
        return tree

    def _tops(self, keys: set[int]) -> list[pikepdf.Object]:
        """Elements whose parent is the batch's /Document, above these ParentTree entries."""
        tops: list[pikepdf.Object] = []
        seen: set[tuple[int, int]] = set()
        for key in keys:
            entry = self.parent_tree[key]
            for element in entry if isinstance(entry, Array) else [entry]:
                while isinstance(element, Dictionary) and element.objgen not in seen:
                    seen.add(element.objgen)
                    parent = element.get("/P")
                    if parent is None or parent.objgen == self.document:
                        tops.append(element)
                        break
                    element = parent
        return tops

    def _outline(self, objgens: set[tuple[int, int]]) -> pikepdf.Object | None:
        """A new outline root (in the batch) over the top-level items of these pages."""
        items = [item for item in self.outline if _page_of(item.get("/Dest")) in objgens]
        if not items:
            return None
        outline = self.pdf.make_indirect(Dictionary(Type=Name.Outlines))
        visible = 0
        for index, item in enumerate(items):
            item.Parent = outline
            for key, neighbour in (("/Prev", index - 1), ("/Next", index + 1)):
                if 0 <= neighbour < len(items):
                    item[key] = items[neighbour]
                elif key in item:
                    del item[key]
            visible += 1 + max(int(item.get("/Count", 0)), 0)
        outline.First, outline.Last, outline.Count = items[0], items[-1], visible
        return outline

    def _metadata(self, target: pikepdf.Pdf, part: Part) -> None:
        """Info dictionary, XMP packet, language and identifier, as ``write_pdf`` sets them."""
        meta = part.metadata
        info = Dictionary(Producer=String(f"WeasyPrint {weasyprint.__version__}"))
        if meta.title:
            info.Title = String(meta.title)
        if meta.authors:
            info.Author = String(", ".join(meta.authors))
        if meta.description:
            info.Subject = String(meta.description)
        if meta.keywords:
            info.Keywords = String(", ".join(meta.keywords))
        if meta.generator:
            info.Creator = String(meta.generator)
        target.trailer.Info = target.make_indirect(info)
        root = target.Root
        if meta.lang:
            root.Lang = String(meta.lang)
        root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        version, conformance = part.pdfa or (None, None)
        rdf = meta.generate_rdf_metadata("a", version, conformance)
        root.Metadata = target.make_stream(
            b"\n".join((_XMP_HEADER, rdf, _XMP_FOOTER)), Type=Name.Metadata, Subtype=Name.XML)
        # qpdf keeps the first identifier and derives the second from the content.
        target.trailer.ID = Array([String(part.identifier), String(part.identifier)])


def split_pdf(data: bytes, parts: Sequence[Part]) -> list[bytes]:
    """One standalone PDF per part of the batch PDF ``data``, in order."""
    batch = _Batch(data)
    try:
        return [batch.extract(part) for part in parts]
    finally:
        batch.close()
