"""Credentials follow the documents: when a rendering task has issued certificates or
bloc attestations, their credentials are signed in the same worker."""

from __future__ import annotations

from typing import Any

from credentials.services import credentials_issue


def on_documents_rendered(*, document_ids: list[int], **_kwargs: Any) -> None:
    credentials_issue(document_ids=document_ids)
