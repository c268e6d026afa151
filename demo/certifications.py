"""Demo référentiels: the five documents the product was commissioned for."""

from pathlib import Path

from certifications.importers import document
from certifications.services import ImportResult, referentiel_import

SEEDS_DIR = Path(__file__).resolve().parent / "data" / "seeds"


def seed_paths() -> list[Path]:
    return sorted(SEEDS_DIR.glob("*.txt"))


def load() -> list[ImportResult]:
    """Import every seed; importing unchanged content again writes nothing."""
    results = []
    for path in seed_paths():
        with path.open("rb") as source:
            for draft in document.parse(source, name=path.name):
                results.append(referentiel_import(draft=draft))
    return results
