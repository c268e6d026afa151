"""The candidate space: progress per bloc, levels once published, accommodations,
épreuves to come and past ones, and documents (DESIGN.md §1, §8). A candidate reaches only
their own enrolments (no id in the URL); administrators may preview a candidate's space.
Nothing internal is shown: the note for the jury stays with the jury."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.permissions import administrator_required
from assessments.models import Sitting
from assessments.selectors import scored_competences_for_enrolments, sittings_for_enrolments
from assessments.timing import CandidateTiming, When, candidate_timing
from candidates.models import AcquiredBloc, Enrolment
from candidates.progress import (
    BlocInput,
    BlocProgress,
    EnrolmentProgress,
    ProgressStatus,
    enrolment_progress,
    percent,
)
from candidates.selectors import (
    enrolment_get_for_user,
    referentiel_blocs,
    space_enrolments_for_user,
)
from certifications.models import Bloc, Competence, Level
from certifications.rules import ScaleRules
from certifications.selectors import scale_levels
from certifications.vocabulary import LevelOutcome
from credentials.build import CREDENTIAL_KINDS
from credentials.keys import credentials_configured
from credentials.selectors import linkedin_add_url
from deliberations.models import CandidateDecision
from deliberations.selectors import (
    published_decisions_for_enrolments,
    published_final_levels_for_enrolments,
)
from reports.models import Document
from reports.selectors import issued_documents_for_enrolments

STATUS_LABELS: Mapping[ProgressStatus, Promise] = {
    ProgressStatus.NOT_STARTED: _("not started"),
    ProgressStatus.IN_PROGRESS: _("in progress"),
    ProgressStatus.VALIDATED: _("validated"),
    ProgressStatus.COMPLEMENT: _("complement required"),
    ProgressStatus.RATTRAPAGE: _("rattrapage"),
    ProgressStatus.ACQUIRED_BEFORE: _("acquired before"),
}


# -- results from the apps above candidates: ONE plug-in point -------------------------------
@dataclass(frozen=True)
class ScheduledEpreuve:
    """One épreuve of the candidate, with THEIR duration (extra time included)."""

    title: str
    timing: CandidateTiming
    place: str = ""
    duration_text: str = ""  # as the référentiel writes it, shown only without minutes
    instructions: str = ""  # what to bring, as the administrator wrote it

    @property
    def starts_at(self) -> datetime:
        return self.timing.starts_at


@dataclass(frozen=True)
class IssuedDocument:
    title: str
    url: str
    issued_on: date
    number: str = ""
    verification_url: str = ""
    credential_url: str = ""  # the Open Badges credential (JSON), for those that carry one
    linkedin_url: str = ""


def issued_document(document: Document) -> IssuedDocument:
    title = str(document.get_kind_display()).capitalize()
    if document.bloc is not None:
        title = f"{title} — {document.bloc.code} {document.bloc.title}"
    return IssuedDocument(
        title=title,
        url=reverse("reports:download", args=[document.public_id]),
        issued_on=timezone.localdate(document.issued_at),
        number=document.number,
        verification_url=reverse("reports:verify", args=[document.verification_code]),
        **_credential_links(document),
    )


def _credential_links(document: Document) -> dict[str, str]:
    if not credentials_configured() or document.kind not in CREDENTIAL_KINDS:
        return {}
    return {"credential_url": reverse("credentials:download", args=[document.public_id]),
            "linkedin_url": linkedin_add_url(document)}


@dataclass(frozen=True)
class EnrolmentResults:
    """What the assessments, juries and reports apps know of one enrolment."""

    final_levels: Mapping[int, int] = field(default_factory=dict)  # compétence pk → level
    scored: frozenset[int] = frozenset()  # compétences with at least one score
    epreuves: tuple[ScheduledEpreuve, ...] = ()  # soonest first, past ones included
    documents: tuple[IssuedDocument, ...] = ()
    decision: CandidateDecision | None = None  # the jury's, once published


def scheduled_epreuve(sitting: Sitting, enrolment: Enrolment) -> ScheduledEpreuve:
    assessment = sitting.assessment
    return ScheduledEpreuve(
        title=assessment.modality.title,
        timing=candidate_timing(assessment, extra_time_percent=enrolment.extra_time_percent,
                                starts_at=sitting.slot_starts_at),
        place=assessment.place,
        duration_text=assessment.modality.duration_text,
        instructions=assessment.instructions,
    )


def results_for_enrolments(enrolments: Sequence[Enrolment], *, documents: bool = False
                           ) -> dict[int, EnrolmentResults]:
    """Scores, published decisions, scheduled épreuves and issued documents, by enrolment pk.

    THE single plug-in point for the assessments, juries and reports apps, which sit
    above candidates and must not be imported by its domain layer (this page, on the top
    floor, calls their selectors): two queries for the whole list, three once published
    (final levels), four with ``documents`` (the candidate space lists them; the staff
    dashboard does not ask).
    Final levels are the deliberation's — signed and published — never one jury member's
    raw scores.
    """
    enrolments = list(enrolments)
    scored = scored_competences_for_enrolments(enrolments=enrolments)
    sittings = sittings_for_enrolments(enrolments=enrolments)
    # Only a published session has final levels: no query for the others.
    published = [e for e in enrolments if e.session.results_published_at is not None]
    final_levels = published_final_levels_for_enrolments(enrolments=published)
    decisions = published_decisions_for_enrolments(enrolments=published)
    issued = issued_documents_for_enrolments(
        enrolment_ids=[e.pk for e in published] if documents else [])
    return {
        enrolment.pk: EnrolmentResults(
            final_levels=final_levels.get(enrolment.pk, {}),
            scored=scored[enrolment.pk],
            epreuves=tuple(scheduled_epreuve(sitting, enrolment)
                           for sitting in sittings[enrolment.pk]),
            documents=tuple(issued_document(d) for d in issued.get(enrolment.pk, [])),
            decision=decisions.get(enrolment.pk),
        )
        for enrolment in enrolments
    }


@dataclass(frozen=True)
class EpreuveItem:
    epreuve: ScheduledEpreuve
    when: When

    @property
    def in_progress(self) -> bool:
        return self.when == When.IN_PROGRESS


def epreuves_by_date(epreuves: Sequence[ScheduledEpreuve], now: datetime
                     ) -> tuple[list[EpreuveItem], list[EpreuveItem]]:
    """(to come, soonest first — in progress included; past, latest first), each épreuve
    placed by its start and the candidate's own end (extra time included) against now."""
    items = [EpreuveItem(epreuve, epreuve.timing.when(now)) for epreuve in epreuves]
    upcoming = [item for item in items if item.when != When.PAST]
    past = [item for item in reversed(items) if item.when == When.PAST]
    return upcoming, past


def visible_results(enrolment: Enrolment, results: EnrolmentResults) -> EnrolmentResults:
    """Levels exist for nobody until the session's results are published."""
    if enrolment.session.results_published_at is None:
        return replace(results, final_levels={}, decision=None)
    return results


# -- progress of an enrolment --------------------------------------------------------------
def scale_rules(levels: Sequence[Level]) -> ScaleRules:
    return ScaleRules(
        outcomes={level.number: LevelOutcome(level.outcome) for level in levels},
        comment_required=frozenset(level.number for level in levels if level.comment_required),
    )


def bloc_inputs(blocs: Sequence[Bloc]) -> list[BlocInput]:
    """The référentiel's blocs as the progress computation reads them (once per page)."""
    return [BlocInput(key=bloc.pk, competences=tuple(c.pk for c in bloc.competences.all()))
            for bloc in blocs]


def progress_of(
    enrolment: Enrolment, blocs: Sequence[BlocInput], scale: ScaleRules,
    results: EnrolmentResults,
) -> EnrolmentProgress:
    """Every bloc of the référentiel for the whole certification; otherwise the chosen
    blocs and those acquired before, in the référentiel's order."""
    acquired = {acquired.bloc_id for acquired in enrolment.acquired_blocs.all()}
    if not enrolment.whole_certification:
        shown = acquired | {target.bloc_id for target in enrolment.targetbloc_set.all()}
        blocs = [bloc for bloc in blocs if bloc.key in shown]
    return enrolment_progress(blocs=blocs, acquired_before=acquired,
                              final_levels=results.final_levels, scored=results.scored,
                              scale=scale)


# -- the page ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompetenceRow:
    competence: Competence
    level: Level | None


@dataclass(frozen=True)
class BlocCard:
    bloc: Bloc
    progress: BlocProgress
    competences: list[CompetenceRow]
    acquired: AcquiredBloc | None

    @property
    def status_label(self) -> Promise:
        return STATUS_LABELS[self.progress.status]

    @property
    def percent(self) -> int:
        return percent(self.progress.acquired, self.progress.total)


def bloc_cards(
    enrolment: Enrolment, blocs: Sequence[Bloc], levels: Sequence[Level],
    progress: EnrolmentProgress,
) -> list[BlocCard]:
    by_key = {bloc.pk: bloc for bloc in blocs}
    level_by_number = {level.number: level for level in levels}
    acquired = {a.bloc_id: a for a in enrolment.acquired_blocs.all()}
    competences = {c.pk: c for bloc in blocs for c in bloc.competences.all()}
    return [
        BlocCard(
            bloc=by_key[item.key],
            progress=item,
            competences=[
                CompetenceRow(competences[c.key], level_by_number.get(c.level or 0))
                for c in item.competences
            ],
            acquired=acquired.get(item.key),
        )
        for item in progress.blocs
    ]


def space_context(enrolment: Enrolment) -> dict[str, object]:
    """Everything the space shows of one enrolment, in a constant number of queries."""
    referentiel = enrolment.session.referentiel
    blocs = referentiel_blocs(referentiel=referentiel)
    levels = scale_levels(referentiel=referentiel)
    found = results_for_enrolments([enrolment], documents=True)
    results = visible_results(enrolment, found[enrolment.pk])
    progress = progress_of(enrolment, bloc_inputs(blocs), scale_rules(levels), results)
    upcoming, past = epreuves_by_date(results.epreuves, timezone.now())
    return {
        "enrolment": enrolment,
        "session": enrolment.session,
        "certification": referentiel.certification,
        "cards": bloc_cards(enrolment, blocs, levels, progress),
        "progress": progress,
        "progress_percent": percent(progress.blocs_done, progress.blocs_total),
        "results": results,
        "upcoming_epreuves": upcoming,
        "past_epreuves": past,
    }


def _chosen(enrolments: Sequence[Enrolment], public_id: str | None) -> Enrolment | None:
    if not enrolments:
        return None
    if not public_id:
        return enrolments[0]
    found = next((e for e in enrolments if str(e.public_id) == public_id), None)
    if found is None:
        raise Http404
    return found


@login_required
def candidate_space(request: HttpRequest) -> HttpResponse:
    """The signed-in candidate's space: their latest enrolment, or the one they chose."""
    enrolments = space_enrolments_for_user(user=request.user)
    enrolment = _chosen(enrolments, request.GET.get("enrolment"))
    context: dict[str, object] = {"enrolments": enrolments}
    if enrolment is not None:
        context |= space_context(enrolment)
    return render(request, "portal/space.html", context)


@administrator_required
def space_preview(request: HttpRequest, session_id: UUID, candidate_id: UUID) -> HttpResponse:
    """An administrator sees a candidate's space as the candidate does."""
    try:
        enrolment = enrolment_get_for_user(
            user=request.user, session_id=session_id, candidate_id=candidate_id
        )
    except Enrolment.DoesNotExist:
        raise Http404 from None
    context = {"enrolments": [enrolment], "preview": True, **space_context(enrolment)}
    return render(request, "portal/space.html", context)


urlpatterns = [
    path("space/", candidate_space, name="space"),
    path(
        "sessions/<uuid:session_id>/candidates/<uuid:candidate_id>/space/",
        space_preview, name="space_preview",
    ),
]
