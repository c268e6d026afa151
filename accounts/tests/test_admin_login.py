"""Django's admin has no login of its own: /admin/login/ is the site's login (allauth),
so its rate limits and lockout hold there too (issue 15, « Doors »)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


def admin_login(client, email, password):
    """Sign in as a browser does from the admin: open its login page, post its form."""
    form = client.get("/admin/login/?next=/admin/", follow=True)
    return client.post(form.request["PATH_INFO"] + "?next=/admin/",
                       {"username": email, "login": email, "password": password})


def test_it_locks_the_admin_login_out_after_repeated_failures(client, alice):
    for _ in range(6):
        admin_login(client, alice.email, "wrong-password")
    admin_login(client, alice.email, PASSWORD)  # the right password, refused now
    assert client.get("/admin/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_password_posted_straight_to_the_admin_login_signs_nobody_in(client, alice):
    client.post("/admin/login/", {"username": alice.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_the_admin_login_page_is_the_site_login_with_the_way_back(client):
    response = client.get("/admin/login/?next=/admin/candidates/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/admin/candidates/"


def test_an_administrator_signs_in_through_the_site_login_and_reaches_the_admin(client, alice):
    response = client.post(reverse("account_login") + "?next=/admin/",
                           {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_someone_signed_in_without_admin_rights_is_not_sent_round_in_circles(client, bob):
    client.force_login(bob)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 404
