"""Rate limits on public pages that allauth's login limits do not cover (the public
verification page and its API). Counted in Django's cache, shared by every web process,
per client address as allauth's adapter reads it (the same address the login limits use,
behind a proxy too). Rates live in settings.RATE_LIMITS: action → (requests, seconds)."""

from __future__ import annotations

import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _history(request: HttpRequest, action: str) -> tuple[str, list[float], int, int]:
    amount, seconds = settings.RATE_LIMITS[action]
    address = get_adapter(request).get_client_ip(request)
    key = f"rate-limit:{action}:{address}"
    now = time.time()
    return key, [at for at in cache.get(key, []) if at > now - seconds], amount, seconds


def rate_limit_consume(request: HttpRequest, *, action: str) -> bool:
    """Count one use of ``action`` by this request's address in a sliding window; False
    (and not counted) once the rate is reached. Like allauth's, not atomic: a burst of
    parallel requests may pass a few over the rate, never many."""
    key, history, amount, seconds = _history(request, action)
    if len(history) >= amount:
        return False
    cache.set(key, [*history, time.time()], timeout=seconds)
    return True


def rate_limit_reached(request: HttpRequest, *, action: str) -> bool:
    """Whether this request's address has used up ``action``'s rate (nothing counted):
    a step before the counted one (the verification form before the lookup) answers
    « too many » at once instead of sending the visitor on."""
    _key, history, amount, _seconds = _history(request, action)
    return len(history) >= amount
