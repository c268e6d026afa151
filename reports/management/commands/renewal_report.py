"""``manage.py renewal_report --certification RNCP35609 --promotion 2025 --promotion 2026
[--format xlsx|pdf|json] [--language fr|en] -o FILE``: the renewal file of a certification
(docs/renewal.md), for certifiers who automate. ``-o -`` writes to the standard output."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from certifications.models import Certification
from reports.renewal.exports import FORMATS, renewal_file
from reports.renewal.selectors import promotions_parse, renewal_certification_get, renewal_report


class Command(BaseCommand):
    help = ("Write the France Compétences renewal file of a certification (figures per "
            "promotion) as XLSX, PDF or JSON.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--certification", required=True,
                            help="The certification's id (UUID) or RNCP/RS code.")
        parser.add_argument("--promotion", action="append", required=True,
                            help="A year (2025) or a range of days (2025-09-01..2026-08-31); "
                                 "repeat it for each promotion.")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default=None,
                            help="Default: from the output file's extension, else json.")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _name in settings.LANGUAGES])
        parser.add_argument("-o", "--output", required=True, help="The file to write; - for "
                                                                 "the standard output.")

    def handle(self, *args: object, certification: str, promotion: list[str], fmt: str | None,
               language: str, output: str, **options: object) -> None:
        with translation.override(language):
            try:
                found = renewal_certification_get(user=None, key=certification)
            except Certification.DoesNotExist:
                raise CommandError(_("No certification has the id or code %(key)s.")
                                   % {"key": certification}) from None
            try:
                promotions = promotions_parse(promotion)
            except ValueError as wrong:
                raise CommandError(str(wrong)) from None
            suffix = Path(output).suffix.lstrip(".").lower()
            fmt = fmt or (suffix if suffix in FORMATS else "json")
            content = renewal_file(renewal_report(certification=found, promotions=promotions),
                                   fmt, language=language)
            if output == "-":
                sys.stdout.buffer.write(content)
                return
            try:
                Path(output).write_bytes(content)
            except OSError as error:
                raise CommandError(_("Cannot write %(file)s: %(error)s")
                                   % {"file": output, "error": error.strerror}) from error
            self.stdout.write(_("Renewal file written to %(file)s (%(format)s).")
                              % {"file": output, "format": fmt.upper()})
