"""Personal data is never kept by a browser's or a proxy's cache: every response to a
signed-in request (page or API, by session or token) and every file download says
``Cache-Control: no-store`` (issue 15, « Doors »)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.conftest import session_client, token_client

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_a_view_that_chose_its_caching_keeps_it(charlie):
    client = Client()
    client.force_login(charlie)
    response = client.get(reverse("account_login"))  # allauth: never_cache
    assert response["Cache-Control"].count("no-store") == 1


def test_a_signed_in_page_is_not_stored(charlie):
    client = Client()
    client.force_login(charlie)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert no_store(response)


def test_an_api_answer_to_a_token_is_not_stored(read_token):
    response = token_client(read_token).get("/api/v1/certifications/")
    assert response.status_code == 200
    assert no_store(response)


def test_an_api_answer_to_a_session_is_not_stored(alice):
    response = session_client(alice).get("/api/v1/documents/")
    assert response.status_code == 200
    assert no_store(response)


def test_a_pdf_download_is_not_stored(alice, documents):
    client = Client()
    client.force_login(alice)
    response = client.get(reverse("reports:download", args=[documents[0].public_id]))
    assert response.status_code == 200
    assert no_store(response)
    response = session_client(alice).get(f"/api/v1/documents/{documents[0].public_id}/download/")
    assert response.status_code == 200
    assert no_store(response)


def test_an_anonymous_answer_keeps_its_own_caching(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert not no_store(response)
