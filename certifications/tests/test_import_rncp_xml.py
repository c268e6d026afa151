"""France Compétences XML export → drafts (certifications.importers.rncp_xml)."""

from __future__ import annotations

import io
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certifications.errors import ImportFormatError
from certifications.importers import rncp_xml
from certifications.importers.draft import ReferentielDraft

FIXTURES = Path(__file__).parent / "fixtures"


def _parse(filename: str, **options: str) -> list[ReferentielDraft]:
    with (FIXTURES / filename).open("rb") as source:
        return rncp_xml.parse(source, name=filename, **options)


def _messages(draft: ReferentielDraft) -> list[str]:
    return [issue.message for issue in draft.issues]


# -- one fiche, its fields -----------------------------------------------------------------
def test_it_reads_one_fiche_by_number() -> None:
    [draft] = _parse("rncp_fiches.xml", fiche="RNCP35609")
    cert = draft.certification
    assert cert.code == "RNCP35609"
    assert cert.title == "Expert en ingénierie de l'intelligence artificielle"
    assert (cert.level, cert.eqf_level) == (7, 7)
    assert cert.nsf_codes == ["326"]
    assert cert.formacodes == ["50105", "31028"]
    assert cert.rome_codes == ["M1805", "H1206", "H2502"]
    assert cert.registration_date == date(2021, 5, 19)
    assert cert.registration_end_date == date(2024, 5, 19)
    assert cert.last_issuing_date == date(2025, 5, 19)
    assert cert.active is True
    assert cert.replaces == ["RNCP30001"]
    assert cert.replaced_by == ["RNCP38888"]
    assert [(c.legal_name, c.siret) for c in cert.certifiers] == [
        ("ÉCOLE EXEMPLE D'INGÉNIEURS", "12345678900012")
    ]
    assert draft.source_format == "rncp-xml"
    assert draft.source_name == "rncp_fiches.xml"
    # Only the modalités guessed from MODALITES_EVALUATION are flagged (3 per bloc).
    assert {issue.message.split(" (")[0] for issue in draft.issues} == {
        "Modalité déduite du texte MODALITES_EVALUATION : à confirmer"
    }
    assert len(draft.issues) == 21


def test_it_reads_the_seven_blocs_with_competences_and_sub_items() -> None:
    [draft] = _parse("rncp_fiches.xml", fiche="35609")  # bare number accepted
    assert [b.code for b in draft.blocs] == [f"RNCP35609BC0{i}" for i in range(1, 8)]
    assert draft.counts() == {
        "blocs": 7,
        "activities": 0,
        "competences": 14,
        "criteria": 28,
        "modalities": 21,
    }
    bloc = draft.blocs[0]
    assert bloc.title == "Concevoir une stratégie de données"
    assert [(c.ref, c.code) for c in bloc.competences] == [("C1.1", "C1.1"), ("C1.2", "C1.2")]
    assert bloc.competences[0].title == "Cartographier les sources de données de l'entreprise"
    assert [(c.text, c.competence_refs) for c in bloc.criteria[:2]] == [
        ("critère 1.1.a observable", ["C1.1"]),
        ("critère 1.1.b observable", ["C1.1"]),
    ]
    # HTML of the export is turned into plain paragraphs, kept as written, and the
    # épreuves it names become the bloc's modalités (test_rncp_xml_modalities.py).
    assert bloc.assessment_text.startswith("Étude de cas et mise en situation professionnelle")
    assert "<p>" not in bloc.assessment_text
    assert "Soutenance orale" in bloc.assessment_text
    assert [m.title for m in draft.modalities[:3]] == [
        "Étude de cas", "Mise en situation professionnelle sur le bloc 1",
        "Soutenance orale de 30 min",
    ]


def test_it_reads_all_fiches_of_a_certifier_by_name_or_siret() -> None:
    by_name = _parse("rncp_fiches.xml", certifier="école exemple")
    by_siret = _parse("rncp_fiches.xml", certifier="123456789 00012")
    assert [d.certification.code for d in by_name] == ["RNCP35609", "RNCP34000"]
    assert [d.certification.code for d in by_siret] == ["RNCP35609", "RNCP34000"]


def test_it_reads_every_fiche_without_filter() -> None:
    codes = [d.certification.code for d in _parse("rncp_fiches.xml")]
    assert codes == ["RNCP35609", "RNCP12345", "RNCP34000"]


def test_it_says_when_the_fiche_is_absent() -> None:
    with pytest.raises(ImportFormatError, match="RNCP99999 absente"):
        _parse("rncp_fiches.xml", fiche="RNCP99999")
    with pytest.raises(ImportFormatError, match="Aucune fiche du certificateur"):
        _parse("rncp_fiches.xml", certifier="personne")


# -- the ways LISTE_COMPETENCES is written -------------------------------------------------
def test_it_reads_dash_bullets_and_generates_codes_with_one_warning_per_bloc() -> None:
    [draft] = _parse("rncp_fiches.xml", fiche="RNCP12345")
    [bloc] = draft.blocs
    assert [(c.ref, c.code, c.title) for c in bloc.competences] == [
        ("RNCP12345BC01-C1", "", "Collecter les éléments variables de paie"),
        ("RNCP12345BC01-C2", "", "Établir les bulletins de salaire"),
        ("RNCP12345BC01-C3", "", "Contrôler les déclarations sociales"),
    ]
    assert [(issue.message, issue.location) for issue in draft.issues] == [
        ("3 compétence(s) sans code : références RNCP12345BC01-C1… générées, codes à "
         "compléter", "FICHE RNCP12345 / BLOC_COMPETENCES[1]"),
        ("Modalité déduite du texte MODALITES_EVALUATION : à confirmer (« Cas pratique sur "
         "logiciel de paie »)", "FICHE RNCP12345 / BLOC_COMPETENCES[1]"),
    ]
    assert draft.certification.active is False


def test_it_splits_lists_without_bullets_on_multiple_spaces_and_says_so() -> None:
    [draft] = _parse("rncp_fiches.xml", fiche="RNCP34000")
    assert [c.title for c in draft.blocs[0].competences] == [
        "Analyser le besoin du commanditaire",
        "Rédiger le cahier des charges",
        "Planifier les travaux de l'équipe",
    ]
    assert "Liste de compétences sans puces : découpée sur les espaces multiples" in _messages(
        draft
    )
    # Escaped HTML lists become one compétence per <li>; HTML in a title disappears.
    assert [c.title for c in draft.blocs[1].competences] == [
        "Recruter les membres de l'équipe",
        "Conduire les entretiens annuels",
    ]
    assert draft.certification.title == "Chef de projet numérique"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "* C1 Analyser o voir o lire * C2 - Concevoir",
            [("C1 Analyser", ["voir", "lire"]), ("C2 - Concevoir", [])],
        ),
        ("• Analyser\n• Concevoir", [("Analyser", []), ("Concevoir", [])]),
        ("- Analyser\n- Concevoir", [("Analyser", []), ("Concevoir", [])]),
        ("- Analyser - Concevoir", [("Analyser", []), ("Concevoir", [])]),
        ("Analyser  Concevoir", [("Analyser", []), ("Concevoir", [])]),
        ("Analyser\nConcevoir", [("Analyser", []), ("Concevoir", [])]),
        ("", []),
    ],
)
def test_it_splits_competence_lists(text: str, expected: list[tuple[str, list[str]]]) -> None:
    _preamble, items, _guess = rncp_xml.split_competences(text)
    assert items == expected


def test_it_keeps_the_text_before_the_first_bullet_as_bloc_description() -> None:
    preamble, items, guess = rncp_xml.split_competences("Le candidat sait : * lire * écrire")
    assert preamble == "Le candidat sait :"
    assert (items, guess) == ([("lire", []), ("écrire", [])], "")


# -- messy files ---------------------------------------------------------------------------
def test_it_tolerates_a_namespace_bad_dates_and_missing_elements() -> None:
    first, second = _parse("rncp_messy.xml")
    cert = first.certification
    assert cert.code == "RNCP40001"  # bare number, spaces around it
    assert cert.title == "Technicien de maintenance"
    assert cert.registration_date is None
    assert cert.level is None
    assert cert.active is None
    messages = _messages(first)
    assert "Date illisible « 31/02/2021 » : ignorée" in messages
    assert any("ACTIF" in m for m in messages)
    assert any("14 chiffres" in m for m in messages)
    bloc1, bloc2 = first.blocs
    assert (bloc1.ref, bloc1.code) == ("bloc1", "")
    assert [c.ref for c in bloc1.competences] == ["bloc1-C1"]
    # Real HTML elements inside the text: <p> becomes the description, <li> the items.
    assert bloc2.description == "Le candidat est capable de :"
    assert [c.title for c in bloc2.competences] == [
        "Planifier la maintenance préventive",
        "Rédiger un rapport d'intervention",
    ]
    assert second.certification.code == ""
    assert not first.has_errors()
    assert not second.has_errors()
    assert len(second.issues) >= 3


# -- hostile and broken input --------------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<FICHES><FICHE><INTITULE>&lol9;</INTITULE></FICHE></FICHES>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE FICHES [
<!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<FICHES><FICHE><NUMERO_FICHE>RNCP1</NUMERO_FICHE><INTITULE>&xxe;</INTITULE></FICHE></FICHES>
"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_it_refuses_entity_declarations(payload: bytes) -> None:
    with pytest.raises(ImportFormatError, match="refusé par sécurité") as caught:
        rncp_xml.parse(io.BytesIO(payload))
    assert caught.value.location.startswith("ligne ")


def test_it_names_the_line_of_a_truncated_file() -> None:
    content = (FIXTURES / "rncp_fiches.xml").read_bytes()
    truncated = content[: len(content) // 2]
    line_count = truncated.count(b"\n") + 1
    with pytest.raises(ImportFormatError) as caught:
        rncp_xml.parse(io.BytesIO(truncated))
    assert caught.value.location.startswith(f"ligne {line_count}")
    assert "tronqué" in caught.value.message


@pytest.mark.parametrize("payload", [b"", b"not xml at all", b"\x00\x01\x02", b"<a><b></a>"])
def test_it_refuses_what_is_not_xml(payload: bytes) -> None:
    with pytest.raises(ImportFormatError):
        rncp_xml.parse(io.BytesIO(payload))


def test_it_refuses_a_well_formed_file_without_fiche() -> None:
    with pytest.raises(ImportFormatError, match="Aucune fiche"):
        rncp_xml.parse(io.BytesIO(b"<FICHES><AUTRE/></FICHES>"))


_XML_PIECES = st.sampled_from(
    [
        "<FICHES>",
        "</FICHES>",
        "<FICHE>",
        "</FICHE>",
        "<NUMERO_FICHE>",
        "</NUMERO_FICHE>",
        "<BLOCS_COMPETENCES><BLOC_COMPETENCES>",
        "</BLOC_COMPETENCES></BLOCS_COMPETENCES>",
        "<LISTE_COMPETENCES>",
        "</LISTE_COMPETENCES>",
        "<NIVEAU>",
        "</NIVEAU>",
        "RNCP1",
        "* ",
        " o ",
        "- ",
        "  ",
        "&amp;",
        "&lt;li&gt;",
        "<!DOCTYPE x>",
        "<?xml version='1.0'?>",
        "<DATE_DECISION>",
        "</DATE_DECISION>",
        "31/02/2021",
        "<![CDATA[",
        "]]>",
        "<!-- -->",
        '<?xml version="1.0" encoding="latin-9"?>',
        '<?xml version="1.0" encoding="utf-16"?>',
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.lists(st.one_of(_XML_PIECES, st.text(max_size=10)), max_size=40).map(
            lambda parts: "".join(parts).encode()
        ),
    )
)
def test_only_import_format_errors_escape(payload: bytes) -> None:
    try:
        drafts = rncp_xml.parse(io.BytesIO(payload))
    except ImportFormatError:
        return
    assert all(isinstance(draft, ReferentielDraft) for draft in drafts)


# -- streaming ----------------------------------------------------------------------------
def _write_big_export(path: Path, count: int) -> None:
    fiche = (FIXTURES / "rncp_fiches.xml").read_text(encoding="utf-8")
    body = fiche[fiche.index("<FICHE>") : fiche.index("</FICHE>") + len("</FICHE>")]
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<FICHES>\n')
        for number in range(1, count + 1):
            out.write(body.replace("RNCP35609", f"RNCP{number}"))
            out.write("\n")
        out.write("</FICHES>\n")


def test_it_streams_a_large_export_in_bounded_memory(tmp_path: Path) -> None:
    export = tmp_path / "export.xml"
    _write_big_export(export, 5_000)
    assert export.stat().st_size > 30_000_000 // 2  # the file is far bigger than a fiche
    tracemalloc.start()
    try:
        with export.open("rb") as source:
            [draft] = rncp_xml.parse(source, fiche="RNCP5000")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert draft.certification.code == "RNCP5000"
    assert len(draft.blocs) == 7
    assert peak < 30 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_it_stops_reading_once_the_fiche_is_found(tmp_path: Path) -> None:
    export = tmp_path / "export.xml"
    _write_big_export(export, 50)
    with export.open("rb") as source:
        fiches = rncp_xml.iter_fiches(source, fiche="RNCP2")
        assert next(fiches).certification.code == "RNCP2"
        assert source.tell() < export.stat().st_size  # the rest of the file was not read
        assert list(fiches) == []
