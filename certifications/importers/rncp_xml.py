"""France Compétences open-data export (``FICHES/FICHE``, v4.1) → ``ReferentielDraft``.

The daily file holds ~30,000 fiches and weighs hundreds of MB, so it is streamed:
each ``FICHE`` is turned into a draft when its end tag is read, then cleared and
detached from its parent, which keeps memory bounded by the largest fiche.
``defusedxml`` refuses entity declarations and external references (billion
laughs, ``file:///etc/passwd``) before anything is expanded.

Element names are matched on their local part, upper-cased, so a namespace or a
change of case in a future export does not lose data. Free text may contain HTML
(escaped or as real elements): it is turned into plain lines.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext

from certifications.codes import siret_is_valid
from certifications.errors import ImportFormatError
from certifications.importers.document.codes import TEAM, duration_in, modality_kind
from certifications.importers.draft import (
    BlocDraft,
    CertificationDraft,
    CertifierDraft,
    CompetenceDraft,
    CriterionDraft,
    ModalityDraft,
    PartnerDraft,
    ReferentielDraft,
    line_column_location,
    line_location,
)
from certifications.vocabulary import ModalityKind

SOURCE_FORMAT = "rncp-xml"

# expat error codes worth a French sentence; the others keep expat's English words.
_EXPAT_MESSAGES = {  # translated when the message is made
    2: gettext_noop("syntax error"),
    3: gettext_noop("unexpected end of file (truncated file?)"),
    4: gettext_noop("invalid character or tag"),
    5: gettext_noop("tag not closed (truncated file?)"),
    7: gettext_noop("closing tag that does not match the opened tag"),
    9: gettext_noop("content after the end of the document"),
    11: gettext_noop("undefined XML entity"),
}


# -- public API --------------------------------------------------------------------------
def parse(
    source: BinaryIO,
    *,
    name: str = "",
    fiche: str | None = None,
    certifier: str | None = None,
) -> list[ReferentielDraft]:
    drafts = list(iter_fiches(source, fiche=fiche, certifier=certifier, name=name))
    if drafts:
        return drafts
    if fiche:
        raise ImportFormatError(
            _("Fiche %(number)s not in the file") % {"number": _normalise_number(fiche)}
        )
    if certifier:
        raise ImportFormatError(
            _("No fiche of the certifier “%(certifier)s” in the file") % {"certifier": certifier}
        )
    raise ImportFormatError(_("No fiche (FICHE element) in the file"))


def iter_fiches(
    source: BinaryIO,
    *,
    fiche: str | None = None,
    certifier: str | None = None,
    name: str = "",
) -> Iterator[ReferentielDraft]:
    wanted = _normalise_number(fiche) if fiche else None
    ancestors: list[Element] = []
    for event, elem in _events(source):
        if event == "start":
            ancestors.append(elem)
            continue
        ancestors.pop()
        if _local(elem.tag) != "FICHE":
            continue
        draft = _build_if_wanted(elem, wanted, certifier)
        # Drop the finished fiche so the tree never holds more than one.
        elem.clear()
        if ancestors:
            ancestors[-1].remove(elem)
        if draft is not None:
            draft.source_name = name
            yield draft
            if wanted:
                return  # a fiche number is unique in the export: stop reading


def split_competences(text: str) -> tuple[str, list[tuple[str, list[str]]], str]:
    """Split a ``LISTE_COMPETENCES`` text into (preamble, [(item, sub-items)], guess).

    ``guess`` is empty when the bullets said where items start, else a sentence (in the
    current language) telling how the list was cut, for a warning.
    """
    text = _plain(text)
    if re.search(r"(?:^|\s)[*•●]\s", text):
        preamble, items = _split_on(text, r"(?:^|\s)[*•●]\s+")
        return preamble, [_split_sub_items(item) for item in items], ""
    if re.search(r"(?:^|\n)[ \t]*[-–—]\s", text):
        preamble, items = _split_on(text, r"(?:^|\n)[ \t]*[-–—]\s+")
        if len(items) == 1 and not preamble:  # bullets flattened onto one line
            items = re.split(r"\s[-–—]\s+", items[0])
        return preamble, [_split_sub_items(item) for item in items], ""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) > 1:
        return (
            "",
            [_split_sub_items(line) for line in lines],
            _("List of compétences without bullets: one compétence per line"),
        )
    if re.search(r"\S\s{2,}\S", text):
        items = re.split(r"\s{2,}", text.strip())
        return (
            "",
            [_split_sub_items(item) for item in items],
            _("List of compétences without bullets: cut at the multiple spaces"),
        )
    if text.strip():
        return (
            "",
            [_split_sub_items(text)],
            _("List of compétences in one piece: a single compétence created"),
        )
    return "", [], ""


# -- streaming ---------------------------------------------------------------------------
def _events(source: BinaryIO) -> Iterator[tuple[str, Element]]:
    """The parser's (event, element) pairs, with every failure as an ImportFormatError."""
    parser = DefusedXMLParser()  # forbids entity declarations and external references
    try:
        yield from iterparse(source, events=("start", "end"), parser=parser)
    except DefusedXmlException as exc:
        raise ImportFormatError(
            _("The file declares XML entities or external references: refused for security "
              "(entity expansion, reading of external files)"),
            line_location(_current_line(parser)),
        ) from exc
    except ParseError as exc:
        raise _parse_error(exc) from exc
    except (ValueError, LookupError, UnicodeError) as exc:  # unknown or broken encoding
        raise ImportFormatError(
            _("Unreadable XML file: %(error)s") % {"error": exc},
            line_location(_current_line(parser)),
        ) from exc
    except RecursionError as exc:
        raise ImportFormatError(
            _("Elements nested too deeply"), line_location(_current_line(parser))
        ) from exc


def _current_line(parser: DefusedXMLParser) -> int:
    return int(parser.parser.CurrentLineNumber)


def _parse_error(exc: ParseError) -> ImportFormatError:
    line, column = getattr(exc, "position", (0, 0))
    code = getattr(exc, "code", None)
    if code == 3 and line == 1 and column == 0:
        return ImportFormatError(_("Empty file or not XML"), line_location(1))
    known = _EXPAT_MESSAGES.get(code or 0)
    reason = _(known) if known else str(exc).split(":")[0]
    return ImportFormatError(
        _("Malformed XML: %(reason)s") % {"reason": reason}, line_column_location(line, column + 1)
    )


def _build_if_wanted(
    elem: Element, wanted: str | None, certifier: str | None
) -> ReferentielDraft | None:
    if wanted and _normalise_number(_text(_first(elem, "NUMERO_FICHE"))) != wanted:
        return None
    if certifier and not _has_certifier(elem, certifier):
        return None
    try:
        return _build(elem)
    except RecursionError as exc:
        raise ImportFormatError(
            _("Elements nested too deeply in the fiche"),
            "FICHE " + _text(_first(elem, "NUMERO_FICHE")),
        ) from exc


def _has_certifier(elem: Element, needle: str) -> bool:
    needle = needle.casefold().strip()
    compact = re.sub(r"\s", "", needle)
    for node in _findall(elem, "CERTIFICATEURS", "CERTIFICATEUR"):
        name = _text(_first(node, "NOM_CERTIFICATEUR")).casefold()
        siret = re.sub(r"\s", "", _text(_first(node, "SIRET_CERTIFICATEUR")))
        if needle in name or (compact and compact in siret):
            return True
    return False


# -- one fiche ---------------------------------------------------------------------------
def _build(elem: Element) -> ReferentielDraft:
    number = _normalise_number(_text(_first(elem, "NUMERO_FICHE")))
    where = f"FICHE {number or '?'}"
    draft = ReferentielDraft(
        certification=CertificationDraft(code=number), source_format=SOURCE_FORMAT
    )
    cert = draft.certification
    if not number:
        draft.warn(_("Fiche number (NUMERO_FICHE) missing"), where)
    cert.title = _text(_first(elem, "INTITULE"))
    if not cert.title:
        draft.warn(_("Title (INTITULE) missing"), where)
    cert.level = cert.eqf_level = _level(elem, draft, where)
    cert.nsf_codes = _codes(elem, "CODES_NSF", "NSF", "CODE")
    cert.formacodes = _codes(elem, "FORMACODES", "FORMACODE", "CODE")
    cert.rome_codes = _codes(elem, "CODES_ROME", "ROME", "CODE")
    cert.certifiers = _certifiers(elem, draft, where)
    cert.registration_date = _date(elem, "DATE_DECISION", draft, where)
    cert.registration_end_date = _date(elem, "DATE_FIN_ENREGISTREMENT", draft, where)
    cert.last_issuing_date = _date(elem, "DATE_LIMITE_DELIVRANCE", draft, where)
    cert.active = _active(elem, draft, where)
    cert.replaces = _fiche_numbers(elem, "ANCIENNE_CERTIFICATION")
    cert.replaced_by = _fiche_numbers(elem, "NOUVELLE_CERTIFICATION")
    cert.partners = _partners(elem, draft, where)
    _blocs(elem, draft, where)
    return draft


def _level(elem: Element, draft: ReferentielDraft, where: str) -> int | None:
    raw = _text(_first(elem, "NOMENCLATURE_EUROPE", "NIVEAU"))
    if not raw:
        draft.warn(_("Level (NOMENCLATURE_EUROPE/NIVEAU) missing"), where)
        return None
    match = re.search(r"\d+", raw)  # "NIV7" or "7"
    if match is None or not 1 <= int(match.group()) <= 8:
        draft.warn(_("Unreadable level “%(value)s”: ignored") % {"value": raw}, where)
        return None
    return int(match.group())


def _codes(elem: Element, *path: str) -> list[str]:
    codes = (_text(node) for node in _findall(elem, *path))
    return list(dict.fromkeys(code for code in codes if code))


def _certifiers(elem: Element, draft: ReferentielDraft, where: str) -> list[CertifierDraft]:
    certifiers = []
    for node in _findall(elem, "CERTIFICATEURS", "CERTIFICATEUR"):
        name = _text(_first(node, "NOM_CERTIFICATEUR"))
        siret = re.sub(r"\s", "", _text(_first(node, "SIRET_CERTIFICATEUR")))
        if not name and not siret:
            continue
        if not name:
            draft.warn(_("Certifier without name (SIRET %(siret)s)") % {"siret": siret}, where)
        if siret and not re.fullmatch(r"\d{14}", siret):
            draft.warn(
                _("Certifier's SIRET “%(siret)s” does not have 14 digits") % {"siret": siret},
                where,
            )
        certifiers.append(CertifierDraft(legal_name=name, siret=siret))
    if not certifiers:
        draft.warn(_("No certifier (CERTIFICATEURS) stated"), where)
    return certifiers


_DATE_PATTERNS = ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S")


def _read_date(raw: str) -> date | None:
    for pattern in _DATE_PATTERNS:
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None


def _date(elem: Element, tag: str, draft: ReferentielDraft, where: str) -> date | None:
    raw = _text(_first(elem, tag))
    if not raw:
        return None
    found = _read_date(raw)
    if found is None:
        draft.warn(_("Unreadable date “%(value)s”: ignored") % {"value": raw},
                   f"{where} / {tag}")
    return found


# -- partners ----------------------------------------------------------------------------
# HABILITATION_PARTENAIRE: to train (prepare), to organise the assessment, or both.
_HABILITATIONS = {
    "HABILITATION_FORMER": "prepare",
    "HABILITATION_ORGANISER": "organise",
    "HABILITATION_ORGA_FORM": "both",
}
_INACTIVE_STATES = {"inactif", "supprime", "supprimé", "retire", "retiré", "false", "non", "0"}


def _partners(elem: Element, draft: ReferentielDraft, where: str) -> list[PartnerDraft]:
    """Every PARTENAIRES/PARTENAIRE of the fiche, one per SIRET (the export repeats some:
    their habilitations are joined). A partner that cannot be read is an error: the fiche
    is not imported until it is corrected, so no partner is half-written."""
    partners: dict[str, PartnerDraft] = {}
    for index, node in enumerate(_findall(elem, "PARTENAIRES", "PARTENAIRE"), start=1):
        partner = _partner(node, draft, f"{where} / PARTENAIRE[{index}]")
        if partner is None:
            continue
        known = partners.get(partner.siret)
        if known is None:
            partners[partner.siret] = partner
        elif known.kind != partner.kind:
            known.kind = "both"
    return list(partners.values())


def _partner(node: Element, draft: ReferentielDraft, here: str) -> PartnerDraft | None:
    name = _text(_first(node, "NOM_PARTENAIRE"))
    siret = re.sub(r"\s", "", _text(_first(node, "SIRET_PARTENAIRE")))
    habilitation = _text(_first(node, "HABILITATION_PARTENAIRE")).upper()
    problems = []
    if not name:
        problems.append(_("partner without name (NOM_PARTENAIRE)"))
    if not siret:
        problems.append(_("SIRET missing (SIRET_PARTENAIRE)"))
    elif not siret_is_valid(siret):
        problems.append(_("SIRET “%(siret)s” is not fourteen digits with a right check key")
                        % {"siret": siret})
    kind = _HABILITATIONS.get(habilitation)
    if kind is None:
        problems.append(
            _("habilitation “%(value)s” unknown (expected HABILITATION_FORMER, "
              "HABILITATION_ORGANISER or HABILITATION_ORGA_FORM)")
            % {"value": habilitation} if habilitation
            else _("habilitation missing (HABILITATION_PARTENAIRE)"))
    dates = {}
    for tag in ("DATE_ACTIF", "DATE_DERNIERE_MODIFICATION_ETAT"):
        raw = _text(_first(node, tag))
        dates[tag] = _read_date(raw) if raw else None
        if raw and dates[tag] is None:
            problems.append(_("unreadable date “%(value)s” in %(tag)s (expected DD/MM/YYYY)")
                            % {"value": raw, "tag": tag})
    if problems:
        draft.error(
            _("Partner “%(name)s” cannot be imported: %(problems)s.")
            % {"name": name or siret or "?",
               "problems": pgettext("between problems", "; ").join(problems)},
            here,
        )
        return None
    state = (_text(_first(node, "ETAT_PARTENAIRE"))
             or _text(_first(node, "ETAT_HABILITATION"))).casefold()
    active = state not in _INACTIVE_STATES
    changed = dates["DATE_DERNIERE_MODIFICATION_ETAT"]
    starts_on = dates["DATE_ACTIF"]
    # A withdrawn habilitation ends on the day its state last changed.
    ends_on = None if active or changed is None else changed
    if starts_on and ends_on and ends_on < starts_on:
        ends_on = starts_on
    return PartnerDraft(legal_name=name, siret=siret, kind=kind, starts_on=starts_on,
                        ends_on=ends_on, active=active)


def _active(elem: Element, draft: ReferentielDraft, where: str) -> bool | None:
    raw = _text(_first(elem, "ACTIF")).casefold()
    if raw in {"oui", "true", "1", "o", "yes"}:
        return True
    if raw in {"non", "false", "0", "n", "no"}:
        return False
    if raw:
        draft.warn(_("Unreadable ACTIF value “%(value)s”: ignored") % {"value": raw}, where)
    return None


def _fiche_numbers(elem: Element, tag: str) -> list[str]:
    """Codes of the fiches named by every ``tag`` element, whatever wraps them."""
    numbers: list[str] = []
    for node in elem.iter():
        if _local(node.tag) != tag:
            continue
        text = " ".join(node.itertext())
        found = re.findall(r"RNCP\s*\d+", text, re.I) or re.findall(r"\b\d{3,6}\b", text)
        numbers.extend(_normalise_number(number) for number in found)
    return list(dict.fromkeys(numbers))


# -- blocs and compétences ---------------------------------------------------------------
def _blocs(elem: Element, draft: ReferentielDraft, where: str) -> None:
    nodes = _findall(elem, "BLOCS_COMPETENCES", "BLOC_COMPETENCES")
    if not nodes:
        draft.warn(_("No bloc of compétences (BLOCS_COMPETENCES)"), where)
    used_refs: set[str] = set()
    for index, node in enumerate(nodes, start=1):
        here = f"{where} / BLOC_COMPETENCES[{index}]"
        code = _text(_first(node, "CODE"))
        title = _text(_first(node, "LIBELLE"))
        ref = _unique(code or f"bloc{index}", used_refs)
        if not code:
            draft.warn(_("Bloc without code: reference “%(ref)s” generated") % {"ref": ref}, here)
        elif ref != code:
            draft.warn(
                _("Bloc code “%(code)s” given twice: reference “%(ref)s” generated")
                % {"code": code, "ref": ref},
                here,
            )
        if not title:
            draft.warn(_("Bloc without title (LIBELLE)"), here)
        bloc = BlocDraft(ref=ref, code=code, title=title)
        bloc.assessment_text = _plain(_rich_text(_first(node, "MODALITES_EVALUATION"))).strip()
        _competences(bloc, _rich_text(_first(node, "LISTE_COMPETENCES")), draft, here, used_refs)
        draft.blocs.append(bloc)
        _modalities(bloc, draft, here, used_refs)


def _competences(
    bloc: BlocDraft, text: str, draft: ReferentielDraft, here: str, used_refs: set[str]
) -> None:
    preamble, items, guess = split_competences(text)
    bloc.description = preamble
    if guess:
        draft.warn(guess, here)
    if not items:
        draft.warn(_("Bloc without compétence (LISTE_COMPETENCES empty)"), here)
    generated: list[str] = []
    for number, (item, sub_items) in enumerate(items, start=1):
        code, title = _split_code(item)
        ref = _unique(code or f"{bloc.ref}-C{number}", used_refs)
        if not code:
            generated.append(ref)
        bloc.competences.append(CompetenceDraft(ref=ref, code=code, title=title))
        bloc.criteria.extend(CriterionDraft(text=sub, competence_refs=[ref]) for sub in sub_items)
    if generated:
        draft.warn(
            ngettext(
                "%(count)d compétence without code: references %(first)s… generated, codes to "
                "be completed",
                "%(count)d compétences without code: references %(first)s… generated, codes to "
                "be completed",
                len(generated),
            )
            % {"count": len(generated), "first": generated[0]},
            here,
        )


# -- modalités from MODALITES_EVALUATION ------------------------------------------------
# Words that name an épreuve (word boundaries: "moral", "décrit" or "projet de vie" in a
# context sentence must not become épreuves of their own).
_EPREUVE = re.compile(
    r"\b(?:mises?\s+en\s+situations?(?:\s+professionnelles?)?|[ée]tudes?\s+de\s+cas|"
    r"cas\s+pratiques?|soutenances?|(?:[ée]preuves?\s+|examens?\s+|pr[ée]sentations?\s+)?"
    r"orale?s?|entretiens?|qcm|questionnaires?|quiz|dossiers?|portfolios?|m[ée]moires?|"
    r"th[èe]ses?|monographies?|projets?|travaux\s+pratiques|jeux?\s+de\s+r[ôo]les?|"
    r"(?:[ée]preuves?|examens?|devoirs?)\s+[ée]crite?s?|r[ée]daction|rapports?|"
    r"contr[ôo]le\s+continu|simulations?)\b",
    re.I,
)
# Where one sentence names several épreuves: "Étude de cas et mise en situation".
_JOINS = re.compile(r"(\s*(?:,|;|\+|\bet\b|\bpuis\b|\bainsi\s+qu['’]une?\b)\s*)", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÀÂÉÈÊÎÔÛÇ0-9])")
_BULLET = re.compile(r"(?:^|\n)[ \t]*(?:[-–—*•●▪]|\d{1,2}[.)])\s+")
_TITLE_MAX = 120


@dataclass
class _Epreuve:
    key: str  # the épreuve word, folded: a later sentence naming it again adds to it
    title: str
    own: list[str]  # the parts of the text about this épreuve (duration, team)
    sentences: list[str]


def split_epreuves(text: str) -> list[tuple[str, str, str]]:
    """The épreuves a MODALITES_EVALUATION text names, as (title, description, own text).

    Bullets (or else sentences) are read in turn; one naming several épreuves joined by
    "et", a comma or "+" gives one épreuve each; one naming none, or an épreuve already
    named, adds to the épreuve before it. Empty when the text names no épreuve.
    """
    epreuves: list[_Epreuve] = []
    for segment in _segments(text):
        parts = _epreuve_parts(segment)
        if not parts:
            if epreuves:
                _add_sentence(epreuves[-1], segment, segment)
            continue
        for key, part in parts:
            known = next((e for e in epreuves if e.key == key), None)
            if known is not None:
                _add_sentence(known, segment, part)
            else:
                epreuves.append(_Epreuve(key, _title(part), [part], [segment]))
    return [(e.title, "\n".join(e.sentences), " ".join(e.own)) for e in epreuves]


def _segments(text: str) -> list[str]:
    if _BULLET.search(text):
        preamble, *items = _BULLET.split(text)
        chunks = [*_sentences(preamble), *(_one_line(item) for item in items)]
    else:
        chunks = _sentences(text)
    return [chunk for chunk in chunks if chunk]


def _sentences(text: str) -> list[str]:
    return [
        _one_line(sentence)
        for line in text.split("\n")
        for sentence in _SENTENCE_END.split(line.strip())
        if _one_line(sentence)
    ]


def _epreuve_parts(segment: str) -> list[tuple[str, str]]:
    """(key, part) for each distinct épreuve the segment names; a piece naming none
    stays with the piece before it ("Étude de cas, réalisée en 2 h, et soutenance")."""
    pieces = _JOINS.split(segment)
    parts: list[list[str]] = []  # [key, text]
    for index in range(0, len(pieces), 2):
        piece = pieces[index]
        match = _EPREUVE.search(piece)
        key = _fold(match.group(0)) if match else ""
        if key and all(key != k for k, _ in parts):
            parts.append([key, piece])
        elif parts:
            parts[-1][1] = parts[-1][1] + (pieces[index - 1] if index else "") + piece
        elif piece.strip():
            parts.append(["", piece])  # leading words before the first épreuve
    named = [(k, _tidy_item(t).rstrip(".")) for k, t in parts if k]
    if parts and not parts[0][0] and named:  # "Le candidat présente un dossier et…"
        named[0] = (named[0][0], _tidy_item(parts[0][1] + " " + named[0][1]).rstrip("."))
    return named


def _fold(word: str) -> str:
    word = word.casefold()
    for accented, plain in (("é", "e"), ("è", "e"), ("ô", "o"), ("’", "'")):
        word = word.replace(accented, plain)
    return re.sub(r"s\b", "", " ".join(word.split()))


def _add_sentence(epreuve: _Epreuve, sentence: str, own: str) -> None:
    if sentence not in epreuve.sentences:
        epreuve.sentences.append(sentence)
    if own not in epreuve.own:
        epreuve.own.append(own)


def _title(part: str) -> str:
    """From the épreuve's word to the end of its clause: "Le candidat réalise une étude de
    cas (3 h)" → "Étude de cas"."""
    match = _EPREUVE.search(part)
    start = match.start() if match else 0
    title = re.split(r"\s+:\s+|\s*\(", part[start:], maxsplit=1)[0].strip(" .;,:-–")
    if len(title) > _TITLE_MAX:
        title = title[:_TITLE_MAX].rsplit(" ", 1)[0] + "…"
    return title[:1].upper() + title[1:]


def _duration(text: str) -> tuple[int | None, str]:
    minutes, matches = duration_in(text)
    return minutes, " + ".join(m.group(0) for m in matches)


def _modalities(bloc: BlocDraft, draft: ReferentielDraft, here: str, used_refs: set[str]) -> None:
    """Each épreuve the bloc's MODALITES_EVALUATION names (else the whole text) becomes a
    modality evaluating every compétence of the bloc, flagged for the administrator."""
    text = bloc.assessment_text
    if not text:
        draft.warn(
            _("Bloc without assessment method (MODALITES_EVALUATION empty): no assessment "
              "method created, its compétences cannot be assessed before one is added"),
            here,
        )
        return
    epreuves = split_epreuves(text) or [
        (f"Évaluation du bloc {bloc.code or bloc.title or bloc.ref}", text, text)
    ]
    for number, (title, description, own) in enumerate(epreuves, start=1):
        kind = modality_kind(title)
        if kind is ModalityKind.OTHER:
            kind = modality_kind(own)
        minutes, duration_text = _duration(own)
        draft.modalities.append(ModalityDraft(
            ref=_unique(f"{bloc.ref}-E{number}", used_refs),
            code="",
            title=title[:500],
            kind=kind,
            description=description,
            duration_minutes=minutes,
            duration_text=duration_text[:300],
            team=bool(TEAM.search(own)),
            competence_refs=[c.ref for c in bloc.competences],
            bloc_refs=[bloc.ref],
        ))
        draft.warn(
            _("Assessment method deduced from the MODALITES_EVALUATION text: to be confirmed "
              "(“%(title)s”)") % {"title": title},
            here,
        )


def _split_on(text: str, bullet: str) -> tuple[str, list[str]]:
    preamble, *items = re.split(bullet, text)
    return _one_line(preamble), [item for item in items if _one_line(item)]


def _split_sub_items(item: str) -> tuple[str, list[str]]:
    head, *subs = re.split(r"(?:^|\s)[o◦○▪](?=\s)\s*", item)
    return _tidy_item(head), [s for s in (_tidy_item(sub) for sub in subs) if s]


def _split_code(item: str) -> tuple[str, str]:
    match = re.match(r"((?:BC|CP|C)\d+(?:\.\d+)*)\.?\s*[:\-–)]?\s+(\S.*)", item, re.S)
    if match:
        return match.group(1), match.group(2)
    return "", item


def _tidy_item(text: str) -> str:
    return _one_line(text).rstrip(" ;,")


def _unique(ref: str, used: set[str]) -> str:
    candidate, suffix = ref, 1
    while candidate in used:
        suffix += 1
        candidate = f"{ref}-{suffix}"
    used.add(candidate)
    return candidate


# -- text helpers ------------------------------------------------------------------------
_BLOCK_TAGS = {"P", "DIV", "BR", "UL", "OL", "TR", "H1", "H2", "H3", "H4", "H5", "H6"}


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2].upper()


def _findall(elem: Element, *path: str) -> list[Element]:
    nodes = [elem]
    for name in path:
        nodes = [child for node in nodes for child in node if _local(child.tag) == name]
    return nodes


def _first(elem: Element, *path: str) -> Element | None:
    found = _findall(elem, *path)
    return found[0] if found else None


def _text(elem: Element | None) -> str:
    """The element's text on one line, HTML removed."""
    return _one_line(_plain(_rich_text(elem)))


def _rich_text(elem: Element | None) -> str:
    """Text of ``elem`` where HTML children (p, br, li) become line breaks and bullets."""
    if elem is None:
        return ""
    parts = [elem.text or ""]
    for child in elem:
        tag = _local(child.tag)
        if tag == "LI":
            parts.append("\n- ")
        elif tag in _BLOCK_TAGS:
            parts.append("\n")
        parts.append(_rich_text(child))
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        parts.append(child.tail or "")
    return "".join(parts)


def _plain(text: str) -> str:
    """Escaped HTML → text with line breaks; entities and non-breaking spaces resolved."""
    if "<" in text:
        text = re.sub(r"<\s*li\b[^<>]*>", "\n- ", text, flags=re.I)
        text = re.sub(r"<\s*/?\s*(?:p|div|br|ul|ol|tr|h\d)\b[^<>]*>", "\n", text, flags=re.I)
        text = re.sub(r"</?[A-Za-z][^<>]*>", "", text)
    return html.unescape(text).replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _normalise_number(number: str | None) -> str:
    number = re.sub(r"\s", "", number or "").upper()
    return f"RNCP{number}" if number.isdigit() else number
