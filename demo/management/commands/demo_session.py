"""A whole demo session, from the référentiel to the issued documents:

    python manage.py demo_session --referentiel FILE [--fiche RNCP…] --candidates N
        --members M [--seed S] [--sign] [--issue-documents] --json

The session itself is made by ``demo.session`` through the services a person
would use; with ``--issue-documents`` (which needs ``--sign``) this top app issues the
documents of the signed deliberation and renders them in bulk, then waits for any a
worker holds. Prints one JSON object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.issuing import documents_issue_and_wait
from demo.session import demo_session_create

HELP = (
    "Create a demo session from a référentiel file: synthetic candidates (reproducible "
    "from --seed), a jury, one épreuve per assessment method, every compétence scored by "
    "every member through the scoring grid, the deliberation proposed and, with --sign, "
    "signed and published; with --issue-documents, the documents issued and rendered. "
    "Prints one JSON object."
)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--referentiel", type=Path, required=True,
                            help="Référentiel file (any format of the import).")
        parser.add_argument("--fiche", default="", help="The fiche to take (RNCP…).")
        parser.add_argument("--candidates", type=int, required=True)
        parser.add_argument("--members", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--sign", action="store_true",
                            help="Tick the extra requirements, sign and publish.")
        parser.add_argument("--issue-documents", action="store_true",
                            help="Issue the signed session's documents and wait for them "
                                 "(needs --sign).")
        parser.add_argument("--timeout", type=float, default=600,
                            help="Seconds to wait for documents a worker renders.")
        parser.add_argument("--json", action="store_true",
                            help="Print one JSON object (the only output there is).")

    def handle(self, *args: object, **options: Any) -> None:
        if options["candidates"] < 1 or options["members"] < 1:
            raise CommandError("--candidates and --members must be at least 1.")
        if options["issue_documents"] and not options["sign"]:
            raise CommandError("--issue-documents needs --sign: only a signed deliberation "
                               "issues documents.")
        result = demo_session_create(
            path=options["referentiel"], fiche=options["fiche"],
            candidates=options["candidates"], members=options["members"],
            seed=options["seed"], sign=options["sign"],
        )
        if options["issue_documents"] and result.session and not result.errors:
            issued = documents_issue_and_wait(session_public_id=result.session,
                                              timeout=options["timeout"])
            result.documents = issued.counts
            result.verification_codes = issued.verification_codes
            result.errors.extend(issued.errors)
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
