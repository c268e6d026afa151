"""The renewal figures broken down by partner: the sessions each habilitated partner
organised, and those the certifier organised itself (no partner), counted by hand."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from candidates.tests.factories import make_referentiel
from certifications.tests.factories import PartnerFactory
from reports.renewal.selectors import Promotion, renewal_report
from reports.tests.renewal.helpers import CONTINUING, VAE, Planned, signed_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def by_partner(alice):
    """Promotion 2026 of RNCP99999, four sessions:

    =================  ==========  ===========================================
    organiser          signed on   candidates (outcome)
    =================  ==========  ===========================================
    (certifier)        1 March     Ana full (mission met) · Ben failure (all 4)
    GRETA              1 May       Chloé partial (BC01) · David absent · Emma withdrawn
    AFPA               1 June      Fabien full (mission met)
    GRETA              1 Sept.     Gaël partial (BC01)
    =================  ==========  ===========================================
    """
    referentiel = make_referentiel(blocs=2, competences=2)
    certification = referentiel.certification
    greta = PartnerFactory(certification=certification, legal_name="GRETA DES YVELINES",
                           siret="19782587000052")
    afpa = PartnerFactory(certification=certification, legal_name="AFPA",
                          siret="82422814201189")
    signed_session(referentiel, alice, datetime.date(2026, 3, 1), [
        Planned(CONTINUING, (1, 1, 1, 1), requirement=True), Planned(VAE, (4, 4, 4, 4))])
    signed_session(referentiel, alice, datetime.date(2026, 5, 1), [
        Planned(CONTINUING, (1, 1, 4, 4)), Planned(absent=True), Planned(withdrawn=True)],
        partner=greta)
    signed_session(referentiel, alice, datetime.date(2026, 6, 1), [
        Planned(CONTINUING, (1, 1, 1, 1), requirement=True)], partner=afpa)
    signed_session(referentiel, alice, datetime.date(2026, 9, 1), [
        Planned(VAE, (2, 2, 4, 4))], partner=greta)
    return certification


def _rows(figures) -> list[tuple]:
    return [(str(p.name), p.siret, p.counts.enrolled, p.counts.present, p.counts.full,
             p.counts.partial, p.counts.failure, p.counts.absent, p.counts.withdrawn,
             p.counts.full_rate, p.counts.success_rate) for p in figures.partners]


def test_it_counts_each_partner_and_the_certifier_itself(by_partner,
                                                          django_assert_num_queries):
    with django_assert_num_queries(6):  # four, and the insertion survey's two
        report = renewal_report(certification=by_partner, promotions=[Promotion.year(2026)])
    [figures] = report.promotions
    assert _rows(figures) == [
        ("Le certificateur lui-même", "", 2, 2, 1, 0, 1, 0, 0, 0.5, 0.5),
        ("AFPA", "82422814201189", 1, 1, 1, 0, 0, 0, 0, 1.0, 1.0),
        ("GRETA DES YVELINES", "19782587000052", 3, 2, 0, 2, 0, 1, 1, 0.0, 1.0),
    ]
    # The parts add up to the promotion.
    assert sum(p.counts.enrolled for p in figures.partners) == figures.counts.enrolled == 6
    assert [s.partner for s in figures.sessions] == [
        "", "GRETA DES YVELINES", "AFPA", "GRETA DES YVELINES"]


def test_a_promotion_without_partner_is_all_the_certifiers(alice):
    referentiel = make_referentiel(blocs=2, competences=2)
    signed_session(referentiel, alice, datetime.date(2026, 3, 1), [Planned()])
    [figures] = renewal_report(certification=referentiel.certification,
                               promotions=[Promotion.year(2026)]).promotions
    assert [(str(p.name), p.counts.enrolled) for p in figures.partners] == [
        ("Le certificateur lui-même", 1)]


def test_the_page_the_spreadsheet_and_the_json_give_them(client, alice, by_partner):
    client.force_login(alice)
    page = client.get(reverse("reports:renewal", args=[by_partner.public_id]),
                      {"promotion": "2026"}).content.decode()
    assert "Par partenaire" in page
    assert ("<th scope=\"row\">GRETA DES YVELINES<br><span class=\"hint\">SIRET "
            "19782587000052</span></th><td class=\"num\">3</td>") in page
    assert "organisée par AFPA" in page
    download = reverse("reports:renewal_download", args=[by_partner.public_id, "xlsx"])
    sheet = load_workbook(io.BytesIO(client.get(download, {"promotion": "2026"}).content))[
        "Partenaires"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Promotion", "Organisée par", "SIRET",
                           "Inscrits (hors abandons)", "Présents (au moins une épreuve passée)")
    assert rows[3][:5] == ("2026", "GRETA DES YVELINES", "19782587000052", 3, 2)
    data = json.loads(client.get(reverse("reports:renewal_download",
                                         args=[by_partner.public_id, "json"]),
                                 {"promotion": "2026"}).content)
    assert [(p["partner"], p["name"], p["enrolled"]) for p in data["promotions"][0]["partners"]] \
        == [(None, "Le certificateur lui-même", 2), ("82422814201189", "AFPA", 1),
            ("19782587000052", "GRETA DES YVELINES", 3)]


def test_the_pdf_gives_them(client, alice, by_partner, tmp_path):
    from reports.tests.test_documents_render import pdf_text

    client.force_login(alice)
    response = client.get(reverse("reports:renewal_download",
                                  args=[by_partner.public_id, "pdf"]), {"promotion": "2026"})
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "Par partenaire" in text
    assert "Le certificateur lui-même 2 2 1 0 1 0 50 % 50 %" in text
    assert "AFPA SIRET 82422814201189 1 1 1 0 0 0 100 % 100 %" in text
    assert "GRETA DES YVELINES SIRET 19782587000052 3 2 0 2 0 1 0"  in text
