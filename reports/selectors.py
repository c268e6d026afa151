"""Reads on the document register, with the permission filter built in (DESIGN.md §8):
a candidate reaches their own issued documents, an administrator any; anyone else
nothing (the view answers 404). Verification by code is public."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from candidates.models import Session
from reports.models import Document, DocumentStatus


def _is_administrator(user: User) -> bool:
    return user.is_authenticated and user.is_administrator


def document_list_for_user(*, user: User) -> QuerySet[Document]:
    rows = Document.objects.select_related("enrolment__candidate", "bloc", "session")
    if _is_administrator(user):
        return rows
    if not user.is_authenticated:
        return rows.none()
    return rows.filter(enrolment__candidate__user=user)


def document_download_get_for_user(*, user: User, public_id: UUID | str) -> Document:
    """An issued document the user may download; ``Document.DoesNotExist`` otherwise."""
    return document_list_for_user(user=user).get(public_id=public_id,
                                                 status=DocumentStatus.ISSUED)


def document_get_for_admin(*, user: User, public_id: UUID | str) -> Document:
    if not _is_administrator(user):
        raise Document.DoesNotExist
    return Document.objects.select_related("session").get(public_id=public_id)


def session_get_for_admin(*, user: User, public_id: UUID | str) -> Session:
    if not _is_administrator(user):
        raise Session.DoesNotExist
    return Session.objects.select_related("referentiel__certification").get(public_id=public_id)


def session_documents_for_admin(*, user: User, session: Session) -> QuerySet[Document]:
    reissued = Document.objects.filter(replaces=OuterRef("pk"))
    return (document_list_for_user(user=user).filter(session=session)
            .select_related("replaces", "revoked_by")
            .annotate(reissued=Exists(reissued)).order_by("number"))


def document_for_verification(*, code: str) -> Document:
    """The document behind a verification code, if it was ever issued; the code is
    random, so a lookup reveals nothing about the other documents."""
    return (Document.objects
            .select_related("enrolment__candidate", "bloc",
                            "session__referentiel__certification")
            .exclude(issued_at__isnull=True)
            .get(verification_code=code.strip().upper()))
