"""How a référentiel document writes its codes and épreuves: the patterns every other
module of the document parser matches (compétence, activity, bloc and épreuve codes)."""

from __future__ import annotations

import re

from certifications.vocabulary import ModalityKind

_NUM = r"\d{1,2}(?:\s?\.\s?\d{1,2}){0,3}"
_CODE_END = r"\.?(?=[\s_\\\-–—:]|$)"
# Compétence codes: "C1.1", "BC1.1" (fiche tables), "CP1" (titres professionnels).
_COMPETENCE_CODE = rf"(?:B?C|CP)\.?\s?{_NUM}"
# "C1.1 Réaliser…", "Compétence C1.1 : Réaliser…", "<b>CP1.</b> Installer…", "C.2.1 …"
COMPETENCE_AT = re.compile(
    rf"^\s*(?:(?i:comp[ée]tence)\s+)?(?P<code>{_COMPETENCE_CODE}){_CODE_END}[\s\\_\-–—:.]*"
    r"(?P<rest>.*)$",
    re.S,
)
# "Compétence 1 : …", "Compétence n° 2.1 - …": a compétence numbered in words.
COMPETENCE_WORD = re.compile(
    r"^\s*comp[ée]tence\s+(?:n\s*[°º]\s*)?(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s*[:\-–—.]\s*"
    r"(?P<rest>\S.*)$",
    re.I | re.S,
)
# "1.1. Planifier …": a numbered item (a compétence under a "Compétences évaluées" label).
NUMBERED_AT = re.compile(r"^\s*(?P<code>\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(?P<rest>\S.*)$", re.S)
ACTIVITY_AT = re.compile(
    rf"^\s*(?:A\s?\.?\s?(?P<num>{_NUM}){_CODE_END}|activit[ée]s?\s+(?P<num2>{_NUM})\s*[:\-–.])"
    r"[\s\\_\-–:.]*(?P<rest>.*)$",
    re.S | re.I,
)
COMPETENCE_ANY = re.compile(r"(?<![\w.])(?:B?C|CP)\.?\s?\d{1,2}(?:\s?\.\s?\d{1,2}){0,3}(?![\d\w])")
_COMPETENCE_RANGE = re.compile(
    r"(?<![\w.])(B?C)\s?(\d{1,2})\s*(?:à|-|–)\s*(?:B?C)\s?(\d{1,2})(?![\d.\w])"
)
ONLY_CODES = re.compile(r"(?:\s*(?:(?:B?C|CP)\s?\d{1,2}(?:\.\d{1,2})*|à|et|,|-|–|—|\.))+\s*", re.I)
INLINE_COMPETENCE = re.compile(r"(?<=[.;!?])\s+(?=B?C\s?\d{1,2}(?:\.\d{1,2})+[.\s_])")
BLOC_WORD = re.compile(
    r"^\s*(?:bloc|cat[ée]gorie|domaine|unit[ée]|ccp)(?:\s+de\s+comp[ée]tences?)?\s*"
    r"(?:n\s*[°º]\s*|no\.?\s*|num[ée]ro\s*)?(?P<num>\d{1,2})(?![\d.,])\s*[:\-–—.]?\s*"
    r"(?P<title>.*)$",
    re.I | re.S,
)
BLOC_CODE = re.compile(
    # "Bloc de compétences RNCP37873BC01 :" as well as "RNCP37873BC01 -" and "BC01 –"
    r"^\s*(?:bloc(?:\s+de\s+comp[ée]tences?)?\s*(?:n\s*[°º]\s*)?:?\s*(?=RNCP|BC))?"
    r"(?P<rncp>RNCP\s?\d{3,6})?\s*BC\s?(?P<num>\d{1,2})(?![\d.]|\\?_)\s*[:\-–—.]?\s*"
    r"(?P<title>.*)$",
    re.I | re.S,
)
MODALITY_CODE = re.compile(
    r"^\s*(?:(?P<letter>[EM])\s?(?P<num>\d{1,2})|[ée]preuve\s+(?:n\s*°\s*)?(?P<num2>\d{1,2}))"
    r"(?![\d\w])(?!\.\d)\s*[.:\-–—]?\s*(?P<rest>.*)$",
    re.I | re.S,
)
EVAL_PREFIX = re.compile(
    r"^\s*[ée]valuation\s+(?:des\s+|de\s+la\s+)?(?:comp[ée]tences?\s+)?"
    r"(?:B?C\s?[\d.]+[\s,]*(?:et\s+)?)+\s*[-–:]\s*",
    re.I,
)
_MODALITY_WORDS = (
    r"(?:[ée]tudes?\s+de\s+cas|cas\s+pratiques?|mises?\s+en\s+situation|projets?|r[ée]daction|"
    r"soutenance|oral\b|entretien|qcm|questionnaire|quiz|dossier|portfolio|m[ée]moire|"
    r"th[èe]se|monographies?|travaux\s+pratiques|tp\b|[ée]preuve|examen|jeu\s+de\s+r[ôo]le|"
    r"simulation|contr[ôo]le\s+continu|exercice)"
)
MODALITY_START = re.compile(rf"^\s*{_MODALITY_WORDS}", re.I)
# "Mise en situation (2 h) et entretien technique (30 min)": two épreuves in one short cell.
MODALITY_PAIR = re.compile(
    rf"^(?P<first>\s*{_MODALITY_WORDS}[^,;+]{{0,80}}?\(\s*\d[^()]{{0,20}}\))\s*(?:,|;|\+|\bet\b)\s*"
    rf"(?P<second>(?:une?\s+|l['’]\s*|le\s+|la\s+)?{_MODALITY_WORDS}[^,;+]{{0,80}}?)\s*\.?$",
    re.I,
)
FIELD_LABEL = re.compile(
    r"^\s*(?:ce\s+que|[ée]valuation\s*(?::|$)|dur[ée]e|livrables?|attendus|format|il/elle|"
    r"le\s+candidat|chaque\s+candidat|crit[èe]res)",
    re.I,
)
_KIND_WORDS: tuple[tuple[str, ModalityKind], ...] = (
    (r"th[èe]se|m[ée]moire", ModalityKind.THESIS),
    (r"monographie", ModalityKind.MONOGRAPH),
    (
        r"mises?\s+en\s+situation|travaux\s+pratiques|jeu\s+de\s+r[ôo]le",
        ModalityKind.WORK_SITUATION,
    ),
    (r"[ée]tudes?\s+de\s+cas|cas\s+pratique", ModalityKind.CASE_STUDY),
    (r"projet", ModalityKind.PROJECT),
    (r"qcm|questionnaire|quiz", ModalityKind.QUIZ),
    (r"soutenance|oral|entretien", ModalityKind.ORAL),
    (r"dossier|portfolio", ModalityKind.PORTFOLIO),
    (r"r[ée]daction|[ée]crit|rapport", ModalityKind.WRITTEN),
)
TEAM = re.compile(
    r"\b(?:en|par)\s+(?:[ée]quipe|groupe|bin[ôo]me)\b|collecti(?:f|ve)|au\s+sein\s+d'un\s+groupe",
    re.I,
)
DURATION = re.compile(
    r"(?P<h>\d{1,2})\s*(?:h|heures?)(?:\s*(?P<hm>\d{2}))?\b|(?P<m>\d{1,3})\s*min(?:utes?)?\b"
    r"|\b(?P<wh>une|deux|trois|quatre|cinq|six)\s+heures?\b|\b(?P<half>une\s+demi-heure)\b",
    re.I,
)
_WORD_HOURS = {"une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6}


def duration_in(text: str) -> tuple[int | None, list[re.Match[str]]]:
    """Minutes a text states (« 2 h 30 », « 45 minutes », « d'une heure », « 20 min + 10 min »
    add up) and the matches, or None when it states none."""
    minutes, matches = 0, []
    for match in DURATION.finditer(text):
        if match.group("m"):
            minutes += int(match.group("m"))
        elif match.group("wh"):
            minutes += _WORD_HOURS[match.group("wh").lower()] * 60
        elif match.group("half"):
            minutes += 30
        else:
            minutes += int(match.group("h")) * 60 + int(match.group("hm") or 0)
        matches.append(match)
    return (minutes or None), matches


def modality_code(match: re.Match[str]) -> str:
    """Code of an épreuve matched by MODALITY_CODE: "M1", "E2"; "Épreuve 3" is "E3"."""
    return f"{(match.group('letter') or 'E').upper()}{match.group('num') or match.group('num2')}"


def norm_code(code: str) -> str:
    """One spelling per code: "A.2.1." → "A2.1", "C 1.1" → "C1.1", "BC7. 2" → "BC7.2"."""
    code = re.sub(r"\s+", "", code).upper().rstrip(".")
    return re.sub(r"^([A-Z]+)\.", r"\1", code)


def codes_in(text: str) -> list[str]:
    """Compétence codes a text names, ranges ("C5 à C13") expanded."""
    codes: list[str] = []
    for match in _COMPETENCE_RANGE.finditer(text):
        first, last = int(match.group(2)), int(match.group(3))
        if 0 < last - first < 100:
            codes += [f"{match.group(1).upper()}{n}" for n in range(first, last + 1)]
    codes += [norm_code(m.group(0)) for m in COMPETENCE_ANY.finditer(text)]
    return list(dict.fromkeys(codes))


def modality_kind(text: str) -> ModalityKind:
    for pattern, kind in _KIND_WORDS:
        if re.search(pattern, text, re.I):
            return kind
    return ModalityKind.OTHER


_TITLE_DURATION = re.compile(
    r"\s*(?:\([^()]*\)|[,–—-]\s*(?:dur[ée]e\s*:?\s*)?\d[^,()]*|"
    r"\s(?:de|en|d['’]une\s+dur[ée]e\s+de)\s+\d{1,3}\s*(?:h|heures?|min|minutes)\b[^,()]*|"
    r"\sd['’]une\s+(?:demi-)?heure)\s*$",
    re.I,
)


def without_duration(title: str) -> str:
    """ "Étude de cas (3 h)", "Entretien, 30 minutes" → the title without its duration (the
    duration is read from the whole text of the épreuve)."""
    match = _TITLE_DURATION.search(title)
    if match and match.start() > 0 and DURATION.search(match.group(0)):
        return title[: match.start()].rstrip(" ,.:-–—")
    return title
