"""1EdTech CASE 1.0 export of a draft (certifications.importers.case)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from certifications.importers import case, rncp_xml
from certifications.importers.defaults import DEFAULT_SCALE
from certifications.importers.draft import (
    BlocDraft,
    CertificationDraft,
    CertifierDraft,
    CompetenceDraft,
    CriterionDraft,
    LevelDraft,
    ReferentielDraft,
    ScaleDraft,
)

BASE = "https://certassess.example/ims/case/v1p0"
FIXTURES = Path(__file__).parent / "fixtures"


def _draft() -> ReferentielDraft:
    return ReferentielDraft(
        certification=CertificationDraft(
            code="RNCP35609",
            title="Expert en IA",
            level=7,
            certifiers=[CertifierDraft("École Exemple", siret="12345678900012")],
        ),
        blocs=[
            BlocDraft(
                ref="BC01",
                code="RNCP35609BC01",
                title="Données",
                competences=[
                    CompetenceDraft("C1", "C1", "Recenser"),
                    CompetenceDraft("C2", "C2", "Gouverner"),
                ],
                criteria=[
                    CriterionDraft("Sources listées", ["C1"]),
                    CriterionDraft("Politique écrite", ["C2"]),
                ],
            ),
            BlocDraft(
                ref="BC02",
                code="RNCP35609BC02",
                title="Modèles",
                competences=[CompetenceDraft("C3", "C3", "Entraîner")],
                criteria=[CriterionDraft("Modèle évalué", ["C3"])],
            ),
        ],
    )


def _items_by_type(package: dict) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for item in package["CFItems"]:
        grouped.setdefault(item["CFItemType"], []).append(item)
    return grouped


def test_it_builds_the_document() -> None:
    package = case.to_case(_draft(), base_uri=BASE + "/")
    document = package["CFDocument"]
    uuid.UUID(document["identifier"])  # a real UUID
    assert document["uri"] == f"{BASE}/CFDocuments/{document['identifier']}"
    assert document["title"] == "Expert en IA"
    assert document["creator"] == "École Exemple"
    assert document["humanCodingScheme"] == "RNCP35609"
    assert (document["language"], document["caseVersion"]) == ("fr", "1.0")
    assert document["lastChangeDateTime"].endswith("+00:00")
    json.dumps(package)  # plain JSON types only


def test_it_types_the_items_with_our_codes_and_titles() -> None:
    items = _items_by_type(case.to_case(_draft(), base_uri=BASE))
    assert [i["humanCodingScheme"] for i in items["Bloc de compétences"]] == [
        "RNCP35609BC01",
        "RNCP35609BC02",
    ]
    assert [(i["humanCodingScheme"], i["fullStatement"]) for i in items["Compétence"]] == [
        ("C1", "Recenser"),
        ("C2", "Gouverner"),
        ("C3", "Entraîner"),
    ]
    assert [i["fullStatement"] for i in items["Critère d'évaluation"]] == [
        "Sources listées",
        "Politique écrite",
        "Modèle évalué",
    ]


def test_every_item_is_child_of_its_parent() -> None:
    package = case.to_case(_draft(), base_uri=BASE)
    items = {item["identifier"]: item for item in package["CFItems"]}
    document_id = package["CFDocument"]["identifier"]
    associations = package["CFAssociations"]
    assert len(associations) == len(package["CFItems"]) == 2 + 3 + 3
    parent_type = {
        "Bloc de compétences": None,
        "Compétence": "Bloc de compétences",
        "Critère d'évaluation": "Compétence",
    }
    for association in associations:
        assert association["associationType"] == "isChildOf"
        child = items[association["originNodeURI"]["identifier"]]
        parent_id = association["destinationNodeURI"]["identifier"]
        expected = parent_type[child["CFItemType"]]
        if expected is None:
            assert parent_id == document_id
        else:
            assert items[parent_id]["CFItemType"] == expected
    # The criterion "Modèle évalué" hangs under C3.
    criterion = next(i for i in items.values() if i["fullStatement"] == "Modèle évalué")
    [link] = [
        a for a in associations if a["originNodeURI"]["identifier"] == criterion["identifier"]
    ]
    assert items[link["destinationNodeURI"]["identifier"]]["humanCodingScheme"] == "C3"


def test_a_criterion_of_several_competences_is_related_to_the_others() -> None:
    draft = _draft()
    draft.blocs[0].criteria.append(CriterionDraft("Commun", ["C1", "C2"]))
    associations = case.to_case(draft, base_uri=BASE)["CFAssociations"]
    kinds = [a["associationType"] for a in associations]
    assert kinds.count("isChildOf") == 9
    assert kinds.count("isRelatedTo") == 1


def test_identifiers_are_stable_across_exports() -> None:
    first = case.to_case(_draft(), base_uri=BASE)
    second = case.to_case(_draft(), base_uri=BASE, last_change=datetime(2030, 1, 1, tzinfo=UTC))

    def identifiers(package: dict) -> list[str]:
        return [
            package["CFDocument"]["identifier"],
            *(i["identifier"] for i in package["CFItems"]),
            *(a["identifier"] for a in package["CFAssociations"]),
            *(r["identifier"] for r in package["CFRubrics"]),
        ]

    assert identifiers(first) == identifiers(second)
    assert len(set(identifiers(first))) == len(identifiers(first))
    other = _draft()
    other.certification.code = "RNCP1"
    assert identifiers(case.to_case(other, base_uri=BASE))[0] != identifiers(first)[0]


def test_an_explicit_document_id_is_used() -> None:
    document_id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    package = case.to_case(_draft(), base_uri=BASE, document_id=document_id)
    assert package["CFDocument"]["identifier"] == document_id


def test_the_default_scale_becomes_the_rubric() -> None:
    [rubric] = case.to_case(_draft(), base_uri=BASE)["CFRubrics"]
    criteria = rubric["CFRubricCriteria"]
    assert len(criteria) == 3  # one per compétence
    levels = criteria[0]["CFRubricCriterionLevels"]
    assert [(lv["score"], lv["quality"]) for lv in levels] == [
        (1, "Compétence validée au-delà des attentes"),
        (2, "Compétence validée au niveau des attentes"),
        (3, "Compétence en voie de validation"),
        (4, "Compétence non acquise"),
    ]
    assert all(lv["rubricCriterionId"] == criteria[0]["identifier"] for lv in levels)
    assert criteria[0]["CFItemURI"]["title"] == "Recenser"


def test_a_draft_scale_replaces_the_default() -> None:
    draft = _draft()
    draft.scale = ScaleDraft("Binaire", [LevelDraft(1, "Acquis"), LevelDraft(2, "Non acquis")])
    [rubric] = case.to_case(draft, base_uri=BASE)["CFRubrics"]
    assert rubric["title"] == "Binaire"
    assert len(rubric["CFRubricCriteria"][0]["CFRubricCriterionLevels"]) == 2
    assert [level.number for level in DEFAULT_SCALE.levels] == [1, 2, 3, 4]  # untouched


def test_it_exports_an_imported_fiche() -> None:
    with (FIXTURES / "rncp_fiches.xml").open("rb") as source:
        [draft] = rncp_xml.parse(source, fiche="RNCP35609")
    package = case.to_case(draft, base_uri=BASE)
    assert len(package["CFItems"]) == 7 + 14 + 28
    assert len(package["CFAssociations"]) == len(package["CFItems"])
