"""``manage.py cdc_declaration``: the Caisse des Dépôts declaration from a script (issue 20,
docs/documents.md « Declaration fluxes »).

- ``build --session <uuid> [-o FILE]``: build and validate the session's flux;
- ``build --period YYYY-MM-DD:YYYY-MM-DD [--certification CODE] [-o FILE]``: one flux per
  certification with sessions decided in the period (or the one given); ``-o`` writes the
  file (with ``--period``, ``-o`` is a directory that receives each flux under its name);
- ``import-report FILE``: apply a processing report (accusé de traitement) to its flux;
- ``status``: passages by state, fluxes, late and due-soon sessions, rejected holders;
- ``check --session <uuid>``: the pre-declaration report (reports/cdc_precheck.py): what
  would stop or risk each candidate's declaration; exit status 1 when anything stops it.

Exit status 1 with the reasons when a build or an import is refused (nothing recorded).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from candidates.models import Session
from certifications.models import Certification
from reports.cdc import CdcExportError
from reports.cdc_flux import (
    CdcReportError,
    cdc_flux_build,
    cdc_report_import,
    certifications_with_holders,
)
from reports.cdc_precheck import cdc_precheck
from reports.cdc_selectors import cdc_declarations_overview, cdc_status_lines


def _period(text: str) -> tuple[date, date]:
    start, separator, end = text.partition(":")
    try:
        period = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        period = None
    if not separator or period is None or period[0] > period[1]:
        raise CommandError(_("The period is two dates YYYY-MM-DD:YYYY-MM-DD, the start "
                             "first."))
    return period


class Command(BaseCommand):
    help = "Build Caisse des Dépôts declaration fluxes, import processing reports, show status."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _name in settings.LANGUAGES])
        actions = parser.add_subparsers(dest="action", required=True)
        build = actions.add_parser("build", help="Build and validate a flux.")
        scope = build.add_mutually_exclusive_group(required=True)
        scope.add_argument("--session", help="The session's UUID.")
        scope.add_argument("--period", help="YYYY-MM-DD:YYYY-MM-DD (decision dates).")
        build.add_argument("--certification", help="With --period: only this code.")
        build.add_argument("-o", "--output", help="Write the file here (with --period: a "
                                                  "directory).")
        report = actions.add_parser("import-report", help="Apply a processing report.")
        report.add_argument("file")
        actions.add_parser("status", help="Where the declarations stand.")
        check = actions.add_parser("check", help="What would stop or risk a session's "
                                                 "declaration, per candidate.")
        check.add_argument("--session", required=True, help="The session's UUID.")

    def handle(self, *args: object, action: str, language: str, **options: object) -> None:
        with translation.override(language):
            getattr(self, "_" + action.replace("-", "_"))(**options)

    def _build(self, *, session: str | None, period: str | None,
               certification: str | None, output: str | None, **options: object) -> None:
        jobs: list[dict] = []
        if session:
            try:
                jobs.append({"session": Session.objects.select_related(
                    "referentiel__certification").get(public_id=session)})
            except (Session.DoesNotExist, ValidationError, ValueError) as error:
                raise CommandError(_("No session has the id %(id)s.") % {"id": session}) \
                    from error
        else:
            dates = _period(period or "")
            certifications = certifications_with_holders(period=dates)
            if certification:
                certifications = [c for c in certifications if c.code == certification]
                if not Certification.objects.filter(code=certification).exists():
                    raise CommandError(_("No certification has the code %(code)s.")
                                       % {"code": certification})
            if not certifications:
                raise CommandError(_("No deliberation was signed in this period."))
            jobs += [{"certification": c, "period": dates} for c in certifications]
        failures = 0
        for job in jobs:
            try:
                built = cdc_flux_build(by=None, **job)
            except CdcExportError as refused:
                failures += 1
                code = (job.get("certification") or job["session"].referentiel.certification).code
                self.stderr.write(_("%(code)s: the flux was not built:") % {"code": code})
                for problem in refused.problems:
                    self.stderr.write(f"  - {problem}")
                continue
            flux = built.flux
            self.stdout.write(_("Flux %(id)s (%(code)s): %(declared)d declared, %(again)d "
                                "declared again.")
                              % {"id": flux.id_flux, "code": flux.certification.code,
                                 "declared": built.declared, "again": built.redeclared})
            for name in built.revoked:
                self.stdout.write(_("  Revoked after declaration, withdraw on the portal: "
                                    "%(name)s") % {"name": name})
            if output:
                target = Path(output)
                if period or target.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    target = target / flux.filename
                target.write_bytes(bytes(flux.content))
                self.stdout.write(_("  Written to %(path)s") % {"path": target})
        if failures:
            raise CommandError(_("%(count)d flux(es) refused.") % {"count": failures})

    def _check(self, *, session: str, **options: object) -> None:
        try:
            found = Session.objects.select_related("referentiel__certification").get(
                public_id=session)
        except (Session.DoesNotExist, ValidationError, ValueError) as error:
            raise CommandError(_("No session has the id %(id)s.") % {"id": session}) \
                from error
        report = cdc_precheck(session=found)
        self.stdout.write(_("%(session)s (%(code)s): %(checked)d checked, %(stop)d to "
                            "complete, %(risk)d at risk.")
                          % {"session": found.name,
                             "code": found.referentiel.certification.code,
                             "checked": len(report.candidates),
                             "stop": len(report.to_complete), "risk": len(report.at_risk)})
        for problem in report.certification_problems:
            self.stdout.write(f"  - {problem}")
        for item in report.with_problems:
            self.stdout.write(f"{item.candidate.legal_name} ({item.enrolment.public_id})")
            for problem in item.problems:
                self.stdout.write(f"  [{problem.level}] {problem.field}: {problem.message}")
        if not report.ready:
            raise CommandError(_("The declaration would be refused: complete what is listed."))

    def _import_report(self, *, file: str, **options: object) -> None:
        try:
            content = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s")
                               % {"file": file, "error": error.strerror}) from error
        try:
            applied = cdc_report_import(content=content, by=None, filename=Path(file).name)
        except CdcReportError as refused:
            for problem in refused.problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(_("The processing report was not applied; nothing changed.")) \
                from None
        self.stdout.write(_("Flux %(id)s: %(accepted)d accepted, %(rejected)d rejected.")
                          % {"id": applied.flux.id_flux, "accepted": applied.accepted,
                             "rejected": applied.rejected})

    def _status(self, **options: object) -> None:
        self.stdout.write(_("Passages by state:"))
        for label, count in cdc_status_lines():
            self.stdout.write(f"  {label}: {count}")
        overview = cdc_declarations_overview()
        for title, items in ((_("Late:"), overview.late), (_("Due soon:"), overview.due_soon)):
            self.stdout.write(title + (" —" if not items else ""))
            for item in items:
                self.stdout.write(_("  %(session)s (%(code)s): %(pending)d holder(s) to "
                                    "declare before %(due)s")
                                  % {"session": item.session.name,
                                     "code": item.session.referentiel.certification.code,
                                     "pending": item.counts.pending,
                                     "due": item.deadline.due_on.isoformat()})
        self.stdout.write(_("Rejected, to fix:") + (" —" if not overview.rejected else ""))
        for item in overview.rejected:
            self.stdout.write(f"  {item.enrolment.candidate.legal_name} "
                              f"({item.passage.id_technique}): {item.passage.reason_text}")
        self.stdout.write(_("Fluxes:") + (" —" if not overview.fluxes else ""))
        for flux in overview.fluxes:
            self.stdout.write(f"  {flux.created_at:%Y-%m-%d %H:%M} {flux.id_flux} "
                              f"{flux.certification.code} {flux.get_state_display()} "
                              f"({flux.passages_count})")
