import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_it_redirects_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_shows_the_login_page_in_french_by_default(client):
    response = client.get(reverse("account_login"))
    content = response.content.decode()
    assert '<html lang="fr">' in content
    assert "<h1>Se connecter</h1>" in content
    assert "Aller au contenu principal" in content


def test_it_shows_the_login_page_in_english_when_asked(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    assert '<html lang="en">' in content
    assert "Sign In" in content
    assert "Skip to main content" in content


def test_it_switches_language_with_the_switcher(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Sign In" in client.get(reverse("account_login")).content.decode()


def test_it_logs_in_with_the_email_whatever_its_case(client, bob):
    response = login(client, "BOB@Certif.Example")
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == bob


def test_it_refuses_a_wrong_password_with_a_message(client, bob):
    response = login(client, bob.email, "not-the-password")
    assert response.status_code == 200
    assert "adresse e-mail ou le mot de passe sont incorrects" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_it_locks_an_account_out_after_repeated_failures(client, bob):
    for _ in range(5):
        login(client, bob.email, "wrong-password")
    response = login(client, bob.email)  # even the right password is refused now
    assert "Trop de tentatives" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_it_keeps_public_signup_closed(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "intruder@example.org", "password1": "x" * 12, "password2": "x" * 12},
    )
    assert response.status_code == 200
    assert "fermées" in response.content.decode() or "closed" in response.content.decode()
    from accounts.models import User

    assert not User.objects.filter(email="intruder@example.org").exists()


def test_it_sends_a_password_reset_email(client, charlie):
    response = client.post(reverse("account_reset_password"), {"email": charlie.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [charlie.email]


def test_it_gives_administrators_the_django_admin_and_nobody_else(client, alice, bob, charlie):
    for user, expected in ((alice, 200), (bob, 302), (charlie, 302)):
        client.force_login(user)
        assert client.get(reverse("admin:index")).status_code == expected
    assert alice.role == Role.ADMIN
