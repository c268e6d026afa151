"""One INSEE code rule, asked the same way by the model, the enrolment form, the enrolment
import and the Caisse des Dépôts export (issue 16: the regex was written four times)."""

import pytest
from django.core.exceptions import ValidationError

from candidates import importers
from candidates.forms import EnrolmentForm
from candidates.models import Candidate, Sex
from candidates.validators import is_insee_code, validate_insee_code
from reports import cdc

CODES = [
    ("75056", True),
    ("2A004", True),
    ("2B033", True),
    ("99134", True),  # a country of birth abroad
    ("2C004", False),
    ("7505", False),
    ("750561", False),
    ("2a004", False),  # callers upper-case first; the rule itself is exact
    ("ABCDE", False),
    ("", False),
]


@pytest.mark.parametrize(("code", "valid"), CODES)
def test_it_answers_one_rule(code: str, valid: bool) -> None:
    assert is_insee_code(code) is valid
    if valid:
        validate_insee_code(code)
    else:
        with pytest.raises(ValidationError):
            validate_insee_code(code)


def test_it_is_the_models_validator() -> None:
    field = Candidate._meta.get_field("birth_insee_code")
    assert any(validator is validate_insee_code for validator in field.validators)


# Callers upper-case first; the import also pads four digits (a spreadsheet read 01053 as 1053).
AGREED = [(code, valid) for code, valid in CODES
          if code and code == code.upper() and not (code.isdigit() and len(code) == 4)]


@pytest.mark.parametrize(("code", "valid"), AGREED)
def test_the_form_the_import_and_the_export_agree(code: str, valid: bool) -> None:
    form = EnrolmentForm.__new__(EnrolmentForm)
    form.cleaned_data = {"birth_insee_code": code}
    if valid:
        assert form.clean_birth_insee_code() == code
    else:
        with pytest.raises(ValidationError):
            form.clean_birth_insee_code()

    errors: list[str] = []
    assert importers._insee_value(code, lambda key, message: errors.append(key)) == (
        code if valid else ""
    )
    assert bool(errors) is not valid

    candidate = Candidate(birth_name="Martin", first_names="Léa", sex=Sex.FEMALE,
                          birth_insee_code=code)
    problems = cdc._holder_problems(candidate)
    assert any("INSEE" in str(p) for p in problems) is not valid
