"""Every change made through Django's admin is an audit event (issue 15), as every change
made through the pages and the API: who, when, from which address, what, old → new.

``AuditedAdmin`` is the first base of every ModelAdmin of the project (a test checks the
whole registry). It hooks where Django's admin writes its own log: ``log_addition``,
``log_change`` and ``log_deletions`` — after the save for the first two, before the delete
for the last — so refused changes (a service said no) are not recorded. The fields changed
are read from the form in ``construct_change_message``, which Django calls just before.

Personal data: for the models holding a person's identity or account, the event names
the fields changed but keeps no value — the audit trail is append-only and erasure must
be able to leave nothing of a person behind (docs/rgpd.md).
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from accounts.services import audit_log

# Models whose values the trail does not keep (only which fields changed).
PERSONAL = {"candidates.candidate", "accounts.user", "account.emailaddress"}


def _plain(value: Any) -> Any:
    """A form value as JSON: objects by their primary key, dates as ISO text."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet) or (
            isinstance(value, list | tuple | set) and any(isinstance(v, models.Model)
                                                         for v in value)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    try:
        json.dumps(value)
    except TypeError:
        return str(value)
    return value


def _context(obj: models.Model) -> dict[str, str]:
    """Public ids the audit page filters on, where the object has them."""
    label = obj._meta.label_lower
    context: dict[str, str] = {}
    if label == "candidates.session":
        context["session"] = str(obj.public_id)  # type: ignore[attr-defined]
    elif label == "candidates.candidate":
        context["candidate"] = str(obj.public_id)  # type: ignore[attr-defined]
    elif label == "candidates.enrolment":
        context["session"] = str(obj.session.public_id)  # type: ignore[attr-defined]
        context["candidate"] = str(obj.candidate.public_id)  # type: ignore[attr-defined]
    return context


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class AuditedAdmin(admin.ModelAdmin):
    """Records the admin's additions, changes and deletions in the audit trail."""

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any,
                                 add: bool = False) -> list:
        message = super().construct_change_message(request, form, formsets, add)
        changed = [name for name in form.changed_data if name in form.cleaned_data]
        request._audit_fields = (  # type: ignore[attr-defined]
            changed,
            {name: _plain(form.initial.get(name)) for name in changed},
            {name: _plain(form.cleaned_data[name]) for name in changed},
            message,
        )
        return message

    def _record(self, request: HttpRequest, obj: models.Model, action: str) -> None:
        changed, old, new, message = getattr(request, "_audit_fields", ([], {}, {}, []))
        request._audit_fields = ([], {}, {}, [])  # type: ignore[attr-defined]
        if getattr(request, "_service_refused", False):
            return  # the admin went through a service that said no: nothing changed
        if obj._meta.label_lower in PERSONAL or "password" in changed:
            old, new = {"fields": changed}, {"fields": changed}
        audit_log(actor=request.user, action=action, obj=obj,
                  old=old or None, new={**new, "admin": message} if message else new or None,
                  context=_context(obj), ip_address=_ip(request))

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self._record(request, obj, "admin.added")
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self._record(request, obj, "admin.changed")
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Iterable[models.Model]) -> Any:
        objects = list(queryset)
        for obj in objects:
            personal = obj._meta.label_lower in PERSONAL
            audit_log(actor=request.user, action="admin.deleted", obj=obj,
                      old=None if personal else {"object": str(obj)},
                      context=_context(obj), ip_address=_ip(request))
        return super().log_deletions(request, objects)
