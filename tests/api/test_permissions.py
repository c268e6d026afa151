"""DESIGN.md §8 through the API, by force: each persona asks for what is not theirs, with
a session or a token, and gets a 404 (out of reach) or a 403 (in reach, not allowed);
nothing changes. alice administers, bob is a jury member, charlie and dave candidates."""

from __future__ import annotations

import datetime

import pytest
from django.utils.translation import gettext, override

from assessments.models import Score
from assessments.services import assessment_create
from candidates.tests.factories import CandidateFactory, EnrolmentFactory, SessionFactory
from juries.models import Assignment, Jury
from juries.services import jury_compose
from juries.tests.factories import MemberFactory
from tests.api.conftest import session_client, token_client

pytestmark = pytest.mark.django_db

LISTS = ["certifications", "referentiels", "imports", "candidates", "sessions", "enrolments",
         "juries", "jury-members", "assessments", "sittings", "assignments", "scores",
         "deliberations", "documents"]


@pytest.fixture
def world(charlie, dave, bob):
    """One session, charlie and dave enrolled and sitting one assessment; bob in the jury,
    assigned to charlie only; a teacher presides and is assigned to dave."""
    session = SessionFactory()
    mine = EnrolmentFactory(session=session, candidate=CandidateFactory(
        user=charlie, email=charlie.email))
    theirs = EnrolmentFactory(session=session, candidate=CandidateFactory(
        user=dave, email=dave.email))
    bob_member, teacher = MemberFactory(user=bob), MemberFactory()
    jury_compose(session=session, members=[bob_member, teacher], president=teacher)
    assessment = assessment_create(
        session=session, modality=session.referentiel.modalities.order_by("position").first(),
        starts_at=datetime.datetime(2027, 3, 15, 9, tzinfo=datetime.UTC),
        enrolments=[mine, theirs])
    Assignment.objects.create(sitting=assessment.sittings.get(enrolment=mine), member=bob_member)
    other_sitting = assessment.sittings.get(enrolment=theirs)
    Assignment.objects.create(sitting=other_sitting, member=teacher)
    unassigned = assessment_create(
        session=session, modality=session.referentiel.modalities.order_by("position").last(),
        starts_at=datetime.datetime(2027, 3, 16, 9, tzinfo=datetime.UTC), enrolments=[theirs])
    return {"session": session, "mine": mine, "theirs": theirs, "assessment": assessment,
            "other_sitting": other_sitting, "unassigned": unassigned, "teacher": teacher,
            "bob_member": bob_member}


@pytest.mark.parametrize("name", LISTS)
def test_every_list_refuses_anonymous_callers(db, name):
    response = session_client().get(f"/api/v1/{name}/")
    assert response.status_code == 401
    assert set(response.json()) >= {"type", "title", "status", "detail", "errors"}


@pytest.mark.parametrize("name", LISTS)
def test_every_list_is_paginated_for_an_administrator(alice, world, name):
    body = session_client(alice).get(f"/api/v1/{name}/", {"page_size": 1}).json()
    assert set(body) == {"count", "next", "previous", "results"}


def test_a_candidate_cannot_read_anothers_enrolment(charlie, world):
    client = session_client(charlie)
    theirs = world["theirs"]
    assert client.get(f"/api/v1/enrolments/{theirs.public_id}/").status_code == 404
    assert client.get(f"/api/v1/candidates/{theirs.candidate.public_id}/").status_code == 404
    rows = client.get("/api/v1/enrolments/", {"session": str(world["session"].public_id)})
    assert [row["id"] for row in rows.json()["results"]] == [str(world["mine"].public_id)]


def test_a_jury_member_cannot_read_an_unassigned_assessment(bob, world):
    client = session_client(bob)
    assert client.get(f"/api/v1/assessments/{world['unassigned'].public_id}/").status_code \
        == 404
    rows = client.get("/api/v1/assessments/").json()["results"]
    assert [row["id"] for row in rows] == [str(world["assessment"].public_id)]


def test_a_jury_member_lists_only_the_sittings_assigned_to_them(bob, charlie, world):
    rows = session_client(bob).get("/api/v1/sittings/").json()["results"]
    assert [row["candidate"] for row in rows] == [str(world["mine"].candidate.public_id)]
    assert session_client(charlie).get("/api/v1/sittings/").json()["results"] == []


def test_a_jury_member_cannot_score_an_unassigned_sitting(bob, world):
    sitting = world["other_sitting"]
    competence = sitting.assessment.modality.competences.first()
    response = session_client(bob).post("/api/v1/scores/", {
        "sitting": str(sitting.public_id), "competence": competence.pk, "level": 2,
        "comment": "", "expected_version": 0}, format="json")
    assert response.status_code == 404
    assert not Score.objects.exists()


def test_a_jury_member_who_does_not_preside_cannot_read_the_jury(bob, world):
    client = session_client(bob)
    jury = Jury.objects.get(session=world["session"])
    assert client.get(f"/api/v1/juries/{jury.public_id}/").status_code == 404
    assert client.get("/api/v1/jury-members/").json()["results"] == []
    president = session_client(world["teacher"].user)
    assert president.get(f"/api/v1/juries/{jury.public_id}/").status_code == 200


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_only_administrators_compose_a_jury(persona, request, world):
    response = session_client(request.getfixturevalue(persona)).post("/api/v1/juries/", {
        "session": str(world["session"].public_id),
        "members": [str(world["bob_member"].public_id)]}, format="json")
    assert response.status_code == 403
    assert Jury.objects.get(session=world["session"]).members.count() == 2


def test_an_administrator_composes_a_jury(alice, world):
    response = session_client(alice).post("/api/v1/juries/", {
        "session": str(world["session"].public_id),
        "members": [str(world["bob_member"].public_id), str(world["teacher"].public_id)],
        "president": str(world["bob_member"].public_id)}, format="json")
    assert response.status_code == 200
    assert response.json()["president"] == str(world["bob_member"].public_id)
    outsider = session_client(alice).post("/api/v1/juries/", {
        "session": str(world["session"].public_id),
        "members": [str(world["teacher"].public_id)],
        "president": str(world["bob_member"].public_id)}, format="json")
    assert outsider.status_code == 400
    assert "president" in outsider.json()["errors"]


def test_a_read_only_token_cannot_write_anything(read_token, world):
    client = token_client(read_token)
    for url, body in [
        ("/api/v1/candidates/", {"birth_name": "X", "first_names": "Y",
                                 "birth_date": "2000-01-01"}),
        ("/api/v1/juries/", {"session": str(world["session"].public_id), "members": []}),
        ("/api/v1/deliberations/", {"session": str(world["session"].public_id)}),
    ]:
        response = client.post(url, body, format="json")
        assert response.status_code == 403, url
    assert client.get("/api/v1/candidates/").status_code == 200


def test_errors_speak_the_users_language(alice):
    client = session_client(alice)
    response = client.post("/api/v1/sessions/", {}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    body = response.json()
    with override("fr"):
        assert body["title"] == gettext("Invalid request")
        assert body["detail"] == gettext("The data sent is not valid: see errors.")
    assert body["status"] == 400
    assert body["type"] == "invalid"
    assert set(body["errors"]) >= {"referentiel", "name", "starts_on", "ends_on"}
