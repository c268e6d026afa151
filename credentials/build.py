"""What an Open Badges 3.0 credential says (issue 19), from the same facts the PDF prints
(``reports.services.context.document_context``: the decisions and référentiel frozen at
signing), never from live rows.

- the **achievement** is the certification (a certificate) or the bloc (a bloc
  attestation): its RNCP code as ``humanCode``, its France Compétences fiche as ``id``
  and as an alignment, its level (national framework and EQF) and NSF codes, and each
  compétence it certifies as an alignment;
- the **holder** is identified by the SHA-256 of their e-mail address and a salt
  (``identifier``), never by name or address in clear;
- the **evidence** is the PDF document: its number and the public page verifying it;
- the **status** is one bit of a Bitstring Status List, set when the document is revoked.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openbadgeslib.ob3 import (
    Achievement,
    Evidence,
    IdentityObject,
    Issuer,
    OpenBadgeCredential,
    status_entry,
)

from reports.models import Document, DocumentKind
from reports.services.context import DeliberationShared, deliberation_shared, document_context

#: The kinds of document a credential accompanies.
CREDENTIAL_KINDS = (DocumentKind.CERTIFICATE, DocumentKind.BLOC_ATTESTATION)
FRAMEWORK = "Cadre national des certifications professionnelles"
RNCP_FICHE = "https://www.francecompetences.fr/recherche/rncp/{number}/"
LEVEL_FRAMEWORK_URL = "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000037964754"
EQF_URL = "https://europass.europa.eu/en/description-eight-eqf-levels"


def issuer_id() -> str:
    """The issuer's stable address: its profile (``credentials:issuer``)."""
    return settings.SITE_URL + reverse("credentials:issuer")


def status_list_url(number: int) -> str:
    return settings.SITE_URL + reverse("credentials:status_list", args=[number])


def rncp_fiche_url(code: str) -> str:
    number = code.upper().removeprefix("RNCP")
    return RNCP_FICHE.format(number=number) if number.isdigit() else ""


def _alignment(name: str, url: str, framework: str, code: str, target_type: str
               ) -> dict[str, Any]:
    alignment = {"type": ["Alignment"], "targetName": name[:500], "targetUrl": url,
                 "targetFramework": framework, "targetType": target_type}
    if code:
        alignment["targetCode"] = code
    return alignment


def _achievement(document: Document, context: dict) -> Achievement:
    certification = context["certification"]
    fiche = rncp_fiche_url(certification["code"])
    certification_id = f"urn:uuid:{document.session.referentiel.certification.public_id}"
    if document.kind == DocumentKind.BLOC_ATTESTATION:
        code, name = context["bloc"]["code"], context["bloc"]["title"]
        achievement_id = f"{fiche or certification_id}#{code or document.bloc_id}"
        achievement_type = "Certificate"
        description = _("Skills block %(code)s of the certification %(certification)s, "
                        "validated by the jury.") % {
            "code": code, "certification": certification["title"]}
    else:
        code, name = certification["code"], certification["title"]
        achievement_id = fiche or certification_id
        achievement_type = "Certification"
        description = _("Professional certification registered in the national register "
                        "(RNCP), awarded by the decision of the jury.")
    criteria = _("Assessed by the certifier's épreuves against the référentiel's criteria "
                 "and validated by a jury's deliberation, signed on %(date)s.") % {
        "date": date_format(context["document"]["decided_on"], "j F Y")}
    return Achievement(id=achievement_id, name=name, description=description,
                       criteria_narrative=criteria, achievement_type=achievement_type,
                       tags=[t for t in dict.fromkeys((certification["code"], code)) if t])


def _extend_achievement(payload: dict[str, Any], document: Document, context: dict,
                        shared: DeliberationShared) -> None:
    """Open Badges 3.0 members the library's model does not carry: ``humanCode``,
    ``fieldOfStudy``, ``inLanguage``, ``creator`` and the alignments with their
    ``targetType`` — the RNCP fiche, the level on the national framework and the EQF (an
    ``ext:`` type, as the specification allows), and each compétence certified."""
    certification = context["certification"]
    achievement = payload["credentialSubject"]["achievement"]
    bloc_kind = document.kind == DocumentKind.BLOC_ATTESTATION
    code = context["bloc"]["code"] if bloc_kind else certification["code"]
    if code:
        achievement["humanCode"] = code
    if certification["nsf_codes"]:
        achievement["fieldOfStudy"] = ", ".join(f"NSF {c}" for c in certification["nsf_codes"])
    achievement["inLanguage"] = document.language
    achievement["creator"] = payload["issuer"]
    fiche = rncp_fiche_url(certification["code"])
    framework = certification["code"] or certification["title"]
    alignments = []
    if fiche:
        alignments.append(_alignment(certification["title"], fiche, "RNCP",
                                     certification["code"], "ceterms:Credential"))
    if certification["level"]:
        alignments.append(_alignment(
            f"Niveau {certification['level']}", LEVEL_FRAMEWORK_URL, FRAMEWORK,
            str(certification["level"]), "ext:QualificationLevel"))
    if certification["eqf_level"]:
        alignments.append(_alignment(
            f"EQF {certification['eqf_level']}", EQF_URL, "European Qualifications Framework",
            str(certification["eqf_level"]), "ext:QualificationLevel"))
    blocs = [shared.blocs.get(document.bloc_id, {})] if bloc_kind else shared.blocs.values()
    for bloc in blocs:
        for competence in bloc.get("competences", []):
            if competence.get("title"):
                alignments.append(_alignment(competence["title"], fiche or achievement["id"],
                                             framework, competence.get("code", ""),
                                             "ceasn:Competency"))
    achievement["alignment"] = alignments


def _identity(document: Document, context: dict, salt: str) -> IdentityObject:
    email = (document.enrolment.candidate.email or "").strip().lower()
    if email:
        return IdentityObject.create(email, salt=salt)
    return IdentityObject.create(context["holder"]["printed_name"].strip().lower(),
                                 salt=salt, identity_type="name")


def credential_payload(*, document: Document, credential_id: str, status_list: int,
                       status_index: int, salt: str | None = None,
                       shared: DeliberationShared | None = None) -> dict[str, Any]:
    """The JWT payload of the document's OpenBadgeCredential (OB 3.0 §8.2: the credential
    itself, with ``iss``, ``jti``, ``nbf``), in the document's language."""
    if document.kind not in CREDENTIAL_KINDS or document.enrolment_id is None:
        raise ValueError(f"no credential for a {document.kind}")
    shared = shared or deliberation_shared(document.deliberation)
    issued_at = document.issued_at or timezone.now()
    with translation.override(document.language):
        context = document_context(document=document, shared=shared,
                                   issued_on=timezone.localdate(issued_at))
        achievement = _achievement(document, context)
        verify_url = settings.SITE_URL + reverse("reports:verify",
                                                 args=[document.verification_code])
        evidence = Evidence(
            id=verify_url,
            name=_("%(kind)s no. %(number)s") % {
                "kind": str(document.get_kind_display()).capitalize(),
                "number": document.number},
            description=_("The sealed PDF document this credential accompanies, and the "
                          "public page that verifies it."),
            genre="ext:SealedPdf")
        credential = OpenBadgeCredential(
            issuer=Issuer(id=issuer_id(), name=document.certifier, url=settings.SITE_URL),
            recipient_id=None, achievement=achievement, id=credential_id,
            name=achievement.name,
            issuance_date=issued_at.astimezone(datetime.UTC).replace(microsecond=0),
            evidence=[evidence],
            credential_status=[status_entry(status_list_url(status_list), "revocation",
                                            status_index)],
            identifiers=[_identity(document, context, salt or secrets.token_hex(16))])
        payload = credential.to_jwt_payload()
        _extend_achievement(payload, document, context, shared)
        decided_on = context["document"]["decided_on"]
        payload["awardedDate"] = datetime.datetime.combine(
            decided_on, datetime.time(12), tzinfo=datetime.UTC).isoformat().replace(
            "+00:00", "Z")
    return payload
