"""The candidates API (/api/v1/candidates/, sessions/, enrolments/), tried by alice
(administrator), bob (jury), charlie and dave (candidates) and an anonymous client: each
sees what the pages show them, nothing more."""

from __future__ import annotations

import pytest
from django.core import mail
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from candidates.models import AccessRoute, Candidate, Enrolment, EnrolmentStatus, Session
from candidates.tests.factories import (
    CandidateFactory,
    EnrolmentFactory,
    SessionFactory,
    make_referentiel,
)

pytestmark = pytest.mark.django_db

CANDIDATES = "/api/v1/candidates/"
SESSIONS = "/api/v1/sessions/"
ENROLMENTS = "/api/v1/enrolments/"
LISTS = [CANDIDATES, SESSIONS, ENROLMENTS]


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def session() -> Session:
    return SessionFactory()


@pytest.fixture
def charlie_enrolment(charlie, session) -> Enrolment:
    candidate = CandidateFactory(user=charlie, email=charlie.email, birth_name="Martin",
                                 first_names="Charlie")
    return EnrolmentFactory(candidate=candidate, session=session)


@pytest.fixture
def dave_enrolment(dave) -> Enrolment:
    candidate = CandidateFactory(user=dave, email=dave.email, birth_name="Petit",
                                 first_names="Dave")
    return EnrolmentFactory(candidate=candidate, access_route=AccessRoute.VAE)


def _identity(**overrides: object) -> dict[str, object]:
    return {"birth_name": "Lefèvre", "first_names": "Éloïse", "birth_date": "1995-03-14",
            "birth_commune": "Rouen", "birth_insee_code": "76540", "sex": "F",
            "email": "eloise@example.org", **overrides}


# -- permissions -------------------------------------------------------------------------
def test_charlie_lists_only_his_own_records(charlie, charlie_enrolment, dave_enrolment):
    client = _client(charlie)
    assert _ids(client.get(CANDIDATES)) == {str(charlie_enrolment.candidate.public_id)}
    assert _ids(client.get(SESSIONS)) == {str(charlie_enrolment.session.public_id)}
    assert _ids(client.get(ENROLMENTS)) == {str(charlie_enrolment.public_id)}


def test_charlie_cannot_retrieve_daves_records(charlie, charlie_enrolment, dave_enrolment):
    client = _client(charlie)
    assert client.get(f"{CANDIDATES}{dave_enrolment.candidate.public_id}/").status_code == 404
    assert client.get(f"{SESSIONS}{dave_enrolment.session.public_id}/").status_code == 404
    assert client.get(f"{ENROLMENTS}{dave_enrolment.public_id}/").status_code == 404
    own = client.get(f"{ENROLMENTS}{charlie_enrolment.public_id}/")
    assert own.json()["candidate"] == str(charlie_enrolment.candidate.public_id)


@pytest.mark.parametrize("url", LISTS)
def test_jury_members_get_empty_lists_for_now(bob, charlie_enrolment, url):
    assert _ids(_client(bob).get(url)) == set()


def test_jury_members_cannot_retrieve(bob, charlie_enrolment):
    client = _client(bob)
    assert client.get(f"{CANDIDATES}{charlie_enrolment.candidate.public_id}/").status_code == 404
    assert client.get(f"{ENROLMENTS}{charlie_enrolment.public_id}/").status_code == 404


@pytest.mark.parametrize("url", LISTS)
def test_anonymous_clients_are_refused(charlie_enrolment, url):
    assert _client().get(url).status_code == 401  # WWW-Authenticate: Bearer


def test_an_administrator_lists_everything(alice, charlie_enrolment, dave_enrolment):
    assert len(_ids(_client(alice).get(CANDIDATES))) == 2
    assert len(_ids(_client(alice).get(ENROLMENTS))) == 2


def test_public_identifiers_are_uuids_never_keys(alice, charlie_enrolment):
    row = _client(alice).get(ENROLMENTS).json()["results"][0]
    assert row["id"] == str(charlie_enrolment.public_id)
    assert "pk" not in row
    assert row["session"] == str(charlie_enrolment.session.public_id)


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_only_administrators_create(request, persona, session):
    client = _client(request.getfixturevalue(persona))
    assert client.post(CANDIDATES, _identity(), format="json").status_code == 403
    assert not Candidate.objects.filter(birth_name="Lefèvre").exists()


# -- creation ----------------------------------------------------------------------------
def test_an_administrator_creates_a_candidate(alice):
    response = _client(alice).post(CANDIDATES, _identity(), format="json")
    assert response.status_code == 201, response.content
    candidate = Candidate.objects.get(public_id=response.json()["id"])
    assert candidate.birth_insee_code == "76540"


def test_a_duplicate_is_a_400_naming_the_existing_candidate(alice):
    client = _client(alice)
    first = client.post(CANDIDATES, _identity(), format="json").json()
    response = client.post(CANDIDATES, _identity(birth_name="LEFEVRE", email=""), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate"
    assert response.json()["existing"] == first["id"]
    assert "Lefèvre".upper() in response.json()["detail"]


def test_a_candidate_without_birth_place_is_a_400(alice):
    response = _client(alice).post(
        CANDIDATES, _identity(birth_commune="", birth_insee_code=""), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "birth_place"


def test_an_administrator_opens_a_session(alice):
    referentiel = make_referentiel()
    response = _client(alice).post(SESSIONS, {
        "referentiel": str(referentiel.public_id), "name": "Automne 2027",
        "starts_on": "2027-09-01", "ends_on": "2027-12-15"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["certification_code"] == "RNCP99999"


def test_a_session_ending_before_it_starts_is_a_400(alice):
    referentiel = make_referentiel()
    response = _client(alice).post(SESSIONS, {
        "referentiel": str(referentiel.public_id), "name": "Backwards",
        "starts_on": "2027-09-01", "ends_on": "2027-01-15"}, format="json")
    assert response.status_code == 400
    assert not Session.objects.exists()


def test_an_unknown_framework_version_is_a_400(alice):
    response = _client(alice).post(SESSIONS, {
        "referentiel": "00000000-0000-0000-0000-000000000000", "name": "X",
        "starts_on": "2027-09-01", "ends_on": "2027-12-15"}, format="json")
    assert response.status_code == 400
    assert "referentiel" in response.json()["errors"]


def _enrol(client: APIClient, candidate: Candidate, session: Session, **overrides: object):
    body = {"candidate": str(candidate.public_id), "session": str(session.public_id),
            "access_route": AccessRoute.APPRENTICESHIP, **overrides}
    return client.post(ENROLMENTS, body, format="json")


def test_an_administrator_enrols_and_invites(alice, session):
    candidate = CandidateFactory(user=None, email="new@example.org")
    codes = list(session.referentiel.blocs.order_by("position").values_list("code", flat=True))
    response = _enrol(_client(alice), candidate, session, whole_certification=False,
                      target_blocs=[codes[0]], extra_time_percent=33, acquired_blocs=[
                          {"bloc": codes[1], "acquired_on": "2025-06-30",
                           "origin": "capitalisation", "reference": "ATT-1"}])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["target_blocs"] == [codes[0]]
    assert body["acquired_blocs"][0]["bloc"] == codes[1]
    assert body["invited_at"] is not None
    assert [message.to for message in mail.outbox] == [["new@example.org"]]


def test_enrolling_without_invitation_sends_nothing(alice, session):
    candidate = CandidateFactory(user=None, email="new@example.org")
    response = _enrol(_client(alice), candidate, session, invite=False)
    assert response.status_code == 201
    assert response.json()["invited_at"] is None
    assert mail.outbox == []


def test_a_bloc_of_another_version_is_a_400(alice, session):
    candidate = CandidateFactory(user=None)
    response = _enrol(_client(alice), candidate, session, whole_certification=False,
                      target_blocs=["RNCP00000BC09"])
    assert response.status_code == 400
    assert "blocs" in response.json()["errors"]
    assert not Enrolment.objects.exists()


def test_enrolling_twice_is_a_400(alice, charlie_enrolment):
    response = _enrol(_client(alice), charlie_enrolment.candidate, charlie_enrolment.session,
                      invite=False)
    assert response.status_code == 400
    assert response.json()["code"] == "already_enrolled"


# -- filters, search, ordering -----------------------------------------------------------
def test_enrolments_filter_by_session_route_and_status(alice, charlie_enrolment, dave_enrolment):
    client = _client(alice)
    session = charlie_enrolment.session.public_id
    assert _ids(client.get(ENROLMENTS, {"session": session})) == {
        str(charlie_enrolment.public_id)}
    assert _ids(client.get(ENROLMENTS, {"access_route": AccessRoute.VAE})) == {
        str(dave_enrolment.public_id)}
    Enrolment.objects.filter(pk=dave_enrolment.pk).update(status=EnrolmentStatus.WITHDRAWN)
    assert _ids(client.get(ENROLMENTS, {"status": "withdrawn"})) == {str(dave_enrolment.public_id)}
    assert _ids(client.get(ENROLMENTS, {"search": "petit"})) == {str(dave_enrolment.public_id)}


def test_candidates_filter_search_and_order(alice, charlie_enrolment, dave_enrolment):
    client = _client(alice)
    charlie_id = str(charlie_enrolment.candidate.public_id)
    dave_id = str(dave_enrolment.candidate.public_id)
    assert _ids(client.get(CANDIDATES, {"session": charlie_enrolment.session.public_id})) == {
        charlie_id}
    assert _ids(client.get(CANDIDATES, {"search": "mart"})) == {charlie_id}
    assert _ids(client.get(CANDIDATES, {"anonymised": "true"})) == set()
    rows = client.get(CANDIDATES, {"ordering": "-birth_name"}).json()["results"]
    assert [row["id"] for row in rows] == [dave_id, charlie_id]


def test_sessions_filter_by_certification(alice, charlie_enrolment):
    client = _client(alice)
    SessionFactory()  # another session, on another certification
    code = charlie_enrolment.session.referentiel.certification.code
    assert _ids(client.get(SESSIONS, {"certification": code})) == {
        str(charlie_enrolment.session.public_id)}
    assert _ids(client.get(SESSIONS, {"certification": "RNCP00000"})) == set()


@pytest.mark.parametrize("url", LISTS)
def test_a_list_costs_the_same_for_5_or_40_rows(alice, url, django_assert_max_num_queries):
    session = SessionFactory()
    codes = list(session.referentiel.blocs.all())
    client = _client(alice)
    for total in (5, 40):
        while Enrolment.objects.count() < total:
            enrolment = EnrolmentFactory(session=SessionFactory(referentiel=session.referentiel))
            enrolment.target_blocs.add(codes[0])
        with django_assert_max_num_queries(8):
            assert len(_ids(client.get(url))) >= total


# -- RGPD --------------------------------------------------------------------------------
def test_an_administrator_exports_and_erases(alice, charlie_enrolment):
    client = _client(alice)
    url = f"{CANDIDATES}{charlie_enrolment.candidate.public_id}"
    export = client.get(f"{url}/export/")
    assert export.status_code == 200
    assert export.json()["identity"]["birth_name"] == "Martin"
    assert client.post(f"{url}/erase/", {}, format="json").status_code == 400
    erased = client.post(f"{url}/erase/", {"reason": "Request"}, format="json")
    assert erased.status_code == 200
    assert erased.json()["anonymised_at"] is not None
    assert erased.json()["email"] == ""
    again = client.post(f"{url}/erase/", {"reason": "Again"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_erased"


@pytest.mark.parametrize("persona", ["bob", "charlie", "dave"])
def test_only_administrators_export_or_erase(request, persona, charlie_enrolment):
    client = _client(request.getfixturevalue(persona))
    url = f"{CANDIDATES}{charlie_enrolment.candidate.public_id}"
    assert client.get(f"{url}/export/").status_code == 404
    assert client.post(f"{url}/erase/", {"reason": "x"}, format="json").status_code == 404
    charlie_enrolment.candidate.refresh_from_db()
    assert charlie_enrolment.candidate.anonymised_at is None


def test_the_openapi_schema_generates():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/v1/candidates/", "/api/v1/sessions/{public_id}/",
                 "/api/v1/enrolments/", "/api/v1/candidates/{public_id}/erase/"):
        assert path in schema["paths"]



def test_the_language_of_documents_is_given_at_creation(alice):
    response = _client(alice).post(CANDIDATES, {**_identity(), "language": "en"}, format="json")
    assert response.status_code == 201
    assert response.json()["language"] == "en"
    assert Candidate.objects.get().language == "en"
    refused = _client(alice).post(CANDIDATES, {**_identity(birth_name="Autre"),
                                               "language": "xx"}, format="json")
    assert refused.status_code == 400
