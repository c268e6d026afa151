"""The renewal file as files: XLSX (a sheet per table, headers on the first row), PDF
(laid out by the documents' WeasyPrint pipeline, ``reports.documents.render_letter_pdf``)
and JSON (``RenewalReport.as_dict``). Texts in the language active when called."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from accounts.spreadsheets import row_safe
from insertion.models import ContractType
from reports.renewal.charts import insertion_chart, levels_chart, rates_chart, routes_chart
from reports.renewal.selectors import RenewalReport

FORMATS = ("xlsx", "pdf", "json")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "json": "application/json",
}
RATES = ("full_rate", "success_rate")  # the fractions among the figures of ``Counts``


def count_rows() -> list[tuple[str, str]]:
    """The figures of ``Counts``, in the order the tables give them, with their names."""
    return [
        ("enrolled", _("Enrolled (withdrawals aside)")),
        ("present", _("Present (sat at least one assessment)")),
        ("full", _("Certified in full")),
        ("partial", _("Certified in part (some blocs)")),
        ("failure", _("Not certified")),
        ("absent", _("Absent")),
        ("excused", _("Excused")),
        ("undecided", _("No decision")),
        ("withdrawn", _("Withdrawn (counted apart)")),
        ("full_rate", _("Rate certified in full, of those present")),
        ("success_rate", _("Rate certified in full or in part, of those present")),
    ]


def file_stem(report: RenewalReport) -> str:
    """« renouvellement-RNCP35609-2025_2026 » (made safe by ``attachment_disposition``)."""
    keys = "_".join(p.promotion.key.replace("..", "-") for p in report.promotions)
    code = report.certification.code or str(report.certification.public_id)[:8]
    return f"{_('renewal')}-{code}-{keys}"


def _sheet(workbook: Workbook, title: str, header: Sequence[str],
           rows: Sequence[Sequence[Any]], *, rates: Sequence[int] = ()) -> Worksheet:
    """A sheet: bold headers on row 1, then ``rows``; the columns ``rates`` (0-based)
    hold fractions shown as percentages."""
    sheet = workbook.create_sheet(title[:31])
    sheet.append(row_safe(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row_safe(row))
        for index in rates:
            sheet.cell(sheet.max_row, index + 1).number_format = "0.0%"
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        longest = max((len(str(cell.value)) for cell in column if cell.value is not None),
                      default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, longest + 2))
    return sheet


def renewal_xlsx(report: RenewalReport) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    promotions = report.promotions
    figures = count_rows()
    summary = _sheet(workbook, _("Summary"),
                     [_("Figure"), *[p.promotion.label for p in promotions]],
                     [[label, *[getattr(p.counts, key) for p in promotions]]
                      for key, label in figures])
    for index, (key, _label) in enumerate(figures, start=2):  # the rates' rows
        if key in RATES:
            for cell in summary[index][1:]:
                cell.number_format = "0.0%"
    _sheet(workbook, _("Sessions"), [_("Promotion"), _("Session"), _("Starts on"),
                                     _("Deliberation signed on"), _("Organised by")],
           [[p.promotion.label, s.name, s.starts_on, s.signed_on,
             s.partner or _("The certifier itself")]
            for p in promotions for s in p.sessions])
    keys = [key for key, _label in figures]
    _sheet(workbook, _("Access routes"), [_("Promotion"), _("Access route"),
                                          *[label for _key, label in figures]],
           [[p.promotion.label, str(r.label), *[getattr(r.counts, key) for key in keys]]
            for p in promotions for r in p.routes],
           rates=[2 + keys.index(key) for key in RATES])
    _sheet(workbook, _("Partners"), [_("Promotion"), _("Organised by"), _("SIRET"),
                                     *[label for _key, label in figures]],
           [[p.promotion.label, str(o.name), o.siret, *[getattr(o.counts, key) for key in keys]]
            for p in promotions for o in p.partners],
           rates=[3 + keys.index(key) for key in RATES])
    _sheet(workbook, _("Blocs"), [
        _("Promotion"), _("Bloc"), _("Title"), _("Holders (validated)"),
        _("Of whom certified in part"), _("Not validated"), _("Rate not validated"),
        _("Acquired before")],
        [[p.promotion.label, b.code, b.title, b.holders, b.partial_holders, b.failed,
          b.failure_rate, b.acquired_before] for p in promotions for b in p.blocs],
        rates=[6])
    levels = sorted(report.scale) or [1, 2, 3, 4]
    _sheet(workbook, _("Competences"), [
        _("Promotion"), _("Bloc"), _("Competence"), _("Title"), _("Candidates"),
        _("Average level (1 is the best)"),
        *[_("Level %(number)d") % {"number": n} for n in levels]],
        [[p.promotion.label, c.bloc_code, c.code, c.title, c.count, c.average,
          *[c.levels.get(n, 0) for n in levels]] for p in promotions for c in p.competences])
    _sheet(workbook, _("Insertion"), [
        _("Promotion"), _("Months after the decision"), _("Surveys sent"), _("Answered"),
        _("Response rate"), _("Employed"), _("Employment rate, of those who answered"),
        _("In the job prepared for"), _("Rate in the job prepared for, of those who answered"),
        *[str(label) for _value, label in ContractType.choices]],
        [[p.promotion.label, w.wave, w.sent, w.answered, w.response_rate, w.employed,
          w.employment_rate, w.in_target_job, w.target_job_rate,
          *[n for _value, _label, n in w.contract_rows]]
         for p in promotions for w in p.insertion],
        rates=[4, 6, 8])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def renewal_json(report: RenewalReport) -> bytes:
    return json.dumps(report.as_dict(), cls=DjangoJSONEncoder, ensure_ascii=False,
                      indent=2).encode()


def renewal_context(report: RenewalReport) -> dict[str, Any]:
    """What the page and the PDF show: the report, the rows of its tables, its charts."""
    scale_size = max(report.scale) if report.scale else 4
    return {
        "report": report,
        "certification": report.certification,
        "count_rows": [(label, key in RATES,
                        [getattr(p.counts, key) for p in report.promotions])
                       for key, label in count_rows()],
        "levels": sorted(report.scale.items()) or [(n, "") for n in range(1, 5)],
        "rates_chart": rates_chart(report.promotions),
        "insertion_chart": insertion_chart(report.promotions),
        "contract_labels": [label for _value, label in ContractType.choices],
        "sections": [{"figures": p, "routes_chart": routes_chart(p),
                      "levels_chart": levels_chart(p, scale_size)}
                     for p in report.promotions],
        "site_name": settings.CERTIFIER_NAME,
    }


def renewal_pdf(report: RenewalReport, *, language: str) -> bytes:
    from reports.documents import render_letter_pdf

    with translation.override(language):
        title = _("Renewal file — %(code)s") % {
            "code": report.certification.code or report.certification.title}
        return render_letter_pdf("reports/documents/renewal.html", renewal_context(report),
                                 language=language, title=title,
                                 author=report.certification.certifier_legal_name)


def renewal_file(report: RenewalReport, fmt: str, *, language: str) -> bytes:
    """The report as ``fmt`` (one of ``FORMATS``)."""
    with translation.override(language):
        if fmt == "xlsx":
            return renewal_xlsx(report)
        if fmt == "pdf":
            return renewal_pdf(report, language=language)
        if fmt == "json":
            return renewal_json(report)
    raise ValueError(f"Unknown format: {fmt!r}")
