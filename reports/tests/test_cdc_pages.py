"""The « Déclarations » page and a flux's page: what an administrator reads and does there,
who else reaches nothing (404), and constant queries whatever the number of holders."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent
from candidates.models import Candidate
from deliberations.models import Deliberation
from deliberations.tests.deliberation_helpers import lock_opened
from reports.cdc_flux import cdc_flux_build
from reports.models import CdcFlux, CdcFluxState, CdcPassage, CdcPassageState
from reports.tests.cdc_helpers import add_holders, configure, report_xml

pytestmark = pytest.mark.django_db
S = CdcPassageState


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def certification(signed):
    certification = signed.setup.session.referentiel.certification
    configure(certification)
    return certification


@pytest.fixture
def flux(signed, certification, alice) -> CdcFlux:
    return cdc_flux_build(by=alice, session=signed.setup.session).flux


def _client(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _urls(flux: CdcFlux) -> list[tuple[str, str]]:
    return [
        ("get", reverse("reports:cdc_declarations")),
        ("post", reverse("reports:cdc_flux_create")),
        ("get", reverse("reports:cdc_flux_detail", args=[flux.public_id])),
        ("get", reverse("reports:cdc_flux_download", args=[flux.public_id])),
        ("post", reverse("reports:cdc_flux_deposited", args=[flux.public_id])),
        ("post", reverse("reports:cdc_flux_report", args=[flux.public_id])),
    ]


@pytest.mark.parametrize("who", ["bob", "charlie", None])
def test_anyone_but_an_administrator_reaches_nothing(client, flux, who, request):
    if who:
        client.force_login(request.getfixturevalue(who))
    passage = CdcPassage.objects.get()
    urls = [*_urls(flux), ("get", reverse("reports:cdc_passage_rectify",
                                          args=[passage.public_id]))]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 404, url
    flux.refresh_from_db()
    assert flux.state == CdcFluxState.PREPARED


def test_the_navigation_links_the_page_for_administrators_only(client, alice, bob):
    url = reverse("reports:cdc_declarations")
    assert f'href="{url}"' in _client(client, alice).get(reverse("home")).content.decode()
    assert f'href="{url}"' not in _client(client, bob).get(reverse("home")).content.decode()


def test_the_page_lists_a_late_session_and_builds_its_flux(client, alice, signed,
                                                            certification):
    with lock_opened():
        Deliberation.objects.filter(pk=signed.deliberation.pk).update(
            signed_at=signed.deliberation.signed_at - datetime.timedelta(days=120))
    page = _client(client, alice).get(reverse("reports:cdc_declarations"))
    assert page.status_code == 200
    assert [item.session for item in page.context["overview"].late] == [signed.setup.session]
    assert "days late" in page.content.decode()
    response = client.post(reverse("reports:cdc_flux_create"),
                           {"session": signed.setup.session.public_id}, follow=True)
    flux = CdcFlux.objects.get()
    assert response.redirect_chain[-1][0] == reverse("reports:cdc_flux_detail",
                                                     args=[flux.public_id])
    assert "The flux is built and validated: 1 passage." in response.content.decode()
    page = client.get(reverse("reports:cdc_declarations"))
    assert page.context["overview"].late == []


def test_a_refused_build_says_why(client, alice, signed):
    response = _client(client, alice).post(
        reverse("reports:cdc_flux_create"), {"session": signed.setup.session.public_id},
        follow=True)
    text = response.content.decode()
    assert "The flux was not built:" in text
    assert "client id" in text
    assert not CdcFlux.objects.exists()


def test_a_period_needs_its_dates(client, alice, certification):
    response = _client(client, alice).post(
        reverse("reports:cdc_flux_create"),
        {"certification": certification.public_id, "start": "2027-02-01", "end": "2027-01-01"},
        follow=True)
    assert "Choose a certification and a period" in response.content.decode()


def test_download_deposit_and_report_on_the_flux_page(client, alice, flux, signed):
    _client(client, alice)
    download = client.get(reverse("reports:cdc_flux_download", args=[flux.public_id]))
    assert download["Content-Type"] == "application/xml; charset=utf-8"
    assert download.content == bytes(flux.content)
    assert "attachment" in download["Content-Disposition"]
    client.post(reverse("reports:cdc_flux_deposited", args=[flux.public_id]))
    flux.refresh_from_db()
    assert flux.state == CdcFluxState.DEPOSITED
    passage = CdcPassage.objects.get()
    upload = SimpleUploadedFile("Accusé de traitement.xml", report_xml(
        flux.id_flux, ko=[(passage.id_technique, "Plusieurs titulaires ont été identifiés")]),
        content_type="application/xml")
    response = client.post(reverse("reports:cdc_flux_report", args=[flux.public_id]),
                           {"report": upload}, follow=True)
    text = response.content.decode()
    assert "Processing report applied: 0 accepted, 1 rejected." in text
    assert "Plusieurs titulaires ont été identifiés" in text
    passage.refresh_from_db()
    assert passage.state == S.REJECTED
    page = client.get(reverse("reports:cdc_declarations"))
    [rejected] = page.context["overview"].rejected
    assert "Several persons match" in rejected.fix
    edit = reverse("reports:cdc_passage_rectify", args=[passage.public_id])
    assert f'href="{edit}"' in page.content.decode()


def test_a_malformed_report_changes_nothing_and_says_why(client, alice, flux):
    upload = SimpleUploadedFile("r.xml", b"<rapport>", content_type="application/xml")
    response = _client(client, alice).post(
        reverse("reports:cdc_flux_report", args=[flux.public_id]), {"report": upload},
        follow=True)
    text = response.content.decode()
    assert "The processing report was not applied; nothing changed:" in text
    assert "not well-formed XML" in text
    assert CdcPassage.objects.get().state == S.DECLARED


def test_the_identity_of_a_rejected_holder_is_rectified_for_the_cdc(client, alice, flux,
                                                                     signed, bob):
    from reports.cdc_flux import cdc_report_import

    passage = CdcPassage.objects.get()
    rectify = reverse("reports:cdc_passage_rectify", args=[passage.public_id])
    _client(client, alice)
    # Not rejected (yet): nothing to rectify.
    assert client.get(rectify)["Location"] == reverse("reports:cdc_declarations")
    cdc_report_import(content=report_xml(flux.id_flux, ko=[
        (passage.id_technique, "Aucun titulaire ne correspond aux critères obligatoires")]),
        by=alice)
    candidate = signed.charlie.candidate
    edit = reverse("candidates:candidate_identity_edit",
                   args=[signed.setup.session.public_id, signed.charlie.public_id])
    data = {"birth_name": candidate.birth_name, "usage_name": "", "first_names": "Anne",
            "sex": candidate.sex, "birth_date": candidate.birth_date.isoformat(),
            "birth_commune": "Paris", "birth_insee_code": "75056", "birth_country": ""}
    # The ordinary identity page stays locked by the signed deliberation.
    client.post(edit, data)
    assert Candidate.objects.get(pk=candidate.pk).first_names != "Anne"
    page = client.get(rectify).content.decode()
    assert "Rectification for the Caisse des Dépôts" in page
    assert "Aucun titulaire ne correspond" in page
    response = client.post(rectify, {**data, "birth_insee_code": "99999"})
    assert response.status_code == 200  # the birthplace is checked as ever
    assert Candidate.objects.get(pk=candidate.pk).first_names != "Anne"
    response = client.post(rectify, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:cdc_declarations")
    assert Candidate.objects.get(pk=candidate.pk).first_names == "Anne"
    passage.refresh_from_db()
    assert passage.state == S.CORRECTED
    event = AuditEvent.objects.get(action="candidate.identity_rectified_for_cdc")
    assert "Aucun titulaire" in event.context["cdc_rejection"]
    _client(client, bob)
    assert client.get(rectify).status_code == 404


@pytest.mark.parametrize("holders", [1, 12])
def test_the_pages_run_constant_queries(client, alice, signed, certification, holders,
                                        django_assert_max_num_queries):
    add_holders(signed.deliberation, holders)
    flux = cdc_flux_build(by=alice, session=signed.setup.session).flux
    with lock_opened():
        Deliberation.objects.filter(pk=signed.deliberation.pk).update(
            signed_at=signed.deliberation.signed_at - datetime.timedelta(days=80))
    add_holders(signed.deliberation, holders)  # not declared yet: due soon
    passages = list(CdcPassage.objects.all())
    from reports.cdc_flux import cdc_report_import

    cdc_report_import(content=report_xml(flux.id_flux, ko=[
        (p.id_technique, "Aucun titulaire ne correspond") for p in passages]), by=alice)
    _client(client, alice)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("reports:cdc_declarations"))
    assert len(page.context["overview"].rejected) == holders + 1
    assert len(page.context["overview"].due_soon) == 1
    with django_assert_max_num_queries(8):
        page = client.get(reverse("reports:cdc_flux_detail", args=[flux.public_id]))
    assert len(page.context["passages"]) == holders + 1


def test_the_page_speaks_french_by_default(client, alice, flux):
    client.force_login(alice)
    with translation.override("fr"):
        text = client.get(reverse("reports:cdc_declarations"),
                          HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        detail = client.get(reverse("reports:cdc_flux_detail", args=[flux.public_id]),
                            HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Déclarations à la Caisse des Dépôts" in text
    assert "Produire un flux pour une période" in text
    assert "Accusé de traitement" in detail
    assert "déclaré" in detail
