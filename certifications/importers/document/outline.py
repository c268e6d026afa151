"""Référentiels written as text rather than tables: label lines ("Compétences évaluées :",
"Critères d'évaluation :", "Modalité(s) d'évaluation :") open a section, and the lines below
are read as what the label announces until the next label, bloc or top-level heading.

* Under "Compétences …": coded lines ("C1.1", "CP2", "Compétence 3 :", "1.1.") are
  compétences; an uncoded line is one too, with a warning. A number alone ("1.1.") is kept as
  the document writes it (code "1.1"): no letter is invented for it.
* Under "Critères …": each line or bullet is a criterion. Criteria that name no compétence
  evaluate the compétences stated since the previous criteria list: the one compétence above
  them, or all of them with a warning (the document does not say which).
* Under "Modalités …": each coded line ("E1", "M2", "Épreuve 3 :") or line starting a new
  paragraph opens an épreuve; what follows describes it. An épreuve that names compétence
  codes (or that table rows cite by its code) evaluates those; otherwise it evaluates its
  bloc's compétences (or, under a label for the whole référentiel — a level-2 heading,
  "… communes à tous les blocs" — all of them). That is a guess, and a warning, unless the
  épreuve is its bloc's only one or its label says it is common to all blocs.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from certifications.importers.document.codes import (
    ACTIVITY_AT,
    COMPETENCE_AT,
    COMPETENCE_WORD,
    FIELD_LABEL,
    MODALITY_CODE,
    MODALITY_START,
    NUMBERED_AT,
    ONLY_CODES,
    codes_in,
    modality_code,
    norm_code,
)
from certifications.importers.document.reading import (
    LEAD_BULLET,
    code_title,
    first_sentence,
    free_modality_heading,
    join_text,
    starts_lower,
)
from certifications.importers.document.state import CriteriaGroup, ParserState, Role
from certifications.importers.draft import line_location

_LABEL_END = r"\s*(?::\s*(?P<rest>.*))?$"
_COMPETENCES_LABEL = re.compile(
    r"^\s*(?:liste\s+des\s+)?(?:comp[ée]tences|capacit[ée]s)"
    r"(?:\s+(?:[ée]valu[ée]es|attest[ée]es|vis[ée]es|professionnelles|associ[ée]es|"
    r"[àa]\s+[ée]valuer))?" + _LABEL_END,
    re.I | re.S,
)
_CRITERIA_LABEL = re.compile(
    r"^\s*(?:crit[èe]res|indicateurs)(?:\s+d['’]\s?[ée]valuation|\s+de\s+(?:performance|"
    r"r[ée]ussite|validation))?" + _LABEL_END,
    re.I | re.S,
)
_MODALITY_LABEL = re.compile(
    r"^\s*(?:modalit[ée](?:\(s\)|s)?(?:\s+d['’]\s?[ée]valuation|\s+de\s+validation|"
    r"\s+de\s+certification)?|[ée]preuves?(?:\s+d['’]\s?[ée]valuation)?)"
    r"(?P<tail>(?:\s+(?:communes?|pour|de\s+la|du|des)\b[^:]{0,80})?)" + _LABEL_END,
    re.I | re.S,
)
_LIST_NUMBER = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*[.)]\s+")
_COMMON = re.compile(r"commun|tous|toutes|ensemble", re.I)
_GLOBAL_TAIL = re.compile(r"commun|tous|toutes|ensemble|certification|r[ée]f[ée]rentiel", re.I)


class OutlineMixin(ParserState):
    """The parser's reading of lines of their own inside the référentiel: label lines and the
    sections they open, and items or cut cell halves outside any section."""

    def _label_line(self, number: int, text: str, level: int) -> bool:
        """A label line opens a section: True when ``text`` is one."""
        if LEAD_BULLET.match(text) or len(text) > 300:
            return False
        for pattern, role in (
            (_COMPETENCES_LABEL, Role.COMPETENCE),
            (_CRITERIA_LABEL, Role.CRITERIA),
            (_MODALITY_LABEL, Role.MODALITY),
        ):
            match = pattern.match(text)
            if not match:
                continue
            tail = match.groupdict().get("tail") or ""
            rest = (match.group("rest") or "").strip()
            if (
                role is Role.COMPETENCE
                and self.section is Role.MODALITY
                and self.section_modality is not None
                and ONLY_CODES.fullmatch(rest)
                and codes_in(rest)
            ):
                # "Compétences évaluées : C1, C2" under an épreuve: what it evaluates.
                self.section_modality.codes += codes_in(rest)
                return True
            if not self.blocs and not (role is Role.MODALITY and _GLOBAL_TAIL.search(tail)):
                return False  # before the blocs, only épreuves for the whole référentiel
            self.section = role
            self.section_modality = None
            self.section_global = role is Role.MODALITY and (
                (0 < level <= 2) or bool(_GLOBAL_TAIL.search(tail))
            )
            self.section_common = self.section_global and bool(_COMMON.search(tail))
            self.in_ref = True
            if role is Role.CRITERIA:
                self._open_criteria(number)
            if rest:
                self._outline_line(number, rest, rest, 0)
            return True
        return False

    def _open_criteria(self, number: int) -> None:
        """A new criteria list, evaluating the compétences stated since the previous one."""
        bloc = self._ensure_bloc(number)
        since = bloc.groups[-1].line if bloc.groups else 0
        scope = [c for line, c in bloc.competence_lines if line > since]
        bloc.groups.append(CriteriaGroup(number, scope=scope or None, labelled=True))
        self.last_role = Role.CRITERIA

    def _outline_line(self, number: int, raw: str, text: str, level: int) -> bool:
        """A line inside a section; False when it ends the section (the caller reads it)."""
        if 0 < level <= 2:
            self.section = None
            return False
        if self.section is Role.COMPETENCE:
            return self._competence_line(number, raw, text)
        coded = COMPETENCE_AT.match(text)
        if coded and norm_code(coded.group("code")) in self._code_map():
            pass  # "C1.1 : Le bilan est complet": a line about a compétence stated above
        elif (
            coded
            or COMPETENCE_WORD.match(text)
            or (ACTIVITY_AT.match(text) and not LEAD_BULLET.match(text))
        ):
            self.section = None  # a compétence after its criteria: the section is over
            return False
        if self.section is Role.CRITERIA:
            # "1. Le plan…", "2) …": the numbering of a list is not part of the criterion.
            self._criteria(number, _LIST_NUMBER.sub("", raw, count=1), from_cell=False)
            return True
        self._modality_line(number, raw, text)
        return True

    def _competence_line(self, number: int, raw: str, text: str) -> bool:
        bullet = bool(LEAD_BULLET.match(text)) and not NUMBERED_AT.match(text)
        item = LEAD_BULLET.sub("", text, count=1).strip() if bullet else text
        if not item:
            return True
        last = (
            self.bloc.draft.competences[-1] if self.bloc and self.bloc.draft.competences else None
        )
        if (match := ACTIVITY_AT.match(item)) and not bullet:
            self._new_activity(
                number, match.group("num") or match.group("num2"), match.group("rest")
            )
        elif match := COMPETENCE_AT.match(item):
            self._new_competence(number, match.group("code"), item if bullet else raw)
        elif self._word_competence(number, item):
            pass
        elif match := NUMBERED_AT.match(item):
            self._new_competence(number, match.group("code"), match.group("rest"))
        elif starts_lower(item) and last is not None:
            last.title = join_text(last.title, item)
        elif bullet and last is not None and last.code and self.last_role is Role.COMPETENCE:
            # A bullet under a coded compétence details it: "C1 Gérer l'agenda" / "- Priorités".
            last.description = f"{last.description}\n- {item}".strip()
        else:
            self._new_competence(number, "", item)
        return True

    def _word_competence(self, number: int, text: str) -> bool:
        """ "Compétence 1 : Collecter …" → C1, with one warning for the document."""
        match = COMPETENCE_WORD.match(text)
        if not match:
            return False
        code = f"C{match.group('num')}"
        if not self.word_codes_line:
            self.word_codes_line = number
            self.draft.warn(
                _("Compétence codes deduced from their number (“Compétence %(number)s” → "
                  "%(code)s): to be checked") % {"number": match.group("num"), "code": code},
                line_location(number),
            )
        self._new_competence(number, code, match.group("rest"))
        return True

    def _modality_line(self, number: int, raw: str, text: str) -> None:
        item = LEAD_BULLET.sub("", text, count=1).strip()
        if not item:
            return
        current = self.section_modality
        match = MODALITY_CODE.match(item)
        opens = (
            match is not None
            or current is None
            or (bool(MODALITY_START.match(item)) and not FIELD_LABEL.match(item))
        )
        if not opens and current is not None:
            self._modality_text(number, item, modality=current)
            return
        if match:
            code = modality_code(match)
            title, rest = code_title(match.group("rest"), raw if raw != text else item)
        else:
            code = ""
            title, rest = first_sentence(item)
        modality = self._new_modality(
            number,
            code,
            title,
            rest,
            fragment=item,
            scope="global" if self.section_global else "bloc",
        )
        modality.common = modality.common or self.section_common
        self.section_modality = modality

    # -- lines of their own inside the référentiel (outside any section) ------------------
    def _ref_line(self, number: int, raw: str, text: str, level: int) -> None:
        """A line of its own inside the référentiel: a cut cell half, or a whole item."""
        bloc = self._ensure_bloc(number)
        item = LEAD_BULLET.sub("", text, count=1) if LEAD_BULLET.match(text) else ""
        if item and self.roles is None and (match := COMPETENCE_AT.match(item)):
            # "- C1 Régler la machine": a list of coded compétences (no table here).
            self._new_competence(number, match.group("code"), item)
        elif match := COMPETENCE_AT.match(text):
            self._new_competence(number, match.group("code"), text if level else raw)
        elif self._word_competence(number, text):
            pass
        elif (match := ACTIVITY_AT.match(text)) and not LEAD_BULLET.match(text):
            self._new_activity(
                number, match.group("num") or match.group("num2"), match.group("rest")
            )
        elif (heading := free_modality_heading(raw, text, level)) is not None:
            # Outside the table the épreuve no longer sits beside its compétences: it is the
            # bloc's, not the next rows'.
            bloc.free_rows.add(number)
            self._new_modality(number, *heading, fragment=raw)
        elif LEAD_BULLET.match(text):
            self._free_bullet(number, raw, text)
        elif starts_lower(text):
            self._continue(number, text, role_hint=None, raw=raw)
        elif not bloc.draft.title and not bloc.has_content():
            bloc.draft.title = text.rstrip(" :")
            self._register(Role.BLOC, bloc.draft, "title", number)
            self.last_role = Role.BLOC
        elif self.last_role is Role.MODALITY:
            self._modality_text(number, text)
        else:
            # Prose after the tables: the référentiel is over.
            self.in_ref = False
            self._meta_line(number, text, level=level)

    def _free_bullet(self, number: int, raw: str, text: str) -> None:
        """A bullet alone on its line belongs to the list it follows: criteria or épreuve."""
        item = LEAD_BULLET.sub("", text, count=1).strip()
        if not item:
            return
        if self.last_role is Role.CRITERIA:
            self._criteria(number, raw, from_cell=False)
        elif (
            self.last_role is Role.COMPETENCE
            and self.roles is None
            and not self._current_modality()
        ):
            # Bullets under a compétence stated as a heading ("### C2.3 …"): its criteria.
            self._open_criteria(number)
            self._criteria(number, raw, from_cell=False)
        elif self.last_role in (Role.MODALITY, Role.COMPETENCE) and self._current_modality():
            self._modality_text(number, f"- {item}")
        elif self.last_role is Role.BLOC or self.last_role is Role.ACTIVITY:
            self._sink(number, self.last_role, [item])
        else:
            self.in_ref = False
            self._meta_line(number, text, level=0)
