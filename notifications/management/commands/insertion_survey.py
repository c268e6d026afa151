"""``manage.py insertion_survey``: the insertion survey from a script (docs/renewal.md).

- ``send [--dry-run] [--batch-size N]``: e-mail every holder whose 6- or 24-month wave
  is due (what the daily beat task does); ``--dry-run`` counts them, sends nothing;
- ``status``: per wave, the holders due now, the surveys sent, answered, and still open
  without an answer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from insertion.selectors import insertion_status
from notifications.services import insertion_surveys_send


class Command(BaseCommand):
    help = "Send the insertion survey's e-mails that are due, or show where the survey stands."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _name in settings.LANGUAGES])
        actions = parser.add_subparsers(dest="action", required=True)
        send = actions.add_parser("send", help="E-mail the holders whose wave is due.")
        send.add_argument("--dry-run", action="store_true",
                          help="Count the holders due; send nothing.")
        send.add_argument("--batch-size", type=int, default=200,
                          help="Holders recorded per transaction (default 200).")
        actions.add_parser("status", help="Due, sent, answered per wave.")

    def handle(self, *args: object, action: str, language: str, **options: object) -> None:
        with translation.override(language):
            getattr(self, "_" + action)(**options)

    def _send(self, *, dry_run: bool, batch_size: int, **options: object) -> None:
        result = insertion_surveys_send(dry_run=dry_run, batch_size=max(1, batch_size))
        if dry_run:
            self.stdout.write(_("%(count)d holder(s) due; nothing sent (dry run).")
                              % {"count": result.due})
            return
        self.stdout.write(_("%(queued)d e-mail(s) queued, %(already)d already sent.")
                          % {"queued": result.queued, "already": result.already})

    def _status(self, **options: object) -> None:
        for row in insertion_status():
            self.stdout.write(_("%(wave)d months: %(due)d due, %(sent)d sent, %(answered)d "
                                "answered, %(waiting)d waiting for an answer.") % row)
