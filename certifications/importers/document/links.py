"""Links a table states only by position, resolved once every line is read: criteria
beside compétence rows evaluate them, an épreuve stated once covers the rows below it (and
the next blocs that state none), and each épreuve's text gives its kind and duration."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from certifications.importers.document.codes import (
    TEAM,
    codes_in,
    duration_in,
    modality_kind,
    without_duration,
)
from certifications.importers.document.state import (
    BlocState,
    ModalityState,
    ParserState,
)
from certifications.importers.draft import line_location
from certifications.vocabulary import ModalityKind

_SPAN = r"\d{1,2}\s*(?:h|heures?)(?:\s*\d{2})?(?:\s*min(?:utes?)?)?|\d{1,3}\s*min(?:utes?)?"
_ONLY_DURATION = re.compile(
    rf"\s*(?:dur[ée]e\s*:?\s*)?(?:{_SPAN})(?:\s*(?:\+|et)\s*(?:{_SPAN}))*\s*\.?\s*", re.I
)


class LinksMixin(ParserState):
    """The parser's end: links that only positions state."""

    def _code_map(self) -> dict[str, str]:
        return {c.code: c.ref for c in self.draft.competences() if c.code}

    def _link_bloc(self, bloc: BlocState) -> None:
        """Criteria beside compétence rows evaluate the compétences of those rows."""
        codes = self._code_map()
        groups = bloc.groups
        for index, group in enumerate(groups):
            end = groups[index + 1].line if index + 1 < len(groups) else 10**9
            if group.scope:
                span = [c.ref for c in group.scope]
            else:
                span = [c.ref for line, c in bloc.competence_lines if group.line <= line < end]
            if not span:
                before = [c.ref for line, c in bloc.competence_lines if line <= group.line]
                span = before[-1:]
            modality = self._modality_at(bloc, group.line)
            guessed = False
            for criterion in group.criteria:
                named = [codes[c] for c in codes_in(criterion.text) if c in codes]
                criterion.competence_refs = named or list(span)
                criterion.modality_ref = modality.draft.ref if modality else None
                guessed = guessed or not named
            if group.labelled and len(span) > 1 and guessed:
                message = (
                    _("Criteria linked to every compétence of the bloc before them (no "
                      "compétence named): to be checked")
                    if group.scope
                    else _("Criteria linked to every compétence of the bloc after them (no "
                           "compétence named): to be checked")
                )
                self.draft.warn(message, line_location(group.line))

    @staticmethod
    def _modality_at(bloc: BlocState, line: int) -> ModalityState | None:
        stated = [(n, m) for n, m in bloc.modalities if n <= line]
        if not stated:
            labelled = {id(m): m for _n, m in bloc.modalities if m.scope == "bloc"}
            if bloc.inherited is None and len(labelled) == 1 and len(bloc.modalities) == 1:
                # Criteria listed before the bloc's one labelled épreuve: that épreuve's.
                return next(iter(labelled.values()))
            return bloc.inherited
        last_line = stated[-1][0]
        same_row = {id(m) for n, m in stated if n == last_line}
        return stated[-1][1] if len(same_row) == 1 else None  # two épreuves on one row: unsure

    def _inherit_modalities(self) -> None:
        """A bloc that states no épreuve is assessed by the one stated just before it (the
        épreuve column of these tables often spans several blocs)."""
        previous: ModalityState | None = None
        for bloc in self.blocs:
            if bloc.modalities:
                previous = bloc.modalities[-1][1]
                continue
            if previous is None or not bloc.draft.competences:
                continue
            bloc.inherited = previous
            previous.draft.bloc_refs.append(bloc.draft.ref)
            previous.draft.competence_refs += [c.ref for c in bloc.draft.competences]
            for criterion in bloc.draft.criteria:
                criterion.modality_ref = criterion.modality_ref or previous.draft.ref
            title = without_duration(previous.draft.title)
            self.draft.warn(
                _("No épreuve stated for the bloc “%(bloc)s”: linked to the épreuve "
                  "“%(epreuve)s”, to be checked")
                % {"bloc": bloc.draft.title[:60], "epreuve": title[:60]},
                bloc.draft.ref,
            )

    def _finish_modality(self, modality: ModalityState) -> None:
        draft = modality.draft
        codes = self._code_map()
        inherited = list(draft.competence_refs)  # of blocs that state no épreuve
        refs = list(inherited)
        cited: list[str] = []  # compétences of the table rows that state or cite it
        for bloc in self.blocs:
            rows = [n for n, m in bloc.modalities if m is modality]
            for row in rows:
                span = self._modality_span(bloc, row)
                refs += span
                if row not in bloc.free_rows:
                    cited += span
        named = [codes[c] for c in dict.fromkeys(modality.codes) if c in codes]
        self._describe(modality)
        if modality.scope != "row":
            stated = named + cited
            refs = self._labelled_refs(modality, stated + inherited if stated else [], refs)
        else:
            refs += named
        order = {c.ref: i for i, c in enumerate(self.draft.competences())}
        draft.competence_refs = sorted(dict.fromkeys(refs), key=lambda r: order.get(r, 0))
        if modality.scope != "row":
            evaluated = set(draft.competence_refs)
            draft.bloc_refs = [
                b.draft.ref
                for b in self.blocs
                if any(c.ref in evaluated for c in b.draft.competences)
            ]

    def _labelled_refs(
        self, modality: ModalityState, stated: list[str], in_bloc: list[str]
    ) -> list[str]:
        """An épreuve under a label evaluates the compétences it names or that rows citing it
        state, else its bloc's (or every bloc's, under a label for the whole référentiel):
        that last reading is a guess, so a warning."""
        if stated:
            return stated
        title = modality.draft.title[:60]
        if modality.scope == "global":
            if not modality.common:
                self.draft.warn(
                    _("Épreuve “%(title)s” linked to every compétence of the référentiel (no "
                      "compétence named): to be checked") % {"title": title},
                    line_location(modality.line),
                )
            return [c.ref for c in self.draft.competences()]
        alone = all(
            m is modality
            for bloc in self.blocs
            if any(m is modality for _n, m in bloc.modalities)
            for _n, m in bloc.modalities
        )
        if len(set(in_bloc)) > 1 and not alone:
            self.draft.warn(
                _("Épreuve “%(title)s” linked to every compétence of the bloc (no compétence "
                  "named): to be checked") % {"title": title},
                line_location(modality.line),
            )
        return in_bloc

    @staticmethod
    def _modality_span(bloc: BlocState, row: int) -> list[str]:
        if row in bloc.free_rows:
            return [c.ref for c in bloc.draft.competences]
        later = [n for n, _m in bloc.modalities if n > row]
        end = later[0] if later else 10**9
        span = [c.ref for line, c in bloc.competence_lines if row <= line < end]
        return span or [c.ref for c in bloc.draft.competences]

    @staticmethod
    def _describe(modality: ModalityState) -> None:
        """Sort the épreuve's text into what the candidate does, hands in, and for how long."""
        draft = modality.draft
        does: list[str] = []
        hands_in: list[str] = []
        for part in modality.parts:
            label = re.match(
                r"^\s*ce\s+que\s+(?:le\s+candidat\s+)?doit\s+(\w+)[^:]{0,30}:\s*", part, re.I
            )
            if label and label.group(1).lower() in ("restituer", "rendre", "produire", "remettre"):
                hands_in.append(part[label.end() :])
            elif label:
                does.append(part[label.end() :])
            elif m := re.match(r"^\s*livrables?\s*:\s*", part, re.I):
                hands_in.append(part[m.end() :])
            elif not _ONLY_DURATION.fullmatch(part):  # "1 h 15" alone: the duration's
                does.append(part)
        draft.description = "\n".join(t for t in does if t)
        draft.deliverables = "\n".join(t for t in hands_in if t)
        everything = " ".join([draft.title, *modality.parts])
        draft.kind = modality_kind(draft.title)
        if draft.kind is ModalityKind.OTHER:
            draft.kind = modality_kind(everything)
        draft.team = bool(TEAM.search(everything))
        minutes, matches = duration_in(everything)
        spans = [
            " ".join([*everything[max(0, m.start() - 40) : m.start()].split()[-2:], m.group(0)])
            for m in matches
        ]
        if minutes:
            draft.duration_minutes = minutes
            draft.duration_text = " + ".join(spans)
            draft.title = without_duration(draft.title) or draft.title
