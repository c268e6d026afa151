"""Issuing credentials and publishing their status (issue 19). The rules live here; the
views and the receiver call them."""

from __future__ import annotations

import datetime
import logging
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

import jwt
from django.db import IntegrityError, transaction
from django.utils import timezone
from openbadgeslib.ob3 import build_status_list_credential

from accounts.models import User
from accounts.services import audit_log
from credentials.build import CREDENTIAL_KINDS, credential_payload, issuer_id, status_list_url
from credentials.keys import (
    CredentialKeyError,
    SigningKey,
    credentials_configured,
    key_url,
    signing_key,
)
from credentials.models import Credential, IssuerKey
from reports.models import Document, DocumentStatus
from reports.services.context import DeliberationShared, deliberation_shared

logger = logging.getLogger(__name__)

#: Bits per status list: the W3C minimum (16 KiB), so a list hides who is revoked in a
#: crowd of 131,072.
STATUS_LIST_BITS = 131_072
ENVELOPED_PREFIX = "data:application/vc+jwt,"


def sign(payload: dict[str, Any], key: SigningKey) -> str:
    """A compact JWS (VC-JWT) whose header names the key twice: ``kid``, the address the
    public key is published at, and ``jwk``, the key itself (OB 3.0 §8.2.3)."""
    public = {k: v for k, v in key.public_jwk.items() if k not in ("use",)}
    return jwt.encode(payload, key.private_key, algorithm=key.algorithm,
                      headers={"kid": key_url(key.kid), "jwk": public, "typ": "JWT"})


def issuer_key_record(key: SigningKey) -> IssuerKey:
    """The public half of the signing key, recorded the first time it signs."""
    record, _created = IssuerKey.objects.get_or_create(
        kid=key.kid, defaults={"algorithm": key.algorithm, "public_jwk": key.public_jwk,
                               "public_pem": key.public_pem})
    return record


def _free_bit() -> tuple[int, int]:
    """A random bit of the last list (the next list once half of it is drawn); a bit
    drawn twice is refused by the unique constraint and drawn again."""
    status_list = (Credential.objects.order_by("-status_list").values_list(
        "status_list", flat=True).first() or 1)
    if Credential.objects.filter(status_list=status_list).count() >= STATUS_LIST_BITS // 2:
        status_list += 1
    return status_list, secrets.randbelow(STATUS_LIST_BITS)


def credential_issue(*, document: Document, shared: DeliberationShared | None = None,
                     signer: tuple[SigningKey, IssuerKey] | None = None) -> Credential | None:
    """The document's credential, signed once (idempotent: an existing one is returned).
    None for a document that carries none (kind, not issued, no key configured).
    ``CredentialKeyError`` when the configured key cannot be used. ``signer``: the key and
    its record, read once by a batch."""
    existing = Credential.objects.filter(document=document).first()
    if existing is not None:
        return existing
    if (not credentials_configured() or document.kind not in CREDENTIAL_KINDS
            or document.status != DocumentStatus.ISSUED):
        return None
    if signer is None:
        key = signing_key()
        signer = (key, issuer_key_record(key))
    key, record = signer
    shared = shared or deliberation_shared(document.deliberation)
    for _attempt in range(8):  # a bit already drawn: draw again
        public_id = uuid.uuid4()
        status_list, status_index = _free_bit()
        payload = credential_payload(document=document, credential_id=f"urn:uuid:{public_id}",
                                     status_list=status_list, status_index=status_index,
                                     shared=shared)
        try:
            with transaction.atomic():
                credential = Credential.objects.create(
                    public_id=public_id, document=document, key=record,
                    status_list=status_list, status_index=status_index,
                    token=sign(payload, key))
        except IntegrityError:
            existing = Credential.objects.filter(document=document).first()
            if existing is not None:
                return existing
            continue
        audit_log(actor=None, action="credential.issued", obj=document,
                  new={"credential": credential.urn, "key": record.kid},
                  context={"document": str(document.public_id)})
        return credential
    raise RuntimeError("no free status bit after eight draws")


def credentials_issue(*, document_ids: Sequence[int]) -> list[Credential]:
    """The credentials of the issued documents among ``document_ids`` (a rendering task's
    batch); a document whose credential fails is logged, the others go on."""
    if not credentials_configured():
        return []
    documents = (Document.objects.filter(pk__in=document_ids, kind__in=CREDENTIAL_KINDS,
                                         status=DocumentStatus.ISSUED, credential__isnull=True)
                 .select_related("session__referentiel__certification", "enrolment__candidate",
                                 "bloc", "deliberation__session"))
    shared: dict[int, DeliberationShared] = {}
    issued = []
    try:
        key = signing_key()
    except CredentialKeyError:
        logger.exception("credentials not issued: the key cannot be used")
        return []
    signer = (key, issuer_key_record(key))
    for document in documents:
        if document.deliberation_id not in shared:
            shared[document.deliberation_id] = deliberation_shared(document.deliberation)
        try:
            credential = credential_issue(document=document, signer=signer,
                                          shared=shared[document.deliberation_id])
        except Exception:
            logger.exception("credential of document %s not issued", document.public_id)
            continue
        if credential is not None:
            issued.append(credential)
    return issued


def status_bit_set(*, status_list: int, index: int) -> bool:
    """Whether one bit of a list is set: a credential at that place whose document is
    revoked (one query)."""
    return Credential.objects.filter(status_list=status_list, status_index=index,
                                     document__status=DocumentStatus.REVOKED).exists()


def revoked_indices(status_list: int) -> list[int]:
    """The bits set in a list: the credentials whose document is revoked."""
    return list(Credential.objects.filter(
        status_list=status_list, document__status=DocumentStatus.REVOKED).values_list(
        "status_index", flat=True))


def status_list_token(*, status_list: int) -> str:
    """The signed BitstringStatusListCredential of one list, as of now (a revoked
    document's bit is set at once: the list is built on each request)."""
    now = timezone.now().replace(microsecond=0)
    document = build_status_list_credential(
        issuer_id(), status_list_url(status_list), "revocation",
        revoked_indices(status_list), size_bits=STATUS_LIST_BITS, issued=now,
        valid_until=now + datetime.timedelta(days=1), ttl=300_000)
    payload = {**document, "iss": document["issuer"], "jti": document["id"],
               "nbf": int(now.timestamp())}
    key = signing_key()
    issuer_key_record(key)
    return sign(payload, key)


def enveloped(token: str) -> dict[str, Any]:
    """The credential as JSON (VC Data Model 2.0 §4.13, an enveloped verifiable
    credential): what the holder downloads and a wallet imports."""
    return {"@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": ENVELOPED_PREFIX + token, "type": "EnvelopedVerifiableCredential"}


def issuer_key_retire(*, key: IssuerKey, reason: str, by: User | None = None) -> IssuerKey:
    """Withdraw a key (lost or compromised): the credentials it signed stop verifying.
    A rotation does not retire the previous key."""
    if key.retired_at is None:
        key.retired_at, key.retired_reason = timezone.now(), reason
        key.save(update_fields=["retired_at", "retired_reason"])
        audit_log(actor=by, action="credential_key.retired", obj=key,
                  new={"kid": key.kid, "reason": reason})
    return key
