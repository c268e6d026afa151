"""The holders file of the Caisse des Dépôts (« accrochage certificateurs », DESIGN.md §7).

Within three months of the decision the certifier deposits, on the Caisse des Dépôts
portal, an XML file of the persons who obtained the certification (namespace
``urn:cdc:cpf:pc5:schema:1.0.0``). The elements, their order and their codes follow the
public XSD (version 1.1.2); the mapping and the sources are in docs/documents.md,
"Caisse des Dépôts (accrochage)".

Nothing here guesses: an identifier or an identity field the format requires and we lack
refuses the whole file with the reasons (``CdcExportError``); a file is never produced
half valid.
"""

from __future__ import annotations

import copy
import re
import uuid
import xml.etree.ElementTree as ET
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_log
from candidates.declaration_checks import (  # noqa: F401 (re-exported)
    NAME_MAX_LENGTH,
    first_names_split,
    holder_problems,
)
from candidates.models import AccessRoute, Candidate, Session
from certifications.models import Certification
from deliberations.models import CandidateDecision, Deliberation
from reports.selectors import (
    cdc_holders_split,
    deliberation_facts,
    signed_deliberation_of_session,
)

CDC_NAMESPACE = "urn:cdc:cpf:pc5:schema:1.0.0"
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
DECLARATION_MONTHS = 3
DEADLINE_WARNING_DAYS = 15

# Our access routes → the XSD's ``modaliteAcces`` enumeration.
ACCESS_ROUTES: dict[str, str] = {
    AccessRoute.INITIAL: "FORMATION_INITIALE_HORS_APPRENTISSAGE",
    AccessRoute.APPRENTICESHIP: "FORMATION_INITIALE_APPRENTISSAGE",
    AccessRoute.CONTINUING: "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
    AccessRoute.PROFESSIONALISATION: "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
    AccessRoute.VAE: "VAE",
    AccessRoute.FREE: "CANDIDAT_LIBRE",
    AccessRoute.EQUIVALENCE: "EQUIVALENCE_DIPLOME_ETRANGER",
}
_REPERTOIRE_CODE = re.compile(r"^(RNCP|RS)\d+$")


class CdcExportError(Exception):
    """The file cannot be produced; ``problems`` says why, one sentence each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class CdcDeadline:
    decided_on: date
    due_on: date
    today: date

    @property
    def days_left(self) -> int:
        return (self.due_on - self.today).days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def soon(self) -> bool:
        return 0 <= self.days_left <= DEADLINE_WARNING_DAYS


@dataclass(frozen=True)
class CdcFile:
    content: bytes
    filename: str
    holders: int
    # The holders left out because their certificate was revoked: their printed names.
    revoked: tuple[str, ...] = ()


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (30 November → 28 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


# -- the deadline ---------------------------------------------------------------------------
def decision_date(deliberation: Deliberation) -> date:
    return timezone.localdate(deliberation.signed_at)


def cdc_deadline(*, deliberation: Deliberation, today: date | None = None) -> CdcDeadline:
    decided_on = decision_date(deliberation)
    return CdcDeadline(decided_on, months_after(decided_on, DECLARATION_MONTHS),
                       today or timezone.localdate())


def cdc_deadline_for_session(*, session: Session, today: date | None = None
                             ) -> CdcDeadline | None:
    """The declaration deadline of a signed session, None before signing (one query)."""
    deliberation = signed_deliberation_of_session(session=session)
    if deliberation is None:
        return None
    return cdc_deadline(deliberation=deliberation, today=today)


# -- checks --------------------------------------------------------------------------------
def _certification_problems(certification: Certification) -> list[str]:
    problems = []
    if not _REPERTOIRE_CODE.match(certification.code):
        problems.append(_("The certification's code must be an RNCP or RS code "
                          "(RNCP35609, RS5286); it is “%(code)s”.") % {"code": certification.code})
    if len(certification.cdc_client_id) != 8:
        problems.append(_("Enter the certification's Caisse des Dépôts client id (idClient, "
                          "eight characters) on its legal mentions page (Frameworks → Legal "
                          "mentions)."))
    if not certification.cdc_contract_id:
        problems.append(_("Enter the certification's Caisse des Dépôts contract id "
                          "(idContrat) on its legal mentions page (Frameworks → Legal "
                          "mentions)."))
    return problems


def _holder_problems(candidate: Candidate) -> list[str]:
    """What stops this holder's declaration, each sentence led by their printed name: the
    rule set of ``candidates.declaration_checks`` (its risks are not refusals)."""
    return [_("%(name)s: %(problem)s") % {"name": candidate.legal_name,
                                           "problem": problem.message}
            for problem in holder_problems(candidate) if problem.stops_declaration]


def cdc_problems(*, certification: Certification, holders: Sequence[CandidateDecision],
                 revoked: Sequence[CandidateDecision] = ()) -> list[str]:
    """Why the file cannot be produced; empty when it can. ``revoked``: the holders left
    out because their certificate was revoked (not checked: they are not declared)."""
    problems = _certification_problems(certification)
    if not holders and revoked:
        problems.append(_("Every holder's certificate was revoked: there is no holder to "
                          "declare."))
    elif not holders:
        problems.append(_("No candidate obtained the certification in this session: there "
                          "is no holder to declare."))
    for decision in holders:
        problems.extend(_holder_problems(decision.enrolment.candidate))
    return problems


# -- the file ------------------------------------------------------------------------------
def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CDC_NAMESPACE}}}{tag}")
    element.text = text
    return element


def _nil(parent: ET.Element, tag: str) -> ET.Element:
    element = _sub(parent, tag)
    element.set(f"{{{XSI_NAMESPACE}}}nil", "true")
    return element


def _sub_or_nil(parent: ET.Element, tag: str, text: str) -> ET.Element:
    return _sub(parent, tag, text) if text else _nil(parent, tag)


def passage_id(decision: CandidateDecision) -> str:
    """idTechnique: the enrolment's public UUID, so a re-export (after an amendment, a
    lost file) sends the same passage again instead of a second one."""
    return str(decision.enrolment.public_id)


def _holder(parent: ET.Element, candidate: Candidate) -> None:
    holder = _sub(_sub(parent, "identificationTitulaire"), "titulaire")
    _sub(holder, "nomNaissance", candidate.birth_name.strip())
    _sub_or_nil(holder, "nomUsage", candidate.usage_name.strip())
    for index, name in enumerate(first_names_split(candidate.first_names), start=1):
        _sub(holder, f"prenom{index}", name)
    born = candidate.birth_date
    _sub(holder, "anneeNaissance", f"{born.year:04d}")
    _sub(holder, "moisNaissance", f"{born.month:02d}")
    _sub(holder, "jourNaissance", f"{born.day:02d}")
    _sub(holder, "sexe", candidate.sex)
    commune = _sub(_sub(holder, "codeCommuneNaissance"), "codeInseeNaissance")
    _sub(commune, "codeInsee", candidate.birth_insee_code)
    if candidate.birth_commune.strip():
        _sub(holder, "libelleCommuneNaissance", candidate.birth_commune.strip())
    if candidate.birth_country.strip():
        _sub(holder, "libellePaysNaissance", candidate.birth_country.strip())


def _passage(parent: ET.Element, decision: CandidateDecision, decided_on: date,
             valid_until: date | None) -> None:
    passage = _sub(parent, "passageCertification")
    _sub(passage, "idTechnique", passage_id(decision))
    _sub(passage, "obtentionCertification", "PAR_ADMISSION")  # a jury's decision
    _sub(passage, "donneeCertifiee", "true")
    _sub(passage, "dateDebutValidite", decided_on.isoformat())
    _sub_or_nil(passage, "dateFinValidite", valid_until.isoformat() if valid_until else "")
    _sub(passage, "presenceNiveauLangueEuro", "false")
    _sub(passage, "presenceNiveauNumeriqueEuro", "false")
    _nil(passage, "scoring")
    _nil(passage, "mentionValidee")
    _sub(_sub(passage, "modalitesInscription"), "modaliteAcces",
         ACCESS_ROUTES[decision.enrolment.access_route])
    _holder(passage, decision.enrolment.candidate)


def cdc_accrochage_xml(*, deliberation: Deliberation, now: datetime | None = None,
                       flux_id: str | None = None) -> bytes:
    """The holders file of a signed deliberation, UTF-8; ``CdcExportError`` when a
    required identifier or identity field is missing."""
    return _document(deliberation, now, flux_id or uuid.uuid4().hex)[0]


def _declared_certification(deliberation: Deliberation) -> Certification:
    """The certification as the file declares it: its code as frozen at signing."""
    facts = deliberation_facts(deliberation)
    certification = copy.copy(deliberation.session.referentiel.certification)
    certification.code = facts["certification"].get("code") or certification.code
    return certification


def _document(deliberation: Deliberation, now: datetime | None,
              flux_id: str) -> tuple[bytes, list[CandidateDecision], list[CandidateDecision]]:
    certification = _declared_certification(deliberation)
    # The holders' identity is the current record, not the snapshot: a correction the
    # Caisse des Dépôts asks for (a birth place code) is what the next file declares.
    split = cdc_holders_split(deliberation=deliberation)
    holders = split.declared
    problems = cdc_problems(certification=certification, holders=holders,
                            revoked=split.revoked)
    if problems:
        raise CdcExportError(problems)
    entries = cdc_entries(deliberation=deliberation, decisions=holders,
                          certification=certification)
    return cdc_flux_xml(entries=entries, emitter=certification, flux_id=flux_id,
                        now=now), holders, split.revoked


@dataclass(frozen=True)
class CdcEntry:
    """One passage of a file: the decision, its dates and the certification as declared
    (its code frozen at signing)."""

    decision: CandidateDecision
    decided_on: date
    valid_until: date | None
    certification: Certification


def cdc_entries(*, deliberation: Deliberation, decisions: Sequence[CandidateDecision],
                certification: Certification | None = None) -> list[CdcEntry]:
    """The passages of a deliberation's decisions (no query when ``certification`` is the
    declared one already)."""
    certification = certification or _declared_certification(deliberation)
    decided_on = decision_date(deliberation)
    valid_until = (months_after(decided_on, certification.validity_months)
                   if certification.validity_months else None)
    return [CdcEntry(decision, decided_on, valid_until, certification)
            for decision in decisions]


def cdc_flux_xml(*, entries: Sequence[CdcEntry], emitter: Certification, flux_id: str,
                 now: datetime | None = None) -> bytes:
    """The one writer of the accrochage XML: a ``flux`` whose certifier is ``emitter``
    (its Caisse des Dépôts ids) and one ``certification`` element per declared code, each
    with its passages in the order given."""
    flux = ET.Element(f"{{{CDC_NAMESPACE}}}flux")
    _sub(flux, "idFlux", flux_id)
    _sub(flux, "horodatage", timezone.localtime(now or timezone.now())
         .replace(microsecond=0).isoformat())
    emitter_element = _sub(flux, "emetteur")
    _sub(emitter_element, "idClient", emitter.cdc_client_id)  # the certifier deposits itself
    certifier = _sub(_sub(emitter_element, "certificateurs"), "certificateur")
    _sub(certifier, "idClient", emitter.cdc_client_id)
    _sub(certifier, "idContrat", emitter.cdc_contract_id)
    certifications = _sub(certifier, "certifications")
    by_code: dict[str, ET.Element] = {}
    for entry in entries:
        code = entry.certification.code
        if code not in by_code:
            declared = _sub(certifications, "certification")
            _sub(declared, "type", "RS" if code.startswith("RS") else "RNCP")
            _sub(declared, "code", code)
            _sub(declared, "natureDeposant", "CERTIFICATEUR")
            by_code[code] = _sub(declared, "passageCertifications")
        _passage(by_code[code], entry.decision, entry.decided_on, entry.valid_until)

    ET.indent(flux)
    body = ET.tostring(flux, encoding="unicode", default_namespace=CDC_NAMESPACE)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


# -- validation before download -------------------------------------------------------------
# The XSD 1.1.2's required children of each complex type we emit (docs/documents.md).
_REQUIRED_CHILDREN = {
    "flux": ("idFlux", "horodatage", "emetteur"),
    "emetteur": ("idClient", "certificateurs"),
    "certificateurs": ("certificateur",),
    "certificateur": ("idClient", "idContrat", "certifications"),
    "certification": ("type", "code", "passageCertifications"),
    "passageCertification": (
        "idTechnique", "obtentionCertification", "donneeCertifiee", "dateDebutValidite",
        "dateFinValidite", "presenceNiveauLangueEuro", "presenceNiveauNumeriqueEuro",
        "scoring", "mentionValidee", "modalitesInscription", "identificationTitulaire"),
    "titulaire": ("nomNaissance", "nomUsage", "prenom1", "anneeNaissance", "moisNaissance",
                  "jourNaissance", "sexe", "codeCommuneNaissance"),
}
_MAX_LENGTHS = {"idFlux": 50, "idTechnique": 255, "idContrat": 20, "nomNaissance": 60,
                "nomUsage": 60, "prenom1": 60, "prenom2": 60, "prenom3": 60,
                "libelleCommuneNaissance": 60, "libellePaysNaissance": 60}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _structural_problems(content: bytes) -> list[str]:
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(content)
    except Exception as error:
        return [_("The file is not well-formed XML: %(error)s") % {"error": error}]
    problems: list[str] = []
    if root.tag != f"{{{CDC_NAMESPACE}}}flux":
        problems.append(_("The root element must be “flux” in the namespace %(ns)s.")
                        % {"ns": CDC_NAMESPACE})
    seen: set[str] = set()
    for element in root.iter():
        name = _local(element.tag)
        children = [_local(child.tag) for child in element]
        for required in _REQUIRED_CHILDREN.get(name, ()):
            if children.count(required) != 1:
                problems.append(_("“%(parent)s” must have one “%(child)s”.")
                                % {"parent": name, "child": required})
        text = (element.text or "").strip() if not len(element) else ""
        if name in _MAX_LENGTHS and len(text) > _MAX_LENGTHS[name]:
            problems.append(_("“%(name)s” is longer than %(max)s characters.")
                            % {"name": name, "max": _MAX_LENGTHS[name]})
        if name == "idTechnique":
            if text in seen:
                problems.append(_("The passage “%(id)s” appears twice.") % {"id": text})
            seen.add(text)
    if not seen:
        problems.append(_("The file declares no passage."))
    return problems


def cdc_xml_problems(content: bytes) -> list[str]:
    """Why a file would be refused on deposit, empty when it is valid: against the XSD
    when a copy is configured (``settings.CDC_XSD_PATH``, read with lxml), otherwise by
    the structural checks of the XSD 1.1.2 rules we emit."""
    from django.conf import settings

    xsd_path = getattr(settings, "CDC_XSD_PATH", "") or ""
    if not xsd_path:
        return _structural_problems(content)
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    schema = etree.XMLSchema(etree.parse(xsd_path, parser))
    try:
        document = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        return [_("The file is not well-formed XML: %(error)s") % {"error": error}]
    if schema.validate(document):
        return []
    return [_("XSD, line %(line)s: %(message)s") % {"line": entry.line, "message": entry.message}
            for entry in schema.error_log]


def cdc_revoked_holders(*, deliberation: Deliberation) -> list[str]:
    """The printed names of the holders the file leaves out, their certificate revoked."""
    return [decision.enrolment.candidate.legal_name
            for decision in cdc_holders_split(deliberation=deliberation).revoked]


@dataclass(frozen=True)
class CdcDeclaration:
    """What a session's pages say of its declaration: the deadline, the holders the file
    leaves out (their certificate revoked), by their printed names, how many it declares
    and why it cannot be produced yet (``problems``, empty when it can)."""

    deadline: CdcDeadline
    revoked: list[str]
    holders: int = 0
    problems: list[str] = field(default_factory=list)


def cdc_declaration_for_session(*, session: Session, today: date | None = None
                                ) -> CdcDeclaration | None:
    """The declaration of a signed session, None before signing (one query then; three
    once signed)."""
    deliberation = signed_deliberation_of_session(session=session)
    if deliberation is None:
        return None
    split = cdc_holders_split(deliberation=deliberation)
    return CdcDeclaration(
        cdc_deadline(deliberation=deliberation, today=today),
        [decision.enrolment.candidate.legal_name for decision in split.revoked],
        holders=len(split.declared),
        problems=cdc_problems(certification=_declared_certification(deliberation),
                              holders=split.declared, revoked=split.revoked),
    )


def cdc_filename(deliberation: Deliberation) -> str:
    code = deliberation.session.referentiel.certification.code
    return f"cdc-accrochage-{code}-{decision_date(deliberation):%Y-%m-%d}.xml"


def cdc_accrochage_export(*, deliberation: Deliberation, by: User,
                          now: datetime | None = None) -> CdcFile:
    """The file a staff member downloads, recorded in the audit trail with the holders
    it leaves out (their certificate revoked)."""
    flux_id = uuid.uuid4().hex
    content, holders, revoked = _document(deliberation, now, flux_id)
    audit_log(actor=by, action="cdc_accrochage.exported", obj=deliberation,
              new={"id_flux": flux_id, "holders": len(holders),
                   "revoked_left_out": [str(d.enrolment.public_id) for d in revoked]},
              context={"session": str(deliberation.session.public_id)})
    return CdcFile(content, cdc_filename(deliberation), len(holders),
                   tuple(d.enrolment.candidate.legal_name for d in revoked))
