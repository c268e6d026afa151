"""File names of downloads: built from a safe slug, whatever a name or a code holds (a
quote, a slash, a line break would otherwise break the header or answer a 500)."""

from __future__ import annotations

import re
import unicodedata

from django.utils.http import content_disposition_header


def safe_file_name(name: str, *, default: str = "download") -> str:
    """ASCII letters, digits, « . _ - »; no path, no « .. », at most 120 characters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_name)
    slug = re.sub(r"\.{2,}", ".", slug)
    slug = re.sub(r"-{2,}", "-", slug).strip("-.")
    return slug[:120].strip("-.") or default


def attachment_disposition(stem: str, extension: str) -> str:
    """``Content-Disposition`` of a download named ``<safe stem>.<extension>``."""
    return content_disposition_header(
        as_attachment=True, filename=f"{safe_file_name(stem)}.{safe_file_name(extension)}")
