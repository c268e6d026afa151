"""Filter values that once reached the database and failed there (found by schemathesis):
they are a 400 that names the filter, or a working filter, never a 500."""

from __future__ import annotations

import pytest

from tests.api.conftest import session_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["-3.197899441779137e+271", "99999999999999999999", "1.5"])
def test_a_number_out_of_range_is_a_400(alice, value):
    response = session_client(alice).get("/api/v1/scores/", {"competence": value})
    assert response.status_code == 400
    assert "competence" in response.json()["errors"]


def test_an_offset_postgresql_refuses_is_converted_to_utc(alice):
    response = session_client(alice).get("/api/v1/documents/",
                                         {"issued_after": "1884-03-09T09:25:16.69+23:50"})
    assert response.status_code == 200


def test_a_date_that_overflows_in_utc_is_a_400(alice):
    response = session_client(alice).get("/api/v1/assessments/",
                                         {"starts_after": "0001-01-01T00:00:00+23:00"})
    assert response.status_code == 400
    assert "starts_after" in response.json()["errors"]
