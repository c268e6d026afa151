"""The INSEE code lists shipped as data (candidates/data) and the birthplace check every
entry point uses: communes of every kind, countries, search with or without accents."""

from __future__ import annotations

import pytest
from django.utils import translation

from candidates.geography import (
    birthplace_problems,
    commune_by_code,
    commune_search,
    communes_by_code,
    country_by_code,
    country_search,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_it_finds_a_commune_by_its_code():
    nantes = commune_by_code("44109")
    assert (nantes.name, nantes.departement, nantes.postal_code, nantes.kind) == (
        "Nantes", "44", "44000", "commune-actuelle")


def test_it_keeps_corsica_and_the_municipal_arrondissements():
    assert commune_by_code("2a004").name == "Ajaccio"
    assert commune_by_code("75056").name == "Paris"
    first = commune_by_code("75101")
    assert (first.name, first.kind, first.parent) == (
        "Paris 1er Arrondissement", "arrondissement-municipal", "75056")


def test_it_keeps_former_communes_under_their_code():
    # Arbignieu became a delegated commune of Arboys en Bugey, which kept its code.
    names = [(c.name, c.kind) for c in communes_by_code("01015")]
    assert names == [("Arboys en Bugey", "commune-actuelle"), ("Arbignieu", "commune-deleguee")]
    assert birthplace_problems("01015", "Arbignieu", "") == []


def test_it_searches_names_without_accents_or_case():
    assert "Nantes" in [c.name for c in commune_search("nant")]
    with_accents = [c.label for c in commune_search("Saint-Étienne", limit=3)]
    without = [c.label for c in commune_search("saint etienne", limit=3)]
    assert with_accents == without
    assert with_accents[0] == "Saint-Étienne (42218)"


def test_it_searches_by_code_or_postal_code():
    assert commune_search("44109")[0].name == "Nantes"
    assert "Nantes" in [c.name for c in commune_search("44000")]
    assert commune_search("") == []


def test_it_knows_the_countries_and_their_codes():
    assert country_by_code("99352").name == "Algérie"
    assert country_by_code("99100").name == "France"
    assert country_by_code("99999") is None
    assert [c.code for c in country_search("alger")] == ["99352"]
    assert country_search("ALGÉRIE")[0].code == "99352"
    assert country_search("99350")[0].name == "Maroc"


@pytest.mark.parametrize(("code", "commune", "country"), [
    ("44109", "Nantes", ""),
    ("44109", "NANTES", "France"),
    ("75101", "Paris", ""),
    ("2A004", "Ajaccio", ""),
    ("99352", "", "Algérie"),
    ("99243", "", "Viêt Nam"),
    ("99350", "Casablanca", "MAROC"),
    ("", "Nantes", ""),
])
def test_it_accepts_a_birthplace_that_matches_its_code(code, commune, country):
    assert birthplace_problems(code, commune, country) == []


def test_it_names_the_commune_a_wrong_code_stands_for_and_suggests_the_right_one():
    assert birthplace_problems("44190", "Nantes", "") == [
        "The code 44190 is Saint-Sébastien-sur-Loire, not « Nantes ». "
        "Did you mean Nantes (44109)?"]
    assert birthplace_problems("44000", "Nantes", "") == [
        "44000 is not the INSEE code of a French commune. Did you mean Nantes (44109)?"]


def test_it_asks_a_country_code_for_a_birth_abroad():
    problems = birthplace_problems("44109", "Alger", "Algérie")
    assert problems == [
        "A birth abroad is coded with the country's INSEE code (99 and three digits), not "
        "a commune's: 44109 is Nantes. Did you mean Algérie (99352)?"]
    assert birthplace_problems("99351", "", "Maroc") == [
        "The code 99351 is Tunisie, not « Maroc ». Did you mean Maroc (99350)?"]
    assert birthplace_problems("99999", "", "Maroc")[0].startswith(
        "99999 is not the INSEE code of a foreign country.")
    assert birthplace_problems("99352", "", "France") == [
        "The code 99352 is a foreign country (Algérie), but the birth country is France."]


def test_a_missing_code_is_a_problem_only_when_required():
    assert birthplace_problems("", "", "Algérie") == []
    assert birthplace_problems("", "", "Algérie", require_code=True) == [
        "The INSEE code of the birthplace is missing (for a birth abroad, the country's "
        "code, 99 and three digits). Did you mean Algérie (99352)?"]
    assert birthplace_problems("", "Nantes", "", require_code=True)[0].endswith(
        "Did you mean Nantes (44109)?")


def test_it_speaks_french_by_default():
    with translation.override("fr"):
        message = birthplace_problems("44190", "Nantes", "")[0]
    assert "Voulez-vous dire Nantes (44109)" in message
