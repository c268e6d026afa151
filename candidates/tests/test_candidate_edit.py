"""A candidate in a session, edited from the product's pages by alice (administrator):
the enrolment's page, the identity (checked against the INSEE lists, locked once a signed
deliberation decided on it), the enrolment and the withdrawal — tried by bob (jury),
charlie (candidate) and an anonymous visitor too."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.models import Candidate, Enrolment, EnrolmentStatus, TargetBloc
from candidates.services import (
    DuplicateCandidateError,
    IdentityLockedError,
    SessionLockedError,
    WithdrawalNeedsConfirmationError,
    candidate_update_identity,
    enrolment_update,
    enrolment_withdraw,
    identity_key,
)
from candidates.tests.factories import CandidateFactory, EnrolmentFactory, SessionFactory
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all

pytestmark = pytest.mark.django_db


def _client(user, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def _url(name: str, enrolment: Enrolment) -> str:
    return reverse(f"candidates:{name}", kwargs={"public_id": enrolment.session.public_id,
                                                 "enrolment_id": enrolment.public_id})


@pytest.fixture
def enrolment():
    return EnrolmentFactory(
        candidate=CandidateFactory(birth_name="Martin", first_names="Léa Anne",
                                   birth_date=datetime.date(1990, 5, 4),
                                   birth_commune="Lyon", birth_insee_code="69123"),
        extra_time_percent=33, technical_aids="Loupe", jury_note="Pause toutes les heures",
        employer="Boulangerie Dupain")


def _identity(**overrides: str) -> dict[str, str]:
    return {"birth_name": "Martin", "usage_name": "Durand", "first_names": "Léa Anne",
            "sex": "F", "birth_date": "1990-05-04", "birth_commune": "Nantes",
            "birth_insee_code": "44109", "birth_country": "", **overrides}


def _sign(session) -> None:
    type(session).objects.filter(pk=session.pk).update(signed_at=timezone.now())


# -- the enrolment's page ------------------------------------------------------------------
def test_the_enrolment_page_shows_identity_enrolment_and_links(alice, enrolment):
    html = _client(alice).get(_url("enrolment_detail", enrolment)).content.decode()
    assert "MARTIN Léa Anne" in html
    assert "Lyon" in html
    assert "69123" in html
    assert "33% extra time" in html
    assert "Loupe" in html
    assert "Boulangerie Dupain" in html
    assert "Pause toutes les heures" in html
    for name in ("candidate_identity_edit", "enrolment_edit", "enrolment_withdraw"):
        assert _url(name, enrolment) in html
    assert reverse("candidates:rgpd_detail", args=[enrolment.candidate.public_id]) in html
    assert _url("enrolment_invite", enrolment) in html


def test_the_enrolment_page_lists_the_assessments_with_their_date(alice):
    setup = jury_setup()
    enrolment = enrol(setup)
    html = _client(alice).get(_url("enrolment_detail", enrolment)).content.decode()
    assert setup.assessment.modality.title in html
    assert "Salle 204" in html


def test_the_enrolment_page_warns_of_a_birthplace_the_cdc_would_refuse(alice, enrolment):
    Candidate.objects.filter(pk=enrolment.candidate_id).update(birth_insee_code="",
                                                               birth_commune="Nantes")
    html = _client(alice).get(_url("enrolment_detail", enrolment)).content.decode()
    assert "Did you mean Nantes (44109)?" in html


@pytest.mark.parametrize("assessments", [1, 6])
def test_the_enrolment_page_takes_constant_queries(alice, django_assert_max_num_queries,
                                                   assessments):
    from assessments.models import Sitting
    from candidates.models import AcquiredBloc
    from juries.tests.factories import AssessmentFactory

    setup = jury_setup()
    enrolment = enrol(setup, whole_certification=False)
    blocs = list(setup.session.referentiel.blocs.all())
    enrolment.target_blocs.set(blocs[1:])
    AcquiredBloc.objects.create(enrolment=enrolment, bloc=blocs[0], origin="vae",
                                acquired_on=datetime.date(2024, 6, 1))
    for _ in range(assessments - 1):
        Sitting.objects.create(assessment=AssessmentFactory(session=setup.session),
                               enrolment=enrolment)
    enrolment_withdraw(enrolment=enrolment, by=alice, reason="Abandon",
                       scores_confirmed=True)
    client = _client(alice)
    with django_assert_max_num_queries(11):
        response = client.get(_url("enrolment_detail", enrolment))
    assert response.status_code == 200
    assert response.content.decode().count("Salle 204") == assessments


@pytest.mark.parametrize("persona", ["bob", "charlie", "anonymous"])
def test_every_page_is_404_to_anyone_but_an_administrator(request, persona, enrolment):
    enrolment.candidate.user = None if persona != "charlie" else request.getfixturevalue(
        "charlie")
    enrolment.candidate.save()
    client = Client() if persona == "anonymous" else _client(request.getfixturevalue(persona))
    for name in ("enrolment_detail", "candidate_identity_edit", "enrolment_edit",
                 "enrolment_withdraw"):
        response = client.get(_url(name, enrolment))
        assert response.status_code in ((302,) if persona == "anonymous" else (404,)), name
        if name != "enrolment_detail":  # GET only: a POST is 405 for anyone
            response = client.post(_url(name, enrolment), _identity())
            assert response.status_code in ((302,) if persona == "anonymous" else (404,)), name
    suggest = client.get(reverse("candidates:birthplace_suggest"), {"q": "nant"})
    assert suggest.status_code in ((302,) if persona == "anonymous" else (404,))
    enrolment.candidate.refresh_from_db()
    assert enrolment.candidate.usage_name == ""


def test_an_enrolment_of_another_session_is_404(alice, enrolment):
    other = SessionFactory()
    url = reverse("candidates:enrolment_detail", kwargs={
        "public_id": other.public_id, "enrolment_id": enrolment.public_id})
    assert _client(alice).get(url).status_code == 404
    url = reverse("candidates:enrolment_detail", kwargs={
        "public_id": enrolment.session.public_id, "enrolment_id": uuid.uuid4()})
    assert _client(alice).get(url).status_code == 404


# -- the identity --------------------------------------------------------------------------
def test_it_saves_the_identity_and_documents_print_the_new_name(alice, enrolment):
    client = _client(alice)
    response = client.post(_url("candidate_identity_edit", enrolment), _identity())
    assert response.status_code == 302
    candidate = Candidate.objects.get(pk=enrolment.candidate_id)
    assert candidate.legal_name == "MARTIN (DURAND) Léa Anne"
    assert (candidate.birth_commune, candidate.birth_insee_code) == ("Nantes", "44109")
    html = client.get(response.url).content.decode()
    assert "MARTIN (DURAND) Léa Anne" in html
    assert "44109" in html


def test_the_change_is_in_the_audit_trail(alice, enrolment):
    _client(alice).post(_url("candidate_identity_edit", enrolment),
                        _identity(first_names="Léa"))
    event = AuditEvent.objects.get(action="candidate.identity_changed")
    assert event.actor == alice
    # Which fields, never their values: an erasure must leave nothing in the trail.
    assert event.new["fields"] == ["birth_commune", "birth_insee_code", "first_names",
                                   "usage_name"]
    assert "Léa" not in str(event.old) + str(event.new)
    assert "Durand" not in str(event.old) + str(event.new)
    assert event.context["candidate"] == str(enrolment.candidate.public_id)


def test_the_identity_key_follows_the_new_names(alice, enrolment):
    candidate_update_identity(candidate=enrolment.candidate, by=alice, first_names="Léa")
    candidate = Candidate.objects.get(pk=enrolment.candidate_id)
    assert candidate.identity_key == identity_key(
        birth_name="Martin", first_names="Léa", birth_date=datetime.date(1990, 5, 4))


def test_a_wrong_insee_code_is_refused_with_a_suggestion_and_inputs_kept(alice, enrolment):
    response = _client(alice).post(_url("candidate_identity_edit", enrolment),
                                   _identity(birth_insee_code="44190", usage_name="Durand"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The code 44190 is Saint-Sébastien-sur-Loire, not « Nantes ». " \
           "Did you mean Nantes (44109)?" in html
    assert 'value="Durand"' in html
    assert 'value="44190"' in html
    assert 'aria-invalid="true"' in html
    assert Candidate.objects.get(pk=enrolment.candidate_id).usage_name == ""


def test_the_suggestion_speaks_french(alice, enrolment):
    response = _client(alice, "fr").post(_url("candidate_identity_edit", enrolment),
                                         _identity(birth_insee_code="44000"))
    assert "Voulez-vous dire Nantes (44109) ?" in response.content.decode()


def test_a_birth_abroad_needs_the_country_code(alice, enrolment):
    client = _client(alice)
    response = client.post(_url("candidate_identity_edit", enrolment), _identity(
        birth_commune="Alger", birth_country="Algérie", birth_insee_code="16000"))
    assert "Did you mean Algérie (99352)?" in response.content.decode()
    response = client.post(_url("candidate_identity_edit", enrolment), _identity(
        birth_commune="Alger", birth_country="Algérie", birth_insee_code="99352"))
    assert response.status_code == 302
    assert Candidate.objects.get(pk=enrolment.candidate_id).birth_insee_code == "99352"


def test_a_duplicate_identity_is_refused(alice, enrolment):
    CandidateFactory(birth_name="Bernard", first_names="Paul",
                     birth_date=datetime.date(1990, 5, 4))
    response = _client(alice).post(_url("candidate_identity_edit", enrolment), _identity(
        birth_name="Bernard", first_names="Paul"))
    assert response.status_code == 200
    assert "BERNARD Paul, born on" in response.content.decode()
    with pytest.raises(DuplicateCandidateError):
        candidate_update_identity(candidate=enrolment.candidate, by=alice,
                                  birth_name="bernard", first_names="paul")
    assert Candidate.objects.get(pk=enrolment.candidate_id).birth_name == "Martin"


def test_a_signed_deliberation_locks_the_identity(alice, enrolment):
    # Signed in another session: the identity its documents print stays.
    other = EnrolmentFactory(candidate=enrolment.candidate)
    _sign(other.session)
    with pytest.raises(IdentityLockedError):
        candidate_update_identity(candidate=enrolment.candidate, by=alice, usage_name="Durand")
    response = _client(alice).post(_url("candidate_identity_edit", enrolment), _identity())
    html = response.content.decode()
    assert "is signed: the identity it decided on" in html
    assert Candidate.objects.get(pk=enrolment.candidate_id).usage_name == ""
    assert not AuditEvent.objects.filter(action="candidate.identity_changed").exists()


# -- the enrolment -------------------------------------------------------------------------
def _enrolment_post(enrolment: Enrolment, **overrides: object) -> dict[str, object]:
    return {"access_route": "vae", "target": "whole", "extra_time_percent": "25",
            "technical_aids": "Écran agrandi", "other_accommodations": "",
            "employer": "Dupain SA", "jury_note": "", **overrides}


def test_it_changes_the_target_and_accommodations(alice, enrolment):
    bloc = enrolment.session.referentiel.blocs.order_by("position").first()
    response = _client(alice).post(_url("enrolment_edit", enrolment), _enrolment_post(
        enrolment, target="blocs", blocs=[bloc.pk]))
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.access_route, enrolment.whole_certification,
            enrolment.extra_time_percent, enrolment.employer) == ("vae", False, 25, "Dupain SA")
    assert list(enrolment.target_blocs.all()) == [bloc]
    event = AuditEvent.objects.get(action="enrolment.changed")
    assert event.old["extra_time_percent"] == 33
    assert event.new["extra_time_percent"] == 25
    assert event.new["target_blocs"] == [bloc.code]
    assert "technical_aids" in event.new["fields"]
    assert "Écran agrandi" not in str(event.new)
    assert "Dupain" not in str(event.new)


def test_a_target_without_bloc_is_refused_next_to_the_field(alice, enrolment):
    response = _client(alice).post(_url("enrolment_edit", enrolment), _enrolment_post(
        enrolment, target="blocs"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose at least one bloc, or the whole certification." in html
    assert 'value="Dupain SA"' in html


def test_blocs_of_another_framework_are_refused_by_the_shared_rule(alice, enrolment):
    foreign = SessionFactory().referentiel.blocs.first()
    with pytest.raises(ValidationError) as refused:
        enrolment_update(enrolment=enrolment, by=alice, access_route="vae",
                         whole_certification=False, target_blocs=[foreign])
    assert refused.value.code == "foreign_bloc"
    assert not TargetBloc.objects.filter(enrolment=enrolment).exists()


def test_a_signed_session_refuses_edits_and_withdrawals(alice, enrolment):
    _sign(enrolment.session)
    with pytest.raises(SessionLockedError):
        enrolment_update(enrolment=enrolment, by=alice, access_route="vae",
                         whole_certification=True)
    with pytest.raises(SessionLockedError):
        enrolment_withdraw(enrolment=enrolment, by=alice, reason="Abandon")
    response = _client(alice).post(_url("enrolment_edit", enrolment), _enrolment_post(enrolment))
    assert "is signed" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.access_route != "vae"


# -- the withdrawal ------------------------------------------------------------------------
def test_it_withdraws_a_candidate_without_scores(alice, enrolment):
    client = _client(alice)
    page = client.get(_url("enrolment_withdraw", enrolment)).content.decode()
    assert "The deliberation leaves this candidate out" in page
    response = client.post(_url("enrolment_withdraw", enrolment), {"reason": "Abandon"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    event = AuditEvent.objects.get(action="enrolment.withdrawn")
    assert event.new["reason"] == "Abandon"
    html = client.get(response.url).content.decode()
    assert "Withdrawn from this session" in html
    assert "Abandon" in html


def test_withdrawing_with_scores_asks_for_confirmation_and_keeps_them(alice):
    setup = jury_setup()
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    from assessments.models import Score
    scores = Score.objects.filter(sitting__enrolment=enrolment).count()
    assert scores
    client = _client(alice)
    page = client.get(_url("enrolment_withdraw", enrolment)).content.decode()
    assert f"{scores} scores were already entered: they are kept" in page
    response = client.post(_url("enrolment_withdraw", enrolment), {"reason": "Abandon"})
    assert response.status_code == 200
    assert "confirm the withdrawal" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    with pytest.raises(WithdrawalNeedsConfirmationError):
        enrolment_withdraw(enrolment=enrolment, by=alice, reason="Abandon")
    response = client.post(_url("enrolment_withdraw", enrolment),
                           {"reason": "Abandon", "scores_confirmed": "on"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert Score.objects.filter(sitting__enrolment=enrolment).count() == scores


def test_a_withdrawal_needs_a_reason(alice, enrolment):
    response = _client(alice).post(_url("enrolment_withdraw", enrolment), {"reason": " "})
    assert response.status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED


# -- suggestions ---------------------------------------------------------------------------
def test_suggestions_offer_nantes_for_nant(alice):
    response = _client(alice).get(reverse("candidates:birthplace_suggest"), {"q": "nant"})
    html = response.content.decode()
    assert 'data-code="44109"' in html
    assert 'data-name="Nantes"' in html
    assert 'role="option"' in html


def test_suggestions_read_the_field_htmx_sends_and_countries(alice):
    client = _client(alice)
    html = client.get(reverse("candidates:birthplace_suggest"),
                      {"birth_commune": "ajacc"}).content.decode()
    assert 'data-code="2A004"' in html
    html = client.get(reverse("candidates:birthplace_suggest"),
                      {"kind": "country", "birth_country": "alger"}).content.decode()
    assert 'data-code="99352"' in html
    assert "Algérie" in html
    html = client.get(reverse("candidates:birthplace_suggest"),
                      {"q": "zzzzqq"}).content.decode()
    assert "No commune of the INSEE list" in html


# -- the same check at entry: the enrolment form and the spreadsheet import ----------------
def test_the_enrolment_form_refuses_a_wrong_code_with_a_suggestion(alice):
    session = SessionFactory()
    data = {
        "birth_name": "Petit", "usage_name": "", "first_names": "Jules",
        "birth_date": "1994-03-12", "birth_commune": "Nantes", "birth_insee_code": "44190",
        "birth_country": "", "sex": "M", "email": "jules@exemple.fr", "phone": "",
        "access_route": "vae", "target": "whole", "extra_time_percent": "0",
        "acquired-TOTAL_FORMS": "3", "acquired-INITIAL_FORMS": "0",
        "acquired-MIN_NUM_FORMS": "0", "acquired-MAX_NUM_FORMS": "3",
    }
    response = _client(alice).post(
        reverse("candidates:enrolment_create", kwargs={"public_id": session.public_id}), data)
    assert response.status_code == 200
    assert "Did you mean Nantes (44109)?" in response.content.decode()
    assert not Candidate.objects.filter(birth_name="Petit").exists()


def test_the_import_preview_warns_of_a_wrong_code_with_a_suggestion(alice):
    from io import BytesIO

    from candidates import importers
    from candidates.services import enrolment_import_preview

    session = SessionFactory()
    headers = importers.template_headers()
    values = {"birth_name": "Petit", "first_names": "Jules", "birth_date": "12/03/1994",
              "birth_commune": "Nantes", "birth_insee_code": "44190", "sex": "M",
              "access_route": "VAE"}
    row = [values.get(key, "") for key in importers.COLUMNS]
    text = ";".join(headers) + "\n" + ";".join(row) + "\n"
    staged = enrolment_import_preview(session=session, file=BytesIO(text.encode()),
                                      file_name="inscriptions.csv", created_by=alice)
    [stored] = staged.rows
    assert stored["errors"] == []
    assert "Nantes (44109)" in stored["warnings"][0]["message"]
    html = _client(alice).get(reverse("candidates:enrolment_import_preview", kwargs={
        "public_id": session.public_id, "import_id": staged.public_id})).content.decode()
    assert "Nantes (44109)" in html
    assert "To check" in html


# -- the API: the same services --------------------------------------------------------------
def _api(user):
    from rest_framework.test import APIClient

    client = APIClient(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_the_api_patches_an_identity_through_the_service(alice, bob, enrolment):
    url = f"/api/v1/candidates/{enrolment.candidate.public_id}/"
    refused = _api(alice).patch(url, {"birth_insee_code": "44190", "birth_commune": "Nantes"},
                                format="json")
    assert refused.status_code == 400
    assert "Did you mean Nantes (44109)?" in str(refused.json())
    response = _api(alice).patch(url, {"usage_name": "Durand"}, format="json")
    assert response.status_code == 200
    assert response.json()["usage_name"] == "Durand"
    assert AuditEvent.objects.filter(action="candidate.identity_changed").count() == 1
    assert _api(bob).patch(url, {"usage_name": "X"}, format="json").status_code == 404


def test_the_api_patches_and_withdraws_an_enrolment(alice, charlie, enrolment):
    url = f"/api/v1/enrolments/{enrolment.public_id}/"
    bloc = enrolment.session.referentiel.blocs.exclude(code="").first()
    response = _api(alice).patch(url, {"whole_certification": False,
                                       "target_blocs": [bloc.code]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["target_blocs"] == [bloc.code]
    assert response.json()["extra_time_percent"] == 33
    enrolment.candidate.user = charlie
    enrolment.candidate.save()
    assert _api(charlie).patch(url, {"extra_time_percent": 50},
                               format="json").status_code == 404
    assert _api(charlie).post(f"{url}withdraw/", {"reason": "x"},
                              format="json").status_code == 404
    response = _api(alice).post(f"{url}withdraw/", {"reason": "Abandon"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
