"""``manage.py verify_document FILE``: what a PDF proves, in words (issue 19). Exit status
0 when the file is sealed, intact and a valid document of the register; 1 otherwise."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from reports.services.seal_check import SealCheck, pdf_seal_check


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def seal_check_lines(check: SealCheck) -> list[str]:
    """The check said in sentences, one a line (the verification page will reuse them)."""
    lines = [_("SHA-256 fingerprint: %(sha256)s") % {"sha256": check.sha256}]
    if not check.readable:
        lines.append(_("This file is not a readable PDF."))
    elif not check.sealed:
        lines.append(_("This file carries no electronic seal: nothing in the file itself "
                       "proves who issued it."))
    else:
        if check.seal_ok:
            lines.append(_("The electronic seal is intact: the file has not been changed "
                           "since it was sealed."))
        elif check.intact:
            lines.append(_("The electronic seal is intact, but something was added to the "
                           "file after it was sealed: that part is not covered by the seal."))
        else:
            lines.append(_("The electronic seal is broken: the file was changed after it "
                           "was sealed. Do not rely on its content."))
        if check.signer:
            signer = check.signer
            if check.signer_organisation and check.signer_organisation not in signer:
                signer = f"{signer} ({check.signer_organisation})"
            lines.append(_("Sealed by: %(signer)s") % {"signer": signer})
        if check.signed_at is not None:
            source = (_("time certified by a time stamp authority") if check.timestamped
                      else _("time given by the sealer's own clock"))
            lines.append(_("Sealed on: %(when)s (%(source)s)")
                         % {"when": _when(check.signed_at), "source": source})
        if check.intact and not check.trusted:
            lines.append(_("The seal's certificate is not vouched for by a recognised "
                           "authority (a demonstration seal, for instance): rely on the "
                           "register check below."))
    document = check.document
    if document is None:
        lines.append(_("This file is not in the register: no document issued here has "
                       "exactly these bytes. It may have been changed, or come from "
                       "elsewhere."))
        return lines
    lines.append(_("This file is exactly document %(number)s (%(kind)s) of the register "
                   "kept by %(certifier)s, issued on %(when)s.")
                 % {"number": document.number, "kind": document.get_kind_display(),
                    "certifier": document.certifier, "when": _when(document.issued_at)})
    holder = getattr(document, "statement", {}).get("holder")
    if holder:
        lines.append(_("Holder: %(holder)s") % {"holder": holder})
    if document.is_valid:
        lines.append(_("Status: valid."))
    else:
        lines.append(_("Status: revoked on %(when)s. %(reason)s")
                     % {"when": _when(document.revoked_at) if document.revoked_at else "—",
                        "reason": document.public_reason})
    return lines


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
            if (check.document is not None and check.document.is_valid
                    and (check.seal_ok or not check.sealed)):
                self.stdout.write(self.style.SUCCESS(
                    _("Conclusion: this is an authentic, valid document of the register.")))
                return
            raise CommandError(_("Conclusion: do not rely on this file as an authentic, "
                                 "valid document."), returncode=1)
