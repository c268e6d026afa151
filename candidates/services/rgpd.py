"""RGPD: the export of everything held on a candidate, and the erasure that keeps the
legal records (docs/rgpd.md)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from candidates.models import Candidate, Enrolment, EnrolmentImport, ErasureRecord
from candidates.selectors import enrolments_of_candidate
from candidates.services.identity import identity_key
from candidates.signals import candidate_erased
from certifications.models import Bloc

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
    the blocs acquired. The copies go too: Django's admin log, past enrolment imports,
    mail files and the messages sent (``candidate_erased``) lose the erased values
    (docs/rgpd.md). A second erasure is refused."""
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
    candidate_erased.send(sender=Candidate, candidate_id=candidate.pk,
                          user_id=candidate.user_id, email=email,
                          enrolment_ids=list(candidate.enrolments.values_list("pk", flat=True)))
    transaction.on_commit(lambda: _mail_files_scrub(email, values))
    ErasureRecord.objects.create(candidate=candidate, erased_by=erased_by, reason=reason)
    candidate.refresh_from_db()
    return candidate
