"""The session dashboard for administrators: candidates × blocs with their statuses,
filters, search, CSV/XLSX export and the distribution of levels per compétence.

Statuses are computed for every enrolment the search and route filters keep (a status
filter needs them all), then paginated in memory: a constant number of queries whatever
the session's size (DESIGN.md §8: anyone but an administrator gets a 404)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from django import forms
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext_lazy as _

from accounts.downloads import attachment_disposition
from accounts.permissions import administrator_required
from accounts.spreadsheets import csv_bytes, xlsx_bytes
from candidates.models import AccessRoute, Enrolment, Session
from candidates.progress import ProgressStatus, level_distribution
from candidates.selectors import (
    referentiel_blocs,
    session_enrolments_for_user,
    session_get_for_user,
)
from certifications.models import Bloc, Competence, Level
from certifications.selectors import scale_levels
from portal.views import space
from portal.views.space import (
    STATUS_LABELS,
    bloc_inputs,
    progress_of,
    scale_rules,
    visible_results,
)
from reports.cdc import cdc_declaration_for_session

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DashboardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search (name or e-mail)"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("any status")), *((s.value, STATUS_LABELS[s]) for s in ProgressStatus)],
    )
    access_route = forms.ChoiceField(
        label=_("Access route"), required=False,
        choices=[("", _("any access route")), *AccessRoute.choices],
    )
    bloc = forms.TypedChoiceField(label=_("Skills block"), required=False, coerce=int,
                                  empty_value=None)

    def __init__(self, *args: object, blocs: Sequence[Bloc], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bloc"].choices = [("", _("every skills block")),
                                       *((bloc.pk, str(bloc)) for bloc in blocs)]


@dataclass(frozen=True)
class Cell:
    status: ProgressStatus | None  # None: the candidate does not take this bloc

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status]) if self.status else ""


@dataclass(frozen=True)
class Row:
    enrolment: Enrolment
    cells: tuple[Cell, ...]
    blocs_done: int
    blocs_total: int
    final_levels: Mapping[int, int]  # published ones only


@dataclass(frozen=True)
class LevelCount:
    level: Level
    count: int
    percent: float  # of the compétence's candidates, for the bar's width
    offset: float  # where the bar's segment starts


@dataclass(frozen=True)
class CompetenceDistribution:
    competence: Competence
    counts: tuple[LevelCount, ...]
    total: int


def dashboard_rows(
    enrolments: Sequence[Enrolment], blocs: Sequence[Bloc], columns: Sequence[Bloc],
    levels: Sequence[Level],
) -> list[Row]:
    """A row per enrolment with a cell per column."""
    scale, inputs = scale_rules(levels), bloc_inputs(blocs)
    results = space.results_for_enrolments(enrolments)  # the one plug-in point
    rows = []
    for enrolment in enrolments:
        visible = visible_results(enrolment, results[enrolment.pk])
        progress = progress_of(enrolment, inputs, scale, visible)
        statuses = {bloc.key: bloc.status for bloc in progress.blocs}
        cells = tuple(Cell(statuses.get(column.pk)) for column in columns)
        rows.append(Row(enrolment, cells, progress.blocs_done, progress.blocs_total,
                        visible.final_levels))
    return rows


def filtered(rows: Sequence[Row], status: str, one_bloc: bool) -> list[Row]:
    if one_bloc:
        rows = [row for row in rows if row.cells[0].status is not None]
    if status:
        rows = [row for row in rows if any(cell.status == status for cell in row.cells)]
    return list(rows)


def distribution(
    blocs: Sequence[Bloc], levels: Sequence[Level], rows: Sequence[Row]
) -> list[CompetenceDistribution]:
    """Per compétence of the shown blocs, how many of the shown candidates got each level."""
    counted = level_distribution(row.final_levels for row in rows)
    chart = []
    for bloc in blocs:
        for competence in bloc.competences.all():
            counts = counted.get(competence.pk)
            if not counts:
                continue
            total = sum(counts.values())
            segments, offset = [], 0.0
            for level in levels:
                share = 100 * counts[level.number] / total
                segments.append(LevelCount(level, counts[level.number], round(share, 2),
                                           round(offset, 2)))
                offset += share
            chart.append(CompetenceDistribution(competence, tuple(segments), total))
    return chart


# -- export --------------------------------------------------------------------------------
def export_table(rows: Sequence[Row], columns: Sequence[Bloc]) -> list[list[str]]:
    header = [str(_("Birth name")), str(_("Usage name")), str(_("First names")),
              str(_("E-mail")), str(_("Access route")),
              *(bloc.code or bloc.title for bloc in columns),
              str(_("Skills blocks validated or acquired"))]
    body = [
        [
            row.enrolment.candidate.birth_name, row.enrolment.candidate.usage_name,
            row.enrolment.candidate.first_names, row.enrolment.candidate.email,
            capfirst(row.enrolment.get_access_route_display()),
            *(capfirst(cell.label) for cell in row.cells),
            f"{row.blocs_done} / {row.blocs_total}",
        ]
        for row in rows
    ]
    return [header, *body]


def export_response(kind: str, table: list[list[str]], session: Session) -> HttpResponse:
    name = f"{slugify(session.name) or 'session'}-dashboard"
    if kind == "csv":
        response = HttpResponse(csv_bytes(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(xlsx_bytes(table, title=str(_("Dashboard"))),
                                content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment_disposition(name, kind)
    return response


# -- the page ------------------------------------------------------------------------------
@administrator_required
def session_dashboard(request: HttpRequest, session_id: UUID) -> HttpResponse:
    try:
        session = session_get_for_user(user=request.user, public_id=session_id)
    except Session.DoesNotExist:
        raise Http404 from None
    referentiel = session.referentiel
    blocs = referentiel_blocs(referentiel=referentiel)
    levels = scale_levels(referentiel=referentiel)
    form = DashboardFilterForm(request.GET or None, blocs=blocs)
    query = form.cleaned_data if form.is_valid() else {}
    bloc_pk = query.get("bloc")
    columns = [bloc for bloc in blocs if bloc.pk == bloc_pk] or blocs
    enrolments = session_enrolments_for_user(
        user=request.user, session=session, access_route=query.get("access_route", ""),
        search=query.get("q", ""),
    )
    all_rows = dashboard_rows(enrolments, blocs, columns, levels)
    rows = filtered(all_rows, query.get("status", ""), one_bloc=bloc_pk is not None)
    kind = request.GET.get("export")
    if kind in ("csv", "xlsx"):
        return export_response(kind, export_table(rows, columns), session)
    page: Page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    declaration = cdc_declaration_for_session(session=session)
    return render(request, "portal/dashboard.html", {
        "session": session,
        "certification": referentiel.certification,
        "form": form,
        "columns": columns,
        "page": page,
        "row_count": len(rows),
        "enrolment_count": len(all_rows),
        "levels": levels,
        "distribution": distribution(columns, levels, rows),
        "cdc_deadline": declaration.deadline if declaration else None,
        "cdc_revoked": declaration.revoked if declaration else [],
    })


urlpatterns = [
    path("sessions/<uuid:session_id>/dashboard/", session_dashboard, name="session_dashboard"),
]
