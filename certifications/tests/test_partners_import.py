"""The fiche's PARTENAIRES read from the France Compétences XML export and kept by SIRET
(certifications.importers.rncp_xml, certifications.services.partners_import)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from certifications.importers import rncp_xml
from certifications.importers.draft import Severity
from certifications.models import Certification, Partner, PartnerKind, PartnerSource
from certifications.services import (
    ReferentielImportError,
    referentiel_import,
    referentiel_import_confirm,
    referentiel_import_preview,
)
from certifications.tests.factories import PartnerFactory

BLOC = """<BLOCS_COMPETENCES><BLOC_COMPETENCES><CODE>RNCP40100BC01</CODE>
<LIBELLE>Piloter un projet</LIBELLE>
<LISTE_COMPETENCES>* C1 Planifier le projet * C2 Suivre le budget</LISTE_COMPETENCES>
<MODALITES_EVALUATION>Étude de cas écrite (3 h).</MODALITES_EVALUATION>
</BLOC_COMPETENCES></BLOCS_COMPETENCES>"""


def _fiche(partners: str, number: str = "RNCP40100") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<FICHES><FICHE><NUMERO_FICHE>{number}</NUMERO_FICHE><INTITULE>Chef de projet</INTITULE>
<NOMENCLATURE_EUROPE><NIVEAU>NIV6</NIVEAU></NOMENCLATURE_EUROPE>
<CERTIFICATEURS><CERTIFICATEUR><NOM_CERTIFICATEUR>ÉCOLE EXEMPLE</NOM_CERTIFICATEUR>
<SIRET_CERTIFICATEUR>11000007200014</SIRET_CERTIFICATEUR></CERTIFICATEUR></CERTIFICATEURS>
{partners}{BLOC}</FICHE></FICHES>""".encode()


# Three partners as the export writes them: dd/mm/yyyy dates, ETAT_PARTENAIRE.
SEVERAL = _fiche("""<PARTENAIRES>
<PARTENAIRE><NOM_PARTENAIRE>GRETA DES YVELINES</NOM_PARTENAIRE>
<SIRET_PARTENAIRE>19782587000052</SIRET_PARTENAIRE>
<HABILITATION_PARTENAIRE>HABILITATION_ORGA_FORM</HABILITATION_PARTENAIRE>
<ETAT_PARTENAIRE>Actif</ETAT_PARTENAIRE><DATE_ACTIF>01/09/2023</DATE_ACTIF>
<DATE_DERNIERE_MODIFICATION_ETAT>01/09/2023</DATE_DERNIERE_MODIFICATION_ETAT></PARTENAIRE>
<PARTENAIRE><NOM_PARTENAIRE>CHAMB COMMERC INDUSTRIE NICE COTE D'AZUR</NOM_PARTENAIRE>
<SIRET_PARTENAIRE>180 600 017 00016</SIRET_PARTENAIRE>
<HABILITATION_PARTENAIRE>HABILITATION_FORMER</HABILITATION_PARTENAIRE>
<ETAT_PARTENAIRE>Actif</ETAT_PARTENAIRE><DATE_ACTIF>15/01/2024</DATE_ACTIF></PARTENAIRE>
<PARTENAIRE><NOM_PARTENAIRE>INSTITUT NATIONAL DU CYCLE ET MOTOCYCLE</NOM_PARTENAIRE>
<SIRET_PARTENAIRE>78471393500038</SIRET_PARTENAIRE>
<HABILITATION_PARTENAIRE>HABILITATION_ORGANISER</HABILITATION_PARTENAIRE>
<ETAT_PARTENAIRE>Supprimé</ETAT_PARTENAIRE><DATE_ACTIF>01/02/2022</DATE_ACTIF>
<DATE_DERNIERE_MODIFICATION_ETAT>30/06/2024</DATE_DERNIERE_MODIFICATION_ETAT></PARTENAIRE>
</PARTENAIRES>""")

# Another shape: a namespace, ISO dates with a time, ETAT_HABILITATION, lower-case
# habilitation, a partner repeated with another habilitation (joined into both).
NAMESPACED = b"""<?xml version="1.0" encoding="UTF-8"?>
<fc:FICHES xmlns:fc="urn:francecompetences:rncp:4.1"><fc:FICHE>
<fc:NUMERO_FICHE>40200</fc:NUMERO_FICHE><fc:INTITULE>Technicien</fc:INTITULE>
<fc:partenaires>
 <fc:partenaire><fc:nom_partenaire>AFPA</fc:nom_partenaire>
  <fc:siret_partenaire>82422814201189</fc:siret_partenaire>
  <fc:habilitation_partenaire>habilitation_former</fc:habilitation_partenaire>
  <fc:etat_habilitation>Actif</fc:etat_habilitation>
  <fc:date_actif>2024-03-01T00:00:00</fc:date_actif></fc:partenaire>
 <fc:partenaire><fc:nom_partenaire>AFPA</fc:nom_partenaire>
  <fc:siret_partenaire>82422814201189</fc:siret_partenaire>
  <fc:habilitation_partenaire>HABILITATION_ORGANISER</fc:habilitation_partenaire>
  <fc:etat_habilitation>Actif</fc:etat_habilitation>
  <fc:date_actif>2024-03-01</fc:date_actif></fc:partenaire>
</fc:partenaires>
<fc:BLOCS_COMPETENCES><fc:BLOC_COMPETENCES><fc:CODE>RNCP40200BC01</fc:CODE>
<fc:LIBELLE>Maintenir</fc:LIBELLE><fc:LISTE_COMPETENCES>* C1 Diagnostiquer</fc:LISTE_COMPETENCES>
<fc:MODALITES_EVALUATION>Mise en situation professionnelle.</fc:MODALITES_EVALUATION>
</fc:BLOC_COMPETENCES></fc:BLOCS_COMPETENCES></fc:FICHE></fc:FICHES>"""

NONE = _fiche("")
EMPTY = _fiche("<PARTENAIRES/>")
MISSING_SIRET = _fiche("""<PARTENAIRES>
<PARTENAIRE><NOM_PARTENAIRE>GRETA DES YVELINES</NOM_PARTENAIRE>
<SIRET_PARTENAIRE>19782587000052</SIRET_PARTENAIRE>
<HABILITATION_PARTENAIRE>HABILITATION_ORGA_FORM</HABILITATION_PARTENAIRE></PARTENAIRE>
<PARTENAIRE><NOM_PARTENAIRE>ORGANISME SANS SIRET</NOM_PARTENAIRE>
<HABILITATION_PARTENAIRE>HABILITATION_FORMER</HABILITATION_PARTENAIRE></PARTENAIRE>
</PARTENAIRES>""")
BROKEN = _fiche("""<PARTENAIRES>
<PARTENAIRE><NOM_PARTENAIRE>MAUVAISE CLÉ</NOM_PARTENAIRE>
<SIRET_PARTENAIRE>19782587000053</SIRET_PARTENAIRE>
<HABILITATION_PARTENAIRE>HABILITATION_JURY</HABILITATION_PARTENAIRE>
<DATE_ACTIF>2024/13/45</DATE_ACTIF></PARTENAIRE>
</PARTENAIRES>""")


def _draft(xml: bytes):
    [draft] = rncp_xml.parse(io.BytesIO(xml), name="fiche.xml")
    return draft


def _errors(draft) -> list[tuple[str, str]]:
    return [(i.message, i.location) for i in draft.issues if i.severity is Severity.ERROR]


# -- reading --------------------------------------------------------------------------------
def test_it_reads_names_sirets_kinds_dates_and_states() -> None:
    draft = _draft(SEVERAL)
    assert [(p.legal_name, p.siret, p.kind, p.starts_on, p.ends_on, p.active)
            for p in draft.certification.partners] == [
        ("GRETA DES YVELINES", "19782587000052", "both", date(2023, 9, 1), None, True),
        ("CHAMB COMMERC INDUSTRIE NICE COTE D'AZUR", "18060001700016", "prepare",
         date(2024, 1, 15), None, True),
        # A withdrawn habilitation ends on the day its state changed.
        ("INSTITUT NATIONAL DU CYCLE ET MOTOCYCLE", "78471393500038", "organise",
         date(2022, 2, 1), date(2024, 6, 30), False),
    ]
    assert _errors(draft) == []


def test_it_reads_another_shape_and_joins_a_repeated_siret() -> None:
    draft = _draft(NAMESPACED)
    assert [(p.legal_name, p.siret, p.kind, p.starts_on, p.active)
            for p in draft.certification.partners] == [
        ("AFPA", "82422814201189", "both", date(2024, 3, 1), True)]


@pytest.mark.parametrize("xml", [NONE, EMPTY], ids=["no element", "empty element"])
def test_a_fiche_without_partners_states_an_empty_list(xml: bytes) -> None:
    draft = _draft(xml)
    assert draft.certification.partners == []
    assert _errors(draft) == []


def test_a_partner_without_siret_is_an_error_naming_it() -> None:
    draft = _draft(MISSING_SIRET)
    assert [p.siret for p in draft.certification.partners] == ["19782587000052"]
    assert _errors(draft) == [(
        "Le partenaire « ORGANISME SANS SIRET » ne peut être importé : SIRET absent "
        "(SIRET_PARTENAIRE).", "FICHE RNCP40100 / PARTENAIRE[2]")]


def test_every_problem_of_a_partner_is_said_at_once() -> None:
    [(message, _where)] = _errors(_draft(BROKEN))
    assert message == (
        "Le partenaire « MAUVAISE CLÉ » ne peut être importé : le SIRET « 19782587000053 » "
        "n'a pas quatorze chiffres avec une clé de contrôle juste ; habilitation "
        "« HABILITATION_JURY » inconnue (attendu : HABILITATION_FORMER, "
        "HABILITATION_ORGANISER ou HABILITATION_ORGA_FORM) ; date illisible « 2024/13/45 » "
        "dans DATE_ACTIF (attendu : JJ/MM/AAAA).")


# -- saving ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_importing_saves_the_partners_as_imported() -> None:
    certification = referentiel_import(draft=_draft(SEVERAL)).referentiel.certification
    partners = list(certification.partners.order_by("siret"))
    assert [(p.siret, p.kind, p.source, p.active) for p in partners] == [
        ("18060001700016", PartnerKind.PREPARE, PartnerSource.RNCP, True),
        ("19782587000052", PartnerKind.BOTH, PartnerSource.RNCP, True),
        ("78471393500038", PartnerKind.ORGANISE, PartnerSource.RNCP, False),
    ]


@pytest.mark.django_db
def test_reimporting_updates_by_siret_without_duplicating() -> None:
    certification = referentiel_import(draft=_draft(SEVERAL)).referentiel.certification
    greta = certification.partners.get(siret="19782587000052")
    manual = PartnerFactory(certification=certification, siret="34958609900021",
                            source=PartnerSource.MANUAL)
    changed = SEVERAL.replace(b"HABILITATION_ORGA_FORM", b"HABILITATION_FORMER").replace(
        b"<NOM_PARTENAIRE>GRETA DES YVELINES", b"<NOM_PARTENAIRE>GRETA 78")
    referentiel_import(draft=_draft(changed))
    referentiel_import(draft=_draft(changed))
    assert certification.partners.count() == 4
    greta.refresh_from_db()
    assert (greta.legal_name, greta.kind) == ("GRETA 78", PartnerKind.PREPARE)

    # A fiche that no longer names them: the imported ones become inactive, kept for
    # the sessions that name them; the one entered by hand stays as it is.
    referentiel_import(draft=_draft(EMPTY))
    assert set(certification.partners.filter(active=True)) == {manual}
    assert certification.partners.count() == 4


@pytest.mark.django_db
def test_a_format_that_says_nothing_of_partners_leaves_them() -> None:
    certification = referentiel_import(draft=_draft(SEVERAL)).referentiel.certification
    draft = _draft(SEVERAL)
    draft.certification.partners = None
    referentiel_import(draft=draft)
    assert certification.partners.filter(active=True).count() == 2


@pytest.mark.django_db
def test_the_preview_lists_the_partners_and_the_confirmation_saves_them() -> None:
    row = referentiel_import_preview(file=io.BytesIO(SEVERAL), file_name="fiche.xml")
    [report] = row.report["drafts"]
    assert [(p["siret"], p["kind"]) for p in report["partners"]] == [
        ("19782587000052", "both"), ("18060001700016", "prepare"),
        ("78471393500038", "organise")]
    referentiel_import_confirm(referentiel_import=row)
    assert Partner.objects.filter(certification__code="RNCP40100").count() == 3


@pytest.mark.django_db
def test_a_malformed_partner_changes_nothing() -> None:
    certification = referentiel_import(draft=_draft(SEVERAL)).referentiel.certification
    before = list(Partner.objects.values_list("siret", "legal_name", "kind", "active"))
    row = referentiel_import_preview(file=io.BytesIO(MISSING_SIRET), file_name="fiche.xml")
    [report] = row.report["drafts"]
    assert any("ORGANISME SANS SIRET" in e["message"] for e in report["errors"])
    with pytest.raises(ReferentielImportError):
        referentiel_import_confirm(referentiel_import=row)
    assert list(Partner.objects.values_list("siret", "legal_name", "kind", "active")) == before
    assert Certification.objects.get(pk=certification.pk).title == "Chef de projet"


@pytest.mark.django_db
def test_the_preview_page_lists_the_partners_read(alice) -> None:
    from django.test import Client
    from django.urls import reverse

    row = referentiel_import_preview(file=io.BytesIO(SEVERAL), file_name="fiche.xml",
                                     created_by=alice)
    client = Client()
    client.force_login(alice)
    page = client.get(reverse("certifications:import_preview", args=[row.public_id]))
    text = page.content.decode()
    assert "Partenaires habilités par la fiche" in text
    assert ("GRETA DES YVELINES (SIRET 19782587000052) — pour préparer à la certification et "
            "organiser l'évaluation, à partir du 01/09/2023") in text
    assert ("INSTITUT NATIONAL DU CYCLE ET MOTOCYCLE (SIRET 78471393500038) — pour organiser "
            "l'évaluation, à partir du 01/02/2022, jusqu'au 30/06/2024 — inactif") in text
