"""The one rule set of a holder's identity for the Caisse des Dépôts declaration
(candidates/declaration_checks.py), tried on identities built by hand, each unlike the
others: what stops the declaration, what only risks it, and what is fine."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone, translation

from candidates.declaration_checks import (
    HolderProblem,
    Level,
    first_names_split,
    holder_problems,
)
from candidates.models import Candidate
from candidates.services.identity import Identity

ON = date(2027, 3, 1)  # the session's first day: ages are judged on it


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def person(**fields: object) -> Identity:
    values = {"birth_name": "Martin", "first_names": "Léa", "birth_date": date(1995, 4, 12),
              "sex": "F", "birth_commune": "Nantes", "birth_insee_code": "44109",
              "birth_country": ""}
    values.update(fields)
    return Identity(**values)


def levels(problems: list[HolderProblem]) -> list[tuple[str, Level]]:
    return [(problem.field, problem.level) for problem in problems]


def test_a_valid_french_birth_has_nothing_to_say():
    assert holder_problems(person(), on=ON) == []


def test_a_birth_abroad_is_coded_with_its_country():
    born_in_algiers = person(birth_name="Benali", first_names="Karim", sex="M",
                             birth_commune="Alger", birth_insee_code="99352",
                             birth_country="Algérie")
    assert holder_problems(born_in_algiers, on=ON) == []


def test_a_commune_code_that_does_not_exist_is_a_risk_with_the_right_code_suggested():
    problems = holder_problems(person(birth_insee_code="44999"), on=ON)
    assert levels(problems) == [("birth_insee_code", Level.RISK)]
    assert problems[0].message == ("44999 is not the INSEE code of a French commune. Did "
                                   "you mean Nantes (44109)?")
    assert not problems[0].stops_declaration  # the lists lack old codes (docs)


def test_the_code_of_another_commune_than_the_name_is_a_risk():
    problems = holder_problems(person(birth_commune="Rennes", birth_insee_code="44109"),
                               on=ON)
    assert levels(problems) == [("birth_insee_code", Level.RISK)]
    assert problems[0].message == ("The code 44109 is Nantes, not « Rennes ». Did you mean "
                                   "Rennes (35238)?")


def test_a_merged_commune_is_found_under_its_old_code():
    # Gennes (49149) merged into Gennes-Val-de-Loire (49261) in 2016 and lives on as a
    # delegated commune: a person born there before is declared with 49149.
    assert holder_problems(person(birth_commune="Gennes", birth_insee_code="49149"),
                           on=ON) == []
    # The new commune's code with the old name: the lists carry no dates, so this is said
    # as a risk (the right code depends on the birth date, which the data cannot tell).
    problems = holder_problems(person(birth_commune="Gennes", birth_insee_code="49261"),
                               on=ON)
    assert levels(problems) == [("birth_insee_code", Level.RISK)]
    assert problems[0].message.startswith("The code 49261 is Gennes-Val-de-Loire, not "
                                          "« Gennes ».")


def test_a_french_commune_code_with_a_foreign_country_is_a_risk():
    problems = holder_problems(person(birth_commune="Madrid", birth_insee_code="44109",
                                      birth_country="Espagne"), on=ON)
    assert levels(problems) == [("birth_insee_code", Level.RISK)]
    assert "not a commune's: 44109 is Nantes" in problems[0].message
    assert problems[0].message.endswith("Did you mean Espagne (99134)?")
    abroad_in_france = holder_problems(person(birth_commune="", birth_insee_code="99134",
                                              birth_country="France"), on=ON)
    assert levels(abroad_in_france) == [("birth_insee_code", Level.RISK)]


def test_a_missing_sex_stops_the_declaration():
    problems = holder_problems(person(sex=""), on=ON)
    assert levels(problems) == [("sex", Level.MISSING)]
    assert problems[0].message == "The sex is missing."
    assert problems[0].stops_declaration


def test_a_birth_date_in_the_future_is_invalid():
    tomorrow = timezone.localdate() + timedelta(days=1)
    problems = holder_problems(person(birth_date=tomorrow), on=ON)
    assert levels(problems) == [("birth_date", Level.INVALID)]
    assert "is in the future" in problems[0].message


@pytest.mark.parametrize(("born", "level"), [
    (None, Level.MISSING),
    (date(1899, 12, 31), Level.INVALID),  # anneeNaissance: 1900 to 2099
    (date(2016, 5, 1), Level.RISK),  # ten on the session's first day
    (date(1925, 1, 1), Level.RISK),  # a hundred and two
])
def test_an_implausible_birth_date_is_said(born, level):
    assert levels(holder_problems(person(birth_date=born), on=ON)) == [("birth_date", level)]


def test_the_age_bounds_are_inclusive():
    assert holder_problems(person(birth_date=date(2013, 3, 1)), on=ON) == []  # fourteen


@pytest.mark.parametrize(("first_names", "declared"), [
    ("Jean-Pierre", ["Jean-Pierre"]),
    ("Jean-Pierre Marie", ["Jean-Pierre", "Marie"]),
    ("Marie Claire, Anne", ["Marie Claire", "Anne"]),  # commas: a name with a space
    ("Léa Anne Sophie", ["Léa", "Anne", "Sophie"]),
])
def test_compound_first_names_are_split_as_the_file_declares_them(first_names, declared):
    assert first_names_split(first_names) == declared
    assert holder_problems(person(first_names=first_names), on=ON) == []


def test_more_than_three_first_names_is_a_risk_naming_the_third():
    problems = holder_problems(person(first_names="Léa Anne Sophie Marie"), on=ON)
    assert levels(problems) == [("first_names", Level.RISK)]
    assert "the third will read « Sophie Marie »" in problems[0].message


def test_a_usage_name_is_declared_beside_the_birth_name():
    married = person(birth_name="Durand", usage_name="Lefèvre-Durand")
    assert holder_problems(married, on=ON) == []
    too_long = holder_problems(person(usage_name="L" * 61), on=ON)
    assert levels(too_long) == [("usage_name", Level.INVALID)]


def test_names_with_digits_are_a_risk_and_empty_names_missing():
    assert levels(holder_problems(person(birth_name="Martin2"), on=ON)) == [
        ("birth_name", Level.RISK)]
    assert levels(holder_problems(person(birth_name=" ", first_names=""), on=ON)) == [
        ("birth_name", Level.MISSING), ("first_names", Level.MISSING)]
    # Apostrophes, spaces and particles are a name's.
    assert holder_problems(person(birth_name="d’Arc de la Tour", first_names="Jeanne"),
                           on=ON) == []


def test_a_missing_code_is_missing_with_the_code_to_give():
    problems = holder_problems(person(birth_insee_code=""), on=ON)
    assert levels(problems) == [("birth_insee_code", Level.MISSING)]
    assert problems[0].message.endswith("Did you mean Nantes (44109)?")
    malformed = holder_problems(person(birth_insee_code="4410"), on=ON)
    assert levels(malformed) == [("birth_insee_code", Level.INVALID)]


def test_an_e_mail_address_is_never_asked():
    # The XSD 1.1.2 has no address for a holder (docs/documents.md).
    assert holder_problems(person(email=""), on=ON) == []


def test_a_candidate_record_is_checked_like_a_typed_identity():
    candidate = Candidate(birth_name="Nguyen", first_names="Minh", sex="",
                          birth_date=date(1988, 7, 3), birth_country="Viêt Nam")
    assert levels(holder_problems(candidate, on=ON)) == [
        ("sex", Level.MISSING), ("birth_insee_code", Level.MISSING)]


@pytest.mark.django_db
def test_the_services_refuse_what_can_never_be_declared(alice):
    from django.core.exceptions import ValidationError

    from candidates.services.identity import candidate_create, candidate_update_identity

    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        candidate_create(identity=person(birth_date=tomorrow))
    assert list(refused.value.message_dict) == ["birth_date"]
    assert not Candidate.objects.exists()
    candidate = candidate_create(identity=person(sex=""))  # missing: enrolled, said later
    with pytest.raises(ValidationError) as refused:
        candidate_update_identity(candidate=candidate, by=alice, usage_name="L" * 61)
    assert list(refused.value.message_dict) == ["usage_name"]


@pytest.mark.django_db
def test_the_enrolment_page_says_what_the_declaration_needs(alice):
    from django.test import Client
    from django.urls import reverse

    from candidates.tests.factories import EnrolmentFactory

    enrolment = EnrolmentFactory(candidate__sex="", candidate__birth_commune="Rennes",
                                 candidate__birth_insee_code="44109")
    client = Client(headers={"accept-language": "en"})
    client.force_login(alice)
    text = client.get(reverse("candidates:enrolment_detail", kwargs={
        "public_id": enrolment.session.public_id, "enrolment_id": enrolment.public_id,
    })).content.decode()
    assert "Before the declaration to the Caisse des Dépôts, to complete or check:" in text
    assert "The sex is missing." in text
    assert "The code 44109 is Nantes, not « Rennes »." in text
