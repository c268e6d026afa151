"""Helpers of the declaration-process tests: more holders on a signed deliberation and
processing reports written by hand in the shape the Caisse des Dépôts returns."""

from __future__ import annotations

from xml.sax.saxutils import escape

from candidates.tests.factories import EnrolmentFactory
from deliberations.models import CandidateDecision, CandidateOutcome, Deliberation
from deliberations.tests.deliberation_helpers import lock_opened

REPORT_NS = "urn:cdc:cpf:pc5:rapport:schema"


def configure(certification, **values) -> None:
    values = {"cdc_client_id": "03ABC123", "cdc_contract_id": "MCFCER000123", **values}
    for name, value in values.items():
        setattr(certification, name, value)
    certification.save()


def add_holders(deliberation: Deliberation, count: int, **candidate) -> list[CandidateDecision]:
    """``count`` more holders of the whole certification on a signed deliberation."""
    decisions = []
    with lock_opened():
        for _index in range(count):
            enrolment = EnrolmentFactory(session=deliberation.session,
                                         **{f"candidate__{k}": v for k, v in candidate.items()})
            decisions.append(CandidateDecision.objects.create(
                deliberation=deliberation, enrolment=enrolment,
                proposed_outcome=CandidateOutcome.FULL_SUCCESS,
                outcome=CandidateOutcome.FULL_SUCCESS))
    return decisions


def report_xml(id_flux: str, ok: list[str] = (), ko: list[tuple[str, str]] = (),
               *, prefixed: bool = False, codes: dict[str, str] | None = None,
               processing_id: str = "51354") -> bytes:
    """A processing report (accusé de traitement) as the Caisse des Dépôts writes it: root
    ``rapport`` declaring the report namespace, ``nomFichier``, ``idFlux``,
    ``idTraitement``, ``PassagesKO/passage`` then ``PassagesOK/idTechnique``."""
    root = "ns2:rapport" if prefixed else "rapport"
    codes = codes or {}
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             f'<{root} xmlns:ns2="{REPORT_NS}">',
             f"<nomFichier>{id_flux}.xml</nomFichier>", f"<idFlux>{id_flux}</idFlux>",
             f"<idTraitement>{processing_id}</idTraitement>"]
    if ko:
        parts.append("<PassagesKO>")
        for id_technique, message in ko:
            code = (f"<codeErreur>{codes[id_technique]}</codeErreur>"
                    if id_technique in codes else "")
            parts.append(f"<passage><idTechnique>{id_technique}</idTechnique>{code}"
                         f"<messageErreur>{escape(message)}</messageErreur></passage>")
        parts.append("</PassagesKO>")
    if ok:
        parts.append("<PassagesOK>")
        parts += [f"<idTechnique>{id_technique}</idTechnique>" for id_technique in ok]
        parts.append("</PassagesOK>")
    parts.append(f"</{root}>")
    return "\n".join(parts).encode("utf-8")
