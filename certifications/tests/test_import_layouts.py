"""The document parser on layouts it was not written for (issue 17).

Each document below is hand-made, unlike the five seeds and unlike the others: tabbed rows with
bold codes, columns in another order, plain text with label lines, markdown headings, nested
activities, codes without their RNCP prefix, word-numbered compétences, a title block with
dates. Each test checks what the import reads: codes and wordings, criteria and the compétences
they evaluate, épreuves with their kind, duration and what they evaluate, and the
certification's facts. Plain functions, no database.
"""

from __future__ import annotations

import io
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certifications.errors import ImportFormatError
from certifications.importers.document import parse
from certifications.importers.draft import ReferentielDraft, Severity
from certifications.importers.validation import validate
from certifications.vocabulary import ModalityKind


def read(text: str) -> ReferentielDraft:
    (draft,) = parse(io.BytesIO(text.encode("utf-8")), name="layout.txt")
    assert not [i for i in validate(draft) if i.severity is Severity.ERROR]
    _consistent(draft)
    return draft


def _consistent(draft: ReferentielDraft) -> None:
    competences = {c.ref for c in draft.competences()}
    for criterion in draft.criteria():
        assert set(criterion.competence_refs) <= competences
    for modality in draft.modalities:
        assert set(modality.competence_refs) <= competences
        assert set(modality.bloc_refs) <= {b.ref for b in draft.blocs}


def blocs(draft: ReferentielDraft) -> list[tuple[str, str]]:
    return [(b.code, b.title) for b in draft.blocs]


def competences(draft: ReferentielDraft, bloc: int | None = None) -> list[tuple[str, str]]:
    found = draft.competences() if bloc is None else draft.blocs[bloc].competences
    return [(c.code, c.title) for c in found]


def code_of(draft: ReferentielDraft) -> dict[str, str]:
    """ref → code, to read links as the document's codes."""
    refs = {c.ref: c.code for c in draft.competences()}
    refs.update({m.ref: m.code or m.title for m in draft.modalities})
    refs.update({b.ref: b.code for b in draft.blocs})
    return refs


def criteria(draft: ReferentielDraft, bloc: int | None = None) -> list[tuple[str, list[str]]]:
    codes = code_of(draft)
    found = draft.criteria() if bloc is None else draft.blocs[bloc].criteria
    return [(c.text, [codes[r] for r in c.competence_refs]) for c in found]


def modality(draft: ReferentielDraft, code: str):
    return next(m for m in draft.modalities if m.code == code)


def evaluated(draft: ReferentielDraft, modality_draft) -> list[str]:
    codes = code_of(draft)
    return [codes[r] for r in modality_draft.competence_refs]


def warnings(draft: ReferentielDraft) -> list[str]:
    return [i.message for i in draft.issues if i.severity is Severity.WARNING]


# -- (1) a titre professionnel: bold "CP1." codes, "BLOC n — RNCP…BCnn — titre" headings -------

TITRE_PRO = "\n".join(
    [
        "Titre professionnel Développeur web et web mobile",
        "Niveau 5",
        "Certificateur : Ministère chargé de l'emploi",
        "RNCP37873",
        "",
        "BLOC 1 — RNCP37873BC01 — Développer la partie front-end d'une application web ou web "
        "mobile sécurisée",
        "Compétences professionnelles\tCritères de performance\tModalités d'évaluation",
        "<p><b>CP1.</b> Installer et configurer son environnement de travail en fonction du "
        "projet</p>\t<ul><li>L'environnement de développement est installé.</li>"
        "<li>Les outils de gestion de versions sont configurés.</li></ul>"
        "\t<p><b>Mise en situation professionnelle</b> (2 h)</p>",
        "<p><b>CP2.</b> Maquetter des interfaces utilisateur web ou web mobile</p>"
        "\t<ul><li>La maquette respecte la charte graphique.</li></ul>\t",
        "",
        "BLOC 2 — RNCP37873BC02 — Développer la partie back-end d'une application web ou web "
        "mobile sécurisée",
        "Compétences professionnelles\tCritères de performance\tModalités d'évaluation",
        "<p><b>CP5.</b> Mettre en place une base de données relationnelle</p>"
        "\t<ul><li>Le schéma de la base est normalisé.</li></ul>"
        "\t<p><b>Entretien technique</b> de 45 min avec le jury</p>",
        "<p><b>CP6.</b> Développer des composants d'accès aux données SQL et NoSQL</p>"
        "\t<ul><li>Les requêtes sont paramétrées.</li></ul>\t",
    ]
)


def test_titre_professionnel_with_bold_cp_codes() -> None:
    draft = read(TITRE_PRO)
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == (
        "RNCP37873",
        "Développeur web et web mobile",
        5,
    )
    assert [c.legal_name for c in cert.certifiers] == ["Ministère chargé de l'emploi"]
    assert blocs(draft) == [
        (
            "RNCP37873BC01",
            "Développer la partie front-end d'une application web ou web mobile sécurisée",
        ),
        (
            "RNCP37873BC02",
            "Développer la partie back-end d'une application web ou web mobile sécurisée",
        ),
    ]
    assert competences(draft) == [
        ("CP1", "Installer et configurer son environnement de travail en fonction du projet"),
        ("CP2", "Maquetter des interfaces utilisateur web ou web mobile"),
        ("CP5", "Mettre en place une base de données relationnelle"),
        ("CP6", "Développer des composants d'accès aux données SQL et NoSQL"),
    ]
    assert criteria(draft) == [
        ("L'environnement de développement est installé.", ["CP1"]),
        ("Les outils de gestion de versions sont configurés.", ["CP1"]),
        ("La maquette respecte la charte graphique.", ["CP2"]),
        ("Le schéma de la base est normalisé.", ["CP5"]),
        ("Les requêtes sont paramétrées.", ["CP6"]),
    ]
    situation, interview = draft.modalities
    assert situation.title == "Mise en situation professionnelle"
    assert (situation.kind, situation.duration_minutes) == (ModalityKind.WORK_SITUATION, 120)
    assert evaluated(draft, situation) == ["CP1", "CP2"]
    assert (interview.kind, interview.duration_minutes) == (ModalityKind.ORAL, 45)
    assert evaluated(draft, interview) == ["CP5", "CP6"]
    assert draft.blocs[1].criteria[0].modality_ref == interview.ref


# -- (2) columns compétences | critères | modalités, coded modalities reused by code ------------

COLUMNS_WITH_CODED_MODALITIES = "\n".join(
    [
        "RNCP38000 — Chargé de projets en transition écologique",
        "Niveau 6",
        "",
        "Bloc 1 : Diagnostiquer les enjeux environnementaux d'une organisation",
        "Compétences\tCritères d'évaluation\tModalités d'évaluation",
        "<p><b>C1.1</b></p><p>Réaliser un bilan des émissions de gaz à effet de serre</p>"
        "\t- Le périmètre du bilan est justifié. - Les facteurs d'émission sont sourcés."
        "\tM1 — Étude de cas (3 h) : à partir du dossier d'une entreprise, le candidat établit "
        "un diagnostic.",
        "<p><b>C1.2</b></p><p>Cartographier les parties prenantes</p>"
        "\t- Les attentes de chaque partie prenante sont identifiées.\tM1",
        "<p><b>C1.3</b></p><p>Présenter le diagnostic à la direction</p>"
        "\t- La présentation est adaptée au public.\tM2 — Soutenance orale (30 min)",
        "",
        "Bloc 2 : Piloter un plan de transition",
        "Compétences\tCritères d'évaluation\tModalités d'évaluation",
        "<p><b>C2.1</b></p><p>Construire un plan d'actions chiffré</p>"
        "\t- Chaque action a un coût et un indicateur.\tM1",
        "<p><b>C2.2</b></p><p>Animer le comité de suivi</p>"
        "\t- Les comptes rendus sont diffusés sous 48 heures.\tM3 — Mise en situation "
        "professionnelle (1 h 30)",
    ]
)


def test_coded_modalities_are_reused_by_code_across_rows_and_blocs() -> None:
    draft = read(COLUMNS_WITH_CODED_MODALITIES)
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == (
        "RNCP38000",
        "Chargé de projets en transition écologique",
        6,
    )
    assert [b.title for b in draft.blocs] == [
        "Diagnostiquer les enjeux environnementaux d'une organisation",
        "Piloter un plan de transition",
    ]
    assert competences(draft) == [
        ("C1.1", "Réaliser un bilan des émissions de gaz à effet de serre"),
        ("C1.2", "Cartographier les parties prenantes"),
        ("C1.3", "Présenter le diagnostic à la direction"),
        ("C2.1", "Construire un plan d'actions chiffré"),
        ("C2.2", "Animer le comité de suivi"),
    ]
    assert [m.code for m in draft.modalities] == ["M1", "M2", "M3"]
    m1, m2, m3 = draft.modalities
    assert (m1.title, m1.kind, m1.duration_minutes) == (
        "Étude de cas",
        ModalityKind.CASE_STUDY,
        180,
    )
    assert "le candidat établit un diagnostic" in m1.description
    assert evaluated(draft, m1) == ["C1.1", "C1.2", "C2.1"]
    assert m1.bloc_refs == [draft.blocs[0].ref, draft.blocs[1].ref]
    assert (m2.title, m2.kind, m2.duration_minutes) == ("Soutenance orale", ModalityKind.ORAL, 30)
    assert evaluated(draft, m2) == ["C1.3"]
    assert (m3.kind, m3.duration_minutes) == (ModalityKind.WORK_SITUATION, 90)
    assert evaluated(draft, m3) == ["C2.2"]
    assert criteria(draft) == [
        ("Le périmètre du bilan est justifié.", ["C1.1"]),
        ("Les facteurs d'émission sont sourcés.", ["C1.1"]),
        ("Les attentes de chaque partie prenante sont identifiées.", ["C1.2"]),
        ("La présentation est adaptée au public.", ["C1.3"]),
        ("Chaque action a un coût et un indicateur.", ["C2.1"]),
        ("Les comptes rendus sont diffusés sous 48 heures.", ["C2.2"]),
    ]
    assert [c.modality_ref for c in draft.criteria()] == ["M1", "M1", "M1", "M2", "M1", "M3"]


# -- (3) plain text: label lines, "1.1." numbering, "- " bullets ------------------------------

PLAIN_TEXT = "\n".join(
    [
        "RÉFÉRENTIEL DE CERTIFICATION",
        "Code RNCP : RNCP36500",
        "Intitulé : Responsable d'exploitation logistique",
        "Niveau : 6",
        "",
        "BLOC 1 - RNCP36500BC01 - Organiser les flux de l'entrepôt",
        "",
        "Compétences évaluées :",
        "1.1. Planifier les réceptions et les expéditions en fonction des prévisions de ventes",
        "1.2. Dimensionner les équipes selon la charge prévue",
        "",
        "Modalité d'évaluation :",
        "Étude de cas écrite. Durée : 2 h 30",
        "",
        "Critères d'évaluation :",
        "- Le plan de charge couvre toute la semaine",
        "- Les effectifs proposés respectent le budget",
        "",
        "BLOC 2 - RNCP36500BC02 - Manager la sécurité des opérations",
        "",
        "Compétences évaluées :",
        "2.1. Analyser les accidents du travail de l'entrepôt",
        "2.2. Former les équipes aux gestes et postures",
        "",
        "Modalités d'évaluation :",
        "Présentation orale devant le jury, 45 minutes",
        "",
        "Critères d'évaluation :",
        "- L'arbre des causes est complet",
        "- Le plan de formation est daté",
    ]
)


def test_plain_text_with_label_lines() -> None:
    draft = read(PLAIN_TEXT)
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == (
        "RNCP36500",
        "Responsable d'exploitation logistique",
        6,
    )
    assert blocs(draft) == [
        ("RNCP36500BC01", "Organiser les flux de l'entrepôt"),
        ("RNCP36500BC02", "Manager la sécurité des opérations"),
    ]
    # "1.1." is kept as the document writes it: no letter is invented.
    assert competences(draft) == [
        ("1.1", "Planifier les réceptions et les expéditions en fonction des prévisions de ventes"),
        ("1.2", "Dimensionner les équipes selon la charge prévue"),
        ("2.1", "Analyser les accidents du travail de l'entrepôt"),
        ("2.2", "Former les équipes aux gestes et postures"),
    ]
    assert criteria(draft) == [
        ("Le plan de charge couvre toute la semaine", ["1.1", "1.2"]),
        ("Les effectifs proposés respectent le budget", ["1.1", "1.2"]),
        ("L'arbre des causes est complet", ["2.1", "2.2"]),
        ("Le plan de formation est daté", ["2.1", "2.2"]),
    ]
    written, oral = draft.modalities
    assert (written.title, written.kind, written.duration_minutes) == (
        "Étude de cas écrite",
        ModalityKind.CASE_STUDY,
        150,
    )
    assert evaluated(draft, written) == ["1.1", "1.2"]
    assert written.bloc_refs == [draft.blocs[0].ref]
    assert (oral.title, oral.kind, oral.duration_minutes) == (
        "Présentation orale devant le jury",
        ModalityKind.ORAL,
        45,
    )
    assert evaluated(draft, oral) == ["2.1", "2.2"]
    assert [c.modality_ref for c in draft.criteria()] == [written.ref] * 2 + [oral.ref] * 2
    assert any("toutes les compétences du bloc" in m for m in warnings(draft))


# -- (4) markdown: compétences as "### C2.3 Titre" headings, criteria bullets under each --------

MARKDOWN = "\n".join(
    [
        "# Référentiel Gestionnaire de communauté en ligne",
        "",
        "RNCP39001 — niveau 5",
        "",
        "## Bloc 1 : Animer une communauté",
        "### C1.1 Définir une ligne éditoriale",
        "- La ligne éditoriale est cohérente avec la marque",
        "- Les cibles sont identifiées",
        "### C1.2 Modérer les échanges",
        "- La charte de modération est appliquée",
        "",
        "## Bloc 2 : Mesurer l'audience",
        "### C2.1 Choisir les indicateurs de performance",
        "- Les indicateurs sont reliés aux objectifs",
        "### C2.3 Produire un rapport mensuel",
        "- Le rapport est livré à date",
        "",
        "## Modalités d'évaluation",
        "### E1 Dossier professionnel",
        "Le candidat remet un dossier présentant une campagne réelle. Compétences évaluées : "
        "C1.1, C1.2.",
        "### E2 Soutenance orale",
        "Durée : 40 min. Compétences évaluées : C2.1 et C2.3.",
    ]
)


def test_markdown_headings_with_criteria_bullets() -> None:
    draft = read(MARKDOWN)
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == (
        "RNCP39001",
        "Gestionnaire de communauté en ligne",
        5,
    )
    assert [b.title for b in draft.blocs] == ["Animer une communauté", "Mesurer l'audience"]
    assert competences(draft, 1) == [
        ("C2.1", "Choisir les indicateurs de performance"),
        ("C2.3", "Produire un rapport mensuel"),
    ]
    assert competences(draft, 0) == [
        ("C1.1", "Définir une ligne éditoriale"),
        ("C1.2", "Modérer les échanges"),
    ]
    assert criteria(draft) == [
        ("La ligne éditoriale est cohérente avec la marque", ["C1.1"]),
        ("Les cibles sont identifiées", ["C1.1"]),
        ("La charte de modération est appliquée", ["C1.2"]),
        ("Les indicateurs sont reliés aux objectifs", ["C2.1"]),
        ("Le rapport est livré à date", ["C2.3"]),
    ]
    e1, e2 = draft.modalities
    assert (e1.code, e1.title, e1.kind) == ("E1", "Dossier professionnel", ModalityKind.PORTFOLIO)
    assert evaluated(draft, e1) == ["C1.1", "C1.2"]
    assert e1.bloc_refs == [draft.blocs[0].ref]
    assert (e2.code, e2.title, e2.kind, e2.duration_minutes) == (
        "E2",
        "Soutenance orale",
        ModalityKind.ORAL,
        40,
    )
    assert evaluated(draft, e2) == ["C2.1", "C2.3"]
    assert e2.bloc_refs == [draft.blocs[1].ref]


# -- (5) columns in another order: critères | compétences | bloc --------------------------------

COLUMNS_REVERSED = "\n".join(
    [
        "Certification : Agent de sûreté aéroportuaire (RNCP37100)",
        "Niveau 3",
        "",
        "Critères d'évaluation\tCompétences\tBloc de compétences",
        "Les objets interdits sont repérés sur l'image radioscopique"
        "\tC1 Inspecter les bagages de cabine\tBC01 Contrôler les passagers et leurs bagages",
        "La palpation respecte la procédure"
        "\tC2 Réaliser une palpation de sécurité\tBC01 Contrôler les passagers et leurs bagages",
        "Le badge est vérifié avant l'accès"
        "\tC3 Contrôler les accès en zone réservée\tBC02 Surveiller les zones réservées",
        "Les rondes suivent le plan de surveillance"
        "\tC4 Effectuer une ronde de surveillance\tBC02 Surveiller les zones réservées",
        "",
        "Modalités d'évaluation :",
        "E1 Mise en situation professionnelle sur simulateur (1 h) : C1, C2",
        "E2 Questionnaire écrit (30 min) : C3, C4",
    ]
)


def test_columns_in_another_order() -> None:
    draft = read(COLUMNS_REVERSED)
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == (
        "RNCP37100",
        "Agent de sûreté aéroportuaire",
        3,
    )
    assert blocs(draft) == [
        ("RNCP37100BC01", "Contrôler les passagers et leurs bagages"),
        ("RNCP37100BC02", "Surveiller les zones réservées"),
    ]
    assert competences(draft) == [
        ("C1", "Inspecter les bagages de cabine"),
        ("C2", "Réaliser une palpation de sécurité"),
        ("C3", "Contrôler les accès en zone réservée"),
        ("C4", "Effectuer une ronde de surveillance"),
    ]
    assert criteria(draft) == [
        ("Les objets interdits sont repérés sur l'image radioscopique", ["C1"]),
        ("La palpation respecte la procédure", ["C2"]),
        ("Le badge est vérifié avant l'accès", ["C3"]),
        ("Les rondes suivent le plan de surveillance", ["C4"]),
    ]
    e1, e2 = draft.modalities
    assert (e1.code, e1.kind, e1.duration_minutes) == ("E1", ModalityKind.WORK_SITUATION, 60)
    assert e1.title.startswith("Mise en situation professionnelle")
    assert evaluated(draft, e1) == ["C1", "C2"]
    assert e1.bloc_refs == [draft.blocs[0].ref]
    assert (e2.code, e2.kind, e2.duration_minutes) == ("E2", ModalityKind.QUIZ, 30)
    assert evaluated(draft, e2) == ["C3", "C4"]
    assert e2.bloc_refs == [draft.blocs[1].ref]


# -- (6) activities "A.2.1" with compétences "C2.1.1" nested under them ------------------------

NESTED_ACTIVITIES = "\n".join(
    [
        "Référentiel d'activités, de compétences et d'évaluation",
        "Intitulé : Technicien supérieur en automatisme industriel",
        "Code : RNCP35800 — Niveau 5",
        "",
        "Bloc de compétences n° 1 : Concevoir un système automatisé",
        "A.1.1 Analyser le cahier des charges du client",
        "    C1.1.1 Identifier les contraintes fonctionnelles du système",
        "    C1.1.2 Rédiger l'analyse fonctionnelle",
        "A.1.2 Choisir les équipements",
        "    C1.2.1 Sélectionner les capteurs et actionneurs adaptés",
        "Critères d'évaluation :",
        "- Les contraintes sont toutes identifiées (C1.1.1)",
        "- L'analyse fonctionnelle est conforme aux normes (C1.1.2)",
        "- Les équipements choisis sont compatibles entre eux (C1.2.1)",
        "Modalité d'évaluation : E1 Projet de conception (4 h)",
        "",
        "Bloc de compétences n° 2 : Mettre en service un système automatisé",
        "A.2.1 Programmer l'automate",
        "    C2.1.1 Écrire le programme en langage Grafcet",
        "    C2.1.2 Tester le programme en simulation",
        "Critères d'évaluation :",
        "- Le programme respecte le Grafcet (C2.1.1)",
        "- Les tests couvrent tous les modes de marche (C2.1.2)",
        "Modalité d'évaluation : E2 Mise en situation pratique sur plateforme (3 h 30)",
    ]
)


def test_nested_activities_and_competences() -> None:
    draft = read(NESTED_ACTIVITIES)
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == (
        "RNCP35800",
        "Technicien supérieur en automatisme industriel",
        5,
    )
    assert [b.title for b in draft.blocs] == [
        "Concevoir un système automatisé",
        "Mettre en service un système automatisé",
    ]
    assert [(a.code, a.title) for a in draft.activities()] == [
        ("A1.1", "Analyser le cahier des charges du client"),
        ("A1.2", "Choisir les équipements"),
        ("A2.1", "Programmer l'automate"),
    ]
    assert [(c.code, c.title, c.activity_ref) for c in draft.competences()] == [
        ("C1.1.1", "Identifier les contraintes fonctionnelles du système", "A1.1"),
        ("C1.1.2", "Rédiger l'analyse fonctionnelle", "A1.1"),
        ("C1.2.1", "Sélectionner les capteurs et actionneurs adaptés", "A1.2"),
        ("C2.1.1", "Écrire le programme en langage Grafcet", "A2.1"),
        ("C2.1.2", "Tester le programme en simulation", "A2.1"),
    ]
    assert criteria(draft) == [
        ("Les contraintes sont toutes identifiées (C1.1.1)", ["C1.1.1"]),
        ("L'analyse fonctionnelle est conforme aux normes (C1.1.2)", ["C1.1.2"]),
        ("Les équipements choisis sont compatibles entre eux (C1.2.1)", ["C1.2.1"]),
        ("Le programme respecte le Grafcet (C2.1.1)", ["C2.1.1"]),
        ("Les tests couvrent tous les modes de marche (C2.1.2)", ["C2.1.2"]),
    ]
    e1, e2 = draft.modalities
    assert (e1.code, e1.title, e1.kind, e1.duration_minutes) == (
        "E1",
        "Projet de conception",
        ModalityKind.PROJECT,
        240,
    )
    assert evaluated(draft, e1) == ["C1.1.1", "C1.1.2", "C1.2.1"]
    assert (e2.code, e2.kind, e2.duration_minutes) == ("E2", ModalityKind.WORK_SITUATION, 210)
    assert evaluated(draft, e2) == ["C2.1.1", "C2.1.2"]
    assert [c.modality_ref for c in draft.criteria()] == ["E1"] * 3 + ["E2"] * 2


# -- (7) "BC01" alone, the RNCP code given in the title block -----------------------------------

SHORT_BLOC_CODES = "\n".join(
    [
        "Fiche de présentation",
        "Numéro de fiche : RNCP34567",
        "Intitulé de la certification : Conseiller de vente en magasin spécialisé",
        "Nomenclature du niveau de qualification : Niveau 4",
        "Certificateur(s) : Chambre de commerce et d'industrie France",
        "",
        "Blocs de compétences\tListe des compétences\tModalités d'évaluation"
        "\tCritères d'évaluation",
        "BC01 – Accueillir et conseiller le client"
        "\t<ul><li>C1 Accueillir le client dans le respect de la charte de l'enseigne</li>"
        "<li>C2 Identifier le besoin du client par un questionnement adapté</li></ul>"
        "\t<p>Jeu de rôle filmé de 20 minutes suivi d'un entretien de 10 minutes avec le "
        "jury.</p>"
        "\t<ul><li>L'accueil suit la charte.</li><li>Le besoin est reformulé.</li></ul>",
        "BC02 – Gérer l'espace de vente"
        "\t<ul><li>C3 Réaliser l'implantation des produits selon le planogramme</li>"
        "<li>C4 Suivre les stocks et passer les commandes</li></ul>"
        "\t<p>Dossier professionnel présentant deux réalisations en entreprise.</p>"
        "\t<ul><li>Le planogramme est respecté.</li></ul>",
    ]
)


def test_short_bloc_codes_take_the_certification_code() -> None:
    draft = read(SHORT_BLOC_CODES)
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == (
        "RNCP34567",
        "Conseiller de vente en magasin spécialisé",
        4,
    )
    assert [c.legal_name for c in cert.certifiers] == ["Chambre de commerce et d'industrie France"]
    assert blocs(draft) == [
        ("RNCP34567BC01", "Accueillir et conseiller le client"),
        ("RNCP34567BC02", "Gérer l'espace de vente"),
    ]
    assert competences(draft) == [
        ("C1", "Accueillir le client dans le respect de la charte de l'enseigne"),
        ("C2", "Identifier le besoin du client par un questionnement adapté"),
        ("C3", "Réaliser l'implantation des produits selon le planogramme"),
        ("C4", "Suivre les stocks et passer les commandes"),
    ]
    assert criteria(draft) == [
        ("L'accueil suit la charte.", ["C1", "C2"]),
        ("Le besoin est reformulé.", ["C1", "C2"]),
        ("Le planogramme est respecté.", ["C3", "C4"]),
    ]
    role_play, portfolio = draft.modalities
    assert role_play.title.startswith("Jeu de rôle filmé")
    assert (role_play.kind, role_play.duration_minutes) == (ModalityKind.WORK_SITUATION, 30)
    assert evaluated(draft, role_play) == ["C1", "C2"]
    assert portfolio.title.startswith("Dossier professionnel")
    assert (portfolio.kind, portfolio.duration_minutes) == (ModalityKind.PORTFOLIO, None)
    assert evaluated(draft, portfolio) == ["C3", "C4"]


# -- (8) "Compétence 1 : …", modalities common to every bloc -----------------------------------

WORD_NUMBERED = "\n".join(
    [
        "Certification « Gestionnaire de paie » (RNCP35999), niveau 5",
        "Certificateur : Association Paie Formation",
        "",
        "Bloc 1 – Établir les bulletins de paie",
        "Compétence 1 : Collecter les éléments variables de paie auprès des services",
        "Critères :",
        "- Tous les éléments variables sont recensés",
        "- Les absences sont justifiées",
        "Compétence 2 : Calculer les cotisations sociales",
        "Critères :",
        "- Les taux appliqués sont ceux en vigueur",
        "",
        "Bloc 2 – Réaliser les déclarations sociales",
        "Compétence 3 : Établir la déclaration sociale nominative mensuelle",
        "Critères :",
        "- La déclaration est déposée dans les délais",
        "",
        "Modalités d'évaluation communes à tous les blocs",
        "Épreuve 1 : Étude de cas sur logiciel de paie, 3 heures",
        "Épreuve 2 : Entretien avec le jury, 30 minutes",
    ]
)


def test_word_numbered_competences_and_common_modalities() -> None:
    draft = read(WORD_NUMBERED)
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == ("RNCP35999", "Gestionnaire de paie", 5)
    assert [c.legal_name for c in cert.certifiers] == ["Association Paie Formation"]
    assert [b.title for b in draft.blocs] == [
        "Établir les bulletins de paie",
        "Réaliser les déclarations sociales",
    ]
    assert competences(draft) == [
        ("C1", "Collecter les éléments variables de paie auprès des services"),
        ("C2", "Calculer les cotisations sociales"),
        ("C3", "Établir la déclaration sociale nominative mensuelle"),
    ]
    assert criteria(draft) == [
        ("Tous les éléments variables sont recensés", ["C1"]),
        ("Les absences sont justifiées", ["C1"]),
        ("Les taux appliqués sont ceux en vigueur", ["C2"]),
        ("La déclaration est déposée dans les délais", ["C3"]),
    ]
    e1, e2 = draft.modalities
    assert (e1.code, e1.title, e1.kind, e1.duration_minutes) == (
        "E1",
        "Étude de cas sur logiciel de paie",
        ModalityKind.CASE_STUDY,
        180,
    )
    assert (e2.code, e2.title, e2.kind, e2.duration_minutes) == (
        "E2",
        "Entretien avec le jury",
        ModalityKind.ORAL,
        30,
    )
    for common in (e1, e2):
        assert evaluated(draft, common) == ["C1", "C2", "C3"]
        assert common.bloc_refs == [b.ref for b in draft.blocs]
    assert any("« Compétence 1 »" in m for m in warnings(draft))
    # The label says the épreuves are common to all blocs: linking them to all is no guess.
    assert not any("rattachée" in m for m in warnings(draft))


# -- (9) a title block with dates, NSF codes and formacodes -------------------------------------

TITLE_BLOCK = "\n".join(
    [
        "Intitulé : Assistant de direction bilingue",
        "Code RNCP : RNCP38888",
        "Niveau de qualification : 5",
        "Code(s) NSF : 324 Secrétariat, bureautique ; 320 Spécialités plurivalentes de la "
        "communication",
        "Formacode(s) : 35054 ; 15234",
        "Date d'enregistrement : 12/03/2023",
        "Date d'échéance de l'enregistrement : 12/03/2028",
        "Certificateur : Institut Supérieur des Assistants (SIRET 123 456 789 00012)",
        "",
        "Bloc 1 : Organiser l'activité de la direction",
        "Compétences évaluées :",
        "C1 Gérer l'agenda du dirigeant",
        "C2 Organiser les déplacements professionnels",
        "Critères d'évaluation :",
        "- Les conflits d'agenda sont résolus (C1)",
        "- Le budget des déplacements est respecté (C2)",
        "Modalités d'évaluation :",
        "E1 Étude de cas (2 h)",
        "",
        "Unité de compétences 2 : Communiquer en anglais",
        "Compétences évaluées :",
        "C3 Rédiger un courrier professionnel en anglais",
        "Critères d'évaluation :",
        "- Le registre est adapté au destinataire",
        "Modalités d'évaluation :",
        "E2 Oral en anglais (20 min)",
    ]
)


def test_title_block_with_dates_nsf_and_formacodes() -> None:
    draft = read(TITLE_BLOCK)
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == (
        "RNCP38888",
        "Assistant de direction bilingue",
        5,
    )
    assert cert.nsf_codes == ["324", "320"]
    assert cert.formacodes == ["35054", "15234"]
    assert cert.registration_date == date(2023, 3, 12)
    assert cert.registration_end_date == date(2028, 3, 12)
    assert [(c.legal_name, c.siret) for c in cert.certifiers] == [
        ("Institut Supérieur des Assistants", "12345678900012")
    ]
    assert blocs(draft) == [
        ("", "Organiser l'activité de la direction"),
        ("", "Communiquer en anglais"),
    ]
    assert competences(draft) == [
        ("C1", "Gérer l'agenda du dirigeant"),
        ("C2", "Organiser les déplacements professionnels"),
        ("C3", "Rédiger un courrier professionnel en anglais"),
    ]
    assert criteria(draft) == [
        ("Les conflits d'agenda sont résolus (C1)", ["C1"]),
        ("Le budget des déplacements est respecté (C2)", ["C2"]),
        ("Le registre est adapté au destinataire", ["C3"]),
    ]
    e1, e2 = draft.modalities
    assert (e1.code, e1.title, e1.kind, e1.duration_minutes) == (
        "E1",
        "Étude de cas",
        ModalityKind.CASE_STUDY,
        120,
    )
    assert evaluated(draft, e1) == ["C1", "C2"]
    assert (e2.code, e2.title, e2.kind, e2.duration_minutes) == (
        "E2",
        "Oral en anglais",
        ModalityKind.ORAL,
        20,
    )
    assert evaluated(draft, e2) == ["C3"]


# -- (10) épreuves listed before the blocs, a code column, épreuves cited by code in cells ------

CODE_COLUMN = "\n".join(
    [
        "Intitulé : Technicien de maintenance éolienne",
        "Niveau de qualification : 4",
        "",
        "Épreuves de la certification :",
        "E1 — Questionnaire technique (1 h)",
        "E2 — Mise en situation en nacelle (4 h)",
        "Le candidat intervient sur une éolienne de formation, en binôme.",
        "",
        "Bloc 1 : Maintenir les éoliennes",
        "Code\tCompétence\tCritères d'évaluation\tÉpreuves",
        "C1\tRéaliser la maintenance préventive\tLe plan de maintenance est suivi.\tE1, E2",
        "C2\tDiagnostiquer une panne électrique\tLa panne est localisée.\tE2",
        "Bloc 2 : Travailler en sécurité",
        "Code\tCompétence\tCritères d'évaluation\tÉpreuves",
        "C3\tAppliquer les règles du travail en hauteur\tLe harnais est vérifié.\tE1",
        "C4\tPorter secours à un collègue en nacelle\tL'alerte est donnée.\tE3",
    ]
)


def test_epreuves_listed_first_then_cited_by_code() -> None:
    draft = read(CODE_COLUMN)
    assert draft.certification.title == "Technicien de maintenance éolienne"
    assert competences(draft) == [
        ("C1", "Réaliser la maintenance préventive"),
        ("C2", "Diagnostiquer une panne électrique"),
        ("C3", "Appliquer les règles du travail en hauteur"),
        ("C4", "Porter secours à un collègue en nacelle"),
    ]
    assert criteria(draft) == [
        ("Le plan de maintenance est suivi.", ["C1"]),
        ("La panne est localisée.", ["C2"]),
        ("Le harnais est vérifié.", ["C3"]),
        ("L'alerte est donnée.", ["C4"]),
    ]
    assert [m.code for m in draft.modalities] == ["E1", "E2", "E3"]
    e1, e2, e3 = draft.modalities
    assert (e1.title, e1.kind, e1.duration_minutes) == (
        "Questionnaire technique",
        ModalityKind.QUIZ,
        60,
    )
    assert evaluated(draft, e1) == ["C1", "C3"]
    assert e1.bloc_refs == [b.ref for b in draft.blocs]
    assert (e2.title, e2.kind, e2.duration_minutes, e2.team) == (
        "Mise en situation en nacelle",
        ModalityKind.WORK_SITUATION,
        240,
        True,
    )
    assert evaluated(draft, e2) == ["C1", "C2"]
    assert e2.bloc_refs == [draft.blocs[0].ref]
    # Two épreuves on one row: its criterion's épreuve is not guessed.
    assert [c.modality_ref for c in draft.criteria()] == [None, "E2", "E1", "E3"]
    # E3 is cited but never described.
    assert (e3.title, evaluated(draft, e3)) == ("E3", ["C4"])
    assert any("E3" in m and "sans description" in m for m in warnings(draft))


# -- (11) a markdown table (pandoc), the RNCP code stated after it ----------------------------

PIPE_TABLE = "\n".join(
    [
        "# Référentiel Agent de maintenance des bâtiments",
        "",
        "| Bloc | Compétences | Critères d'évaluation | Modalités |",
        "|---|---|---|---|",
        "| BC01 Entretenir les installations électriques "
        "| C1 Remplacer un appareillage électrique<br>C2 Vérifier la conformité d'un circuit "
        "| Le circuit est consigné avant l'intervention "
        "| E1 Mise en situation (2 h) |",
        "| BC02 Entretenir la plomberie | C3 Remplacer un robinet "
        "| Aucune fuite n'est constatée | E2 Étude de cas (1 h 30) |",
        "",
        "Code RNCP : RNCP36111",
    ]
)


def test_markdown_pipe_table() -> None:
    draft = read(PIPE_TABLE)
    cert = draft.certification
    assert (cert.code, cert.title) == ("RNCP36111", "Agent de maintenance des bâtiments")
    assert blocs(draft) == [
        ("RNCP36111BC01", "Entretenir les installations électriques"),
        ("RNCP36111BC02", "Entretenir la plomberie"),
    ]
    assert competences(draft) == [
        ("C1", "Remplacer un appareillage électrique"),
        ("C2", "Vérifier la conformité d'un circuit"),
        ("C3", "Remplacer un robinet"),
    ]
    assert criteria(draft) == [
        ("Le circuit est consigné avant l'intervention", ["C1", "C2"]),
        ("Aucune fuite n'est constatée", ["C3"]),
    ]
    e1, e2 = draft.modalities
    assert (e1.code, e1.title, e1.kind, e1.duration_minutes) == (
        "E1",
        "Mise en situation",
        ModalityKind.WORK_SITUATION,
        120,
    )
    assert evaluated(draft, e1) == ["C1", "C2"]
    assert (e2.code, e2.title, e2.kind, e2.duration_minutes) == (
        "E2",
        "Étude de cas",
        ModalityKind.CASE_STUDY,
        90,
    )
    assert evaluated(draft, e2) == ["C3"]
    assert [c.modality_ref for c in draft.criteria()] == ["E1", "E2"]


# -- (12) facts in a two-column table, compétence bullets under an activity, épreuves that
# say which compétences they evaluate -----------------------------------------------------------

BULLETED_UNDER_ACTIVITY = "\n".join(
    [
        "Intitulé\tOpérateur de production",
        "Code RNCP\tRNCP40000",
        "",
        "Bloc 1 : Produire",
        "Activité 1 : Préparer le poste",
        "- C1 Régler la machine",
        "- C2 Contrôler les pièces",
        "Critères d'évaluation : Les pièces sont conformes au plan (C2).",
        "Modalités d'évaluation :",
        "Mise en situation professionnelle",
        "Le candidat règle la machine.",
        "Durée : 2 h",
        "Compétences évaluées : C1, C2",
        "Questionnaire écrit",
        "Durée : 30 min",
        "Compétences évaluées : C2",
    ]
)


def test_bullets_under_an_activity_and_epreuves_naming_their_competences() -> None:
    draft = read(BULLETED_UNDER_ACTIVITY)
    cert = draft.certification
    assert (cert.code, cert.title) == ("RNCP40000", "Opérateur de production")
    assert [(a.code, a.title) for a in draft.activities()] == [("A1", "Préparer le poste")]
    assert [(c.code, c.title, c.activity_ref) for c in draft.competences()] == [
        ("C1", "Régler la machine", "A1"),
        ("C2", "Contrôler les pièces", "A1"),
    ]
    assert criteria(draft) == [("Les pièces sont conformes au plan (C2).", ["C2"])]
    situation, quiz = draft.modalities
    assert (situation.title, situation.kind, situation.duration_minutes) == (
        "Mise en situation professionnelle",
        ModalityKind.WORK_SITUATION,
        120,
    )
    assert situation.description.startswith("Le candidat règle la machine.")
    assert evaluated(draft, situation) == ["C1", "C2"]
    assert (quiz.title, quiz.kind, quiz.duration_minutes) == (
        "Questionnaire écrit",
        ModalityKind.QUIZ,
        30,
    )
    assert evaluated(draft, quiz) == ["C2"]
    assert not any("rattaché" in m for m in warnings(draft))


# -- (13) markdown with `code` spans, dates written in words, NSF without a colon -------------

CODE_SPANS = "\n".join(
    [
        "**Fiche RNCP41000 — Analyste de données**",
        "",
        "Date de publication de la décision : 5 juillet 2024",
        "Date d'échéance de l'enregistrement : 1er juillet 2029",
        "NSF 326 - Informatique, traitement de l'information",
        "",
        "### Bloc 1 — `BC01` — Préparer les données",
        "- `C1.1` Collecter les données sources",
        "- `C1.2` Nettoyer les données",
        "",
        "Critères d'évaluation :",
        "* Les sources sont documentées (`C1.1`)",
        "* Les valeurs manquantes sont traitées (`C1.2`)",
        "",
        "Modalité d'évaluation : Projet tutoré de 3 semaines, soutenance de 20 min",
    ]
)


def test_code_spans_and_written_dates() -> None:
    draft = read(CODE_SPANS)
    cert = draft.certification
    assert (cert.code, cert.title) == ("RNCP41000", "Analyste de données")
    assert cert.registration_date == date(2024, 7, 5)
    assert cert.registration_end_date == date(2029, 7, 1)
    assert cert.nsf_codes == ["326"]
    assert blocs(draft) == [("RNCP41000BC01", "Préparer les données")]
    assert competences(draft) == [
        ("C1.1", "Collecter les données sources"),
        ("C1.2", "Nettoyer les données"),
    ]
    assert criteria(draft) == [
        ("Les sources sont documentées (C1.1)", ["C1.1"]),
        ("Les valeurs manquantes sont traitées (C1.2)", ["C1.2"]),
    ]
    (project,) = draft.modalities
    assert project.title.startswith("Projet tutoré")
    assert (project.kind, project.duration_minutes) == (ModalityKind.PROJECT, 20)
    assert evaluated(draft, project) == ["C1.1", "C1.2"]
    assert [c.modality_ref for c in draft.criteria()] == [project.ref] * 2


# -- (14) a duration column and a coefficient column beside the épreuve ------------------------

DURATION_COLUMN = "\n".join(
    [
        "Titre professionnel Cuisinier",
        "RNCP34500 — Niveau 3",
        "",
        "Bloc 1 : Préparer les entrées et les plats",
        "Code\tCompétence\tÉpreuve\tDurée\tCoefficient",
        "CP1\tPréparer les légumes et les fruits\tE1 Épreuve pratique en cuisine\t3 h 30\t4",
        "CP2\tCuire des viandes, volailles et poissons\tE1\t\t",
        "CP3\tÉlaborer une sauce émulsionnée\tE2 Entretien final avec le jury\t25 min\t1",
    ]
)


def test_duration_and_coefficient_columns() -> None:
    draft = read(DURATION_COLUMN)
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == ("RNCP34500", "Cuisinier", 3)
    assert competences(draft) == [
        ("CP1", "Préparer les légumes et les fruits"),
        ("CP2", "Cuire des viandes, volailles et poissons"),
        ("CP3", "Élaborer une sauce émulsionnée"),
    ]
    e1, e2 = draft.modalities
    assert (e1.code, e1.title, e1.duration_minutes) == ("E1", "Épreuve pratique en cuisine", 210)
    assert evaluated(draft, e1) == ["CP1", "CP2"]
    assert (e2.code, e2.title, e2.kind, e2.duration_minutes) == (
        "E2",
        "Entretien final avec le jury",
        ModalityKind.ORAL,
        25,
    )
    assert evaluated(draft, e2) == ["CP3"]
    assert "4" not in e1.description  # the coefficient column is not read as text


# -- (15) em dashes after the codes, an épreuve cited as « Modalité M1 » or « M1 (voir …) » ----

CITED_IN_WORDS = "\n".join(
    [
        "RNCP38001 - Chargé de projets événementiels",
        "",
        "Compétences\tCritères\tModalités",
        "Bloc 1 — Concevoir l'événement",
        "C1.1 — Analyser la demande du client\tLa demande est reformulée\tM1 — Étude de cas (3 h)",
        "C1.2 — Chiffrer le projet\tLe budget est équilibré\tM1 (voir ci-dessus)",
        "Bloc 2 — Piloter l'événement",
        "C2.1 — Coordonner les prestataires\tLe planning est tenu\tModalité M1",
        "C2.2 — Animer le bilan\tLe bilan est partagé\tM2 – Oral de 20 minutes",
    ]
)


def test_epreuves_cited_in_words_and_em_dashes() -> None:
    draft = read(CITED_IN_WORDS)
    assert draft.certification.title == "Chargé de projets événementiels"
    assert [b.title for b in draft.blocs] == ["Concevoir l'événement", "Piloter l'événement"]
    assert competences(draft) == [
        ("C1.1", "Analyser la demande du client"),
        ("C1.2", "Chiffrer le projet"),
        ("C2.1", "Coordonner les prestataires"),
        ("C2.2", "Animer le bilan"),
    ]
    m1, m2 = draft.modalities
    assert (m1.code, m1.title, m1.duration_minutes) == ("M1", "Étude de cas", 180)
    assert evaluated(draft, m1) == ["C1.1", "C1.2", "C2.1"]
    assert m1.bloc_refs == [b.ref for b in draft.blocs]
    assert (m2.code, m2.title, m2.kind) == ("M2", "Oral", ModalityKind.ORAL)
    assert m2.duration_minutes == 20
    assert [c.modality_ref for c in draft.criteria()] == ["M1", "M1", "M1", "M2"]


# -- (16) a titre professionnel in prose: CCP blocs, « Compétence C.1.1 : », numbered criteria --

TP_PROSE = "\n".join(
    [
        "TP - Agent de restauration",
        "RNCP36000 · Niveau 3",
        "Certificateur : Ministère chargé de l'emploi",
        "",
        "CCP 1 - Préparer en assemblage des hors-d'œuvre et des desserts",
        "Compétence C.1.1 : Réceptionner et stocker les marchandises",
        "Compétence C.1.2 : Préparer des hors-d'œuvre froids",
        "Critères de performance :",
        "1. Les règles d'hygiène sont respectées",
        "2. Les températures sont contrôlées (C.1.1)",
        "Modalités d'évaluation :",
        "Mise en situation professionnelle : 1 h 15",
        "Entretien technique : 15 min",
        "",
        "Bloc de compétences RNCP36000BC02 : Réaliser la plonge",
        "Compétence C.2.1 : Laver la vaisselle",
        "Critères de performance :",
        "- La vaisselle est propre",
        "Modalités d'évaluation :",
        "Questionnaire professionnel : 30 min",
    ]
)


def test_titre_professionnel_in_prose() -> None:
    draft = read(TP_PROSE)
    cert = draft.certification
    assert (cert.code, cert.title, cert.level) == ("RNCP36000", "Agent de restauration", 3)
    assert [c.legal_name for c in cert.certifiers] == ["Ministère chargé de l'emploi"]
    assert blocs(draft) == [
        ("", "Préparer en assemblage des hors-d'œuvre et des desserts"),
        ("RNCP36000BC02", "Réaliser la plonge"),
    ]
    assert competences(draft) == [
        ("C1.1", "Réceptionner et stocker les marchandises"),
        ("C1.2", "Préparer des hors-d'œuvre froids"),
        ("C2.1", "Laver la vaisselle"),
    ]
    assert criteria(draft) == [
        ("Les règles d'hygiène sont respectées", ["C1.1", "C1.2"]),
        ("Les températures sont contrôlées (C.1.1)", ["C1.1"]),
        ("La vaisselle est propre", ["C2.1"]),
    ]
    situation, interview, quiz = draft.modalities
    assert (situation.title, situation.kind, situation.duration_minutes) == (
        "Mise en situation professionnelle",
        ModalityKind.WORK_SITUATION,
        75,
    )
    assert (interview.title, interview.kind, interview.duration_minutes) == (
        "Entretien technique",
        ModalityKind.ORAL,
        15,
    )
    assert (quiz.title, quiz.kind, quiz.duration_minutes) == (
        "Questionnaire professionnel",
        ModalityKind.QUIZ,
        30,
    )
    assert evaluated(draft, situation) == evaluated(draft, interview) == ["C1.1", "C1.2"]
    # "1 h 15" alone is the épreuve's duration, not its description.
    assert situation.description == ""
    assert situation.duration_text.endswith("1 h 15")
    assert evaluated(draft, quiz) == ["C2.1"]
    # Two épreuves for bloc 1 that name no compétence: each linked to all of it, a guess.
    guessed = [i.location for i in draft.issues if "rattachée" in i.message]
    assert guessed == ["ligne 12", "ligne 13"]


# -- (17) compétences detailed by bullets, criteria stated per compétence code ------------------

CRITERIA_BY_CODE = "\n".join(
    [
        "Intitulé : Secrétaire médical",
        "",
        "Bloc 2 : Accueillir les patients",
        "Compétences visées :",
        "- C2.1 Accueillir le patient au cabinet",
        "  - Présentation",
        "  - Orientation dans les locaux",
        "- C2.2 Gérer les rendez-vous",
        "Critères d'évaluation :",
        "C2.1 : L'accueil est courtois",
        "C2.2 : Le planning ne comporte aucun doublon",
        "C2.2 : Les urgences sont priorisées",
        "Modalités d'évaluation :",
        "E4 Jeu de rôle (30 min)",
    ]
)


def test_detailed_competences_and_criteria_per_code() -> None:
    draft = read(CRITERIA_BY_CODE)
    assert competences(draft) == [
        ("C2.1", "Accueillir le patient au cabinet"),
        ("C2.2", "Gérer les rendez-vous"),
    ]
    assert draft.competences()[0].description == "- Présentation\n- Orientation dans les locaux"
    assert criteria(draft) == [
        ("C2.1 : L'accueil est courtois", ["C2.1"]),
        ("C2.2 : Le planning ne comporte aucun doublon", ["C2.2"]),
        ("C2.2 : Les urgences sont priorisées", ["C2.2"]),
    ]
    (e4,) = draft.modalities
    assert (e4.code, e4.title, e4.kind, e4.duration_minutes) == (
        "E4",
        "Jeu de rôle",
        ModalityKind.WORK_SITUATION,
        30,
    )
    assert evaluated(draft, e4) == ["C2.1", "C2.2"]
    assert not [i for i in draft.issues if "Compétence" in i.message]


# -- (18) épreuves numbered again in each bloc -------------------------------------------------

NUMBERED_PER_BLOC = "\n".join(
    [
        "Intitulé : Gestionnaire d'unité commerciale",
        "",
        "Bloc 1 : Gérer l'offre",
        "Compétences\tÉpreuves",
        "C1 Analyser l'assortiment\tÉpreuve 1 : Étude de cas (2 h)",
        "C2 Fixer les prix\tÉpreuve 1",
        "Bloc 2 : Animer l'équipe",
        "Compétences\tÉpreuves",
        "C3 Planifier les horaires\tÉpreuve 1 : Soutenance d'un dossier (40 min)",
    ]
)


def test_epreuves_numbered_again_in_each_bloc_are_two() -> None:
    draft = read(NUMBERED_PER_BLOC)
    case, defence = draft.modalities
    assert (case.code, case.title, case.duration_minutes) == ("E1", "Étude de cas", 120)
    assert evaluated(draft, case) == ["C1", "C2"]
    assert (defence.code, defence.title, defence.duration_minutes) == (
        "E1",
        "Soutenance d'un dossier",
        40,
    )
    assert evaluated(draft, defence) == ["C3"]
    assert case.ref != defence.ref
    (again,) = [i for i in draft.issues if "deuxième fois" in i.message]
    assert (again.severity, again.location) == (Severity.WARNING, "ligne 9")


# -- (19) bloc headings as table rows or markdown headings, « CP 1. » in list items, two
# épreuves in one cell ----------------------------------------------------------------------------

HEADINGS_IN_ROWS = "\n".join(
    [
        "Titre professionnel Serveur en restauration",
        "RNCP37000",
        "",
        "Compétences professionnelles\tCritères de performance\tModalités d'évaluation",
        "BLOC 1 — RNCP37000BC01 — Réaliser les travaux préalables au service\t\t",
        "<ul><li><b>CP 1.</b> Préparer la salle</li><li><b>CP 2.</b> Dresser les tables</li></ul>"
        "\t<ul><li>La mise en place est complète</li></ul>"
        "\tMise en situation professionnelle (2 h), entretien technique (30 min)",
        "## BLOC 2 — RNCP37000BC02 — Servir en salle",
        "<b>CP3.</b> Prendre la commande\tLa commande est juste\tQuestionnaire professionnel",
    ]
)


def test_bloc_headings_in_rows_and_two_epreuves_in_one_cell() -> None:
    draft = read(HEADINGS_IN_ROWS)
    assert draft.certification.title == "Serveur en restauration"
    assert blocs(draft) == [
        ("RNCP37000BC01", "Réaliser les travaux préalables au service"),
        ("RNCP37000BC02", "Servir en salle"),
    ]
    assert competences(draft) == [
        ("CP1", "Préparer la salle"),
        ("CP2", "Dresser les tables"),
        ("CP3", "Prendre la commande"),
    ]
    assert criteria(draft) == [
        ("La mise en place est complète", ["CP1", "CP2"]),
        ("La commande est juste", ["CP3"]),
    ]
    situation, interview, quiz = draft.modalities
    assert (situation.title, situation.kind, situation.duration_minutes) == (
        "Mise en situation professionnelle",
        ModalityKind.WORK_SITUATION,
        120,
    )
    assert (interview.title, interview.kind, interview.duration_minutes) == (
        "Entretien technique",
        ModalityKind.ORAL,
        30,
    )
    assert evaluated(draft, situation) == evaluated(draft, interview) == ["CP1", "CP2"]
    assert (quiz.kind, evaluated(draft, quiz)) == (ModalityKind.QUIZ, ["CP3"])
    # Two épreuves on one row: which one its criterion belongs to is not guessed.
    assert [c.modality_ref for c in draft.criteria()] == [None, quiz.ref]


# -- (20) what the Word conversion writes: bold codes and labels in free paragraphs ----------

WORD_PARAGRAPHS = "\n".join(
    [
        "# Référentiel d'activités, de compétences et d'évaluation",
        "<b>Intitulé :</b> Conseiller en insertion professionnelle",
        "<b>Code RNCP :</b> RNCP34001",
        "## <b>Bloc 1 : Accompagner les personnes</b>",
        "<b>Compétences évaluées :</b>",
        "<b>C1.1</b> Accueillir la personne",
        "- <b>C1.2</b> Établir un diagnostic partagé",
        "<b>Critères d'évaluation :</b>",
        "- <u>Le diagnostic</u> est partagé avec la personne (C1.2)",
        "<b>Modalités d'évaluation :</b>",
        "<b>Épreuve 1 :</b> Étude de cas écrite (3 h)",
        "<b>Épreuve 2 :</b> Entretien avec le jury (45 min) : C1.1",
    ]
)


def test_word_conversion_paragraphs() -> None:
    draft = read(WORD_PARAGRAPHS)
    cert = draft.certification
    assert (cert.code, cert.title) == ("RNCP34001", "Conseiller en insertion professionnelle")
    assert [b.title for b in draft.blocs] == ["Accompagner les personnes"]
    assert competences(draft) == [
        ("C1.1", "Accueillir la personne"),
        ("C1.2", "Établir un diagnostic partagé"),
    ]
    assert criteria(draft) == [("Le diagnostic est partagé avec la personne (C1.2)", ["C1.2"])]
    e1, e2 = draft.modalities
    assert (e1.code, e1.title, e1.kind, e1.duration_minutes) == (
        "E1",
        "Étude de cas écrite",
        ModalityKind.CASE_STUDY,
        180,
    )
    assert evaluated(draft, e1) == ["C1.1", "C1.2"]
    assert (e2.code, e2.title, e2.kind, e2.duration_minutes) == (
        "E2",
        "Entretien avec le jury",
        ModalityKind.ORAL,
        45,
    )
    assert evaluated(draft, e2) == ["C1.1"]


# -- every guess is a warning, with a location -------------------------------------------------

GUESSES = "\n".join(
    [
        "Référentiel Opérateur de tri des déchets",
        "Niveau 3",
        "",
        "Bloc 1 : Trier les déchets",
        "Compétences évaluées :",
        "C1 Identifier les matières recyclables",
        "Reconnaître les déchets dangereux",
        "Critères d'évaluation :",
        "- Les matières sont classées sans erreur",
        "Modalités d'évaluation :",
        "Mise en situation sur la chaîne de tri (1 h)",
        "Questionnaire sur les consignes de sécurité (20 min)",
    ]
)


def test_every_guess_is_a_warning_with_a_location() -> None:
    draft = read(GUESSES)
    assert [c.title for c in draft.competences()] == [
        "Identifier les matières recyclables",
        "Reconnaître les déchets dangereux",
    ]
    issues = {i.message: i for i in draft.issues}
    uncoded = issues["Compétence sans code : à compléter"]
    assert (uncoded.severity, uncoded.location) == (Severity.WARNING, "ligne 7")
    # The criteria name no compétence, nor does the épreuve: both are linked to the bloc's.
    guessed = [
        (i.severity, i.location, i.message.split(" rattaché")[0])
        for i in draft.issues
        if "toutes les compétences du bloc" in i.message
    ]
    assert guessed == [
        (Severity.WARNING, "ligne 8", "Critères"),
        (Severity.WARNING, "ligne 11", "Épreuve « Mise en situation sur la chaîne de tri »"),
        (Severity.WARNING, "ligne 12", "Épreuve « Questionnaire sur les consignes de sécurité »"),
    ]
    level = [i for i in draft.issues if "Niveau" in i.message and "déduit" in i.message]
    assert [(i.severity, i.location) for i in level] == [(Severity.WARNING, "ligne 2")]
    assert draft.certification.level == 3
    situation, quiz = draft.modalities
    assert (situation.duration_minutes, quiz.duration_minutes) == (60, 20)
    assert quiz.kind is ModalityKind.QUIZ
    for modality_draft in (situation, quiz):
        refs = modality_draft.competence_refs
        assert [c.title for c in draft.competences() if c.ref in refs] == [
            "Identifier les matières recyclables",
            "Reconnaître les déchets dangereux",
        ]


def test_criteria_listed_before_the_competences_are_a_guess_too() -> None:
    text = "\n".join(
        [
            "Intitulé : Agent de tri",
            "Bloc 1 : Trier",
            "Critères d'évaluation :",
            "- Le tri est juste",
            "Compétences évaluées :",
            "C1 Trier le verre",
            "C2 Trier le papier",
        ]
    )
    draft = read(text)
    assert criteria(draft) == [("Le tri est juste", ["C1", "C2"])]
    (guess,) = [i for i in draft.issues if i.message.startswith("Critères rattachés")]
    assert "qui les suivent" in guess.message
    assert (guess.severity, guess.location) == (Severity.WARNING, "ligne 3")


def test_a_bloc_without_epreuve_takes_the_previous_labelled_one() -> None:
    text = "\n".join(
        [
            "Intitulé : Agent polyvalent",
            "Bloc 1 : Accueillir",
            "Compétences évaluées :",
            "C1 Accueillir le public",
            "C2 Renseigner le public",
            "Modalités d'évaluation :",
            "E1 Étude de cas (1 h) : C1, C2",
            "Bloc 2 : Entretenir",
            "Compétences évaluées :",
            "C3 Entretenir les locaux",
            "Critères d'évaluation :",
            "- Les locaux sont propres",
        ]
    )
    draft = read(text)
    (e1,) = draft.modalities
    assert evaluated(draft, e1) == ["C1", "C2", "C3"]
    assert e1.bloc_refs == [b.ref for b in draft.blocs]
    assert criteria(draft) == [("Les locaux sont propres", ["C3"])]
    assert draft.criteria()[0].modality_ref == "E1"
    (guess,) = [i for i in draft.issues if i.message.startswith("Aucune épreuve indiquée")]
    assert "« Étude de cas »" in guess.message
    assert guess.severity is Severity.WARNING


def test_a_title_only_guessed_from_the_first_line_is_a_warning() -> None:
    text = "\n".join(
        [
            "",
            "Développeur web et web mobile",
            "RNCP37873",
            "",
            "Bloc 1 : Développer le front-end",
            "Compétences évaluées :",
            "C1 Maquetter une application",
        ]
    )
    draft = read(text)
    assert (draft.certification.title, draft.certification.code) == (
        "Développeur web et web mobile",
        "RNCP37873",
    )
    (guess,) = [i for i in draft.issues if "première ligne" in i.message]
    assert (guess.severity, guess.location) == (Severity.WARNING, "ligne 2")


def test_a_competence_no_modality_evaluates_is_a_warning_naming_it() -> None:
    text = "\n".join(
        [
            "Intitulé : Agent de propreté",
            "Bloc 1 : Nettoyer les locaux",
            "Compétences\tModalités d'évaluation",
            "C1 Nettoyer les sols\tE1 Mise en situation (1 h) : C1",
            "C2 Vider les corbeilles\t",
            "C3 Désinfecter les sanitaires\t",
        ]
    )
    (draft,) = parse(io.BytesIO(text.encode("utf-8")), name="x.txt")
    draft.modalities[0].competence_refs = ["C1"]
    found = [i for i in validate(draft) if "aucune modalité" in i.message]
    assert [(i.severity, i.message) for i in found] == [
        (Severity.WARNING, "Compétences évaluées par aucune modalité : C2, C3")
    ]
    draft.modalities = []
    (found,) = [i for i in validate(draft) if "aucune modalité" in i.message]
    assert found.message == "Compétences évaluées par aucune modalité : C1, C2, C3"


def test_a_long_list_of_unevaluated_competences_is_cut() -> None:
    lines = ["Intitulé : Agent de propreté", "Bloc 1 : Nettoyer", "Compétences évaluées :"]
    lines += [f"C{n} Nettoyer la pièce {n}" for n in range(1, 31)]
    (draft,) = parse(io.BytesIO("\n".join(lines).encode("utf-8")), name="x.txt")
    (found,) = [i for i in validate(draft) if "aucune modalité" in i.message]
    assert found.severity is Severity.WARNING
    assert found.message.startswith("Compétences évaluées par aucune modalité : C1, C2, ")
    assert found.message.endswith("C20… (30 en tout)")


# -- lines of these layouts in any order: a draft that holds together, or a clear refusal ------

_LAYOUT_LINES = [
    line
    for document in (
        TITRE_PRO,
        COLUMNS_WITH_CODED_MODALITIES,
        PLAIN_TEXT,
        MARKDOWN,
        COLUMNS_REVERSED,
        NESTED_ACTIVITIES,
        SHORT_BLOC_CODES,
        WORD_NUMBERED,
        TITLE_BLOCK,
        CODE_COLUMN,
        PIPE_TABLE,
        BULLETED_UNDER_ACTIVITY,
        CODE_SPANS,
        DURATION_COLUMN,
        CITED_IN_WORDS,
        TP_PROSE,
        CRITERIA_BY_CODE,
        NUMBERED_PER_BLOC,
        HEADINGS_IN_ROWS,
        WORD_PARAGRAPHS,
        GUESSES,
    )
    for line in document.splitlines()
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_LAYOUT_LINES), max_size=60))
def test_shuffled_layout_lines_only_raise_import_format_error(lines: list[str]) -> None:
    try:
        (draft,) = parse(io.BytesIO("\n".join(lines).encode("utf-8")), name="x.txt")
    except ImportFormatError:
        return
    _consistent(draft)
    refs = [c.ref for c in draft.competences()] + [m.ref for m in draft.modalities]
    refs += [a.ref for a in draft.activities()] + [b.ref for b in draft.blocs]
    assert len(refs) == len(set(refs))
    for criterion in draft.criteria():
        assert criterion.modality_ref is None or criterion.modality_ref in {
            m.ref for m in draft.modalities
        }
    assert all(i.severity is not None and i.message for i in draft.issues)
