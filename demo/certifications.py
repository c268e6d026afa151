"""Demo référentiels: the five documents the product was commissioned for.

Three of them state no certification title: the demo completes it the way an administrator
does in the import editor, with the editor's own operations (``draft_edit.apply_patch``).
"""

from pathlib import Path

from certifications.importers import document
from certifications.services import ImportResult, referentiel_import
from certifications.services.draft_edit import apply_patch

SEEDS_DIR = Path(__file__).resolve().parent / "data" / "seeds"

# What an administrator typed in the editor for the seeds whose document gives no title.
CORRECTIONS: dict[str, list[dict[str, str]]] = {
    "000_d9cf31af56cbd7f4.txt": [
        {"op": "set_certification", "title": "Ingénieur en intelligence artificielle"},
    ],
    "001_b662725314731ad8.txt": [
        {"op": "set_certification",
         "title": "Manager de projets en intelligence artificielle et big data"},
    ],
    "004_622301eea10cee80.txt": [
        {"op": "set_certification",
         "title": "Praticien de la donnée et de l'intelligence artificielle"},
    ],
}


def seed_paths() -> list[Path]:
    return sorted(SEEDS_DIR.glob("*.txt"))


def load() -> list[ImportResult]:
    """Import every seed; importing unchanged content again writes nothing."""
    results = []
    for path in seed_paths():
        with path.open("rb") as source:
            for draft in document.parse(source, name=path.name):
                errors = apply_patch(draft, CORRECTIONS.get(path.name, []))
                if errors:  # pragma: no cover - the corrections are ours
                    raise ValueError(f"{path.name}: {errors}")
                results.append(referentiel_import(draft=draft))
    return results
