"""The one rule set of a holder's identity as the Caisse des Dépôts declaration needs it
(« accrochage », XSD 1.1.2, docs/documents.md): birth name, first names as the file splits
them, sex, birth date, birthplace code (an INSEE commune, or 99xxx for a birth abroad).

``holder_problems`` is asked everywhere an identity is entered or declared: the enrolment
form, the spreadsheet import preview, the pre-declaration report of a session, the holders
file and every declaration flux (``reports.cdc._holder_problems``). Each problem says which
field to correct and how much it weighs:

- ``INVALID``: never right, whatever is completed later (a birth date in the future, a
  name longer than the file allows): refused at enrolment and in an import; stops the
  declaration.
- ``MISSING``: a field the file requires and the record lacks (sex, birth date, the
  birthplace's code): enrolment and import accept it with a warning, to be completed
  before the declaration, which it stops.
- ``RISK``: present, but the Caisse des Dépôts may reject the holder (a code the INSEE
  lists do not know or that is another commune's, a French commune with a foreign country,
  an implausible age, more than three first names): a warning everywhere; the file is
  still produced.

The XSD has no e-mail address for a holder: a missing address is never a problem here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from candidates.geography import birthplace_problems
from candidates.validators import is_insee_code

NAME_MAX_LENGTH = 60  # nomNaissance, nomUsage, prenom1-3, libelle*Naissance in the XSD
FIRST_YEAR, LAST_YEAR = 1900, 2099  # anneeNaissance in the XSD
#: An age at the check's date outside these bounds is a likely typing error.
MIN_AGE, MAX_AGE = 14, 100
SEXES = ("M", "F")  # the XSD's ``genre``
# Letters of any alphabet, spaces, hyphens, apostrophes and dots.
_NAME_CHARACTERS = re.compile(r"^[^\W\d_]+(?:[ \-'’.]+[^\W\d_]*)*$")


class Level(StrEnum):
    INVALID = "invalid"
    MISSING = "missing"
    RISK = "risk"


@dataclass(frozen=True)
class HolderProblem:
    field: str  # the identity field to correct (Candidate's name for it)
    level: Level
    message: str

    @property
    def stops_declaration(self) -> bool:
        """The holders file cannot be produced with it."""
        return self.level is not Level.RISK


class HolderIdentity(Protocol):
    """A ``Candidate`` or an ``Identity`` (candidates.services.identity) alike."""

    birth_name: str
    usage_name: str
    first_names: str
    birth_date: date | None
    birth_commune: str
    birth_insee_code: str
    birth_country: str
    sex: str


def _first_names(first_names: str) -> list[str]:
    separator = r"\s*,\s*" if "," in first_names else r"\s+"
    return [name for name in re.split(separator, first_names.strip()) if name]


def first_names_split(first_names: str) -> list[str]:
    """prenom1, prenom2, prenom3: commas separate the first names when there are any
    (a first name may hold a space), spaces otherwise; the third keeps the rest."""
    names = _first_names(first_names)
    return names[:2] + ([" ".join(names[2:])] if len(names) > 2 else [])


def _day(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _names_problems(person: HolderIdentity) -> list[HolderProblem]:
    problems = []
    if not person.birth_name.strip():
        problems.append(HolderProblem("birth_name", Level.MISSING,
                                      _("The birth name is missing.")))
    split = first_names_split(person.first_names)
    if not split:
        problems.append(HolderProblem("first_names", Level.MISSING,
                                      _("The first names are missing.")))
    labelled = [("birth_name", _("birth name"), person.birth_name),
                ("usage_name", _("usage name"), person.usage_name),
                *[("first_names", _("first name"), name) for name in split]]
    for field, label, value in labelled:
        value = " ".join(value.split())
        if len(value) > NAME_MAX_LENGTH:
            problems.append(HolderProblem(field, Level.INVALID, _(
                "The %(what)s « %(value)s » is longer than the %(max)s characters the Caisse "
                "des Dépôts file allows.") % {"what": label, "value": value,
                                              "max": NAME_MAX_LENGTH}))
        elif value and not _NAME_CHARACTERS.match(value):
            problems.append(HolderProblem(field, Level.RISK, _(
                "The %(what)s « %(value)s » holds digits or signs a name does not have.")
                % {"what": label, "value": value}))
    if len(_first_names(person.first_names)) > 3:
        problems.append(HolderProblem("first_names", Level.RISK, _(
            "The Caisse des Dépôts file takes three first names: the third will read "
            "« %(third)s ». Check the order, and separate the first names with commas when "
            "one of them holds a space.") % {"third": split[2]}))
    for field, label, value in (("birth_commune", _("birth commune"), person.birth_commune),
                                ("birth_country", _("birth country"), person.birth_country)):
        if len(value.strip()) > NAME_MAX_LENGTH:
            problems.append(HolderProblem(field, Level.INVALID, _(
                "The %(what)s is longer than the %(max)s characters the Caisse des Dépôts "
                "file allows.") % {"what": label, "max": NAME_MAX_LENGTH}))
    return problems


def _birth_date_problems(born: date | None, on: date) -> list[HolderProblem]:
    if born is None:
        return [HolderProblem("birth_date", Level.MISSING, _("The birth date is missing."))]
    if born > timezone.localdate():
        return [HolderProblem("birth_date", Level.INVALID,
                              _("The birth date %(date)s is in the future.")
                              % {"date": _day(born)})]
    if not FIRST_YEAR <= born.year <= LAST_YEAR:
        return [HolderProblem("birth_date", Level.INVALID,
                              _("The birth year must lie between %(first)s and %(last)s.")
                              % {"first": FIRST_YEAR, "last": LAST_YEAR})]
    age = _age(born, on)
    if not MIN_AGE <= age <= MAX_AGE:
        return [HolderProblem("birth_date", Level.RISK, _(
            "Born on %(date)s, the candidate would be %(age)d on %(on)s: check the birth "
            "date.") % {"date": _day(born), "age": age,
                        "on": _day(on)})]
    return []


def _birthplace_problems(person: HolderIdentity) -> list[HolderProblem]:
    code = person.birth_insee_code.strip().upper()
    if code and not is_insee_code(code):
        return [HolderProblem("birth_insee_code", Level.INVALID, _(
            "« %(code)s » is not an INSEE code: five characters, e.g. 75056 (99 and three "
            "digits for a birth abroad).") % {"code": code})]
    level = Level.RISK if code else Level.MISSING
    return [HolderProblem("birth_insee_code", level, message)
            for message in birthplace_problems(code, person.birth_commune,
                                               person.birth_country, require_code=True)]


def holder_problems(person: HolderIdentity, *, on: date | None = None) -> list[HolderProblem]:
    """Everything that stops or risks this person's declaration to the Caisse des Dépôts,
    in the administrator's words, in the identity form's order (empty: declarable). ``on``:
    the date the age is judged at (today by default; a session's date)."""
    problems = _names_problems(person)
    if not person.sex:
        problems.append(HolderProblem("sex", Level.MISSING, _("The sex is missing.")))
    elif person.sex not in SEXES:
        problems.append(HolderProblem("sex", Level.INVALID,
                                      _("The sex must be M or F.")))
    problems += _birth_date_problems(person.birth_date, on or timezone.localdate())
    problems += _birthplace_problems(person)
    return problems


def holder_identity_check(person: HolderIdentity) -> None:
    """Refuse what can never be declared (level ``INVALID``): a ValidationError on each
    field, for the services that create or correct an identity (form, import, API)."""
    errors: dict[str, list[ValidationError]] = {}
    for problem in holder_problems(person):
        if problem.level is Level.INVALID:
            errors.setdefault(problem.field, []).append(
                ValidationError(problem.message, code="undeclarable"))
    if errors:
        raise ValidationError(errors)
