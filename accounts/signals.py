"""Reactions to allauth's events, delegated to services."""

from typing import Any

from allauth.account.signals import password_reset
from django.dispatch import receiver

from accounts.services import user_email_mark_verified


@receiver(password_reset)
def _verify_email_on_password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # An invitation is a password-reset link sent to the address: using it verifies it,
    # so the candidate lands on their space instead of a "verify your e-mail" page.
    user_email_mark_verified(user=user)
