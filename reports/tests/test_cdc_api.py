"""/api/v1/cdc/fluxes/: list, build, detail, download, processing report."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from reports.models import CdcFlux, CdcFluxState, CdcPassage, CdcPassageState
from reports.tests.cdc_helpers import add_holders, configure, report_xml

pytestmark = pytest.mark.django_db
BASE = "/api/v1/cdc/fluxes/"


def _api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def certification(signed):
    certification = signed.setup.session.referentiel.certification
    configure(certification)
    return certification


def test_an_administrator_builds_lists_downloads_and_reports(alice, signed, certification):
    add_holders(signed.deliberation, 1)
    api = _api(alice)
    created = api.post(BASE, {"session": str(signed.setup.session.public_id)}, format="json")
    assert created.status_code == 201, created.data
    body = created.json()
    assert body["passages"] == 2
    assert body["state"] == "prepared"
    assert {p["state"] for p in body["passage_list"]} == {"declared"}
    listed = api.get(BASE, {"certification": certification.code}).json()
    assert [f["id"] for f in listed["results"]] == [body["id"]]
    download = api.get(body["download"])
    flux = CdcFlux.objects.get()
    assert download.status_code == 200
    assert download.content == bytes(flux.content)
    flux.refresh_from_db()
    assert flux.state == CdcFluxState.DOWNLOADED
    first, second = (p["id_technique"] for p in body["passage_list"])
    upload = SimpleUploadedFile("report.xml", report_xml(flux.id_flux, ok=[first], ko=[
        (second, "Aucun titulaire ne correspond aux critères obligatoires")]))
    applied = api.post(f"{BASE}{flux.public_id}/report/", {"file": upload}, format="multipart")
    assert applied.status_code == 200, applied.data
    states = {p["id_technique"]: (p["state"], p["reason_code"])
              for p in applied.json()["passage_list"]}
    assert states == {first: ("accepted", ""), second: ("rejected", "no_holder_match")}
    assert applied.json()["state"] == "processed"


def test_refusals_are_problems_and_change_nothing(alice, signed, certification):
    api = _api(alice)
    refused = api.post(BASE, {"certification": certification.code, "start": "2001-01-01",
                              "end": "2001-12-31"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "cdc_refused"
    assert api.post(BASE, {"certification": certification.code}, format="json"
                    ).status_code == 400
    today = datetime.date.today().isoformat()
    assert api.post(BASE, {"certification": "RNCP0", "start": today, "end": today},
                    format="json").status_code == 404
    api.post(BASE, {"session": str(signed.setup.session.public_id)}, format="json")
    flux = CdcFlux.objects.get()
    wrong = SimpleUploadedFile("r.xml", report_xml("other-flux", ok=["x"]))
    response = api.post(f"{BASE}{flux.public_id}/report/", {"file": wrong}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "cdc_report_refused"
    assert CdcPassage.objects.get().state == CdcPassageState.DECLARED


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_anyone_else_gets_404_and_anonymous_401(who, request, alice, signed, certification):
    flux_id = _api(alice).post(BASE, {"session": str(signed.setup.session.public_id)},
                               format="json").json()["id"]
    api = _api(request.getfixturevalue(who))
    for method, url in (("get", BASE), ("post", BASE), ("get", f"{BASE}{flux_id}/"),
                        ("get", f"{BASE}{flux_id}/download/"),
                        ("post", f"{BASE}{flux_id}/report/")):
        assert getattr(api, method)(url).status_code == 404, url
        assert getattr(_api(), method)(url).status_code == 401, url
    assert CdcFlux.objects.get().state == CdcFluxState.PREPARED
