"""Run every benchmark of ``bench/`` and write their figures to ``docs/benchmarks.md``.

    .venv/bin/python bench/run_all.py            # make bench: full sizes (~12 min here)
    .venv/bin/python bench/run_all.py --quick    # make bench-quick: small sizes, minutes

First ``generate.py`` fills the large-data database, then ``page_bench.py`` times pages
on it, then every other ``*_bench.py`` runs (each on its own temporary database) and
``scoring_load.py`` (gunicorn on PostgreSQL, not a ``*_bench.py``). Each prints
``key=value`` pairs on its last line; this script only collects them, so a benchmark is
added by adding a file. The quick run writes ``var/bench/benchmarks-quick.md`` instead,
so that the published figures stay those of a full run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUTPUT = REPO / "docs" / "benchmarks.md"
QUICK_OUTPUT = REPO / "var" / "bench" / "benchmarks-quick.md"
# Run first, in this order: the pages are timed on what the generator made.
FIRST = ["generate.py", "page_bench.py"]
EXTRA = ["scoring_load.py"]
# Arguments per script: (full run, quick run).
ARGS: dict[str, tuple[list[str], list[str]]] = {
    "generate.py": ([], ["--quick"]),
    "page_bench.py": ([], ["--runs", "5", "--budget", "10"]),
    "import_bench.py": ([], ["--fiches", "3000"]),
    "dashboard_bench.py": ([], ["--candidates", "200", "--runs", "5"]),
    "deliberation_bench.py": ([], ["--candidates", "300"]),
    "pdf_bench.py": ([], ["--documents", "40"]),
    "scoring_load.py": (["--seconds", "20"], ["--seconds", "10", "--members", "10"]),
}
# The deliberation is proposed on PostgreSQL, as in production (a test database is
# created next to this URL and dropped after).
ENVIRONMENT = {
    "deliberation_bench.py": {
        "BENCH_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/bench_delib"},
}


def run(script: Path, args: list[str]) -> tuple[dict[str, str], float]:
    """Run one benchmark in its own process; its figures and its wall time."""
    env = os.environ | ENVIRONMENT.get(script.name, {})
    start = time.perf_counter()
    # Our own scripts, found in bench/, run with our own interpreter.
    completed = subprocess.run(  # noqa: S603
        [sys.executable, str(script), *args], cwd=REPO, capture_output=True, text=True,
        check=False, env=env,
    )
    elapsed = time.perf_counter() - start
    lines = completed.stdout.strip().splitlines()
    sys.stdout.write(completed.stdout)
    if completed.returncode != 0 or not lines:
        return {"error": f"exit {completed.returncode}: {completed.stderr.strip()[-300:]}"}, \
            elapsed
    return dict(pair.split("=", 1) for pair in lines[-1].split() if "=" in pair), elapsed


def cpu_model() -> str:
    """The CPU's name (platform.processor() is empty on most Linux systems)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def postgresql_version() -> str:
    try:
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres") as connection:
            return str(connection.execute("SHOW server_version").fetchone()[0])
    except Exception as error:
        return f"unknown ({type(error).__name__})"


def machine() -> list[str]:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    return [
        f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- CPU count: {os.cpu_count()} ({cpu_model()})",
        f"- RAM: {memory:.1f} GiB",
        f"- Python: {platform.python_version()} ({platform.python_implementation()})",
        f"- PostgreSQL: {postgresql_version()} (local, default configuration)",
        f"- System: {platform.system()} {platform.release()}",
        f"- Load average at the start (1 / 5 / 15 min): {load}",
    ]


def summary(script: Path) -> str:
    """The first sentence of the benchmark's docstring (it may wrap)."""
    text = script.read_text()
    start = text.find('"""')
    if start < 0:
        return ""
    lines = []
    for line in text[start + 3:].splitlines():
        if not line.strip() or '"""' in line:
            break
        lines.append(line.strip())
    return " ".join(lines)


def table(script: Path, figures: dict[str, str], elapsed: float) -> list[str]:
    rows = [f"| {key} | {value} |" for key, value in figures.items()]
    return [f"## {script.stem}", "", f"{summary(script)} Ran in {elapsed:.0f} s.", "",
            "| key | value |", "|---|---|", *rows, ""]


def scripts() -> list[Path]:
    rest = sorted(p.name for p in BENCH_DIR.glob("*_bench.py") if p.name not in FIRST)
    return [BENCH_DIR / name for name in [*FIRST, *rest, *EXTRA]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    quick = parser.parse_args().quick
    output = QUICK_OUTPUT if quick else OUTPUT
    title = "Benchmarks (quick run)" if quick else "Benchmarks"
    lines = [f"# {title}", "", "Written by `bench/run_all.py` (`make bench`); do not edit "
             "by hand. What each figure means: `bench/README.md`; what they say about "
             "running on several machines: `docs/scaling.md`.", "", *machine(), ""]
    sections: list[str] = []
    started = time.perf_counter()
    for script in scripts():
        print(f"== {script.name}", flush=True)
        args = ARGS.get(script.name, ([], []))[1 if quick else 0]
        figures, elapsed = run(script, args)
        sections.extend(table(script, figures, elapsed))
    total = time.perf_counter() - started
    lines += [f"- Whole run: {total / 60:.0f} min ({'quick' if quick else 'full'} sizes)", "",
              *sections]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines))
    print(f"written {output.relative_to(REPO)} in {total / 60:.1f} min")


if __name__ == "__main__":
    main()
