"""Reads of the credentials, with who may read them."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from credentials.build import CREDENTIAL_KINDS
from credentials.models import IssuerKey
from reports.models import Document, DocumentKind
from reports.selectors import document_download_get_for_user

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def credential_document_get_for_user(*, user: User, public_id: UUID | str) -> Document:
    """An issued certificate or bloc attestation the user may download (its holder or an
    administrator); ``Document.DoesNotExist`` otherwise."""
    document = document_download_get_for_user(user=user, public_id=public_id)
    if document.kind not in CREDENTIAL_KINDS:
        raise Document.DoesNotExist
    return document


def published_keys() -> list[IssuerKey]:
    """Every key that signed credentials and was not withdrawn: old ones stay, so what
    they signed still verifies after a rotation."""
    return list(IssuerKey.objects.filter(retired_at__isnull=True))


def linkedin_add_url(document: Document) -> str:
    """LinkedIn's « Add licence or certification » form, filled in: the name, the
    certifier, the month of issue, the number and the public verification page."""
    if document.kind == DocumentKind.BLOC_ATTESTATION and document.bloc is not None:
        name = f"{document.bloc.code} — {document.bloc.title}".strip(" —")
    else:
        certification = document.session.referentiel.certification
        name = f"{certification.title} ({certification.code})" if certification.code \
            else certification.title
    issued = timezone.localdate(document.issued_at or timezone.now())
    query = {"startTask": "CERTIFICATION_NAME", "name": name,
             "organizationName": document.certifier, "issueYear": issued.year,
             "issueMonth": issued.month, "certId": document.number,
             "certUrl": settings.SITE_URL + reverse("reports:verify",
                                                    args=[document.verification_code])}
    return f"{LINKEDIN_ADD}?{urlencode(query)}"
