"""Writes on API tokens (docs/api.md): administrators create, name, scope and revoke them.
The secret is returned once, by ``api_token_create``; only its SHA-256 is stored. A token
is a long random secret, so a fast hash is enough: nothing is left to brute-force."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, ApiTokenScope, User
from accounts.permissions import may_manage_tokens, require
from accounts.services import audit_log

# Recognisable in logs and by secret scanners; the rest is 32 random bytes.
TOKEN_PREFIX = "cat_"  # noqa: S105 (a public marker, not a secret)
# last_used_at is written at most once a minute per token, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def api_token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, by: User, name: str, scope: ApiTokenScope,
    expires_at: datetime.datetime | None = None, ip_address: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token owned by ``by`` (an administrator) and its secret, shown only now."""
    require(may_manage_tokens(by))
    if not name.strip():
        raise ValidationError(_("Give the token a name."), code="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry date must be in the future."), code="expires_at")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=by, name=name.strip(), scope=scope, prefix=secret[:12],
        key_hash=api_token_hash(secret), expires_at=expires_at,
    )
    audit_log(actor=by, action="api_token.created", obj=token, ip_address=ip_address,
              new={"name": token.name, "scope": token.scope, "prefix": token.prefix,
                   "expires_at": expires_at.isoformat() if expires_at else None})
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User, ip_address: str | None = None) -> ApiToken:
    """Revoke at once: the next request with it gets a 401. Revoking twice changes nothing."""
    require(may_manage_tokens(by))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at, token.revoked_by = timezone.now(), by
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(actor=by, action="api_token.revoked", obj=token, ip_address=ip_address,
              old={"revoked_at": None}, new={"revoked_at": token.revoked_at.isoformat()},
              context={"name": token.name, "prefix": token.prefix})
    return token


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token behind ``secret`` (not revoked, not expired, its owner active), its
    last use recorded; None otherwise."""
    now = timezone.now()
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=api_token_hash(secret), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional update: concurrent requests write it once, without a lock.
        ApiToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(
            last_used_at=now)
        token.last_used_at = now
    return token
