"""Load the demo data of every app, bottom-up. Safe to run again: nothing is duplicated.

It lives in the ``demo`` app, the top floor, which holds each app's demo data (``demo.accounts``,
``demo.certifications``, ``demo.candidates``, ``demo.juries``, ``demo.showcase``), loaded
from accounts up.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Role, User
from candidates.models import Candidate, Session
from credentials.keys import demo_key_ensure
from deliberations.models import CandidateDecision, CandidateOutcome
from demo import accounts as accounts_demo
from demo import candidates as candidates_demo
from demo import certifications as certifications_demo
from demo import juries as juries_demo
from demo.issuing import documents_issue_and_wait
from demo.session import MEMBER_PASSWORD, DemoSessionResult
from demo.showcase import showcase_create, showcase_reissue
from reports.seal import demo_seal_ensure

# A second demo session, deliberated: signed and published, so that the demo jury login
# sees a deliberation and the demo candidate login sees results. It is the showcase
# session (demo.showcase): every case a document must print right. Its name marks it.
SIGNED_SESSION_NAME = "Promotion 2026 — session délibérée"


def signed_session_load(*, jury_user: User, candidate_user: User,
                        admin_user: User) -> DemoSessionResult | None:
    """The deliberated demo session, unless it exists (None then)."""
    if Session.objects.filter(name=SIGNED_SESSION_NAME).exists():
        return None
    showcase = showcase_create(
        name=SIGNED_SESSION_NAME, president=jury_user, administrator=admin_user,
        candidate=Candidate.objects.filter(user=candidate_user).first())
    result = DemoSessionResult()
    result.session = str(showcase.session.public_id)
    result.errors.extend(showcase.errors)
    decisions = CandidateDecision.objects.filter(deliberation__session=showcase.session)
    result.candidates = decisions.count()
    result.certified = decisions.filter(outcome=CandidateOutcome.FULL_SUCCESS).count()
    result.partial = decisions.filter(outcome=CandidateOutcome.PARTIAL_SUCCESS).count()
    result.failed = decisions.exclude(outcome__in=[CandidateOutcome.FULL_SUCCESS,
                                                   CandidateOutcome.PARTIAL_SUCCESS]).count()
    # Rendered here, in bulk, so the documents pages are filled at the first visit.
    issued = documents_issue_and_wait(session_public_id=result.session, timeout=120)
    if showcase_reissue(showcase, by=admin_user) is not None:
        issued = documents_issue_and_wait(session_public_id=result.session, timeout=120)
    result.documents = issued.counts
    result.verification_codes = issued.verification_codes
    result.errors.extend(issued.errors)
    return result


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
        demo_seal_ensure(settings.SEAL_DEMO_PATH)  # embedded mode: the demo seal, once
        demo_key_ensure(settings.CREDENTIAL_DEMO_PATH)  # and the credentials' demo key
        with transaction.atomic():
            users = accounts_demo.load()
            imports = certifications_demo.load()
            candidate_user = next(u for login, u, _ in users if login.role == Role.CANDIDATE)
            session = candidates_demo.load(candidate_user=candidate_user)
            admin_user = next(u for login, u, _ in users if login.role == Role.ADMIN)
            if session is not None:
                jury_user = next(u for login, u, _ in users if login.role == Role.JURY)
                juries_demo.load(jury_user=jury_user, session=session, admin_user=admin_user)
        signed = None
        if session is not None:
            signed = signed_session_load(jury_user=jury_user, candidate_user=candidate_user,
                                         admin_user=admin_user)
        for result in imports:
            certification = result.referentiel.certification
            self.stdout.write(
                f"référentiel {certification.code or '(sans code)'} "
                f"{certification.title[:60]!r}: {result.action}"
            )
        if session is not None:
            self.stdout.write(f"session {session.name!r}: {session.enrolments.count()} candidates")
            self._signed(signed)
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
            self.stdout.write(f"  (with it on {SIGNED_SESSION_NAME!r}: jury.demo.2@ and "
                              f"jury.demo.3@certif.example, password: {MEMBER_PASSWORD})")

    def _signed(self, signed: DemoSessionResult | None) -> None:
        if signed is None:
            self.stdout.write(f"session {SIGNED_SESSION_NAME!r}: exists")
            return
        self.stdout.write(
            f"session {SIGNED_SESSION_NAME!r}: {signed.candidates} candidates, "
            f"{signed.certified} certified, {signed.partial} partial, {signed.failed} failed"
            f" (signed and published), {sum(signed.documents.values())} valid documents"
        )
        if signed.verification_codes:
            self.stdout.write(f"  verify one at /verify/{signed.verification_codes[0]}/")
        for error in signed.errors:
            self.stdout.write(self.style.WARNING(f"  {error}"))
