"""``manage.py import_referentiel``: every format through the one pipeline, one transaction."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certifications.importers import json_format
from certifications.models import Bloc, Certification, Competence, Criterion, Referentiel
from certifications.tests.drafts import make_draft
from demo.certifications import SEEDS_DIR

SEEDS = SEEDS_DIR
FIXTURES = Path(__file__).parent / "fixtures"

# shared/seeds/EXPECTED.md
EXPECTED_COUNTS = {
    "000_d9cf31af56cbd7f4.txt": {"blocs": 3, "competences": 11, "modalities": 3, "criteria": 36},
    "001_b662725314731ad8.txt": {"blocs": 4, "competences": 20, "modalities": 7, "criteria": 37},
    "002_faa6f23e9f369a50.txt": {"blocs": 6, "competences": 31, "modalities": 17, "criteria": 64},
    "003_d8ac24bbc4ef792a.txt": {"blocs": 7, "competences": 39, "modalities": 16, "criteria": 0},
    "004_622301eea10cee80.txt": {"blocs": 4, "competences": 21, "modalities": 1, "criteria": 32},
}
SEED_002 = SEEDS / "002_faa6f23e9f369a50.txt"
SEED_003 = SEEDS / "003_d8ac24bbc4ef792a.txt"

CSV_HEADER = [
    "Code certification", "Intitulé certification", "Code bloc", "Intitulé bloc",
    "Code compétence", "Intitulé compétence", "Code modalité", "Intitulé modalité",
    "Critère d'évaluation",
]


def run(path: Path, *args: str) -> tuple[list[dict[str, Any]], CommandError | None]:
    """Run the command with --json; return its JSON lines and the CommandError, if any."""
    out = io.StringIO()
    error = None
    try:
        call_command("import_referentiel", str(path), "--json", *args, stdout=out)
    except CommandError as exc:
        error = exc
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()], error


def nothing_saved() -> bool:
    return not (Certification.objects.exists() or Referentiel.objects.exists()
                or Bloc.objects.exists())


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows([CSV_HEADER, *rows])
    return path


# -- the five seeds, dry run -----------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_it_reports_the_expected_counts_of_each_seed(name: str) -> None:
    [line], _ = run(SEEDS / name, "--dry-run")
    counts = {key: line[key] for key in EXPECTED_COUNTS[name]}
    assert counts == EXPECTED_COUNTS[name]
    assert line["action"] == "dry-run"
    assert line["version"] is None
    assert all(isinstance(line[key], int) for key in ("blocs", "activities"))
    assert nothing_saved()


@pytest.mark.django_db
def test_it_prints_one_json_object_with_every_key() -> None:
    [line], error = run(SEED_003, "--dry-run")
    assert error is None
    assert set(line) == {
        "code", "title", "blocs", "competences", "criteria", "modalities", "activities",
        "warnings", "errors", "action", "version",
    }
    assert line["code"] == "RNCP35609"
    assert line["errors"] == []
    assert any("critère" in warning for warning in line["warnings"])


@pytest.mark.django_db
def test_a_dry_run_writes_nothing() -> None:
    run(SEED_002, "--dry-run")
    run(SEED_003, "--dry-run")
    assert nothing_saved()


# -- real imports ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_it_imports_then_finds_the_same_content_unchanged() -> None:
    [first], error = run(SEED_003)
    assert error is None
    assert (first["action"], first["version"]) == ("created", 1)
    assert Competence.objects.count() == 39

    [again], error = run(SEED_003)
    assert error is None
    assert (again["action"], again["version"]) == ("unchanged", 1)
    assert Referentiel.objects.count() == 1
    assert Competence.objects.count() == 39


@pytest.mark.django_db
def test_it_writes_a_readable_summary_without_json() -> None:
    out = io.StringIO()
    call_command("import_referentiel", str(SEED_002), stdout=out)
    text = out.getvalue()
    assert "6 blocs, 31 compétences, 64 critères, 17 modalités" in text
    assert "created (version 1)" in text
    assert "Code RNCP absent" in text  # a warning, with its location


@pytest.mark.django_db
def test_a_file_with_one_bad_certification_saves_none_of_them(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "two.csv", [
        ["RNCP11111", "Bonne", "BC01", "Bloc", "C1", "Compétence", "E1", "Oral", "Critère"],
        ["RNCP22222", "Mauvaise", "BC01", "Bloc", "", "", "E1", "Oral", "Critère orphelin"],
    ])
    lines, error = run(path)
    assert error is not None
    assert "RNCP22222" in str(error)
    assert "ligne 3" in str(error)
    assert [line["action"] for line in lines] == [None, None]
    assert nothing_saved()


# -- files that cannot be read ----------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("empty.txt", b"", "vide"),
        ("binary.txt", bytes(range(256)) * 8, "binaire"),
        ("truncated.xml", (FIXTURES / "rncp_fiches.xml").read_bytes()[:3000], "tronqué"),
    ],
)
def test_a_bad_file_stops_with_a_located_message(
    tmp_path: Path, filename: str, content: bytes, message: str
) -> None:
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as caught:
        call_command("import_referentiel", str(path), stdout=io.StringIO())
    assert "ligne" in str(caught.value)
    assert nothing_saved()


@pytest.mark.django_db
def test_a_missing_file_stops_the_command(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Fichier illisible"):
        call_command("import_referentiel", str(tmp_path / "absent.xml"), stdout=io.StringIO())


@pytest.mark.django_db
def test_an_option_of_another_format_is_refused() -> None:
    with pytest.raises(CommandError, match="fiche"):
        call_command("import_referentiel", str(SEED_003), "--fiche", "RNCP1", "--dry-run",
                     stdout=io.StringIO())


# -- the other formats ----------------------------------------------------------------------
@pytest.mark.django_db
def test_it_imports_one_fiche_of_an_rncp_export() -> None:
    [line], error = run(FIXTURES / "rncp_fiches.xml", "--fiche", "RNCP35609")
    assert error is None
    assert (line["code"], line["blocs"], line["competences"], line["criteria"]) == (
        "RNCP35609", 7, 14, 28
    )
    assert line["action"] == "created"
    assert list(Certification.objects.values_list("code", flat=True)) == ["RNCP35609"]
    assert Criterion.objects.count() == 28


@pytest.mark.django_db
def test_it_imports_the_fiches_of_one_certifier_by_siret() -> None:
    lines, error = run(FIXTURES / "rncp_fiches.xml", "--certifier", "123 456 789 00012")
    assert error is None
    assert sorted(line["code"] for line in lines) == ["RNCP34000", "RNCP35609"]
    assert Certification.objects.count() == 2


@pytest.mark.django_db
def test_an_absent_fiche_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="RNCP99999 absente"):
        call_command("import_referentiel", str(FIXTURES / "rncp_fiches.xml"),
                     "--fiche", "99999", stdout=io.StringIO())
    assert nothing_saved()


@pytest.mark.django_db
def test_it_imports_a_spreadsheet(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "grille.csv", [
        ["RNCP35609", "Expert IA", "BC01", "Données", "C1.1", "Cartographier", "E1",
         "Étude de cas", "Les sources sont recensées"],
        ["RNCP35609", "Expert IA", "BC01", "Données", "C1.2", "Gouverner", "E1",
         "Étude de cas", "La politique respecte le RGPD"],
    ])
    [line], error = run(path, "--format", "spreadsheet")
    assert error is None
    assert (line["blocs"], line["competences"], line["criteria"], line["modalities"]) == (
        1, 2, 2, 1
    )
    assert line["action"] == "created"
    assert Criterion.objects.filter(bloc__referentiel__certification__code="RNCP35609").count() == 2


@pytest.mark.django_db
def test_a_json_export_comes_back_through_the_command(tmp_path: Path) -> None:
    draft = make_draft(code="RNCP77777", blocs=3, competences=2)
    path = tmp_path / "referentiel.json"
    path.write_bytes(json_format.dumps(draft))

    [line], error = run(path)
    assert error is None
    assert line["code"] == "RNCP77777"
    assert {key: line[key] for key in draft.counts()} == draft.counts()
    assert line["action"] == "created"

    [again], _ = run(path)
    assert again["action"] == "unchanged"
