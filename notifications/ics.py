"""An iCalendar (RFC 5545) file for one event, written by hand: no library in the project
writes them. Times in UTC, lines ended by CRLF and folded at 75 octets, text escaped."""

from __future__ import annotations

import datetime

_UTC = datetime.UTC


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(_UTC).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    """TEXT values (§3.3.11): backslash, semicolon, comma escaped; newlines as ``\\n``."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """Content lines longer than 75 octets are split (§3.1), never inside a UTF-8
    character; each continuation starts with one space."""
    out: list[str] = []
    chunk, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(chunk)
            chunk, size, limit = " ", 1, 75
        chunk += char
        size += width
    out.append(chunk)
    return "\r\n".join(out)


def ics_event(*, uid: str, start: datetime.datetime, end: datetime.datetime, summary: str,
              location: str = "", description: str = "",
              stamp: datetime.datetime | None = None) -> bytes:
    """A VCALENDAR with one VEVENT; ``start`` and ``end`` are aware datetimes."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//certassess//notifications//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_stamp(stamp or datetime.datetime.now(_UTC))}",
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(max(end, start))}",
        f"SUMMARY:{_escape(summary)}",
    ]
    if location:
        lines.append(f"LOCATION:{_escape(location)}")
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
