"""Errors shared by every import of a file (référentiels and enrolments).

It sits in certifications, the lowest app that reads uploaded files: the référentiel
parsers raise it, and candidates' enrolment import (one floor up) raises the same error
so that views, the API and the import command answer it the same way.
"""

from __future__ import annotations


class ImportFormatError(Exception):
    """The input cannot be parsed at all (empty, binary, truncated, hostile...).

    ``message`` is already in the user's words and language (the importers translate it when
    they raise); ``location`` names the line, page or element, also translated ("line 12").
    """

    def __init__(self, message: str, location: str = "") -> None:
        super().__init__(f"{location}: {message}" if location else message)
        self.message = message
        self.location = location


__all__ = ["ImportFormatError"]
