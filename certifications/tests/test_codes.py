"""Certification and bloc codes are validated (issue 15): RNCP<digits> or RS<digits>, a bloc
<certification code>BC<digits>, typed in any case and kept in upper case; whatever slipped
in before, a download's file name is built from a safe slug and never answers a 500."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from certifications import importers
from certifications.importers import json_format
from certifications.importers.draft import Severity
from certifications.importers.validation import validate
from certifications.models import Bloc, Certification
from certifications.services import ReferentielImportError, referentiel_import
from certifications.tests.drafts import make_draft

BAD_CODES = ['RNCP1"; x="', "../../etc/passwd", "RNCP12\r\nSet-Cookie: a=b", "RNCP 12/../x",
             "ABC123", "RNCP"]


def errors(draft) -> list[str]:
    return [f"{i.location}: {i.message}" for i in validate(draft) if i.severity is Severity.ERROR]


@pytest.mark.parametrize("code", BAD_CODES)
def test_an_odd_certification_code_is_refused_with_a_clear_message(code):
    draft = make_draft()
    draft.certification.code = code
    found = errors(draft)
    assert any("code" in e and "RNCP" in e and "RS" in e for e in found), found


@pytest.mark.parametrize("code", ["RNCP99999BC01\"", "../BC01", "RNCP99999BC01\r\n",
                                  "RNCP11111BC01", "BC01'", "RNCP99999-BC01"])
def test_an_odd_bloc_code_is_refused_with_a_clear_message(code):
    draft = make_draft()
    draft.blocs[0].code = code
    found = errors(draft)
    assert any("RNCP99999BC" in e for e in found), found


@pytest.mark.parametrize("code", ["RNCP35609", "RS5286", "RNCP1"])
def test_good_codes_pass(code):
    draft = make_draft(code=code)
    draft.blocs[1].code = "BC02"  # the short form spreadsheets use
    assert errors(draft) == []


@pytest.mark.django_db
def test_an_import_with_an_odd_code_saves_nothing():
    draft = make_draft()
    draft.certification.code = "RNCP1\"../"
    with pytest.raises(ReferentielImportError):
        referentiel_import(draft=draft)
    assert not Certification.objects.exists()


def test_codes_typed_in_lower_case_are_kept_in_upper_case():
    draft = make_draft(code="rncp12345")
    for bloc in draft.blocs:
        bloc.code = bloc.code.lower()
    (parsed,) = importers.parse(io.BytesIO(json_format.dumps(draft)), format="json")
    assert parsed.certification.code == "RNCP12345"
    assert [b.code for b in parsed.blocs] == ["RNCP12345BC01", "RNCP12345BC02"]
    assert errors(parsed) == []


@pytest.mark.django_db
def test_the_models_refuse_odd_codes_too():
    certification = Certification(code='RNCP1"', title="T")
    with pytest.raises(ValidationError) as refused:
        certification.full_clean()
    assert "code" in refused.value.message_dict
    referentiel = referentiel_import(draft=make_draft()).referentiel
    bloc = Bloc(referentiel=referentiel, code="RNCP11111BC01", title="B")
    with pytest.raises(ValidationError) as refused:
        bloc.full_clean()
    assert "code" in refused.value.message_dict
    Bloc(referentiel=referentiel, code="RNCP99999BC09", title="B").full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["certifications:referentiel_export_json",
                                 "certifications:referentiel_export_case"])
def test_exports_of_a_certification_with_an_odd_code_still_download(alice, url):
    referentiel = referentiel_import(draft=make_draft()).referentiel
    # A code stored before validation existed (or by a direct database edit).
    Certification.objects.filter(pk=referentiel.certification_id).update(
        code='RNCP9\r\n"../x')
    client = Client()
    client.force_login(alice)
    response = client.get(reverse(url, args=[referentiel.public_id]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    for forbidden in ("\r", "\n", "/", "..", '"RNCP9"'):
        assert forbidden not in disposition
    assert disposition.count('"') == 2
