"""Publication gates results (issue 15): before the session's results are published, a
candidate reaches no document — not in the list, not by download, not on their space, not
through the API — and no final level or outcome; from publication on, their own."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from deliberations.services import deliberation_publish
from reports import services
from reports.models import Document, DocumentKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(signed, rendered, enqueued) -> list[Document]:
    services.documents_issue_for_deliberation(deliberation=signed.deliberation)
    for document_id in enqueued:
        services.document_render(document_id=document_id)
    return list(Document.objects.filter(enrolment=signed.charlie))


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_before_publication_no_door_opens_on_a_document(client, charlie, signed, issued):
    assert issued
    assert all(d.status == "issued" for d in issued)
    api = _api(charlie)
    assert api.get("/api/v1/documents/").json()["results"] == []
    client.force_login(charlie)
    for document in issued:
        assert api.get(f"/api/v1/documents/{document.public_id}/").status_code == 404
        assert api.get(f"/api/v1/documents/{document.public_id}/download/").status_code == 404
        assert client.get(reverse("reports:download", args=[document.public_id])
                          ).status_code == 404
    space = client.get(reverse("candidates:space")).content.decode()
    assert not any(str(d.public_id) in space for d in issued)


def test_after_publication_the_holder_reaches_their_own(client, charlie, signed, issued):
    deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    api = _api(charlie)
    listed = {row["id"] for row in api.get("/api/v1/documents/").json()["results"]}
    assert listed == {str(d.public_id) for d in issued}
    certificate = next(d for d in issued if d.kind == DocumentKind.CERTIFICATE)
    assert api.get(f"/api/v1/documents/{certificate.public_id}/download/").status_code == 200
    client.force_login(charlie)
    assert client.get(reverse("reports:download", args=[certificate.public_id])
                      ).status_code == 200


def test_an_administrator_reaches_documents_before_publication(alice, signed, issued):
    listed = _api(alice).get("/api/v1/documents/").json()["results"]
    assert {str(d.public_id) for d in issued} <= {row["id"] for row in listed}


def test_no_final_level_or_outcome_before_publication(client, charlie, signed, issued):
    """The space shows no final level or outcome; no API answers a candidate with one."""
    from deliberations.models import CandidateDecision, CompetenceDecision

    decision = CandidateDecision.objects.get(enrolment=signed.charlie)
    client.force_login(charlie)
    space = client.get(reverse("candidates:space")).content.decode()
    assert decision.get_outcome_display() not in space
    api = _api(charlie)
    for path in ("/api/v1/deliberations/", f"/api/v1/deliberations/"
                 f"{signed.deliberation.public_id}/", "/api/v1/scores/"):
        response = api.get(path)
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert response.json()["results"] == []
    enrolment = api.get(f"/api/v1/enrolments/{signed.charlie.public_id}/").json()
    assert not {"outcome", "final_levels", "decision"} & set(enrolment)
    assert CompetenceDecision.objects.filter(candidate_decision=decision).exists()
