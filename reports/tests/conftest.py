"""A signed deliberation with two candidates, charlie (certified) and dave (every bloc,
not certified), and a PDF renderer replaced by a stub (the real one has its own tests)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import reports.documents
from candidates.models import Enrolment
from certifications.models import Requirement
from deliberations.models import CandidateDecision, Deliberation
from deliberations.services import (
    deliberation_propose,
    deliberation_sign,
    requirement_tick,
)
from deliberations.tests.deliberation_helpers import Setup, enrol, jury_setup, score_all

FAKE_PDF = b"%PDF-1.7 stub"


@dataclass
class Signed:
    setup: Setup
    deliberation: Deliberation
    charlie: Enrolment
    dave: Enrolment


@pytest.fixture
def signed(alice, charlie, dave) -> Signed:
    setup = jury_setup()
    mine = enrol(setup, candidate__user=charlie, candidate__email=charlie.email)
    theirs = enrol(setup, candidate__user=dave, candidate__email=dave.email)
    for enrolment in (mine, theirs):
        for sitting_assessment in setup.session.assessments.all():
            score_all(setup, enrolment, 1, assessment=sitting_assessment)
    deliberation_propose(session=setup.session, by=alice)
    deliberation = Deliberation.objects.get(session=setup.session)
    # Only charlie meets the extra requirements: charlie is certified, dave is not.
    for requirement in Requirement.objects.filter(
            certification=setup.session.referentiel.certification):
        requirement_tick(decision=CandidateDecision.objects.get(enrolment=mine),
                         requirement=requirement, met=True, justification="Attesté.",
                         by=setup.president.user)
    deliberation_sign(deliberation=deliberation, members_present=setup.members,
                      by=setup.president.user)
    deliberation.refresh_from_db()
    return Signed(setup, deliberation, mine, theirs)


@pytest.fixture
def rendered(monkeypatch) -> list[tuple[str, dict, str]]:
    """Stub ``render_pdf`` and the bulk ``render_pdfs``; each document's (kind, context,
    language) is kept."""
    calls: list[tuple[str, dict, str]] = []

    def render_pdf(kind: str, context: dict, *, language: str = "fr") -> bytes:
        calls.append((kind, context, language))
        return FAKE_PDF

    def render_pdfs(items: list[tuple[str, dict]], *, language: str = "fr",
                    **options: object) -> list[bytes]:
        # Whatever stands as render_pdf now (a test may replace it again).
        one = reports.documents.render_pdf
        return [one(kind, context, language=language) for kind, context in items]

    monkeypatch.setattr("reports.documents.render_pdf", render_pdf)
    monkeypatch.setattr("reports.documents.render_pdfs", render_pdfs)
    return calls


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """Document ids whose rendering was enqueued (the worker is not started)."""
    ids: list[int] = []
    monkeypatch.setattr("reports.tasks.documents_render_task.delay_on_commit", ids.extend)
    return ids
