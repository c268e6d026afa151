"""A candidate's identity: its key (names and birth date, folded), the search for the
same person, the creation that never makes the same person twice."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from candidates.models import Candidate


class DuplicateCandidateError(ValidationError):
    """The same person (names and birth date) is already a candidate."""

    def __init__(self, existing: Candidate) -> None:
        self.existing = existing
        super().__init__(
            _("%(name)s, born on %(date)s, is already a candidate.")
            % {"name": existing.legal_name, "date": existing.birth_date},
            code="duplicate",
        )


def _fold(text: str) -> str:
    """Lower case, no accents, one space: "Lefèvre-Dupont " and "lefevre dupont" match."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(re.sub(r"[-'’.,]", " ", text).lower().split())


def identity_key(*, birth_name: str, first_names: str, birth_date: date | None) -> str:
    born = birth_date.isoformat() if birth_date else ""
    return f"{_fold(birth_name)}|{_fold(first_names)}|{born}"


def candidate_find_duplicate(
    *, birth_name: str, first_names: str, birth_date: date | None, exclude: int | None = None
) -> Candidate | None:
    key = identity_key(birth_name=birth_name, first_names=first_names, birth_date=birth_date)
    queryset = Candidate.objects.filter(identity_key=key, anonymised_at__isnull=True)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return queryset.first()


@dataclass(frozen=True)
class Identity:
    """A candidate's identity as typed in a form or a spreadsheet row."""

    birth_name: str
    first_names: str
    birth_date: date | None
    usage_name: str = ""
    birth_commune: str = ""
    birth_insee_code: str = ""
    birth_country: str = ""
    sex: str = ""
    email: str = ""
    phone: str = ""
    language: str = "fr"

    def cleaned(self) -> dict[str, object]:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name, value in values.items():
            if isinstance(value, str):
                values[name] = " ".join(value.split())
        values["email"] = str(values["email"]).lower()
        values["birth_insee_code"] = str(values["birth_insee_code"]).upper()
        return values


@transaction.atomic
def candidate_create(*, identity: Identity) -> Candidate:
    """Create a candidate; the same person twice (names + birth date) is refused."""
    values = identity.cleaned()
    if not values["birth_commune"] and not values["birth_country"]:
        raise ValidationError(
            _("Give the birth commune (with its INSEE code) or the birth country."),
            code="birth_place",
        )
    existing = candidate_find_duplicate(
        birth_name=identity.birth_name, first_names=identity.first_names,
        birth_date=identity.birth_date,
    )
    if existing is not None:
        raise DuplicateCandidateError(existing)
    candidate = Candidate(
        **values,
        identity_key=identity_key(birth_name=identity.birth_name,
                                  first_names=identity.first_names,
                                  birth_date=identity.birth_date),
    )
    candidate.full_clean(exclude=["identity_key", "user"])
    candidate.save()
    return candidate
