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
