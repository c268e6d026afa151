"""Sessions and enrolment one by one, tried by alice (administrator), bob (jury) and
charlie (candidate): the list, the detail, the form, duplicates, the invitation resent."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidates.models import (
    AccessRoute,
    AcquiredBloc,
    Candidate,
    Enrolment,
    EnrolmentImport,
    Session,
)
from candidates.tests.factories import (
    CandidateFactory,
    EnrolmentFactory,
    SessionFactory,
    make_referentiel,
)

pytestmark = pytest.mark.django_db



def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _url(name: str, session: Session, **kwargs: object) -> str:
    return reverse(f"candidates:{name}", kwargs={"public_id": session.public_id, **kwargs})


def _identity(**overrides: str) -> dict[str, str]:
    return {
        "birth_name": "Lefèvre-Dupont", "usage_name": "", "first_names": "Anaïs Marie",
        "birth_date": "1994-03-12", "birth_commune": "Lyon", "birth_insee_code": "69123",
        "birth_country": "", "sex": "F", "email": "anais@exemple.fr", "phone": "",
        **overrides,
    }


def _post_data(**overrides: str) -> dict[str, object]:
    data: dict[str, object] = {
        **_identity(),
        "access_route": AccessRoute.APPRENTICESHIP, "target": "whole",
        "extra_time_percent": "0", "technical_aids": "", "other_accommodations": "",
        "jury_note": "", "invite": "on",
        "acquired-TOTAL_FORMS": "3", "acquired-INITIAL_FORMS": "0",
        "acquired-MIN_NUM_FORMS": "0", "acquired-MAX_NUM_FORMS": "3",
    }
    data.update(overrides)
    return data


@pytest.fixture
def session():
    return SessionFactory()


def _every_page(session: Session) -> list[tuple[str, str]]:
    enrolment = EnrolmentFactory(session=session)
    row = EnrolmentImport.objects.create(session=session)
    imports = {"import_id": row.public_id}
    return [
        ("get", reverse("candidates:session_list")),
        ("get", reverse("candidates:session_create")),
        ("post", reverse("candidates:session_create")),
        ("get", _url("session_detail", session)),
        ("get", _url("enrolment_create", session)),
        ("post", _url("enrolment_create", session)),
        ("post", _url("enrolment_invite", session, enrolment_id=enrolment.public_id)),
        ("get", _url("enrolment_import_upload", session)),
        ("post", _url("enrolment_import_upload", session)),
        ("get", _url("enrolment_import_template_csv", session)),
        ("get", _url("enrolment_import_template_xlsx", session)),
        ("get", _url("enrolment_import_preview", session, **imports)),
        ("post", _url("enrolment_import_confirm", session, **imports)),
        ("post", _url("enrolment_import_cancel", session, **imports)),
    ]


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_it_answers_404_to_anyone_but_an_administrator(request, persona, session):
    client = _client(request.getfixturevalue(persona))
    for method, url in _every_page(session):
        assert getattr(client, method)(url).status_code == 404, url
    assert Enrolment.objects.count() == 1
    assert EnrolmentImport.objects.get().is_pending


def test_it_sends_anonymous_visitors_to_the_login_page(client, session):
    response = client.get(_url("session_detail", session))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_answers_404_for_an_unknown_session_or_an_enrolment_of_another_session(alice):
    client = _client(alice)
    session, other = SessionFactory(), SessionFactory()
    enrolment = EnrolmentFactory(session=other)
    missing = Session(public_id=uuid.uuid4())
    assert client.get(_url("session_detail", missing)).status_code == 404
    assert client.get(_url("enrolment_create", missing)).status_code == 404
    invite = _url("enrolment_invite", session, enrolment_id=enrolment.public_id)
    assert client.post(invite).status_code == 404
    row = EnrolmentImport.objects.create(session=other)
    preview = _url("enrolment_import_preview", session, import_id=row.public_id)
    assert client.get(preview).status_code == 404
    confirm = _url("enrolment_import_confirm", session, import_id=row.public_id)
    assert client.post(confirm).status_code == 404


def test_it_lists_sessions_with_their_number_of_enrolled(alice, session):
    EnrolmentFactory.create_batch(2, session=session)
    response = _client(alice).get(reverse("candidates:session_list"))
    assert response.status_code == 200
    listed = response.context["sessions"]
    assert [(s.name, s.enrolled) for s in listed] == [(session.name, 2)]
    content = response.content.decode()
    assert _url("session_detail", session) in content
    assert session.referentiel.certification.code in content


def test_it_creates_a_session(alice):
    referentiel = make_referentiel()
    response = _client(alice).post(reverse("candidates:session_create"), {
        "referentiel": referentiel.pk, "name": "Promotion 2027", "starts_on": "2027-03-01",
        "ends_on": "01/07/2027", "place": "Lyon",
    })
    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("session_detail", session)
    assert (session.referentiel, session.ends_on) == (referentiel, datetime.date(2027, 7, 1))


def test_it_refuses_a_session_that_ends_before_it_starts(alice):
    referentiel = make_referentiel()
    response = _client(alice).post(reverse("candidates:session_create"), {
        "referentiel": referentiel.pk, "name": "Promotion", "starts_on": "2027-03-01",
        "ends_on": "2027-01-01",
    })
    assert response.status_code == 200
    assert not Session.objects.exists()
    assert 'href="#id_ends_on"' in response.content.decode()


def test_it_enrols_a_new_candidate_and_invites_them(alice, session):
    bloc = session.referentiel.blocs.order_by("position").first()
    client = _client(alice)
    response = client.post(_url("enrolment_create", session), _post_data(**{
        "extra_time_percent": "33", "jury_note": "Salle calme",
        "acquired-0-bloc": str(bloc.pk), "acquired-0-acquired_on": "2025-06-15",
        "acquired-0-origin": "capitalisation",
    }))
    assert response.status_code == 302, response.content.decode()[:3000]
    enrolment = Enrolment.objects.get()
    assert enrolment.candidate.birth_name == "Lefèvre-Dupont"
    assert enrolment.access_route == AccessRoute.APPRENTICESHIP
    assert enrolment.extra_time_percent == 33
    assert enrolment.invited_at is not None
    assert AcquiredBloc.objects.get(enrolment=enrolment).bloc == bloc
    assert [m.to for m in mail.outbox] == [["anais@exemple.fr"]]
    detail = client.get(response["Location"]).content.decode()
    assert "LEFÈVRE-DUPONT Anaïs Marie" in detail


def test_it_enrols_for_chosen_blocs_only(alice, session):
    blocs = list(session.referentiel.blocs.order_by("position"))
    response = _client(alice).post(_url("enrolment_create", session), _post_data(
        target="blocs", blocs=[str(blocs[1].pk), str(blocs[2].pk)], invite="",
    ))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get()
    assert not enrolment.whole_certification
    assert set(enrolment.target_blocs.all()) == {blocs[1], blocs[2]}
    assert mail.outbox == []


def test_it_refuses_blocs_of_another_framework(alice, session):
    foreign = make_referentiel(code="RNCP88888").blocs.first()
    response = _client(alice).post(_url("enrolment_create", session), _post_data(
        target="blocs", blocs=[str(foreign.pk)],
        **{"acquired-0-bloc": str(foreign.pk), "acquired-0-acquired_on": "2025-01-01",
           "acquired-0-origin": "vae"},
    ))
    assert response.status_code == 200
    assert response.context["form"].has_error("blocs")
    assert response.context["formset"].forms[0].has_error("bloc")
    assert not Candidate.objects.exists()


def test_it_shows_errors_tied_to_their_fields_with_a_summary(alice, session):
    response = _client(alice).post(_url("enrolment_create", session), _post_data(
        birth_name="", birth_commune="", birth_insee_code="123", email="", target="blocs",
        **{"acquired-1-acquired_on": "2025-01-01"},
    ))
    content = response.content.decode()
    assert response.status_code == 200
    form = response.context["form"]
    for name in ("birth_name", "birth_commune", "birth_insee_code", "email", "blocs"):
        assert form.has_error(name), name
    assert 'aria-describedby="id_birth_name_error"' in content
    assert 'aria-invalid="true"' in content
    assert 'href="#id_birth_name"' in content
    assert 'href="#id_blocs_0"' in content
    assert 'href="#id_acquired-1-bloc"' in content
    assert 'class="error-summary"' in content
    assert not Candidate.objects.exists()


@pytest.mark.parametrize(
    ("birth_name", "first_names"),
    [("LEFEVRE DUPONT", "anais marie"), ("lefèvre-dupont", "Anaïs-Marie"),
     ("Lefevre Dupont ", " ANAIS  MARIE")],
)
def test_it_offers_the_existing_candidate_instead_of_a_duplicate(
    alice, session, birth_name, first_names
):
    existing = CandidateFactory(birth_name="Lefèvre-Dupont", first_names="Anaïs Marie",
                                birth_date=datetime.date(1994, 3, 12), user=None,
                                email="anais.ld@exemple.fr")
    client = _client(alice)
    data = _post_data(birth_name=birth_name, first_names=first_names,
                      email="autre@exemple.fr")
    response = client.post(_url("enrolment_create", session), data)
    assert response.status_code == 200
    assert response.context["duplicate"] == existing
    content = response.content.decode()
    assert f'name="use_existing" value="{existing.public_id}"' in content
    assert "anais.ld@exemple.fr" in content
    assert Candidate.objects.count() == 1
    assert not Enrolment.objects.exists()

    response = client.post(_url("enrolment_create", session),
                           {**data, "use_existing": str(existing.public_id)})
    assert response.status_code == 302
    assert Candidate.objects.count() == 1
    assert Enrolment.objects.get().candidate == existing
    assert [m.to for m in mail.outbox] == [["anais.ld@exemple.fr"]]


def test_it_ignores_a_chosen_candidate_who_is_not_the_person_typed(alice, session):
    other = CandidateFactory(user=None)
    response = _client(alice).post(_url("enrolment_create", session),
                                   _post_data(use_existing=str(other.public_id)))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get()
    assert enrolment.candidate != other
    assert enrolment.candidate.birth_name == "Lefèvre-Dupont"


def test_it_refuses_to_enrol_the_same_candidate_twice_in_a_session(alice, session):
    existing = CandidateFactory(birth_name="Lefèvre-Dupont", first_names="Anaïs Marie",
                                birth_date=datetime.date(1994, 3, 12))
    EnrolmentFactory(candidate=existing, session=session)
    response = _client(alice).post(_url("enrolment_create", session),
                                   _post_data(use_existing=str(existing.public_id)))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Enrolment.objects.count() == 1


def test_it_refuses_an_email_of_another_candidate_or_of_staff(alice, bob, session):
    other = CandidateFactory(email="pris@exemple.fr")
    client = _client(alice)
    for email in (other.email, bob.email):
        response = client.post(_url("enrolment_create", session), _post_data(email=email))
        assert response.status_code == 200
        assert response.context["form"].has_error("email")
    assert Candidate.objects.count() == 1


def test_it_resends_an_invitation(alice, session):
    enrolment = EnrolmentFactory(session=session, candidate__user=None)
    response = _client(alice).post(
        _url("enrolment_invite", session, enrolment_id=enrolment.public_id))
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.invited_at is not None
    assert [m.to for m in mail.outbox] == [[enrolment.candidate.email]]
    assert enrolment.candidate.user is not None


def test_it_refuses_cleanly_to_invite_a_candidate_without_email(alice, session):
    enrolment = EnrolmentFactory(session=session, candidate__user=None, candidate__email="")
    client = _client(alice)
    response = client.post(_url("enrolment_invite", session, enrolment_id=enrolment.public_id),
                           follow=True)
    assert response.status_code == 200
    assert "This candidate has no e-mail address." in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.invited_at is None
    assert mail.outbox == []


def test_it_records_the_language_of_documents(alice, session):
    response = _client(alice).post(_url("enrolment_create", session),
                                   _post_data(language="en", invite=""))
    assert response.status_code == 302
    assert Enrolment.objects.get().candidate.language == "en"


# -- the declaration's rule set (candidates/declaration_checks.py) ---------------------------
def test_it_refuses_what_can_never_be_declared(alice, session):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = _client(alice).post(_url("enrolment_create", session), _post_data(
        birth_date=tomorrow, birth_name="L" * 61))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "is in the future" in errors["birth_date"][0]
    assert "longer than the 60 characters" in errors["birth_name"][0]
    assert not Enrolment.objects.exists()


def test_it_enrols_with_what_is_missing_said_for_the_declaration(alice, session):
    client = _client(alice)
    response = client.post(_url("enrolment_create", session), _post_data(
        sex="", birth_insee_code="", invite=""), follow=True)
    assert Enrolment.objects.count() == 1
    said = [str(message) for message in response.context["messages"]]
    assert "Before the declaration to the Caisse des Dépôts: The sex is missing." in said
    assert any(message.startswith("Before the declaration to the Caisse des Dépôts: The "
                                  "INSEE code of the birthplace is missing")
               and message.endswith("Did you mean Lyon (69123)?") for message in said)
