"""A session opened for a partner of its certification, only if the partner is habilitated
to organise the assessment on the session's dates (service, form, edit, hub, API)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from candidates.models import Session
from candidates.services import SessionLockedError, session_create, session_update
from candidates.tests.factories import SessionFactory, make_referentiel
from certifications.models import PartnerKind
from certifications.tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

SPRING = {"starts_on": datetime.date(2027, 3, 1), "ends_on": datetime.date(2027, 6, 30)}


@pytest.fixture
def referentiel():
    return make_referentiel()


def _partner(referentiel, **values):
    return PartnerFactory(certification=referentiel.certification, **values)


def _refusal(referentiel, partner, **dates) -> str:
    with pytest.raises(ValidationError) as refused:
        session_create(referentiel=referentiel, name="S", partner=partner, **{**SPRING, **dates})
    assert list(refused.value.message_dict) == ["partner"]
    return refused.value.message_dict["partner"][0]


def test_a_session_is_opened_for_a_partner_habilitated_on_its_dates(referentiel):
    partner = _partner(referentiel, kind=PartnerKind.ORGANISE,
                       starts_on=datetime.date(2027, 1, 1), ends_on=datetime.date(2027, 6, 30))
    session = session_create(referentiel=referentiel, name="S", partner=partner, **SPRING)
    assert session.partner == partner


def test_without_a_partner_the_certifier_organises(referentiel):
    assert session_create(referentiel=referentiel, name="S", **SPRING).partner is None


def test_each_reason_of_a_refusal_is_said(referentiel):
    assert _refusal(referentiel, _partner(referentiel, legal_name="AFPA",
                                          kind=PartnerKind.PREPARE)) == (
        "AFPA est habilité à préparer les candidats, pas à organiser l'évaluation.")
    assert _refusal(referentiel, _partner(referentiel, legal_name="ANCIEN", active=False)) == (
        "ANCIEN n'est plus un partenaire actif de cette certification.")
    assert _refusal(referentiel, _partner(referentiel, legal_name="GRETA",
                                          starts_on=datetime.date(2027, 1, 1),
                                          ends_on=datetime.date(2027, 5, 31))) == (
        "GRETA n'est habilité à organiser l'évaluation que du 01/01/2027 au 31/05/2027 : "
        "la session doit se tenir entre ces dates.")
    assert _refusal(referentiel, _partner(referentiel, legal_name="CCI",
                                          starts_on=datetime.date(2027, 3, 2))) == (
        "CCI n'est habilité à organiser l'évaluation qu'à partir du 02/03/2027 : la session "
        "ne peut commencer avant.")
    other = PartnerFactory(legal_name="AILLEURS")
    assert _refusal(referentiel, other) == (
        "AILLEURS n'est pas un partenaire de cette certification.")
    assert not Session.objects.exists()


def test_the_form_offers_organising_partners_and_says_why_next_to_the_field(alice, referentiel):
    good = _partner(referentiel, legal_name="GRETA DES YVELINES")
    _partner(referentiel, legal_name="FORMATEUR SEUL", kind=PartnerKind.PREPARE)
    late = _partner(referentiel, legal_name="CCI NICE", starts_on=datetime.date(2027, 4, 1))
    client = Client()
    client.force_login(alice)
    url = reverse("candidates:session_create")
    page = client.get(url).content.decode()
    assert "GRETA DES YVELINES (SIRET" in page
    assert "CCI NICE" in page
    assert "FORMATEUR SEUL" not in page
    assert "Le certificateur lui-même" in page
    data = {"referentiel": referentiel.pk, "name": "Printemps", "starts_on": "2027-03-01",
            "ends_on": "2027-06-30", "partner": late.pk}
    refused = client.post(url, data).content.decode()
    assert 'href="#id_partner"' in refused
    assert "CCI NICE n&#x27;est habilité à organiser l&#x27;évaluation qu&#x27;à partir du " \
           "01/04/2027" in refused
    assert not Session.objects.exists()
    english = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "CCI NICE is habilitated to organise the assessment from 04/01/2027 only" in english
    assert client.post(url, {**data, "partner": good.pk}).status_code == 302
    assert Session.objects.get().partner == good


def test_the_edit_form_changes_the_partner_and_checks_new_dates(alice, referentiel):
    partner = _partner(referentiel, ends_on=datetime.date(2027, 6, 30))
    session = SessionFactory(referentiel=referentiel)
    client = Client()
    client.force_login(alice)
    url = reverse("candidates:session_edit", args=[session.public_id])
    data = {"name": session.name, "place": "Lyon", "starts_on": "2027-03-01",
            "ends_on": "2027-06-30", "partner": partner.pk}
    assert client.post(url, data).status_code == 302
    session.refresh_from_db()
    assert (session.partner, session.place) == (partner, "Lyon")
    refused = client.post(url, {**data, "ends_on": "2027-07-15"})
    assert refused.status_code == 200
    assert 'href="#id_partner"' in refused.content.decode()
    session.refresh_from_db()
    assert session.ends_on == datetime.date(2027, 6, 30)


def test_a_partner_withdrawn_later_keeps_its_session_editable(referentiel):
    partner = _partner(referentiel)
    session = session_create(referentiel=referentiel, name="S", partner=partner, **SPRING)
    partner.active = False
    partner.save()
    session = session_update(session=session, name="Renamed", partner=partner, **SPRING)
    assert session.name == "Renamed"


def test_a_signed_session_is_not_edited(referentiel):
    session = SessionFactory(referentiel=referentiel)
    Session.objects.filter(pk=session.pk).update(signed_at=timezone.now())
    with pytest.raises(SessionLockedError):
        session_update(session=session, name="X", **SPRING)


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_jury_members_and_candidates_cannot_edit_a_session(who, request, referentiel):
    session = SessionFactory(referentiel=referentiel)
    client = Client()
    client.force_login(request.getfixturevalue(who))
    url = reverse("candidates:session_edit", args=[session.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "X"}).status_code == 404


@pytest.mark.parametrize("size", [2, 15])
def test_the_edit_form_reads_in_a_constant_number_of_queries(
        alice, referentiel, size, django_assert_max_num_queries):
    PartnerFactory.create_batch(size, certification=referentiel.certification)
    session = SessionFactory(referentiel=referentiel)
    client = Client()
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("candidates:session_edit", args=[session.public_id]))
    assert page.status_code == 200


def test_the_hub_shows_the_partner_and_a_withdrawn_habilitation(alice, referentiel):
    partner = _partner(referentiel, legal_name="GRETA DES YVELINES")
    session = session_create(referentiel=referentiel, name="S", partner=partner, **SPRING)
    client = Client()
    client.force_login(alice)
    url = reverse("candidates:session_detail", args=[session.public_id])
    page = client.get(url).content.decode()
    assert f"GRETA DES YVELINES (SIRET {partner.siret})" in page
    assert f"Organisée par le partenaire GRETA DES YVELINES (SIRET {partner.siret})." in page
    assert "n&#x27;est plus habilité" not in page
    assert reverse("candidates:session_edit", args=[session.public_id]) in page
    partner.active = False
    partner.save()
    assert "GRETA DES YVELINES n&#x27;est plus habilité à organiser" in client.get(
        url).content.decode()
    assert "Organisée par le certificateur lui-même." in client.get(reverse(
        "candidates:session_detail",
        args=[SessionFactory(referentiel=referentiel).public_id])).content.decode()


# -- API ----------------------------------------------------------------------------------
def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_the_api_opens_a_session_for_a_partner_with_the_same_rule(alice, referentiel):
    partner = _partner(referentiel, legal_name="GRETA", ends_on=datetime.date(2027, 5, 31))
    body = {"referentiel": str(referentiel.public_id), "name": "S",
            "starts_on": "2027-03-01", "ends_on": "2027-06-30", "partner": str(partner.public_id)}
    refused = _api(alice).post("/api/v1/sessions/", body, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["partner"]
    created = _api(alice).post("/api/v1/sessions/", {**body, "ends_on": "2027-05-31"},
                               format="json")
    assert created.status_code == 201, created.content
    assert created.json()["partner"] == {"id": str(partner.public_id), "legal_name": "GRETA",
                                         "siret": partner.siret}
    unknown = _api(alice).post("/api/v1/sessions/", {
        **body, "partner": "00000000-0000-0000-0000-000000000000"}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["partner"] == ["No partner has this id."]
    listed = _api(alice).get("/api/v1/sessions/").json()["results"]
    assert [row["partner"] and row["partner"]["legal_name"] for row in listed] == ["GRETA"]


def test_the_api_says_null_for_the_certifier_itself(alice, referentiel):
    SessionFactory(referentiel=referentiel)
    [row] = _api(alice).get("/api/v1/sessions/").json()["results"]
    assert row["partner"] is None
