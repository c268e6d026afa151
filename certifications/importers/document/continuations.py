"""Paragraphs and page breaks: every piece of référentiel text is registered where it went,
so that the half of a cell cut by a page break (coming later, often alone on its line) finds
the paragraph it completes."""

from __future__ import annotations

from django.utils.translation import gettext as _

from certifications.importers.document.reading import (
    LEAD_BULLET,
    cut_score,
    join_text,
    terminated,
    title_and_description,
)
from certifications.importers.document.state import Paragraph, ParserState, Role
from certifications.importers.draft import CompetenceDraft, line_location


class ContinuationsMixin(ParserState):
    """The parser's memory of paragraphs, and the attachment of cut text to them."""

    def _register(self, role: Role, obj: object, key: str | int, number: int) -> None:
        para = Paragraph(role, obj, key, number)
        self.paras.append(para)
        self.history.append(para)
        del self.history[:-300]

    def _sink(self, number: int, role: Role, items: list[str]) -> None:
        """Keep text the draft has no field for as a paragraph, so that its cut end is found."""
        if items:
            self._register(role, [items[-1]], 0, number)

    def _usually_terminated(self, role: Role) -> bool:
        # List items rarely end with a full stop even where sentences do: leave them out.
        texts = [p.get() for p in self.history if p.role is role]
        texts = [t for t in texts if t and not LEAD_BULLET.match(t)]
        return len(texts) >= 2 and sum(terminated(t) for t in texts) * 10 >= len(texts) * 6

    def _continue(self, number: int, text: str, *, role_hint: Role | None, raw: str) -> None:
        """Attach text cut off by a page break to the paragraph it completes.

        The candidates are the current bloc's unfinished paragraphs (restricted to the column
        when the text sits in a known column). The surest cut wins: a paragraph ending on "des",
        then one lacking the full stop its column's paragraphs usually have, then any one
        lacking a full stop; ties go by page order: the halves come back in
        column order, so the column after the last one continued comes first, then the oldest.
        """
        candidates = [p for p in self.paras if role_hint is None or p.role is role_hint]
        scored: list[tuple[int, int, int, Paragraph]] = []
        terminated_roles: dict[Role, bool] = {}
        for order, para in enumerate(candidates):
            score = cut_score(para.get()) * 2
            if score == 2:
                if para.role not in terminated_roles:
                    terminated_roles[para.role] = self._usually_terminated(para.role)
                score += terminated_roles[para.role]
            if score == 0:
                continue
            after = 0 if self.pointer is None or para.role > self.pointer else 1
            scored.append((-score, after, order, para))
        if scored:
            target = min(scored, key=lambda item: item[:3])[3]
        elif role_hint is not None and candidates:
            target = candidates[-1]
        elif self.paras:
            target = self.paras[-1]
        else:
            self.draft.warn(
                _("Stray text ignored: “%(text)s”") % {"text": text[:60]}, line_location(number)
            )
            return
        self._apply_continuation(number, target, text, raw)

    def _apply_continuation(self, number: int, target: Paragraph, text: str, raw: str) -> None:
        obj = target.obj
        if isinstance(obj, CompetenceDraft) and target.key == "title" and not obj.description:
            # The cut fell in the title: "<b>entreprise</b> - Cette compétence…"
            bold, rest = title_and_description(raw)
            if rest:
                obj.title = join_text(obj.title, bold)
                obj.description = rest
                self._register(Role.COMPETENCE, obj, "description", number)
                self.pointer = target.role
                self.last_role = target.role
                return
        target.put(join_text(target.get(), text))
        self.pointer = target.role
        self.last_role = target.role
