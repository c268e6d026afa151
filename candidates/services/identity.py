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

from accounts.models import User
from accounts.services import audit_log
from candidates.declaration_checks import holder_identity_check
from candidates.geography import birthplace_problems
from candidates.models import Candidate, Session


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
    holder_identity_check(identity)
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


#: What the identity edit page changes: the identity documents print and the Caisse des
#: Dépôts declaration states (the e-mail opens the candidate's account: not here).
IDENTITY_FIELDS = ("birth_name", "usage_name", "first_names", "sex", "birth_date",
                   "birth_commune", "birth_insee_code", "birth_country")


class IdentityLockedError(ValidationError):
    """A signed deliberation decided on this identity; its documents print it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        super().__init__(
            _("The deliberation of the session « %(session)s » is signed: the identity it "
              "decided on, which its documents print, can no longer change.")
            % {"session": session.name},
            code="identity_locked",
        )


def birthplace_check(*, birth_insee_code: str, birth_commune: str, birth_country: str,
                     require_code: bool = True) -> None:
    """The birthplace against the INSEE lists (``candidates.geography``): a
    ValidationError on the code's field, with the right code suggested."""
    if not birth_commune.strip() and not birth_country.strip():
        raise ValidationError({"birth_commune": ValidationError(
            _("Give the birth commune (with its INSEE code) or the birth country."),
            code="birth_place")})
    problems = birthplace_problems(birth_insee_code, birth_commune, birth_country,
                                   require_code=require_code)
    if problems:
        raise ValidationError({"birth_insee_code": [
            ValidationError(message, code="birthplace") for message in problems]})


def _signed_session(candidate: Candidate) -> Session | None:
    """A session whose signed deliberation includes this candidate, taking each session's
    write lock (``session_row_lock``) so no signature commits before this transaction."""
    from candidates.services.enrolment import session_row_lock

    sessions = Session.objects.filter(enrolments__candidate=candidate).order_by("pk")
    for session in sessions:
        if session_row_lock(session_id=session.pk):
            return session
    return None


@transaction.atomic
def candidate_update_identity(*, candidate: Candidate, by: User | None,
                              ip_address: str | None = None, cdc_rectification: str = "",
                              **fields: object) -> Candidate:
    """Correct a candidate's identity (names, sex, birth date and place). Refused when a
    signed deliberation included them (IdentityLockedError), when the data were erased,
    when the new identity is another candidate's (DuplicateCandidateError), or when the
    birthplace does not match the INSEE lists (a suggestion in the message). The key is
    recomputed; the audit trail records who changed which fields (not their values).

    ``cdc_rectification`` (the Caisse des Dépôts' rejection it answers): the identity is
    rectified although a signed deliberation decided on it — the documents keep printing
    the identity frozen at signing, the declaration reads the record. Audited as
    ``candidate.identity_rectified_for_cdc`` (reports/cdc_flux.py)."""
    unknown = set(fields) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"Not identity fields: {sorted(unknown)}")
    stored = Candidate.objects.get(pk=candidate.pk)
    if stored.anonymised_at is not None:
        raise ValidationError(_("This candidate's data were erased: the identity that "
                                "remains is a legal record and does not change."),
                              code="erased")
    values = {name: getattr(stored, name) for name in IDENTITY_FIELDS}
    for name, value in fields.items():
        values[name] = " ".join(value.split()) if isinstance(value, str) else value
    values["birth_insee_code"] = str(values["birth_insee_code"] or "").upper()
    changed = {name: value for name, value in values.items() if getattr(stored, name) != value}
    if not changed:
        return stored
    locked = _signed_session(stored)
    if locked is not None and not cdc_rectification:
        raise IdentityLockedError(locked)
    birthplace_check(birth_insee_code=values["birth_insee_code"],
                     birth_commune=values["birth_commune"],
                     birth_country=values["birth_country"])
    holder_identity_check(Identity(**values))
    existing = candidate_find_duplicate(
        birth_name=values["birth_name"], first_names=values["first_names"],
        birth_date=values["birth_date"], exclude=stored.pk)
    if existing is not None:
        raise DuplicateCandidateError(existing)
    for name, value in changed.items():
        setattr(stored, name, value)
    stored.identity_key = identity_key(birth_name=stored.birth_name,
                                       first_names=stored.first_names,
                                       birth_date=stored.birth_date)
    stored.full_clean(exclude=["identity_key", "user"], validate_unique=False,
                      validate_constraints=False)
    stored.save(update_fields=[*changed, "identity_key"])
    # Which fields changed, never their values: the trail is append-only and an erasure
    # must leave nothing of the person in it (accounts.admin_audit, docs/rgpd.md).
    fields = sorted(changed)
    context = {"candidate": str(stored.public_id)}
    if cdc_rectification:
        context["cdc_rejection"] = cdc_rectification[:500]
    audit_log(actor=by, action=("candidate.identity_rectified_for_cdc" if cdc_rectification
                                else "candidate.identity_changed"), obj=stored,
              old={"fields": fields}, new={"fields": fields},
              context=context, ip_address=ip_address)
    for name in [*changed, "identity_key"]:
        setattr(candidate, name, getattr(stored, name))
    return stored
