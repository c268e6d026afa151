"""What the PDF templates receive, from the facts frozen at signing, and the check of
the mandatory mentions (DESIGN.md §6).

The context given to ``reports.documents.render_pdf(kind, context, language=…)`` — the
PDF templates rely on exactly these keys:

- ``document``: ``kind``, ``number``, ``verification_code``, ``verification_url``,
  ``issued_on`` (date), ``decided_on`` (the signing date), ``place``, ``language``;
- ``certifier``: ``name``, ``siret``, ``logo`` and ``signature`` (``data:`` URIs or "");
- ``certification``: ``code``, ``title``, ``level``, ``eqf_level``, ``nsf_codes``,
  ``registration_date``, ``registration_end_date``;
- ``holder``: ``printed_name``, ``birth_name``, ``usage_name``, ``first_names``, ``sex``,
  ``birth_date``, ``birth_place`` (empty for the minutes);
- ``session``: ``name``, ``starts_on``, ``ends_on``;
- ``signatory``: ``name``, ``quality``, ``image`` (the certifier's legal representative;
  the president of the jury for the minutes);
- ``blocs`` (transcript): ``[{"code", "title", "status", "status_label", "acquired",
  "competences": [{"code", "title", "level", "level_label"}]}]``;
- ``bloc`` (bloc attestation): ``{"code", "title"}``;
- ``outcome``, ``outcome_label``, ``absent`` (the candidate's decision);
- ``minutes`` (minutes): members present, the composition as recorded, each
  candidate's decision, ``signed_at``, ``signed_by``.

Everything comes from the signed decisions, never from raw scores.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from candidates.facts import day, document_gaps, printed_name
from candidates.facts import holder_facts as holder_facts_live
from candidates.models import AcquisitionOrigin
from certifications.models import Bloc, Certifier
from certifications.selectors import scale_levels
from deliberations.models import (
    BlocDecisionStatus,
    CandidateDecision,
    CandidateOutcome,
    Deliberation,
)
from juries.models import Quality
from reports.models import Document, DocumentKind
from reports.selectors import deliberation_facts, issuing_closed_on


class MissingMentionsError(ValidationError):
    """A mandatory mention (DESIGN.md §6) is missing: the document is not issued."""


def verification_url(code: str) -> str:
    return settings.SITE_URL + reverse("reports:verify", args=[code])


def _image_uri(field: FieldFile | None) -> str:
    """A stored image as a ``data:`` URI (the renderer fetches nothing else)."""
    if not field:
        return ""
    try:
        with field.open("rb") as handle:
            data = handle.read(2 * 1024 * 1024)
    except OSError:
        return ""
    kind = "png" if data.startswith(b"\x89PNG") else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


@dataclass(frozen=True)
class DeliberationShared:
    """What every document of one signed deliberation shares: the facts frozen at
    signing, the certifier with its images, whether certificates are past the last
    issuing date without an override, the blocs and the scale's labels. Read once per
    deliberation by a batch (``deliberation_shared``), not once per document."""

    facts: dict
    certifier: dict
    certificates_closed_on: datetime.date | None
    blocs: dict[int, dict]
    labels: dict[int, str]


def deliberation_shared(deliberation: Deliberation) -> DeliberationShared:
    facts = deliberation_facts(deliberation)
    return DeliberationShared(facts=facts, certifier=_certifier(facts),
                              certificates_closed_on=issuing_closed_on(deliberation, facts),
                              blocs=_referentiel_blocs(facts, deliberation),
                              labels=_scale_labels(facts, deliberation))


def _certifier(facts: dict) -> dict:
    certifier = facts["certification"]["certifier"]
    profile = (Certifier.objects.filter(public_id=certifier["profile"]).first()
               if certifier.get("profile") else None)
    return {"name": certifier["legal_name"], "siret": certifier.get("siret", ""),
            "logo": _image_uri(profile.logo if profile else None),
            "signature": _image_uri(profile.signature if profile else None),
            "representative_name": certifier.get("representative_name", ""),
            "representative_quality": certifier.get("representative_quality", "")}


def _certification(facts: dict) -> dict:
    certification = facts["certification"]
    return {
        "code": certification.get("code", ""), "title": certification.get("title", ""),
        "level": certification.get("level"), "eqf_level": certification.get("eqf_level"),
        "nsf_codes": list(certification.get("nsf_codes") or []),
        "registration_date": day(certification.get("registration_date")),
        "registration_end_date": day(certification.get("registration_end_date")),
    }


def _decided_on(deliberation: Deliberation) -> datetime.date:
    """The decision date: the day the deliberation was signed (DESIGN.md §6)."""
    return timezone.localdate(deliberation.signed_at)


def document_context(*, document: Document, issued_on: datetime.date,
                     shared: DeliberationShared | None = None) -> dict:
    """What ``render_pdf`` receives (keys in the module docstring), from the facts frozen
    at signing (``shared``: read once for the deliberation by a batch). Raises
    ``MissingMentionsError`` when a mandatory mention is missing, or for a certificate
    decided after the last issuing date without an override."""
    deliberation = document.deliberation
    shared = shared or deliberation_shared(deliberation)
    facts = shared.facts
    session = facts.get("session", {})
    holder_facts = None
    if document.enrolment_id is not None:
        key = str(document.enrolment.candidate.public_id)
        holder_facts = (facts.get("holders", {}).get(key)
                        or holder_facts_live(document.enrolment.candidate))
    _check(document, shared, holder_facts)
    certifier = shared.certifier
    signatory = {"name": certifier["representative_name"],
                 "quality": certifier["representative_quality"],
                 "image": certifier["signature"]}
    if document.kind == DocumentKind.MINUTES:
        president = next((m for m in facts.get("members_present", []) if m.get("president")),
                         None)
        signatory = {"name": president["name"] if president else "",
                     "quality": _("President of the jury"), "image": ""}
    context: dict = {
        "document": {
            "kind": document.kind, "number": document.number,
            "verification_code": document.verification_code,
            "verification_url": verification_url(document.verification_code),
            "issued_on": issued_on, "place": session.get("place") or document.session.place,
            "language": document.language, "decided_on": _decided_on(deliberation),
        },
        "certifier": certifier,
        "certification": _certification(facts),
        "holder": _holder(holder_facts),
        "session": {"name": session.get("name") or document.session.name,
                    "starts_on": day(session.get("starts_on")) or document.session.starts_on,
                    "ends_on": day(session.get("ends_on")) or document.session.ends_on},
        "signatory": signatory,
        "blocs": [], "bloc": {}, "outcome": "", "outcome_label": "", "minutes": {},
    }
    if document.kind == DocumentKind.MINUTES:
        context["minutes"] = _minutes(deliberation, facts)
        return context
    decisions = CandidateDecision.objects.filter(
        deliberation=deliberation, enrolment=document.enrolment).select_related(
        "enrolment__candidate")
    if document.kind == DocumentKind.TRANSCRIPT:  # only the transcript lists every level
        decisions = decisions.prefetch_related("blocs", "competences")
    decision = decisions.get()
    context["outcome"] = decision.outcome
    context["outcome_label"] = CandidateOutcome(decision.outcome).label
    context["absent"] = decision.outcome in (CandidateOutcome.ABSENT, CandidateOutcome.EXCUSED)
    if document.bloc is not None:
        bloc = shared.blocs.get(document.bloc_id, {})
        context["bloc"] = {"code": bloc.get("code", document.bloc.code),
                           "title": bloc.get("title", document.bloc.title)}
    if document.kind == DocumentKind.TRANSCRIPT:
        context["blocs"] = _transcript_blocs(decision, shared)
    return context


def _check(document: Document, shared: DeliberationShared, holder: dict | None) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        gaps = document_gaps(document.kind, shared.facts["certification"], holder)
        if gaps:
            raise MissingMentionsError(
                _("Missing mandatory mentions: %(gaps)s.")
                % {"gaps": "; ".join(str(gap) for gap in gaps)}, code="mentions")
        closed = shared.certificates_closed_on
        if document.kind == DocumentKind.CERTIFICATE and closed:
            raise MissingMentionsError(
                _("The certification could be awarded until %(date)s only: a certificate "
                  "decided later needs the certifier's explicit override, with a reason, "
                  "on the session's documents page.")
                % {"date": date_format(closed, "j F Y")}, code="issuing_closed")


def _holder(facts: dict | None) -> dict:
    if facts is None:
        return {"printed_name": "", "birth_name": "", "usage_name": "", "first_names": "",
                "sex": "", "birth_date": None, "birth_place": ""}
    return {"printed_name": printed_name(facts), "birth_name": facts.get("birth_name", ""),
            "sex": facts.get("sex", ""),
            "usage_name": facts.get("usage_name", ""),
            "first_names": facts.get("first_names", ""),
            "birth_date": day(facts.get("birth_date")),
            "birth_place": facts.get("birth_place", "")}


def _referentiel_blocs(facts: dict, deliberation: Deliberation) -> dict[int, dict]:
    """The blocs and their compétences as frozen at signing (live for a deliberation
    signed before the facts were frozen)."""
    frozen = facts.get("referentiel")
    if frozen:
        blocs = {b["id"]: {**b, "competences": []} for b in frozen["blocs"]}
        for competence in frozen["competences"]:
            blocs[competence["bloc"]]["competences"].append(competence)
        return blocs
    referentiel = deliberation.session.referentiel
    return {b.pk: {"id": b.pk, "code": b.code, "title": b.title,
                   "competences": [{"id": c.pk, "code": c.code, "title": c.title}
                                   for c in sorted(b.competences.all(),
                                                   key=lambda c: (c.position, c.pk))]}
            for b in Bloc.objects.filter(referentiel=referentiel)
            .prefetch_related("competences").order_by("position", "pk")}


def _scale_labels(facts: dict, deliberation: Deliberation) -> dict[int, str]:
    frozen = facts.get("referentiel", {}).get("scale")
    if frozen:
        return {int(number): label for number, label in frozen.items()}
    referentiel = deliberation.session.referentiel
    return {level.number: level.label for level in scale_levels(referentiel=referentiel)}


def _acquired_before(decision: CandidateDecision, facts: dict
                     ) -> dict[int, tuple[str, datetime.date]]:
    """The candidate's blocs acquired before the session (bloc id → origin, date), as the
    deliberation recorded them at signing (live for one signed before that was kept)."""
    candidate = str(decision.enrolment.candidate.public_id)
    frozen = next((d for d in facts.get("decisions", []) if d["candidate"] == candidate), None)
    if frozen is not None and "acquired" in frozen:
        return {a["bloc"]: (a["origin"], day(a["acquired_on"])) for a in frozen["acquired"]}
    return {a.bloc_id: (a.origin, a.acquired_on) for a in decision.enrolment.acquired_blocs.all()}


def _transcript_blocs(decision: CandidateDecision, shared: DeliberationShared) -> list[dict]:
    labels = shared.labels
    finals: dict[int, int | None] = {c.competence_id: c.final_level
                                     for c in decision.competences.all()}
    statuses = {b.bloc_id: b for b in decision.blocs.all()}
    acquired = _acquired_before(decision, shared.facts)
    rows = []
    for bloc in shared.blocs.values():
        status = statuses.get(bloc["id"])
        before = acquired.get(bloc["id"])
        if before is not None:
            status_label = _("Acquired before (%(origin)s, %(date)s)") % {
                "origin": AcquisitionOrigin(before[0]).label,
                "date": date_format(before[1], "j F Y")}
        else:
            status_label = BlocDecisionStatus(status.status).label if status else _("not assessed")
        rows.append({
            "code": bloc["code"], "title": bloc["title"],
            "status": ("acquired_before" if before is not None
                       else status.status if status else ""),
            "status_label": status_label,
            "acquired": before is not None,
            "competences": [
                {"code": c["code"], "title": c["title"], "level": finals.get(c["id"]),
                 "level_label": labels.get(finals.get(c["id"]) or 0, "")}
                for c in bloc["competences"]
            ],
        })
    return rows


def _minutes(deliberation: Deliberation, facts: dict) -> dict:
    """The procès-verbal: members present with their quality in words, the composition
    check as recorded at signing, and every candidate's decision."""
    composition = facts.get("composition", {})
    members = [{**m, "quality_label": Quality(m["quality"]).label if m.get("quality") in
                Quality.values else m.get("quality", "")}
               for m in facts.get("members_present", [])]
    codes = {b["id"]: b["code"] for b in facts.get("referentiel", {}).get("blocs", [])}
    rows = []
    for decision in facts.get("decisions", []):
        holder = facts.get("holders", {}).get(decision["candidate"])
        blocs = decision.get("blocs", [])
        rows.append({
            "holder": printed_name(holder) if holder else decision.get("name", ""),
            "outcome_label": CandidateOutcome(decision["outcome"]).label,
            "validated": [b["code"] or codes.get(b.get("id"), "") for b in blocs
                          if b["status"] == BlocDecisionStatus.VALIDATED],
            "acquired": [a["code"] for a in decision.get("acquired", [])],
            "rattrapage": [b["code"] for b in blocs
                           if b["status"] == BlocDecisionStatus.RATTRAPAGE],
        })
    share = composition.get("external_professional_share")
    return {
        "members_present": members,
        "present": composition.get("present", len(members)),
        "quorum": composition.get("quorum_min_members"),
        "external_professionals": composition.get(
            "external_professionals", sum(1 for m in members if m.get("external_professional"))),
        "external_share_required": round(100 * float(share)) if share else None,
        "women": composition.get("women", sum(1 for m in members if m.get("sex") == "F")),
        "men": composition.get("men", sum(1 for m in members if m.get("sex") == "M")),
        "regular": not composition.get("errors"),
        "warnings": composition.get("warnings", []),
        "decisions": rows,
        "signed_at": deliberation.signed_at,
        "signed_by": facts.get("signature", {}).get("by", ""),
        "president_sex": next((m.get("sex", "") for m in members if m.get("president")), ""),
    }
