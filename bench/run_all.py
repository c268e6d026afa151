"""Run every ``bench/*_bench.py`` and write their figures to ``docs/benchmarks.md``.

    .venv/bin/python bench/run_all.py

Each benchmark prints ``key=value`` pairs on its last line; this script only collects
them, so a benchmark is added by adding a file. ``scoring_load.py`` (gunicorn on
PostgreSQL, not a ``*_bench.py``) is listed in ``EXTRA`` with a shorter run.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUTPUT = REPO / "docs" / "benchmarks.md"
EXTRA = {BENCH_DIR / "scoring_load.py": ["--seconds", "20"]}


def run(script: Path, args: list[str]) -> dict[str, str]:
    """Run one benchmark in its own process (its own Django, its own temporary database)."""
    # Our own scripts, found by glob in bench/, run with our own interpreter.
    completed = subprocess.run(  # noqa: S603
        [sys.executable, str(script), *args], cwd=REPO, capture_output=True, text=True,
        check=False,
    )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        return {"error": f"exit {completed.returncode}: {completed.stderr.strip()[-300:]}"}
    sys.stdout.write(completed.stdout)
    return dict(pair.split("=", 1) for pair in lines[-1].split() if "=" in pair)


def cpu_model() -> str:
    """The CPU's name (platform.processor() is empty on most Linux systems)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine() -> list[str]:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return [
        f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- CPU count: {os.cpu_count()} ({cpu_model()})",
        f"- RAM: {memory:.1f} GiB",
        f"- Python: {platform.python_version()} ({platform.python_implementation()})",
        f"- System: {platform.system()} {platform.release()}",
    ]


def table(name: str, figures: dict[str, str]) -> list[str]:
    rows = [f"| {key} | {value} |" for key, value in figures.items()]
    return [f"## {name}", "", "| key | value |", "|---|---|", *rows, ""]


def main() -> None:
    lines = ["# Benchmarks", "", "Written by `bench/run_all.py`; do not edit by hand.", "",
             *machine(), ""]
    scripts = {script: [] for script in sorted(BENCH_DIR.glob("*_bench.py"))} | EXTRA
    for script, args in scripts.items():
        print(f"== {script.name}", flush=True)
        lines.extend(table(script.stem, run(script, args)))
    OUTPUT.write_text("\n".join(lines))
    print(f"written {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
