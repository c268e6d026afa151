"""A holder's surveys in their personal data file, and what their erasure leaves: anonymous
counts per session, wave and answer, never a row per person (docs/rgpd.md)."""

from __future__ import annotations

import datetime

import pytest

from candidates.services import candidate_erase, candidate_export_data
from insertion.models import InsertionSurvey, InsertionTally
from insertion.selectors import insertion_counts
from insertion.services import survey_answer_record, survey_open
from insertion.tests.helpers import FULL, PARTIAL, decided_session

pytestmark = pytest.mark.django_db
SIGNED = datetime.date(2026, 6, 15)


def _answered(enrolment, wave=6, employed=True):
    survey = survey_open(enrolment_id=enrolment.pk, wave=wave, decided_on=SIGNED)
    return survey_answer_record(survey=survey, employed=employed, in_target_job=True,
                                contract_type="cdi" if employed else "", job_title="Cheffe")


def test_the_personal_data_file_holds_the_surveys():
    (ana,) = decided_session(SIGNED, [FULL])
    _answered(ana)
    data = candidate_export_data(candidate=ana.candidate)
    (survey,) = data["insertion_surveys"]
    assert (survey["wave_months"], survey["decided_on"], survey["employed"],
            survey["contract_type"], survey["job_title"]) == (6, "2026-06-15", True, "cdi",
                                                              "Cheffe")


def test_erasures_leave_counts_summed_per_answer_and_nothing_else(alice):
    ana, ben, chloe = decided_session(SIGNED, [FULL, PARTIAL, FULL])
    _answered(ana)
    _answered(ben)
    _answered(ben, wave=24, employed=False)
    survey_open(enrolment_id=chloe.pk, wave=6, decided_on=SIGNED)  # not answered
    before = sorted(insertion_counts(session_ids=[ana.session_id]))
    for enrolment in (ana, ben, chloe):
        candidate_erase(candidate=enrolment.candidate, erased_by=alice, reason="RGPD.")
    assert not InsertionSurvey.objects.exists()
    assert sorted(InsertionTally.objects.values_list(
        "wave", "answered", "employed", "in_target_job", "contract_type", "count")) == [
        (6, False, None, None, "", 1), (6, True, True, True, "cdi", 2),
        (24, True, False, False, "", 1)]
    assert sorted(insertion_counts(session_ids=[ana.session_id])) == before
    assert candidate_export_data(candidate=ana.candidate)["insertion_surveys"] == []
