"""A new external jury member invited by e-mail from the jury page (issue 18, deliverable
2): the account is created with the jury role, the member joins the session's jury, an
e-mail in their language carries the link to choose a password; the same address never
makes a second account; only administrators reach it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEvent, Role, User
from candidates.models import Session
from candidates.services.enrolment import SessionLockedError
from candidates.tests.factories import SessionFactory
from juries.models import Jury, JuryMember, Quality
from juries.services import jury_invitation_resend, jury_member_invite
from juries.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Services' messages read in English (the pages ask for English too)."""
    with translation.override("en"):
        yield


def _client(user=None) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def session() -> Session:
    return SessionFactory()


def _invite(session, by, **overrides):
    data = {"first_name": "Inès", "last_name": "Marchal", "email": "Ines.Marchal@nova.example",
            "quality": Quality.EMPLOYER, "organisation": "Nova Conseil", "external": True,
            "sex": "F", "language": "fr"}
    data.update(overrides)
    return jury_member_invite(session=session, invited_by=by, **data)


def _post(client, session, **overrides):
    data = {"form": "invite", "invite-first_name": "Inès", "invite-last_name": "Marchal",
            "invite-email": "ines.marchal@nova.example", "invite-quality": "employer",
            "invite-organisation": "Nova Conseil", "invite-external": "on",
            "invite-sex": "F", "invite-language": "en"}
    data.update(overrides)
    return client.post(reverse("juries:jury_compose", args=[session.public_id]), data,
                       follow=True)


def test_invite_creates_the_account_joins_the_jury_and_mails_in_french(alice, session):
    member, created = _invite(session, alice)
    assert created
    user = User.objects.get(email="ines.marchal@nova.example")
    assert user.role == Role.JURY
    assert not user.has_usable_password()
    assert (member.quality, member.organisation, member.external, member.sex) == (
        Quality.EMPLOYER, "Nova Conseil", True, "F")
    assert member in Jury.objects.get(session=session).members.all()
    [message] = mail.outbox
    assert message.to == ["ines.marchal@nova.example"]
    assert "jury" in message.subject
    assert "Bonjour Inès Marchal" in message.body
    assert "/accounts/password/reset/key/" in message.body or "reset" in message.body
    event = AuditEvent.objects.get(action="jury.member_invited")
    assert event.actor == alice
    assert event.new["account_created"] is True
    assert event.context == {"session": str(session.public_id)}


def test_invite_in_english(alice, session):
    _invite(session, alice, language="en")
    [message] = mail.outbox
    assert "Hello Inès Marchal" in message.body
    assert "invites you to sit on the jury" in message.body


def test_an_existing_address_is_added_not_duplicated(alice, session):
    first, _ = _invite(session, alice)
    other = SessionFactory()
    again, created = _invite(other, alice, email="INES.MARCHAL@nova.example",
                             organisation="Autre")
    assert not created
    assert again.pk == first.pk
    assert User.objects.filter(email__iexact="ines.marchal@nova.example").count() == 1
    assert JuryMember.objects.count() == 1
    assert again.organisation == "Nova Conseil"  # the profile is kept
    assert again in Jury.objects.get(session=other).members.all()
    # twice in the same session: still one membership
    _invite(session, alice)
    assert Jury.objects.get(session=session).members.count() == 1


def test_an_existing_member_with_a_password_gets_no_invitation_link(alice, bob, session):
    MemberFactory(user=bob, quality=Quality.EMPLOYER)
    member, created = _invite(session, alice, email=bob.email)
    assert not created
    assert member.user == bob
    assert mail.outbox == []
    assert member in Jury.objects.get(session=session).members.all()


def test_a_candidate_or_staff_address_is_refused(alice, charlie, session):
    for email in (charlie.email, alice.email):
        with pytest.raises(ValidationError) as refused:
            _invite(session, alice, email=email)
        assert "email" in refused.value.message_dict
    assert not Jury.objects.filter(session=session, members__isnull=False).exists()


def test_a_signed_session_and_a_non_administrator_are_refused(alice, bob, session):
    with pytest.raises(PermissionDenied):
        _invite(session, bob)
    Session.objects.filter(pk=session.pk).update(signed_at=timezone.now())
    with pytest.raises(SessionLockedError):
        _invite(session, alice)
    assert not User.objects.filter(email="ines.marchal@nova.example").exists()
    assert mail.outbox == []


def test_resend_sends_a_new_link_until_a_password_is_chosen(alice, session):
    member, _ = _invite(session, alice)
    jury_invitation_resend(member=member, session=session, by=alice)
    assert len(mail.outbox) == 2
    assert AuditEvent.objects.filter(action="jury.invitation_resent").count() == 1
    member.user.set_password("un mot de passe solide 42")
    member.user.save()
    with pytest.raises(ValidationError, match="already chosen a password"):
        jury_invitation_resend(member=member, session=session, by=alice)


# -- the page ----------------------------------------------------------------------------
def test_the_page_invites_and_lists_the_pending_invitation(
        alice, session, django_assert_max_num_queries):
    client = _client(alice)
    page = _post(client, session).content.decode()
    assert "is invited: their account is created" in page
    assert "Invitations not answered yet" in page
    assert "ines.marchal@nova.example" in page
    assert "Hello Inès Marchal" in mail.outbox[0].body  # the language chosen: English
    with django_assert_max_num_queries(20):
        client.get(reverse("juries:jury_compose", args=[session.public_id]))
    member = JuryMember.objects.get()
    page = client.post(reverse("juries:jury_compose", args=[session.public_id]),
                       {"form": "resend", "member": member.public_id},
                       follow=True).content.decode()
    assert "A new invitation is sent to ines.marchal@nova.example." in page
    assert len(mail.outbox) == 2


def test_the_page_keeps_inputs_and_shows_errors_next_to_fields(alice, charlie, session):
    response = _post(_client(alice), session, **{"invite-email": "pas-une-adresse",
                                                 "invite-last_name": ""})
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "This field is required." in page
    assert 'value="Inès"' in page
    assert 'value="pas-une-adresse"' in page
    assert "aria-describedby" in page
    page = _post(_client(alice), session, **{"invite-email": charlie.email}).content.decode()
    assert "belongs to an account with another role" in page
    assert not JuryMember.objects.exists()
    assert mail.outbox == []


def test_the_same_address_twice_from_the_page_is_one_account(alice, session):
    _post(_client(alice), session)
    page = _post(_client(alice), session,
                 **{"invite-email": "INES.marchal@nova.example"}).content.decode()
    assert "already exists" in page
    assert User.objects.filter(email__iexact="ines.marchal@nova.example").count() == 1


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_anyone_but_an_administrator_gets_404(request, who, session):
    client = _client(request.getfixturevalue(who))
    url = reverse("juries:jury_compose", args=[session.public_id])
    assert client.get(url).status_code == 404
    response = client.post(url, {"form": "invite", "invite-first_name": "X",
                                 "invite-last_name": "Y", "invite-email": "x@y.example",
                                 "invite-quality": "employer", "invite-language": "fr"})
    assert response.status_code == 404
    assert not User.objects.filter(email="x@y.example").exists()
    assert mail.outbox == []
