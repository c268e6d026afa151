"""Import benchmark: find one fiche in a 30,000-fiche RNCP export, import the five seeds.

    .venv/bin/python bench/import_bench.py [--fiches 30000]

Runs on a throw-away SQLite database in a temporary VAR_DIR (set before Django starts),
so the developer's database is never touched. The last line of the output is
``key=value`` pairs for ``bench/run_all.py``. Targets: ≥ 2,000 fiches/s, peak < 300 MB,
seeds < 2 s.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = "RNCP99990"
# Variables that would point Django at real state (a PostgreSQL database, Redis, media).
_REAL_STATE = ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "STATIC_ROOT", "EMAIL_FILE_PATH")


def setup_django(var_dir: Path) -> None:
    """Start Django on a fresh SQLite database under ``var_dir`` and migrate it."""
    for name in _REAL_STATE:
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["VAR_DIR"] = str(var_dir)
    sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# -- the synthetic export ------------------------------------------------------------------
_COMPETENCE_STYLES = ("stars", "dashes", "html")


def _competence_list(fiche: int, bloc: int) -> str:
    """A LISTE_COMPETENCES text in one of the three bullet styles seen in real exports."""
    items = [
        f"C{bloc}.{n} Analyser les besoins du commanditaire et rédiger le cahier des charges "
        f"du projet n° {fiche}, en tenant compte des contraintes réglementaires"
        for n in range(1, 6)
    ]
    style = _COMPETENCE_STYLES[fiche % len(_COMPETENCE_STYLES)]
    if style == "stars":
        return " ".join(
            f"* {item} o critère {bloc}.{n}.a observable o critère {bloc}.{n}.b observable"
            for n, item in enumerate(items, start=1)
        )
    if style == "dashes":
        return "\n".join(f"- {item}" for item in items)
    return "&lt;ul&gt;" + "".join(f"&lt;li&gt;{item}&lt;/li&gt;" for item in items) + "&lt;/ul&gt;"


# Real fiches carry several KB of escaped-HTML prose the importer skips over
# (ACTIVITES_VISEES, CAPACITES_ATTESTEES…): the parser must stay fast across it.
_PROSE = "&lt;p&gt;" + "&lt;/p&gt;&lt;p&gt;".join(
    f"Le titulaire conduit l'activité {n} : il analyse le contexte, mobilise les équipes, "
    "pilote les prestataires et rend compte à la direction de l'avancement du projet."
    for n in range(1, 13)
) + "&lt;/p&gt;"


def _fiche(index: int, number: str) -> str:
    blocs = "".join(
        f"""
      <BLOC_COMPETENCES>
        <CODE>{number}BC0{b}</CODE>
        <LIBELLE>Piloter la conception d'une solution numérique, partie {b}</LIBELLE>
        <LISTE_COMPETENCES>{_competence_list(index, b)}</LISTE_COMPETENCES>
        <MODALITES_EVALUATION>&lt;p&gt;Étude de cas et mise en situation professionnelle \
sur le bloc {b}.&lt;/p&gt;&lt;p&gt;Soutenance orale de 30 min devant un jury.&lt;/p&gt;\
</MODALITES_EVALUATION>
      </BLOC_COMPETENCES>"""
        for b in range(1, 2 + index % 5)
    )
    return f"""
  <FICHE>
    <ID_FICHE>{index}</ID_FICHE>
    <NUMERO_FICHE>{number}</NUMERO_FICHE>
    <INTITULE>Manager de projets numériques et de transformation digitale {index}</INTITULE>
    <NOMENCLATURE_EUROPE><NIVEAU>NIV{3 + index % 6}</NIVEAU><INTITULE>Niveau</INTITULE>\
</NOMENCLATURE_EUROPE>
    <CODES_NSF><NSF><CODE>326</CODE><INTITULE>Informatique</INTITULE></NSF></CODES_NSF>
    <FORMACODES><FORMACODE><CODE>31028</CODE><LIBELLE>Intelligence artificielle</LIBELLE>\
</FORMACODE></FORMACODES>
    <CODES_ROME><ROME><CODE>M1805</CODE><LIBELLE>Études et développement informatique\
</LIBELLE></ROME></CODES_ROME>
    <CERTIFICATEURS>
      <CERTIFICATEUR><NOM_CERTIFICATEUR>École numéro {index % 900}</NOM_CERTIFICATEUR>\
<SIRET_CERTIFICATEUR>{10_000_000_000_000 + index % 900}</SIRET_CERTIFICATEUR></CERTIFICATEUR>
    </CERTIFICATEURS>
    <DATE_DECISION>19/05/2021</DATE_DECISION>
    <DATE_FIN_ENREGISTREMENT>19/05/2026</DATE_FIN_ENREGISTREMENT>
    <DATE_LIMITE_DELIVRANCE>19/05/2027</DATE_LIMITE_DELIVRANCE>
    <ACTIF>{"Oui" if index % 3 else "Non"}</ACTIF>
    <ACTIVITES_VISEES>{_PROSE}</ACTIVITES_VISEES>
    <CAPACITES_ATTESTEES>{_PROSE}</CAPACITES_ATTESTEES>
    <BLOCS_COMPETENCES>{blocs}
    </BLOCS_COMPETENCES>
  </FICHE>"""


def _export(fiches: int, target_at: int) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<FICHES>'
    for index in range(fiches):
        yield _fiche(index, TARGET if index == target_at else f"RNCP{10_000 + index}")
    yield "\n</FICHES>\n"


def write_export(path: Path, fiches: int, target_at: int) -> int:
    """Write the export piece by piece (never whole in memory); return its size in bytes."""
    with path.open("w", encoding="utf-8") as out:
        out.writelines(_export(fiches, target_at))
    return path.stat().st_size


# -- measurements --------------------------------------------------------------------------
def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def time_fiche_search(path: Path) -> float:
    from certifications.importers import rncp_xml

    start = time.perf_counter()
    with path.open("rb") as source:
        [draft] = rncp_xml.parse(source, fiche=TARGET)
    elapsed = time.perf_counter() - start
    assert draft.certification.code == TARGET
    return elapsed


def rate_of_building(path: Path, fiches: int) -> float:
    """Fiches/s when every fiche becomes a draft (an import by certifier, or of everything)."""
    from certifications.importers import rncp_xml

    start = time.perf_counter()
    with path.open("rb") as source:
        built = sum(1 for _ in itertools.islice(rncp_xml.iter_fiches(source), fiches))
    return built / (time.perf_counter() - start)


def peak_of_fiche_search(path: Path) -> float:
    """tracemalloc peak in MB; a separate run, since tracing slows the parser down."""
    from certifications.importers import rncp_xml

    tracemalloc.start()
    with path.open("rb") as source:
        rncp_xml.parse(source, fiche=TARGET)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


def seed_paths() -> list[Path]:
    from demo.certifications import seed_paths

    return seed_paths()


def time_seed_parsing() -> float:
    from certifications.importers import parse

    start = time.perf_counter()
    for path in seed_paths():
        with path.open("rb") as source:
            parse(source, name=path.name)
    return time.perf_counter() - start


def time_seed_import() -> float:
    """Parse and import the five seeds; return the time."""
    from certifications.importers import parse
    from certifications.services import referentiel_import

    start = time.perf_counter()
    for path in seed_paths():
        with path.open("rb") as source:
            drafts = parse(source, name=path.name)
        for draft in drafts:
            referentiel_import(draft=draft)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiches", type=int, default=30_000)
    fiches = parser.parse_args().fiches
    target_at = fiches - max(1, fiches // 600)  # near the end: ~50 fiches before it

    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        setup_django(Path(tmp) / "var")
        export = Path(tmp) / "rncp_export.xml"
        start = time.perf_counter()
        size = write_export(export, fiches, target_at)
        print(f"generated {fiches} fiches, {size / 1e6:.0f} MB in "
              f"{time.perf_counter() - start:.1f} s (target fiche n° {target_at + 1})")

        rss_before = _maxrss_mb()
        xml_s = time_fiche_search(export)
        rss_delta = _maxrss_mb() - rss_before
        rate = (target_at + 1) / xml_s
        peak = peak_of_fiche_search(export)
        print(f"rncp_xml: found {TARGET} after {target_at + 1} fiches in {xml_s:.2f} s "
              f"({rate:,.0f} fiches/s, target ≥ 2,000); tracemalloc peak {peak:.1f} MB, "
              f"max RSS +{rss_delta:.1f} MB (target < 300 MB)")

        build_rate = rate_of_building(export, min(fiches, 5_000))
        print(f"rncp_xml: {build_rate:,.0f} fiches/s when every fiche is turned into a draft")

        seeds_parse_s = time_seed_parsing()
        seeds_s = time_seed_import()
        print(f"seeds: parse {seeds_parse_s:.2f} s, parse + import {seeds_s:.2f} s "
              f"(target < 2 s)")

    print(
        f"xml_fiches={fiches} xml_size_mb={size / 1e6:.0f} xml_s={xml_s:.2f} "
        f"xml_fiches_per_s={rate:.0f} xml_peak_mb={peak:.1f} xml_rss_delta_mb={rss_delta:.1f} "
        f"xml_build_fiches_per_s={build_rate:.0f} "
        f"seeds_s={seeds_s:.3f} seeds_parse_s={seeds_parse_s:.3f}"
    )


if __name__ == "__main__":
    main()
