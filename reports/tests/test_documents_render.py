"""PDF documents: mandatory mentions (DESIGN §6), escaping, URL fetcher, PDF/A, bulk split."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.utils.safestring import SafeString
from weasyprint import HTML

from reports.documents import (
    StaticOnlyURLFetcher,
    render_pdf,
    render_pdfs,
    static_root,
    verification_qr_svg,
)

KINDS = ("transcript", "bloc_attestation", "certificate", "minutes")


def sample_context(kind: str, *, number: str = "CA-2027-000042", code: str = "VK7Q-3MPX-2RTA",
                   legal_name: str = "Dupont-Lefèvre") -> dict[str, Any]:
    """A context with the keys fixed by ``reports`` for every document kind."""
    competences = [
        {"code": f"C{b}.{c}", "title": f"Compétence {b}.{c} : conduire l'analyse n° {c}",
         "level": c % 4, "level_label": ("Non acquis", "En cours", "Acquis", "Maîtrisé")[c % 4]}
        for b in (1, 2) for c in range(1, 5)
    ]
    return {
        "document": {
            "kind": kind, "number": number, "verification_code": code,
            "verification_url": f"https://certif.example/verifier/{code}",
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
            "printed_name": f"{legal_name.upper()} Camille Marie",
            "birth_name": legal_name.upper(), "usage_name": "", "sex": "F",
            "first_names": "Camille Marie", "birth_date": datetime.date(1994, 2, 17),
            "birth_place": "Villeurbanne (69)",
        },
        "session": {"name": "Printemps 2027", "starts_on": datetime.date(2027, 3, 1),
                    "ends_on": datetime.date(2027, 6, 30)},
        "signatory": {"name": "Hélène Marchand", "quality": "Directrice générale", "image": ""},
        "blocs": [
            {"code": f"RNCP38123BC0{b}", "title": f"Bloc {b} : concevoir une application",
             "status": "validated", "status_label": "Validé",
             "competences": [c for c in competences if c["code"].startswith(f"C{b}.")]}
            for b in (1, 2)
        ],
        "bloc": {"code": "RNCP38123BC01", "title": "Concevoir et développer une application"},
        "outcome": "awarded", "outcome_label": "Certification délivrée",
        "minutes": {
            "members_present": [
                {"name": "Hélène Marchand", "quality_label": "enseignante", "external": False,
                 "sex": "F", "president": True, "organisation": ""},
                {"name": "Paul Girard", "quality_label": "professionnel (employeur)",
                 "external": True, "sex": "M", "organisation": "Atelier Girard"},
                {"name": "Nadia Benali", "quality_label": "professionnelle (salariée)",
                 "external": True, "sex": "F", "organisation": ""},
            ],
            "present": 3, "quorum": 3, "external_professionals": 2,
            "external_share_required": 50, "women": 2, "men": 1, "regular": True,
            "warnings": ["single_gender"],
            "decisions": [
                {"holder": "DUPONT-LEFÈVRE Camille Marie", "outcome_label": "réussite totale",
                 "validated": ["RNCP38123BC01", "RNCP38123BC02"], "acquired": [],
                 "rattrapage": []},
                {"holder": "MARTIN Jean", "outcome_label": "réussite partielle",
                 "validated": ["RNCP38123BC01"], "acquired": [],
                 "rattrapage": ["RNCP38123BC02"]},
            ],
            "signed_at": datetime.datetime(2027, 7, 2, 17, 30),
            "signed_by": "Hélène Marchand",
        },
    }


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    # `make test` installs poppler-utils (root + apt); CI fails rather than skips without it.
    if not shutil.which("pdftotext") and not os.environ.get("CI"):
        pytest.skip("needs poppler's pdftotext (apt-get install poppler-utils)")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True
    )
    return " ".join(out.stdout.decode().split())


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF bytes with every Flate stream inflated (object streams hold the metadata)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(chunks)


def common_mentions(kind: str) -> list[str]:
    mentions = [
        "Institut Européen des Métiers du Numérique", "Concepteur développeur d'applications",
        "RNCP38123", "6", "CA-2027-000042", "VK7Q-3MPX-2RTA", "Hélène Marchand",
        "Lyon", "2 juillet 2027" if kind == "minutes" else "3 juillet 2027",
    ]
    if kind != "minutes":
        mentions += ["DUPONT-LEFÈVRE", "Camille Marie", "17 février 1994", "Villeurbanne (69)",
                     "Directrice générale"]
    return mentions


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_its_mandatory_mentions(kind: str, tmp_path: Path) -> None:
    pdf = render_pdf(kind, sample_context(kind))
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    for mention in common_mentions(kind):
        assert mention in text, mention
    if kind in ("certificate", "bloc_attestation"):
        assert "au niveau 6 du cadre national" in text
        assert "(niveau 6 du cadre européen des certifications)" in text
        assert "2 juillet 2027" in text  # the decision: the day the deliberation was signed
        assert text.count("Camille Marie") == 1
        assert "France compétences" in text
        assert "14 septembre 2023" in text
        assert "326t, 326n" in text
    if kind == "bloc_attestation":
        assert "uniquement" in text or "only this bloc" in text
        assert "RNCP38123BC01" in text
    if kind == "transcript":
        for code in ("RNCP38123BC01", "RNCP38123BC02", "C1.1", "C2.4"):
            assert code in text
        assert "Maîtrisé" in text
        assert "Acquis" in text
    if kind == "minutes":
        assert "quorum" in text.lower()
        for mention in ("Paul Girard", "Nadia Benali", "MARTIN Jean",
                        "Réussite partielle", "Professionnel (employeur), Atelier Girard",
                        "3 membres présents, pour un quorum de 3",
                        "Professionnels extérieurs au certificateur : 2 (au moins 50 % requis)",
                        "Femmes présentes : 2 ; hommes présents : 1",
                        "Le quorum était atteint", "Le président du jury"):
            assert mention in text, mention


def test_english_rendering(tmp_path: Path) -> None:
    text = pdf_text(render_pdf("bloc_attestation", sample_context("bloc_attestation"),
                               language="en"), tmp_path)
    assert "only this bloc" in text
    assert "France compétences" in text
    assert "July 3, 2027" in text or "3 July 2027" in text


@pytest.mark.parametrize("kind", ["certificate", "bloc_attestation"])
def test_archival_documents_are_pdfa(kind: str) -> None:
    pdf = render_pdf(kind, sample_context(kind))
    objects = pdf_objects(pdf)
    assert b"pdfaid:part" in objects
    assert b"GTS_PDFA1" in objects
    assert b"/Author" in objects
    assert b"/Title" in objects
    assert b"/Subject" in objects


def test_transcript_is_not_pdfa_but_has_metadata() -> None:
    pdf = render_pdf("transcript", sample_context("transcript"))
    objects = pdf_objects(pdf)
    assert b"pdfaid:part" not in objects
    assert b"/Title" in objects
    assert b"/Author" in objects
    assert b"/Lang" in objects
    assert b"/StructTreeRoot" in objects


def test_fetcher_refuses_files_outside_static_and_network() -> None:
    fetcher = StaticOnlyURLFetcher()
    for url in ("file:///etc/passwd", "https://example.com/logo.png",
                (static_root() / ".." / "manage.py").as_uri()):
        with pytest.raises(ValueError, match="Refused"):
            fetcher.fetch(url)
    css = (static_root() / "reports" / "documents.css").as_uri()
    assert b"@page" in fetcher.fetch(css).read()
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


def test_template_cannot_read_etc_passwd(tmp_path: Path) -> None:
    html = '<p>x</p><img src="file:///etc/passwd"><link rel="stylesheet" href="file:///etc/passwd">'
    calls: list[str] = []

    class Spy(StaticOnlyURLFetcher):
        def fetch(self, url: str, headers: dict[str, str] | None = None):  # type: ignore[override]
            calls.append(url)
            return super().fetch(url, headers)

    pdf = HTML(string=html, url_fetcher=Spy()).write_pdf()
    assert pdf.startswith(b"%PDF-")
    assert b"root:" not in pdf
    assert "file:///etc/passwd" in calls


def test_user_text_is_escaped(tmp_path: Path) -> None:
    context = sample_context("certificate", legal_name="<script>alert(1)</script>")
    pdf = render_pdf("certificate", context)
    assert "<SCRIPT>ALERT(1)</SCRIPT>" in pdf_text(pdf, tmp_path)
    from reports.documents import _render_html

    html = _render_html("certificate", context)
    assert "<SCRIPT>" not in html
    assert "&lt;SCRIPT&gt;" in html


def test_qr_code_is_inline_svg() -> None:
    svg = verification_qr_svg("https://certif.example/verifier/ABC")
    assert svg.startswith("<svg")
    assert "<script" not in svg
    assert not isinstance(svg, SafeString)


def test_bulk_split_keeps_each_document_standalone(tmp_path: Path) -> None:
    items = [("bloc_attestation", sample_context("bloc_attestation", number=f"CA-{i}",
                                                 code=f"CODE-{i:04d}")) for i in range(5)]
    items.append(("transcript", sample_context("transcript", number="CA-T", code="CODE-T")))
    pdfs = render_pdfs(items, batch=True)
    assert len(pdfs) == 6
    for index, pdf in enumerate(pdfs[:5]):
        text = pdf_text(pdf, tmp_path)
        assert f"CODE-{index:04d}" in text
        assert f"CA-{index} " in text + " "
        others = [f"CODE-{j:04d}" for j in range(5) if j != index]
        assert not any(other in text for other in others)
        assert b"pdfaid" in pdf_objects(pdf)
    assert "CODE-T" in pdf_text(pdfs[5], tmp_path)
