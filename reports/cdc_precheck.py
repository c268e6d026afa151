"""The pre-declaration report of a session (issue 20, docs/documents.md « Checked up
front »): per candidate, what would stop or risk their declaration to the Caisse des Dépôts,
with where to correct it, and the certification's own problems (Caisse des Dépôts ids, RNCP
or RS code). The holder rules are ``candidates.declaration_checks`` — the same as the
enrolment form, the spreadsheet import, the holders file and every flux.

Before the deliberation is signed, every candidate enrolled (not withdrawn) is checked: any
of them may become a holder. Once it is signed, only the holders of the whole certification
(those the file declares). Three queries whatever the number of candidates (two before
signing when the caller says it is not signed).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse

from accounts.models import User
from accounts.permissions import is_administrator
from candidates.declaration_checks import HolderProblem, first_names_split, holder_problems
from candidates.models import Enrolment, EnrolmentStatus, Session
from deliberations.models import CandidateOutcome
from reports.cdc import _certification_problems
from reports.models import CdcPassage, CdcPassageState
from reports.selectors import signed_deliberation_of_session


@dataclass(frozen=True)
class CandidateCheck:
    enrolment: Enrolment
    problems: list[HolderProblem]
    fix_url: str  # where to correct: the identity page, or its rectification mode
    # Signed: corrected for the Caisse des Dépôts (rejected, or never sent yet), the
    # documents keeping the identity frozen at signing.
    rectify: bool = False

    @property
    def candidate(self):
        return self.enrolment.candidate

    @property
    def stops(self) -> bool:
        return any(problem.stops_declaration for problem in self.problems)

    @property
    def first_names_declared(self) -> list[str]:
        """prenom1, prenom2, prenom3 as the file will carry them."""
        return first_names_split(self.candidate.first_names)


@dataclass(frozen=True)
class SessionPrecheck:
    session: Session
    signed: bool
    certification_problems: list[str] = field(default_factory=list)
    candidates: list[CandidateCheck] = field(default_factory=list)  # every one checked

    @property
    def to_complete(self) -> list[CandidateCheck]:
        """Candidates whose declaration would be refused as they stand."""
        return [item for item in self.candidates if item.stops]

    @property
    def at_risk(self) -> list[CandidateCheck]:
        """Declarable, but the Caisse des Dépôts may reject them."""
        return [item for item in self.candidates if item.problems and not item.stops]

    @property
    def with_problems(self) -> list[CandidateCheck]:
        return [item for item in self.candidates if item.problems]

    @property
    def ready(self) -> bool:
        return not self.certification_problems and not self.to_complete


def _checked_enrolments(session: Session, signed: bool):
    enrolments = (Enrolment.objects.filter(session=session)
                  .exclude(status=EnrolmentStatus.WITHDRAWN)
                  .select_related("candidate")
                  .order_by("candidate__birth_name", "candidate__first_names", "pk"))
    if signed:
        enrolments = enrolments.filter(
            decisions__deliberation__session=session,
            decisions__deliberation__signed_at__isnull=False,
            decisions__outcome=CandidateOutcome.FULL_SUCCESS).distinct()
    return enrolments


def cdc_precheck(*, session: Session, today: date | None = None,
                 signed: bool | None = None) -> SessionPrecheck:
    """The report without the permission check (the command); the session comes with its
    référentiel and certification (``session_get_for_admin``). ``signed``: whether its
    deliberation is signed, when the caller knows already (one query less). The age is
    judged on the session's first day (``today`` to judge it another day)."""
    on = session.starts_on if today is None else today
    if signed is None:
        signed = signed_deliberation_of_session(session=session) is not None
    # Passages exist once a flux was built, after signing only.
    passages = {enrolment_id: (state, public_id) for enrolment_id, state, public_id
                in CdcPassage.objects.filter(decision__enrolment__session=session)
                .values_list("decision__enrolment_id", "state", "public_id")} if signed else {}
    checks = []
    for enrolment in _checked_enrolments(session, signed):
        state, passage_id = passages.get(enrolment.pk, (None, None))
        if state == CdcPassageState.REJECTED:
            url = reverse("reports:cdc_passage_rectify", args=[passage_id])
        elif signed and state in (None, CdcPassageState.TO_DECLARE):
            # Signed, never sent: completed for the declaration (the documents keep the
            # identity frozen at signing).
            url = reverse("reports:cdc_holder_complete",
                          args=[session.public_id, enrolment.public_id])
        else:
            url = reverse("candidates:candidate_identity_edit",
                          args=[session.public_id, enrolment.public_id])
        checks.append(CandidateCheck(enrolment, holder_problems(enrolment.candidate, on=on),
                                     url, rectify=state == CdcPassageState.REJECTED
                                     or (signed and state in (None,
                                                              CdcPassageState.TO_DECLARE))))
    return SessionPrecheck(
        session, signed,
        certification_problems=_certification_problems(session.referentiel.certification),
        candidates=checks)


def cdc_precheck_for_admin(*, user: User, session: Session, today: date | None = None
                           ) -> SessionPrecheck | None:
    """The report of a session reached through ``session_get_for_admin``; None for anyone
    but an administrator."""
    if not is_administrator(user):
        return None
    return cdc_precheck(session=session, today=today)


CSV_COLUMNS = ("enrolment", "birth_name", "usage_name", "first_names", "prenom1", "prenom2",
               "prenom3", "sex", "birth_date", "birth_insee_code", "birth_commune",
               "birth_country", "level", "field", "problem", "fix_url")


def _safe(value: str) -> str:
    """A cell a spreadsheet would read as a formula is quoted (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def cdc_precheck_csv(report: SessionPrecheck, *, base_url: str = "") -> str:
    """One line per problem (one per candidate without any, with an empty level), then the
    certification's problems; UTF-8 with a BOM for spreadsheets, ``;`` as separator."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for problem in report.certification_problems:
        writer.writerow(["", "", "", "", "", "", "", "", "", "", "", "", "invalid",
                         "certification", _safe(problem), ""])
    for item in report.candidates:
        candidate = item.candidate
        names = [*item.first_names_declared, "", "", ""][:3]
        identity = [str(item.enrolment.public_id), candidate.birth_name, candidate.usage_name,
                    candidate.first_names, *names, candidate.sex,
                    candidate.birth_date.isoformat() if candidate.birth_date else "",
                    candidate.birth_insee_code, candidate.birth_commune,
                    candidate.birth_country]
        identity = [_safe(value) for value in identity]
        for problem in item.problems or [None]:
            writer.writerow([*identity, problem.level if problem else "",
                             problem.field if problem else "",
                             _safe(problem.message) if problem else "",
                             base_url + item.fix_url])
    return out.getvalue()


def cdc_holder_to_complete(*, session: Session, enrolment_id: object) -> Enrolment | None:
    """A holder of the session's signed deliberation whose declaration was never sent (no
    passage, or one still to declare): their identity may be completed for the
    declaration. None otherwise (not signed, not a holder, already sent). The caller has
    checked that the user reaches the session."""
    if signed_deliberation_of_session(session=session) is None:
        return None
    enrolment = (_checked_enrolments(session, signed=True).filter(public_id=enrolment_id)
                 .first())
    if enrolment is None:
        return None
    sent = CdcPassage.objects.filter(decision__enrolment=enrolment).exclude(
        state=CdcPassageState.TO_DECLARE).exists()
    return None if sent else enrolment
