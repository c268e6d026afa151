"""The demo_session command: a whole session from a référentiel file to the published
deliberation, reproducible from the seed, counts taken from the database."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from assessments.models import Assessment, Score
from candidates.models import Session
from certifications.importers.json_format import dumps
from certifications.models import Referentiel
from certifications.tests.drafts import make_draft
from deliberations.models import (
    BlocDecision,
    BlocDecisionStatus,
    CandidateDecision,
    CandidateOutcome,
    Deliberation,
)
from juries.models import Assignment, Jury

pytestmark = pytest.mark.django_db


@pytest.fixture
def referentiel_file(tmp_path: Path) -> Path:
    path = tmp_path / "referentiel.json"
    path.write_bytes(dumps(make_draft()))
    return path


def run(path: Path, *extra: str, seed: int = 7) -> dict:
    out = StringIO()
    call_command("demo_session", "--referentiel", str(path), "--candidates", "5",
                 "--members", "3", "--seed", str(seed), "--json", *extra, stdout=out)
    return json.loads(out.getvalue())


def levels(session_id: str) -> list[tuple[str, str, str, int]]:
    return sorted(Score.objects.filter(sitting__assessment__session__public_id=session_id)
                  .values_list("sitting__enrolment__candidate__identity_key",
                               "competence__code", "scorer__email", "level"))


def test_it_reports_counts_consistent_with_the_database(referentiel_file):
    result = run(referentiel_file)
    session = Session.objects.get(public_id=result["session"])
    decisions = CandidateDecision.objects.filter(deliberation__session=session)
    assert result["errors"] == []
    assert result["candidates"] == session.enrolments.count() == 5
    assert Assessment.objects.filter(session=session).count() == 1
    assert Jury.objects.get(session=session).members.count() == 3
    assert Assignment.objects.filter(sitting__assessment__session=session).count() == 15
    assert result["scores"] == Score.objects.filter(
        sitting__assessment__session=session).count() == 5 * 4 * 3
    assert result["blocs_validated"] == BlocDecision.objects.filter(
        candidate_decision__in=decisions, status=BlocDecisionStatus.VALIDATED).count()
    for key, outcome in (("certified", CandidateOutcome.FULL_SUCCESS),
                         ("partial", CandidateOutcome.PARTIAL_SUCCESS),
                         ("failed", CandidateOutcome.FAILURE)):
        assert result[key] == decisions.filter(outcome=outcome).count()
    assert result["certified"] + result["partial"] + result["failed"] == 5
    assert not Deliberation.objects.get(session=session).is_signed


def test_the_same_seed_gives_the_same_levels_in_a_new_session(referentiel_file):
    first, second = run(referentiel_file), run(referentiel_file)
    assert first["session"] != second["session"]
    assert Referentiel.objects.count() == 1
    assert levels(first["session"]) == levels(second["session"])
    assert levels(run(referentiel_file, seed=8)["session"]) != levels(first["session"])


def test_sign_ticks_the_requirements_signs_and_publishes(referentiel_file):
    result = run(referentiel_file, "--sign")
    assert result["errors"] == []
    deliberation = Deliberation.objects.get(session__public_id=result["session"])
    assert deliberation.is_signed
    assert deliberation.members_present.count() == 3
    assert deliberation.session.results_published_at is not None
    ticked = [d for d in deliberation.candidates.all() if d.requirements_met]
    assert ticked
    assert result["certified"] == deliberation.candidates.filter(
        outcome=CandidateOutcome.FULL_SUCCESS).count()


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "missing.json")
