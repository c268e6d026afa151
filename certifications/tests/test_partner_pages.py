"""The partners pages of a certification: list, add, edit, deactivate (administrators)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from certifications.models import Partner, PartnerKind, PartnerSource
from certifications.tests.factories import CertificationFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**values) -> dict:
    return {"legal_name": "GRETA DES YVELINES", "siret": "197 825 870 00052",
            "kind": "organise", "starts_on": "2025-09-01", "ends_on": "", "active": "on",
            **values}


def test_it_lists_the_partners_in_french(alice) -> None:
    certification = CertificationFactory()
    PartnerFactory(certification=certification, legal_name="AFPA",
                   kind=PartnerKind.PREPARE, ends_on=datetime.date(2027, 8, 31))
    PartnerFactory(certification=certification, legal_name="ANCIEN", active=False,
                   source=PartnerSource.RNCP)
    page = _client(alice).get(reverse("certifications:partner_list",
                                      args=[certification.public_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "AFPA" in text
    assert "pour préparer à la certification" in text
    assert "à partir du 01/01/2025 jusqu'au 31/08/2027" in text
    assert "importé de la fiche RNCP" in text
    assert "<td>actif<br>" in text
    assert "<td>inactif<br>" in text
    assert "Ajouter un partenaire" in text
    # The inactive one has no deactivate button.
    assert text.count("Désactiver") == 1


def test_it_speaks_english_too(alice) -> None:
    certification = CertificationFactory()
    PartnerFactory(certification=certification)
    text = _client(alice).get(reverse("certifications:partner_list",
                                      args=[certification.public_id]),
                              HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Add a partner" in text
    assert "to prepare and to organise the assessment" in text


def test_it_is_reached_from_the_certification_pages(alice) -> None:
    certification = CertificationFactory()
    url = reverse("certifications:partner_list", args=[certification.public_id])
    client = _client(alice)
    assert url in client.get(reverse("certifications:referentiel_list")).content.decode()
    assert url in client.get(reverse("certifications:certification_mentions",
                                     args=[certification.public_id])).content.decode()


def test_an_administrator_adds_a_partner_by_hand(alice) -> None:
    certification = CertificationFactory()
    response = _client(alice).post(
        reverse("certifications:partner_new", args=[certification.public_id]), _form())
    assert response.status_code == 302
    partner = certification.partners.get()
    assert (partner.siret, partner.kind, partner.source, partner.starts_on) == (
        "19782587000052", PartnerKind.ORGANISE, PartnerSource.MANUAL, datetime.date(2025, 9, 1))
    assert AuditEvent.objects.filter(action="partner.created").count() == 1


def test_a_wrong_siret_or_dates_are_said_next_to_the_field(alice) -> None:
    certification = CertificationFactory()
    url = reverse("certifications:partner_new", args=[certification.public_id])
    page = _client(alice).post(url, _form(siret="19782587000053", ends_on="2025-01-01"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "dont le dernier est la clé de contrôle" in text
    assert "L&#x27;habilitation ne peut pas finir avant de commencer." in text
    assert not Partner.objects.exists()


def test_the_same_siret_twice_is_refused(alice) -> None:
    certification = CertificationFactory()
    PartnerFactory(certification=certification, siret="19782587000052")
    page = _client(alice).post(
        reverse("certifications:partner_new", args=[certification.public_id]), _form())
    assert "Cette certification a déjà un partenaire avec ce SIRET." in page.content.decode()
    assert certification.partners.count() == 1


def test_an_administrator_edits_and_deactivates_a_partner(alice) -> None:
    partner = PartnerFactory()
    certification = partner.certification
    client = _client(alice)
    url = reverse("certifications:partner_edit", args=[certification.public_id,
                                                        partner.public_id])
    assert client.get(url).status_code == 200
    client.post(url, _form(legal_name="GRETA 78", siret=partner.siret, kind="both"))
    partner.refresh_from_db()
    assert (partner.legal_name, partner.kind, partner.active) == ("GRETA 78", "both", True)
    client.post(reverse("certifications:partner_deactivate",
                        args=[certification.public_id, partner.public_id]))
    partner.refresh_from_db()
    assert partner.active is False
    assert list(AuditEvent.objects.filter(action="partner.changed").order_by("pk")
                .values_list("new", flat=True))[-1] == {"active": False}


def test_a_partner_of_another_certification_is_out_of_reach(alice) -> None:
    partner = PartnerFactory()
    other = CertificationFactory()
    client = _client(alice)
    assert client.get(reverse("certifications:partner_edit",
                              args=[other.public_id, partner.public_id])).status_code == 404
    assert client.post(reverse("certifications:partner_deactivate",
                               args=[other.public_id, partner.public_id])).status_code == 404


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_jury_members_and_candidates_get_404(who, request) -> None:
    partner = PartnerFactory()
    ids = [partner.certification.public_id]
    client = _client(request.getfixturevalue(who))
    for name, args, method in [("partner_list", ids, "get"), ("partner_new", ids, "get"),
                               ("partner_new", ids, "post"),
                               ("partner_edit", [*ids, partner.public_id], "get"),
                               ("partner_deactivate", [*ids, partner.public_id], "post")]:
        response = getattr(client, method)(reverse(f"certifications:{name}", args=args))
        assert response.status_code == 404, name
    partner.refresh_from_db()
    assert partner.active is True


@pytest.mark.parametrize("size", [2, 20])
def test_the_list_reads_in_a_constant_number_of_queries(alice, size,
                                                        django_assert_max_num_queries) -> None:
    certification = CertificationFactory()
    PartnerFactory.create_batch(size, certification=certification)
    client = _client(alice)
    url = reverse("certifications:partner_list", args=[certification.public_id])
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200
