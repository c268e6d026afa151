"""Writes on candidates, sessions and enrolments. Keyword-only, typed, transactional."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import user_create
from candidates.models import (
    AccessRoute,
    AcquiredBloc,
    AcquisitionOrigin,
    Candidate,
    Enrolment,
    Session,
    TargetBloc,
)
from certifications.models import Bloc, Referentiel


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


@transaction.atomic
def session_create(
    *, referentiel: Referentiel, name: str, starts_on: date, ends_on: date, place: str = ""
) -> Session:
    session = Session(
        referentiel=referentiel, name=name.strip(), starts_on=starts_on, ends_on=ends_on,
        place=place.strip(),
    )
    session.full_clean()
    session.save()
    return session


@dataclass(frozen=True)
class AcquiredBlocInput:
    bloc: Bloc
    acquired_on: date
    origin: AcquisitionOrigin
    reference: str = ""


def _check_blocs(session: Session, blocs: Iterable[Bloc], what: str) -> None:
    foreign = [bloc for bloc in blocs if bloc.referentiel_id != session.referentiel_id]
    if foreign:
        raise ValidationError(
            _("%(what)s %(codes)s do not belong to the framework version of this session.")
            % {"what": what, "codes": ", ".join(b.code or b.title for b in foreign)},
            code="foreign_bloc",
        )


@transaction.atomic
def enrolment_create(
    *,
    candidate: Candidate,
    session: Session,
    access_route: AccessRoute,
    whole_certification: bool = True,
    target_blocs: Sequence[Bloc] = (),
    extra_time_percent: int = 0,
    technical_aids: str = "",
    other_accommodations: str = "",
    jury_note: str = "",
    acquired_blocs: Sequence[AcquiredBlocInput] = (),
    invite: bool = True,
) -> Enrolment:
    """Enrol a candidate in a session and, by default, invite them to their space."""
    if not whole_certification and not target_blocs:
        raise ValidationError(_("Choose at least one bloc, or the whole certification."),
                              code="no_target")
    _check_blocs(session, target_blocs, _("The chosen blocs"))
    _check_blocs(session, [a.bloc for a in acquired_blocs], _("The blocs acquired before"))
    if Enrolment.objects.filter(candidate=candidate, session=session).exists():
        raise ValidationError(
            _("%(candidate)s is already enrolled in this session.") % {"candidate": candidate},
            code="already_enrolled",
        )
    enrolment = Enrolment.objects.create(
        candidate=candidate, session=session, access_route=access_route,
        whole_certification=whole_certification, extra_time_percent=extra_time_percent,
        technical_aids=technical_aids.strip(), other_accommodations=other_accommodations.strip(),
        jury_note=jury_note.strip(),
    )
    if not whole_certification:
        TargetBloc.objects.bulk_create(
            TargetBloc(enrolment=enrolment, bloc=bloc) for bloc in dict.fromkeys(target_blocs)
        )
    AcquiredBloc.objects.bulk_create(
        AcquiredBloc(enrolment=enrolment, bloc=a.bloc, acquired_on=a.acquired_on,
                     origin=a.origin, reference=a.reference.strip())
        for a in acquired_blocs
    )
    if invite and candidate.email:
        candidate_invite(candidate=candidate, session=session)
        enrolment.invited_at = timezone.now()
        enrolment.save(update_fields=["invited_at"])
    return enrolment


def _ensure_account(candidate: Candidate) -> User:
    if candidate.user_id is not None:
        return candidate.user
    user = User.objects.filter(email__iexact=candidate.email).first()
    if user is None:
        user = user_create(
            email=candidate.email, role=Role.CANDIDATE, first_name=candidate.first_names,
            last_name=candidate.usage_name or candidate.birth_name,
        )
    if user.role != Role.CANDIDATE:
        raise ValidationError(
            _("%(email)s belongs to a staff or jury account: use another address.")
            % {"email": candidate.email}, code="email_taken",
        )
    candidate.user = user
    candidate.save(update_fields=["user"])
    return user


def invitation_url(user: User) -> str:
    """The link to choose a password (allauth's reset-from-key view, valid
    PASSWORD_RESET_TIMEOUT seconds)."""
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def candidate_invite(*, candidate: Candidate, session: Session) -> None:
    """Create the candidate's account if needed and e-mail them the link to choose a
    password; the mail leaves after the transaction commits."""
    if not candidate.email:
        raise ValidationError(_("This candidate has no e-mail address."), code="no_email")
    user = _ensure_account(candidate)
    context = {
        "candidate": candidate,
        "session": session,
        "certification": session.referentiel.certification,
        "url": invitation_url(user),
        "site_name": settings.CERTIFIER_NAME,
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("candidates/email/invitation_subject.txt",
                                            context).split())
        body = render_to_string("candidates/email/invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [candidate.email])
