"""What a certification or bloc code may look like (France compétences' registers):
RNCP<digits> or RS<digits>, a bloc <certification code>BC<digits> (or BC<digits> alone,
as spreadsheets and fiches without a code write it). Codes are typed in
any case and spacing and kept in upper case; anything else (a quote, a slash, a line
break) is refused before it reaches a file name, a header or an export."""

from __future__ import annotations

import re

CERTIFICATION_CODE = r"(?:RNCP|RS)\d{1,8}"
BLOC_SUFFIX = r"BC\d{1,4}"


def code_normalise(raw: str) -> str:
    """Upper case, no whitespace: « rncp 35609 » is RNCP35609."""
    return re.sub(r"\s+", "", raw or "").upper()


def certification_code_is_valid(code: str) -> bool:
    return re.fullmatch(CERTIFICATION_CODE, code) is not None


def bloc_code_is_valid(code: str, *, certification_code: str) -> bool:
    """A bloc's code extends its certification's (any certification's when it has none),
    or is the short BC<digits>."""
    prefix = (re.escape(certification_code) if certification_code_is_valid(certification_code)
              else CERTIFICATION_CODE)
    return re.fullmatch(f"(?:{prefix})?{BLOC_SUFFIX}", code) is not None


def bloc_code_example(certification_code: str) -> str:
    valid = certification_code_is_valid(certification_code)
    return f"{certification_code if valid else 'RNCP35609'}BC01"


# La Poste's establishments share one SIREN and are numbered beyond what the Luhn key
# allows: INSEE checks them by the sum of their digits, a multiple of 5.
_LA_POSTE_SIREN = "356000000"


def siret_normalise(raw: str) -> str:
    """No spaces: « 784 713 935 00038 » is 78471393500038."""
    return re.sub(r"\s+", "", raw or "")


def siret_is_valid(siret: str) -> bool:
    """Fourteen digits whose Luhn key is right (INSEE's check of a SIRET)."""
    if re.fullmatch(r"\d{14}", siret) is None:
        return False
    if siret.startswith(_LA_POSTE_SIREN):
        return sum(int(digit) for digit in siret) % 5 == 0
    total = 0
    for index, digit in enumerate(reversed(siret)):
        value = int(digit) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0
