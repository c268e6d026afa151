"""The référentiel tables: header rows give columns their roles, rows and their cells make
blocs, activities, compétences, épreuves and criteria (text cut off by a page break goes to
:mod:`.continuations`, lines of their own to :mod:`.outline`)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from certifications.importers.document.codes import (
    ACTIVITY_AT,
    BLOC_CODE,
    BLOC_WORD,
    COMPETENCE_ANY,
    COMPETENCE_AT,
    INLINE_COMPETENCE,
    MODALITY_PAIR,
    ONLY_CODES,
    codes_in,
    norm_code,
    without_duration,
)
from certifications.importers.document.reading import (
    cell_fragments,
    clean,
    criteria_items,
    join_text,
    modality_heading,
    split_bullets,
    starts_lower,
    terminated,
    title_and_description,
)
from certifications.importers.document.state import (
    BlocState,
    CriteriaGroup,
    ModalityState,
    ParserState,
    Role,
)
from certifications.importers.draft import (
    ActivityDraft,
    BlocDraft,
    CompetenceDraft,
    CriterionDraft,
    ModalityDraft,
    line_location,
)

_CODE_HEADER = re.compile(
    r"\s*(?:codes?|n\s*°|num[ée]ros?|r[ée]f(?:[ée]rence)?s?|coefficients?|pond[ée]rations?|"
    r"poids|observations?|commentaires?|remarques?)\.?\s*",
    re.I,
)
_LONE_CODE = re.compile(
    r"\s*(?:(?:B?C|CP)\s?\d{1,2}(?:\.\d{1,2}){0,3}|(?:RNCP\d{3,6})?BC\d{1,2})\.?\s*"
)
# "E1, E2", "Modalité M1", "voir M1 (ci-dessus)": épreuves cited by their codes only.
_MODALITY_CODES = re.compile(
    r"\s*(?:(?:voir|cf\.?|modalit[ée]s?|[ée]preuves?)\s*:?\s*)?"
    r"(?:[EM]\s?\d{1,2})(?:\s*(?:,|;|/|\+|et)\s*[EM]\s?\d{1,2})*\s*(?:\([^()]{0,60}\))?\s*\.?\s*",
    re.I,
)
_BARE_BLOC = re.compile(r"(?:RNCP\s?\d{3,6})?\s*BC\s?\d{1,2}|bloc\s+\d{1,2}", re.I)


def _other_title(stated: str, title: str, code: str) -> bool:
    """Whether an épreuve code stated again comes with a title of its own, not its first
    one ("M1" alone, "M1 (voir ci-dessus)" or the same words cite the épreuve stated before)."""

    def words(text: str) -> str:
        return re.sub(r"\W+", " ", without_duration(text)).strip().lower()

    first, again = words(stated), words(title)
    if not again or again == code.lower() or first == code.lower():
        return False
    if again.startswith(("voir", "cf")):
        return False
    return not (first.startswith(again) or again.startswith(first))


class TablesMixin(ParserState):
    """The parser's reading of table rows and of the lines inside the référentiel.

    Prose met inside the tables (the référentiel is over) goes to
    :class:`~.facts.FactsMixin` (``_meta_row``, ``_meta_line``).
    """

    # -- table headers ---------------------------------------------------------------------
    _HEADER_WORDS = (
        (re.compile(r"\bblocs?\b", re.I), Role.BLOC),
        (re.compile(r"activit", re.I), Role.ACTIVITY),
        (re.compile(r"comp[ée]tence", re.I), Role.COMPETENCE),
        (re.compile(r"modalit|[ée]preuve|dur[ée]e", re.I), Role.MODALITY),
        (re.compile(r"crit[èe]re", re.I), Role.CRITERIA),
        (re.compile(r"[ée]valuation|certification", re.I), Role.EVALUATION),
    )

    def _header_roles(self, texts: list[str]) -> dict[int, Role] | None:
        """Column roles if this row is a référentiel table header, else None."""
        filled = [(i, t) for i, t in enumerate(texts) if t]
        if len(filled) < 2:
            return None
        roles: dict[int, Role] = {}
        for index, text in filled:
            # Header cells name a column near their start and hold no code (a cell such as
            # "Evaluation C3.1.4 … critères suivants" is content, not a header).
            if len(text) > 250 or COMPETENCE_ANY.search(text) or BLOC_WORD.match(text):
                return None
            head = text[:32]
            found = [(m.start(), role) for rx, role in self._HEADER_WORDS if (m := rx.search(head))]
            if not found and _CODE_HEADER.fullmatch(text):
                found = [(0, Role.NONE)]  # a column of codes: merged into the row's cells
            if not found:
                return None
            roles[index] = min(found)[1]
        if set(roles.values()) <= {Role.EVALUATION, Role.NONE}:
            return None
        return roles

    def _header(self, number: int, roles: dict[int, Role]) -> None:
        if self.roles is not None and number - self.header_line <= 2:
            self.roles = {**self.roles, **roles}
        else:
            self.roles = roles
        self.header_line = number
        self.in_ref = True
        self.access_yes_col = None

    def _role_map(self, width: int) -> dict[int, Role]:
        if self.roles:
            return {
                i: (Role.MODALITY if r is Role.EVALUATION else r) for i, r in self.roles.items()
            }
        # No header seen: the usual layouts by width.
        layouts = {
            2: [Role.COMPETENCE, Role.MODALITY],
            3: [Role.COMPETENCE, Role.MODALITY, Role.CRITERIA],
            4: [Role.ACTIVITY, Role.COMPETENCE, Role.MODALITY, Role.CRITERIA],
        }
        return dict(enumerate(layouts.get(width, [Role.COMPETENCE])))

    # -- table rows ------------------------------------------------------------------------
    def _row(self, number: int, cells: list[str], texts: list[str]) -> None:
        starts_bloc = any(BLOC_WORD.match(t) or BLOC_CODE.match(t) for t in texts if t)
        if not self.in_ref and not starts_bloc:
            self._meta_row(number, texts)
            return
        self.in_ref = True
        self.section = None
        roles = self._role_map(len(cells))
        cells = self._merge_code_cells(cells, texts, roles)
        # Cells are read bloc first, criteria last, whatever the column order: a row's
        # criteria belong to the bloc and compétences stated on the same row.
        for index in sorted(range(len(cells)), key=lambda i: roles.get(i, Role.NONE)):
            if texts[index]:
                self._cell(number, roles.get(index, Role.NONE), cells[index])

    @staticmethod
    def _merge_code_cells(cells: list[str], texts: list[str], roles: dict[int, Role]) -> list[str]:
        """A "Code" column beside the wording: "C1" | "Réaliser…" is "C1 Réaliser…"."""
        codes = [
            i
            for i, t in enumerate(texts)
            if roles.get(i, Role.NONE) is Role.NONE and _LONE_CODE.fullmatch(t)
        ]
        if not codes:
            return cells
        cells = list(cells)
        for index in codes:
            code = texts[index]
            wanted = Role.BLOC if BLOC_CODE.match(code) else Role.COMPETENCE
            target = next((i for i, r in roles.items() if r is wanted and texts[i]), None)
            if target is not None and not COMPETENCE_AT.match(texts[target]):
                cells[target] = (
                    f"{code} – {cells[target]}"
                    if wanted is Role.BLOC
                    else (f"{code} {cells[target]}")
                )
                cells[index] = ""
        return cells

    def _cell(self, number: int, role: Role, raw: str) -> None:
        if role in (Role.BLOC, Role.ACTIVITY):
            self._bloc_cell(number, role, raw)
        elif role is Role.COMPETENCE:
            self._competence_cell(number, raw)
        elif role is Role.MODALITY:
            self._modality_cell(number, raw)
        elif role is Role.CRITERIA:
            self._criteria(number, raw, from_cell=True)

    def _bloc_cell(self, number: int, role: Role, raw: str) -> None:
        """Column of blocs and/or activities: headings, activity codes, titles."""
        for index, (fragment, _in_li) in enumerate(cell_fragments(raw)):
            text = clean(fragment)
            head, items = split_bullets(text)
            if not head:
                # Sub-tasks of an activity: kept out of the draft, but a page break may cut them.
                self._sink(number, role, items)
                continue
            if items and _BARE_BLOC.fullmatch(head):
                # "BC01 – Accueillir…": the dash after the code is not a bullet.
                head, items = f"{head} – {items[0]}", items[1:]
            if self._try_bloc_heading(number, head):
                continue
            if (match := ACTIVITY_AT.match(head)) and self.bloc:
                self._new_activity(
                    number, match.group("num") or match.group("num2"), match.group("rest")
                )
            elif starts_lower(head) and index == 0:
                self._continue(number, head, role_hint=role, raw=fragment)
            elif (
                (bloc := self._ensure_bloc(number))
                and not bloc.draft.title
                and not bloc.has_content()
            ):
                bloc.draft.title = head.rstrip(" :")
                self._register(Role.BLOC, bloc.draft, "title", number)
            elif role is Role.ACTIVITY:
                self._new_activity(number, None, head)
            else:
                self._append_title(number, head)
            self._sink(number, role, items)

    def _competence_cell(self, number: int, raw: str) -> None:
        pieces: list[str] = []
        for fragment, _in_li in cell_fragments(raw):
            pieces += [p for p in INLINE_COMPETENCE.split(fragment) if clean(p)]
        for index, fragment in enumerate(pieces):
            text = clean(fragment)
            if self._try_bloc_heading(number, text):
                continue
            if match := COMPETENCE_AT.match(text):
                self._new_competence(number, match.group("code"), fragment)
            elif starts_lower(text) or (index == 0 and self._is_cut_bold(fragment)):
                self._continue(number, text, role_hint=Role.COMPETENCE, raw=fragment)
            elif (
                (bloc := self._ensure_bloc(number))
                and not bloc.draft.title
                and not bloc.has_content()
            ):
                bloc.draft.title = text.rstrip(" :")
                self._register(Role.BLOC, bloc.draft, "title", number)
            elif bloc.draft.competences and bloc.draft.competences[-1].code:
                last = bloc.draft.competences[-1]
                if not last.title:
                    # "<p><b>C1.1</b></p><p>Réaliser…</p>": the code alone, then its wording.
                    last.title, description = title_and_description(fragment)
                    last.description = join_text(last.description, description)
                    self._register(Role.COMPETENCE, last, "title", number)
                    continue
                # Prose under a coded compétence: more of its description.
                last.description = join_text(last.description, text)
                self._register(Role.COMPETENCE, last, "description", number)
            else:
                self._new_competence(number, "", fragment)

    @staticmethod
    def _is_cut_bold(fragment: str) -> bool:
        # "<b>entreprise</b> - Cette compétence…": the end of a bold title cut by a page break.
        match = re.match(r"\s*<(b|strong)>(.*?)</\1>", fragment, re.S | re.I)
        return bool(match) and starts_lower(clean(match.group(2)))

    # -- blocs, activities, compétences ----------------------------------------------------
    def _try_bloc_heading(self, number: int, text: str) -> bool:
        match = BLOC_CODE.match(text) or BLOC_WORD.match(text)
        if not match:
            return False
        title = match.group("title").strip(" :-–—")
        if len(title) > 400:
            return False
        code = ""
        if "rncp" in match.groupdict():  # BLOC_CODE: "RNCP35609BC01", "BC01"
            rncp = norm_code(match.group("rncp") or "")
            code = f"{rncp}BC{int(match.group('num')):02d}"
        elif inner := BLOC_CODE.match(title):
            # "BLOC 1 — RNCP37873BC01 — Développer…": the code between the number and title.
            rncp = norm_code(inner.group("rncp") or "")
            code = f"{rncp}BC{int(inner.group('num')):02d}"
            title = inner.group("title").strip(" :-–—")
        num = int(match.group("num"))
        bloc = self.bloc
        if (
            bloc is not None
            and bloc.has_content()
            and (code == bloc.draft.code if code else num == bloc.number)
            and title in ("", bloc.draft.title)
        ):
            return True  # the bloc stated again on each of its rows
        self._new_bloc(number, num, code, title)
        return True

    def _new_bloc(self, number: int, num: int, code: str, title: str) -> BlocState:
        ref = f"bloc{len(self.blocs) + 1}"
        bloc = BlocState(BlocDraft(ref=ref, code=code, title=title), number=num)
        self.blocs.append(bloc)
        self.draft.blocs.append(bloc.draft)
        self.paras = []
        self.pointer = None
        self.in_ref = True
        self.section = None
        self.section_modality = None
        self.last_role = Role.BLOC
        if title:
            self._register(Role.BLOC, bloc.draft, "title", number)
        return bloc

    def _ensure_bloc(self, number: int) -> BlocState:
        if self.bloc is None:
            self.draft.warn(
                _("Content before the first bloc: a bloc was created"), line_location(number)
            )
            return self._new_bloc(number, 1, "", "")
        return self.bloc

    def _append_title(self, number: int, text: str) -> None:
        bloc = self._ensure_bloc(number)
        bloc.draft.title = join_text(bloc.draft.title, text)

    def _new_activity(self, number: int, num: str | None, title: str) -> None:
        bloc = self._ensure_bloc(number)
        code = f"A{norm_code(num)}" if num else ""
        ref = self._unique_ref(code, f"{bloc.draft.ref}-a{len(bloc.draft.activities) + 1}")
        activity = ActivityDraft(ref=ref, code=code, title=clean(title).rstrip(" :"))
        bloc.draft.activities.append(activity)
        bloc.activity, bloc.activity_line = activity, number
        bloc.row_activities[number] = bloc.row_activities.get(number, 0) + 1
        self._register(Role.ACTIVITY, activity, "title", number)
        self.last_role = Role.ACTIVITY

    def _new_competence(self, number: int, raw_code: str, fragment: str) -> None:
        bloc = self._ensure_bloc(number)
        code = norm_code(raw_code) if raw_code else ""
        title, description = title_and_description(fragment)
        ref = self._unique_ref(code, f"{bloc.draft.ref}-c{len(bloc.draft.competences) + 1}")
        if code and ref != code:
            self.draft.warn(
                _("Compétence code %(code)s given twice") % {"code": code}, line_location(number)
            )
        if not code:
            self.draft.warn(_("Compétence without code: to be completed"), line_location(number))
        competence = CompetenceDraft(ref=ref, code=code, title=title, description=description)
        # An activity stated on the same row as several others is ambiguous: no link.
        if bloc.activity and bloc.row_activities.get(bloc.activity_line, 0) == 1:
            competence.activity_ref = bloc.activity.ref
        bloc.draft.competences.append(competence)
        bloc.competence_lines.append((number, competence))
        self._register(
            Role.COMPETENCE, competence, "description" if description else "title", number
        )
        self.last_role = Role.COMPETENCE

    def _unique_ref(self, code: str, fallback: str) -> str:
        taken = {a.ref for a in self.draft.activities()} | {c.ref for c in self.draft.competences()}
        taken |= {m.draft.ref for m in self.modalities}
        if code and code not in taken:
            return code
        ref, n = fallback, 1
        while ref in taken:
            n += 1
            ref = f"{fallback}-{n}"
        return ref

    # -- épreuves (modalités) ----------------------------------------------------------------
    def _modality_cell(self, number: int, raw: str) -> None:
        text = clean(raw)
        if len(text) <= 200 and (pair := MODALITY_PAIR.match(text)):
            for part in (pair.group("first"), pair.group("second")):
                part = part.strip()
                title = part[:1].upper() + part[1:]
                self._new_modality(number, "", title, "", fragment=part)
            return
        if _MODALITY_CODES.fullmatch(text):
            # "E1, E2": épreuves described elsewhere, cited by their codes.
            cited = re.sub(r"\([^()]*\)", "", text)
            for found in re.finditer(r"\b([EM])\s?(\d{1,2})\b", cited):
                code = f"{found.group(1).upper()}{found.group(2)}"
                if code not in self.by_code:
                    self.draft.warn(
                        _("Épreuve %(code)s cited without description: to be completed")
                        % {"code": code},
                        line_location(number),
                    )
                self._new_modality(number, code, code, "", fragment=code)
            return
        for index, (fragment, in_li) in enumerate(cell_fragments(raw)):
            heading = modality_heading(fragment, first=index == 0 and not in_li)
            if heading is not None:
                self._new_modality(number, *heading, fragment=fragment)
            elif self._current_modality() is None and not starts_lower(clean(fragment)):
                # A row that states an épreuve without a recognisable title is still one.
                text = clean(fragment)
                self._new_modality(number, "", text[:120].rstrip(" :"), text, fragment=fragment)
            else:
                self._modality_text(number, clean(fragment))

    def _current_modality(self) -> ModalityState | None:
        bloc = self.bloc
        if bloc is None:
            return None
        return bloc.modalities[-1][1] if bloc.modalities else None

    def _new_modality(
        self,
        number: int,
        code: str,
        title: str,
        rest: str,
        *,
        fragment: str,
        scope: str = "row",
    ) -> ModalityState:
        """A new épreuve, or the coded one stated before (``M1`` again in a later row)."""
        codes = codes_in(clean(fragment))
        bloc = self._ensure_bloc(number) if scope != "global" or self.blocs else None
        prefix = bloc.draft.ref if bloc else "ref"
        known = self.by_code.get(code) if code else None
        if known is not None and _other_title(known.draft.title, title, code):
            # "Épreuve 1" of bloc 2 after the "Épreuve 1" of bloc 1: numbered per bloc.
            self.draft.warn(
                _("Épreuve %(code)s described a second time with another title (“%(title)s”): "
                  "read as another épreuve, to be checked") % {"code": code, "title": title[:60]},
                line_location(number),
            )
            known = None
        if known is not None:
            modality = known
            modality.locked = True
        else:
            count = len(bloc.modalities) if bloc else len(self.modalities)
            ref = self._unique_ref(code, f"{prefix}-m{count + 1}")
            draft = ModalityDraft(ref=ref, code=code, title=title.strip(" :.-–—") or code)
            modality = ModalityState(draft, scope=scope, line=number)
            self.modalities.append(modality)
            if code:
                self.by_code[code] = modality
            if rest and not ONLY_CODES.fullmatch(rest):
                modality.parts.append(rest)
                self._register(Role.MODALITY, modality.parts, len(modality.parts) - 1, number)
        modality.codes += codes
        self.last_role = Role.MODALITY
        if scope == "global" or bloc is None:
            return modality  # for the whole référentiel: no bloc's row
        if bloc.draft.ref not in modality.draft.bloc_refs:
            modality.draft.bloc_refs.append(bloc.draft.ref)
        bloc.modalities.append((number, modality))
        if scope == "bloc":
            bloc.free_rows.add(number)
        return modality

    def _modality_text(
        self, number: int, text: str, *, modality: ModalityState | None = None
    ) -> None:
        modality = modality or self._current_modality()
        if modality is None:
            self._new_modality(number, "", text[:120], text, fragment=text)
            return
        modality.codes += codes_in(text)
        self.last_role = Role.MODALITY
        if modality.locked or ONLY_CODES.fullmatch(text):
            return  # known text, or a bare list of the compétences it evaluates
        if starts_lower(text) and modality.parts and not terminated(modality.parts[-1]):
            modality.parts[-1] = join_text(modality.parts[-1], text)
            return
        modality.parts.append(text)
        self._register(Role.MODALITY, modality.parts, len(modality.parts) - 1, number)

    # -- critères --------------------------------------------------------------------------
    def _criteria(self, number: int, raw: str, *, from_cell: bool) -> None:
        bloc = self._ensure_bloc(number)
        cut, items = criteria_items(raw)
        if cut:
            self._continue(number, cut, role_hint=Role.CRITERIA, raw=cut)
        if not items:
            return
        # A cell that starts a new list is a new group; a bullet left after the table, or a
        # cell that only finishes the previous one, extends the group it belongs to.
        if (from_cell and not cut) or not bloc.groups:
            bloc.groups.append(CriteriaGroup(number))
        group = bloc.groups[-1]
        for text in items:
            criterion = CriterionDraft(text=text)
            group.criteria.append(criterion)
            bloc.draft.criteria.append(criterion)
            self._register(Role.CRITERIA, criterion, "text", number)
        self.last_role = Role.CRITERIA
