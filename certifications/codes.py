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
