"""Checks every import format shares, run on a draft before the preview and the save."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

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
            _("Certification title missing from the document: a provisional title is given, "
              "to be corrected."),
            _("certification"),
        )
    if not cert.code.strip():
        warning(
            _("RNCP code missing from the document: to be completed before documents are "
              "issued."),
            _("certification"),
        )
    if cert.code and not certification_code_is_valid(cert.code):
        error(_("“%(code)s” is not a certification code: RNCP or RS followed by digits "
                "(for example RNCP35609 or RS5286).") % {"code": _shown(cert.code)},
              _("certification"))
    if cert.level is not None and not 1 <= cert.level <= 8:
        error(_("Level %(level)d outside the nomenclature (3 to 8).") % {"level": cert.level},
              _("certification"))
    if not draft.blocs:
        error(_("No bloc of compétences found."))

    competence_refs = [c.ref for c in draft.competences()]
    for ref, count in Counter(competence_refs).items():
        if count > 1:
            error(_("Compétence “%(ref)s” present %(count)d times.") % {"ref": ref, "count": count})
    known_competences = set(competence_refs)
    known_modalities = {m.ref for m in draft.modalities}
    for ref, count in Counter(m.ref for m in draft.modalities).items():
        if count > 1:
            error(_("Assessment method “%(ref)s” present %(count)d times.")
                  % {"ref": ref, "count": count})

    for bloc in draft.blocs:
        # The preview editor links an issue to its item by these words, in either language
        # (certifications/views_editor.py, _issue_anchor).
        where = pgettext("issue location", "block %(name)s") % {
            "name": _shown(bloc.code) or bloc.title[:40]}
        if not bloc.title.strip():
            error(_("Bloc without title."), where)
        if bloc.code and not bloc_code_is_valid(bloc.code, certification_code=cert.code):
            error(_("“%(code)s” is not a bloc code: the certification's code, BC and "
                    "digits (for example %(example)s).")
                  % {"code": _shown(bloc.code), "example": bloc_code_example(cert.code)}, where)
        if not bloc.competences:
            warning(_("Bloc without compétence."), where)
        activity_refs = {a.ref for a in bloc.activities}
        for competence in bloc.competences:
            if not competence.title.strip():
                error(_("Compétence “%(ref)s” without title.") % {"ref": competence.ref}, where)
            if competence.activity_ref and competence.activity_ref not in activity_refs:
                error(_("Unknown activity “%(ref)s”.") % {"ref": competence.activity_ref}, where)
        for index, criterion in enumerate(bloc.criteria, start=1):
            if not criterion.text.strip():
                error(_("Criterion no. %(number)d empty.") % {"number": index}, where)
            for ref in criterion.competence_refs:
                if ref not in known_competences:
                    error(_("Criterion no. %(number)d: unknown compétence “%(ref)s”.")
                          % {"number": index, "ref": ref}, where)
            if criterion.modality_ref and criterion.modality_ref not in known_modalities:
                error(_("Criterion no. %(number)d: unknown assessment method “%(ref)s”.")
                      % {"number": index, "ref": criterion.modality_ref}, where)

    bloc_refs = {b.ref for b in draft.blocs}
    for modality in draft.modalities:
        where = pgettext("issue location", "assessment method %(name)s") % {
            "name": modality.code or modality.title[:40]}
        for ref in modality.competence_refs:
            if ref not in known_competences:
                error(_("Unknown compétence “%(ref)s”.") % {"ref": ref}, where)
        for ref in modality.bloc_refs:
            if ref not in bloc_refs:
                error(_("Unknown bloc “%(ref)s”.") % {"ref": ref}, where)

    evaluated = {ref for m in draft.modalities for ref in m.competence_refs}
    unevaluated = [c for c in draft.competences() if c.ref not in evaluated]
    if unevaluated:
        # The session opening refuses a compétence that no épreuve evaluates: say so early.
        shown = ", ".join(c.code or c.title[:40] for c in unevaluated[:_LISTED])
        if len(unevaluated) > _LISTED:
            shown += _("… (%(count)d in all)") % {"count": len(unevaluated)}
        warning(_("Compétences assessed by no assessment method: %(list)s") % {"list": shown},
                pgettext("issue location", "assessment methods"))

    if draft.scale is not None:
        numbers = [level.number for level in draft.scale.levels]
        if not numbers or sorted(numbers) != list(range(1, len(numbers) + 1)):
            error(_("The scale must number its levels from 1, without gaps."), _("scale"))
    return [*draft.issues, *found]
