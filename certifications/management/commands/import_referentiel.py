"""Import référentiels from a file, through the one import pipeline (DESIGN.md §4.1).

    python manage.py import_referentiel FILE [--format …] [--fiche RNCP…]
        [--certifier NAME_OR_SIRET] [--patch CORRECTIONS.json] [--dry-run] [--json]

``--patch`` applies the preview editor's operations (docs/import.md, « Correcting a
draft ») before the validation: ``{"ops": [...]}`` for the first fiche of the file, or
``{"drafts": [{"ops": [...]}, ...]}`` one entry per fiche, in the file's order.

Every draft of the file is validated before anything is written, then all of them
are saved in one transaction: a file is imported whole or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from certifications import importers
from certifications.errors import ImportFormatError
from certifications.importers.draft import Issue, ReferentielDraft, Severity
from certifications.importers.validation import validate
from certifications.services import ReferentielImportError, referentiel_import
from certifications.services.draft_edit import apply_patch, edit_issues

DRY_RUN = "dry-run"


@dataclass
class Report:
    """What the command says about one certification of the file."""

    draft: ReferentielDraft
    issues: list[Issue]
    action: str | None = None  # None: nothing was saved (errors somewhere in the file)
    version: int | None = None
    errors: list[str] = field(init=False)
    warnings: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.errors = [_located(i) for i in self.issues if i.severity is Severity.ERROR]
        self.warnings = [_located(i) for i in self.issues if i.severity is Severity.WARNING]

    @property
    def label(self) -> str:
        cert = self.draft.certification
        return f"{cert.code or '(sans code)'} {cert.title or '(sans intitulé)'}"

    def as_json(self) -> dict[str, Any]:
        cert = self.draft.certification
        return {
            "code": cert.code,
            "title": cert.title,
            **self.draft.counts(),
            "warnings": self.warnings,
            "errors": self.errors,
            "action": self.action,
            "version": self.version,
        }


def _located(issue: Issue) -> str:
    return f"{issue.location} : {issue.message}" if issue.location else issue.message


class Command(BaseCommand):
    help = (
        "Importe les référentiels d'un fichier (document texte, Word, PDF ou OpenDocument, "
        "export XML RNCP, tableur, JSON). "
        "Tout le fichier est enregistré en une transaction, ou rien s'il contient une erreur."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Fichier à importer.")
        parser.add_argument(
            "--format", choices=importers.FORMAT_CHOICES, default="auto",
            help="Format du fichier (auto : deviné d'après le contenu et l'extension).",
        )
        parser.add_argument("--fiche", help="Export XML : ne lire que cette fiche (RNCP…).")
        parser.add_argument(
            "--certifier", help="Export XML : ne lire que les fiches de ce certificateur "
            "(nom ou SIRET).",
        )
        parser.add_argument(
            "--patch", type=Path,
            help="Fichier JSON de corrections (les opérations de l'éditeur de l'aperçu).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Lire et valider sans rien enregistrer."
        )
        parser.add_argument(
            "--json", action="store_true", help="Une ligne JSON par certification."
        )

    def handle(self, *args: object, **options: Any) -> None:
        path: Path = options["file"]
        drafts = self._parse(path, options)
        if options.get("patch"):
            _apply_patch_file(options["patch"], drafts)
        reports = [Report(draft, validate(draft) + edit_issues(draft)) for draft in drafts]
        failed = [report for report in reports if report.errors]
        if not failed and not options["dry_run"]:
            self._save(reports)
        elif options["dry_run"]:
            for report in reports:
                report.action = DRY_RUN
        self._print(reports, as_json=options["json"])
        if failed:
            raise CommandError(_failure_message(failed, dry_run=options["dry_run"]))

    def _parse(self, path: Path, options: dict[str, Any]) -> list[ReferentielDraft]:
        try:
            # Binary and unread: the parser streams it (a daily RNCP export is hundreds of MB).
            with path.open("rb") as source:
                return importers.parse(
                    source, format=options["format"], name=path.name,
                    fiche=options["fiche"], certifier=options["certifier"],
                )
        except OSError as exc:
            raise CommandError(f"Fichier illisible « {path} » : {exc.strerror or exc}") from exc
        except ImportFormatError as exc:
            where = f"{path.name}, {exc.location}" if exc.location else path.name
            raise CommandError(f"Import impossible ({where}) : {exc.message}") from exc

    def _save(self, reports: list[Report]) -> None:
        try:
            with transaction.atomic():
                for report in reports:
                    result = referentiel_import(draft=report.draft)
                    report.action = result.action.value
                    report.version = result.referentiel.version
        except ReferentielImportError as exc:  # validated above; leaving atomic() rolls back
            raise CommandError(f"Import annulé, rien n'a été enregistré : {exc}") from exc

    def _print(self, reports: list[Report], *, as_json: bool) -> None:
        for report in reports:
            if as_json:
                self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
            else:
                self._print_summary(report)

    def _print_summary(self, report: Report) -> None:
        counts = report.draft.counts()
        self.stdout.write(self.style.MIGRATE_HEADING(report.label))
        self.stdout.write(
            f"  {counts['blocs']} blocs, {counts['competences']} compétences, "
            f"{counts['criteria']} critères, {counts['modalities']} modalités, "
            f"{counts['activities']} activités"
        )
        if report.action == DRY_RUN:
            self.stdout.write("  simulation : rien n'a été enregistré")
        elif report.action:
            self.stdout.write(self.style.SUCCESS(f"  {report.action} (version {report.version})"))
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"  avertissement — {warning}"))
        for error in report.errors:
            self.stdout.write(self.style.ERROR(f"  erreur — {error}"))


def _apply_patch_file(path: Path, drafts: list[ReferentielDraft]) -> None:
    """Apply the corrections of ``path`` (all or nothing, per fiche) or stop the command."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"Fichier illisible « {path} » : {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CommandError(f"Corrections illisibles ({path.name}) : {exc}") from exc
    if isinstance(data, dict) and "ops" in data:
        patches = [data["ops"]]
    elif isinstance(data, dict) and isinstance(data.get("drafts"), list):
        patches = [item.get("ops", []) if isinstance(item, dict) else item
                   for item in data["drafts"]]
    else:
        raise CommandError(f"Corrections ({path.name}) : {{\"ops\": [...]}} ou "
                           f"{{\"drafts\": [{{\"ops\": [...]}}, ...]}} attendu.")
    if len(patches) > len(drafts):
        raise CommandError(f"Corrections pour {len(patches)} fiches, le fichier en contient "
                           f"{len(drafts)}.")
    for number, (draft, ops) in enumerate(zip(drafts, patches, strict=False), start=1):
        errors = apply_patch(draft, ops)
        if errors:
            lines = [f"  opération {i} : {field} — {message}"
                     for i, fields in errors.items() for field, message in fields.items()]
            raise CommandError(
                f"Corrections refusées (fiche {number}), rien n'a été enregistré :\n"
                + "\n".join(lines))


def _failure_message(failed: list[Report], *, dry_run: bool) -> str:
    outcome = "l'import échouerait" if dry_run else "import annulé, rien n'a été enregistré"
    lines = [f"{sum(len(r.errors) for r in failed)} erreur(s) : {outcome}."]
    for report in failed:
        lines.extend(f"  {report.draft.source_name} / {report.label} — {e}" for e in report.errors)
    return "\n".join(lines)
