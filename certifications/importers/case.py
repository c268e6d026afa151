"""Export of a référentiel as a 1EdTech CASE 1.0 ``CFPackage`` (DESIGN.md §7).

Blocs, compétences and critères become ``CFItems`` linked by ``isChildOf``
associations (bloc → document, compétence → bloc, critère → its first compétence);
a critère shared by several compétences is also ``isRelatedTo`` the others. The
scale becomes one ``CFRubric`` with one criterion per compétence. Activities and
modalities have no CASE counterpart and are not exported.

Identifiers are UUIDv5 derived from the certification and each item's path, so
exporting the same référentiel twice gives the same identifiers and a CASE
consumer updates its copy instead of duplicating it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from certifications.importers.defaults import DEFAULT_SCALE
from certifications.importers.draft import (
    BlocDraft,
    CompetenceDraft,
    CriterionDraft,
    ReferentielDraft,
    ScaleDraft,
)

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:certassess:case")
ITEM_TYPES = {
    "bloc": "Bloc de compétences",
    "competence": "Compétence",
    "criterion": "Critère d'évaluation",
}


def to_case(
    draft: ReferentielDraft,
    *,
    base_uri: str,
    document_id: str | None = None,
    last_change: datetime | None = None,
) -> dict[str, Any]:
    package = _Package(draft, base_uri, document_id, last_change or datetime.now(UTC))
    return package.build()


class _Package:
    def __init__(
        self, draft: ReferentielDraft, base_uri: str, document_id: str | None, when: datetime
    ) -> None:
        self.draft = draft
        self.base = base_uri.rstrip("/")
        cert = draft.certification
        self.doc_id = (
            uuid.UUID(document_id)
            if document_id
            else uuid.uuid5(_NAMESPACE, cert.code or cert.title)
        )
        self.when = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        self.items: list[dict[str, Any]] = []
        self.associations: list[dict[str, Any]] = []
        self.item_links: dict[str, dict[str, str]] = {}  # competence ref -> LinkURI
        self.title = cert.title or cert.code
        self.doc_link = self._link("CFDocuments", str(self.doc_id), self.title)

    # -- identifiers ------------------------------------------------------------------
    def _id(self, path: str) -> str:
        return str(uuid.uuid5(self.doc_id, path))

    def _uri(self, kind: str, identifier: str) -> str:
        return f"{self.base}/{kind}/{identifier}"

    def _link(self, kind: str, identifier: str, title: str) -> dict[str, str]:
        return {"title": title, "identifier": identifier, "uri": self._uri(kind, identifier)}

    # -- package ----------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        for bloc in self.draft.blocs:
            self._add_bloc(bloc)
        return {
            "CFDocument": self._document(),
            "CFItems": self.items,
            "CFAssociations": self.associations,
            "CFDefinitions": {"CFItemTypes": [self._item_type(key) for key in ITEM_TYPES]},
            "CFRubrics": [self._rubric(self.draft.scale or DEFAULT_SCALE)],
        }

    def _document(self) -> dict[str, Any]:
        cert = self.draft.certification
        document: dict[str, Any] = {
            "identifier": str(self.doc_id),
            "uri": self.doc_link["uri"],
            "CFPackageURI": self._link("CFPackages", str(self.doc_id), self.title),
            "creator": ", ".join(c.legal_name for c in cert.certifiers),
            "title": self.title,
            "lastChangeDateTime": self.when,
            "language": "fr",
            "caseVersion": "1.0",
            "adoptionStatus": "Draft" if self.draft.has_errors() else "Adopted",
        }
        if cert.code:
            document["humanCodingScheme"] = cert.code
        if cert.level is not None:
            document["educationLevel"] = [str(cert.level)]
        if cert.description:
            document["description"] = cert.description
        return document

    def _item_type(self, key: str) -> dict[str, Any]:
        identifier = self._id(f"type:{key}")
        return {
            "identifier": identifier,
            "uri": self._uri("CFItemTypes", identifier),
            "title": ITEM_TYPES[key],
            "description": ITEM_TYPES[key],
            "hierarchyCode": key,
            "lastChangeDateTime": self.when,
        }

    # -- items ------------------------------------------------------------------------
    def _add_item(
        self, key: str, path: str, code: str, statement: str, parent: dict[str, str]
    ) -> dict[str, str]:
        identifier = self._id(path)
        type_id = self._id(f"type:{key}")
        item: dict[str, Any] = {
            "identifier": identifier,
            "uri": self._uri("CFItems", identifier),
            "CFDocumentURI": self.doc_link,
            "fullStatement": statement,
            "CFItemType": ITEM_TYPES[key],
            "CFItemTypeURI": self._link("CFItemTypes", type_id, ITEM_TYPES[key]),
            "language": "fr",
            "lastChangeDateTime": self.when,
        }
        if code:
            item["humanCodingScheme"] = code
        self.items.append(item)
        link = self._link("CFItems", identifier, statement[:200] or code)
        self._associate("isChildOf", link, parent, path)
        return link

    def _associate(
        self, kind: str, origin: dict[str, str], destination: dict[str, str], path: str
    ) -> None:
        identifier = self._id(f"association:{kind}:{path}:{destination['identifier']}")
        self.associations.append(
            {
                "identifier": identifier,
                "uri": self._uri("CFAssociations", identifier),
                "associationType": kind,
                "CFDocumentURI": self.doc_link,
                "originNodeURI": origin,
                "destinationNodeURI": destination,
                "sequenceNumber": len(self.associations) + 1,
                "lastChangeDateTime": self.when,
            }
        )

    def _add_bloc(self, bloc: BlocDraft) -> None:
        bloc_link = self._add_item("bloc", f"bloc:{bloc.ref}", bloc.code, bloc.title, self.doc_link)
        for competence in bloc.competences:
            self._add_competence(bloc, competence, bloc_link)
        seen: Counter[str] = Counter()
        for criterion in bloc.criteria:
            self._add_criterion(bloc, criterion, bloc_link, seen)

    def _add_competence(
        self, bloc: BlocDraft, competence: CompetenceDraft, bloc_link: dict[str, str]
    ) -> None:
        path = f"competence:{bloc.ref}/{competence.ref}"
        statement = competence.title or competence.code
        self.item_links[competence.ref] = self._add_item(
            "competence", path, competence.code, statement, bloc_link
        )

    def _add_criterion(
        self,
        bloc: BlocDraft,
        criterion: CriterionDraft,
        bloc_link: dict[str, str],
        seen: Counter[str],
    ) -> None:
        # The text is the criterion's identity; a repeated text gets its rank.
        key = "|".join([*criterion.competence_refs, criterion.text])
        seen[key] += 1
        path = f"criterion:{bloc.ref}/{key}#{seen[key]}"
        parents = [self.item_links[r] for r in criterion.competence_refs if r in self.item_links]
        link = self._add_item(
            "criterion", path, "", criterion.text, parents[0] if parents else bloc_link
        )
        for other in parents[1:]:
            self._associate("isRelatedTo", link, other, path)

    # -- scale ------------------------------------------------------------------------
    def _rubric(self, scale: ScaleDraft) -> dict[str, Any]:
        rubric_id = self._id("rubric")
        criteria = [
            self._rubric_criterion(rubric_id, position, ref, link, scale)
            for position, (ref, link) in enumerate(self.item_links.items(), start=1)
        ]
        return {
            "identifier": rubric_id,
            "uri": self._uri("CFRubrics", rubric_id),
            "title": scale.name,
            "description": " · ".join(f"{lv.number} {lv.label}" for lv in scale.levels),
            "lastChangeDateTime": self.when,
            "CFRubricCriteria": criteria,
        }

    def _rubric_criterion(
        self, rubric_id: str, position: int, ref: str, item: dict[str, str], scale: ScaleDraft
    ) -> dict[str, Any]:
        criterion_id = self._id(f"rubric-criterion:{ref}")
        levels = [
            {
                "identifier": self._id(f"rubric-level:{ref}/{level.number}"),
                "uri": self._uri(
                    "CFRubricCriterionLevels", self._id(f"rubric-level:{ref}/{level.number}")
                ),
                "description": level.description or level.label,
                "quality": level.label,
                "score": level.number,
                "position": index,
                "rubricCriterionId": criterion_id,
                "lastChangeDateTime": self.when,
            }
            for index, level in enumerate(scale.levels, start=1)
        ]
        return {
            "identifier": criterion_id,
            "uri": self._uri("CFRubricCriteria", criterion_id),
            "category": ITEM_TYPES["competence"],
            "description": item["title"],
            "CFItemURI": item,
            "position": position,
            "rubricId": rubric_id,
            "lastChangeDateTime": self.when,
            "CFRubricCriterionLevels": levels,
        }
