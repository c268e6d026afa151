"""Reads on API tokens: administrators see every token (integrations are the staff's
shared business, whoever created them); nobody else sees any."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from accounts.models import ApiToken, User
from accounts.permissions import is_administrator


def api_token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if is_administrator(user):
        return tokens
    return tokens.none()


def api_token_get_for_user(*, user: User, public_id: UUID | str) -> ApiToken:
    """ApiToken.DoesNotExist when out of reach (the view answers 404)."""
    return api_token_list_for_user(user=user).get(public_id=public_id)
