"""Horizontal bar charts of the renewal file, drawn on the server as inline SVG (the page
and the PDF share them; no JavaScript). Coordinates are computed here and handed to the
template as text, so no locale ever writes « 12,5 » into an SVG attribute.

A chart repeats figures a table next to it gives in full: the template hides it from
assistive technologies (``aria-hidden``), the table is its text equivalent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

LABEL_WIDTH = 250  # room for the labels, left of the bars
PLOT_WIDTH = 290
VALUE_ROOM = 80  # the value written after the bar
BAR_HEIGHT = 16
GAP = 6
#: The bars' colours (tone 1..4), AA contrast on white; written as the ``fill`` attribute,
#: which WeasyPrint's SVG renderer reads as browsers do.
TONES = {1: "#1d5fa8", 2: "#18753c", 3: "#b35c00", 4: "#b3261e"}


def _shorten(label: str, size: int = 38) -> str:
    return label if len(label) <= size else label[:size - 1].rstrip() + "…"


def _number(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as written after the bar (« 80 % », « 2,4 »)
    colour: str
    y: str
    text_y: str
    width: str
    text_x: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_x: str
    plot_x: str


def bar_chart(items: Sequence[tuple[str, float | None, str, int]], *, maximum: float) -> Chart:
    """One bar per ``(label, value, text, tone)``, lengths relative to ``maximum``; a
    ``None`` value draws no bar, only its text (« — »)."""
    bars = []
    for index, (label, value, text, tone) in enumerate(items):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = (PLOT_WIDTH * max(0.0, min(value, maximum)) / maximum
                 if value is not None and maximum else 0.0)
        bars.append(Bar(label=_shorten(str(label)), text=text, colour=TONES[tone], y=_number(y),
                        text_y=_number(y + BAR_HEIGHT - 4), width=_number(width),
                        text_x=_number(LABEL_WIDTH + width + 6)))
    return Chart(bars=bars, width=LABEL_WIDTH + PLOT_WIDTH + VALUE_ROOM,
                 height=GAP + len(items) * (BAR_HEIGHT + GAP), label_x=_number(LABEL_WIDTH - 6),
                 plot_x=_number(LABEL_WIDTH))


# -- the charts of a report -----------------------------------------------------------------------
def percent(rate: float | None) -> str:
    """« 80 % » in French, « 80% » in English; « — » without a rate."""
    if rate is None:
        return "—"
    value = number_format(round(rate * 100, 1), decimal_pos=0 if rate * 100 % 1 == 0 else 1)
    return f"{value}\u00a0%" if (get_language() or "fr").startswith("fr") else f"{value}%"


def level(value: float | None) -> str:
    return "—" if value is None else number_format(value, decimal_pos=2)


def rates_chart(promotions: Sequence) -> Chart:
    """Certified in full, and in full or in part, of those present, per promotion."""
    items = []
    for figures in promotions:
        counts = figures.counts
        items.append((_("%(promotion)s: in full") % {"promotion": figures.promotion.label},
                      counts.full_rate, percent(counts.full_rate), 1))
        items.append((_("%(promotion)s: full or part") % {"promotion": figures.promotion.label},
                      counts.success_rate, percent(counts.success_rate), 2))
    return bar_chart(items, maximum=1)


def routes_chart(figures) -> Chart:
    """Certified in full or in part, of those present, per access route."""
    return bar_chart([(str(route.label), route.counts.success_rate,
                       percent(route.counts.success_rate), 2) for route in figures.routes],
                     maximum=1)


def levels_chart(figures, scale_size: int) -> Chart:
    """The average final level per compétence (1 is the best)."""
    return bar_chart([(competence.code or competence.title, competence.average,
                       level(competence.average),
                       3 if (competence.average or 0) > 2 else 1)
                      for competence in figures.competences], maximum=scale_size or 4)


def insertion_chart(promotions: Sequence) -> Chart:
    """In employment, and in the job the certification prepares for, of the holders who
    answered, per promotion and wave."""
    items = []
    for figures in promotions:
        for wave in figures.insertion:
            names = {"promotion": figures.promotion.label, "months": wave.wave}
            items.append((_("%(promotion)s, %(months)d months: employed") % names,
                          wave.employment_rate, percent(wave.employment_rate), 1))
            items.append((_("%(promotion)s, %(months)d months: target job") % names,
                          wave.target_job_rate, percent(wave.target_job_rate), 2))
    return bar_chart(items, maximum=1)
