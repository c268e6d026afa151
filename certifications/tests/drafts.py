"""Small hand-built drafts for tests that need a référentiel without a parser."""

from datetime import date

from certifications.importers.draft import (
    ActivityDraft,
    BlocDraft,
    CertificationDraft,
    CompetenceDraft,
    CriterionDraft,
    ModalityDraft,
    ReferentielDraft,
    RequirementDraft,
)
from certifications.vocabulary import ModalityKind


def make_draft(code: str = "RNCP99999", blocs: int = 2, competences: int = 2) -> ReferentielDraft:
    bloc_drafts = []
    for b in range(1, blocs + 1):
        competence_drafts = [
            CompetenceDraft(ref=f"C{b}.{c}", code=f"C{b}.{c}", title=f"Compétence {b}.{c}",
                            activity_ref=f"A{b}")
            for c in range(1, competences + 1)
        ]
        bloc_drafts.append(
            BlocDraft(
                ref=f"{code}BC0{b}", code=f"{code}BC0{b}", title=f"Bloc {b}",
                activities=[ActivityDraft(ref=f"A{b}", code=f"A{b}", title=f"Activité {b}")],
                competences=competence_drafts,
                criteria=[
                    CriterionDraft(text=f"Critère {b}.{c.ref}", competence_refs=[c.ref],
                                   modality_ref="E1")
                    for c in competence_drafts
                ],
            )
        )
    every_competence = [c.ref for bloc in bloc_drafts for c in bloc.competences]
    return ReferentielDraft(
        certification=CertificationDraft(
            code=code, title="Chef de projet de démonstration", level=7, nsf_codes=["326"],
            registration_date=date(2024, 5, 19), registration_end_date=date(2029, 5, 19),
            requirements=[RequirementDraft(label="Mission en entreprise d'au moins 3 mois")],
        ),
        blocs=bloc_drafts,
        modalities=[
            ModalityDraft(ref="E1", code="E1", title="Étude de cas", kind=ModalityKind.CASE_STUDY,
                          duration_minutes=30, competence_refs=every_competence,
                          bloc_refs=[b.ref for b in bloc_drafts]),
        ],
        source_format="test",
    )
