"""The « Dossier de renouvellement » page and its downloads: administrators only, the
promotions chosen, the figures in tables, constant queries."""

from __future__ import annotations

import datetime
import html
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from candidates.tests.factories import make_referentiel
from reports.tests.renewal.helpers import VAE, Planned, signed_session

pytestmark = pytest.mark.django_db


def _url(certification, **query) -> str:
    return reverse("reports:renewal", args=[certification.public_id])


def _download(certification, fmt: str) -> str:
    return reverse("reports:renewal_download", args=[certification.public_id, fmt])


def test_it_shows_the_last_two_years_by_default(client, alice, promotions):
    client.force_login(alice)
    page = client.get(_url(promotions)).content.decode()
    assert "Dossier de renouvellement" in page
    assert "Promotion 2026" in page
    assert "Promotion 2027" in page
    assert "Promotion 2025" not in page
    assert 'aria-hidden="true"' in page  # the charts; the tables say it in text


def test_it_shows_the_promotions_chosen(client, alice, promotions):
    client.force_login(alice)
    page = client.get(_url(promotions), {"promotion": ["2025", "2026"]}).content.decode()
    assert "Promotion 2025" in page
    assert "Promotion 2026" in page
    assert "Promotion 2027" not in page
    # Summary of 2026 counted by hand (test_figures): 6 enrolled, 20 % in full.
    assert "<td class=\"num\">6</td>" in page
    assert "20\u00a0%" in page
    assert "80\u00a0%" in page
    assert "Blocs les plus souvent non validés : RNCP99999BC02 (3), RNCP99999BC01 (2)." in page
    assert "promotion=2025&amp;promotion=2026" in page  # the downloads keep the choice


def test_it_shows_the_insertion_of_the_holders(client, alice, surveyed):
    """Counted by hand in the conftest's ``surveyed``: a table, the contracts, and each
    figure said in a sentence (the chart's text equivalent)."""
    client.force_login(alice)
    page = html.unescape(client.get(_url(surveyed), {"promotion": ["2025", "2026"]})
                         .content.decode())
    assert "Insertion des titulaires" in page
    assert ("<tr><th scope=\"row\">2026, à 6 mois</th><td class=\"num\">4</td>"
            "<td class=\"num\">3</td><td class=\"num\">75\u00a0%</td><td class=\"num\">2</td>"
            "<td class=\"num\">66,7\u00a0%</td><td class=\"num\">1</td>"
            "<td class=\"num\">33,3\u00a0%</td></tr>") in page
    assert ("Promotion 2026, à 6 mois : enquêtes envoyées : 4 ; réponses : 3 (75\u00a0%) ; en "
            "emploi : 2 (66,7\u00a0% des répondants) ; dans le métier visé par la "
            "certification : 1 (33,3\u00a0% des répondants).") in page
    assert "Promotion 2025, à 24 mois : enquêtes envoyées : 1 ; aucune réponse pour " \
        "l'instant." in page
    assert "Promotion 2026, à 24 mois : aucune enquête envoyée pour l'instant." in page
    # The contracts: Hugo, 2025 at 6 months, self-employed (the fourth type).
    assert ("<tr><th scope=\"row\">2025, à 6 mois</th><td class=\"num\">0</td>"
            "<td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">1</td>") in page
    assert "<th scope=\"col\" class=\"num\">Indépendant, création d'entreprise</th>" in page


def test_a_holder_who_answered_does_not_see_the_figures(client, surveyed):
    from insertion.models import InsertionSurvey

    holder = InsertionSurvey.objects.filter(answered_at__isnull=False).first().enrolment
    assert holder.candidate.user is not None
    client.force_login(holder.candidate.user)
    assert client.get(_url(surveyed)).status_code == 404
    assert client.get(_download(surveyed, "json"), {"promotion": "2026"}).status_code == 404


def test_it_adds_a_period_of_ones_choice(client, alice, promotions):
    client.force_login(alice)
    page = client.get(_url(promotions), {"start": "2025-07-01", "end": "2026-06-30"})
    assert "Promotion 2025-07-01 – 2026-06-30" in page.content.decode()


def test_it_says_what_is_wrong_with_the_period(client, alice, promotions):
    client.force_login(alice)
    page = client.get(_url(promotions), {"start": "2026-07-01", "end": ""}).content.decode()
    assert "Donnez les deux jours de la période" in page
    assert "Promotion 2026" not in page


def test_it_speaks_english(client, alice, promotions):
    client.force_login(alice)
    page = client.get(_url(promotions), {"promotion": ["2026"]},
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Renewal file" in page
    assert "Certified in full" in page
    assert "20%" in page


@pytest.mark.parametrize("who", ["bob", "charlie", None])
def test_it_is_not_found_but_for_administrators(client, request, surveyed, who):
    """The figures, the insertion survey's among them, in no format for anyone else."""
    promotions = surveyed
    if who:
        client.force_login(request.getfixturevalue(who))
    for url in (_url(promotions), _download(promotions, "xlsx") + "?promotion=2026",
                _download(promotions, "pdf") + "?promotion=2026",
                _download(promotions, "json") + "?promotion=2026"):
        response = client.get(url)
        assert response.status_code in ((404,) if who else (302, 404)), url
        if not who:
            assert response.status_code == 302
            assert "/accounts/login/" in response["Location"]


def test_it_is_linked_from_the_frameworks(client, alice, promotions):
    client.force_login(alice)
    url = _url(promotions)
    assert url in client.get(reverse("certifications:referentiel_list")).content.decode()
    latest = promotions.referentiels.first()
    detail = reverse("certifications:referentiel_detail", args=[latest.public_id])
    assert url in client.get(detail).content.decode()


def test_it_downloads_a_spreadsheet_with_a_sheet_per_table(client, alice, surveyed):
    promotions = surveyed
    client.force_login(alice)
    response = client.get(_download(promotions, "xlsx"), {"promotion": ["2025", "2026"]})
    assert response.status_code == 200
    assert "renouvellement-RNCP99999-2025_2026.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Synthèse", "Sessions", "Voies d'accès", "Partenaires",
                                   "Blocs", "Compétences", "Insertion"]
    summary = list(workbook["Synthèse"].iter_rows(values_only=True))
    assert summary[0] == ("Indicateur", "2025", "2026")
    assert summary[1][1:] == (2, 6)  # enrolled
    assert summary[-2][1:] == (0.5, 0.2)  # rate in full
    competences = list(workbook["Compétences"].iter_rows(values_only=True))
    assert competences[0][:6] == ("Promotion", "Bloc de compétences", "Compétence",
                                  "Intitulé", "Candidats", "Niveau moyen (1 est le meilleur)")
    assert competences[-1][:3] == ("2026", "RNCP99999BC02", "C2.2")
    assert competences[-1][5] == 2.8
    insertion = list(workbook["Insertion"].iter_rows(values_only=True))
    assert insertion[0][:5] == ("Promotion", "Mois après la décision", "Enquêtes envoyées",
                                "Réponses", "Taux de réponse")
    assert insertion[3] == ("2026", 6, 4, 3, 0.75, 2, 0.6667, 1, 0.3333, 1, 1, 0, 0, 0, 0, 0)
    assert insertion[2][:5] == ("2025", 24, 1, 0, 0)
    assert workbook["Insertion"].cell(4, 5).number_format == "0.0%"


def test_it_downloads_json(client, alice, surveyed):
    client.force_login(alice)
    response = client.get(_download(surveyed, "json"), {"promotion": "2026"})
    data = json.loads(response.content)
    assert [(w["wave_months"], w["sent"], w["answered"]) for w in
            data["promotions"][0]["insertion"]] == [(6, 4, 3), (24, 0, 0)]
    assert data["promotions"][0]["full"] == 1
    assert data["promotions"][0]["blocs_most_failed"] == ["RNCP99999BC02", "RNCP99999BC01"]


def test_a_wrong_promotion_is_a_bad_request(client, alice, promotions):
    client.force_login(alice)
    response = client.get(_download(promotions, "xlsx"), {"promotion": "hier"})
    assert response.status_code == 400
    assert "n'est pas une promotion" in response.content.decode()


def test_the_page_reads_in_constant_queries(client, alice, django_assert_max_num_queries):
    referentiel = make_referentiel(blocs=2, competences=2)
    certification = referentiel.certification
    signed_session(referentiel, alice, datetime.date(2026, 3, 1), [Planned()])
    client.force_login(alice)
    url = _url(certification)
    client.get(url)  # the session, the language: what every page reads once
    with django_assert_max_num_queries(12) as small:
        assert client.get(url, {"promotion": ["2025", "2026"]}).status_code == 200
    for month in (4, 5, 6):
        signed_session(referentiel, alice, datetime.date(2026, month, 1),
                       [Planned(VAE, (1, 2, 3, 4)), Planned(absent=True), Planned(),
                        Planned(withdrawn=True)])
    signed_session(referentiel, alice, datetime.date(2025, 6, 1), [Planned()] * 4)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, {"promotion": ["2025", "2026"]}).status_code == 200


def test_the_spreadsheet_neutralises_formulas_and_keeps_the_names_as_signed(
        client, alice, promotions):
    """A bloc renamed into a formula after the signature: the file keeps the title frozen
    at signing; a session whose frozen name is a formula is written quoted."""
    from candidates.models import Session
    from certifications.models import Bloc
    from deliberations.models import Deliberation
    from deliberations.tests.deliberation_helpers import lock_opened

    formula = '=HYPERLINK("http://x")'
    Bloc.objects.filter(referentiel__certification=promotions).update(title=formula)
    deliberation = Deliberation.objects.get(session__in=Session.objects.filter(
        signed_at__isnull=False, deliberation__signed_at__year=2026))
    minutes = {**deliberation.minutes, "session": {**deliberation.minutes["session"],
                                                    "name": formula}}
    with lock_opened():
        Deliberation.objects.filter(pk=deliberation.pk).update(minutes=minutes)
    client.force_login(alice)
    response = client.get(_download(promotions, "xlsx"), {"promotion": "2026"})
    workbook = load_workbook(io.BytesIO(response.content))
    assert [row[2] for row in workbook["Blocs"].iter_rows(min_row=2, values_only=True)] == [
        "Bloc 1", "Bloc 2"]
    assert next(workbook["Sessions"].iter_rows(min_row=2, values_only=True))[1] == \
        "'" + formula


@pytest.mark.parametrize(("language", "said"), [
    ("fr", ["DOSSIER DE RENOUVELLEMENT", "RNCP99999 — Chef de projet de démonstration",
            "Taux de certification totale (parmi les présents) 50 % 20 %",
            "Promotion 2026", "apprentissage 2 1 0 1 0 0",
            "Blocs les plus souvent non validés : RNCP99999BC02 (3), RNCP99999BC01 (2).",
            "C2.2 — Compétence 2.2 5 2,80 1 1 1 2",
            "2026, à 6 mois 4 3 75 % 2 66,7 % 1 33,3 %"]),
    ("en", ["RENEWAL FILE", "Rate certified in full, of those present 50% 20%",
            "apprenticeship 2 1 0 1 0 0",
            "Blocs most often not validated: RNCP99999BC02 (3), RNCP99999BC01 (2).",
            "C2.2 — Compétence 2.2 5 2.80 1 1 1 2",
            "2026, 6 months 4 3 75% 2 66.7% 1 33.3%"]),
])
def test_the_pdf_says_the_figures_in_the_language_asked(client, alice, surveyed, tmp_path,
                                                         language, said):
    promotions = surveyed
    from reports.tests.test_documents_render import pdf_text

    client.force_login(alice)
    response = client.get(_download(promotions, "pdf"), {"promotion": ["2025", "2026"]},
                          HTTP_ACCEPT_LANGUAGE=language)
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for words in said:
        assert words in text


def test_a_certification_without_a_signature_says_so(client, alice):
    certification = make_referentiel(blocs=2, competences=2).certification
    client.force_login(alice)
    page = client.get(_url(certification)).content.decode()
    assert "Aucune délibération de cette certification n'a encore été signée." in page
    assert "Synthèse par promotion" not in page
    chosen = client.get(_url(certification), {"promotion": "2026"}).content.decode()
    assert "Aucune délibération de cette certification n'a été signée dans cette " \
        "période." in chosen
