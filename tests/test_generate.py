"""The large-data generator (bench/generate.py) at a tiny size on the test database:
the counts it reports are the rows there are, and the model invariants hold."""

from pathlib import Path

import pytest
from django.db.models import Count, F

from accounts.models import AuditEvent
from assessments.models import Score
from bench.generate import Sizes, checked_database, generate
from candidates.models import Candidate, Enrolment, Session
from certifications.models import Certification
from deliberations.models import Deliberation
from juries.models import Assignment, Jury
from reports.models import Document, DocumentKind, DocumentStatus, RegisterCounter

TINY = Sizes(certifications=6, sessions=4, candidates=24, files=False)


@pytest.mark.django_db
def test_it_makes_consistent_data_and_reports_it(settings, tmp_path: Path):
    """One generation (a few seconds), checked from several sides."""
    settings.MEDIA_ROOT = tmp_path / "media"
    figures = generate(TINY, seed=3, log=lambda line: None)
    check_it_reports_the_rows_it_made(figures)
    check_its_rows_keep_the_model_invariants()
    check_signed_sessions_have_their_documents_numbered_from_the_register()


def check_it_reports_the_rows_it_made(figures: dict) -> None:
    assert figures["certifications"] == Certification.objects.count() == 6
    assert figures["sessions"] == Session.objects.count() == 4
    assert figures["candidates"] == Candidate.objects.count() == 24
    assert figures["scores"] == Score.objects.count() > 0
    assert figures["documents"] == Document.objects.count() > 0
    assert figures["audit_events"] >= figures["scores"]
    assert figures["signed_sessions"] == 2
    assert figures["drafted_sessions"] == 1
    # The five seeds and a variant of the first, under another code.
    codes = set(Certification.objects.values_list("code", flat=True))
    assert "RNCP35609" in codes
    assert "RNCP98005" in codes


def check_its_rows_keep_the_model_invariants() -> None:
    # Every candidate enrolled once; every scorer is on the jury and assigned to the sitting.
    assert Enrolment.objects.count() == 24
    assert not Score.objects.exclude(
        sitting__assignments__member__user=F("scorer")).exists()
    assert not Score.objects.exclude(
        sitting__assessment__session__jury__members__user=F("scorer")).exists()
    assert not Assignment.objects.exclude(
        sitting__assessment__session__jury__members=F("member")).exists()
    assert all(jury.president in jury.members.all() for jury in Jury.objects.all())
    # Levels 3 and 4 carry a comment, as the grid requires.
    assert not Score.objects.filter(level__gte=3, comment="").exists()
    # One "score.recorded" audit event per score.
    assert AuditEvent.objects.filter(action="score.recorded").count() == Score.objects.count()


def check_signed_sessions_have_their_documents_numbered_from_the_register() -> None:
    signed = Deliberation.objects.filter(status=Deliberation.Status.SIGNED)
    assert signed.count() == 2
    deliberation = signed.first()
    assert deliberation.session.results_published_at is not None
    assert not deliberation.session.assessments.filter(sittings__locked_at__isnull=True).exists()
    documents = Document.objects.filter(deliberation=deliberation)
    assert documents.filter(kind=DocumentKind.MINUTES).count() == 1
    assert documents.filter(kind=DocumentKind.TRANSCRIPT).count() == \
        deliberation.candidates.count()
    assert not documents.exclude(status=DocumentStatus.ISSUED).exists()
    # Numbers are unique in a register and the counter is where the last one left it.
    for counter in RegisterCounter.objects.all():
        numbers = Document.objects.filter(certifier=counter.certifier).values_list(
            "number", flat=True)
        assert sorted(numbers) == [f"{counter.year}-{n:06d}"
                                   for n in range(1, counter.last + 1)]
    assert not Document.objects.values("verification_code").annotate(
        n=Count("pk")).filter(n__gt=1).exists()


def test_it_refuses_the_test_and_system_databases():
    for url in ("postgres://postgres@127.0.0.1:5432/test",
                "postgres://postgres@127.0.0.1:5432/test_certassess",
                "postgres://postgres@127.0.0.1:5432/postgres",
                "postgres://postgres@db.example.org:5432/certbench"):
        with pytest.raises(SystemExit):
            checked_database(url)
