"""What the documents of a signed deliberation state, as plain JSON-ready values, and the
check of DESIGN.md §6's mandatory mentions on them.

The deliberation freezes these facts when it is signed (``juries``): the certification as
registered, the certifier and its legal representative, the scale's labels, the
requirements, each holder's identity as printed. Documents, the verification page and
the Caisse des Dépôts export read the frozen facts, so an import, an edit or a rename
after the signature does not change what a signed document says. A fact the snapshot
left empty may be completed later from the live data (``facts_completed``): a
certification's missing registration date is filled in, not rewritten.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from candidates.models import Candidate
from certifications.models import Certification, Certifier

Facts = dict[str, Any]

#: Certification facts a later completion may fill when the snapshot left them empty.
COMPLETABLE = ("level", "eqf_level", "nsf_codes", "registration_date",
               "registration_end_date", "last_issuing_date")
CERTIFIER_COMPLETABLE = ("siret", "representative_name", "representative_quality")


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def day(value: str | None) -> datetime.date | None:
    """A date the facts hold as ISO text, back as a date (None when empty)."""
    return datetime.date.fromisoformat(value) if value else None


def certifier_facts(certification: Certification,
                    certifiers: dict[str, Certifier] | None = None) -> Facts:
    name = certification.certifier_legal_name
    if certifiers is None:
        certifier = Certifier.objects.filter(legal_name=name).first()
    else:
        certifier = certifiers.get(name)
    return {
        "legal_name": name,
        "siret": (certifier.siret if certifier and certifier.siret
                  else certification.certifier_siret),
        "representative_name": certifier.representative_name if certifier else "",
        "representative_quality": certifier.representative_quality if certifier else "",
        "profile": str(certifier.public_id) if certifier else "",
    }


def certification_facts(certification: Certification) -> Facts:
    return {
        "id": str(certification.public_id),
        "code": certification.code, "title": certification.title,
        "level": certification.level, "eqf_level": certification.eqf_level,
        "nsf_codes": list(certification.nsf_codes or []),
        "registration_date": _iso(certification.registration_date),
        "registration_end_date": _iso(certification.registration_end_date),
        "last_issuing_date": _iso(certification.last_issuing_date),
        "certifier": certifier_facts(certification),
    }


def facts_completed(frozen: Facts, certification: Certification) -> Facts:
    """The frozen certification facts, with what they left empty filled from the live
    certification and certifier (nothing they stated is replaced)."""
    live = certification_facts(certification)
    done = {**frozen}
    for key in COMPLETABLE:
        if not done.get(key):
            done[key] = live[key]
    certifier = {**live["certifier"], **{k: v for k, v in frozen.get("certifier", {}).items()
                                          if v}}
    if not frozen.get("certifier", {}).get("legal_name"):
        certifier["legal_name"] = live["certifier"]["legal_name"]
    for key in CERTIFIER_COMPLETABLE:
        certifier[key] = frozen.get("certifier", {}).get(key) or live["certifier"][key]
    done["certifier"] = certifier
    return done


def birth_place(candidate: Candidate) -> str:
    """As printed: the commune, with the country for someone born abroad."""
    place = candidate.birth_commune
    if candidate.birth_country:
        place = f"{place} ({candidate.birth_country})" if place else candidate.birth_country
    return place


def holder_facts(candidate: Candidate) -> Facts:
    return {
        "id": str(candidate.public_id),
        "birth_name": candidate.birth_name.upper(),
        "usage_name": candidate.usage_name.upper(),
        "first_names": " ".join(candidate.first_names.split()),
        "sex": candidate.sex,
        "birth_date": _iso(candidate.birth_date),
        "birth_commune": candidate.birth_commune,
        "birth_insee_code": candidate.birth_insee_code,
        "birth_country": candidate.birth_country,
        "birth_place": birth_place(candidate),
    }


def printed_name(holder: Facts) -> str:
    """The holder's name as the law prints it: birth name, then the usage name when there
    is one (« épouse », « nom d'usage »), then the first names — once."""
    name = holder.get("birth_name", "")
    usage = holder.get("usage_name", "")
    if usage and usage != name:
        name = f"{name} ({_('usage name')} {usage})"
    return f"{name} {holder.get('first_names', '')}".strip()


# -- mandatory mentions (DESIGN.md §6) -------------------------------------------------------
@dataclass(frozen=True)
class Gap:
    """A mandatory mention missing from a document, and where to fill it in."""

    mention: str | Promise
    where: str | Promise

    def __str__(self) -> str:
        return f"{self.mention} ({self.where})"


WHERE_CERTIFICATION = _("the certification's legal mentions, page Frameworks")
WHERE_CERTIFIER = _("the certifier's page, Frameworks → Certifiers")
WHERE_CANDIDATE = _("the candidate's identity, on the session's page")

#: Kinds a holder receives, signed by the certifier's legal representative.
HOLDER_KINDS = frozenset({"transcript", "bloc_attestation", "certificate"})
#: Kinds that state the RNCP registration and the NSF codes.
REGISTRATION_KINDS = frozenset({"bloc_attestation", "certificate"})


def certification_gaps(kind: str, certification: Facts) -> list[Gap]:
    gaps: list[Gap] = []
    certifier = certification.get("certifier", {})

    def need(value: object, mention: str | Promise, where: str | Promise) -> None:
        if not value:
            gaps.append(Gap(mention, where))

    need(certifier.get("legal_name"), _("certifier's legal name"), WHERE_CERTIFICATION)
    need(certification.get("code"), _("RNCP code"), WHERE_CERTIFICATION)
    need(certification.get("title"), _("registered title"), WHERE_CERTIFICATION)
    need(certification.get("level"), _("qualification level"), WHERE_CERTIFICATION)
    need(certification.get("eqf_level"), _("EQF level"), WHERE_CERTIFICATION)
    if kind in REGISTRATION_KINDS:
        need(certification.get("registration_date"), _("date of the RNCP registration decision"),
             WHERE_CERTIFICATION)
        need(certification.get("nsf_codes"), _("NSF codes"), WHERE_CERTIFICATION)
    if kind in HOLDER_KINDS:
        need(certifier.get("representative_name"), _("name of the signatory"),
             WHERE_CERTIFIER)
        need(certifier.get("representative_quality"), _("quality of the signatory"),
             WHERE_CERTIFIER)
    return gaps


def holder_gaps(holder: Facts) -> list[Gap]:
    gaps: list[Gap] = []
    if not holder.get("birth_name"):
        gaps.append(Gap(_("holder's birth name"), WHERE_CANDIDATE))
    if not holder.get("first_names"):
        gaps.append(Gap(_("holder's first names"), WHERE_CANDIDATE))
    if not holder.get("birth_date"):
        gaps.append(Gap(_("holder's birth date"), WHERE_CANDIDATE))
    if not holder.get("birth_place"):
        gaps.append(Gap(_("holder's birth place"), WHERE_CANDIDATE))
    return gaps


def document_gaps(kind: str, certification: Facts, holder: Facts | None) -> list[Gap]:
    """Every mandatory mention the document of ``kind`` would lack; empty: it may be
    issued."""
    gaps = certification_gaps(kind, certification)
    if kind in HOLDER_KINDS and holder is not None:
        gaps += holder_gaps(holder)
    return gaps


def issuing_closed(certification: Facts, decided_on: datetime.date) -> datetime.date | None:
    """The date after which no certificate is issued without an override (the last
    issuing date, else the end of registration) when ``decided_on`` is past it."""
    last = day(certification.get("last_issuing_date")) or day(
        certification.get("registration_end_date"))
    return last if last and decided_on > last else None
