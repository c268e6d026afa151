"""The fiche's facts, read outside the référentiel tables: title, code, level, NSF,
formacodes, ROME, dates, scale, access routes and the requirements beyond the blocs."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.utils.translation import gettext as _

from certifications.importers.document.reading import (
    LEAD_BULLET,
)
from certifications.importers.document.state import ParserState
from certifications.importers.draft import (
    CertifierDraft,
    LevelDraft,
    RequirementDraft,
    ScaleDraft,
    line_location,
)
from certifications.vocabulary import LevelOutcome

_DATE = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")
_RNCP = re.compile(r"\bRNCP\s?(\d{3,6})\b(?!\s?BC)", re.I)
_LEVEL = re.compile(r"niveau\s+de\s+qualification\D{0,40}?(\d)\b", re.I)
# "Niveau 5", "Niveau : 6", "RNCP39001 — niveau 5" in a title block (not a scale's "Niveau 3 :").
_LEVEL_LOOSE = re.compile(
    r"\bniveau\s*(?::\s*)?([3-8])\b(?![ \t]*[:\-–—](?![ \t]*RNCP\s?\d))"
    r"(?![ \t]+(?!(?:du|de|des|selon|bac|eqf|cec|nomenclature|rncp)\b)\w)",
    re.I,
)
# "Certification … délivrée par l'Institut Numérique de Lyon" (a title block's prose).
_ISSUED_BY = re.compile(
    r"\bd[ée]livr[ée]e?s?\s+par\s+(?:l['’]\s?|la\s+|le\s+|les\s+)?(?P<name>[A-ZÉÈÀÂÎÔ].{2,150}?)"
    r"\s*(?:[.;,(]|$)"
)
_CERTIFIER = re.compile(
    r"^\s*(?:organisme\s+)?certificateurs?(?:\s*\(s\))?\s*:\s*(?P<name>\S.{1,200})$", re.I
)
# "(SIRET 123 456 789 00012)", "- SIRET : 12345678900012"
_SIRET = re.compile(r"[\s,;(–—-]*\bSIRET\s*:?\s*(\d{3}\s?\d{3}\s?\d{3}\s?\d{5})\b\s*\)?", re.I)
_TITLE_FORMS = (
    # "Titre professionnel Développeur web", "TP - Développeur web"
    re.compile(r"^\s*(?:titre\s+professionnel|TP)\b\s*[-–—:]?\s*(?P<title>\S.{3,200})$", re.I),
    # "Certification : Agent de sûreté (RNCP37100)", "Certification « Gestionnaire de paie »"
    re.compile(r"^\s*certification\s*(?::\s*|(?=«))(?P<title>\S.{3,200})$", re.I),
    # "RNCP38000 — Chargé de projets en transition écologique"
    re.compile(
        r"^\s*(?:fiche\s+)?RNCP\s?\d{3,6}\s*[-–—:]\s*(?P<title>(?!niveau)\S.{3,200})$", re.I
    ),
    # "Chargé d'accompagnement social — RNCP36123", "Gestionnaire de paie (RNCP35979)"
    re.compile(
        r"^\s*(?P<title>(?!niveau|r[ée]f[ée]rentiel|certification\s+professionnelle|code|num[ée]ro|n°|fiche)"
        r"[^\W\d].{3,200}?)\s*(?:[-–—:]\s*|\(\s*)RNCP\s?\d{3,6}\s*\)?\s*$",
        re.I,
    ),
)
_TITLE_LABEL = re.compile(r"^intitul[ée](?:\s+de\s+la\s+certification)?\s*:\s*(.{5,200})$", re.I)
_RNCP_IN_TITLE = re.compile(r"\s*[-–—(]?\s*RNCP\s?\d{3,6}\s*\)?\s*[-–—:]?\s*", re.I)
_GENERIC_HEADING = re.compile(
    r"^\s*(?:r[ée]f[ée]rentiels?(?:\s+(?:d[e'’]|des|du)\b|\s*$)|fiche\b|annexe|sommaire|"
    r"table\s+des)",
    re.I,
)
_NOT_A_TITLE = re.compile(
    r"(?:r[ée]f[ée]rentiel|fiche|annexe|sommaire|r[ée]pertoire|table\s+des|certification\s+"
    r"professionnelle|bloc|comp[ée]tence|activit|niveau|description|pr[ée]sentation|document)",
    re.I,
)
_EQF = re.compile(r"\b(?:EQF|CEC|cadre\s+europ[ée]en)\D{0,30}?(\d)\b", re.I)
_SCALE_LINE = re.compile(r"^\s*(?:[-•*]\s*)?niveau\s+(\d)\s*[:\-–]\s*(.+)$", re.I)
_SECTIONS = (
    (
        "nsf",
        re.compile(r"\bcodes?(?:\(s\))?\s+nsf\b|^\s*nsf\b", re.I),
        re.compile(r"^(\d{3}[a-z]?)\b"),
    ),
    ("formacode", re.compile(r"\bformacodes?\b", re.I), re.compile(r"^(\d{5})\b")),
    (
        "rome",
        re.compile(r"\bcodes?(?:\(s\))?\s+rome\b|^\s*rome\b", re.I),
        re.compile(r"^([A-N]\d{4})\b"),
    ),
)
_ROUTES = (
    ("vae", re.compile(r"\bexp[ée]rience\b|\bVAE\b", re.I)),
    ("apprentissage", re.compile(r"apprentissage", re.I)),
    ("contrat_professionnalisation", re.compile(r"professionnalisation", re.I)),
    ("formation_continue", re.compile(r"formation\s+continue", re.I)),
    ("formation_initiale", re.compile(r"[ée]l[èe]ve|[ée]tudiant|formation\s+initiale", re.I)),
    ("candidature_libre", re.compile(r"candidature\s+individuelle|candidature\s+libre", re.I)),
)
_REQUIREMENTS_INTRO = re.compile(
    r"(?:obtention|d[ée]livrance|attribution)\s+de\s+la\s+certification.{0,60}"
    r"(?:conditionn|subordonn|requiert|n[ée]cessite|suppose)|pour\s+obtenir\s+la\s+certification",
    re.I,
)
_ALL_BLOCS = re.compile(
    r"validation\s+(?:de\s+|des\s+|de\s+l'ensemble\s+des\s+|de\s+tous\s+les\s+)?(\d+\s+)?blocs",
    re.I,
)
_ACCOMMODATION = re.compile(
    r"(?:adapt|am[ée]nag)\w*.{0,120}handicap|handicap.{0,120}(?:adapt|am[ée]nag)", re.I
)
_BLOC_STATEMENT = re.compile(
    r"\bblocs?\s+de\s+comp[ée]tences?\s+n\s*°\s*(\d{1,2})(?:\s*(?:à|-|–)\s*(\d{1,2}))?"
    r".{0,40}?valid[ée]s?\s+(?:à\s+travers|par|au\s+moyen)",
    re.I,
)


_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_WRITTEN_DATE = re.compile(r"\b(\d{1,2})(?:er)?\s+(" + "|".join(_MONTHS) + r")\s+(\d{4})\b", re.I)


def _parse_date(text: str) -> date | None:
    match = _DATE.search(text)
    if not match:
        written = _WRITTEN_DATE.search(text.replace("fevrier", "février").replace("aout", "août"))
        if not written:
            return None
        try:
            month = _MONTHS.index(written.group(2).lower()) + 1
            return date(int(written.group(3)), month, int(written.group(1)))
        except ValueError:
            return None
    try:
        if match.group(1):
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date(int(match.group(4)), int(match.group(5)), int(match.group(6)))
    except ValueError:
        return None


def _title_of(text: str) -> str:
    """The certification's title without what surrounds it on its line: "Titre
    professionnel", quotes, "(RNCP37100)", ", niveau 5", "Référentiel"."""
    quoted = re.search(r"«\s*([^»]{3,200}?)\s*»", text)
    if quoted:
        return quoted.group(1)
    text = re.sub(r"^\s*(?:titre\s+professionnel|TP)\s*[-–—:]?\s+", "", text, flags=re.I)
    ref = re.match(r"^r[ée]f[ée]rentiel\s+(?!d[e'’]\s|d['’]|des\s|du\s)(.{5,200})$", text, re.I)
    if ref:
        text = ref.group(1)
    text = re.sub(r"\s*\(\s*(?:RNCP|RS)\s?\d{3,6}\s*\)", "", text, flags=re.I)
    text = re.sub(r"\s*(?:[,–—-]\s*)?niveau\s*:?\s*\d\s*$", "", text, flags=re.I)
    return text.strip(" ,;:-–—")


def _outcome(number: int, text: str) -> LevelOutcome:
    lowered = text.lower()
    if "rattrapage" in lowered or "non acquis" in lowered:
        return LevelOutcome.RATTRAPAGE
    if "voie de" in lowered or "complément" in lowered or "en cours" in lowered:
        return LevelOutcome.COMPLEMENT
    if "validée" in lowered or "acquise" in lowered:
        return LevelOutcome.ACQUIRED
    return {3: LevelOutcome.COMPLEMENT, 4: LevelOutcome.RATTRAPAGE}.get(
        number, LevelOutcome.ACQUIRED
    )


class FactsMixin(ParserState):
    """The parser's reading of the fiche outside the référentiel tables."""

    # -- the fiche's facts -----------------------------------------------------------------
    def _meta_row(self, number: int, texts: list[str]) -> None:
        filled = [t for t in texts if t]
        lowered = [t.lower() for t in texts]
        if "oui" in lowered and "non" in lowered:
            self.access_yes_col = lowered.index("oui")
            return
        if self.access_yes_col is not None and len(texts) > self.access_yes_col:
            if texts[self.access_yes_col].strip().upper() == "X" and texts[0]:
                self._access_route(texts[0])
            return
        self._meta_line(number, " : ".join(filled), level=0)

    def _access_route(self, label: str) -> None:
        routes = self.draft.certification.access_routes
        for route, pattern in _ROUTES:
            if pattern.search(label):
                if route not in routes:
                    routes.append(route)
                return

    def _scale_line(self, text: str) -> bool:
        match = _SCALE_LINE.match(text)
        if not match or len(match.group(2)) > 300:
            return False
        self.scale[int(match.group(1))] = match.group(2).strip(" ;.")
        return True

    def _meta_line(self, number: int, text: str, *, level: int) -> None:
        cert = self.draft.certification
        if not text:
            return
        bullet = bool(LEAD_BULLET.match(text))
        item = LEAD_BULLET.sub("", text, count=1).strip()
        if self._section_line(item, bullet, level):
            return
        if self.requirements_open and bullet:
            self._requirement(number, item)
            return
        self.requirements_open = bool(_REQUIREMENTS_INTRO.search(text)) and text.endswith(":")
        self._title_line(text, level)
        if self.description_next and not level and len(text) > 80 and not cert.description:
            cert.description = text
        self.description_next = bool(
            re.search(r"description|objectifs|r[ée]sum[ée]", text, re.I)
        ) and (bool(level) or text.endswith(":"))
        self._facts(text, number)

    def _section_line(self, item: str, bullet: bool, level: int) -> bool:
        """NSF, formacode and ROME codes are listed under their own label."""
        for name, label, _code in _SECTIONS:
            if (found := label.search(item)) and not bullet:
                self.meta_section = name
                # "Code(s) NSF : 324, 320", "NSF 324 - Secrétariat": the codes after the label.
                after = item.split(":", 1)[1] if ":" in item else item[found.end() :]
                self._section_codes(name, after)
                return True
        if self.meta_section and bullet:
            self._section_codes(self.meta_section, item)
            return True
        self.meta_section = None
        return False

    def _section_codes(self, name: str, text: str) -> None:
        pattern = next(code for n, _label, code in _SECTIONS if n == name)
        cert = self.draft.certification
        target = {"nsf": cert.nsf_codes, "formacode": cert.formacodes, "rome": cert.rome_codes}[
            name
        ]
        for chunk in re.split(r"[,;]", text):
            if (match := pattern.match(chunk.strip())) and match.group(1) not in target:
                target.append(match.group(1))

    def _title_line(self, text: str, level: int) -> None:
        cert = self.draft.certification
        if cert.title:
            return
        if self.blocs:
            # After the blocs only a labelled title is one.
            if match := _TITLE_LABEL.match(text):
                cert.title = _title_of(match.group(1))
            return
        if level == 1:
            if not _GENERIC_HEADING.match(text):  # "# Référentiel d'activités…" names no title
                cert.title = _title_of(text)
            return
        for form in _TITLE_FORMS:
            if match := form.match(text):
                cert.title = _title_of(match.group("title"))
                return
        if (
            match := re.match(
                r"^r[ée]f[ée]rentiel\s+(?!d[e'’]\s|d['’]|des\s|du\s)(.{5,200})$", text, re.I
            )
        ) or (match := _TITLE_LABEL.match(text)):
            cert.title = _title_of(match.group(1))

    def _facts(self, text: str, number: int = 0) -> None:
        cert = self.draft.certification
        lowered = text.lower()
        if not cert.code and (match := _RNCP.search(text)):
            cert.code = f"RNCP{match.group(1)}"
        if cert.level is None and (match := _LEVEL.search(text)):
            cert.level = int(match.group(1))
        elif (
            cert.level is None
            and not self.blocs
            and len(text) <= 150
            and (match := _LEVEL_LOOSE.search(text))
        ):
            # Not labelled "niveau de qualification": it could be another level.
            cert.level = int(match.group(1))
            self.draft.warn(
                _("Level %(level)d deduced from the line “%(line)s”: to be checked")
                % {"level": cert.level, "line": text[:60]},
                line_location(number),
            )
        if (match := _CERTIFIER.match(text)) and len(cert.certifiers) < 10:
            name, siret = match.group("name"), ""
            if found := _SIRET.search(name):
                siret = re.sub(r"\s", "", found.group(1))
                name = name[: found.start()] + name[found.end() :]
            name = re.sub(r"\(\s*\)", "", name).strip(" .;,-–—")
            if name and name not in [c.legal_name for c in cert.certifiers]:
                cert.certifiers.append(CertifierDraft(legal_name=name[:200], siret=siret))
        elif (
            not cert.certifiers
            and not self.blocs
            and len(text) <= 300
            and (match := _ISSUED_BY.search(text))
        ):
            name = match.group("name").strip(" .;,-–—")
            cert.certifiers.append(CertifierDraft(legal_name=name[:200]))
            self.draft.warn(
                _("Certifier “%(name)s” deduced from the line “%(line)s”: to be checked")
                % {"name": name[:60], "line": text[:60]},
                line_location(number),
            )
        if cert.eqf_level is None and (match := _EQF.search(text)):
            cert.eqf_level = int(match.group(1))
        if lowered in ("active", "inactive"):
            cert.active = lowered == "active"
        self._dates(lowered, text)
        if _ACCOMMODATION.search(text) and re.search(
            r"[ée]valuation|[ée]preuve|examen", text, re.I
        ):
            cert.accommodations_available = True
        if re.search(
            r"\bpar\s+(?:la\s+)?VAE\b|validation\s+des\s+acquis\s+de\s+l'exp[ée]rience", text, re.I
        ):
            self.vae_in_text = True
        for match in _BLOC_STATEMENT.finditer(text):
            first = int(match.group(1))
            self.bloc_statements.append((first, int(match.group(2) or first), text))
        if re.search(
            r"\bne\s+peu(?:t|vent)\s+pas\s+[êe]tre\s+(?:d[ée]livr|valid|certifi)", lowered
        ):
            for bloc in self.blocs:
                bloc.draft.certifiable_alone = False

    def _dates(self, lowered: str, text: str) -> None:
        cert = self.draft.certification
        when = _parse_date(text)
        if when is None:
            if (match := re.search(r"dur[ée]e\s+de\s+l'enregistrement.*?(\d{1,2})", lowered)) and (
                cert.registration_date and not cert.registration_end_date
            ):
                years = int(match.group(1))
                start = cert.registration_date
                cert.registration_end_date = (
                    start.replace(year=start.year + years)
                    if (start.month, start.day) != (2, 29)
                    else start + timedelta(days=365 * years)
                )
            return
        if re.search(
            r"date\s+(?:de\s+(?:la\s+)?)?d[ée]cision|date\s+d'enregistrement|publication", lowered
        ):
            cert.registration_date = cert.registration_date or when
        elif re.search(r"[ée]ch[ée]ance|fin\s+d'enregistrement", lowered):
            cert.registration_end_date = cert.registration_end_date or when
        elif re.search(r"limite\s+de\s+d[ée]livrance", lowered):
            cert.last_issuing_date = cert.last_issuing_date or when

    def _requirement(self, number: int, item: str) -> None:
        cert = self.draft.certification
        if _ACCOMMODATION.search(item):
            cert.accommodations_available = True
            return
        if match := _ALL_BLOCS.search(item):
            # "La validation des 6 blocs": what every certification requires anyway.
            stated = int(match.group(1)) if match.group(1) else None
            if stated is not None and self.blocs and stated != len(self.blocs):
                self.draft.warn(
                    _("The document requires %(stated)d blocs but %(found)d were recognised")
                    % {"stated": stated, "found": len(self.blocs)},
                    line_location(number),
                )
            return
        label = item.split(":", 1)[0].strip() if ":" in item[:120] else item[:120]
        cert.requirements.append(RequirementDraft(label=label.rstrip(" ."), description=item))

    def _title_from_first_line(self) -> None:
        """A document that labels no title often opens with it: taken, with a warning."""
        cert = self.draft.certification
        if cert.title or self.first_line is None:
            return
        number, text = self.first_line
        title = _title_of(_RNCP_IN_TITLE.sub("", text))
        if (
            5 <= len(title) <= 150
            and ":" not in text
            and not re.match(r"^[\d\W]", title)
            and not _NOT_A_TITLE.match(title)
            and not any(b.draft.title == title for b in self.blocs)
        ):
            cert.title = title
            self.draft.warn(
                _("Certification title read on the first line: “%(title)s”, to be checked")
                % {"title": title[:60]},
                line_location(number),
            )

    def _codes_from_blocs(self) -> None:
        cert = self.draft.certification
        for bloc in self.blocs:
            match = re.match(r"(RNCP\d+)BC", bloc.draft.code)
            if match and not cert.code:
                cert.code = match.group(1)
            if bloc.draft.code.startswith("BC") and cert.code:
                bloc.draft.code = f"{cert.code}{bloc.draft.code}"

    def _build_scale(self) -> None:
        levels = []
        for number in sorted(self.scale):
            text = self.scale[number]
            label = re.split(r"\s+[-–]\s+", text, maxsplit=1)[0]
            tail = re.search(r"\(([^)]*)\)\s*$", text)
            if tail and tail.group(0) not in label:
                label = f"{label} ({tail.group(1)})"
            levels.append(LevelDraft(number, label, text, _outcome(number, text)))
        if len(levels) >= 2:
            # Named after the document, so that the editor's scale choice tells it apart.
            source = self.draft.certification.code or self.draft.source_name
            name = f"Échelle à {len(levels)} niveaux" + (f" ({source})" if source else "")
            self.draft.scale = ScaleDraft(name=name[:200], levels=levels)
