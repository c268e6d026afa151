"""Our own JSON is lossless: import(export(x)) == x, on each of the five seeds."""

import io

import pytest

from certifications.importers import document, json_format
from certifications.selectors import referentiel_to_draft
from certifications.services import ImportAction, content_signature, referentiel_import
from demo.certifications import seed_paths

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", seed_paths(), ids=lambda path: path.name[:3])
def test_a_seed_exported_and_imported_again_is_the_same_referentiel(path):
    (draft,) = document.parse(path.open("rb"), name=path.name)
    referentiel = referentiel_import(draft=draft).referentiel

    exported = json_format.dumps(referentiel_to_draft(referentiel=referentiel))
    (read_back,) = json_format.parse(io.BytesIO(exported), name=path.name)

    assert content_signature(read_back) == content_signature(draft)
    assert read_back.counts() == draft.counts()
    again = referentiel_import(draft=read_back)
    assert again.action is ImportAction.UNCHANGED
    assert again.referentiel == referentiel
    # And the export of the export is byte for byte the same file.
    assert json_format.dumps(referentiel_to_draft(referentiel=referentiel)) == exported


@pytest.mark.parametrize("path", seed_paths(), ids=lambda path: path.name[:3])
def test_a_seed_draft_survives_our_json_unchanged(path):
    (draft,) = document.parse(path.open("rb"), name=path.name)
    (read_back,) = json_format.parse(io.BytesIO(json_format.dumps(draft)), name=path.name)
    assert read_back.certification == draft.certification
    assert read_back.blocs == draft.blocs
    assert read_back.modalities == draft.modalities
    assert read_back.scale == draft.scale
