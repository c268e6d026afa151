"""``{% load units %}``: ``{{ minutes|duration }}`` and ``{{ number|percent }}`` in the
page's language (certifications.units)."""

from __future__ import annotations

from django import template

from certifications.units import format_duration, format_percent

register = template.Library()


@register.filter
def duration(minutes: int | None) -> str:
    try:
        return format_duration(minutes)
    except (TypeError, ValueError):
        return ""


@register.filter
def percent(value: object) -> str:
    try:
        return format_percent(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
