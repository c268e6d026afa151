"""Checks every import format shares, run on a draft before the preview and the save."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext

from certifications.codes import (
    bloc_code_example,
    bloc_code_is_valid,
    certification_code_is_valid,
)
from certifications.importers.draft import Issue, ReferentielDraft, Severity

# An odd code is quoted in its message, shortened and on one line.
_SHOWN = 40
# A list of compétences in a message stops after this many.
_LISTED = 20


def _shown(code: str) -> str:
    return " ".join(code.split())[:_SHOWN]


def validate(draft: ReferentielDraft) -> list[Issue]:
    """Return the parser's issues followed by the shared checks' (errors block the save)."""
    found: list[Issue] = []

    def error(message: str, location: str = "") -> None:
        found.append(Issue(Severity.ERROR, message, location))

    def warning(message: str, location: str = "") -> None:
        found.append(Issue(Severity.WARNING, message, location))

    cert = draft.certification
    if not cert.title.strip():
        warning(
            "Intitulé de la certification absent du document : un intitulé provisoire "
            "est donné, à corriger.",
            "certification",
        )
    if not cert.code.strip():
        warning(
            "Code RNCP absent du document : à compléter avant la délivrance des documents.",
            "certification",
        )
    if cert.code and not certification_code_is_valid(cert.code):
        error(gettext("“%(code)s” is not a certification code: RNCP or RS followed by digits "
                      "(for example RNCP35609 or RS5286).") % {"code": _shown(cert.code)},
              "certification")
    if cert.level is not None and not 1 <= cert.level <= 8:
        error(f"Niveau {cert.level} hors de la nomenclature (3 à 8).", "certification")
    if not draft.blocs:
        error("Aucun bloc de compétences trouvé.")

    competence_refs = [c.ref for c in draft.competences()]
    for ref, count in Counter(competence_refs).items():
        if count > 1:
            error(f"Compétence « {ref} » présente {count} fois.")
    known_competences = set(competence_refs)
    known_modalities = {m.ref for m in draft.modalities}
    for ref, count in Counter(m.ref for m in draft.modalities).items():
        if count > 1:
            error(f"Modalité « {ref} » présente {count} fois.")

    for bloc in draft.blocs:
        where = f"bloc {_shown(bloc.code) or bloc.title[:40]}"
        if not bloc.title.strip():
            error("Bloc sans intitulé.", where)
        if bloc.code and not bloc_code_is_valid(bloc.code, certification_code=cert.code):
            error(gettext("“%(code)s” is not a bloc code: the certification's code, BC and "
                          "digits (for example %(example)s).")
                  % {"code": _shown(bloc.code), "example": bloc_code_example(cert.code)}, where)
        if not bloc.competences:
            warning("Bloc sans compétence.", where)
        activity_refs = {a.ref for a in bloc.activities}
        for competence in bloc.competences:
            if not competence.title.strip():
                error(f"Compétence « {competence.ref} » sans intitulé.", where)
            if competence.activity_ref and competence.activity_ref not in activity_refs:
                error(f"Activité « {competence.activity_ref} » inconnue.", where)
        for index, criterion in enumerate(bloc.criteria, start=1):
            if not criterion.text.strip():
                error(f"Critère n° {index} vide.", where)
            for ref in criterion.competence_refs:
                if ref not in known_competences:
                    error(f"Critère n° {index} : compétence « {ref} » inconnue.", where)
            if criterion.modality_ref and criterion.modality_ref not in known_modalities:
                error(
                    f"Critère n° {index} : modalité « {criterion.modality_ref} » inconnue.", where
                )

    bloc_refs = {b.ref for b in draft.blocs}
    for modality in draft.modalities:
        where = f"modalité {modality.code or modality.title[:40]}"
        for ref in modality.competence_refs:
            if ref not in known_competences:
                error(f"Compétence « {ref} » inconnue.", where)
        for ref in modality.bloc_refs:
            if ref not in bloc_refs:
                error(f"Bloc « {ref} » inconnu.", where)

    evaluated = {ref for m in draft.modalities for ref in m.competence_refs}
    unevaluated = [c for c in draft.competences() if c.ref not in evaluated]
    if unevaluated:
        # The session opening refuses a compétence that no épreuve evaluates: say so early.
        shown = ", ".join(c.code or c.title[:40] for c in unevaluated[:_LISTED])
        if len(unevaluated) > _LISTED:
            shown += f"… ({len(unevaluated)} en tout)"
        warning(f"Compétences évaluées par aucune modalité : {shown}", "modalités")

    if draft.scale is not None:
        numbers = [level.number for level in draft.scale.levels]
        if not numbers or sorted(numbers) != list(range(1, len(numbers) + 1)):
            error("L'échelle doit numéroter ses niveaux à partir de 1, sans trou.", "échelle")
    return [*draft.issues, *found]
