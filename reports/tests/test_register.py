"""The register: one row per document before rendering, numbers unique and sequential
per certifier and year, issuing idempotent, documents never deleted."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.test import override_settings
from django.utils import timezone

from accounts.models import AuditEvent
from reports.models import Document, DocumentKind, DocumentStatus, RegisterCounter
from reports.services import documents_issue_for_deliberation, register_number_next

pytestmark = pytest.mark.django_db


def test_it_creates_the_rows_of_a_signed_deliberation(signed, enqueued):
    created = documents_issue_for_deliberation(deliberation=signed.deliberation)
    kinds = sorted((d.kind, d.enrolment_id) for d in created)
    assert kinds.count((DocumentKind.MINUTES, None)) == 1
    assert [d.kind for d in created if d.enrolment_id == signed.charlie.pk].count(
        DocumentKind.BLOC_ATTESTATION) == 3
    assert {d.kind for d in created if d.enrolment_id == signed.charlie.pk} == {
        DocumentKind.TRANSCRIPT, DocumentKind.BLOC_ATTESTATION, DocumentKind.CERTIFICATE}
    assert DocumentKind.CERTIFICATE not in {
        d.kind for d in created if d.enrolment_id == signed.dave.pk}
    assert len(created) == 10
    assert all(d.status == DocumentStatus.PENDING for d in created)
    assert AuditEvent.objects.filter(action="documents.created").count() == 1


def test_it_numbers_sequentially_per_certifier_and_year(signed, enqueued):
    created = documents_issue_for_deliberation(deliberation=signed.deliberation)
    year = timezone.localdate().year
    assert sorted(d.number for d in created) == [f"{year}-{n:06d}" for n in range(1, 11)]
    assert RegisterCounter.objects.get(year=year).last == 10


def test_issuing_twice_creates_no_second_row_nor_number(signed, enqueued,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = documents_issue_for_deliberation(deliberation=signed.deliberation)
    with django_capture_on_commit_callbacks(execute=True):
        again = documents_issue_for_deliberation(deliberation=signed.deliberation)
    assert again == []
    assert Document.objects.count() == len(first) == 10
    assert RegisterCounter.objects.get().last == 10
    assert sorted(enqueued) == sorted(d.pk for d in first)


def test_each_certifier_has_its_own_register():
    with override_settings(CERTIFIER_NAME="Alpha"):
        assert register_number_next(certifier="Alpha", year=2027) == "2027-000001"
        assert register_number_next(certifier="Alpha", year=2027) == "2027-000002"
    assert register_number_next(certifier="Beta", year=2027) == "2027-000001"
    assert register_number_next(certifier="Alpha", year=2028) == "2028-000001"


def test_verification_codes_are_unique_and_unambiguous(signed, enqueued):
    created = documents_issue_for_deliberation(deliberation=signed.deliberation)
    codes = {d.verification_code for d in created}
    assert len(codes) == len(created)
    assert all(len(c) == 12 and not set(c) & set("01ILO") for c in codes)


def test_only_a_signed_deliberation_issues(alice, enqueued):
    from django.core.exceptions import ValidationError

    from deliberations.models import Deliberation
    from deliberations.services import deliberation_propose
    from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all

    setup = jury_setup()
    score_all(setup, enrol(setup), 1)
    deliberation_propose(session=setup.session, by=alice)  # proposed, not signed
    draft = Deliberation.objects.get(session=setup.session)
    with pytest.raises(ValidationError):
        documents_issue_for_deliberation(deliberation=draft)
    assert not Document.objects.exists()


def test_documents_cannot_be_deleted(signed, enqueued):
    documents_issue_for_deliberation(deliberation=signed.deliberation)
    document = Document.objects.first()
    with pytest.raises(ProtectedError):
        document.delete()
    with pytest.raises(ProtectedError):
        Document.objects.all().delete()
    assert Document.objects.count() == 10
