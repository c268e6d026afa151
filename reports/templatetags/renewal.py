"""Filters of the renewal file's tables (reports.renewal)."""

from __future__ import annotations

from django import template

from reports.renewal import charts

register = template.Library()


@register.filter
def percent(rate: float | None) -> str:
    return charts.percent(rate)


@register.filter
def level(value: float | None) -> str:
    return charts.level(value)


@register.filter
def get_level(levels: dict[int, int], number: int) -> int:
    return levels.get(number, 0)
