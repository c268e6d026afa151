"""The product's own JSON: lossless round trip and strict reading (importers.json_format)."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certifications.errors import ImportFormatError
from certifications.importers import json_format
from certifications.importers.defaults import DEFAULT_SCALE
from certifications.importers.draft import (
    ActivityDraft,
    BlocDraft,
    CertificationDraft,
    CertifierDraft,
    CompetenceDraft,
    CriterionDraft,
    Issue,
    LevelDraft,
    ModalityDraft,
    ReferentielDraft,
    RequirementDraft,
    ScaleDraft,
    Severity,
)
from certifications.vocabulary import LevelOutcome, ModalityKind


def _round_trip(draft: ReferentielDraft) -> ReferentielDraft:
    [back] = json_format.parse(io.BytesIO(json_format.dumps(draft)), name=draft.source_name)
    return back


def _as_read(draft: ReferentielDraft) -> ReferentielDraft:
    """What a re-read draft should equal: the file fields say it came from JSON."""
    return dataclasses.replace(draft, source_format="json")


def _sample() -> ReferentielDraft:
    draft = ReferentielDraft(
        certification=CertificationDraft(
            code="RNCP35609",
            title="Expert en IA",
            level=7,
            eqf_level=7,
            nsf_codes=["326"],
            formacodes=["50105", "31028"],
            rome_codes=["M1805"],
            certifiers=[CertifierDraft("École Exemple", siret="12345678900012")],
            registration_date=date(2021, 5, 19),
            registration_end_date=date(2024, 5, 19),
            active=True,
            replaces=["RNCP30001"],
            access_routes=["vae"],
            requirements=[RequirementDraft("Mission en entreprise", "3 mois minimum")],
            accommodations_available=True,
        ),
        blocs=[
            BlocDraft(
                ref="BC01",
                code="RNCP35609BC01",
                title="Données",
                activities=[ActivityDraft("A1", "A1", "Cartographier")],
                competences=[CompetenceDraft("C1", "C1", "Recenser", activity_ref="A1")],
                criteria=[CriterionDraft("Sources listées", ["C1"], modality_ref="E1")],
                assessment_text="Étude de cas",
                certifiable_alone=False,
            )
        ],
        modalities=[
            ModalityDraft(
                "E1",
                "E1",
                "Étude de cas",
                kind=ModalityKind.CASE_STUDY,
                duration_minutes=90,
                duration_text="1 h 30",
                team=True,
                competence_refs=["C1"],
                bloc_refs=["BC01"],
            )
        ],
        scale=copy.deepcopy(DEFAULT_SCALE),
        source_format="rncp-xml",
        source_name="export.xml",
    )
    draft.warn("code généré", "ligne 3")
    return draft


def test_it_round_trips_a_full_draft() -> None:
    draft = _sample()
    assert _round_trip(draft) == _as_read(draft)


def test_it_round_trips_a_minimal_draft() -> None:
    draft = ReferentielDraft(certification=CertificationDraft())
    assert _round_trip(draft) == _as_read(draft)


def test_it_writes_the_envelope_dates_and_enums_readably() -> None:
    data = json.loads(json_format.dumps(_sample()).decode("utf-8"))
    assert (data["format"], data["version"]) == ("certassess-referentiel", 1)
    body = data["referentiel"]
    assert body["certification"]["registration_date"] == "2021-05-19"
    assert body["modalities"][0]["kind"] == "case_study"
    assert body["scale"]["levels"][3]["outcome"] == "rattrapage"
    assert "source_format" not in body
    assert "Étude de cas" in json_format.dumps(_sample()).decode("utf-8")  # not \u-escaped


# -- hypothesis ----------------------------------------------------------------------------
_text = st.text(max_size=12)
_texts = st.lists(_text, max_size=3)
_int = st.one_of(st.none(), st.integers(min_value=-(10**12), max_value=10**12))
_date = st.one_of(st.none(), st.dates())

_level = st.builds(
    LevelDraft,
    number=st.integers(),
    label=_text,
    description=_text,
    outcome=st.sampled_from(LevelOutcome),
)
_scale = st.builds(ScaleDraft, name=_text, levels=st.lists(_level, max_size=4))
_certifier = st.builds(
    CertifierDraft, legal_name=_text, siret=_text, commercial_name=_text, website=_text
)
_certification = st.builds(
    CertificationDraft,
    code=_text,
    title=_text,
    level=_int,
    eqf_level=_int,
    nsf_codes=_texts,
    formacodes=_texts,
    rome_codes=_texts,
    certifiers=st.lists(_certifier, max_size=2),
    registration_date=_date,
    registration_end_date=_date,
    last_issuing_date=_date,
    active=st.one_of(st.none(), st.booleans()),
    replaces=_texts,
    replaced_by=_texts,
    access_routes=_texts,
    description=_text,
    requirements=st.lists(st.builds(RequirementDraft, label=_text, description=_text), max_size=2),
    accommodations_available=st.booleans(),
)
_bloc = st.builds(
    BlocDraft,
    ref=_text,
    code=_text,
    title=_text,
    description=_text,
    activities=st.lists(st.builds(ActivityDraft, ref=_text, code=_text, title=_text), max_size=2),
    competences=st.lists(
        st.builds(
            CompetenceDraft,
            ref=_text,
            code=_text,
            title=_text,
            description=_text,
            activity_ref=st.one_of(st.none(), _text),
        ),
        max_size=3,
    ),
    criteria=st.lists(
        st.builds(
            CriterionDraft,
            text=_text,
            competence_refs=_texts,
            modality_ref=st.one_of(st.none(), _text),
        ),
        max_size=3,
    ),
    assessment_text=_text,
    certifiable_alone=st.booleans(),
)
_modality = st.builds(
    ModalityDraft,
    ref=_text,
    code=_text,
    title=_text,
    kind=st.sampled_from(ModalityKind),
    description=_text,
    deliverables=_text,
    duration_minutes=_int,
    duration_text=_text,
    team=st.booleans(),
    competence_refs=_texts,
    bloc_refs=_texts,
)
_issue = st.builds(Issue, severity=st.sampled_from(Severity), message=_text, location=_text)
_referentiel = st.builds(
    ReferentielDraft,
    certification=_certification,
    blocs=st.lists(_bloc, max_size=3),
    modalities=st.lists(_modality, max_size=2),
    scale=st.one_of(st.none(), _scale),
    issues=st.lists(_issue, max_size=2),
    source_format=_text,
    source_name=_text,
)


@settings(max_examples=150, deadline=None)
@given(_referentiel)
def test_any_draft_survives_a_round_trip(draft: ReferentielDraft) -> None:
    assert _round_trip(draft) == _as_read(draft)


# -- strict reading ------------------------------------------------------------------------
def _payload(**changes: Any) -> dict[str, Any]:
    data = json_format.dump(_sample())
    data.update(changes)
    return data


def _read(data: object) -> ReferentielDraft:
    [draft] = json_format.parse(io.BytesIO(json.dumps(data).encode()))
    return draft


def _mutated(path: list[str | int], value: object) -> dict[str, Any]:
    data = _payload()
    node: Any = data["referentiel"]
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "location", "message"),
    [
        (
            ["blocs", 0, "competences", 0, "code"],
            12,
            "referentiel.blocs[0].competences[0].code",
            "Texte attendu",
        ),
        (
            ["certification", "level"],
            "7",
            "referentiel.certification.level",
            "Nombre entier attendu",
        ),
        (
            ["certification", "level"],
            True,
            "referentiel.certification.level",
            "Nombre entier attendu",
        ),
        (["certification", "active"], 1, "referentiel.certification.active", "Booléen"),
        (
            ["certification", "registration_date"],
            "19/05/2021",
            "referentiel.certification.registration_date",
            "AAAA-MM-JJ",
        ),
        (
            ["certification", "registration_date"],
            "2021-02-31",
            "referentiel.certification.registration_date",
            "AAAA-MM-JJ",
        ),
        (["modalities", 0, "kind"], "danse", "referentiel.modalities[0].kind", "inconnue"),
        (["blocs"], {}, "referentiel.blocs", "Liste attendue"),
        (["blocs", 0], "BC01", "referentiel.blocs[0]", "Objet attendu"),
        (["blocs", 0, "colour"], "red", "referentiel.blocs[0]", "Clé inconnue « colour »"),
        (
            ["scale", "levels", 0, "outcome"],
            None,
            "referentiel.scale.levels[0].outcome",
            "inconnue",
        ),
    ],
)
def test_wrong_types_are_refused_with_their_json_path(
    path: list[str | int], value: object, location: str, message: str
) -> None:
    with pytest.raises(ImportFormatError) as caught:
        _read(_mutated(path, value))
    assert caught.value.location == location
    assert message in caught.value.message


def test_a_missing_required_field_is_named() -> None:
    data = _payload()
    del data["referentiel"]["blocs"][0]["title"]
    with pytest.raises(ImportFormatError, match="Champ obligatoire manquant") as caught:
        _read(data)
    assert caught.value.location == "referentiel.blocs[0].title"


def test_missing_optional_fields_take_their_defaults() -> None:
    draft = _read(
        {
            "format": "certassess-referentiel",
            "version": 1,
            "referentiel": {"certification": {"code": "RNCP1"}},
        }
    )
    assert draft == ReferentielDraft(CertificationDraft(code="RNCP1"), source_format="json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Fichier vide"),
        (b'{"format": "certassess-referentiel", ', "JSON invalide"),
        (b"\xff\xfe\x00", "UTF-8"),
        (b"[1, 2]", "Objet JSON attendu"),
        (b'{"format": "autre", "version": 1, "referentiel": {}}', "pas un référentiel"),
        (b'{"format": "certassess-referentiel", "version": 2, "referentiel": {}}', "Version 2"),
        (b'{"format": "certassess-referentiel", "version": 1}', "manquant"),
        (
            b'{"format": "certassess-referentiel", "version": 1, "referentiel": '
            b'{"certification": {"level": NaN}}}',
            "NaN",
        ),
        (b"[" * 100_000, "JSON invalide"),
    ],
)
def test_malformed_files_are_refused(content: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        json_format.parse(io.BytesIO(content))


def test_malformed_json_names_the_line() -> None:
    with pytest.raises(ImportFormatError) as caught:
        json_format.parse(io.BytesIO(b'{\n  "format": "certassess-referentiel",\n  oops\n}'))
    assert caught.value.location.startswith("ligne 3")


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(["code", "title", "blocs", "level", "x"]), children, max_size=3
            )
        ),
        max_leaves=10,
    )
)
def test_only_import_format_errors_escape(body: object) -> None:
    data = {
        "format": "certassess-referentiel",
        "version": 1,
        "referentiel": {"certification": body},
    }
    try:
        _read(data)
    except ImportFormatError:
        return
