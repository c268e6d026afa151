"""What the API tests share: clients signed in by session or by token, and a signed
deliberation with its documents issued (the reports app's fixtures)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiTokenScope, User
from accounts.services_tokens import api_token_create
from reports.models import Document
from reports.services import document_render, documents_issue_for_deliberation
from reports.tests.conftest import FAKE_PDF, enqueued, rendered, signed  # noqa: F401


def session_client(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def token_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def write_token(alice) -> str:
    return api_token_create(by=alice, name="ERP", scope=ApiTokenScope.WRITE)[1]


@pytest.fixture
def read_token(alice) -> str:
    return api_token_create(by=alice, name="BI", scope=ApiTokenScope.READ)[1]


@pytest.fixture
def documents(signed, enqueued, rendered) -> list[Document]:  # noqa: F811
    return [document_render(document_id=d.pk)
            for d in documents_issue_for_deliberation(deliberation=signed.deliberation)]


__all__ = ["FAKE_PDF"]
