"""The promotions every renewal test counts by hand."""

from __future__ import annotations

import datetime

import pytest

from candidates.tests.factories import make_referentiel
from reports.tests.renewal.helpers import (
    APPRENTICESHIP,
    CONTINUING,
    FREE,
    INITIAL,
    VAE,
    Planned,
    signed_session,
)


@pytest.fixture
def promotions(alice):
    """Certification RNCP99999: blocs BC01 (C1.1, C1.2) and BC02 (C2.1, C2.2); one
    extra requirement (the company mission) needed for the whole certification.

    Promotion 2026, one session signed on 15 June 2026:

    ======  ==============  ===========  ===========  ================================
    who     route           C1.1 … C2.2  mission      outcome (blocs validated)
    ======  ==============  ===========  ===========  ================================
    Ana     continuing      1 1 1 1      met          full success (BC01, BC02)
    Ben     apprenticeship  2 2 2 3      —            partial (BC01; BC02 complement)
    Chloé   VAE             1 1 4 4      —            partial (BC01; BC02 rattrapage)
    David   VAE             3 2 2 2      —            partial (BC02; BC01 complement)
    Emma    initial         4 4 4 4      —            failure (both rattrapage)
    Fabien  apprenticeship  absent       —            absent
    Gaël    continuing      withdrawn    —            counted apart
    ======  ==============  ===========  ===========  ================================

    Promotion 2025, one session signed on 1 July 2025: Hugo (continuing, all 1, mission
    met: full success) and Inès (independent, all 3: failure, both blocs complement).
    A session signed on 2 January 2027 belongs to neither (Jules, full success).
    """
    referentiel = make_referentiel(blocs=2, competences=2)
    signed_session(referentiel, alice, datetime.date(2026, 6, 15), [
        Planned(CONTINUING, (1, 1, 1, 1), requirement=True),
        Planned(APPRENTICESHIP, (2, 2, 2, 3)),
        Planned(VAE, (1, 1, 4, 4)),
        Planned(VAE, (3, 2, 2, 2)),
        Planned(INITIAL, (4, 4, 4, 4)),
        Planned(APPRENTICESHIP, absent=True),
        Planned(CONTINUING, withdrawn=True),
    ])
    signed_session(referentiel, alice, datetime.date(2025, 7, 1), [
        Planned(CONTINUING, (1, 1, 1, 1), requirement=True),
        Planned(FREE, (3, 3, 3, 3)),
    ])
    signed_session(referentiel, alice, datetime.date(2027, 1, 2), [
        Planned(CONTINUING, (1, 1, 1, 1), requirement=True),
    ])
    return referentiel.certification


@pytest.fixture
def surveyed(promotions):
    """The insertion survey of those promotions' holders, answered as follows.

    Promotion 2026 (decided 15 June 2026), 6 months — 4 sent, 3 answered (75 %), of them
    2 employed (2/3 = 0.6667) and 1 in the job prepared for (1/3 = 0.3333); contracts
    CDI 1, CDD 1. 24 months: nothing sent yet.

    ======  =======  ========  ===========  ========
    who     answer   employed  target job   contract
    ======  =======  ========  ===========  ========
    Ana     yes      yes       yes          CDI
    Ben     yes      yes       no           CDD
    Chloé   yes      no        —            —
    David   no       —         —            —
    ======  =======  ========  ===========  ========

    Promotion 2025 (decided 1 July 2025): Hugo, 6 months: answered, employed, in the job
    prepared for, self-employed (1 sent, 1 answered, rates 100 %); 24 months: sent, not
    answered (1 sent, 0 answered, rates « — »). Emma (failed) and Inès (failed) are no
    holders: never surveyed.
    """
    from candidates.models import Enrolment
    from deliberations.models import CandidateOutcome
    from insertion.services import survey_answer_record, survey_open

    def holders(year: int) -> list[Enrolment]:
        return list(Enrolment.objects.filter(
            session__referentiel__certification=promotions,
            session__deliberation__signed_at__year=year,
            decisions__outcome__in=[CandidateOutcome.FULL_SUCCESS,
                                    CandidateOutcome.PARTIAL_SUCCESS]).order_by("pk"))

    def survey(enrolment, wave, answers=None):
        opened = survey_open(enrolment_id=enrolment.pk, wave=wave,
                             decided_on=datetime.date(2026, 6, 15))
        if answers is not None:
            employed, target, contract = answers
            survey_answer_record(survey=opened, employed=employed, in_target_job=target,
                                 contract_type=contract, job_title="Poste")
        return opened

    ana, ben, chloe, david = holders(2026)
    survey(ana, 6, (True, True, "cdi"))
    survey(ben, 6, (True, False, "cdd"))
    survey(chloe, 6, (False, None, ""))
    survey(david, 6)
    (hugo,) = holders(2025)
    survey(hugo, 6, (True, True, "independent"))
    survey(hugo, 24)
    return promotions
