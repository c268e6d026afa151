"""Reading a référentiel document: bytes to text (encodings, binary and size guards),
HTML/markdown fragments to plain text, and cell fragments to titles, criteria and épreuve
headings."""

from __future__ import annotations

import codecs
import html
import re
import unicodedata

from django.utils.translation import gettext as _

from certifications.errors import ImportFormatError
from certifications.importers.document.codes import (
    COMPETENCE_AT,
    EVAL_PREFIX,
    FIELD_LABEL,
    MODALITY_CODE,
    MODALITY_START,
    modality_code,
)
from certifications.importers.draft import line_location

MAX_BYTES = 20 * 1024 * 1024  # a référentiel is a few hundred kB; more is not one


# -- bytes to text ---------------------------------------------------------------------------


def decode_bytes(raw: bytes) -> tuple[str, bool]:
    """Text of the file and whether it had to be read as Windows-1252."""
    if not raw.strip():
        raise ImportFormatError(_("The file is empty."), line_location(1))
    if len(raw) > MAX_BYTES:
        raise ImportFormatError(too_big_message(), line_location(1))
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), False
        except UnicodeDecodeError as exc:
            raise ImportFormatError(_("Unreadable UTF-16 file."), line_location(1)) from exc
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ImportFormatError(_binary_message(), line_location(line))
    try:
        return raw.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), True
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFormatError(
            _("Unreadable encoding: neither UTF-8 nor Windows-1252."), line_location(line)
        ) from exc


def check_text(text: str) -> str:
    """Refuse binary data that happened to decode; drop stray control characters."""
    controls = [
        i
        for i, ch in enumerate(text)
        if unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\t\n\r\f"
    ]
    if len(controls) * 50 > len(text):
        line = text[: controls[0]].count("\n") + 1
        raise ImportFormatError(_binary_message(), line_location(line))
    if controls:
        drop = set(controls)
        text = "".join(ch for i, ch in enumerate(text) if i not in drop)
    if not text.strip():
        raise ImportFormatError(_("The file is empty."), line_location(1))
    return text


def too_big_message() -> str:
    return _("File too large for a référentiel (more than %(size)d MB).") % {
        "size": MAX_BYTES // (1024 * 1024)
    }


def _binary_message() -> str:
    return _("Binary file: this is not an exported text.")


# -- text helpers ------------------------------------------------------------------------

_BLOCK_TAG = re.compile(
    r"(<\s*/?\s*(?:p|ul|ol|li|br|div|h[1-6]|tr|td|th|table|tbody|thead)\b[^>]{0,500}>)", re.I
)
_TAG = re.compile(r"<[^<>]{0,500}>")
_MD_ESCAPE = re.compile(r"\\([\\_*`#\[\]().!+\-{}|>~])")
_SPACES = re.compile(r"\s+")
_BULLET = re.compile(r"(?:^|(?<=\s))[-•–▪●◦*]\s+")
LEAD_BULLET = re.compile(r"^\s*(?:[-•–▪●◦*]|\d{1,2}[.)])\s+")
_MD_HEADING = re.compile(r"^\s*(#{1,6})\s*(.*)$")
_TERMINAL = tuple(".!?:;…")
_STOP_WORDS = frozenset(
    [
        "de",
        "des",
        "du",
        "d'",
        "la",
        "le",
        "les",
        "l'",
        "un",
        "une",
        "et",
        "ou",
        "à",
        "au",
        "aux",
        "en",
        "par",
        "pour",
        "dans",
        "sur",
        "avec",
        "sans",
        "entre",
        "vers",
        "que",
        "qui",
        "dont",
        "est",
        "sont",
        "son",
        "sa",
        "ses",
        "leur",
        "leurs",
        "ce",
        "cette",
        "ces",
        "se",
        "ne",
        "afin",
        "d'une",
        "d'un",
        "notamment",
        "comme",
        "tels",
        "telles",
        "plus",
        "très",
    ]
)


def clean(raw: str) -> str:
    """Plain text of an HTML/markdown fragment, on one line."""
    text = _BLOCK_TAG.sub(" ", raw)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _MD_ESCAPE.sub(r"\1", text)
    text = text.replace("**", "").replace("`", "").replace("\u00a0", " ").replace("▼", "")
    return _SPACES.sub(" ", text).strip()


def cell_fragments(raw: str) -> list[tuple[str, bool]]:
    """Split a cell at block tags: (raw fragment with its inline tags, is it a <li>)."""
    result: list[tuple[str, bool]] = []
    in_li = False
    for piece in _BLOCK_TAG.split(raw):
        if _BLOCK_TAG.fullmatch(piece):
            tag = piece.lower().replace(" ", "")
            in_li = tag.startswith("<li")
            continue
        if clean(piece):
            result.append((piece, in_li))
    return result


def starts_lower(text: str) -> bool:
    stripped = text.lstrip(" \"'«“(…,;")
    return bool(stripped) and stripped[0].islower()


def _starts_upper(text: str) -> bool:
    stripped = text.lstrip(" \"'«“(")
    return bool(stripped) and stripped[0].isupper()


def terminated(text: str) -> bool:
    return text.rstrip(" »\"')*").endswith(_TERMINAL)


def cut_score(text: str) -> int:
    """How surely a paragraph was cut by a page break: 2 when it ends on a word that cannot end
    a sentence ("des", "pour", a number), 1 when it merely lacks final punctuation."""
    if not text or terminated(text):
        return 0
    last = text.rstrip().split()[-1].lower() if text.split() else ""
    if last in _STOP_WORDS or last[-1:].isdigit() or last.endswith(("-", ",", "’", "'")):
        return 2
    return 1


def join_text(left: str, right: str) -> str:
    left, right = left.rstrip(), right.strip()
    if not left:
        return right
    if left.endswith("-") and not left.endswith(" -"):
        return left + right
    return f"{left} {right}"


def strip_md_heading(text: str) -> tuple[int, str]:
    match = _MD_HEADING.match(text)
    if not match:
        return 0, text
    return len(match.group(1)), match.group(2).strip()


# -- fragment readers --------------------------------------------------------------------


def split_bullets(text: str) -> tuple[str, list[str]]:
    parts = _BULLET.split(text)
    return parts[0].strip(), [p.strip() for p in parts[1:] if p.strip()]


def title_and_description(fragment: str) -> tuple[str, str]:
    """ "<b>C1 - Title</b> - Description" → (Title, Description); plain text is all title."""
    match = re.match(r"\s*<(b|strong)>(.*?)</\1>(.*)$", fragment, re.S | re.I)
    if match:
        title, rest = clean(match.group(2)), clean(match.group(3))
    else:
        title, rest = clean(fragment), ""
    if code := COMPETENCE_AT.match(title):
        title = code.group("rest")
    if not title.strip(" -–—:.") and rest:
        # "<b>CP1.</b> Installer et configurer…": the bold part is only the code.
        title, rest = rest, ""
    title = title.strip(" -–—:").strip()
    return title, re.sub(r"^[\s\-–:]+", "", rest).strip()


def criteria_items(raw: str) -> tuple[str, list[str]]:
    """(text that finishes the previous criterion, the new criteria) of a criteria cell."""
    cut = ""
    items: list[str] = []
    for position, (fragment, in_li) in enumerate(cell_fragments(raw)):
        head, bullets = split_bullets(clean(fragment))
        if head and in_li:
            bullets.insert(0, head)
        elif head and position == 0 and starts_lower(head):
            cut = head  # the end of a criterion cut by a page break
        elif head and items and starts_lower(head):
            items[-1] = join_text(items[-1], head)
        elif head and not head.endswith(":"):
            items.append(head)
        for bullet in bullets:
            # "… est - réalisée": a hyphen taken for a bullet inside an upper-case list.
            if items and starts_lower(bullet) and _starts_upper(items[-1]):
                items[-1] = join_text(items[-1], bullet)
            else:
                items.append(bullet)
    return cut, [i for i in items if not i.endswith(":")]


def modality_heading(fragment: str, *, first: bool) -> tuple[str, str, str] | None:
    """(code, title, rest) when a cell fragment opens an épreuve, else None."""
    text = clean(fragment)
    if not text or starts_lower(text):
        return None
    if match := MODALITY_CODE.match(text):
        code = modality_code(match)
        title, rest = code_title(match.group("rest"), fragment)
        return code, title, rest
    without_prefix = EVAL_PREFIX.sub("", fragment, count=1) if EVAL_PREFIX.match(text) else fragment
    underlined = re.match(r"\s*<u>(.*?)</u>\s*:?\s*(.*)$", without_prefix, re.S | re.I)
    if underlined:
        title = clean(underlined.group(1)).rstrip(" :")
        if title and not FIELD_LABEL.match(title):
            return "", title, clean(underlined.group(2)).lstrip(": ")
        return None
    plain = clean(without_prefix)
    if first and MODALITY_START.match(plain) and not FIELD_LABEL.match(plain):
        return ("", *_keyword_title(plain))
    return None


def free_modality_heading(raw: str, text: str, level: int) -> tuple[str, str, str] | None:
    """A line of its own opens an épreuve when it is a heading naming one, or a short title."""
    if level >= 3:
        return "", text.rstrip(" :"), ""  # a sub-heading inside a bloc names its épreuves
    if LEAD_BULLET.match(text) or starts_lower(text):
        return None
    if MODALITY_CODE.match(text) or re.match(r"\s*<u>", raw):
        return modality_heading(raw, first=True)
    if (
        MODALITY_START.match(text)
        and len(text) <= 100
        and not text.rstrip().endswith((*_TERMINAL, ","))
    ):
        return "", text.strip(), ""
    return None


def code_title(rest_text: str, fragment: str) -> tuple[str, str]:
    """Title of a coded épreuve: its bold part, else its first sentence."""
    bold = re.search(r"<(b|strong)>(.*?)</\1>", fragment, re.S | re.I)
    if bold:
        title = clean(bold.group(2))
        title = MODALITY_CODE.sub(lambda m: m.group("rest"), title, count=1)
        after = clean(fragment[bold.end() :])
        if title.strip(" .:-–—"):
            return title.strip(" .:-–—"), after
        rest_text = after  # "<b>Épreuve 1 :</b> Étude de cas": the bold part is the code
    sentence = re.match(r"(.{3,200}?[.:])(?:\s|$)(.*)$", rest_text, re.S)
    if sentence:
        return _before_duration(sentence.group(1).rstrip(".: "), sentence.group(2).strip())
    return _before_duration(rest_text[:200], rest_text[200:])


_TITLE_THEN_DURATION = re.compile(
    r"^(?P<title>[^()]{3,120}?)\s*\((?P<duration>[^()]*\d\s*(?:h|min)[^()]*)\)\s*(?P<more>\S.*)$",
    re.S | re.I,
)


def _before_duration(title: str, rest: str) -> tuple[str, str]:
    """ "Soutenance orale (45 min) devant le jury" → the title is what comes before the
    duration; the whole sentence stays in the text (the duration is read from it)."""
    match = _TITLE_THEN_DURATION.match(title)
    if not match:
        return title, rest
    return match.group("title").strip(" ,-–—"), join_text(title + ".", rest) if rest else title


def first_sentence(text: str) -> tuple[str, str]:
    """ "Étude de cas écrite. Durée : 2 h 30" → ("Étude de cas écrite", "Durée : 2 h 30")."""
    sentence = re.match(r"(.{3,200}?)[.:](?:\s+|$)(.*)$", text, re.S)
    if sentence:
        return sentence.group(1).strip(), sentence.group(2).strip()
    return text[:200].strip(), text[200:].strip()


def _keyword_title(text: str) -> tuple[str, str]:
    """ "Etude de cas pratique 1 : A partir…" → title before the colon; "Etude de cas Le/la
    candidat(e)…" → the words up to the first capitalised one."""
    colon = text.find(":")
    if 0 < colon <= 150:
        return text[:colon].strip(), text[colon + 1 :].strip()
    keyword = MODALITY_START.match(text)
    end = keyword.end() if keyword else 0
    words = text[end:].split(" ")
    taken = 0
    for word in words:
        if word and (word[0].isupper() or len(text[: end + taken]) > 120):
            break
        taken += len(word) + 1
    cut = end + taken
    return text[:cut].strip(" ,"), text[cut:].strip()
