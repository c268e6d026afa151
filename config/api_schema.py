"""The OpenAPI schema generator of /api/schema/ (settings: DEFAULT_SCHEMA_CLASS)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

from config.api import ProblemSerializer


class Schema(AutoSchema):
    """drf-spectacular's schema, with the common errors on every operation: 400 when it
    takes a body or filters, 401/403 unless public, 404 always (an object out of reach, an
    unknown page)."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = [] if public else ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            codes.append("400")
        codes.append("404")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ProblemSerializer, code, direction=direction)
        return responses
