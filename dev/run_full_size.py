"""Run the course notebooks top to bottom at full size, as a learner would, and report.

CI runs the notebooks in quick mode only (GAN_UTILS_QUICK=1). This command runs them at
full size (GAN_UTILS_QUICK=0), each in a fresh kernel, in one scratch folder shared by
all of them (so notebook 07 finds the generator notebook 05 saved, as on a learner's
machine), prints PASS or FAIL and the minutes of every notebook, the CPU and the
precision the runtime picked, and exits non-zero when a notebook failed:

    python dev/run_full_size.py                 # every notebook (about an hour on 2 cores)
    python dev/run_full_size.py --only 02 05    # notebooks 02 and 05
    GAN_UTILS_PRECISION=float32 python dev/run_full_size.py   # float32 where bfloat16 is fast

The kernels inherit this process's environment, so ``GAN_UTILS_PRECISION`` picks the
precision and oneDNN's ``ONEDNN_MAX_CPU_ISA`` (e.g. ``AVX2``) makes this CPU run the
kernels an older one would, to check that the asserts hold on other arithmetic.

The executed notebooks (with their outputs) are kept in the scratch folder, which the
last line names, for reading a failure or a measured number.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SHARED_DATA = ROOT.parent / "shared" / "datasets"   # the project machines' offline copies
RECORDS = ROOT / "docs" / "measurements"   # scripts/docs/write_measurements.py reads them


@dataclass
class Result:
    """How one notebook ran: passed or not, minutes, and the error's first line if any."""
    name: str
    passed: bool
    minutes: float
    error: str = ""


def pick_notebooks(only: list[str] | None, folder: Path = NOTEBOOKS) -> list[Path]:
    """The notebooks to run, in order: all of them, or those whose number is in ``only``."""
    notebooks = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not only:
        return notebooks
    wanted = {number.zfill(2) for number in only}
    unknown = wanted - {path.name[:2] for path in notebooks}
    if unknown:
        raise SystemExit(f"--only {' '.join(sorted(unknown))}: no such notebook in {folder} "
                         f"(there are {', '.join(path.name[:2] for path in notebooks)})")
    return [path for path in notebooks if path.name[:2] in wanted]


def full_size_environment(data_dir: str | None, for_site: bool = False) -> dict[str, str]:
    """The kernels' environment: full size, this checkout's gan_utils first.

    MPLBACKEND is removed so that the kernel uses its inline backend (headless, and the
    figures become outputs, as a learner sees them). ``for_site`` also sets
    GAN_UTILS_STATIC_SITE=1, so each widget adds a picture of itself for the website
    (``python scripts/docs/build_site.py --executed <folder>``).
    """
    env = dict(os.environ)
    env["GAN_UTILS_QUICK"] = "0"
    env.pop("MPLBACKEND", None)
    if for_site:
        env["GAN_UTILS_STATIC_SITE"] = "1"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if data_dir:
        env["GAN_UTILS_DATA"] = data_dir
    elif "GAN_UTILS_DATA" not in env and SHARED_DATA.is_dir():
        env["GAN_UTILS_DATA"] = str(SHARED_DATA)
    return env


def run_notebook(path: Path, workdir: Path, cell_timeout: int) -> Result:
    """Execute one notebook in a fresh kernel with ``workdir`` as its folder; save it there."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=cell_timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    error = ""
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as failure:
        error = _first_error_line(failure)
    minutes = (time.perf_counter() - start) / 60
    nbformat.write(notebook, workdir / "executed" / path.name)
    return Result(path.stem, not error, minutes, error)


def _first_error_line(failure: Exception) -> str:
    """The line that names the error (e.g. 'AssertionError: ...'), not the whole traceback."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(failure))   # the traceback's colours
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    named = [line for line in lines if line.split(":")[0].endswith(("Error", "Exception"))]
    return (named[-1] if named else lines[-1] if lines else type(failure).__name__)[:300]


def describe_machine() -> dict[str, str]:
    """The CPU (or accelerator), its relevant flags, the precision the notebooks' runtime
    will pick here, and the package versions: what a measurement needs to be read."""
    import keras
    import tensorflow as tf

    from gan_utils import runtime

    flags = sorted(runtime.cpu_flags() & {"avx2", "avx512f", "avx512_bf16", "amx_bf16"})
    return {"accelerator": str(runtime.accelerator()), "cpu_flags": " ".join(flags),
            "precision": runtime.mixed_precision_policy(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "python": platform.python_version()}


def write_record(results: list[Result], machine: dict[str, str], argv: list[str]) -> Path:
    """A JSON record of the run in docs/measurements/, the measurement record's source."""
    now = datetime.now(timezone.utc)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    forced = os.environ.get("GAN_UTILS_PRECISION")
    command = " ".join(["python dev/run_full_size.py", *argv])
    run = {"kind": "full_size", "date_utc": now.isoformat(timespec="seconds"),
           "command": (f"GAN_UTILS_PRECISION={forced} " if forced else "") + command,
           "machine": machine, "precision": machine["precision"],
           "precision_forced": bool(forced), "commit": commit,
           "notebooks": [asdict(result) for result in results]}
    RECORDS.mkdir(parents=True, exist_ok=True)
    path = RECORDS / f"full-size-{now:%Y%m%dT%H%M}-{machine['precision']}.json"
    path.write_text(json.dumps(run, indent=1) + "\n")
    return path


def report(results: list[Result]) -> str:
    """One line per notebook and a total, as printed."""
    width = max(len(result.name) for result in results)
    lines = [f"{result.name:<{width}}  {'PASS' if result.passed else 'FAIL'}  "
             f"{result.minutes:6.1f} min" + (f"  {result.error}" if result.error else "")
             for result in results]
    failed = sum(not result.passed for result in results)
    lines.append(f"{len(results) - failed} passed, {failed} failed, "
                 f"{sum(result.minutes for result in results):.1f} min in all")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NN",
                        help="run only these notebooks, by number (e.g. --only 02 05)")
    parser.add_argument("--workdir", type=Path,
                        help="the notebooks' folder for checkpoints and outputs "
                             "(default: a new temporary folder)")
    parser.add_argument("--data-dir", help="dataset folder (GAN_UTILS_DATA); default: the "
                                           "environment's, or ../shared/datasets if present")
    parser.add_argument("--cell-timeout", type=int, default=3600,
                        help="seconds one cell may run before it counts as failed")
    parser.add_argument("--site", action="store_true",
                        help="also give each widget its picture (GAN_UTILS_STATIC_SITE=1), so "
                             "that the executed notebooks can build the website")
    parser.add_argument("--record", action="store_true",
                        help="write the run to docs/measurements/ (then run "
                             "scripts/docs/write_measurements.py)")
    args = parser.parse_args(argv)

    notebooks = pick_notebooks(args.only)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gan_course_full_size_"))
    (workdir / "executed").mkdir(parents=True, exist_ok=True)
    environment = full_size_environment(args.data_dir, args.site)   # read before replacing
    os.environ.clear()
    os.environ.update(environment)
    machine = describe_machine()
    print(f"full size (GAN_UTILS_QUICK=0) on {machine['accelerator']}; "
          f"precision {machine['precision']}", flush=True)
    print(f"data: {os.environ.get('GAN_UTILS_DATA', 'keras.datasets downloads')}", flush=True)

    results = []
    for path in notebooks:
        print(f"running {path.name} ...", flush=True)
        results.append(run_notebook(path, workdir, args.cell_timeout))
        print(report(results[-1:]).splitlines()[0], flush=True)
    print("\n" + report(results))
    print(f"executed notebooks: {workdir / 'executed'}")
    if args.record:
        print(f"record: {write_record(results, machine, argv or sys.argv[1:])}")
    return 0 if all(result.passed for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
