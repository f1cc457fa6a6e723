"""Write the measurement record and the time lines the lessons and the README show.

Every measured number of the course keeps its provenance (command, machine, date) in one
place, ``docs/measurements.md``, written by this script from the JSON files that made
the numbers: ``docs/measurements/*.json`` (full-size notebook runs, CI runs) and
``benchmarks/results/*.json``. From the newest full-size run it also rewrites each
notebook's ``**Time:**`` line and the README's ``<!--time:NN-->...<!--/time-->`` cells,
so a learner reads a time that a run measured:

    python scripts/docs/write_measurements.py            # rewrite all three
    python scripts/docs/write_measurements.py --check    # exit 1 if anything is stale
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "docs" / "measurements.md"
RUNS = ROOT / "docs" / "measurements"
BENCHMARKS = ROOT / "benchmarks" / "results"
TIME_LINE = re.compile(r"^\*\*Time:\*\*.*$", re.M)
README_TIME = re.compile(r"<!--time:(\d\d)-->.*?<!--/time-->")


def load_runs(folder: Path = RUNS) -> list[dict]:
    """Every run record in ``folder``, oldest first (by its ``date_utc``)."""
    runs = []
    for path in sorted(folder.glob("*.json")):
        run = json.loads(path.read_text())
        for key in ("kind", "date_utc", "command", "machine"):
            if key not in run:
                raise ValueError(f"{path}: a run record needs '{key}'")
        run["file"] = path.name
        runs.append(run)
    return sorted(runs, key=lambda run: run["date_utc"])


def notebook_minutes(runs: list[dict]) -> dict[str, float]:
    """Minutes per notebook number ("01") at full size, from the newest run that passed it
    in the precision the runtime picks by itself (``precision_forced`` absent)."""
    minutes: dict[str, float] = {}
    for run in runs:
        if run["kind"] != "full_size" or run.get("precision_forced"):
            continue
        for notebook in run["notebooks"]:
            if notebook["passed"]:
                minutes[notebook["name"][:2]] = notebook["minutes"]
    return minutes


def spoken_minutes(minutes: float) -> str:
    """A time as a learner wants it: "under 1 min", else whole minutes rounded up."""
    return "under 1 min" if minutes < 1 else f"about {math.ceil(minutes)} min"


def time_line(minutes: float | None) -> str:
    """The ``**Time:**`` line of a notebook."""
    cpu = f"{spoken_minutes(minutes)} on a 2-core CPU" if minutes is not None else \
        "not measured yet on a 2-core CPU"
    return f"**Time:** {cpu}; on a Colab T4 GPU, not measured yet."


def update_notebook(path: Path, minutes: float | None) -> bool:
    """Rewrite the notebook's time line; True when it changed."""
    notebook = nbformat.read(path, as_version=4)
    changed = False
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and TIME_LINE.search(cell.source):
            new = TIME_LINE.sub(time_line(minutes), cell.source, count=1)
            changed, cell.source = changed or new != cell.source, new
            break
    else:
        raise ValueError(f"{path.name}: no '**Time:**' line in its markdown cells")
    if changed:
        nbformat.write(notebook, path)
    return changed


def update_readme(text: str, minutes: dict[str, float]) -> str:
    """The README with each ``<!--time:NN-->`` cell set from ``minutes``."""
    def cell(match: re.Match) -> str:
        number = match.group(1)
        value = spoken_minutes(minutes[number]) if number in minutes else "not measured"
        return f"<!--time:{number}-->{value}<!--/time-->"
    return README_TIME.sub(cell, text)


def machine_text(machine: dict | str) -> str:
    """One line that names the machine a number came from."""
    if isinstance(machine, str):
        return machine
    parts = [str(machine.get("accelerator") or machine.get("cpu", "?"))]
    for key in ("cpu_flags", "tensorflow", "keras", "python"):
        if machine.get(key):
            parts.append(f"{key} {machine[key]}")
    return "; ".join(parts)


def full_size_section(run: dict) -> list[str]:
    """A full-size run: its provenance, then one row per notebook."""
    lines = [f"### {run['date_utc'][:10]}: full size, {run.get('precision', '?')}",
             "", f"- command: `{run['command']}`", f"- machine: {machine_text(run['machine'])}",
             f"- commit: `{run.get('commit', '?')}`; file: `docs/measurements/{run['file']}`",
             "", "| notebook | result | minutes |", "|---|---|---|"]
    for notebook in run["notebooks"]:
        lines.append(f"| {notebook['name']} | {'passed' if notebook['passed'] else 'FAILED'}"
                     f" | {notebook['minutes']:.1f} |")
    total = sum(notebook["minutes"] for notebook in run["notebooks"])
    return lines + [f"| all | | {total:.1f} |", ""]


def other_run_section(run: dict) -> list[str]:
    """A CI run or any other kind: provenance and its results as given."""
    lines = [f"### {run['date_utc'][:10]}: {run['kind'].replace('_', ' ')}", "",
             f"- command: `{run['command']}`", f"- machine: {machine_text(run['machine'])}",
             f"- commit: `{run.get('commit', '?')}`; file: `docs/measurements/{run['file']}`"]
    for key, value in run.get("results", {}).items():
        lines.append(f"- {key}: {value}")
    return lines + [""]


def benchmark_section(path: Path) -> list[str]:
    """A benchmark result: what it measures, when, where, and its top-level numbers."""
    result = json.loads(path.read_text())
    numbers = {key: value for key, value in result.items()
               if isinstance(value, (int, float)) and not isinstance(value, bool)}
    lines = [f"### `{path.name}`", "", f"- what: {result.get('what', '?')}",
             f"- date: {str(result.get('date_utc', '?'))[:10]}",
             f"- machine: {machine_text(result.get('machine', '?'))}"]
    lines += [f"- {key}: {value:.3g}" if isinstance(value, float) else f"- {key}: {value}"
              for key, value in numbers.items()]
    rows = result.get("runs")
    if isinstance(rows, list) and rows and all(isinstance(row, dict) for row in rows):
        keys = [key for key, value in rows[0].items() if not isinstance(value, (dict, list))]
        lines += ["", "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        lines += ["| " + " | ".join(_cell(row.get(key)) for key in keys) + " |"
                  for row in rows]
    return lines + [""]


def _cell(value) -> str:
    """A table cell: floats to three significant figures."""
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def record(runs: list[dict], benchmarks: list[Path]) -> str:
    """The whole of docs/measurements.md."""
    lines = ["# Measurements", "",
             "Every measured number of the course, with the command, machine and date that",
             "made it. Written by `python scripts/docs/write_measurements.py` from",
             "`docs/measurements/*.json` and `benchmarks/results/*.json`; edit those, not",
             "this page. The notebooks' time lines and the README's times come from the",
             "newest full-size run in the precision the runtime picks by itself.",
             "GPU times are not measured: no GPU was reachable while the course was built.",
             "", "## Notebooks at full size", ""]
    full = [run for run in runs if run["kind"] == "full_size"]
    for run in reversed(full):
        lines += full_size_section(run)
    if not full:
        lines += ["No full-size run recorded yet.", ""]
    others = [run for run in runs if run["kind"] != "full_size"]
    if others:
        lines += ["## Other runs", ""]
        for run in reversed(others):
            lines += other_run_section(run)
    lines += ["## Benchmarks", "",
              "Speeds are ratios within one run on one machine (`benchmarks/`).", ""]
    for path in benchmarks:
        lines += benchmark_section(path)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when the record or a time line is stale")
    args = parser.parse_args(argv)
    runs = load_runs()
    minutes = notebook_minutes(runs)
    text = record(runs, sorted(BENCHMARKS.glob("*.json")))
    stale = []
    if not RECORD.exists() or RECORD.read_text() != text:
        stale.append(str(RECORD.relative_to(ROOT)))
        if not args.check:
            RECORD.write_text(text)
    readme = (ROOT / "README.md").read_text()
    if update_readme(readme, minutes) != readme:
        stale.append("README.md")
        if not args.check:
            (ROOT / "README.md").write_text(update_readme(readme, minutes))
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        old = next((TIME_LINE.search(cell.source).group(0) for cell in notebook.cells
                    if cell.cell_type == "markdown" and TIME_LINE.search(cell.source)), None)
        if old != time_line(minutes.get(path.name[:2])):
            stale.append(path.name)
            if not args.check:
                update_notebook(path, minutes.get(path.name[:2]))
    verb = "stale" if args.check else "rewritten"
    print(f"{verb}: {', '.join(stale)}" if stale else "measurement record and times up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
