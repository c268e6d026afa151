"""The renewal file's figures against a promotion counted by hand (reports.renewal.selectors)."""

from __future__ import annotations

import datetime

import pytest

from candidates.tests.factories import make_referentiel
from reports.renewal.selectors import (
    Promotion,
    promotion_parse,
    promotions_parse,
    renewal_certification_get,
    renewal_report,
    renewal_report_for_user,
)
from reports.tests.renewal.helpers import (
    APPRENTICESHIP,
    CONTINUING,
    FREE,
    INITIAL,
    VAE,
    Planned,
    signed_session,
)

pytestmark = pytest.mark.django_db


def test_it_counts_the_promotion_2026_by_hand(promotions):
    """Enrolled 6 (Gaël withdrawn apart: 1), present 5 (Fabien absent), full 1 (Ana),
    partial 3 (Ben, Chloé, David), failure 1 (Emma), absent 1 (Fabien).
    Full rate 1/5 = 0.2; full or partial 4/5 = 0.8."""
    report = renewal_report(certification=promotions,
                            promotions=[Promotion.year(2025), Promotion.year(2026)])
    p2026 = report.promotions[1]
    counts = p2026.counts
    assert (counts.enrolled, counts.withdrawn, counts.present) == (6, 1, 5)
    assert (counts.full, counts.partial, counts.failure, counts.absent) == (1, 3, 1, 1)
    assert (counts.excused, counts.undecided) == (0, 0)
    assert counts.full_rate == 0.2
    assert counts.success_rate == 0.8
    assert [s.signed_on for s in p2026.sessions] == [datetime.date(2026, 6, 15)]


def test_it_counts_each_access_route_by_hand(promotions):
    """Continuing: Ana (full) and Gaël (withdrawn) → enrolled 1, present 1, full 1,
    withdrawn 1, rates 1.0. Apprenticeship: Ben (partial), Fabien (absent) → enrolled 2,
    present 1, partial 1, absent 1, full rate 0.0, success rate 1.0. VAE: Chloé and David
    → enrolled 2, present 2, partial 2, full rate 0.0, success rate 1.0. Initial: Emma
    → enrolled 1, present 1, failure 1, rates 0.0. Independent: nobody in 2026 (left out)."""
    report = renewal_report(certification=promotions, promotions=[Promotion.year(2026)])
    routes = {r.route: r.counts for r in report.promotions[0].routes}
    assert list(routes) == [INITIAL, APPRENTICESHIP, CONTINUING, VAE]  # the choices' order
    continuing = routes[CONTINUING]
    assert (continuing.enrolled, continuing.present, continuing.full, continuing.withdrawn) \
        == (1, 1, 1, 1)
    assert (continuing.full_rate, continuing.success_rate) == (1.0, 1.0)
    apprenticeship = routes[APPRENTICESHIP]
    assert (apprenticeship.enrolled, apprenticeship.present, apprenticeship.partial,
            apprenticeship.absent, apprenticeship.withdrawn) == (2, 1, 1, 1, 0)
    assert (apprenticeship.full_rate, apprenticeship.success_rate) == (0.0, 1.0)
    vae = routes[VAE]
    assert (vae.enrolled, vae.present, vae.full, vae.partial) == (2, 2, 0, 2)
    assert (vae.full_rate, vae.success_rate) == (0.0, 1.0)
    initial = routes[INITIAL]
    assert (initial.enrolled, initial.present, initial.failure) == (1, 1, 1)
    assert (initial.full_rate, initial.success_rate) == (0.0, 0.0)


def test_it_counts_the_blocs_by_hand(promotions):
    """BC01 validated by Ana, Ben, Chloé (3 holders; of them partial: Ben, Chloé = 2),
    failed by David (complement) and Emma (rattrapage): 2, rate 2/5 = 0.4.
    BC02 validated by Ana, David (2; partial: David = 1), failed by Ben, Chloé, Emma: 3,
    rate 3/5 = 0.6. Fabien, absent, fails nothing. Most often failed: BC02, then BC01."""
    report = renewal_report(certification=promotions, promotions=[Promotion.year(2026)])
    figures = report.promotions[0]
    blocs = {b.code: b for b in figures.blocs}
    assert list(blocs) == ["RNCP99999BC01", "RNCP99999BC02"]
    bc01, bc02 = blocs["RNCP99999BC01"], blocs["RNCP99999BC02"]
    assert (bc01.title, bc02.title) == ("Bloc 1", "Bloc 2")  # from the signed snapshot
    assert (bc01.holders, bc01.partial_holders, bc01.failed, bc01.acquired_before) \
        == (3, 2, 2, 0)
    assert (bc02.holders, bc02.partial_holders, bc02.failed, bc02.acquired_before) \
        == (2, 1, 3, 0)
    assert (bc01.failure_rate, bc02.failure_rate) == (0.4, 0.6)
    assert [b.code for b in figures.failed_blocs] == ["RNCP99999BC02", "RNCP99999BC01"]


def test_it_averages_the_final_levels_by_hand(promotions):
    """Final levels of Ana, Ben, Chloé, David, Emma (Fabien has none):
    C1.1: 1+2+1+3+4 = 11/5 = 2.2; C1.2: 1+2+1+2+4 = 10/5 = 2.0;
    C2.1: 1+2+4+2+4 = 13/5 = 2.6; C2.2: 1+3+4+2+4 = 14/5 = 2.8.
    C2.2's distribution: level 1 ×1 (Ana), 2 ×1 (David), 3 ×1 (Ben), 4 ×2 (Chloé, Emma)."""
    report = renewal_report(certification=promotions, promotions=[Promotion.year(2026)])
    competences = {c.code: c for c in report.promotions[0].competences}
    assert list(competences) == ["C1.1", "C1.2", "C2.1", "C2.2"]
    assert {code: c.average for code, c in competences.items()} == {
        "C1.1": 2.2, "C1.2": 2.0, "C2.1": 2.6, "C2.2": 2.8}
    assert {code: c.count for code, c in competences.items()} == dict.fromkeys(competences, 5)
    assert competences["C2.2"].levels == {1: 1, 2: 1, 3: 1, 4: 2}
    assert competences["C1.1"].bloc_code == "RNCP99999BC01"
    assert report.scale[1] == "Compétence validée au-delà des attentes"  # 1 is the best
    assert sorted(report.scale) == [1, 2, 3, 4]


def test_it_counts_the_promotion_2025_apart(promotions):
    """2025: Hugo (full) and Inès (failure): enrolled 2, present 2, full 1, failure 1,
    full rate 0.5, success rate 0.5; BC01 and BC02 each 1 holder, 1 failed; averages
    (1+3)/2 = 2.0 everywhere. The 2027 session (Jules) is in no promotion chosen."""
    report = renewal_report(certification=promotions,
                            promotions=[Promotion.year(2025), Promotion.year(2026)])
    p2025 = report.promotions[0]
    counts = p2025.counts
    assert (counts.enrolled, counts.present, counts.full, counts.partial, counts.failure,
            counts.withdrawn) == (2, 2, 1, 0, 1, 0)
    assert (counts.full_rate, counts.success_rate) == (0.5, 0.5)
    assert [(b.holders, b.failed) for b in p2025.blocs] == [(1, 1), (1, 1)]
    assert {c.average for c in p2025.competences} == {2.0}
    assert [r.route for r in p2025.routes] == [CONTINUING, FREE]


def test_it_takes_a_range_of_days_as_a_promotion(promotions):
    """From 1 July 2025 to 2 January 2027: the three sessions, 6 + 2 + 1 = 9 enrolled,
    full 1 + 1 + 1 = 3."""
    report = renewal_report(certification=promotions,
                            promotions=[promotion_parse("2025-07-01..2027-01-02")])
    counts = report.promotions[0].counts
    assert (counts.enrolled, counts.full, counts.withdrawn) == (9, 3, 1)
    assert len(report.promotions[0].sessions) == 3


def test_it_counts_the_blocs_acquired_before_apart(alice):
    """2024: Karim (VAE) acquired BC01 by VAE in 2023 and validates BC02 (all 1, mission
    met): certified in full; BC01: 0 holder, 0 failed, 1 acquired before; BC02: 1 holder.
    Léa (continuing) acquired BC02 before and fails BC01 (all 4): BC01 failed 1, BC02
    acquired before 1; her outcome: failure (no bloc validated in the session)."""
    referentiel = make_referentiel(blocs=2, competences=2)
    signed_session(referentiel, alice, datetime.date(2024, 5, 2), [
        Planned(VAE, (1, 1, 1, 1), requirement=True, acquired=("RNCP99999BC01",)),
        Planned(CONTINUING, (4, 4, 4, 4), acquired=("RNCP99999BC02",)),
    ])
    report = renewal_report(certification=referentiel.certification,
                            promotions=[Promotion.year(2024)])
    figures = report.promotions[0]
    assert (figures.counts.full, figures.counts.failure) == (1, 1)
    assert [(b.code, b.holders, b.failed, b.acquired_before) for b in figures.blocs] == [
        ("RNCP99999BC01", 0, 1, 1), ("RNCP99999BC02", 1, 0, 1)]


def test_it_reads_a_promotion_from_its_text():
    assert promotion_parse("2025") == Promotion(datetime.date(2025, 1, 1),
                                                datetime.date(2025, 12, 31))
    assert promotion_parse("2025-09-01..2026-08-31").label == "2025-09-01 – 2026-08-31"
    assert [p.key for p in promotions_parse(["2026", "2025", "2026"])] == ["2025", "2026"]
    for wrong in ("25", "2026-08-31..2025-09-01", "2025-13-01..2025-12-31", "demain"):
        with pytest.raises(ValueError, match=r"n'est pas une promotion"):
            promotion_parse(wrong)
    with pytest.raises(ValueError, match="au moins une"):
        promotions_parse([])
    with pytest.raises(ValueError, match="au plus 6"):
        promotions_parse([str(year) for year in range(2020, 2027)])


def test_it_finds_the_certification_by_code_or_id_for_administrators_only(
        promotions, alice, bob, charlie):
    assert renewal_certification_get(user=alice, key="rncp 99999") == promotions
    assert renewal_certification_get(user=None, key=str(promotions.public_id)) == promotions
    for user in (bob, charlie):
        with pytest.raises(type(promotions).DoesNotExist):
            renewal_certification_get(user=user, key="RNCP99999")
        with pytest.raises(type(promotions).DoesNotExist):
            renewal_report_for_user(user=user, certification=promotions,
                                    promotions=[Promotion.year(2026)])


def test_it_reads_in_constant_queries(alice, django_assert_num_queries):
    """Six queries for one small session and for five sessions of five candidates, whose
    holders were surveyed: the deliberations, the enrolments, the bloc decisions, the final
    levels, the insertion surveys and the anonymous counts."""
    from insertion.services import survey_open

    def surveyed(enrolments):
        for enrolment in enrolments:
            survey_open(enrolment_id=enrolment.pk, wave=6, decided_on=datetime.date(2026, 1, 1))

    referentiel = make_referentiel(blocs=2, competences=2)
    signed_session(referentiel, alice, datetime.date(2026, 3, 1), [Planned()])
    certification = referentiel.certification
    chosen = [Promotion.year(2025), Promotion.year(2026)]
    with django_assert_num_queries(6):
        renewal_report(certification=certification, promotions=chosen)
    for month in (4, 5, 6):
        surveyed(signed_session(referentiel, alice, datetime.date(2026, month, 1),
                                [Planned(VAE, (1, 2, 3, 4)), Planned(absent=True), Planned(),
                                 Planned(withdrawn=True), Planned(INITIAL, (4, 4, 4, 4))]))
    surveyed(signed_session(referentiel, alice, datetime.date(2025, 6, 1), [Planned()] * 5))
    with django_assert_num_queries(6):
        report = renewal_report(certification=certification, promotions=chosen)
    assert report.promotions[1].counts.enrolled == 1 + 3 * 4


def test_a_snapshot_without_the_referentiel_takes_the_live_labels(
        alice, django_assert_num_queries):
    """A deliberation signed before snapshots held the référentiel: its blocs and
    compétences are named from the live rows, in two more queries (eight in all)."""
    from deliberations.models import Deliberation
    from deliberations.tests.deliberation_helpers import lock_opened

    referentiel = make_referentiel(blocs=2, competences=2)
    signed_session(referentiel, alice, datetime.date(2026, 3, 1), [Planned()])
    with lock_opened():
        Deliberation.objects.filter(session__referentiel=referentiel).update(minutes={})
    with django_assert_num_queries(8):
        report = renewal_report(certification=referentiel.certification,
                                promotions=[Promotion.year(2026)])
    figures = report.promotions[0]
    assert [(b.code, b.title, b.holders) for b in figures.blocs] == [
        ("RNCP99999BC01", "Bloc 1", 1), ("RNCP99999BC02", "Bloc 2", 1)]
    assert [c.code for c in figures.competences] == ["C1.1", "C1.2", "C2.1", "C2.2"]
    assert report.scale == {}


def _insertion(report, year_index: int, wave: int):
    return next(w for w in report.promotions[year_index].insertion if w.wave == wave)


def test_it_counts_the_insertion_survey_by_hand(surveyed):
    """The conftest's ``surveyed``: 2026 at 6 months, 4 sent, 3 answered, 2 employed, 1 in
    the job prepared for; 2025 at 6 months all 1, at 24 months sent but not answered."""
    report = renewal_report(certification=surveyed,
                            promotions=[Promotion.year(2025), Promotion.year(2026)])
    six = _insertion(report, 1, 6)
    assert (six.sent, six.answered, six.employed, six.in_target_job) == (4, 3, 2, 1)
    assert (six.response_rate, six.employment_rate, six.target_job_rate) == (
        0.75, 0.6667, 0.3333)
    assert six.contracts == {"cdi": 1, "cdd": 1}
    assert [n for _value, _label, n in six.contract_rows] == [1, 1, 0, 0, 0, 0, 0]
    late = _insertion(report, 1, 24)
    assert (late.sent, late.answered, late.response_rate, late.employment_rate) == (
        0, 0, None, None)
    hugo = _insertion(report, 0, 6)
    assert (hugo.sent, hugo.answered, hugo.employment_rate, hugo.target_job_rate) == (
        1, 1, 1.0, 1.0)
    assert hugo.contracts == {"independent": 1}
    hugo_late = _insertion(report, 0, 24)
    assert (hugo_late.sent, hugo_late.answered, hugo_late.response_rate) == (1, 0, 0.0)
    assert report.as_dict()["promotions"][1]["insertion"][0] == {
        "wave_months": 6, "sent": 4, "answered": 3, "response_rate": 0.75, "employed": 2,
        "employment_rate": 0.6667, "in_target_job": 1, "target_job_rate": 0.3333,
        "contracts": {"cdi": 1, "cdd": 1, "interim": 0, "independent": 0, "work_study": 0,
                      "civil_service": 0, "other": 0}}


def test_an_erased_holder_still_counts_anonymously(surveyed, alice):
    """Ben erased: his survey is gone, an anonymous count takes its place; the figures of
    2026 do not move."""
    from candidates.services import candidate_erase
    from insertion.models import InsertionSurvey, InsertionTally

    ben = InsertionSurvey.objects.get(contract_type="cdd").enrolment
    candidate_erase(candidate=ben.candidate, erased_by=alice, reason="Demande RGPD.")
    assert not InsertionSurvey.objects.filter(enrolment=ben).exists()
    tally = InsertionTally.objects.get()
    assert (tally.session_id, tally.wave, tally.answered, tally.employed, tally.in_target_job,
            tally.contract_type, tally.count) == (ben.session_id, 6, True, True, False,
                                                  "cdd", 1)
    six = _insertion(renewal_report(certification=surveyed,
                                    promotions=[Promotion.year(2026)]), 0, 6)
    assert (six.sent, six.answered, six.employed, six.in_target_job) == (4, 3, 2, 1)
    assert six.contracts == {"cdi": 1, "cdd": 1}
