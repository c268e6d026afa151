"""The audit trail as people read it (the audit page, issue 18): each event's details as
« field: old → new » lines — the field's label in the reader's language, values in words
(yes/no, a choice's label, dates in the local format, nested details as « label: value »,
long lists shortened) — instead of the raw JSON the event stores. A key nobody labelled
is shown as it is; the CSV export keeps the raw JSON.

Labels come from ``FIELD_LABELS`` (the keys the services write) and, for the Django admin's
events, from the model the event names (its fields' verbose names and choices)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AuditEvent

# The keys the services write in ``old``/``new`` (grep ``audit_log(``), in words.
FIELD_LABELS = {
    "admin": gettext_lazy("Message"),
    "account_created": gettext_lazy("Account created"),
    "added_to_jury": gettext_lazy("Added to the jury"),
    "attendance": gettext_lazy("Attendance"),
    "blocs": gettext_lazy("Blocs"),
    "candidate": gettext_lazy("Candidate"),
    "candidates": gettext_lazy("Candidates"),
    "comment": gettext_lazy("Comment"),
    "competence": gettext_lazy("Competence"),
    "competences": gettext_lazy("Competences"),
    "created": gettext_lazy("Documents created"),
    "criterion": gettext_lazy("Criterion"),
    "documents": gettext_lazy("Documents"),
    "email": gettext_lazy("E-mail address"),
    "field": gettext_lazy("Field"),
    "final_level": gettext_lazy("Final level"),
    "from_session": gettext_lazy("From session"),
    "holders": gettext_lazy("Holders"),
    "id_flux": gettext_lazy("Flow identifier"),
    "instructions": gettext_lazy("What the candidate brings / instructions"),
    "invitation_sent": gettext_lazy("Invitation sent"),
    "justification": gettext_lazy("Justification"),
    "level": gettext_lazy("Level"),
    "member": gettext_lazy("Member"),
    "members": gettext_lazy("Members"),
    "members_present": gettext_lazy("Members present"),
    "met": gettext_lazy("Met"),
    "modality": gettext_lazy("Modality"),
    "name": gettext_lazy("Name"),
    "note": gettext_lazy("Note"),
    "number": gettext_lazy("Document number"),
    "object": gettext_lazy("Object"),
    "observed": gettext_lazy("Observed"),
    "outcome": gettext_lazy("Outcome"),
    "overrides_kept": gettext_lazy("Adjustments kept"),
    "place": gettext_lazy("Place"),
    "prefix": gettext_lazy("Prefix"),
    "president": gettext_lazy("President"),
    "public_reason": gettext_lazy("Public reason"),
    "published_at": gettext_lazy("Published on"),
    "reason": gettext_lazy("Reason"),
    "rendered_again": gettext_lazy("Rendered again"),
    "requirement": gettext_lazy("Requirement"),
    "resumes": gettext_lazy("Resumptions"),
    "revoked_at": gettext_lazy("Revoked on"),
    "scope": gettext_lazy("Scope"),
    "sha256": gettext_lazy("SHA-256 fingerprint"),
    "sitting": gettext_lazy("Sitting"),
    "starts_at": gettext_lazy("Starts at"),
    "status": gettext_lazy("Status"),
    "value": gettext_lazy("Value"),
    "version": gettext_lazy("Version"),
    "warnings": gettext_lazy("Warnings"),
}
LIST_SHOWN = 8  # a longer list shows its first items and how many more
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Change:
    """One line of an event: ``key`` as stored, ``field`` in words, ``old`` → ``new``
    (``old`` empty for a value set, ``new`` "—" for one removed)."""

    key: str
    field: str
    old: str
    new: str


def _model_field(object_type: str, key: str) -> models.Field | None:
    """The field ``key`` of the model the event names (``app_label.model``), if any."""
    try:
        model = apps.get_model(object_type)
        field = model._meta.get_field(key)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    return field if isinstance(field, models.Field) else None


def field_label(key: str, object_type: str = "") -> str:
    if key in FIELD_LABELS:
        return str(FIELD_LABELS[key])
    field = _model_field(object_type, key) if object_type else None
    if field is not None and field.verbose_name:
        return str(field.verbose_name).capitalize()
    return key


def _moment(text: str) -> str:
    """An ISO date or date-time in the local format; the text as is otherwise."""
    try:
        if DATE.match(text):
            return date_format(datetime.date.fromisoformat(text), "SHORT_DATE_FORMAT")
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "SHORT_DATETIME_FORMAT")


def shown(value: Any, field: models.Field | None = None) -> str:
    """A stored value in words."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        items = [shown(item) for item in value[:LIST_SHOWN]]
        text = ", ".join(items)
        if len(value) > LIST_SHOWN:
            text = _("%(items)s … and %(count)s more") % {"items": text,
                                                          "count": len(value) - LIST_SHOWN}
        return text
    if isinstance(value, dict):
        return " · ".join(_("%(field)s: %(value)s") % {"field": field_label(str(key)),
                                                         "value": shown(item)}
                          for key, item in value.items())
    if field is not None and field.choices:
        labels = {str(choice): label for choice, label in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(value, str) and (DATETIME.match(value) or DATE.match(value)):
        return _moment(value)
    return str(value)


def object_label(event: AuditEvent) -> str:
    """The object an event is about: its model's name in words and its id (« document
    #45 »); the stored type as it is for a model that no longer exists."""
    try:
        name = str(apps.get_model(event.object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        name = event.object_type
    return f"{name} #{event.object_id}"


def event_changes(event: AuditEvent) -> list[Change]:
    """What changed, key by key, in words: old → new (unchanged keys are left out)."""
    old, new = event.old or {}, event.new or {}
    changes = []
    for key in dict.fromkeys([*old, *new]):
        if key in old and key in new and old[key] == new[key]:
            continue
        field = _model_field(event.object_type, key)
        changes.append(Change(key, field_label(key, event.object_type),
                              shown(old[key], field) if key in old else "",
                              shown(new[key], field) if key in new else "—"))
    return changes
