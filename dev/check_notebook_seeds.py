"""Rerun a notebook's code at full size with other seeds, to see which of its claims hold.

A notebook asserts what it teaches, but it runs with one seed (``SEED = ...`` in its
imports cell) on one machine. This script runs the notebook's code cells again, each run
in a fresh Python process, with ``SEED`` replaced by every value given and each seed
repeated, and reports per run which cells' asserts failed and what the cells printed.
Nothing is written to the notebook.

    python dev/check_notebook_seeds.py notebooks/01_density_estimation.ipynb \
        --seeds 42 43 44 --repeats 2

``--cells`` runs only some cells (an experiment and the cells it needs), which is how the
claims of notebook 01's toy GANs were checked one experiment at a time:

    python dev/check_notebook_seeds.py notebooks/01_density_estimation.ipynb --seeds 42 45 \
        --repeats 1 --cells 395068f1 500bca22 8efcee93 701bb9b0 97014f8c eead87dc 70902396 \
        0e8a77e6 c550e3c8

The setup cell (the first code cell, which may ``%pip install``) is replaced by its imports
(``os``, ``sys``, ... and ``gan_utils.runtime``), which later cells may use; plots go to
Matplotlib's Agg backend. ``--quick`` runs at the CI size instead of full size. Run it
from the repository root with ``PYTHONPATH=$PWD``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED_LINE = re.compile(r"^SEED = \d+", flags=re.MULTILINE)

RUNNER = r'''
import contextlib, io, json, sys, traceback
cells = json.loads(sys.stdin.read())
scope = {"__name__": "__main__"}
exec("import importlib.util, os, socket, sys\nfrom gan_utils import runtime", scope)
for cell_id, source in cells:
    out = io.StringIO()
    status = "ok"
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, f"cell {cell_id}", "exec"), scope)
    except AssertionError as error:
        status = "ASSERT " + (str(error)[:300] or traceback.format_exc().splitlines()[-2].strip())
    except Exception as error:
        status = f"ERROR {type(error).__name__}: {str(error)[:300]}"
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    print(json.dumps({"cell": cell_id, "status": status, "printed": lines[-4:]}), flush=True)
'''


def code_cells(path: Path, seed: int, only: list[str] | None = None) -> list[tuple[str, str]]:
    """(id, source) of every code cell after the setup cell, with SEED set to ``seed``;
    ``only``: just the cells with these ids, in the notebook's order."""
    notebook = json.loads(path.read_text())
    cells = [(c.get("id", str(i)), "".join(c["source"]))
             for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code"]
    if not cells:
        raise ValueError(f"{path}: expected a notebook with code cells, found none")
    cells = cells[1:]  # the setup cell
    if not any(SEED_LINE.search(source) for _, source in cells):
        raise ValueError(f"{path}: expected a line 'SEED = <number>' in a code cell")
    if only:
        unknown = set(only) - {cid for cid, _ in cells}
        if unknown:
            raise ValueError(f"{path}: no code cell with id {sorted(unknown)}")
        cells = [(cid, source) for cid, source in cells if cid in only]
    return [(cid, SEED_LINE.sub(f"SEED = {seed}", source)) for cid, source in cells]


def run(path: Path, seed: int, quick: bool, only: list[str] | None = None
        ) -> tuple[list[dict], float]:
    """Run the notebook's code once in a fresh process; returns per-cell results, seconds."""
    # A fresh runs folder for every run: a notebook resumes from the checkpoints it finds,
    # and a second seed must not continue the first one's training.
    env = dict(os.environ, GAN_UTILS_QUICK="1" if quick else "0", MPLBACKEND="Agg",
               TF_CPP_MIN_LOG_LEVEL="3", GAN_UTILS_RUNS=tempfile.mkdtemp(prefix="seed_run_"))
    start = time.perf_counter()
    cells = json.dumps(code_cells(path, seed, only))
    done = subprocess.run([sys.executable, "-c", RUNNER], input=cells, capture_output=True,
                          text=True, env=env, cwd=path.parent, check=False)
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0:
        results.append({"cell": "-", "status": f"ERROR exit {done.returncode}",
                        "printed": done.stderr.splitlines()[-3:]})
    return results, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="CI sizes instead of full size")
    parser.add_argument("--show", default="", help="regex: print the output of matching cells")
    parser.add_argument("--cells", nargs="+", help="ids of the code cells to run (one experiment "
                        "and the cells it needs), in the notebook's order; default: all")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        parser.error(f"notebook {args.notebook}: no such file")
    failures = 0
    for seed in args.seeds:
        for repeat in range(args.repeats):
            results, seconds = run(args.notebook.resolve(), seed, args.quick, args.cells)
            bad = [r for r in results if r["status"] != "ok"]
            failures += bool(bad)
            print(f"seed {seed} run {repeat + 1}: {len(results)} cells, {len(bad)} failed, "
                  f"{seconds / 60:.1f} min", flush=True)
            for r in results:
                if r["status"] != "ok" or (args.show and re.search(args.show, r["cell"])):
                    print(f"  [{r['cell']}] {r['status']}: {' | '.join(r['printed'])}",
                          flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
