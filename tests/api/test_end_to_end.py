"""docs/api.md's example, request by request: an administrator's token imports a
référentiel, opens a session, enrols a candidate, composes the jury, schedules an épreuve
and assigns a member; the member signs in (session and CSRF, as curl does) and scores; the
president signs; the worker issues the documents; the token downloads one and anyone
verifies it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.tests.factories import PASSWORD
from candidates.tests.factories import certifier_ensure
from certifications.importers import json_format
from certifications.tests.drafts import make_draft
from deliberations.models import Deliberation
from juries.models import Quality
from juries.tests.factories import MemberFactory
from reports.tasks import document_render_task, issue_for_deliberation_task
from tests.api.conftest import FAKE_PDF, token_client

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def _signed_in(user) -> tuple[Client, str]:
    """A browser-like client signed in through the login form, CSRF enforced; its
    X-CSRFToken (renewed at login)."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {
        "login": user.email, "password": PASSWORD,
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 302, response.content
    return client, client.cookies["csrftoken"].value


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def test_the_documented_example_works(alice, write_token, rendered, enqueued):
    api = token_client(write_token)
    # The certifier's legal representative, who signs documents: filled in once on the
    # certifier's page (Frameworks → Certifiers), see docs/api.md.
    certifier_ensure()
    president = MemberFactory(sex="F")
    member = MemberFactory(sex="M", quality=Quality.EMPLOYEE)

    # 1. import a référentiel
    upload = SimpleUploadedFile("referentiel.json", json_format.dumps(make_draft(blocs=1)))
    imported = _ok(api.post(f"{BASE}/imports/", {"file": upload}, format="multipart"), 201)
    referentiel = imported["result"]["referentiels"][0]["referentiel"]
    tree = _ok(api.get(f"{BASE}/referentiels/{referentiel}/"))
    modality = tree["modalities"][0]

    # 2. a session, a candidate, an enrolment
    session = _ok(api.post(f"{BASE}/sessions/", {
        "referentiel": referentiel, "name": "Promotion 2027", "starts_on": "2027-01-10",
        "ends_on": "2027-06-30"}, format="json"), 201)["id"]
    candidate = _ok(api.post(f"{BASE}/candidates/", {
        "birth_name": "Martin", "first_names": "Jeanne", "birth_date": "1990-04-12",
        "birth_commune": "Lyon", "birth_insee_code": "69123",
        "email": "jeanne.martin@example.org"}, format="json"), 201)["id"]
    _ok(api.post(f"{BASE}/enrolments/", {"candidate": candidate, "session": session,
                                        "access_route": "formation_continue"},
                 format="json"), 201)

    # 3. the jury, an épreuve, an assignment
    members = {row["email"]: row["id"] for row in
               _ok(api.get(f"{BASE}/jury-members/"))["results"]}
    president_id, member_id = members[president.user.email], members[member.user.email]
    _ok(api.post(f"{BASE}/juries/", {"session": session, "members": [president_id, member_id],
                                     "president": president_id}, format="json"), 201)
    assessment = _ok(api.post(f"{BASE}/assessments/", {
        "session": session, "modality": modality["id"],
        "starts_at": "2026-03-15T09:00:00+01:00", "all_candidates": True},
        format="json"), 201)["id"]
    (sitting,) = _ok(api.get(f"{BASE}/sittings/", {"assessment": assessment}))["results"]
    for member_of_jury in (president_id, member_id):
        _ok(api.post(f"{BASE}/assignments/", {"sitting": sitting["id"],
                                              "member": member_of_jury}, format="json"), 201)

    # 4. each member scores with their own session (a token acts as an administrator)
    for user in (member.user, president.user):
        browser, csrf = _signed_in(user)
        for competence in modality["competences"]:
            _ok(browser.post(f"{BASE}/scores/", {
                "sitting": sitting["id"], "competence": competence, "level": 2, "comment": "",
                "expected_version": 0}, content_type="application/json",
                HTTP_X_CSRFTOKEN=csrf), 201)
    # without the CSRF token, a session write is refused
    assert browser.post(f"{BASE}/scores/", {}, content_type="application/json"
                        ).status_code == 403

    # 5. propose (the token), sign (the president's session)
    proposed = _ok(api.post(f"{BASE}/deliberations/", {"session": session}, format="json"))
    deliberation = proposed["id"]
    browser, csrf = _signed_in(president.user)
    signed = _ok(browser.post(f"{BASE}/deliberations/{deliberation}/sign/",
                              {"members_present": [president_id, member_id],
                               "proposal_version": proposed["proposal_version"]},
                              content_type="application/json", HTTP_X_CSRFTOKEN=csrf))
    assert signed["status"] == "signed"

    # the worker: issue the documents after the signature, render them
    issue_for_deliberation_task(Deliberation.objects.get(public_id=deliberation).pk)
    for document_id in enqueued:
        document_render_task(document_id)

    # 6. download a document, verify it
    (transcript,) = _ok(api.get(f"{BASE}/documents/", {"session": session,
                                                      "kind": "transcript"}))["results"]
    response = api.get(transcript["download"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FAKE_PDF
    verified = _ok(Client().get(f"{BASE}/verify/{transcript['verification_code']}/"))
    assert verified["valid"] is True
    assert "Jeanne" in verified["holder"]
