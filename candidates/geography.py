"""The INSEE code lists of birthplaces, shipped as data (candidates/data/README.md): the
communes (current, delegated, associated communes and municipal arrondissements, so a
birth in a former commune is found too) and the foreign countries and territories (99xxx).

Read once, lazily, and kept in memory (about 38,000 communes: a few megabytes). One check,
``birthplace_problems``, is what the enrolment form, the identity edit and the declaration
rule set (``candidates.declaration_checks``: the spreadsheet import, the pre-declaration
report, the Caisse des Dépôts file) ask of a birthplace.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

DATA = Path(__file__).resolve().parent / "data"
#: The code of France among the countries; a birth abroad is coded 99 + three digits.
FRANCE = "99100"
FOREIGN_PREFIX = "99"


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    kind: str  # commune-actuelle, commune-deleguee, commune-associee, arrondissement-municipal
    departement: str
    postal_code: str
    parent: str  # the current commune of a delegated/associated commune or arrondissement
    population: int

    @property
    def current(self) -> bool:
        return self.kind == "commune-actuelle"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    official_name: str
    iso2: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


def fold(text: str) -> str:
    """Lower case, no accents, apostrophes and hyphens as spaces, « Saint » as « st »
    kept apart: « Saint-Étienne » and « saint etienne » match."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(re.sub(r"[-'’.,()]", " ", text).lower().replace("œ", "oe").split())


@dataclass
class _Communes:
    rows: list[Commune]
    by_code: dict[str, list[Commune]]
    folded: list[tuple[str, Commune]]


@cache
def _communes() -> _Communes:
    with gzip.open(DATA / "communes.csv.gz", "rb") as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))
        rows = [
            Commune(code=row["code"], name=row["nom"], kind=row["type"],
                    departement=row["departement"], postal_code=row["code_postal"],
                    parent=row["parent"], population=int(row["population"] or 0))
            for row in reader
        ]
    by_code: dict[str, list[Commune]] = {}
    for commune in rows:
        by_code.setdefault(commune.code, []).append(commune)
    # Current communes first under a shared code (a commune nouvelle keeps its chef-lieu's).
    for communes in by_code.values():
        communes.sort(key=lambda c: not c.current)
    return _Communes(rows=rows, by_code=by_code, folded=[(fold(c.name), c) for c in rows])


@cache
def _countries() -> dict[str, Country]:
    with (DATA / "pays.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["code"]: Country(code=row["code"], name=row["nom"],
                                 official_name=row["nom_officiel"], iso2=row["iso2"])
            for row in csv.DictReader(handle)
        }


def commune_by_code(code: str) -> Commune | None:
    """The commune this INSEE code names (the current commune when several share it)."""
    found = _communes().by_code.get(code.strip().upper())
    return found[0] if found else None


def communes_by_code(code: str) -> list[Commune]:
    """Every commune under this code: a commune nouvelle and its delegated chef-lieu."""
    return list(_communes().by_code.get(code.strip().upper(), []))


def _ranked(matches: list[tuple[int, Commune]], limit: int) -> list[Commune]:
    matches.sort(key=lambda item: (item[0], not item[1].current, -item[1].population,
                                   item[1].name, item[1].code))
    seen: set[tuple[str, str]] = set()
    result = []
    for _rank, commune in matches:
        key = (commune.code, commune.name)
        if key in seen:
            continue
        seen.add(key)
        result.append(commune)
        if len(result) == limit:
            break
    return result


def commune_search(text: str, limit: int = 10) -> list[Commune]:
    """Communes whose name starts with (then contains) the text, accents and case aside;
    five characters that are a code or a postal code find the commune(s) by it. Exact
    names first, then current communes, then the most populated."""
    query = " ".join(text.split())
    if not query:
        return []
    data = _communes()
    if re.fullmatch(r"\d{2,5}|2[ABab]\d{0,3}", query):
        code = query.upper()
        matches = [(0 if c.code == code else 1, c) for c in data.rows
                   if c.code.startswith(code) or c.postal_code.startswith(code)]
        return _ranked(matches, limit)
    folded = fold(query)
    matches = []
    for name, commune in data.folded:
        if name == folded:
            matches.append((0, commune))
        elif name.startswith(folded):
            matches.append((1, commune))
        elif f" {folded}" in f" {name}":
            matches.append((2, commune))
        elif folded in name:
            matches.append((3, commune))
    return _ranked(matches, limit)


def country_by_code(code: str) -> Country | None:
    return _countries().get(code.strip())


def country_search(text: str, limit: int = 10) -> list[Country]:
    """Countries whose name (or official name) starts with, then contains, the text; a
    code finds its country."""
    query = fold(text)
    if not query:
        return []
    ranked = []
    for country in _countries().values():
        name, official = fold(country.name), fold(country.official_name)
        if country.code.startswith(query) or name == query:
            rank = 0
        elif name.startswith(query):
            rank = 1
        elif query in name or query in official:
            rank = 2
        else:
            continue
        ranked.append((rank, country.name, country))
    ranked.sort(key=lambda item: (item[0], fold(item[1])))
    return [country for _rank, _name, country in ranked[:limit]]


def _same_name(typed: str, commune: Commune) -> bool:
    typed, name = _key(typed), _key(commune.name)
    if typed == name:
        return True
    # « Paris 1er », « Paris 1er arrondissement » and « Paris » for 75101.
    if commune.kind == "arrondissement-municipal":
        return name.startswith(typed)
    return False


def _suggest(place: Commune | Country) -> str:
    return _("Did you mean %(name)s (%(code)s)?") % {"name": place.name, "code": place.code}


def _is_france(country: str) -> bool:
    return not country.strip() or _key(country) == "france" or country.strip() == FRANCE


def birthplace_problems(insee_code: str, commune: str, country: str, *,
                        require_code: bool = False) -> list[str]:
    """What is wrong with a birthplace as typed, in the administrator's words (empty:
    nothing). ``insee_code`` is a commune's code, or 99xxx for a birth abroad;
    ``country`` is the country's name (or its 99xxx code). The code's format is checked
    elsewhere (``candidates.validators``). A missing code is a problem only with
    ``require_code`` (the Caisse des Dépôts needs it), with the code to give when the
    commune or country named is found."""
    code = insee_code.strip().upper()
    commune, country = " ".join(commune.split()), " ".join(country.split())
    foreign = not _is_france(country)
    if not code:
        if not require_code:
            return []
        message = _("The INSEE code of the birthplace is missing (for a birth abroad, the "
                    "country's code, 99 and three digits).")
        suggestion = _country_named(country) if foreign else _commune_named(commune)
        return [f"{message} {_suggest(suggestion)}" if suggestion else message]
    if code.startswith(FOREIGN_PREFIX):
        found = country_by_code(code)
        named = _country_named(country) if foreign else None
        if found is None or code == FRANCE:
            message = _("%(code)s is not the INSEE code of a foreign country.") % {"code": code}
            return [f"{message} {_suggest(named)}" if named else message]
        if foreign and not _country_matches(country, found):
            message = (_("The code %(code)s is %(name)s, not « %(typed)s ».")
                       % {"code": code, "name": found.name, "typed": country})
            return [f"{message} {_suggest(named)}" if named else message]
        if not foreign and not country:
            return [_("The code %(code)s is a country (%(name)s): give the birth country.")
                    % {"code": code, "name": found.name}]
        if not foreign:
            return [_("The code %(code)s is a foreign country (%(name)s), but the birth "
                      "country is France.") % {"code": code, "name": found.name}]
        return []
    found_communes = communes_by_code(code)
    if not found_communes:
        message = _("%(code)s is not the INSEE code of a French commune.") % {"code": code}
        named = _country_named(country) if foreign else _commune_named(commune)
        return [f"{message} {_suggest(named)}" if named else message]
    if foreign:
        message = (_("A birth abroad is coded with the country's INSEE code (99 and three "
                     "digits), not a commune's: %(code)s is %(name)s.")
                   % {"code": code, "name": found_communes[0].name})
        named = _country_named(country)
        return [f"{message} {_suggest(named)}" if named else message]
    if commune and not any(_same_name(commune, c) for c in found_communes):
        message = (_("The code %(code)s is %(name)s, not « %(typed)s ».")
                   % {"code": code, "name": found_communes[0].name, "typed": commune})
        named = _commune_named(commune)
        return [f"{message} {_suggest(named)}" if named else message]
    return []


def _commune_named(text: str) -> Commune | None:
    """The commune of exactly this name (the most populated when several share it)."""
    if not text.strip():
        return None
    found = commune_search(text, limit=1)
    return found[0] if found and _key(found[0].name) == _key(text) else None


def _country_named(text: str) -> Country | None:
    text = text.strip()
    if re.fullmatch(r"99\d{3}", text):
        return country_by_code(text)
    key = _key(text)
    if not key:
        return None
    for country in _countries().values():
        if key in (_key(country.name), _key(country.official_name)):
            return country
    return None


def _key(text: str) -> str:
    """``fold`` without spaces: « Viet Nam » and « Vietnam » are one name."""
    return fold(text).replace(" ", "")


def _country_matches(typed: str, country: Country) -> bool:
    typed = typed.strip()
    return typed == country.code or _key(typed) in (_key(country.name),
                                                     _key(country.official_name))
