"""The questionnaire's link: the survey's ``public_id`` signed with the site's key
(``django.core.signing``, salt ``insertion.survey``).

Why signed rather than a random token stored hashed: the e-mail is rendered by the
worker after the survey was recorded (and again when an administrator sends it again),
so the link must be derivable from the row; a hash would need the raw token kept
somewhere until then. The message's body, kept on the messages page, holds the link in
clear either way. The signature means a database read alone (a dump, a backup) cannot
forge a working link for another survey id, and rotating ``SECRET_KEY`` kills every
link at once. How long a link works is decided by the row (``insertion.selectors``), not
by a time stamp in the link: sending again does not extend it.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "insertion.survey"


def survey_token(public_id: UUID) -> str:
    return signing.Signer(salt=SALT).sign(str(public_id))


def survey_public_id(token: str) -> UUID | None:
    """The survey id a link names, or ``None`` for a forged or mangled link."""
    try:
        return UUID(signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def survey_url(public_id: UUID) -> str:
    return settings.SITE_URL + reverse("insertion:questionnaire", args=[survey_token(public_id)])
