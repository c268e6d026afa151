"""The document parser: reads a référentiel line by line, hands table rows to
:mod:`.tables`, prose to :mod:`.facts`, and resolves positional links in :mod:`.links`."""

from __future__ import annotations

import re
from typing import BinaryIO

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certifications.errors import ImportFormatError
from certifications.importers.document.continuations import ContinuationsMixin
from certifications.importers.document.facts import FactsMixin
from certifications.importers.document.links import LinksMixin
from certifications.importers.document.outline import OutlineMixin
from certifications.importers.document.reading import (
    check_text,
    clean,
    decode_bytes,
    strip_md_heading,
)
from certifications.importers.document.tables import TablesMixin
from certifications.importers.draft import CertificationDraft, ReferentielDraft, line_location

_PIPE_ROW = re.compile(r"^\s*\|(?:(?:[^|\\]|\\.)*\|){2,}\s*$")
_PIPE = re.compile(r"(?<!\\)\|")


class _Parser(TablesMixin, OutlineMixin, ContinuationsMixin, FactsMixin, LinksMixin):
    """Reads a document line by line; one instance per document."""

    def __init__(self, text: str, name: str) -> None:
        # The attributes are described where they are declared: state.ParserState.
        self.lines = text.splitlines()
        self.draft = ReferentielDraft(
            certification=CertificationDraft(), source_format="document", source_name=name
        )
        self.roles = None
        self.header_line = -10
        self.in_ref = False
        self.blocs = []
        self.paras = []
        self.history = []
        self.last_role = None
        self.pointer = None
        self.by_code = {}
        self.modalities = []
        self.meta_section = None
        self.description_next = False
        self.requirements_open = False
        self.access_yes_col = None
        self.scale = {}
        self.bloc_statements = []
        self.vae_in_text = False
        self.section = None
        self.section_global = False
        self.section_common = False
        self.section_modality = None
        self.word_codes_line = 0
        self.first_line = None

    # -- driving -------------------------------------------------------------------------
    def run(self) -> ReferentielDraft:
        for number, line in enumerate(self.lines, start=1):
            self._line(number, line)
        if not self.blocs or not any(b.draft.competences for b in self.blocs):
            raise ImportFormatError(
                _("No bloc of compétences and no coded compétence was recognised: this "
                  "document does not look like a référentiel."),
                line_location(1),
            )
        self._finish()
        return self.draft

    def _line(self, number: int, line: str) -> None:
        cells = line.split("\t")
        if len(cells) == 1 and _PIPE_ROW.match(line):
            # A markdown table row: "| C1 Régler | Le réglage est juste |".
            cells = _PIPE.split(line.strip().strip("|"))
        texts = [clean(c) for c in cells]
        if not any(texts) or all(re.fullmatch(r"[-|:=\s]*", t) for t in texts):
            return
        roles = self._header_roles(texts)
        if roles is not None:
            self._header(number, roles)
            return
        if len(cells) > 1:
            self._row(number, cells, texts)
        else:
            self._free(number, line)

    # -- free lines (no tab) -----------------------------------------------------------------
    def _free(self, number: int, raw: str) -> None:
        self.access_yes_col = None  # a line of prose ends any Oui/Non table
        text = clean(raw)
        level, heading = strip_md_heading(text)
        if self.first_line is None:
            self.first_line = (number, heading)
        if self._scale_line(heading):
            return
        if self._try_bloc_heading(number, heading):
            return
        if self._label_line(number, heading, level):
            return
        if self.section is not None and self._outline_line(number, raw, heading, level):
            return
        if level and level <= 2:
            self.in_ref = False
            self._meta_line(number, heading, level=level)
            return
        if not self.in_ref:
            self._meta_line(number, heading, level=level)
            return
        self._ref_line(number, raw, heading, level)

    # -- the end: links that only positions state ------------------------------------------
    def _finish(self) -> None:
        cert = self.draft.certification
        for bloc in self.blocs:
            self._link_bloc(bloc)
        self._inherit_modalities()
        for modality in self.modalities:
            self._finish_modality(modality)
        self.draft.modalities = [m.draft for m in self.modalities]
        if self.scale:
            self._build_scale()
        for first, last, text in self.bloc_statements:
            for bloc in self.blocs:
                if first <= bloc.number <= last and not bloc.draft.assessment_text:
                    bloc.draft.assessment_text = text
        if self.vae_in_text and "vae" not in cert.access_routes:
            cert.access_routes.append("vae")
        if cert.level is not None and cert.eqf_level is None and 3 <= cert.level <= 8:
            cert.eqf_level = cert.level  # the French levels 3–8 are the EQF levels since 2019
        self._codes_from_blocs()
        self._title_from_first_line()
        self._warnings()

    def _warnings(self) -> None:
        # A missing certification code or title is reported by the shared validation.
        uncoded = [b for b in self.blocs if not b.draft.code]
        if uncoded:
            self.draft.warn(
                ngettext(
                    "Code missing for %(count)d bloc: to be completed",
                    "Code missing for %(count)d blocs: to be completed",
                    len(uncoded),
                )
                % {"count": len(uncoded)}
            )
        for bloc in self.blocs:
            if not bloc.draft.competences:
                self.draft.warn(
                    _("Bloc without compétence"),
                    _("%(ref)s “%(title)s”")
                    % {"ref": bloc.draft.ref, "title": bloc.draft.title[:60]},
                )
            if not bloc.draft.title:
                self.draft.warn(_("Bloc without title: to be completed"), bloc.draft.ref)
        if not self.draft.criteria():
            self.draft.warn(_("No assessment criterion in the document: to be completed"))
        if not self.modalities:
            self.draft.warn(_("No assessment method recognised: to be completed"))


# -- entry point -----------------------------------------------------------------------------


def parse(source: BinaryIO, *, name: str = "") -> list[ReferentielDraft]:
    """Read one référentiel document (text export, Word, PDF or OpenDocument) into one draft.

    Raises ImportFormatError when nothing can be read; everything else that needs a look
    (missing code, guessed links) is a warning on the draft.
    """
    raw = source.read()
    if isinstance(raw, str):  # a text stream given by mistake: accept it
        raw = raw.encode("utf-8")
    # Word, PDF and OpenDocument files become the same text first (office.py).
    from certifications.importers.document import office

    converted = office.to_text(raw, name)
    if converted is not None:
        text, fallback = check_text(converted), False
    else:
        text, fallback = decode_bytes(raw)
        text = check_text(text)
    parser = _Parser(text, name)
    if fallback:
        parser.draft.warn(
            _("File not encoded in UTF-8: read as Windows-1252, check the accents"),
            line_location(1),
        )
    try:
        return [parser.run()]
    except ImportFormatError:
        raise
    except RecursionError as exc:  # pragma: no cover - defensive
        raise ImportFormatError(
            _("Document too deeply nested to be read."), line_location(1)
        ) from exc
