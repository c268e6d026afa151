"""Codes a candidate's record holds, checked by one rule wherever they are entered or
exported: the model, the enrolment form and import, and the Caisse des Dépôts export."""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

#: The INSEE code of a commune: five digits, or 2A/2B and three digits for Corsica
#: (a birth abroad is coded 99 and the country's three digits).
INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
INSEE_CODE_MESSAGE = _("Five characters, e.g. 75056.")

# A RegexValidator, not a function: migration 0001 of candidates records it as one.
validate_insee_code = RegexValidator(INSEE_CODE.pattern, INSEE_CODE_MESSAGE)


def is_insee_code(value: str) -> bool:
    return bool(INSEE_CODE.match(value))
