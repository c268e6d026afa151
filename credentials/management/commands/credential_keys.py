"""List the issuer's keys, or withdraw one: ``manage.py credential_keys [retire KID]``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credentials.keys import CredentialKeyError, credentials_configured, signing_key
from credentials.models import IssuerKey
from credentials.services import issuer_key_record, issuer_key_retire


class Command(BaseCommand):
    help = ("List the keys credentials were signed with (the current one marked), or "
            "withdraw a lost or compromised one: what it signed stops verifying.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action")
        sub.add_parser("list", help="List the keys (the default).")
        retire = sub.add_parser("retire", help="Withdraw a key.")
        retire.add_argument("kid")
        retire.add_argument("--reason", required=True)

    def handle(self, *args: object, action: str | None = None, **options: object) -> None:
        current = ""
        if credentials_configured():
            try:
                current = issuer_key_record(signing_key()).kid
            except CredentialKeyError as error:
                self.stderr.write(str(error))
        if action == "retire":
            key = IssuerKey.objects.filter(kid=options["kid"]).first()
            if key is None:
                raise CommandError(f"No key {options['kid']}.")
            if key.kid == current:
                raise CommandError("This is the key in use: configure a new one first "
                                   "(CREDENTIAL_KEY_PATH), then withdraw this one.")
            issuer_key_retire(key=key, reason=str(options["reason"]))
            self.stdout.write(f"Withdrawn: {key.kid}")
            return
        for key in IssuerKey.objects.all():
            state = ("in use" if key.kid == current else
                     f"withdrawn {key.retired_at:%Y-%m-%d}: {key.retired_reason}"
                     if key.retired_at else "published")
            self.stdout.write(f"{key.kid}  {key.algorithm}  since {key.created_at:%Y-%m-%d}  "
                              f"{key.credentials.count()} credentials  {state}")
