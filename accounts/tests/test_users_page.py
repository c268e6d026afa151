"""The users page: administrators list, filter, invite, change roles, deactivate and
reactivate accounts and resend invitations; nobody else reaches it, and the forged
requests (demoting oneself, removing the last administrator) are refused."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Role, User
from accounts.tests.factories import PASSWORD, AdminFactory, JuryMemberFactory, UserFactory
from juries.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _client(user: User | None, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    return client


def _invite(client: Client, **overrides: str):
    data = {"first_name": "Inès", "last_name": "Morel", "email": "ines.morel@exemple.fr",
            "role": Role.JURY, "language": "fr", **overrides}
    return client.post(reverse("users:invite"), data)


def _link(message) -> str:
    urls = re.findall(rf"{re.escape(settings.SITE_URL)}\S+", message.body)
    assert len(urls) == 1, message.body
    return urlsplit(urls[0]).path


# -- the list -----------------------------------------------------------------------------------
def test_the_list_shows_every_account_in_words(alice, bob, charlie):
    UserFactory(email="zoe@exemple.fr", first_name="Zoé", last_name="Petit", is_active=False,
                password=None)
    page = _client(alice).get(reverse("users:list")).content.decode()
    for expected in ("alice@certif.example", "bob@certif.example", "charlie@certif.example",
                     "zoe@exemple.fr", "Zoé Petit", "Administrator", "Jury member", "Candidate",
                     "Deactivated", "Invitation pending", "Chosen", "never",
                     "4 accounts", "<caption", 'scope="col"'):
        assert expected in page, expected


def test_it_filters_by_role_and_searches_by_name_or_email(alice, bob, charlie):
    UserFactory(email="lina@exemple.fr", first_name="Lina", last_name="Haddad")
    client = _client(alice)
    page = client.get(reverse("users:list"), {"role": Role.JURY}).content.decode()
    assert "<td>bob@certif.example</td>" in page
    assert "<td>charlie@certif.example</td>" not in page
    assert "<td>alice@certif.example</td>" not in page
    page = client.get(reverse("users:list"), {"q": "hadd"}).content.decode()
    assert "<td>lina@exemple.fr</td>" in page
    assert "<td>bob@certif.example</td>" not in page
    page = client.get(reverse("users:list"), {"q": "CHARLIE@certif"}).content.decode()
    assert "charlie@certif.example" in page
    assert "1 account" in page
    page = client.get(reverse("users:list"), {"q": "personne"}).content.decode()
    assert "No account matches these filters." in page


def test_the_list_is_paginated(alice):
    UserFactory.create_batch(55)
    client = _client(alice)
    page = client.get(reverse("users:list")).content.decode()
    assert "Page 1 of 2" in page
    assert "Page 2 of 2" in client.get(reverse("users:list"), {"page": 2}).content.decode()


@pytest.mark.parametrize("size", [3, 40])
def test_the_list_reads_a_constant_number_of_queries(alice, size, django_assert_max_num_queries):
    UserFactory.create_batch(size)
    JuryMemberFactory.create_batch(size)
    client = _client(alice)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("users:list"), {"q": "certif"}).status_code == 200


def test_the_account_page_reads_a_few_queries(alice, bob, django_assert_max_num_queries):
    client = _client(alice)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("users:edit", args=[bob.pk])).status_code == 200


def test_the_home_links_the_users_page_not_django_admin(alice):
    page = _client(alice).get(reverse("home")).content.decode()
    assert reverse("users:list") in page
    assert "/admin/accounts/user/" not in page


# -- inviting -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("language", "words"), [
    ("fr", "Choisissez votre mot de passe avec ce lien"), ("en", "Choose your password")])
def test_inviting_creates_the_account_without_password_and_mails_the_link(alice, language,
                                                                          words):
    response = _invite(_client(alice), language=language)
    user = User.objects.get(email="ines.morel@exemple.fr")
    assert response.status_code == 302
    assert response["Location"] == reverse("users:edit", args=[user.pk])
    assert (user.role, user.first_name, user.last_name) == (Role.JURY, "Inès", "Morel")
    assert not user.has_usable_password()
    assert not user.is_staff
    (message,) = mail.outbox
    assert message.to == ["ines.morel@exemple.fr"]
    assert words in message.body
    event = AuditEvent.objects.get(action="user.invited")
    assert event.actor == alice
    assert event.new["role"] == Role.JURY
    # The link lets them choose a password, then sign in.
    client = Client()
    form_url = client.get(_link(message)).url
    response = client.post(form_url, {"password1": "Une-phrase-de-passe-2027",
                                      "password2": "Une-phrase-de-passe-2027"})
    assert response.status_code == 302
    assert Client().login(email="ines.morel@exemple.fr", password="Une-phrase-de-passe-2027")


def test_an_invited_administrator_gets_the_administrator_rights(alice):
    _invite(_client(alice), role=Role.ADMIN, email="nadia@exemple.fr")
    user = User.objects.get(email="nadia@exemple.fr")
    assert user.role == Role.ADMIN
    assert user.is_staff
    assert user.is_superuser


def test_an_existing_address_is_refused_next_to_the_field(alice, charlie):
    response = _invite(_client(alice), email="CHARLIE@certif.example")
    page = response.content.decode()
    assert response.status_code == 422
    assert "An account with the address charlie@certif.example already exists." in page
    assert re.search(r'aria-describedby="[^"]*id_email_error', page)
    assert 'value="Inès"' in page
    assert User.objects.count() == 2
    assert mail.outbox == []


def test_an_existing_jury_member_is_pointed_to_the_jury_page(alice, bob):
    page = _invite(_client(alice), email="bob@certif.example").content.decode()
    assert "is already the account of a jury member" in page
    assert "from its jury page" in page


def test_the_resend_form_offers_the_language_of_the_invitation(alice):
    client = _client(alice)
    _invite(client, language="en")
    user = User.objects.get(email="ines.morel@exemple.fr")
    page = client.get(reverse("users:edit", args=[user.pk])).content.decode()
    assert re.search(r'<option value="en"[^>]*selected', page)


def test_a_candidate_cannot_be_invited_from_here(alice):
    response = _invite(_client(alice), role=Role.CANDIDATE)
    assert response.status_code == 422
    assert not User.objects.filter(email="ines.morel@exemple.fr").exists()


def test_an_invitation_is_resent_while_no_password_is_chosen(alice, bob):
    client = _client(alice)
    _invite(client)
    user = User.objects.get(email="ines.morel@exemple.fr")
    page = client.get(reverse("users:edit", args=[user.pk])).content.decode()
    assert "Resend the invitation" in page
    client.post(reverse("users:resend", args=[user.pk]), {"language": "en"})
    assert len(mail.outbox) == 2
    assert "Choose your password" in mail.outbox[1].body
    assert AuditEvent.objects.filter(action="user.invitation_resent").count() == 1
    # bob has a password: nothing is sent.
    response = client.post(reverse("users:resend", args=[bob.pk]), {"language": "fr"},
                           follow=True)
    assert "has already chosen a password" in response.content.decode()
    assert len(mail.outbox) == 2


# -- role ---------------------------------------------------------------------------------------
def test_an_administrator_changes_a_role_recorded(alice, bob):
    client = _client(alice)
    response = client.post(reverse("users:edit", args=[bob.pk]), {"role": Role.ADMIN})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.role == Role.ADMIN
    assert bob.is_superuser
    client.post(reverse("users:edit", args=[bob.pk]), {"role": Role.JURY})
    bob.refresh_from_db()
    assert bob.role == Role.JURY
    assert not bob.is_staff
    assert not bob.is_superuser
    actions = AuditEvent.objects.filter(action="user.role_changed", object_id=str(bob.pk))
    assert [e.new["role"] for e in actions.order_by("id")] == [Role.ADMIN, Role.JURY]


def test_a_candidate_never_becomes_an_administrator(alice, charlie):
    response = _client(alice).post(reverse("users:edit", args=[charlie.pk]),
                                   {"role": Role.ADMIN})
    assert response.status_code == 422
    charlie.refresh_from_db()
    assert charlie.role == Role.CANDIDATE
    assert not charlie.is_staff


def test_a_jury_member_who_sits_on_juries_keeps_the_role(alice, bob):
    MemberFactory(user=bob)
    response = _client(alice).post(reverse("users:edit", args=[bob.pk]), {"role": Role.ADMIN})
    assert response.status_code == 422
    assert "has a jury member profile" in response.content.decode()
    bob.refresh_from_db()
    assert bob.role == Role.JURY


def test_an_administrator_cannot_demote_themself_even_by_a_forged_post(alice):
    AdminFactory()  # not the last one: still refused
    response = _client(alice).post(reverse("users:edit", args=[alice.pk]), {"role": Role.JURY})
    assert response.status_code == 422
    assert "You cannot remove your own administrator role" in response.content.decode()
    alice.refresh_from_db()
    assert alice.role == Role.ADMIN
    assert not AuditEvent.objects.filter(action="user.role_changed").exists()


def test_the_last_active_administrator_is_never_removed(alice):
    from accounts.services import user_deactivate, user_role_change

    other = AdminFactory(is_active=False)  # (a service call: French, the default)
    with pytest.raises(ValidationError, match="dernier administrateur actif"):
        user_role_change(user=alice, role=Role.JURY, by=other)
    with pytest.raises(ValidationError, match="dernier administrateur actif"):
        user_deactivate(user=alice, by=other)
    alice.refresh_from_db()
    assert alice.role == Role.ADMIN
    assert alice.is_active


def test_an_administrator_demotes_another_while_one_remains(alice):
    nadia = AdminFactory()
    assert _client(alice).post(reverse("users:edit", args=[nadia.pk]),
                               {"role": Role.JURY}).status_code == 302
    nadia.refresh_from_db()
    assert nadia.role == Role.JURY


# -- deactivating -------------------------------------------------------------------------------
def test_deactivating_says_what_happens_then_refuses_sign_in(alice, bob):
    client = _client(alice)
    page = client.get(reverse("users:deactivate", args=[bob.pk])).content.decode()
    assert "can no longer sign in" in page
    assert "Nothing is deleted" in page
    bobs_client = _client(bob)
    response = client.post(reverse("users:deactivate", args=[bob.pk]))
    assert response.status_code == 302
    bob.refresh_from_db()
    assert not bob.is_active
    assert not Client().login(email=bob.email, password=PASSWORD)
    # Signed in before: out at the next page.
    assert bobs_client.get(reverse("home")).status_code == 302
    event = AuditEvent.objects.get(action="user.deactivated")
    assert event.actor == alice
    assert event.object_id == str(bob.pk)
    assert User.objects.filter(pk=bob.pk).exists()
    page = client.get(reverse("users:edit", args=[bob.pk])).content.decode()
    assert "Reactivate this account" in page
    client.post(reverse("users:reactivate", args=[bob.pk]))
    bob.refresh_from_db()
    assert bob.is_active
    assert Client().login(email=bob.email, password=PASSWORD)
    assert AuditEvent.objects.filter(action="user.reactivated").count() == 1


def test_an_administrator_cannot_deactivate_themself(alice):
    AdminFactory()
    client = _client(alice)
    assert "You cannot deactivate your own account." in client.get(
        reverse("users:edit", args=[alice.pk])).content.decode()
    response = client.post(reverse("users:deactivate", args=[alice.pk]))
    assert response.status_code == 422
    alice.refresh_from_db()
    assert alice.is_active


# -- who reaches it -----------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_nobody_else_reaches_the_users_pages(request, alice, persona):
    user = request.getfixturevalue(persona)
    client = _client(user)
    for name, args in (("users:list", []), ("users:invite", []), ("users:edit", [alice.pk]),
                       ("users:deactivate", [alice.pk])):
        assert client.get(reverse(name, args=args)).status_code == 404
    # Forged writes on someone else: refused, nothing changes.
    assert client.post(reverse("users:edit", args=[alice.pk]),
                       {"role": Role.JURY}).status_code == 404
    assert client.post(reverse("users:deactivate", args=[alice.pk])).status_code == 404
    assert client.post(reverse("users:edit", args=[user.pk]),
                       {"role": Role.ADMIN}).status_code == 404
    assert _invite(client, role=Role.ADMIN).status_code == 404
    alice.refresh_from_db()
    user.refresh_from_db()
    assert alice.is_active
    assert alice.role == Role.ADMIN
    assert user.role != Role.ADMIN
    assert not User.objects.filter(email="ines.morel@exemple.fr").exists()


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get(reverse("users:list"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_unknown_account_is_a_404(alice):
    assert _client(alice).get(reverse("users:edit", args=[999999])).status_code == 404


def test_the_administration_menu_is_for_superusers_only(alice, bob):
    assert reverse("admin:index") in _client(alice).get(reverse("home")).content.decode()
    staff_admin = AdminFactory(is_superuser=False)
    page = _client(staff_admin).get(reverse("home")).content.decode()
    assert f'href="{reverse("admin:index")}"' not in page
