"""Writes on candidates, sessions and enrolments. Keyword-only, typed, transactional."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.permissions import is_candidate
from accounts.services import user_create
from candidates import importers as enrolment_importers
from candidates.models import (
    AccessRoute,
    AcquiredBloc,
    AcquisitionOrigin,
    Candidate,
    Enrolment,
    EnrolmentImport,
    ErasureRecord,
    Session,
    TargetBloc,
)
from candidates.selectors import enrolments_of_candidate
from certifications.errors import ImportFormatError
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


class SessionLockedError(ValidationError):
    """The session's deliberation is signed: nothing of it changes but by an amendment."""

    def __init__(self) -> None:
        super().__init__(
            _("The deliberation of this session is signed: the session, its jury, "
              "assessments, candidates and scores can no longer change (only the jury "
              "president may amend a decision)."),
            code="session_signed",
        )


def session_row_lock(*, session_id: int) -> bool:
    """Take the write lock on the session's row in the current transaction and say
    whether its deliberation is signed, as committed (every writer on a session and the
    signature take this lock first, so a check made here holds until the commit).

    PostgreSQL: ``SELECT … FOR UPDATE`` on the row. SQLite ignores ``select_for_update``
    and lets one writer at a time: a no-op UPDATE of the row takes the database's write
    lock (already held when transactions BEGIN IMMEDIATE, as the settings ask; this does
    not rely on it), so no signature can commit between this read and our commit.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("session_row_lock runs inside the writing transaction.")
    if connection.vendor == "sqlite":
        table = connection.ops.quote_name(Session._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET id = id WHERE id = %s RETURNING signed_at",  # noqa: S608 (the model's table)
                           [session_id])
            row = cursor.fetchone()
    else:
        row = (Session.objects.select_for_update().filter(pk=session_id)
               .values_list("signed_at").first())
    if row is None:
        raise Session.DoesNotExist
    return row[0] is not None


def session_lock_for_write(*, session_id: int) -> None:
    """Every service that changes a session, its jury, assessments, sittings,
    assignments, enrolments, scores or decisions calls this first, inside its
    transaction: a signed session raises SessionLockedError (amendments take the lock
    with ``session_row_lock`` instead)."""
    if session_row_lock(session_id=session_id):
        raise SessionLockedError


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
    session_lock_for_write(session_id=session.pk)
    if candidate.anonymised_at is not None:
        raise ValidationError(_("This candidate's data was erased: they cannot be enrolled."),
                              code="erased")
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
    if not is_candidate(user):
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
    # In the candidate's language; plain text, never HTML-escaped (templates autoescape off).
    with translation.override(candidate.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("candidates/email/invitation_subject.txt",
                                            context).split())
        body = render_to_string("candidates/email/invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [candidate.email])


# -- RGPD: export and erasure (docs/rgpd.md) ---------------------------------------------
ExportSection = Callable[[Candidate], tuple[str, object]]

EXPORT_SCHEMA = {"name": "certassess.candidate-data", "version": 1}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _identity_section(candidate: Candidate) -> tuple[str, object]:
    return "identity", {
        "id": str(candidate.public_id),
        "birth_name": candidate.birth_name,
        "usage_name": candidate.usage_name,
        "first_names": candidate.first_names,
        "birth_date": _iso(candidate.birth_date),
        "birth_commune": candidate.birth_commune,
        "birth_insee_code": candidate.birth_insee_code,
        "birth_country": candidate.birth_country,
        "sex": candidate.sex,
        "email": candidate.email,
        "phone": candidate.phone,
        "language": candidate.language,
        "created_at": _iso(candidate.created_at),
        "anonymised_at": _iso(candidate.anonymised_at),
    }


def _account_section(candidate: Candidate) -> tuple[str, object]:
    # Never the password hash: it is a secret, not data about the person.
    user = candidate.user
    if user is None:
        return "account", None
    return "account", {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": user.is_active,
        "last_login": _iso(user.last_login),
        "date_joined": _iso(user.date_joined),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
    }


def _bloc_data(bloc: Bloc) -> dict[str, str]:
    return {"code": bloc.code, "title": bloc.title}


def _enrolment_data(enrolment: Enrolment) -> dict[str, object]:
    session = enrolment.session
    certification = session.referentiel.certification
    return {
        "id": str(enrolment.public_id),
        "session": {
            "id": str(session.public_id), "name": session.name, "place": session.place,
            "starts_on": _iso(session.starts_on), "ends_on": _iso(session.ends_on),
        },
        "certification": {"code": certification.code, "title": certification.title,
                          "version": session.referentiel.version},
        "access_route": enrolment.access_route,
        "access_route_label": str(enrolment.get_access_route_display()),
        "whole_certification": enrolment.whole_certification,
        "target_blocs": [_bloc_data(bloc) for bloc in enrolment.target_blocs.all()],
        "accommodations": {
            "extra_time_percent": enrolment.extra_time_percent,
            "technical_aids": enrolment.technical_aids,
            "other_accommodations": enrolment.other_accommodations,
            "jury_note": enrolment.jury_note,
        },
        "acquired_blocs": [
            {**_bloc_data(acquired.bloc), "acquired_on": _iso(acquired.acquired_on),
             "origin": acquired.origin, "reference": acquired.reference}
            for acquired in enrolment.acquired_blocs.all()
        ],
        "status": enrolment.status,
        "status_label": str(enrolment.get_status_display()),
        "invited_at": _iso(enrolment.invited_at),
        "created_at": _iso(enrolment.created_at),
    }


def _enrolments_section(candidate: Candidate) -> tuple[str, object]:
    return "enrolments", [
        _enrolment_data(enrolment) for enrolment in enrolments_of_candidate(candidate=candidate)
    ]


def _invitations_section(candidate: Candidate) -> tuple[str, object]:
    enrolments = candidate.enrolments.filter(invited_at__isnull=False).select_related("session")
    return "invitations", [
        {"session": str(enrolment.session.public_id), "session_name": enrolment.session.name,
         "sent_at": _iso(enrolment.invited_at)}
        for enrolment in enrolments.order_by("invited_at")
    ]


def _erasures_section(candidate: Candidate) -> tuple[str, object]:
    return "erasures", [
        {"erased_at": _iso(record.erased_at), "reason": record.reason}
        for record in candidate.erasures.order_by("erased_at")
    ]


EXPORT_SECTIONS: list[ExportSection] = [
    _identity_section, _account_section, _enrolments_section, _invitations_section,
    _erasures_section,
]


def candidate_export_data(*, candidate: Candidate) -> dict[str, object]:
    """Everything held on one candidate (RGPD art. 15 and 20), JSON-serialisable.

    The answer is ``{"schema": {...}, "exported_at": ..., <section>: ...}``, one key per
    function of ``EXPORT_SECTIONS``. An app above this one that holds data on candidates
    (scores, deliberation decisions, documents) appends its own section from its
    ``AppConfig.ready()``::

        EXPORT_SECTIONS.append(lambda candidate: ("scores", [...]))

    A section returns ``(key, value)`` where value is made of dicts, lists, strings,
    numbers, booleans and None (dates as ISO 8601 strings); two sections with the same key
    are a programming error. Bump ``EXPORT_SCHEMA["version"]`` when a key changes meaning.
    """
    data: dict[str, object] = {"schema": dict(EXPORT_SCHEMA), "exported_at": _iso(timezone.now())}
    for section in EXPORT_SECTIONS:
        key, value = section(candidate)
        if key in data:
            raise ValueError(f"Two export sections are named {key!r}.")
        data[key] = value
    return data


def _account_erase(user: User) -> None:
    """The account can no longer sign in and no longer names the person."""
    user.email = f"erased-{uuid.uuid4()}@invalid"
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["email", "first_name", "last_name", "is_active", "password"])
    EmailAddress.objects.filter(user=user).delete()


# What an erased value becomes in the copies that keep their shape (logs, past imports).
ERASED = "[erased]"
# The fields erasure blanks, as they are named in an enrolment import's rows.
_ERASED_ROW_FIELDS = ("usage_name", "email", "phone", "technical_aids",
                      "other_accommodations", "jury_note")
# Django's file e-mail backend separates the messages of a file with this line.
_MAIL_SEPARATOR = "\n" + "-" * 79 + "\n"


def _erased_values(candidate: Candidate) -> list[str]:
    """What erasure removes from the candidate, as it may appear in a copy (longest first,
    so that an e-mail address goes before a name it contains)."""
    values = {candidate.email, candidate.phone, candidate.usage_name}
    if candidate.user_id is not None:
        values |= {candidate.user.email, candidate.user.first_name, candidate.user.last_name}
    for enrolment in candidate.enrolments.all():
        values |= {enrolment.technical_aids, enrolment.other_accommodations, enrolment.jury_note}
    return sorted((v.strip() for v in values if v and v.strip()), key=len, reverse=True)


def _scrubbed(text: str, values: list[str]) -> str:
    if not values or not text:
        return text
    pattern = "|".join(re.escape(value) for value in values)
    return re.sub(pattern, ERASED, text, flags=re.IGNORECASE)


def _logged_objects(candidate: Candidate) -> list[tuple[type[models.Model], list[int]]]:
    objects: list[tuple[type[models.Model], list[int]]] = [
        (Candidate, [candidate.pk]),
        (Enrolment, list(candidate.enrolments.values_list("pk", flat=True))),
    ]
    if candidate.user_id is not None:
        objects.append((User, [candidate.user_id]))
    return objects


def _admin_log_scrub(candidate: Candidate, values: list[str]) -> None:
    """Django's admin log names the object as it was (``object_repr``) and may quote it in
    ``change_message``: both lose the erased values; what was done, by whom, stays."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    about = Q(pk__in=[])
    for model, ids in _logged_objects(candidate):
        about |= Q(content_type=ContentType.objects.get_for_model(model),
                   object_id__in=[str(pk) for pk in ids])
    for entry in LogEntry.objects.filter(about):
        entry.object_repr = _scrubbed(entry.object_repr, values)[:200]
        entry.change_message = _scrubbed(entry.change_message, values)
        entry.save(update_fields=["object_repr", "change_message"])


def _imports_scrub(candidate: Candidate) -> None:
    """Past enrolment imports keep each row as read: the person's row loses what erasure
    blanks on the candidate (matched by identity, as the import matched it)."""
    sessions = candidate.enrolments.values_list("session_id", flat=True)
    for enrolment_import in EnrolmentImport.objects.filter(session_id__in=sessions):
        changed = False
        for row in enrolment_import.rows:
            row_values = row.get("values", {})
            try:
                key = identity_key(
                    birth_name=row_values.get("birth_name", ""),
                    first_names=row_values.get("first_names", ""),
                    birth_date=date.fromisoformat(row_values.get("birth_date", "")))
            except (TypeError, ValueError):
                continue
            if key != candidate.identity_key:
                continue
            for field in _ERASED_ROW_FIELDS:
                if row_values.get(field):
                    row_values[field] = ""
                    changed = True
        if changed:
            enrolment_import.save(update_fields=["rows"])


def _mail_files_scrub(email: str, values: list[str]) -> None:
    """In the embedded mode mail is written to files (EMAIL_FILE_PATH): the messages that
    went to the person lose the erased values; other people's messages are left alone."""
    if not email or not settings.EMAIL_DELIVERY_BACKEND.endswith("filebased.EmailBackend"):
        return
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        if email.lower() not in text.lower():
            continue
        messages = [_scrubbed(message, values) if email.lower() in message.lower() else message
                    for message in text.split(_MAIL_SEPARATOR)]
        path.write_text(_MAIL_SEPARATOR.join(messages), encoding="utf-8",
                        errors="surrogateescape")


@transaction.atomic
def candidate_erase(*, candidate: Candidate, erased_by: User, reason: str) -> Candidate:
    """Erase (anonymise) what the law does not oblige us to keep (RGPD art. 17).

    Erased: e-mail, phone, usage name, the user account (deactivated, e-mail
    scrambled, unusable password, allauth addresses removed), the accommodation texts and
    jury notes of every enrolment. Kept, because issued documents and signed minutes must
    stay verifiable and show their holder: birth name, first names, birth date and place,
    sex (the Caisse des Dépôts declaration of holders requires it), the enrolments and
    the blocs acquired. The copies go too: Django's admin log, past enrolment imports and
    mail files lose the erased values (docs/rgpd.md). A second erasure is refused."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for the erasure."), code="no_reason")
    stored = Candidate.objects.select_related("user").get(pk=candidate.pk)
    values = _erased_values(stored)
    email = stored.email or (stored.user.email if stored.user_id else "")
    # Claimed with a conditional update: two concurrent erasures cannot both pass.
    claimed = Candidate.objects.filter(pk=candidate.pk, anonymised_at__isnull=True).update(
        anonymised_at=timezone.now(), email="", phone="", usage_name="",
    )
    if claimed != 1:
        raise ValidationError(
            _("The personal data of this candidate were already erased."),
            code="already_erased",
        )
    candidate.enrolments.update(technical_aids="", other_accommodations="", jury_note="")
    if candidate.user_id is not None:
        _account_erase(candidate.user)
    # The copies: Django's admin log, past imports, mail files (the audit trail is
    # append-only, down to a PostgreSQL trigger: docs/rgpd.md says why it is kept).
    _admin_log_scrub(candidate, values)
    _imports_scrub(candidate)
    transaction.on_commit(lambda: _mail_files_scrub(email, values))
    ErasureRecord.objects.create(candidate=candidate, erased_by=erased_by, reason=reason)
    candidate.refresh_from_db()
    return candidate


# -- enrolment: one by one and from a spreadsheet (DESIGN.md §4.2) -------------------------
def _email_conflict(*, email: str, key: str) -> str | None:
    """Why this address cannot be a new candidate's (it opens someone else's account)."""
    if not email:
        return None
    staff = User.objects.filter(email__iexact=email).exclude(role=Role.CANDIDATE).exists()
    if staff:
        return _("%(email)s belongs to a staff or jury account: use another address.") % {
            "email": email}
    other = (
        Candidate.objects.filter(Q(email__iexact=email) | Q(user__email__iexact=email),
                                 anonymised_at__isnull=True)
        .exclude(identity_key=key).first()
    )
    if other is not None:
        return _("%(email)s is already the address of another candidate (%(name)s).") % {
            "email": email, "name": other.legal_name}
    return None


@transaction.atomic
def enrolment_create_for_identity(
    *,
    session: Session,
    identity: Identity,
    existing: Candidate | None = None,
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
    """Enrol the person an identity describes: a new candidate, or ``existing`` when the
    administrator chose the candidate already known under this identity. The same person
    is never created twice: without ``existing`` a known identity raises
    DuplicateCandidateError."""
    key = identity_key(birth_name=identity.birth_name, first_names=identity.first_names,
                       birth_date=identity.birth_date)
    if existing is None:
        problem = _email_conflict(email=identity.cleaned()["email"], key=key)
        if problem:
            raise ValidationError({"email": problem})
        candidate = candidate_create(identity=identity)
    elif existing.identity_key != key or existing.anonymised_at is not None:
        raise ValidationError(_("This candidate is not the person described."),
                              code="not_same_person")
    else:
        candidate = existing
    return enrolment_create(
        candidate=candidate, session=session, access_route=access_route,
        whole_certification=whole_certification, target_blocs=target_blocs,
        extra_time_percent=extra_time_percent, technical_aids=technical_aids,
        other_accommodations=other_accommodations, jury_note=jury_note,
        acquired_blocs=acquired_blocs, invite=invite,
    )


@transaction.atomic
def enrolment_invite(*, enrolment: Enrolment) -> Enrolment:
    """Send the invitation again (a lost mail, an expired link, a corrected address).
    Allowed after signing: the invitation changes nothing the deliberation decided."""
    candidate_invite(candidate=enrolment.candidate, session=enrolment.session)
    enrolment.invited_at = timezone.now()
    enrolment.save(update_fields=["invited_at"])
    return enrolment


class EnrolmentImportNotPendingError(Exception):
    """The import was already confirmed or cancelled: nothing was done."""

    def __init__(self, enrolment_import: EnrolmentImport) -> None:
        self.enrolment_import = enrolment_import
        super().__init__(f"Import {enrolment_import.public_id} is {enrolment_import.status}.")


class EnrolmentImportError(Exception):
    """Some rows have errors: nothing was written. The rows carry the errors."""


def _enrolment_import_check_size(size: int | None) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_SIZE
    if size is not None and size > limit:
        raise ImportFormatError(
            _("The file is too large (%(size)s): the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def _row_error(row: dict, headers: dict[str, str], key: str, message: str) -> None:
    row["errors"].append({"field": key, "column": headers.get(key, key), "message": message})


def _row_identity(values: dict) -> Identity:
    born = values["birth_date"]
    return Identity(
        birth_name=values["birth_name"], first_names=values["first_names"],
        birth_date=date.fromisoformat(born) if born else None,
        **{name: values[name] for name in ("usage_name", "birth_commune", "birth_insee_code",
                                           "birth_country", "sex", "email", "phone",
                                           "language")},
    )


def _row_key(values: dict) -> str | None:
    if not (values["birth_name"] and values["first_names"] and values["birth_date"]):
        return None
    identity = _row_identity(values)
    return identity_key(birth_name=identity.birth_name, first_names=identity.first_names,
                        birth_date=identity.birth_date)


def _check_row_blocs(row: dict, headers: dict[str, str], blocs: dict[str, Bloc],
                     version: str) -> None:
    for key in ("blocs", "acquired_blocs"):
        unknown = [code for code in row["values"][key] if code not in blocs]
        if unknown:
            _row_error(row, headers, key, _(
                "%(codes)s: not a bloc of this session's framework (%(version)s)."
            ) % {"codes": ", ".join(unknown), "version": version})


def _known_candidates(keys: set[str]) -> dict[str, Candidate]:
    candidates = Candidate.objects.filter(identity_key__in=keys, anonymised_at__isnull=True)
    return {candidate.identity_key: candidate for candidate in candidates}


def _taken_emails(emails: set[str]) -> tuple[set[str], dict[str, set[str]]]:
    """Addresses of staff or jury accounts, and the identity keys of the candidates who
    already use each address: two queries for the whole file."""
    staff = set(
        User.objects.annotate(address=Lower("email")).filter(address__in=emails)
        .exclude(role=Role.CANDIDATE).values_list("address", flat=True)
    )
    owners: dict[str, set[str]] = {}
    candidates = (
        Candidate.objects.filter(anonymised_at__isnull=True)
        .annotate(address=Lower("email"), account=Lower("user__email"))
        .filter(Q(address__in=emails) | Q(account__in=emails))
        .values_list("address", "account", "identity_key")
    )
    for address, account, key in candidates:
        for email in {address, account} & emails:
            owners.setdefault(email, set()).add(key)
    return staff, owners


def _check_rows(session: Session, rows: list[dict], headers: dict[str, str]) -> None:
    """What a row cannot say on its own: blocs of this référentiel, the same person twice,
    a known candidate (reused, never duplicated), an address that belongs to another."""
    referentiel = session.referentiel
    version = f"{referentiel.certification.code} v{referentiel.version}"
    blocs = {bloc.code.upper(): bloc for bloc in referentiel.blocs.all() if bloc.code}
    keys = {row["number"]: _row_key(row["values"]) for row in rows}
    known = _known_candidates({key for key in keys.values() if key})
    enrolled = set(
        Enrolment.objects.filter(session=session, candidate__in=known.values())
        .values_list("candidate__identity_key", flat=True)
    )
    emails = {row["values"]["email"] for row in rows if row["values"]["email"]}
    staff, owners = _taken_emails(emails)
    seen_people: dict[str, int] = {}
    seen_emails: dict[str, tuple[str | None, int]] = {}
    for row in rows:
        _check_row_blocs(row, headers, blocs, version)
        key, values = keys[row["number"]], row["values"]
        row["existing"] = None
        if key in seen_people:
            _row_error(row, headers, "birth_name", _("Same person as row %(row)d.")
                       % {"row": seen_people[key]})
        elif key:
            seen_people[key] = row["number"]
        if key in known:
            candidate = known[key]
            row["existing"] = {"public_id": str(candidate.public_id), "name": candidate.legal_name,
                               "email": candidate.email}
            if key in enrolled:
                _row_error(row, headers, "birth_name",
                           _("%(name)s is already enrolled in this session.")
                           % {"name": candidate.legal_name})
            continue
        email = values["email"]
        if not email:
            continue
        if email in staff:
            _row_error(row, headers, "email", _(
                "%(email)s belongs to a staff or jury account: use another address."
            ) % {"email": email})
        elif owners.get(email, set()) - {key}:
            _row_error(row, headers, "email", _(
                "%(email)s is already the address of another candidate.") % {"email": email})
        elif email in seen_emails and seen_emails[email][0] != key:
            _row_error(row, headers, "email", _(
                "%(email)s is already on row %(row)d, for another person."
            ) % {"email": email, "row": seen_emails[email][1]})
        seen_emails.setdefault(email, (key, row["number"]))


def _import_report(rows: list[dict], headers: dict[str, str], notes: list[str]) -> dict:
    invalid = sum(1 for row in rows if row["errors"])
    return {
        "total": len(rows),
        "valid": len(rows) - invalid,
        "invalid": invalid,
        "existing": sum(1 for row in rows if row.get("existing")),
        "headers": headers,
        "notes": notes,
    }


def _enrolment_import_check_stored(rows: list[dict]) -> None:
    """What waits for confirmation is kept in the import row: its size is bounded too."""
    stored = len(json.dumps(rows, cls=DjangoJSONEncoder).encode())
    limit = settings.IMPORT_MAX_DRAFT_SIZE
    if stored > limit:
        raise ImportFormatError(
            _("What this file describes is too large to keep for confirmation "
              "(%(size)s; the limit is %(limit)s): split it.")
            % {"size": filesizeformat(stored), "limit": filesizeformat(limit)})


def enrolment_import_preview(
    *,
    session: Session,
    file: BinaryIO,
    file_name: str,
    size: int | None = None,
    created_by: User | None = None,
) -> EnrolmentImport:
    """Parse and check an upload, and keep its rows for confirmation. A file that cannot
    be read raises ImportFormatError and nothing is written."""
    _enrolment_import_check_size(size)
    data = file.read(settings.IMPORT_MAX_UPLOAD_SIZE + 1)
    _enrolment_import_check_size(len(data))
    parsed = enrolment_importers.parse(data)
    rows = [
        {"number": row.number, "values": row.values,
         "errors": [error.as_json() for error in row.errors], "existing": None}
        for row in parsed.rows
    ]
    _check_rows(session, rows, parsed.headers)
    _enrolment_import_check_stored(rows)
    return EnrolmentImport.objects.create(
        session=session, created_by=created_by, file_name=file_name[:300], rows=rows,
        report=_import_report(rows, parsed.headers, parsed.notes),
    )


def _enrolment_import_claim(enrolment_import: EnrolmentImport, status: str) -> None:
    """Move a pending import to ``status`` exactly once (a double submit changes nothing)."""
    changed = EnrolmentImport.objects.filter(
        pk=enrolment_import.pk, status=EnrolmentImport.Status.PENDING
    ).update(status=status, decided_at=timezone.now())
    if not changed:
        enrolment_import.refresh_from_db()
        raise EnrolmentImportNotPendingError(enrolment_import)


def _enrol_row(session: Session, row: dict, blocs: dict[str, Bloc]) -> Enrolment:
    values = row["values"]
    identity = _row_identity(values)
    acquired_on = values["acquired_on"]
    return enrolment_create_for_identity(
        session=session, identity=identity,
        existing=candidate_find_duplicate(birth_name=identity.birth_name,
                                          first_names=identity.first_names,
                                          birth_date=identity.birth_date),
        access_route=AccessRoute(values["access_route"]),
        whole_certification=not values["blocs"],
        target_blocs=[blocs[code] for code in values["blocs"]],
        extra_time_percent=values["extra_time_percent"],
        technical_aids=values["technical_aids"],
        other_accommodations=values["other_accommodations"], jury_note=values["jury_note"],
        acquired_blocs=[
            AcquiredBlocInput(bloc=blocs[code], acquired_on=date.fromisoformat(acquired_on),
                              origin=AcquisitionOrigin(values["acquisition_origin"]))
            for code in values["acquired_blocs"]
        ],
        invite=False,
    )


def _enrol_rows(session: Session, rows: list[dict], headers: dict[str, str]) -> list[Enrolment]:
    blocs = {bloc.code.upper(): bloc for bloc in session.referentiel.blocs.all() if bloc.code}
    enrolments = []
    for row in rows:
        try:
            enrolments.append(_enrol_row(session, row, blocs))
        except ValidationError as exc:
            _row_error(row, headers, "", " ".join(exc.messages))
    if any(row["errors"] for row in rows):
        raise EnrolmentImportError
    return enrolments


def _invite_enrolled(enrolments: list[Enrolment], rows: list[dict],
                     headers: dict[str, str]) -> int:
    invited = []
    for enrolment, row in zip(enrolments, rows, strict=True):
        if not enrolment.candidate.email:
            continue
        try:
            candidate_invite(candidate=enrolment.candidate, session=enrolment.session)
        except ValidationError as exc:
            _row_error(row, headers, "email", " ".join(exc.messages))
        else:
            invited.append(enrolment.pk)
    if any(row["errors"] for row in rows):
        raise EnrolmentImportError
    Enrolment.objects.filter(pk__in=invited).update(invited_at=timezone.now())
    return len(invited)


def enrolment_import_confirm(
    *, enrolment_import: EnrolmentImport, invite: bool = True
) -> EnrolmentImport:
    """Enrol every row of a pending import in one transaction: all rows or none. Rows are
    checked again (a candidate may have been enrolled since the preview); on errors the
    import stays pending with them and EnrolmentImportError is raised. Invitations leave
    after the commit (the e-mail backend sends on commit)."""
    session = enrolment_import.session
    rows = [{**row, "errors": list(row["errors"])} for row in enrolment_import.rows]
    headers = enrolment_import.report.get("headers", {})
    try:
        with transaction.atomic():
            _enrolment_import_claim(enrolment_import, EnrolmentImport.Status.CONFIRMED)
            if any(row["errors"] for row in rows):
                raise EnrolmentImportError
            _check_rows(session, rows, headers)
            if any(row["errors"] for row in rows):
                raise EnrolmentImportError
            enrolments = _enrol_rows(session, rows, headers)
            invited = _invite_enrolled(enrolments, rows, headers) if invite else 0
            enrolment_import.result = {
                "enrolled": len(enrolments),
                "created": sum(1 for row in rows if not row["existing"]),
                "existing": sum(1 for row in rows if row["existing"]),
                "invited": invited,
                "enrolments": [str(enrolment.public_id) for enrolment in enrolments],
            }
            enrolment_import.rows = []  # the identities now live on the candidates
            enrolment_import.save(update_fields=["result", "rows"])
    except EnrolmentImportError:
        EnrolmentImport.objects.filter(
            pk=enrolment_import.pk, status=EnrolmentImport.Status.PENDING
        ).update(rows=rows, report=_import_report(
            rows, headers, enrolment_import.report.get("notes", [])))
        enrolment_import.refresh_from_db()
        raise
    enrolment_import.refresh_from_db()
    return enrolment_import


@transaction.atomic
def enrolment_import_cancel(*, enrolment_import: EnrolmentImport) -> EnrolmentImport:
    """Drop a pending import and the identities it held; nothing is enrolled."""
    _enrolment_import_claim(enrolment_import, EnrolmentImport.Status.CANCELLED)
    EnrolmentImport.objects.filter(pk=enrolment_import.pk).update(rows=[])
    enrolment_import.refresh_from_db()
    return enrolment_import
