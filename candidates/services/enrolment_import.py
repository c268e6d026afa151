"""Enrolments from a spreadsheet (DESIGN.md §4.2): the upload is parsed and checked,
kept for confirmation, then enrolled all rows or none."""

from __future__ import annotations

import json
from datetime import date
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.staging import staged_claim
from candidates import importers as enrolment_importers
from candidates.declaration_checks import Level, holder_problems
from candidates.models import (
    AccessRoute,
    AcquisitionOrigin,
    Candidate,
    Enrolment,
    EnrolmentImport,
    Session,
)
from candidates.services.enrolment import (
    AcquiredBlocInput,
    EnrolmentTerms,
    enrolment_create_for_identity,
)
from candidates.services.identity import Identity, candidate_find_duplicate, identity_key
from candidates.services.invitation import candidate_invite
from certifications.errors import ImportFormatError
from certifications.models import Bloc


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


def _check_row_holder(row: dict, headers: dict[str, str], on: date) -> None:
    """The identity against the declaration's rule set (``candidates.declaration_checks``),
    every problem in words on its row: what can never be declared (a birth date in the
    future, a name longer than the Caisse des Dépôts file allows, a birth year outside
    1900–2099) is an error that blocks the import; what is missing (sex, birthplace code)
    or risky (a code the INSEE lists contradict, an implausible age) is a warning, to be
    completed on the candidate's page before the declaration."""
    values = row["values"]
    failed = {error["field"] for error in row["errors"]}
    identity = _row_identity(values) if "birth_date" not in failed else None
    row["warnings"] = []
    if identity is None:
        return
    for problem in holder_problems(identity, on=on):
        if problem.field in failed:
            continue  # the parser said what is wrong with this cell already
        if problem.level is Level.INVALID:
            _row_error(row, headers, problem.field, problem.message)
        else:
            row["warnings"].append({"field": problem.field,
                                    "column": headers.get(problem.field, ""),
                                    "message": problem.message})


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
        _check_row_holder(row, headers, session.starts_on)
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
    if not staged_claim(enrolment_import, status):
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
        terms=EnrolmentTerms(
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
        ),
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
