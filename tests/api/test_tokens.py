"""API tokens: administrators create, scope and revoke them on /account/tokens/; the API
takes them as ``Authorization: Bearer``. A revoked, expired or unknown token is a 401, a
read-only token that writes a 403; only a hash of the secret is stored."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, override

from accounts.models import ApiToken, ApiTokenScope, AuditEvent
from accounts.services_tokens import api_token_create, api_token_revoke
from candidates.tests.factories import make_referentiel
from tests.api.conftest import session_client, token_client

pytestmark = pytest.mark.django_db

TOKENS = "/account/tokens/"
SESSIONS = "/api/v1/sessions/"


def _session_body(referentiel) -> dict:
    return {"referentiel": str(referentiel.public_id), "name": "Promotion 2027",
            "starts_on": "2027-01-10", "ends_on": "2027-06-30"}


# -- the pages -------------------------------------------------------------------------------
def test_it_creates_a_token_and_shows_the_secret_once(client, alice):
    client.force_login(alice)
    response = client.post(f"{TOKENS}new/", {"name": "LMS", "scope": "write"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("cat_")
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.user) == ("LMS", "write", alice)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get())
    listing = client.get(TOKENS).content.decode()
    assert "LMS" in listing
    assert token.prefix in listing
    assert secret not in listing
    event = AuditEvent.objects.get(action="api_token.created")
    assert (event.actor, event.new["name"], event.new["scope"]) == (alice, "LMS", "write")


def test_it_refuses_a_past_expiry_date(client, alice):
    client.force_login(alice)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(f"{TOKENS}new/", {"name": "LMS", "scope": "read",
                                             "expires_on": yesterday.isoformat()})
    assert response.status_code == 422
    assert escape(gettext("The expiry date must be in the future.")) in response.content.decode()
    assert not ApiToken.objects.exists()


def test_it_revokes_a_token_after_confirmation(client, alice, write_token):
    client.force_login(alice)
    token = ApiToken.objects.get()
    url = f"{TOKENS}{token.public_id}/revoke/"
    assert gettext("Revoke the token") in client.get(url).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # the GET only asks
    assert client.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == alice
    assert AuditEvent.objects.filter(action="api_token.revoked", object_id=str(token.pk)).exists()
    assert token_client(write_token).get(SESSIONS).status_code == 401


def test_the_pages_are_reached_from_the_navigation(client, alice):
    client.force_login(alice)
    assert f'href="{TOKENS}"' in client.get("/").content.decode()


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_only_administrators_reach_the_pages(client, persona, request, write_token):
    client.force_login(request.getfixturevalue(persona))
    token = ApiToken.objects.get()
    assert client.get(TOKENS).status_code == 404
    assert client.post(f"{TOKENS}new/", {"name": "x", "scope": "write"}).status_code == 404
    assert client.post(f"{TOKENS}{token.public_id}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.objects.count() == 1


def test_the_pages_are_in_french(client, alice):
    client.force_login(alice)
    with override("fr"):
        expected = gettext("Create an API token")
    response = client.get(f"{TOKENS}new/", HTTP_ACCEPT_LANGUAGE="fr")
    assert expected in response.content.decode()


# -- the API ---------------------------------------------------------------------------------
def test_a_token_authenticates_as_its_owner(alice, write_token):
    referentiel = make_referentiel()
    client = token_client(write_token)
    assert client.get(SESSIONS).status_code == 200
    response = client.post(SESSIONS, _session_body(referentiel), format="json")
    assert response.status_code == 201, response.content
    assert ApiToken.objects.get().last_used_at is not None


def test_the_token_keyword_works_too(write_token):
    client = session_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {write_token}")
    assert client.get(SESSIONS).status_code == 200


def test_a_read_only_token_cannot_write(read_token):
    referentiel = make_referentiel()
    client = token_client(read_token)
    assert client.get(SESSIONS).status_code == 200
    response = client.post(SESSIONS, _session_body(referentiel), format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == gettext("This token is read-only.")
    assert response.json()["type"] == "permission_denied"


def test_an_unknown_token_is_a_401_with_the_scheme(db):
    response = token_client("cat_nothing").get(SESSIONS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["type"] == "authentication_failed"


def test_an_expired_token_is_a_401(alice):
    token, secret = api_token_create(
        by=alice, name="old", scope=ApiTokenScope.READ,
        expires_at=timezone.now() + datetime.timedelta(hours=1))
    assert token_client(secret).get(SESSIONS).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert token_client(secret).get(SESSIONS).status_code == 401


def test_a_revoked_token_is_a_401(alice, read_token):
    api_token_revoke(token=ApiToken.objects.get(), by=alice)
    assert token_client(read_token).get(SESSIONS).status_code == 401


def test_the_token_of_a_deactivated_user_is_a_401(alice, read_token):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert token_client(read_token).get(SESSIONS).status_code == 401


def test_a_token_carries_its_owners_rights_only(bob, write_token):
    """A token is only as strong as its owner: a demoted owner's token reads nothing."""
    owner = ApiToken.objects.get().user
    owner.role = "candidate"
    owner.save(update_fields=["role"])
    assert token_client(write_token).get(SESSIONS).json()["results"] == []


def test_anonymous_calls_are_a_401(db):
    response = session_client().get(SESSIONS)
    assert response.status_code == 401
    assert response.json()["type"] == "not_authenticated"
