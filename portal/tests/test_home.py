"""The home page per role: a candidate lands on their space, a jury member on the candidates
assigned to them, an administrator on the certifications."""

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.mark.parametrize(
    ("persona", "heading"),
    [("alice", "Tableau de bord"), ("bob", "Mes évaluations"), ("charlie", "Ma certification")],
)
def test_it_lands_each_role_on_its_home_page(client, request, persona, heading):
    user = request.getfixturevalue(persona)
    response = login(client, user.email)
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert f"<h1>{heading}</h1>" in home.content.decode()


def test_it_shows_the_admin_dashboard_only_to_administrators(client, alice, bob):
    client.force_login(bob)
    assert "Tableau de bord" not in client.get(reverse("home")).content.decode()
    client.force_login(alice)
    response = client.get(reverse("home"))
    assert "Aucun référentiel" in response.content.decode()
