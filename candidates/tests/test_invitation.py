"""The invitation end to end: enrolled → mail with a link → the candidate chooses a
password → signed in on their home page, e-mail verified, and can sign in again."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from candidates.models import Candidate, Enrolment
from candidates.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


NEW_PASSWORD = "Une-phrase-de-passe-2027"


def _enrol(alice, session, email: str = "lina.haddad@exemple.fr") -> Enrolment:
    client = Client()
    client.force_login(alice)
    response = client.post(
        reverse("candidates:enrolment_create", kwargs={"public_id": session.public_id}),
        {
            "birth_name": "Haddad", "first_names": "Lina", "birth_date": "1996-09-30",
            "birth_commune": "Marseille", "birth_insee_code": "13055", "sex": "F",
            "email": email, "access_route": "formation_continue", "target": "whole",
            "extra_time_percent": "0", "invite": "on",
            "acquired-TOTAL_FORMS": "3", "acquired-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Enrolment.objects.get()


def _invitation_path(message) -> str:
    urls = re.findall(rf"{re.escape(settings.SITE_URL)}\S+", message.body)
    assert len(urls) == 1, message.body
    return urlsplit(urls[0]).path


def test_it_invites_the_candidate_who_sets_a_password_and_lands_home(alice):
    session = SessionFactory()
    enrolment = _enrol(alice, session)
    assert enrolment.invited_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lina.haddad@exemple.fr"]
    assert session.referentiel.certification.title in message.subject

    candidate = Candidate.objects.get()
    user = candidate.user
    assert user is not None
    assert not Client().login(email=user.email, password=NEW_PASSWORD)
    assert not EmailAddress.objects.get(user=user).verified

    browser = Client()
    response = browser.get(_invitation_path(message))
    assert response.status_code == 302
    set_password = response["Location"]
    assert set_password != _invitation_path(message)
    page = browser.get(set_password)
    assert page.status_code == 200
    response = browser.post(set_password, {"password1": NEW_PASSWORD,
                                           "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home") == "/"
    home = browser.get("/")
    assert home.status_code == 200
    assert home.context["user"] == user
    assert EmailAddress.objects.get(user=user).verified

    again = Client()
    response = again.post(reverse("account_login"),
                          {"login": "Lina.Haddad@exemple.fr", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert again.get("/").context["user"] == user


def test_the_link_works_only_once(alice):
    _enrol(alice, SessionFactory())
    path = _invitation_path(mail.outbox[0])
    browser = Client()
    set_password = browser.get(path)["Location"]
    browser.post(set_password, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    stranger = Client()
    response = stranger.get(path, follow=True)
    assert "password1" not in response.content.decode()


def test_a_resent_invitation_reuses_the_same_account(alice):
    session = SessionFactory()
    enrolment = _enrol(alice, session)
    client = Client()
    client.force_login(alice)
    client.post(reverse("candidates:enrolment_invite", kwargs={
        "public_id": session.public_id, "enrolment_id": enrolment.public_id}))
    assert len(mail.outbox) == 2
    assert Candidate.objects.get().user.email == "lina.haddad@exemple.fr"
    browser = Client()
    set_password = browser.get(_invitation_path(mail.outbox[1]))["Location"]
    response = browser.post(set_password, {"password1": NEW_PASSWORD,
                                           "password2": NEW_PASSWORD})
    assert response["Location"] == "/"


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "Votre espace pour la certification « Concepteur d'applications & <API> »"),
    ("en", "Your space for the certification “Concepteur d'applications & <API>”"),
])
def test_the_invitation_speaks_the_candidate_language_in_plain_text(language, expected):
    from candidates.services import candidate_invite
    from candidates.tests.factories import CandidateFactory

    session = SessionFactory()
    certification = session.referentiel.certification
    certification.title = "Concepteur d'applications & <API>"
    certification.save(update_fields=["title"])
    candidate = CandidateFactory(user=None, language=language, first_names="Zoé",
                                 email="zoe@example.org")
    candidate_invite(candidate=candidate, session=session)
    message = mail.outbox[-1]
    assert message.subject == expected
    assert "&#x27;" not in message.body
    assert "&amp;" not in message.body
    assert "Concepteur d'applications & <API>" in message.body
