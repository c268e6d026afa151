"""A référentiel with a compétence no modality evaluates is refused at session opening,
with the list, through the service, the page and the API; never scored as failed."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from candidates.models import Session
from candidates.services import session_create
from candidates.tests.factories import make_referentiel
from certifications.models import Competence, Modality
from certifications.selectors import competences_without_modality

pytestmark = pytest.mark.django_db


def _uncover(referentiel, *codes: str) -> None:
    """Take the compétences ``codes`` out of every modality of the version."""
    for competence in Competence.objects.filter(bloc__referentiel=referentiel, code__in=codes):
        competence.modalities.clear()


def _create(referentiel) -> Session:
    return session_create(referentiel=referentiel, name="Promotion 2027",
                          starts_on=datetime.date(2027, 3, 1),
                          ends_on=datetime.date(2027, 6, 30))


def _client(user, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def test_the_selector_lists_the_competences_no_modality_evaluates_in_one_query(
    django_assert_num_queries,
):
    referentiel = make_referentiel(blocs=2, competences=2)
    assert competences_without_modality(referentiel=referentiel) == []
    _uncover(referentiel, "C2.2", "C1.2")
    with django_assert_num_queries(1):
        missing = competences_without_modality(referentiel=referentiel)
        assert [(c.code, c.bloc.code) for c in missing] == [
            ("C1.2", "RNCP99999BC01"), ("C2.2", "RNCP99999BC02"),
        ]


def test_the_service_refuses_with_the_list_and_creates_nothing():
    referentiel = make_referentiel(blocs=2, competences=2)
    _uncover(referentiel, "C1.2", "C2.1")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _create(referentiel)
    [message] = refused.value.message_dict["referentiel"]
    assert message == (
        "No assessment method of this framework version evaluates 2 competences, so they "
        "could never be scored: C1.2 Compétence 1.2; C2.1 Compétence 2.1. Add assessment "
        "methods evaluating them (on the framework's page) before opening a session."
    )
    assert refused.value.error_dict["referentiel"][0].code == "competences_not_evaluated"
    assert not Session.objects.exists()


def test_one_missing_competence_is_said_in_the_singular_and_in_french():
    referentiel = make_referentiel(blocs=1, competences=2)
    _uncover(referentiel, "C1.1")
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        _create(referentiel)
    [message] = refused.value.message_dict["referentiel"]
    assert "C1.1 Compétence 1.1" in message
    assert "C1.2" not in message
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _create(referentiel)
    assert refused.value.message_dict["referentiel"][0].startswith(
        "No assessment method of this framework version evaluates 1 competence, so it")


def test_the_service_accepts_once_a_modality_covers_them():
    referentiel = make_referentiel(blocs=2, competences=2)
    _uncover(referentiel, "C1.2")
    with pytest.raises(ValidationError):
        _create(referentiel)
    oral = Modality.objects.create(referentiel=referentiel, code="E2", title="Soutenance")
    oral.competences.add(Competence.objects.get(bloc__referentiel=referentiel, code="C1.2"))
    session = _create(referentiel)
    assert Session.objects.get() == session


def test_the_page_shows_the_list_next_to_the_framework_choice_and_keeps_the_inputs(alice):
    referentiel = make_referentiel(blocs=1, competences=3)
    _uncover(referentiel, "C1.3")
    response = _client(alice).post(reverse("candidates:session_create"), {
        "referentiel": referentiel.pk, "name": "Promotion 2027", "starts_on": "2027-03-01",
        "ends_on": "2027-06-30", "place": "Lyon",
    })
    assert response.status_code == 200
    assert not Session.objects.exists()
    form = response.context["form"]
    [error] = form.errors["referentiel"]
    assert "C1.3 Compétence 1.3" in error
    page = response.content.decode()
    assert 'href="#id_referentiel"' in page  # the error summary points at the field
    assert "C1.3 Compétence 1.3" in page
    assert 'value="Promotion 2027"' in page
    assert 'value="Lyon"' in page


def test_the_page_creates_the_session_once_covered(alice):
    referentiel = make_referentiel(blocs=1, competences=2)
    response = _client(alice).post(reverse("candidates:session_create"), {
        "referentiel": referentiel.pk, "name": "Promotion 2027", "starts_on": "2027-03-01",
        "ends_on": "2027-06-30",
    })
    assert response.status_code == 302
    assert Session.objects.get().referentiel == referentiel


def test_the_api_refuses_with_the_list(alice):
    referentiel = make_referentiel(blocs=1, competences=2)
    _uncover(referentiel, "C1.2")
    client = _client(alice)
    response = client.post("/api/v1/sessions/", {
        "referentiel": str(referentiel.public_id), "name": "Promotion 2027",
        "starts_on": "2027-03-01", "ends_on": "2027-06-30",
    }, content_type="application/json")
    assert response.status_code == 400
    assert "C1.2 Compétence 1.2" in response.json()["errors"]["referentiel"][0]
    assert not Session.objects.exists()


def test_the_admin_site_refuses_it_on_its_form(alice):
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    referentiel = make_referentiel(blocs=1, competences=2)
    _uncover(referentiel, "C1.2")
    response = _client(alice).post(reverse("admin:candidates_session_add"), {
        "referentiel": referentiel.pk, "name": "Promotion 2027", "starts_on": "2027-03-01",
        "ends_on": "2027-06-30", "place": "",
    })
    assert response.status_code == 200
    assert "C1.2 Compétence 1.2" in response.content.decode()
    assert not Session.objects.exists()
