"""Sign the credentials of issued certificates and bloc attestations that have none (those
issued before a key was configured): ``manage.py issue_credentials``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from credentials.build import CREDENTIAL_KINDS
from credentials.keys import CredentialKeyError, credentials_configured, signing_key
from credentials.services import credentials_issue
from reports.models import Document, DocumentStatus

BATCH = 500


class Command(BaseCommand):
    help = "Sign the missing credentials of issued certificates and bloc attestations."

    def handle(self, *args: object, **options: object) -> None:
        if not credentials_configured():
            raise CommandError("No key is configured (CREDENTIAL_KEY_PATH).")
        try:
            signing_key()
        except CredentialKeyError as error:
            raise CommandError(str(error)) from error
        ids = list(Document.objects.filter(
            kind__in=CREDENTIAL_KINDS, status=DocumentStatus.ISSUED,
            credential__isnull=True).order_by("pk").values_list("pk", flat=True))
        issued = 0
        for start in range(0, len(ids), BATCH):
            issued += len(credentials_issue(document_ids=ids[start:start + BATCH]))
        self.stdout.write(f"{issued} credentials signed ({len(ids) - issued} failed).")
