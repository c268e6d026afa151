"""Load the demo data of every app, bottom-up. Safe to run again: nothing is duplicated.

It lives in the top app because it calls each app's own ``demo`` module, from
accounts up.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import demo as accounts_demo
from accounts.models import Role
from candidates import demo as candidates_demo
from certifications import demo as certifications_demo
from juries import demo as juries_demo


class Command(BaseCommand):
    help = "Create demo users (one per role) and import the demo référentiels."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=settings.SITE_URL, help="Address to print.")
        parser.add_argument(
            "--allow-production", action="store_true",
            help="Load demo logins even when DEBUG is off and a SECRET_KEY is set.",
        )

    def handle(self, *args: object, url: str, allow_production: bool, **options: object) -> None:
        if settings.SECRET_KEY and not settings.DEBUG and not settings.EMBEDDED \
                and not allow_production:
            raise CommandError(
                "Refusing to create demo logins on a production configuration "
                "(use --allow-production if you really mean it)."
            )
        with transaction.atomic():
            users = accounts_demo.load()
            imports = certifications_demo.load()
            candidate_user = next(u for login, u, _ in users if login.role == Role.CANDIDATE)
            session = candidates_demo.load(candidate_user=candidate_user)
            if session is not None:
                jury_user = next(u for login, u, _ in users if login.role == Role.JURY)
                juries_demo.load(jury_user=jury_user, session=session)
        for result in imports:
            certification = result.referentiel.certification
            self.stdout.write(
                f"référentiel {certification.code or '(sans code)'} "
                f"{certification.title[:60]!r}: {result.action}"
            )
        if session is not None:
            self.stdout.write(f"session {session.name!r}: {session.enrolments.count()} candidates")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Open {url}/ and sign in with:"))
        for login, _user, created in users:
            state = "created" if created else "exists"
            self.stdout.write(
                f"  {login.role.label:<15} {login.email:<30} password: {login.password}"
                f"  ({state})"
            )
        if session is not None:
            self.stdout.write("  (the jury member above presides the demo jury; other members:)")
            for email, password, *_rest in juries_demo.OTHER_MEMBERS:
                self.stdout.write(f"  {'':<15} {email:<30} password: {password}")
