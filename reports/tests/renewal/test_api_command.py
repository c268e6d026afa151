"""The renewal file through the API (GET /api/v1/certifications/{id}/renewal/) and the
command (manage.py renewal_report), on the promotions counted by hand (conftest)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def _api(certification) -> str:
    return f"/api/v1/certifications/{certification.public_id}/renewal/"


def test_it_answers_the_figures_in_json(client, alice, surveyed):
    promotions = surveyed
    client.force_login(alice)
    response = client.get(_api(promotions) + "?promotion=2025&promotion=2026")
    assert response.status_code == 200
    data = response.json()
    assert data["certification"]["code"] == "RNCP99999"
    p2025, p2026 = data["promotions"]
    assert (p2025["promotion"], p2026["promotion"]) == ("2025", "2026")
    assert {key: p2026[key] for key in ("enrolled", "present", "full", "partial", "failure",
                                        "absent", "withdrawn", "full_rate", "success_rate")} \
        == {"enrolled": 6, "present": 5, "full": 1, "partial": 3, "failure": 1, "absent": 1,
            "withdrawn": 1, "full_rate": 0.2, "success_rate": 0.8}
    vae = next(route for route in p2026["routes"] if route["route"] == "vae")
    assert (vae["enrolled"], vae["partial"]) == (2, 2)
    assert [(b["code"], b["holders"], b["failed"]) for b in p2026["blocs"]] == [
        ("RNCP99999BC01", 3, 2), ("RNCP99999BC02", 2, 3)]
    assert {c["code"]: c["average_level"] for c in p2026["competences"]} == {
        "C1.1": 2.2, "C1.2": 2.0, "C2.1": 2.6, "C2.2": 2.8}
    six = p2026["insertion"][0]
    assert {key: six[key] for key in ("wave_months", "sent", "answered", "response_rate",
                                      "employment_rate", "target_job_rate")} == {
        "wave_months": 6, "sent": 4, "answered": 3, "response_rate": 0.75,
        "employment_rate": 0.6667, "target_job_rate": 0.3333}


def test_a_missing_or_wrong_promotion_is_a_400(client, alice, promotions):
    client.force_login(alice)
    for query in ("", "?promotion=l-an-dernier"):
        response = client.get(_api(promotions) + query)
        assert response.status_code == 400
        assert response.json()["errors"]["promotion"]


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_it_is_not_found_but_for_administrators(client, request, promotions, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(_api(promotions) + "?promotion=2026").status_code == 404


def test_anonymous_callers_must_authenticate(client, promotions):
    assert client.get(_api(promotions) + "?promotion=2026").status_code in (401, 403)


def test_the_command_writes_each_format(tmp_path, promotions):
    target = tmp_path / "dossier.json"
    call_command("renewal_report", "--certification", "RNCP99999", "--promotion", "2025",
                 "--promotion", "2026", "-o", str(target), stdout=io.StringIO())
    data = json.loads(target.read_bytes())
    assert [p["enrolled"] for p in data["promotions"]] == [2, 6]
    xlsx = tmp_path / "dossier.xlsx"
    call_command("renewal_report", "--certification", str(promotions.public_id),
                 "--promotion", "2026", "--language", "en", "-o", str(xlsx),
                 stdout=io.StringIO())
    assert load_workbook(xlsx).sheetnames == ["Summary", "Sessions", "Access routes",
                                              "Partners", "Blocs", "Competences", "Insertion"]
    pdf = tmp_path / "dossier.bin"
    call_command("renewal_report", "--certification", "RNCP99999", "--promotion", "2026",
                 "--format", "pdf", "-o", str(pdf), stdout=io.StringIO())
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_command_says_what_is_wrong(tmp_path, promotions):
    with pytest.raises(CommandError, match="RNCP12345"):
        call_command("renewal_report", "--certification", "RNCP12345", "--promotion", "2026",
                     "-o", str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match="promotion"):
        call_command("renewal_report", "--certification", "RNCP99999", "--promotion", "26",
                     "-o", str(tmp_path / "x.json"))
