"""``manage.py verify_document FILE``: what a PDF proves, in words (issue 19). Exit status
0 when the file is sealed, intact and a valid document of the register; 1 otherwise."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from reports.services.seal_check import pdf_seal_check, seal_check_lines


class Command(BaseCommand):
    help = ("Say whether a PDF carries an intact seal, who sealed it and when, and whether "
            "it is a valid document of the register.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The PDF to check.")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args: object, file: str, language: str, **options: object) -> None:
        with translation.override(language):
            try:
                data = Path(file).read_bytes()
            except OSError as error:
                raise CommandError(_("Cannot read %(file)s: %(error)s")
                                   % {"file": file, "error": error.strerror}) from error
            check = pdf_seal_check(data)
            self.stdout.write(_("File: %(file)s") % {"file": file})
            for line in seal_check_lines(check):
                self.stdout.write(line)
            if check.authentic:
                self.stdout.write(self.style.SUCCESS(
                    _("Conclusion: this is an authentic, valid document of the register.")))
                return
            raise CommandError(_("Conclusion: do not rely on this file as an authentic, "
                                 "valid document."), returncode=1)
