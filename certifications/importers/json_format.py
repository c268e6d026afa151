"""The product's own référentiel JSON: a lossless image of ``ReferentielDraft``.

    {"format": "certassess-referentiel", "version": 1, "referentiel": {...}}

Every dataclass field is written under its own name, dates as ISO strings, enums by
value. Reading is driven by the dataclasses' type hints, so a field added to
``draft.py`` (with a default) is carried without touching this module, and a file
written before it still reads. Validation is strict: a wrong type or an unknown key
stops the import with the JSON path of the culprit.

``source_format`` and ``source_name`` describe the file being read, not the
référentiel: they are not written, and ``parse`` sets them ("json", ``name``).
Everything else, issues included, survives ``parse(dumps(d))``.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import re
import types
import typing
from datetime import date
from typing import Any, BinaryIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from certifications.errors import ImportFormatError
from certifications.importers.draft import ReferentielDraft, line_column_location

FORMAT = "certassess-referentiel"
VERSION = 1
_FILE_FIELDS = frozenset({"source_format", "source_name"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_EXPECTED = {  # translated when the message is made
    str: gettext_noop("Text expected"),
    int: gettext_noop("Whole number expected"),
    bool: gettext_noop("Boolean expected (true or false)"),
    date: gettext_noop("Date expected in the YYYY-MM-DD format"),
}


# -- writing -----------------------------------------------------------------------------
def dump(draft: ReferentielDraft) -> dict[str, Any]:
    body = _to_json(draft)
    for key in _FILE_FIELDS:
        del body[key]
    return {"format": FORMAT, "version": VERSION, "referentiel": body}


def dumps(draft: ReferentielDraft) -> bytes:
    return json.dumps(dump(draft), ensure_ascii=False, indent=2).encode("utf-8")


def _to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):  # before str: our enums are StrEnums
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_to_json(item) for item in value]
    return value


# -- reading -----------------------------------------------------------------------------
def parse(source: BinaryIO, *, name: str = "") -> list[ReferentielDraft]:
    data = _decode(source.read())
    if not isinstance(data, dict):
        raise ImportFormatError(_("JSON object expected at the root"), _("root"))
    if data.get("format") != FORMAT:
        raise ImportFormatError(
            _("This file is not an exported référentiel (“%(format)s” expected)")
            % {"format": FORMAT},
            "format",
        )
    if data.get("version") != VERSION:
        raise ImportFormatError(
            _("Version %(version)s not supported (version %(expected)d expected)")
            % {"version": repr(data.get("version")), "expected": VERSION},
            "version",
        )
    if "referentiel" not in data:
        raise ImportFormatError(_("Required field missing"), "referentiel")
    draft = _load(ReferentielDraft, data["referentiel"], "referentiel")
    draft.source_format = "json"
    draft.source_name = name
    return [draft]


def _decode(raw: bytes) -> Any:
    if not raw.strip():
        raise ImportFormatError(_("Empty file"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            _("The file is not encoded in UTF-8"), _("byte %(number)d") % {"number": exc.start}
        ) from exc
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            _("Invalid JSON: %(error)s") % {"error": exc.msg},
            line_column_location(exc.lineno, exc.colno),
        ) from exc
    except (ValueError, RecursionError) as exc:  # NaN, huge integers, absurd nesting
        raise ImportFormatError(_("Invalid JSON: %(error)s") % {"error": exc}) from exc


def _refuse_constant(constant: str) -> Any:
    raise ValueError(_("value %(value)s not allowed") % {"value": constant})


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _load(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in typing.get_args(tp):
            return None
        (inner,) = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return _load(inner, value, path)
    if origin is list:
        if not isinstance(value, list):
            raise ImportFormatError(_("List expected"), path)
        (item_type,) = typing.get_args(tp)
        return [_load(item_type, item, f"{path}[{i}]") for i, item in enumerate(value)]
    if dataclasses.is_dataclass(tp):
        return _load_dataclass(tp, value, path)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _load_enum(tp, value, path)
    return _load_scalar(tp, value, path)


def _load_dataclass(cls: Any, value: Any, path: str) -> Any:
    if not isinstance(value, dict):
        raise ImportFormatError(_("Object expected"), path)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    allowed = fields.keys() - _FILE_FIELDS if cls is ReferentielDraft else fields.keys()
    unknown = sorted(value.keys() - allowed)
    if unknown:
        raise ImportFormatError(_("Unknown key “%(key)s”") % {"key": unknown[0]}, path)
    kwargs = {}
    for field_name, spec in fields.items():
        if field_name in value:
            kwargs[field_name] = _load(
                _hints(cls)[field_name], value[field_name], f"{path}.{field_name}"
            )
        elif _is_required(spec):
            raise ImportFormatError(_("Required field missing"), f"{path}.{field_name}")
    return cls(**kwargs)


def _is_required(spec: dataclasses.Field[Any]) -> bool:
    return spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING


def _load_enum(cls: type[enum.Enum], value: Any, path: str) -> enum.Enum:
    allowed = [member.value for member in cls]
    if not isinstance(value, str) or value not in allowed:
        raise ImportFormatError(
            _("Unknown value %(value)s (expected: %(allowed)s)")
            % {"value": json.dumps(value, ensure_ascii=False), "allowed": ", ".join(allowed)},
            path,
        )
    return cls(value)


def _load_scalar(tp: type, value: Any, path: str) -> Any:
    if tp is date:
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ImportFormatError(_(_EXPECTED[date]), path)
    # bool is a subclass of int in Python: a JSON true is no count and 1 is no flag.
    if type(value) is not tp:
        expected = _EXPECTED.get(tp)
        raise ImportFormatError(
            _(expected) if expected else _("%(type)s expected") % {"type": tp.__name__}, path
        )
    return value
