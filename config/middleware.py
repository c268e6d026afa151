"""Project-wide middleware (listed in settings.MIDDLEWARE)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStorePersonalDataMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in request (pages,
    and API calls by session or token: DRF puts its user on the request) and on every
    file download, so no browser or proxy cache keeps personal data. A response that
    already chose its caching keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        download = isinstance(response, FileResponse) or (
            response.get("Content-Disposition", "").startswith("attachment"))
        if download or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response
