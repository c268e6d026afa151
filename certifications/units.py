"""Durations and percentages written the way the reader's language writes them.

French: « 2 h 30 », « 45 min », « 33 % » (no-break spaces, a narrow one before « % »);
English: « 2 hr 30 min », « 45 min », « 33% ». The words come from the catalogue
(context « duration » / « percentage »), so another language only needs translations.
Used by the pages through the ``units`` template filters and by Python messages alike.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats
from django.utils.translation import pgettext


def format_duration(minutes: int | None) -> str:
    """« 2 h 30 » / « 2 hr 30 min » for 150; "" when there is no duration."""
    if minutes is None or minutes == "" or int(minutes) < 0:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return pgettext("duration", "%(minutes)d min") % {"minutes": rest}
    if not rest:
        return pgettext("duration", "%(hours)d hr") % {"hours": hours}
    return pgettext("duration", "%(hours)d hr %(minutes)d min") % {"hours": hours,
                                                                  "minutes": rest}


def format_percent(value: int | float | Decimal | str | None) -> str:
    """« 33 % » in French, « 33% » in English; "" for no value."""
    if value is None or value == "":
        return ""
    return pgettext("percentage", "%(number)s%%") % {"number": formats.number_format(value)}
