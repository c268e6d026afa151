"""The Caisse des Dépôts declaration as a tracked process (issue 20, docs/documents.md
« Declaration fluxes »).

A holder's passage (``CdcPassage``) is created from a signed deliberation's holders the
first time a flux is built for it; a flux (``CdcFlux``) carries the passages to declare
and the corrected ones, validated before anyone downloads it; the processing report the
Caisse des Dépôts returns (« accusé de traitement ») sets each passage accepted or
rejected with its reason; a rejected holder's identity is rectified, the passage marked
corrected and re-declared in the next flux. Every change of state is kept
(``CdcPassageTransition``) and each step is an audit event.

The XML is written by ``reports.cdc`` (one writer); nothing here is half written: each
service runs in one transaction and refuses as a whole with its reasons.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import audit_log
from candidates.models import Candidate, Session
from certifications.models import Certification
from deliberations.models import Deliberation
from reports.cdc import (
    CdcEntry,
    CdcExportError,
    _certification_problems,
    _declared_certification,
    _holder_problems,
    cdc_entries,
    cdc_flux_xml,
    cdc_xml_problems,
    passage_id,
)
from reports.models import (
    CDC_TO_SEND,
    CdcFlux,
    CdcFluxState,
    CdcPassage,
    CdcPassageState,
    CdcPassageTransition,
)
from reports.selectors import cdc_holders_split

S = CdcPassageState


class CdcReportError(Exception):
    """A processing report that cannot be applied; nothing was changed."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


# -- passages ------------------------------------------------------------------------------
def _move(passage: CdcPassage, to: str, *, by: User | None, flux: CdcFlux | None = None,
          note: str = "", now: datetime | None = None) -> None:
    """Change a passage's state and keep the transition (the caller saves the passage)."""
    now = now or timezone.now()
    CdcPassageTransition.objects.create(passage=passage, from_state=passage.state,
                                        to_state=to, at=now, by=by, flux=flux, note=note)
    passage.state = to
    passage.updated_at = now


@transaction.atomic
def cdc_passages_sync(*, deliberation: Deliberation, by: User | None = None
                      ) -> tuple[list[CdcPassage], list[CdcPassage]]:
    """The passages of a signed deliberation's holders, created the first time (state
    « to declare »); a holder whose certificate was revoked after being sent moves to
    « revoked after declaration » (the format cannot withdraw it: the Caisse des Dépôts
    portal does). Returns (the passages to declare or declared, the revoked ones)."""
    split = cdc_holders_split(deliberation=deliberation)
    certification = deliberation.session.referentiel.certification
    # Locked until the flux is recorded: two builds at once never send a passage twice.
    existing = {p.decision_id: p for p in CdcPassage.objects.select_for_update().filter(
        decision__deliberation=deliberation)}
    live: list[CdcPassage] = []
    for decision in split.declared:
        passage = existing.get(decision.pk)
        if passage is None:
            passage = CdcPassage.objects.create(
                decision=decision, certification=certification,
                id_technique=passage_id(decision))
            CdcPassageTransition.objects.create(passage=passage, to_state=S.TO_DECLARE, by=by)
        passage.decision = decision
        live.append(passage)
    revoked: list[CdcPassage] = []
    for decision in split.revoked:
        passage = existing.get(decision.pk)
        if passage is None:
            continue  # never declared: nothing to withdraw
        if passage.state != S.REVOKED_DECLARED and passage.last_flux_id is not None:
            _move(passage, S.REVOKED_DECLARED, by=by,
                  note="certificate revoked: withdraw on the Caisse des Dépôts portal")
            passage.save(update_fields=["state", "updated_at"])
        passage.decision = decision
        if passage.state == S.REVOKED_DECLARED:
            revoked.append(passage)
    return live, revoked


def _deliberations_for(*, certification: Certification, session: Session | None,
                       period: tuple[date, date] | None) -> list[Deliberation]:
    rows = (Deliberation.objects.filter(session__referentiel__certification=certification,
                                        signed_at__isnull=False)
            .select_related("session__referentiel__certification").order_by("signed_at", "pk"))
    if session is not None:
        rows = rows.filter(session=session)
    if period is not None:
        start, end = period
        rows = [d for d in rows if start <= timezone.localdate(d.signed_at) <= end]
    return [d for d in rows if d.is_signed]


def certifications_with_holders(*, period: tuple[date, date]) -> list[Certification]:
    """The certifications with a deliberation signed in the period (for a period build)."""
    start, end = period
    ids = {d.session.referentiel.certification_id for d in Deliberation.objects.filter(
        signed_at__isnull=False).select_related("session__referentiel")
        if d.is_signed and start <= timezone.localdate(d.signed_at) <= end}
    return list(Certification.objects.filter(pk__in=ids).order_by("code"))


# -- building a flux -----------------------------------------------------------------------
@dataclass(frozen=True)
class CdcFluxBuilt:
    flux: CdcFlux
    declared: int
    redeclared: int
    revoked: list[str] = field(default_factory=list)


def _flux_filename(certification: Certification, session: Session | None,
                   period: tuple[date, date] | None, now: datetime) -> str:
    if period is not None:
        scope = f"{period[0]:%Y%m%d}-{period[1]:%Y%m%d}"
    else:
        scope = f"{timezone.localdate(now):%Y-%m-%d}"
    return f"cdc-flux-{certification.code}-{scope}-{now:%H%M%S}.xml"


@transaction.atomic
def cdc_flux_build(*, by: User | None, certification: Certification | None = None,
                   session: Session | None = None, period: tuple[date, date] | None = None,
                   now: datetime | None = None) -> CdcFluxBuilt:
    """Build and validate one flux for a session (its certification) or for a period of a
    certification: the passages to declare and the corrected ones (re-declared). Refused
    whole (``CdcExportError``) when there is nothing to send, an identifier or an identity
    field is missing, or the file fails validation; then nothing is recorded."""
    if session is None and period is None:
        raise ValueError("a session or a period")
    if session is not None:
        certification = session.referentiel.certification
    assert certification is not None
    now = now or timezone.now()
    problems = _certification_problems(certification)
    entries: list[CdcEntry] = []
    passages: list[CdcPassage] = []
    revoked_names: list[str] = []
    for deliberation in _deliberations_for(certification=certification, session=session,
                                           period=period):
        live, revoked = cdc_passages_sync(deliberation=deliberation, by=by)
        revoked_names += [p.decision.enrolment.candidate.legal_name for p in revoked]
        to_send = [p for p in live if p.state in CDC_TO_SEND]
        if not to_send:
            continue
        declared = _declared_certification(deliberation)
        problems += _certification_problems(declared) if declared.code != certification.code \
            else []
        for passage in to_send:
            problems += _holder_problems(passage.decision.enrolment.candidate)
        entries += cdc_entries(deliberation=deliberation,
                               decisions=[p.decision for p in to_send], certification=declared)
        passages += to_send
    if not passages:
        problems.append(_("No holder is left to declare: every passage was declared "
                          "already, or is rejected and waits for its correction."))
    if problems:
        raise CdcExportError(list(dict.fromkeys(problems)))
    id_flux = uuid.uuid4().hex
    content = cdc_flux_xml(entries=entries, emitter=certification, flux_id=id_flux, now=now)
    invalid = cdc_xml_problems(content)
    if invalid:
        raise CdcExportError([_("The file failed its validation:"), *invalid])
    flux = CdcFlux.objects.create(
        certification=certification, id_flux=id_flux, session=session,
        period_start=period[0] if period else None, period_end=period[1] if period else None,
        created_at=now, created_by=by, filename=_flux_filename(certification, session,
                                                                period, now),
        content=content, sha256=hashlib.sha256(content).hexdigest(),
        passages_count=len(passages), revoked_to_withdraw=revoked_names)
    redeclared = 0
    for passage in passages:
        again = passage.state == S.CORRECTED
        redeclared += again
        _move(passage, S.REDECLARED if again else S.DECLARED, by=by, flux=flux)
        passage.last_flux = flux
        passage.reason_code = passage.reason_text = ""
        passage.save(update_fields=["state", "updated_at", "last_flux", "reason_code",
                                    "reason_text"])
    audit_log(actor=by, action="cdc_flux.built", obj=flux,
              new={"id_flux": id_flux, "passages": len(passages), "redeclared": redeclared,
                   "revoked_to_withdraw": len(revoked_names)},
              context={"certification": certification.code,
                       "session": str(session.public_id) if session else None,
                       "period": [d.isoformat() for d in period] if period else None})
    return CdcFluxBuilt(flux, len(passages) - redeclared, redeclared, revoked_names)


def cdc_flux_downloaded(*, flux: CdcFlux, by: User | None) -> CdcFlux:
    """A download: the first one moves the flux from prepared to downloaded; each one is an
    audit event. The file is the one validated at build time, byte for byte."""
    if flux.state == CdcFluxState.PREPARED:
        flux.state = CdcFluxState.DOWNLOADED
        flux.downloaded_at = timezone.now()
        flux.save(update_fields=["state", "downloaded_at"])
    audit_log(actor=by, action="cdc_flux.downloaded", obj=flux,
              new={"id_flux": flux.id_flux, "sha256": flux.sha256})
    return flux


def cdc_flux_mark_deposited(*, flux: CdcFlux, by: User | None) -> CdcFlux:
    """The certifier says the file was deposited on the Caisse des Dépôts portal."""
    if flux.state in (CdcFluxState.PREPARED, CdcFluxState.DOWNLOADED):
        flux.state = CdcFluxState.DEPOSITED
        flux.deposited_at = timezone.now()
        flux.save(update_fields=["state", "deposited_at"])
        audit_log(actor=by, action="cdc_flux.deposited", obj=flux,
                  new={"id_flux": flux.id_flux})
    return flux


# -- the processing report (accusé de traitement) -------------------------------------------
#: The namespace the Caisse des Dépôts declares on the report's root (docs/documents.md).
REPORT_NAMESPACE = "urn:cdc:cpf:pc5:rapport:schema"
MAX_REPORT_BYTES = 20 * 1024 * 1024

# Known messages of the Caisse des Dépôts → our code (docs/documents.md lists them).
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), code) for pattern, code in (
        (r"existe d[ée]j[àa] en base", "already_declared"),
        (r"aucun titulaire", "no_holder_match"),
        (r"plusieurs titulaires", "several_holders"),
        (r"pays", "birth_country"),
        (r"insee|commune|lieu de naissance|code postal", "birth_place"),
        (r"date de naissance|ann[ée]e de naissance|mois de naissance|jour de naissance",
         "birth_date"),
        (r"sexe|genre", "sex"),
        (r"pr[ée]nom", "first_names"),
        (r"\bnom\b", "birth_name"),
        (r"certification|code rncp|code rs|contrat|idclient", "certification"),
    ))

#: What to fix for each code: the identity fields named as on the identity page.
REASON_FIXES: dict[str, object] = {
    "no_holder_match": gettext_lazy(
        "No holder in the CPF system matches the identity declared: check the birth name, "
        "the first names in order, the birth date, the sex and the birth commune's INSEE "
        "code (99xxx country code for a birth abroad) against an ID document."),
    "several_holders": gettext_lazy(
        "Several persons match: complete the identity (every first name, the usage name, "
        "the birth commune's INSEE code) so that only one does."),
    "birth_place": gettext_lazy(
        "The birthplace: the INSEE code of the birth commune at the date of birth (not its "
        "postal code)."),
    "birth_country": gettext_lazy(
        "The country of birth: its INSEE code (99 and three digits) and its name."),
    "birth_date": gettext_lazy("The birth date."),
    "sex": gettext_lazy("The sex."),
    "first_names": gettext_lazy("The first names, in the order of the ID document."),
    "birth_name": gettext_lazy("The birth name (not the usage name)."),
    "certification": gettext_lazy(
        "The certification's Caisse des Dépôts ids or code (legal mentions page), not the "
        "holder's identity."),
    "other": gettext_lazy("Read the Caisse des Dépôts' message and check the identity."),
}


def reason_code_of(message: str) -> str:
    for pattern, code in _REASONS:
        if pattern.search(message):
            return code
    return "other"


@dataclass(frozen=True)
class ReportLine:
    id_technique: str
    accepted: bool
    message: str = ""
    code: str = ""


@dataclass(frozen=True)
class ParsedReport:
    id_flux: str
    filename: str
    processing_id: str
    lines: list[ReportLine]


def _text(element: object) -> str:
    return " ".join(("".join(element.itertext()) if element is not None else "").split())


def cdc_report_parse(content: bytes) -> ParsedReport:
    """Read a processing report (docs/documents.md « The processing report »): root
    ``rapport``; ``nomFichier``, ``idFlux``, ``idTraitement``; ``PassagesOK`` listing
    ``idTechnique``; ``PassagesKO`` of ``passage`` (``idTechnique``, ``messageErreur``,
    optional ``codeErreur``). Element names are read without their namespace (the report's
    root carries ``urn:cdc:cpf:pc5:rapport:schema``, its children none). DTDs and entities
    are refused. ``CdcReportError`` with the reasons when the file is not a report."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if len(content) > MAX_REPORT_BYTES:
        raise CdcReportError([_("The file is larger than 20 MB: it is not a processing "
                                "report.")])
    try:
        root = fromstring(content, forbid_dtd=True)
    except (DefusedXmlException, SyntaxError, ValueError) as error:
        raise CdcReportError([_("The file is not well-formed XML (%(error)s): it is not a "
                                "processing report of the Caisse des Dépôts.")
                              % {"error": error}]) from error

    def local(element: object) -> str:
        return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""

    if local(root) != "rapport":
        raise CdcReportError([_("The root element is “%(found)s”, not “rapport”: this is not "
                                "a processing report of the Caisse des Dépôts.")
                              % {"found": local(root)}])
    children = {local(child): child for child in root}
    id_flux = _text(children.get("idFlux"))
    filename = _text(children.get("nomFichier"))
    if not id_flux and filename:
        id_flux = filename.removesuffix(".xml").removesuffix(".XML")
    if not id_flux:
        raise CdcReportError([_("The report names no flux (neither “idFlux” nor "
                                "“nomFichier”).")])
    lines: list[ReportLine] = []
    problems: list[str] = []
    for section in root:
        name = local(section).lower()
        if name == "passagesok":
            for element in section.iter():
                if local(element) == "idTechnique":
                    lines.append(ReportLine(_text(element), True))
        elif name == "passagesko":
            for passage in section:
                if local(passage) != "passage":
                    continue
                fields = {local(child): _text(child) for child in passage}
                message = fields.get("messageErreur", "")
                if not fields.get("idTechnique"):
                    problems.append(_("A rejected passage has no “idTechnique”."))
                    continue
                if not message:
                    problems.append(_("The rejected passage %(id)s has no “messageErreur”.")
                                    % {"id": fields["idTechnique"]})
                code = fields.get("codeErreur", "")
                if reason_code_of(message) == "already_declared":
                    # Declared in an earlier flux and kept by the Caisse des Dépôts.
                    lines.append(ReportLine(fields["idTechnique"], True, message, code))
                else:
                    lines.append(ReportLine(fields["idTechnique"], False, message, code))
    seen: set[str] = set()
    for line in lines:
        if not line.id_technique:
            problems.append(_("An accepted passage has an empty “idTechnique”."))
        elif line.id_technique in seen:
            problems.append(_("The passage %(id)s appears twice in the report.")
                            % {"id": line.id_technique})
        seen.add(line.id_technique)
    if not lines and not problems:
        problems.append(_("The report lists no passage (neither “PassagesOK” nor "
                          "“PassagesKO”)."))
    if problems:
        raise CdcReportError(problems)
    return ParsedReport(id_flux, filename, _text(children.get("idTraitement")), lines)


@dataclass(frozen=True)
class CdcReportApplied:
    flux: CdcFlux
    accepted: int
    rejected: int


@transaction.atomic
def cdc_report_import(*, content: bytes, by: User | None, flux: CdcFlux | None = None,
                      filename: str = "") -> CdcReportApplied:
    """Apply a processing report to the passages of its flux: accepted, or rejected with
    the Caisse des Dépôts' message and its code. The report's flux must be ``flux`` when
    one is given; every ``idTechnique`` must be a passage sent in that flux. Anything
    else refuses the whole report (``CdcReportError``) and changes nothing."""
    report = cdc_report_parse(content)
    found = (CdcFlux.objects.select_for_update().filter(id_flux=report.id_flux).first())
    if found is None:
        raise CdcReportError([_("No flux has the id %(id)s: this report answers a file that "
                                "was not built here.") % {"id": report.id_flux}])
    if flux is not None and found.pk != flux.pk:
        raise CdcReportError([_("This report answers the flux %(found)s, not %(expected)s: "
                                "upload it on that flux's page.")
                              % {"found": report.id_flux, "expected": flux.id_flux}])
    flux = found
    passages = {p.id_technique: p for p in CdcPassage.objects.select_for_update()
                .filter(id_technique__in=[line.id_technique for line in report.lines])}
    unknown = [line.id_technique for line in report.lines
               if line.id_technique not in passages
               or passages[line.id_technique].last_flux_id != flux.pk]
    if unknown:
        raise CdcReportError([_("These passages were not sent in the flux %(flux)s: "
                                "%(ids)s. Nothing was changed.")
                              % {"flux": flux.id_flux, "ids": ", ".join(unknown)}])
    now = timezone.now()
    accepted = rejected = 0
    for line in report.lines:
        passage = passages[line.id_technique]
        if passage.state == S.REVOKED_DECLARED:
            continue  # revoked since: the withdrawal on the portal stands
        if line.accepted:
            accepted += 1
            if passage.state != S.ACCEPTED:
                _move(passage, S.ACCEPTED, by=by, flux=flux, now=now, note=line.message)
            passage.reason_code = passage.reason_text = ""
        else:
            rejected += 1
            _move(passage, S.REJECTED, by=by, flux=flux, now=now, note=line.message)
            passage.reason_code = (line.code or reason_code_of(line.message))[:60]
            passage.reason_text = line.message
        passage.save(update_fields=["state", "updated_at", "reason_code", "reason_text"])
    flux.state = CdcFluxState.PROCESSED
    flux.processed_at = now
    flux.report = content
    flux.report_filename = (filename or report.filename)[:255]
    flux.report_processing_id = report.processing_id[:50]
    flux.save(update_fields=["state", "processed_at", "report", "report_filename",
                             "report_processing_id"])
    audit_log(actor=by, action="cdc_flux.report_imported", obj=flux,
              new={"id_flux": flux.id_flux, "accepted": accepted, "rejected": rejected,
                   "processing_id": report.processing_id})
    return CdcReportApplied(flux, accepted, rejected)


# -- corrections ---------------------------------------------------------------------------
def cdc_rejected_passages_of(*, candidate: Candidate) -> list[CdcPassage]:
    """The candidate's passages the Caisse des Dépôts rejected (one query)."""
    return list(CdcPassage.objects.filter(decision__enrolment__candidate=candidate,
                                          state=S.REJECTED))


@transaction.atomic
def cdc_passages_mark_corrected(*, passages: Iterable[CdcPassage], by: User | None,
                                note: str = "") -> int:
    """The rejected passages whose holder's identity was rectified: corrected, to be
    re-declared in the next flux."""
    count = 0
    for passage in passages:
        passage = CdcPassage.objects.select_for_update().get(pk=passage.pk)
        if passage.state != S.REJECTED:
            continue
        _move(passage, S.CORRECTED, by=by, note=note or "identity rectified")
        passage.save(update_fields=["state", "updated_at"])
        audit_log(actor=by, action="cdc_passage.corrected", obj=passage,
                  old={"state": S.REJECTED, "reason_code": passage.reason_code},
                  new={"state": S.CORRECTED},
                  context={"id_technique": passage.id_technique})
        count += 1
    return count
