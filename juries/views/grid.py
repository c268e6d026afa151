"""The scoring grid of one candidate × épreuve, and the president's view of every
member's levels (DESIGN.md §4.3, §5, §8).

Each cell (a compétence's level and comment, a criterion, the attendance) is its own
form carrying the version it was rendered with. With htmx a change posts the cell and
the answer is the cell re-rendered; without JavaScript the same form posts, then
redirects back to the cell. A stale version is refused (409) and the user's input is
shown back next to what was saved; an invalid input answers 422. Out of reach is 404.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assessments.models import Attendance, CriterionCheck, Score, Sitting
from assessments.services import ScoringClosedError, StaleWriteError
from assessments.timing import sitting_timing
from candidates.models import Session
from certifications.models import Competence, Criterion, Level
from certifications.selectors import scale_levels
from juries.selectors import (
    ScoringGrid,
    grid_for_scorer,
    session_get_for_score_reader,
    session_score_candidates,
    session_scores,
    sitting_competences,
    sitting_criteria,
    sitting_get_for_scorer,
)
from juries.services import (
    NotAssignedError,
    grid_attendance_save,
    grid_criterion_save,
    grid_score_save,
)

OBSERVED = {"yes": True, "no": False, "": None}
SCORES_PAGE_SIZE = 25  # candidates a page of the president's side-by-side view
ERROR_STATUS = {"invalid": 422, "conflict": 409}


# -- what a cell shows ---------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    value: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class Outcome:
    """The result of the last save of a cell, shown in its status region."""

    kind: str  # "saved", "invalid" or "conflict"
    message: str
    errors: dict[str, str] = field(default_factory=dict)  # field name → message
    saved_value: str = ""  # conflict: what is saved now, in words

    @property
    def failed(self) -> bool:
        return self.kind != "saved"


@dataclass(frozen=True)
class Cell:
    """One form of the grid: a radio group, maybe a text field, the version it saw."""

    key: str  # unique in the page: "c12" (compétence), "k5" (criterion), "attendance"
    action: str
    legend: str
    subject: str  # names the cell for screen readers ("C1.1", a criterion's text)
    choice_name: str
    options: Sequence[Option]
    chosen: str
    version: int
    text_name: str = ""
    text_label: str = ""
    text_hint: str = ""
    text: str = ""
    multiline: bool = False
    readonly: bool = False
    outcome: Outcome | None = None

    @property
    def anchor(self) -> str:
        return f"cell-{self.key}"


def _level_options(levels: Sequence[Level]) -> list[Option]:
    return [Option(str(level.number), f"{level.number} — {level.label}", level.description)
            for level in levels]


def _comment_hint(levels: Sequence[Level]) -> str:
    required = [str(level.number) for level in levels if level.comment_required]
    if not required:
        return _("Optional.")
    return ngettext(
        "Required for level %(levels)s: describe the gaps (écarts).",
        "Required for levels %(levels)s: describe the gaps (écarts).", len(required),
    ) % {"levels": get_text_list(required, _("and"))}


def competence_cell(sitting: Sitting, competence: Competence, levels: Sequence[Level],
                    score: Score | None) -> Cell:
    name = competence.code or competence.title[:60]
    return Cell(
        key=f"c{competence.pk}",
        action=reverse("juries:competence_save", args=[sitting.public_id, competence.pk]),
        legend=_("Level for %(competence)s") % {"competence": name}, subject=name,
        choice_name="level", options=_level_options(levels),
        chosen=str(score.level) if score and score.level else "",
        version=score.version if score else 0,
        text_name="comment", text_label=_("Comment"), text_hint=_comment_hint(levels),
        text=score.comment if score else "", multiline=True,
        readonly=sitting.locked_at is not None,
    )


def criterion_cell(sitting: Sitting, criterion: Criterion,
                   check: CriterionCheck | None) -> Cell:
    observed = check.observed if check else None
    return Cell(
        key=f"k{criterion.pk}",
        action=reverse("juries:criterion_save", args=[sitting.public_id, criterion.pk]),
        legend=criterion.text, subject=criterion.text[:60], choice_name="observed",
        options=[Option("yes", _("observed")), Option("no", _("not observed")),
                 Option("", _("not assessed"))],
        chosen={True: "yes", False: "no", None: ""}[observed],
        version=check.version if check else 0,
        text_name="note", text_label=_("Note (optional)"), text=check.note if check else "",
        readonly=sitting.locked_at is not None,
    )


def attendance_cell(sitting: Sitting) -> Cell:
    return Cell(
        key="attendance", action=reverse("juries:attendance_save", args=[sitting.public_id]),
        legend=_("Attendance"), subject=_("attendance"), choice_name="attendance",
        options=[Option(value, str(label).capitalize()) for value, label in Attendance.choices],
        chosen=sitting.attendance, version=sitting.attendance_version,
        readonly=sitting.locked_at is not None,
    )


# -- the grid page -------------------------------------------------------------------------
@dataclass(frozen=True)
class CompetenceRow:
    competence: Competence
    cell: Cell
    criteria: list[Cell]
    scored: bool


@dataclass(frozen=True)
class BlocSection:
    bloc_title: str
    competences: list[CompetenceRow]
    criteria: list[Cell]


def _sitting_or_404(request: HttpRequest, sitting_id: UUID) -> Sitting:
    try:
        return sitting_get_for_scorer(user=request.user, public_id=str(sitting_id))
    except Sitting.DoesNotExist:
        raise Http404 from None


def _sections(sitting: Sitting, grid: ScoringGrid, override: Cell | None) -> list[BlocSection]:
    def shown(cell: Cell) -> Cell:
        return override if override is not None and override.key == cell.key else cell

    return [
        BlocSection(
            bloc_title=str(bloc.bloc),
            competences=[
                CompetenceRow(
                    competence=item.competence,
                    cell=shown(competence_cell(sitting, item.competence, grid.levels,
                                               item.score)),
                    criteria=[shown(criterion_cell(sitting, c, grid.checks.get(c.pk)))
                              for c in item.criteria],
                    scored=bool(item.score and item.score.level),
                )
                for item in bloc.competences
            ],
            criteria=[shown(criterion_cell(sitting, c, grid.checks.get(c.pk)))
                      for c in bloc.criteria],
        )
        for bloc in grid.blocs
    ]


def _render_grid(request: HttpRequest, sitting: Sitting, override: Cell | None = None,
                 status: int = 200) -> HttpResponse:
    grid = grid_for_scorer(sitting=sitting, user=request.user)
    sections = _sections(sitting, grid, override)
    rows = [row for section in sections for row in section.competences]
    attendance = attendance_cell(sitting)
    return render(request, "juries/grid.html", {
        "sitting": sitting,
        "enrolment": sitting.enrolment,
        "timing": sitting_timing(sitting),
        "sections": sections,
        "attendance": override if override and override.key == "attendance" else attendance,
        "scored": sum(1 for row in rows if row.scored),
        "total": len(rows),
        "first_unscored": next((row.cell for row in rows if not row.scored), None),
        "error_cell": override if override and override.outcome else None,
        "grid_url": reverse("juries:grid", args=[sitting.public_id]),
        "scoring_open": sitting.assessment.scoring_open(),
    }, status=status)


@login_required
def grid(request: HttpRequest, sitting_id: UUID) -> HttpResponse:
    return _render_grid(request, _sitting_or_404(request, sitting_id))


# -- saving one cell -----------------------------------------------------------------------
def _posted_version(request: HttpRequest) -> int:
    try:
        return max(0, int(request.POST.get("version", "0")))
    except ValueError:
        raise BadRequest("version") from None


def _posted_level(request: HttpRequest) -> int | None:
    raw = request.POST.get("level", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(_("Choose a level of the scale."), code="level")
    return int(raw)


def _saved_at() -> str:
    return _("Saved at %(time)s") % {
        "time": formats.time_format(timezone.localtime(), "H:i")}


def _error_outcome(error: ValidationError, fields: dict[str, str], default: str) -> Outcome:
    """A service's refusal, tied to the field it is about (``fields`` maps error codes)."""
    message = " ".join(error.messages)
    return Outcome("invalid", message, errors={fields.get(getattr(error, "code", ""),
                                                          default): message})


def _conflict_outcome(saved_value: str) -> Outcome:
    return Outcome(
        "conflict",
        _("Not saved: this cell was saved meanwhile, in another tab or by another jury "
          "member. Nothing was overwritten. Your input is shown below: save again to "
          "replace the saved value with yours, or reload to see the saved value."),
        saved_value=saved_value,
    )


def _respond(request: HttpRequest, sitting: Sitting, cell: Cell) -> HttpResponse:
    """The cell alone for htmx; otherwise back to the grid (or the grid with the refused
    input shown back)."""
    outcome = cell.outcome
    assert outcome is not None
    status = ERROR_STATUS.get(outcome.kind, 200)
    if request.htmx:
        response = render(request, "juries/_grid_cell.html", {
            "cell": cell, "grid_url": reverse("juries:grid", args=[sitting.public_id])},
            status=status)
        if outcome.failed:  # the whole cell: errors sit next to their fields
            response["HX-Retarget"] = f"#{cell.anchor}"
            response["HX-Reselect"] = f"#{cell.anchor}"
            response["HX-Reswap"] = "outerHTML"
        return response
    if outcome.failed:
        return _render_grid(request, sitting, override=cell, status=status)
    messages.success(request, _("%(subject)s: %(saved)s.") % {
        "subject": cell.subject, "saved": outcome.message})
    return redirect(f"{reverse('juries:grid', args=[sitting.public_id])}#{cell.anchor}")


def _closed(request: HttpRequest, sitting: Sitting, error: ScoringClosedError) -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    grid_url = reverse("juries:grid", args=[sitting.public_id])
    if request.htmx:  # the grid is read-only now: show it so
        response = HttpResponse(status=409)
        response["HX-Redirect"] = grid_url
        return response
    return redirect(grid_url)


def _save(request: HttpRequest, sitting: Sitting, cell: Cell,
          write: Callable[[], object], describe: Callable[[object], Cell]) -> HttpResponse:
    """Run one save and answer with the cell: saved, refused (input kept) or stale."""
    try:
        saved = write()
    except NotAssignedError:
        raise Http404 from None
    except ScoringClosedError as error:
        return _closed(request, sitting, error)
    except StaleWriteError as stale:
        current = describe(stale.current) if stale.current is not None else None
        return _respond(request, sitting, replace(
            cell, version=current.version if current else cell.version,
            outcome=_conflict_outcome(_describe_saved(current))))
    except ValidationError as error:
        fields = {"comment_required": cell.text_name}
        return _respond(request, sitting, replace(
            cell, outcome=_error_outcome(error, fields, cell.choice_name)))
    return _respond(request, sitting, replace(describe(saved),
                                              outcome=Outcome("saved", _saved_at())))


def _describe_saved(cell: Cell | None) -> str:
    if cell is None:
        return ""
    chosen = next((o.label for o in cell.options if o.value == cell.chosen), _("none"))
    if cell.text:
        return _("%(choice)s — “%(text)s”") % {"choice": chosen, "text": cell.text}
    return chosen


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


@login_required
@require_POST
def competence_save(request: HttpRequest, sitting_id: UUID, competence_id: int) -> HttpResponse:
    sitting = _sitting_or_404(request, sitting_id)
    competence = sitting_competences(sitting=sitting).filter(pk=competence_id).first()
    if competence is None:
        raise Http404
    levels = scale_levels(referentiel=sitting.assessment.session.referentiel)
    version = _posted_version(request)
    comment = request.POST.get("comment", "")
    cell = replace(competence_cell(sitting, competence, levels, None),
                   chosen=request.POST.get("level", "").strip(), text=comment, version=version)

    def write() -> Score:
        return grid_score_save(user=request.user, sitting=sitting, competence=competence,
                               level=_posted_level(request), comment=comment,
                               expected_version=version, ip_address=_ip(request))

    def describe(score: object) -> Cell:
        assert isinstance(score, Score)
        return competence_cell(sitting, competence, levels, score)

    return _save(request, sitting, cell, write, describe)


@login_required
@require_POST
def criterion_save(request: HttpRequest, sitting_id: UUID, criterion_id: int) -> HttpResponse:
    sitting = _sitting_or_404(request, sitting_id)
    criterion = sitting_criteria(sitting=sitting).filter(pk=criterion_id).first()
    if criterion is None:
        raise Http404
    version = _posted_version(request)
    chosen = request.POST.get("observed", "")
    note = request.POST.get("note", "")
    cell = replace(criterion_cell(sitting, criterion, None), chosen=chosen, text=note,
                   version=version)

    def write() -> CriterionCheck:
        if chosen not in OBSERVED:
            raise ValidationError(_("Choose observed, not observed or not assessed."),
                                  code="observed")
        return grid_criterion_save(user=request.user, sitting=sitting, criterion=criterion,
                                   observed=OBSERVED[chosen], note=note,
                                   expected_version=version, ip_address=_ip(request))

    def describe(check: object) -> Cell:
        assert isinstance(check, CriterionCheck)
        return criterion_cell(sitting, criterion, check)

    return _save(request, sitting, cell, write, describe)


@login_required
@require_POST
def attendance_save(request: HttpRequest, sitting_id: UUID) -> HttpResponse:
    sitting = _sitting_or_404(request, sitting_id)
    version = _posted_version(request)
    chosen = request.POST.get("attendance", "")
    cell = replace(attendance_cell(sitting), chosen=chosen, version=version)

    def write() -> Sitting:
        if chosen not in Attendance.values:
            raise ValidationError(_("Choose present, absent or excused."), code="attendance")
        return grid_attendance_save(user=request.user, sitting=sitting,
                                    attendance=Attendance(chosen), expected_version=version,
                                    ip_address=_ip(request))

    def describe(current: object) -> Cell:
        assert isinstance(current, Sitting)
        return replace(attendance_cell(sitting), chosen=current.attendance,
                       version=current.attendance_version)

    return _save(request, sitting, cell, write, describe)


# -- the president's view ------------------------------------------------------------------
@login_required
def session_scores_view(request: HttpRequest, session_id: UUID) -> HttpResponse:
    try:
        session = session_get_for_score_reader(user=request.user, public_id=session_id)
    except Session.DoesNotExist:
        raise Http404 from None
    # A page of candidates: a session of 400 × 39 compétences × 3 members was 12 MB of
    # HTML and 6 s (docs/benchmarks.md, page_bench).
    page = Paginator(session_score_candidates(session=session).values_list("pk", flat=True),
                     SCORES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "juries/session_scores.html", {
        "session": session, "page": page,
        "scores": session_scores(session=session, candidates=list(page.object_list))})


urlpatterns = [
    path("sittings/<uuid:sitting_id>/", grid, name="grid"),
    path("sittings/<uuid:sitting_id>/competences/<int:competence_id>/", competence_save,
         name="competence_save"),
    path("sittings/<uuid:sitting_id>/criteria/<int:criterion_id>/", criterion_save,
         name="criterion_save"),
    path("sittings/<uuid:sitting_id>/attendance/", attendance_save, name="attendance_save"),
    path("sessions/<uuid:session_id>/scores/", session_scores_view, name="session_scores"),
]
