"""A candidate finds their issued documents on their space — once the results are
published, never another candidate's, never a revoked one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deliberations.services import deliberation_publish
from reports import services
from reports.models import Document, DocumentKind

SPACE = reverse("candidates:space")


@pytest.fixture
def issued(signed, rendered, enqueued) -> list[Document]:
    services.documents_issue_for_deliberation(deliberation=signed.deliberation)
    for document_id in enqueued:
        services.document_render(document_id=document_id)
    return list(Document.objects.all())


def _links(content: str, documents) -> set[str]:
    return {d.number for d in documents
            if reverse("reports:download", args=[d.public_id]) in content}


def test_documents_appear_once_the_results_are_published(client, charlie, signed, issued):
    mine = [d for d in issued if d.enrolment_id == signed.charlie.pk]
    theirs = [d for d in issued if d.enrolment_id == signed.dave.pk]
    client.force_login(charlie)

    assert _links(client.get(SPACE).content.decode(), issued) == set()

    deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    content = client.get(SPACE).content.decode()
    assert _links(content, mine) == {d.number for d in mine}
    assert _links(content, theirs) == set()
    assert {DocumentKind.TRANSCRIPT, DocumentKind.CERTIFICATE} <= {d.kind for d in mine}
    certificate = next(d for d in mine if d.kind == DocumentKind.CERTIFICATE)
    assert reverse("reports:verify", args=[certificate.verification_code]) in content
    # Every link on the space downloads: the holder may.
    download = client.get(reverse("reports:download", args=[certificate.public_id]))
    assert download.status_code == 200


def test_a_revoked_document_leaves_the_space(client, alice, charlie, signed, issued):
    deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    transcript = Document.objects.get(enrolment=signed.charlie, kind=DocumentKind.TRANSCRIPT)
    services.document_revoke(document=transcript, by=alice, reason="Erreur de saisie.")
    client.force_login(charlie)
    content = client.get(SPACE).content.decode()
    assert reverse("reports:download", args=[transcript.public_id]) not in content


def test_the_space_reads_documents_in_one_query(client, charlie, signed, issued,
                                                django_assert_max_num_queries):
    deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    client.force_login(charlie)
    with django_assert_max_num_queries(14):  # documents: one; the decision and its retakes: two
        assert client.get(SPACE).status_code == 200
