"""Verifying a credential pasted or uploaded by anyone (issue 19): is it one of ours,
signed by one of our keys, unaltered, still valid — and, when asked, is it the holder's
with this e-mail address. The cryptography is openbadgeslib's (``OB3Verifier``: the
algorithm pinned to the key's type, the signature, the structure, the validity window);
the key is looked up among the keys this issuer published, never taken from the token."""

from __future__ import annotations

import datetime
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openbadgeslib.ob3 import IdentityObject, OB3VerificationError, OB3Verifier

from credentials.build import issuer_id, status_list_url
from credentials.keys import jwk_thumbprint
from credentials.models import Credential, IssuerKey
from credentials.services import ENVELOPED_PREFIX, status_bit_set
from reports.models import DocumentStatus

COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
MAX_CREDENTIAL_CHARS = 256_000


class Verdict:
    VALID = "valid"  # ours, intact, its document valid
    REVOKED = "revoked"  # ours, intact, its document revoked
    INVALID = "invalid"  # altered, expired, or signed with a withdrawn key
    FOREIGN = "foreign"  # not signed by any key of ours
    UNREADABLE = "unreadable"  # not a credential


@dataclass
class CredentialCheck:
    verdict: str
    lines: list[str] = field(default_factory=list)
    achievement: str = ""
    achievement_code: str = ""
    issuer_name: str = ""
    valid_from: datetime.datetime | None = None
    key_id: str = ""
    credential_id: str = ""
    document_number: str = ""
    verification_url: str = ""
    revoked_reason: str = ""
    holder_matches: bool | None = None  # None: no address given

    @property
    def authentic(self) -> bool:
        return self.verdict == Verdict.VALID

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "authentic": self.authentic,
                "achievement": self.achievement, "achievement_code": self.achievement_code,
                "issuer": self.issuer_name,
                "valid_from": self.valid_from.isoformat() if self.valid_from else None,
                "key_id": self.key_id, "credential_id": self.credential_id,
                "document_number": self.document_number,
                "verification_url": self.verification_url,
                "revocation_reason": self.revoked_reason,
                "holder_matches": self.holder_matches, "sentences": self.lines}


def token_from_text(text: str) -> str | None:
    """The compact VC-JWT in what was pasted: the token itself, the enveloped JSON the
    holder downloads, or a JSON object carrying it under ``credential``."""
    text = text.strip()
    if COMPACT_JWS.match(text):
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("credential"), str):
        return token_from_text(data["credential"])
    if isinstance(data, dict) and isinstance(data.get("id"), str) \
            and data["id"].startswith(ENVELOPED_PREFIX):
        token = data["id"].removeprefix(ENVELOPED_PREFIX)
        return token if COMPACT_JWS.match(token) else None
    return None


def _day(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y")


def _key_of(header: dict[str, Any]) -> IssuerKey | None:
    """The published key the header names (its ``kid`` address or its ``jwk``), both
    agreeing when both are given."""
    kids = set()
    kid = header.get("kid")
    if isinstance(kid, str) and kid:
        kids.add(kid.rstrip("/").rsplit("/", 1)[-1].removesuffix(".json"))
    jwk = header.get("jwk")
    if isinstance(jwk, dict):
        try:
            kids.add(jwk_thumbprint(jwk))
        except ValueError:
            return None
    if len(kids) != 1:
        return None
    return IssuerKey.objects.filter(kid=kids.pop()).first()


def credential_check(text: str, *, email: str = "") -> CredentialCheck:
    token = token_from_text(text[:MAX_CREDENTIAL_CHARS])
    if token is None:
        return CredentialCheck(Verdict.UNREADABLE, [_(
            "This is not a digital credential we can read: paste the credential as "
            "downloaded (a JSON file or a text starting with “ey”).")])
    try:
        header = jwt.get_unverified_header(token)
        claimed = jwt.decode(token, options={"verify_signature": False})
    except jwt.exceptions.PyJWTError:
        return CredentialCheck(Verdict.UNREADABLE, [_(
            "This is not a digital credential we can read: its text is damaged or "
            "incomplete.")])
    key = _key_of(header)
    if key is None:
        return CredentialCheck(Verdict.FOREIGN, [_(
            "This credential was not signed with any key of this certifier: we cannot "
            "vouch for it. If it claims to be ours, it is a forgery or it was altered.")])
    check = CredentialCheck(Verdict.INVALID, key_id=key.kid)
    try:
        credential = OB3Verifier(pubkey_pem=key.public_pem).verify(token)
    except OB3VerificationError as error:
        reason = str(error).lower()
        if "expired" in reason:
            check.lines.append(_("This credential has expired."))
        else:
            check.lines.append(_("The signature does not match the content: this "
                                 "credential was altered after it was issued, do not rely "
                                 "on it."))
        return check
    if credential.issuer.id != issuer_id():
        check.lines.append(_("The credential names another issuer than this certifier: "
                             "do not rely on it."))
        return check
    check.achievement = credential.achievement.name
    check.achievement_code = str(claimed.get("credentialSubject", {}).get(
        "achievement", {}).get("humanCode", ""))
    check.issuer_name = credential.issuer.name
    check.valid_from = credential.issuance_date
    check.credential_id = credential.id or ""
    check.lines.append(_("The signature is intact: %(issuer)s issued this credential on "
                         "%(date)s, and nothing in it was changed since.") % {
        "issuer": credential.issuer.name, "date": _day(credential.issuance_date)})
    check.lines.append(
        _("It states: %(achievement)s (%(code)s).") % {"achievement": check.achievement,
                                                        "code": check.achievement_code}
        if check.achievement_code else
        _("It states: %(achievement)s.") % {"achievement": check.achievement})
    if key.retired_at is not None:
        check.lines.append(_("But the key that signed it was withdrawn by the certifier on "
                             "%(date)s: do not rely on it, ask the certifier.") % {
            "date": _day(key.retired_at)})
        return check
    record = _record(credential.id)
    if record is None:
        check.lines.append(_("It is not in our register: do not rely on it."))
        return check
    document = record.document
    check.document_number = document.number
    check.verification_url = reverse("reports:verify", args=[document.verification_code])
    revoked = _status_bit_set(claimed, record)
    if revoked or document.status == DocumentStatus.REVOKED:
        check.verdict = Verdict.REVOKED
        check.revoked_reason = document.public_reason
        check.lines.append(_("The certifier revoked it: it is no longer valid. %(reason)s")
                           % {"reason": document.public_reason})
    else:
        check.verdict = Verdict.VALID
        check.lines.append(_("It accompanies document no. %(number)s of our register, which "
                             "is valid.") % {"number": document.number})
    if email:
        check.holder_matches = holder_matches(claimed, email)
        check.lines.append(
            _("It was issued to the holder of the address %(email)s.") % {"email": email}
            if check.holder_matches else
            _("It was not issued to the holder of the address %(email)s.") % {"email": email})
    return check


def _record(credential_id: str | None) -> Credential | None:
    try:
        public_id = uuid.UUID((credential_id or "").removeprefix("urn:uuid:"))
    except ValueError:
        return None
    return (Credential.objects.select_related("document").filter(public_id=public_id)
            .first())


def _status_bit_set(claimed: dict[str, Any], record: Credential) -> bool:
    """The credential's bit in our status list, read the way any verifier reads it: the
    list the credential names, at the index it names."""
    entries = claimed.get("credentialStatus") or []
    entries = entries if isinstance(entries, list) else [entries]
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if entry.get("statusListCredential") != status_list_url(record.status_list):
            continue
        try:
            index = int(entry.get("statusListIndex", -1))
        except (TypeError, ValueError):
            continue
        if status_bit_set(status_list=record.status_list, index=index):
            return True
    return False


def holder_matches(claimed: dict[str, Any], email: str) -> bool:
    identifiers = claimed.get("credentialSubject", {}).get("identifier") or []
    for item in identifiers if isinstance(identifiers, list) else [identifiers]:
        if not isinstance(item, dict) or item.get("identityType") != "emailAddress":
            continue
        expected = IdentityObject.create(email.strip().lower(), salt=item.get("salt") or "")
        if expected.identity_hash == item.get("identityHash"):
            return True
    return False
