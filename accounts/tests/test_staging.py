"""One staged-import model and claim for both imports: decided exactly once."""

import pytest

from accounts.staging import StagedImport, StagedStatus, staged_claim
from candidates.models import EnrolmentImport
from candidates.tests.factories import SessionFactory
from certifications.models import ReferentielImport

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("make", [
    lambda: ReferentielImport.objects.create(format="json", file_name="r.json"),
    lambda: EnrolmentImport.objects.create(session=SessionFactory(), file_name="e.csv"),
])
def test_a_staged_import_is_decided_exactly_once(make):
    staged = make()
    assert isinstance(staged, StagedImport)
    assert staged.is_pending
    twin = type(staged).objects.get(pk=staged.pk)  # a second submit, read before the first
    assert staged_claim(staged, StagedStatus.CONFIRMED) is True
    assert staged_claim(twin, StagedStatus.CANCELLED) is False
    twin.refresh_from_db()
    assert twin.status == StagedStatus.CONFIRMED  # the first decision stands
    assert twin.decided_at is not None
    assert not twin.is_pending
