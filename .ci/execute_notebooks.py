#!/usr/bin/env python3
"""Execute notebooks the way a learner meets them on Colab or Kaggle: each one alone.

    python .ci/execute_notebooks.py notebooks/*.ipynb

Run by the Python of the environment under test: its own kernel (ipykernel) executes
every cell, through its own nbclient. Each notebook is copied alone into a fresh empty
folder that becomes the kernel's working directory, so nothing from the repository is
within reach. Cells tagged "raises-exception" may fail, as under nbval. Prints one line
per notebook (time, and the kernel's own description from the setup cell) and, for a
failure, the failing cell's error; exits 1 if any notebook failed.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

CELL_TIMEOUT = 900  # seconds, as pyproject.toml gives nbval


def setup_line(nb) -> str:
    """What the setup cell printed last (runtime.describe(): platform, TF, Keras)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "# Setup" in cell.source:
            text = "".join(out.get("text", "") for out in cell.get("outputs", [])
                           if out.get("output_type") == "stream" and out.get("name") == "stdout")
            return text.strip().splitlines()[-1] if text.strip() else "(setup printed nothing)"
    return "(no setup cell)"


def failing_cell(nb) -> str:
    """Which code cell raised (its number among the code cells and its first line)."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code, 1):
        expected = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        if not expected and any(out.get("output_type") == "error" for out in cell.outputs):
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            return f"code cell {number}: {first[:100]}"
    return "no cell (the kernel or the client failed)"


def execute(path: Path) -> bool:
    """Run one notebook alone in an empty folder; print what happened; True if it passed."""
    folder = Path(tempfile.mkdtemp(prefix="notebook-"))
    copy = folder / path.name
    shutil.copyfile(path, copy)
    nb = nbformat.read(copy, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    started = time.monotonic()
    # The kernel process's own output (TensorFlow's and ipykernel's chatter; cell outputs go
    # into the notebook), kept out of the notebook's empty folder
    kernel_log = Path(tempfile.mkdtemp(prefix="kernel-log-")) / "stderr.log"
    try:
        with kernel_log.open("w") as log:  # passed on to the kernel's process
            client.execute(stdout=log, stderr=log)
        ok, error = True, ""
    except CellExecutionError as failure:
        ok, error = False, (f"{failure.ename}: {failure.evalue}" if hasattr(failure, "ename")
                            else str(failure).strip().splitlines()[-1])
    except Exception as failure:  # noqa: BLE001 - a dead kernel, a timeout: report, go on
        tail = kernel_log.read_text(errors="replace").strip().splitlines()[-10:]
        ok, error = False, "\n".join([f"{type(failure).__name__}: {failure}", *tail])
    seconds = time.monotonic() - started
    print(f"{'PASSED' if ok else 'FAILED'} {path.name} ({seconds:.0f} s) {setup_line(nb)}",
          flush=True)
    if not ok:
        print(f"   at {failing_cell(nb)}\n   {error.strip()[:800]}", flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(kernel_log.parent, ignore_errors=True)
    return ok


def main(paths: list[str]) -> int:
    print(f"kernel Python: {sys.executable} {sys.version.split()[0]}", flush=True)
    results = {Path(p).name: execute(Path(p)) for p in paths}
    failed = [name for name, ok in results.items() if not ok]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed"
          + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
