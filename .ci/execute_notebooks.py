#!/usr/bin/env python3
"""Execute notebooks the way a learner meets them on Colab or Kaggle: each one alone.

    python .ci/execute_notebooks.py [--jobs N] [--executed-dir DIR] [--check-exercises]
                                    notebooks/*.ipynb

Run by the Python of the environment under test: its own kernel (ipykernel) executes
every cell, through its own nbclient. Each notebook is copied alone into a fresh empty
folder that becomes the kernel's working directory, so nothing from the repository is
within reach. Cells tagged "raises-exception" may fail, as under nbval. Prints one line
per notebook (wall time, CPU time of its kernel and client, and the kernel's own
description from the setup cell) and, for a failure, the failing cell's error; exits 1
if any notebook failed.

--jobs N (default: $GAN_CI_NOTEBOOK_JOBS, else 1) runs up to N notebooks at once, each in
its own process (forked from this one) with its own kernel, started longest first (by the
size of the notebook's source). On two cores one notebook already keeps more than one core
busy, so .ci/run keeps one notebook at a time per job and runs two jobs side by side.

--executed-dir DIR (default: $GAN_CI_EXECUTED_DIR, else none) keeps every executed
notebook, with its outputs, as DIR/<name>.ipynb, for a later job that shows them (the
course website) instead of executing them again. A notebook that failed is kept as
DIR/failed/<name>.ipynb, so DIR itself only ever holds notebooks that passed.

--budget-seconds B (default: $GAN_CI_QUICK_BUDGET, else 150; a notebook's metadata
``ci.quick_budget_seconds`` overrides it) is a notebook's usual quick-mode time, with room
for a shared CPU. Past 2 B the run is recorded as it goes: each cell's message times (the
client's request sent, the kernel's busy, execute_input, reply and idle, the client's done)
and, once, the kernel's Python stacks (``py-spy dump``: $GAN_CI_PY_SPY or py-spy on PATH)
and its threads (name, state, kernel wait channel); past 3 B the kernel is killed and the
notebook fails with that record. Past 2 B, a notebook that passed also prints its record,
its three slowest cells and the last lines of its kernel's log.

--check-exercises also tries every exercise's stored right and wrong answers, in the same
run, right after its check cell (.ci/exercise_answers.py): a notebook fails when a right
answer is rejected or a wrong one accepted. The trial cells are taken out again before
the executed notebook is kept.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing import connection
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

CELL_TIMEOUT = 900  # seconds, as pyproject.toml gives nbval
# nbclient gives a kernel 60 s to start; on a busy machine (two jobs at a time, trainings
# beside CI) starting Python with ipykernel has taken longer than that
STARTUP_TIMEOUT = 300
BUDGET_SECONDS = 150  # a quick-mode notebook's usual time, with room for a shared CPU


def setup_line(nb) -> str:
    """What the setup cell printed last (runtime.describe(): platform, TF, Keras)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "# Setup" in cell.source:
            text = "".join(out.get("text", "") for out in cell.get("outputs", [])
                           if out.get("output_type") == "stream" and out.get("name") == "stdout")
            return text.strip().splitlines()[-1] if text.strip() else "(setup printed nothing)"
    return "(no setup cell)"


def failing_cell(nb) -> str:
    """Which code cell raised (its number among the code cells and its first line; an
    injected exercise trial is named after the check cell it follows)."""
    number = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        trial = cell.get("metadata", {}).get("exercise_trial", False)
        number += 0 if trial else 1
        expected = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        if not expected and any(out.get("output_type") == "error" for out in cell.outputs):
            if trial:
                return f"the exercise answers tried after code cell {number}"
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            return f"code cell {number}: {first[:100]}"
    return "no cell (the kernel or the client failed)"


def slowest_cells(nb, count: int = 3) -> list[str]:
    """The ``count`` slowest code cells, by nbclient's record of when each started and
    replied: "code cell N (S s): first line", slowest first."""
    from datetime import datetime

    timed = []
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code, 1):
        times = cell.get("metadata", {}).get("execution", {})
        start, end = times.get("iopub.execute_input"), times.get("shell.execute_reply")
        if start and end:
            seconds = (datetime.fromisoformat(end.replace("Z", "+00:00"))
                       - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            timed.append((seconds, f"code cell {number} ({seconds:.0f} s): {first[:80]}"))
    return [line for _, line in sorted(timed, key=lambda pair: -pair[0])[:count]]


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished children."""
    own, children = (resource.getrusage(who) for who in
                     (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class BackgroundWatch:
    """A context manager running ``_watch`` in a thread until the block ends (``_stop``)."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        raise NotImplementedError


class KernelCPU(BackgroundWatch):
    """The CPU time of this process's children (the kernel), read from /proc once a second
    while they run: a kernel that outlives its client's shutdown is never reaped by it, and
    getrusage would miss it. Linux only; elsewhere it reads 0."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0

    def _watch(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        me = str(os.getpid())
        while True:
            total = 0
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except (OSError, IndexError):
                    continue
                if fields[1] == me:  # ppid; then utime, stime, cutime, cstime
                    total += sum(int(value) for value in fields[11:15])
            self.seconds = max(self.seconds, total / ticks)
            if self._stop.wait(1.0):
                return


class RecordingClient(NotebookClient):
    """nbclient's client that logs, per code cell, when it sent the request and when it had
    the whole answer, beside the kernel's own message times (nbclient's record_timing)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cell_log: list[dict] = []

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        entry = {"cell": cell_index, "request_sent": _now()}
        if cell.cell_type == "code" and cell.source.strip():
            self.cell_log.append(entry)
        try:
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)
        finally:
            entry["done"] = _now()
            times = cell.get("metadata", {}).get("execution", {})
            for key in ("iopub.status.busy", "iopub.execute_input", "shell.execute_reply",
                        "iopub.status.idle"):
                if key in times:
                    entry[key.split(".", 1)[1]] = times[key]

    def kernel_pid(self) -> int | None:
        """The kernel process's id, once it runs."""
        km = getattr(self, "km", None)
        process = getattr(getattr(km, "provisioner", None), "process", None)
        return getattr(process, "pid", None)


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Watchdog(BackgroundWatch):
    """Past 2x ``budget`` seconds, snapshot the kernel (stacks and threads); past 3x, kill it,
    so that the notebook fails instead of sitting out the cell timeout."""

    def __init__(self, client: RecordingClient, budget: float):
        super().__init__()
        self.client, self.budget = client, budget
        self.snapshots: list[str] = []
        self.exceeded = False

    def _watch(self) -> None:
        if self._stop.wait(2 * self.budget):
            return
        self.snapshots.append(kernel_snapshot(self.client.kernel_pid()))
        if self._stop.wait(self.budget):
            return
        self.exceeded = True
        pid = self.client.kernel_pid()
        self.snapshots.append(kernel_snapshot(pid))
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def kernel_snapshot(pid: int | None) -> str:
    """The kernel's Python stacks (py-spy dump) and its threads from /proc, as text."""
    if pid is None:
        return "no kernel process yet"
    lines = [f"kernel pid {pid} at {_now()}"]
    py_spy = os.environ.get("GAN_CI_PY_SPY") or shutil.which("py-spy")
    if py_spy:
        try:
            dump = subprocess.run([py_spy, "dump", "--pid", str(pid)], capture_output=True,
                                  text=True, timeout=60)
            lines += (dump.stdout + dump.stderr).strip().splitlines()
        except (OSError, subprocess.TimeoutExpired) as failure:
            lines.append(f"py-spy dump failed: {failure}")
    else:
        lines.append("py-spy not found (GAN_CI_PY_SPY, PATH): no Python stacks")
    lines.append("threads (id, name, state, wait channel):")
    for task in sorted(Path(f"/proc/{pid}/task").glob("*"), key=lambda p: int(p.name)):
        try:
            name = (task / "comm").read_text().strip()
            state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
            wchan = (task / "wchan").read_text().strip() if (task / "wchan").exists() else ""
        except OSError:
            continue
        lines.append(f"  {task.name} {name} {state} {wchan}")
    return "\n".join(lines)


def notebook_budget(nb, default: float) -> float:
    """The notebook's quick-mode budget: its metadata's ci.quick_budget_seconds, else
    ``default``."""
    return float(nb.metadata.get("ci", {}).get("quick_budget_seconds", default))


def print_record(client: RecordingClient, watchdog: Watchdog) -> None:
    """The cells' message times and the kernel snapshots, indented."""
    print("   message times per code cell (client: request_sent, done; kernel: "
          "status.busy, execute_input, execute_reply, status.idle):", flush=True)
    for entry in client.cell_log:
        times = ", ".join(f"{key} {value}" for key, value in entry.items() if key != "cell")
        print(f"      cell {entry['cell']}: {times}", flush=True)
    for snapshot in watchdog.snapshots:
        print("   kernel snapshot:", flush=True)
        for line in snapshot.splitlines():
            print(f"      {line[:200]}", flush=True)


def execute(path: Path, executed_dir: Path | None = None,
            budget: float = BUDGET_SECONDS, check_exercises: bool = False) -> bool:
    """Run one notebook alone in an empty folder; print what happened (and, past twice
    its budget, where the time went); True if it passed within three times its budget.
    ``check_exercises``: try the exercises' stored answers too (see the module's
    docstring)."""
    folder = Path(tempfile.mkdtemp(prefix="notebook-"))
    copy = folder / path.name
    shutil.copyfile(path, copy)
    nb = nbformat.read(copy, as_version=4)
    budget = notebook_budget(nb, budget)
    if check_exercises:
        import exercise_answers  # next to this file, on sys.path when run as a script

        exercise_answers.inject(nb)
    client = RecordingClient(nb, timeout=CELL_TIMEOUT, startup_timeout=STARTUP_TIMEOUT,
                             kernel_name="python3",
                             resources={"metadata": {"path": str(folder)}})
    started = time.monotonic()
    # The kernel process's own output (TensorFlow's and ipykernel's chatter; cell outputs go
    # into the notebook), kept out of the notebook's empty folder
    kernel_log = Path(tempfile.mkdtemp(prefix="kernel-log-")) / "stderr.log"
    with Watchdog(client, budget) as watchdog:
        try:
            with kernel_log.open("w") as log:  # passed on to the kernel's process
                client.execute(stdout=log, stderr=log)
            ok, error = True, ""
        except CellExecutionError as failure:
            ok, error = False, (f"{failure.ename}: {failure.evalue}"
                                if hasattr(failure, "ename")
                                else str(failure).strip().splitlines()[-1])
        except Exception as failure:  # noqa: BLE001 - a dead kernel, a timeout: report, go on
            tail = kernel_log.read_text(errors="replace").strip().splitlines()[-10:]
            ok, error = False, "\n".join([f"{type(failure).__name__}: {failure}", *tail])
    seconds = time.monotonic() - started
    if watchdog.exceeded:
        ok, error = False, (f"ran past 3 x its quick-mode budget of {budget:.0f} s: the "
                            f"kernel was stopped (record below)\n{error}")
    print(f"{'PASSED' if ok else 'FAILED'} {path.name} ({seconds:.0f} s) {setup_line(nb)}",
          flush=True)
    if not ok:
        print(f"   at {failing_cell(nb)}\n   {error.strip()[:800]}", flush=True)
    if seconds > 2 * budget:
        print(f"   slow (over 2 x {budget:.0f} s); slowest cells:", flush=True)
        for line in slowest_cells(nb):
            print(f"      {line}", flush=True)
        print_record(client, watchdog)
        print("   the kernel's log ended:", flush=True)
        for line in kernel_log.read_text(errors="replace").strip().splitlines()[-10:]:
            print(f"      {line[:200]}", flush=True)
    if check_exercises:
        exercise_answers.remove_injected(nb)
    if executed_dir is not None:
        target = executed_dir if ok else executed_dir / "failed"
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target / path.name)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(kernel_log.parent, ignore_errors=True)
    return ok


def _child(path: Path, executed_dir: Path | None, budget: float, check_exercises: bool,
           writer) -> None:
    """A forked process's work: execute one notebook with its own kernel and event loop,
    and send back (passed, what it printed, its CPU seconds)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), KernelCPU() as kernel:
        try:
            ok = execute(path, executed_dir, budget, check_exercises)
        except BaseException as failure:  # noqa: BLE001 - report it as this notebook's failure
            print(f"FAILED {path.name}: {type(failure).__name__}: {failure}")
            ok = False
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = cpu_seconds() - own.ru_utime - own.ru_stime
    writer.send((ok, printed.getvalue(),
                 own.ru_utime + own.ru_stime + max(reaped, kernel.seconds)))
    writer.close()


def run_all(paths: list[Path], executed_dir: Path | None, jobs: int,
            budget: float = BUDGET_SECONDS,
            check_exercises: bool = False) -> dict[str, bool]:
    """Every notebook in a process of its own, forked from this one (nbformat and nbclient
    are imported once, here), up to ``jobs`` at a time; prints each result as it arrives."""
    context = multiprocessing.get_context("fork")
    pending, running, results, total_cpu = list(paths), {}, {}, 0.0
    started = time.monotonic()
    while pending or running:
        while pending and len(running) < jobs:
            path = pending.pop(0)
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(path, executed_dir, budget,
                                                                check_exercises, writer))
            process.start()
            writer.close()
            running[reader] = (path, process)
        for reader in connection.wait(list(running)):
            path, process = running.pop(reader)
            try:
                ok, output, cpu = reader.recv()
            except EOFError:  # the process died without a word (killed, out of memory)
                ok, output, cpu = False, f"FAILED {path.name} (its process died)\n", 0.0
            process.join()
            results[path.name] = ok
            total_cpu += cpu
            print(with_cpu(output, cpu), flush=True)
    print(f"notebooks: wall time {time.monotonic() - started:.0f} s, "
          f"CPU time {total_cpu:.0f} s, {jobs} at a time", flush=True)
    return results


def with_cpu(output: str, cpu: float) -> str:
    """A notebook's result line with its CPU time added: "PASSED x.ipynb (54 s) ..." becomes
    "PASSED x.ipynb (54 s, CPU 41 s) ..."."""
    lines = output.rstrip("\n").splitlines()
    for number, line in enumerate(lines):
        if line.startswith(("PASSED ", "FAILED ")) and " s) " in line + " ":
            head, _, tail = line.partition(" s)")
            lines[number] = f"{head} s, CPU {cpu:.0f} s){tail}"
            break
    return "\n".join(lines)


def longest_first(paths: list[Path]) -> list[Path]:
    """Start the biggest notebooks first, so that two workers finish close together."""
    return sorted(paths, key=lambda path: path.stat().st_size, reverse=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("GAN_CI_NOTEBOOK_JOBS")
                                                         or 1),
                        help="notebooks executed at once (default $GAN_CI_NOTEBOOK_JOBS or 1)")
    parser.add_argument("--executed-dir", type=Path,
                        default=os.environ.get("GAN_CI_EXECUTED_DIR") or None,
                        help="keep the executed notebooks here (default $GAN_CI_EXECUTED_DIR)")
    parser.add_argument("--budget-seconds", type=float,
                        default=float(os.environ.get("GAN_CI_QUICK_BUDGET") or BUDGET_SECONDS),
                        help="a notebook's usual quick-mode time: past 2x it is recorded, "
                             "past 3x it fails (default $GAN_CI_QUICK_BUDGET or 150)")
    parser.add_argument("--check-exercises", action="store_true",
                        help="also try each exercise's stored right and wrong answers")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be 1 or more, not {args.jobs}")
    missing = [str(path) for path in args.notebooks if not path.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    executed_dir = args.executed_dir.resolve() if args.executed_dir else None

    print(f"kernel Python: {sys.executable} {sys.version.split()[0]}", flush=True)
    results = run_all(longest_first(args.notebooks), executed_dir, args.jobs,
                      args.budget_seconds, args.check_exercises)
    failed = sorted(name for name, ok in results.items() if not ok)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed"
          + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
