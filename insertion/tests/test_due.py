"""Who is due a wave of the insertion survey (insertion.selectors.insertion_holders_due):
holders of a signed, published deliberation, 6 or 24 months after it, once each."""

from __future__ import annotations

import datetime

import pytest

from candidates.services import candidate_erase
from insertion.selectors import insertion_holders_due, months_before
from insertion.services import survey_open
from insertion.tests.helpers import FAILURE, FULL, PARTIAL, decided_session, paris

pytestmark = pytest.mark.django_db
SIGNED = datetime.date(2026, 6, 15)


def _due(day: datetime.date) -> list[tuple[int, int]]:
    return [(d.decision.enrolment_id, d.wave) for d in insertion_holders_due(now=paris(day))]


def test_it_finds_the_holders_six_months_after_the_decision():
    """Ana (full) and Ben (partial) are holders; Emma failed; Gaël withdrew."""
    ana, ben, _emma, _gael = decided_session(SIGNED, [FULL, PARTIAL, FAILURE, "withdrawn"])
    assert _due(datetime.date(2026, 12, 14)) == []
    assert _due(datetime.date(2026, 12, 15)) == [(ana.pk, 6), (ben.pk, 6)]
    holder = insertion_holders_due(now=paris(datetime.date(2026, 12, 15)))[0]
    assert holder.decided_on == SIGNED


def test_a_wave_is_due_for_three_months_then_no_longer():
    (ana,) = decided_session(SIGNED, [FULL])
    assert _due(datetime.date(2027, 3, 14)) == [(ana.pk, 6)]
    # 15 March: 6 months after 15 September, 92 days after the 15 June signature.
    assert _due(datetime.date(2027, 3, 15)) == []
    assert _due(datetime.date(2028, 6, 15)) == [(ana.pk, 24)]


def test_a_sent_wave_is_not_due_again():
    (ana,) = decided_session(SIGNED, [FULL])
    assert survey_open(enrolment_id=ana.pk, wave=6, decided_on=SIGNED) is not None
    assert survey_open(enrolment_id=ana.pk, wave=6, decided_on=SIGNED) is None  # once
    assert _due(datetime.date(2026, 12, 20)) == []


def test_erased_holders_those_without_an_address_and_unpublished_results_are_left_out(alice):
    ana, ben, chloe = decided_session(SIGNED, [FULL, FULL, PARTIAL])
    candidate_erase(candidate=ana.candidate, erased_by=alice, reason="Demande RGPD.")
    type(ben.candidate).objects.filter(pk=ben.candidate_id).update(email="")
    decided_session(SIGNED, [FULL], published=False)
    assert _due(datetime.date(2026, 12, 15)) == [(chloe.pk, 6)]


def test_months_before_keeps_the_end_of_a_shorter_month():
    assert months_before(paris(datetime.date(2026, 8, 31)), 6).date() == datetime.date(2026, 2, 28)
    assert months_before(paris(datetime.date(2027, 1, 10)), 24).date() == datetime.date(2025, 1, 10)


def test_it_reads_in_one_query_per_wave(django_assert_num_queries):
    decided_session(SIGNED, [FULL, PARTIAL])
    with django_assert_num_queries(2):
        assert len(insertion_holders_due(now=paris(datetime.date(2026, 12, 15)))) == 2
    decided_session(SIGNED, [FULL] * 6)
    with django_assert_num_queries(2):
        assert len(insertion_holders_due(now=paris(datetime.date(2026, 12, 15)))) == 8
