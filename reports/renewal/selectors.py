"""The figures of the renewal file, per certification and promotion (docs/renewal.md).

A **promotion** is the set of the certification's sessions (every référentiel version)
whose deliberation was **signed** within a period: a calendar year (``2025``) or a chosen
range of days (``2025-09-01..2026-08-31``), in the site's time zone. A session without
a signed deliberation belongs to no promotion: nothing it holds is decided yet.

What is read, and where from:

- the decisions of signed deliberations (outcome, bloc statuses, final levels): the rows
  are read-only once signed but for recorded amendments, so an amended decision counts as
  amended, as the documents issued for it (DESIGN.md §5);
- the labels of blocs, compétences, the scale and the session's name from the snapshot
  frozen at signing (``Deliberation.minutes``), never the live rows: a rename after the
  signature does not rename what was decided. Blocs and compétences of several versions
  are gathered by code;
- enrolments (access route, withdrawal) and sittings (attendance), which the signature
  locked with the session.

Every figure counts **enrolments**: a candidate enrolled in two sessions of one promotion
(a rattrapage) counts in each. Withdrawn enrolments are counted apart and in no other
figure. Rates are fractions of the candidates **present** (who sat at least one épreuve
that was not cancelled); ``None`` when nobody was present.

The insertion of holders comes from the insertion survey (``insertion``): per wave (6 and
24 months after the decision), the surveys sent to the holders of the promotion's
sessions, those answered, and of the answers, employed and in the job the certification
prepares for, by contract; the anonymous counts an erasure left are added in.

Constant number of queries whatever the number of sessions, candidates or promotions:
six (deliberations, enrolments, bloc decisions, final levels, surveys, anonymous survey
counts), and two more only when a snapshot lacks the labels of a bloc or compétence.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import may_manage_certifications
from assessments.models import Attendance, Sitting
from candidates.models import AccessRoute, Enrolment, EnrolmentStatus
from certifications.codes import code_normalise
from certifications.models import Bloc, Certification, Competence
from deliberations.models import (
    BlocDecision,
    BlocDecisionStatus,
    CandidateDecision,
    CandidateOutcome,
    CompetenceDecision,
    Deliberation,
)
from insertion.models import ContractType, Wave
from insertion.selectors import insertion_counts

#: At most this many promotions in one report (France Compétences asks for two).
MAX_PROMOTIONS = 6
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
#: A bloc not validated in the session, though the candidate sat for it.
FAILED_BLOC_STATUSES = frozenset({BlocDecisionStatus.COMPLEMENT, BlocDecisionStatus.RATTRAPAGE,
                                  BlocDecisionStatus.INCOMPLETE})


# -- promotions ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Promotion:
    """The sessions whose deliberation was signed from ``start`` to ``end`` (both days
    included, in the site's time zone)."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def year(cls, year: int) -> Promotion:
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @property
    def is_year(self) -> bool:
        return (self.start.year == self.end.year and (self.start.month, self.start.day) == (1, 1)
                and (self.end.month, self.end.day) == (12, 31))

    @property
    def key(self) -> str:
        """As written in a query string or on the command line: ``2025`` or
        ``2025-09-01..2026-08-31``."""
        return str(self.start.year) if self.is_year else f"{self.start}..{self.end}"

    @property
    def label(self) -> str:
        return str(self.start.year) if self.is_year else f"{self.start} – {self.end}"

    def holds(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def promotion_parse(text: str) -> Promotion:
    """``2025`` (a calendar year) or ``2025-09-01..2026-08-31`` (a range of days);
    ``ValueError`` with a sentence otherwise."""
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return Promotion.year(int(text))
    found = _RANGE.match(text)
    if found:
        try:
            start, end = (datetime.date.fromisoformat(found[1]),
                          datetime.date.fromisoformat(found[2]))
        except ValueError:
            start = end = None
        if start and end and start <= end:
            return Promotion(start, end)
    raise ValueError(_("« %(text)s » is not a promotion: write a year (2025) or a range of "
                       "days (2025-09-01..2026-08-31).") % {"text": text[:40]})


def promotions_parse(texts: Iterable[str]) -> list[Promotion]:
    """Each distinct promotion once, in chronological order; ``ValueError`` on a wrong one,
    on none, or on more than ``MAX_PROMOTIONS``."""
    found = sorted({promotion_parse(text) for text in texts if text.strip()},
                   key=lambda p: (p.start, p.end))
    if not found:
        raise ValueError(_("Choose at least one promotion."))
    if len(found) > MAX_PROMOTIONS:
        raise ValueError(_("Choose at most %(count)d promotions.") % {"count": MAX_PROMOTIONS})
    return found


# -- the figures ------------------------------------------------------------------------------
def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Counts:
    """The candidates of a promotion (or of one access route in it)."""

    enrolled: int = 0  # withdrawn enrolments aside
    present: int = 0  # sat at least one épreuve
    full: int = 0  # the whole certification
    partial: int = 0  # some blocs
    failure: int = 0
    absent: int = 0
    excused: int = 0
    undecided: int = 0  # enrolled after the proposal: no decision
    withdrawn: int = 0

    @property
    def full_rate(self) -> float | None:
        """Certified in full, of those present."""
        return _rate(self.full, self.present)

    @property
    def success_rate(self) -> float | None:
        """Certified in full or in part, of those present."""
        return _rate(self.full + self.partial, self.present)

    def as_dict(self) -> dict[str, Any]:
        return {"enrolled": self.enrolled, "present": self.present, "full": self.full,
                "partial": self.partial, "failure": self.failure, "absent": self.absent,
                "excused": self.excused, "undecided": self.undecided,
                "withdrawn": self.withdrawn, "full_rate": self.full_rate,
                "success_rate": self.success_rate}


@dataclass
class BlocFigures:
    code: str
    title: str
    holders: int = 0  # validated in the promotion's sessions
    partial_holders: int = 0  # of them, candidates certified in part
    failed: int = 0  # sat for it, not validated (complement, rattrapage, incomplete)
    acquired_before: int = 0  # capitalisation, equivalence, VAE before the session

    @property
    def failure_rate(self) -> float | None:
        """Not validated, of the candidates who sat for the bloc."""
        return _rate(self.failed, self.holders + self.failed)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "holders": self.holders,
                "partial_holders": self.partial_holders, "failed": self.failed,
                "acquired_before": self.acquired_before, "failure_rate": self.failure_rate}


@dataclass
class CompetenceFigures:
    code: str
    title: str
    bloc_code: str
    levels: dict[int, int] = field(default_factory=dict)  # final level → candidates

    @property
    def count(self) -> int:
        return sum(self.levels.values())

    @property
    def average(self) -> float | None:
        """The mean final level (1 is the best); ``None`` when nobody was given one."""
        count = self.count
        return round(sum(n * level for level, n in self.levels.items()) / count, 2) if count \
            else None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "bloc": self.bloc_code,
                "candidates": self.count, "average_level": self.average,
                "levels": {str(level): n for level, n in sorted(self.levels.items())}}


@dataclass
class RouteFigures:
    route: str
    label: str | Promise  # lazy: said in the language of whatever shows it
    counts: Counts

    def as_dict(self) -> dict[str, Any]:
        return {"route": self.route, "label": str(self.label), **self.counts.as_dict()}


@dataclass
class PartnerFigures:
    """The candidates of the sessions a partner organised; ``siret`` empty for the
    sessions the certifier organised itself (no partner)."""

    name: str | Promise  # lazy for the certifier itself
    siret: str
    counts: Counts

    @property
    def is_certifier(self) -> bool:
        return not self.siret

    def as_dict(self) -> dict[str, Any]:
        return {"partner": self.siret or None, "name": str(self.name), **self.counts.as_dict()}


#: The key of the sessions without a partner.
CERTIFIER_ITSELF = ("", "")


@dataclass
class SessionRow:
    name: str
    starts_on: datetime.date
    signed_on: datetime.date
    partner: str = ""  # the organising partner's legal name; "" the certifier itself


@dataclass
class InsertionFigures:
    """One wave of the insertion survey for a promotion's holders. Rates are fractions of
    the surveys sent (response) or of the answers (employment, target job)."""

    wave: int  # months after the decision
    sent: int = 0
    answered: int = 0
    employed: int = 0
    in_target_job: int = 0  # employed in the job the certification prepares for
    contracts: dict[str, int] = field(default_factory=dict)  # of the employed

    @property
    def response_rate(self) -> float | None:
        return _rate(self.answered, self.sent)

    @property
    def employment_rate(self) -> float | None:
        return _rate(self.employed, self.answered)

    @property
    def target_job_rate(self) -> float | None:
        return _rate(self.in_target_job, self.answered)

    @property
    def contract_rows(self) -> list[tuple[str, str | Promise, int]]:
        """Every contract type, in the order of ``ContractType``, with its count."""
        return [(value, label, self.contracts.get(value, 0))
                for value, label in ContractType.choices]

    def as_dict(self) -> dict[str, Any]:
        return {"wave_months": self.wave, "sent": self.sent, "answered": self.answered,
                "response_rate": self.response_rate, "employed": self.employed,
                "employment_rate": self.employment_rate, "in_target_job": self.in_target_job,
                "target_job_rate": self.target_job_rate,
                "contracts": {value: n for value, _label, n in self.contract_rows}}


@dataclass
class PromotionFigures:
    promotion: Promotion
    sessions: list[SessionRow]
    counts: Counts
    routes: list[RouteFigures]  # the routes with at least one enrolment
    partners: list[PartnerFigures]  # the certifier itself first, then by name
    blocs: list[BlocFigures]
    competences: list[CompetenceFigures]
    insertion: list[InsertionFigures] = field(default_factory=list)  # one per wave

    @property
    def failed_blocs(self) -> list[BlocFigures]:
        """The blocs most often failed first; those never failed left out."""
        return sorted((b for b in self.blocs if b.failed),
                      key=lambda b: (-b.failed, -(b.failure_rate or 0), b.code))

    def as_dict(self) -> dict[str, Any]:
        return {
            "promotion": self.promotion.key, "label": self.promotion.label,
            "start": self.promotion.start.isoformat(), "end": self.promotion.end.isoformat(),
            "sessions": [{"name": s.name, "starts_on": s.starts_on.isoformat(),
                          "signed_on": s.signed_on.isoformat(), "partner": s.partner or None}
                         for s in self.sessions],
            **self.counts.as_dict(),
            "routes": [route.as_dict() for route in self.routes],
            "partners": [partner.as_dict() for partner in self.partners],
            "blocs": [bloc.as_dict() for bloc in self.blocs],
            "blocs_most_failed": [bloc.code or bloc.title for bloc in self.failed_blocs],
            "competences": [competence.as_dict() for competence in self.competences],
            "insertion": [wave.as_dict() for wave in self.insertion],
        }


@dataclass
class RenewalReport:
    certification: Certification
    promotions: list[PromotionFigures]
    scale: dict[int, str]  # level → label, as frozen at the latest signature
    generated_at: datetime.datetime

    def as_dict(self) -> dict[str, Any]:
        certification = self.certification
        return {
            "certification": {"id": str(certification.public_id), "code": certification.code,
                              "title": certification.title, "level": certification.level},
            "generated_at": self.generated_at.isoformat(),
            "scale": {str(level): label for level, label in sorted(self.scale.items())},
            "promotions": [promotion.as_dict() for promotion in self.promotions],
        }


# -- reading -------------------------------------------------------------------------------------
def renewal_certification_get(*, user: User | None, key: str) -> Certification:
    """The certification named by its UUID or its RNCP (or RS) code, for an administrator
    (``user=None``: a command run by the operator); ``Certification.DoesNotExist``
    otherwise (a 404)."""
    if user is not None and not may_manage_certifications(user):
        raise Certification.DoesNotExist
    try:
        return Certification.objects.get(public_id=UUID(str(key)))
    except ValueError:
        code = code_normalise(str(key))
        if not code:
            raise Certification.DoesNotExist from None
        return Certification.objects.get(code=code)


def _period(promotions: Sequence[Promotion]) -> Q:
    tz = timezone.get_current_timezone()
    found = Q(pk__in=[])
    for promotion in promotions:
        start = datetime.datetime.combine(promotion.start, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(promotion.end + datetime.timedelta(days=1),
                                        datetime.time.min, tzinfo=tz)
        found |= Q(signed_at__gte=start, signed_at__lt=end)
    return found


class _Labels:
    """Bloc and compétence labels from the snapshots, gathered by code across versions."""

    def __init__(self) -> None:
        self.blocs: dict[int, tuple[str, str]] = {}  # bloc pk → (code, title)
        self.competences: dict[int, tuple[str, str, int]] = {}  # pk → (code, title, bloc)
        self.scale: dict[int, str] = {}

    def read(self, minutes: dict) -> None:
        frozen = minutes.get("referentiel", {}) if isinstance(minutes, dict) else {}
        for bloc in frozen.get("blocs", []):
            self.blocs.setdefault(bloc["id"], (bloc.get("code", ""), bloc.get("title", "")))
        for competence in frozen.get("competences", []):
            self.competences.setdefault(competence["id"], (
                competence.get("code", ""), competence.get("title", ""), competence["bloc"]))
        if not self.scale:
            self.scale = {int(level): label for level, label in frozen.get("scale", {}).items()}

    def complete(self, bloc_ids: set[int], competence_ids: set[int]) -> None:
        """What no snapshot named (a deliberation signed before snapshots held the
        référentiel), from the live rows: one query each, only when needed."""
        missing = competence_ids - set(self.competences)
        if missing:
            for row in Competence.objects.filter(pk__in=missing).values_list(
                    "pk", "code", "title", "bloc_id"):
                self.competences[row[0]] = (row[1], row[2], row[3])
        bloc_ids = bloc_ids | {c[2] for c in self.competences.values()}
        missing = bloc_ids - set(self.blocs)
        if missing:
            for pk, code, title in Bloc.objects.filter(pk__in=missing).values_list(
                    "pk", "code", "title"):
                self.blocs[pk] = (code, title)

    def bloc_key(self, bloc_id: int) -> tuple[str, str]:
        return self.blocs.get(bloc_id, ("", str(bloc_id)))


def _outcome_counts(counts: Counts, outcome: str | None, n: int) -> None:
    match outcome:
        case CandidateOutcome.FULL_SUCCESS:
            counts.full += n
        case CandidateOutcome.PARTIAL_SUCCESS:
            counts.partial += n
        case CandidateOutcome.FAILURE:
            counts.failure += n
        case CandidateOutcome.ABSENT:
            counts.absent += n
        case CandidateOutcome.EXCUSED:
            counts.excused += n
        case _:
            counts.undecided += n


def renewal_report_for_user(*, user: User, certification: Certification,
                            promotions: Sequence[Promotion]) -> RenewalReport:
    """``renewal_report`` for an administrator; ``Certification.DoesNotExist`` for anyone
    else (the page and the API answer 404)."""
    if not may_manage_certifications(user):
        raise Certification.DoesNotExist
    return renewal_report(certification=certification, promotions=promotions)


def renewal_report(*, certification: Certification, promotions: Sequence[Promotion],
                   now: datetime.datetime | None = None) -> RenewalReport:
    """The figures of each promotion of ``certification`` (module docstring): no
    permission check — callers reach the certification through
    ``renewal_certification_get`` or ``renewal_report_for_user``."""
    deliberations = list(
        Deliberation.objects.filter(_period(promotions), status=Deliberation.Status.SIGNED,
                                    session__referentiel__certification=certification)
        .order_by("-signed_at", "-pk")
        .values_list("pk", "session_id", "signed_at", "minutes", "session__name",
                     "session__starts_on", "session__partner__siret",
                     "session__partner__legal_name"))
    labels = _Labels()
    # Session pk → the promotions (indexes) it belongs to; promotions may overlap.
    belongs: dict[int, list[int]] = defaultdict(list)
    # Session pk → its organiser (SIRET, legal name); the session is locked once signed.
    organisers: dict[int, tuple[str, str]] = {}
    sessions: list[list[SessionRow]] = [[] for _p in promotions]
    for (_pk, session_id, signed_at, minutes, name, starts_on, siret,
         partner_name) in deliberations:
        labels.read(minutes)
        frozen = minutes.get("session", {}) if isinstance(minutes, dict) else {}
        name = frozen.get("name") or name  # as named at signing
        signed_on = timezone.localdate(signed_at)
        organisers[session_id] = (siret, partner_name) if siret else CERTIFIER_ITSELF
        for index, promotion in enumerate(promotions):
            if promotion.holds(signed_on):
                belongs[session_id].append(index)
                sessions[index].append(SessionRow(name, starts_on, signed_on,
                                                  partner_name or ""))
    session_ids = list(belongs)
    counts = [Counts() for _p in promotions]
    routes: list[dict[str, Counts]] = [defaultdict(Counts) for _p in promotions]
    partners: list[dict[tuple[str, str], Counts]] = [defaultdict(Counts) for _p in promotions]
    blocs: list[dict[tuple[str, str], BlocFigures]] = [{} for _p in promotions]
    competences: list[dict[tuple[str, str], CompetenceFigures]] = [{} for _p in promotions]
    insertion = [{wave: InsertionFigures(wave) for wave in Wave.values} for _p in promotions]
    if session_ids:
        _count_enrolments(session_ids, belongs, counts, routes, organisers, partners)
        bloc_rows, competence_rows = _decision_rows(session_ids)
        labels.complete({row[1] for row in bloc_rows}, {row[1] for row in competence_rows})
        _count_blocs(bloc_rows, belongs, blocs, labels)
        _count_levels(competence_rows, belongs, competences, labels)
        _count_insertion(insertion_counts(session_ids=session_ids), belongs, insertion)
    route_labels = dict(AccessRoute.choices)
    figures = []
    for index, promotion in enumerate(promotions):
        figures.append(PromotionFigures(
            promotion=promotion,
            sessions=sorted(sessions[index], key=lambda s: (s.signed_on, s.name)),
            counts=counts[index],
            routes=[RouteFigures(route, route_labels[route], routes[index][route])
                    for route in AccessRoute.values if route in routes[index]],
            partners=_partner_figures(partners[index]),
            blocs=sorted(blocs[index].values(), key=lambda b: (b.code, b.title)),
            competences=sorted(competences[index].values(),
                               key=lambda c: (c.bloc_code, _natural(c.code), c.title)),
            insertion=list(insertion[index].values()),
        ))
    return RenewalReport(certification=certification, promotions=figures,
                         scale=labels.scale or {}, generated_at=now or timezone.now())


def _natural(code: str) -> list[Any]:
    """C1.10 after C1.9."""
    return [(0, int(part)) if part.isdigit() else (1, part)
            for part in re.split(r"(\d+)", code)]


def _partner_figures(found: dict[tuple[str, str], Counts]) -> list[PartnerFigures]:
    """The certifier itself first (when it organised a session), then partners by name."""
    rows = [PartnerFigures(name or gettext_lazy("The certifier itself"), siret, counts)
            for (siret, name), counts in found.items()]
    return sorted(rows, key=lambda row: (not row.is_certifier, str(row.name), row.siret))


def _count_enrolments(session_ids: list[int], belongs: dict[int, list[int]],
                      counts: list[Counts], routes: list[dict[str, Counts]],
                      organisers: dict[int, tuple[str, str]],
                      partners: list[dict[tuple[str, str], Counts]]) -> None:
    """One query: enrolments grouped by session, route, status, presence and outcome."""
    present = Sitting.objects.filter(enrolment=OuterRef("pk"), attendance=Attendance.PRESENT,
                                     assessment__cancelled_at__isnull=True)
    outcome = CandidateDecision.objects.filter(
        enrolment=OuterRef("pk"), deliberation__session=OuterRef("session"),
        deliberation__status=Deliberation.Status.SIGNED).values("outcome")[:1]
    rows = (Enrolment.objects.filter(session_id__in=session_ids)
            .annotate(is_present=Exists(present), decided=Subquery(outcome))
            .values("session_id", "access_route", "status", "is_present", "decided")
            .annotate(n=Count("pk")).order_by())
    for row in rows:
        organiser = organisers[row["session_id"]]
        for index in belongs[row["session_id"]]:
            for target in (counts[index], routes[index][row["access_route"]],
                           partners[index][organiser]):
                n = row["n"]
                if row["status"] == EnrolmentStatus.WITHDRAWN:
                    target.withdrawn += n
                    continue
                target.enrolled += n
                if row["is_present"]:
                    target.present += n
                _outcome_counts(target, row["decided"], n)


def _decision_rows(session_ids: list[int]) -> tuple[list[tuple], list[tuple]]:
    """Two queries: bloc statuses and final levels, counted per session (withdrawn
    enrolments aside)."""
    decided = Q(candidate_decision__deliberation__session_id__in=session_ids,
                candidate_decision__deliberation__status=Deliberation.Status.SIGNED) & ~Q(
        candidate_decision__enrolment__status=EnrolmentStatus.WITHDRAWN)
    session = "candidate_decision__deliberation__session_id"
    bloc_rows = list(
        BlocDecision.objects.filter(decided)
        .values_list(session, "bloc_id", "status", "candidate_decision__outcome")
        .annotate(n=Count("pk")).order_by())
    competence_rows = list(
        CompetenceDecision.objects.filter(decided, final_level__isnull=False)
        .values_list(session, "competence_id", "final_level")
        .annotate(n=Count("pk")).order_by())
    return bloc_rows, competence_rows


def _count_blocs(rows: list[tuple], belongs: dict[int, list[int]],
                 blocs: list[dict[tuple[str, str], BlocFigures]], labels: _Labels) -> None:
    for session_id, bloc_id, status, outcome, n in rows:
        code, title = labels.bloc_key(bloc_id)
        key = (code, "" if code else title)
        for index in belongs[session_id]:
            bloc = blocs[index].setdefault(key, BlocFigures(code, title))
            if status == BlocDecisionStatus.VALIDATED:
                bloc.holders += n
                if outcome == CandidateOutcome.PARTIAL_SUCCESS:
                    bloc.partial_holders += n
            elif status == BlocDecisionStatus.ACQUIRED_BEFORE:
                bloc.acquired_before += n
            elif status in FAILED_BLOC_STATUSES and outcome not in (
                    CandidateOutcome.ABSENT, CandidateOutcome.EXCUSED):
                bloc.failed += n


def _count_levels(rows: list[tuple], belongs: dict[int, list[int]],
                  competences: list[dict[tuple[str, str], CompetenceFigures]],
                  labels: _Labels) -> None:
    for session_id, competence_id, level, n in rows:
        code, title, bloc_id = labels.competences.get(competence_id, ("", str(competence_id), 0))
        bloc_code = labels.bloc_key(bloc_id)[0]
        key = (bloc_code, code or title)
        for index in belongs[session_id]:
            competence = competences[index].setdefault(
                key, CompetenceFigures(code, title, bloc_code))
            competence.levels[level] = competence.levels.get(level, 0) + n


def _count_insertion(rows: list[tuple], belongs: dict[int, list[int]],
                     insertion: list[dict[int, InsertionFigures]]) -> None:
    for session_id, wave, answered, employed, in_target_job, contract, n in rows:
        for index in belongs[session_id]:
            figures = insertion[index][wave]
            figures.sent += n
            if not answered:
                continue
            figures.answered += n
            if employed:
                figures.employed += n
                figures.contracts[contract] = figures.contracts.get(contract, 0) + n
                if in_target_job:
                    figures.in_target_job += n


def renewal_years(*, certification: Certification) -> list[int]:
    """The years (site's time zone) in which a deliberation of the certification was
    signed, oldest first: the promotions the page offers. One query."""
    return [day.year for day in Deliberation.objects.filter(
        status=Deliberation.Status.SIGNED, session__referentiel__certification=certification,
    ).datetimes("signed_at", "year")]
