"""CI: the notebook runner (.ci/execute_notebooks.py: each notebook alone, failures named,
executed notebooks kept) and .ci/run (jobs side by side; one failing job fails CI)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def write_notebook(path: Path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)


@pytest.mark.slow
def test_runner_runs_each_notebook_alone_and_names_the_failing_cell(tmp_path):
    setup = ("# Setup (the same in every notebook)\nimport os, sys\n"
             "print('chatter', file=sys.__stderr__)\nprint('folder:', sorted(os.listdir('.')))")
    write_notebook(tmp_path / "01_fails.ipynb", setup, "x = 1\n1 / 0", "print('never')")
    write_notebook(tmp_path / "02_passes.ipynb", setup,
                   "assert os.listdir('.') == ['02_passes.ipynb'], os.listdir('.')")
    executed = tmp_path / "executed"
    result = subprocess.run([sys.executable, str(ROOT / ".ci" / "execute_notebooks.py"),
                             "--jobs", "2", "--executed-dir", str(executed),
                             str(tmp_path / "01_fails.ipynb"), str(tmp_path / "02_passes.ipynb")],
                            capture_output=True, text=True, timeout=600)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(re.fullmatch(r"FAILED 01_fails\.ipynb \(\d+ s, CPU \d+ s\) "
                            r"folder: \['01_fails\.ipynb'\]", line) for line in lines), lines
    assert "   at code cell 2: x = 1" in lines
    assert "   ZeroDivisionError: division by zero" in lines
    assert any(line.startswith("PASSED 02_passes.ipynb") for line in lines), lines
    assert lines[-1] == "1 passed, 1 failed: 01_fails.ipynb"
    assert "chatter" not in result.stdout + result.stderr  # the kernel's own output is logged
    # the executed notebooks are kept, with their outputs; a failed one apart
    assert sorted(path.relative_to(executed).as_posix() for path in executed.rglob("*.ipynb")) \
        == ["02_passes.ipynb", "failed/01_fails.ipynb"]
    kept = nbformat.read(executed / "02_passes.ipynb", as_version=4)
    assert kept.cells[0].outputs[0]["text"] == "folder: ['02_passes.ipynb']\n"


@pytest.mark.slow
def test_runner_says_where_a_slow_notebook_spent_its_time(tmp_path):
    """Past twice --budget-seconds (yet within three times), the notebook passes and prints
    its slowest cells (by nbclient's timing), its cells' message times, a snapshot of its
    kernel and the kernel's last log lines; a notebook within its budget prints none."""
    chatty = "import sys, time\nprint('kernel chatter', file=sys.__stderr__, flush=True)"
    write_notebook(tmp_path / "slow.ipynb", chatty, "time.sleep(21)", "x = 1")
    runner = [sys.executable, str(ROOT / ".ci" / "execute_notebooks.py"), "--budget-seconds"]
    slow = subprocess.run([*runner, "10", str(tmp_path / "slow.ipynb")],
                          capture_output=True, text=True, timeout=600)
    lines = slow.stdout.splitlines()
    assert slow.returncode == 0, slow.stdout + slow.stderr
    assert "   slow (over 2 x 10 s); slowest cells:" in lines, lines
    listed = lines[lines.index("   slow (over 2 x 10 s); slowest cells:") + 1:][:3]
    assert re.fullmatch(r"      code cell 2 \(2[1-4] s\): time\.sleep\(21\)", listed[0]), listed
    assert all(line.startswith("      code cell ") for line in listed), listed
    assert any(line.startswith("      cell 1: request_sent ") for line in lines), lines
    assert lines.count("   kernel snapshot:") == 1, lines
    assert "      kernel chatter" in lines[lines.index("   the kernel's log ended:"):], lines
    fast = subprocess.run([*runner, "600", str(tmp_path / "slow.ipynb")],
                          capture_output=True, text=True, timeout=600)
    assert fast.returncode == 0 and "slow" not in fast.stdout.replace("slow.ipynb", ""), \
        fast.stdout


FAKE_PYTHON = """#!/bin/sh
# Stands in for python3 in .ci/run: "python3 .ci/platform_job.py prepare|notebooks JOB DIR"
echo "$2 $3" >> "$CALLS"
case "$2 $3" in
  "prepare colab") echo "colab: no such Python"; exit 3 ;;
  "prepare "*) echo "[$3] packages the install changed: none"; exit 0 ;;
  "notebooks kaggle")  # passes only if lowest's notebooks run beside it (two jobs at a time)
    for i in $(seq 600); do grep -q "notebooks lowest" "$CALLS" && break; sleep 0.1; done
    grep -q "notebooks lowest" "$CALLS" || { echo "ran alone"; exit 4; }
    echo "8 passed, 0 failed"; exit 0 ;;
  "notebooks lowest") echo "FAILED 05_dcgan_mnist.ipynb (9 s, CPU 9 s)"
    echo "7 passed, 1 failed: 05_dcgan_mnist.ipynb"; exit 1 ;;
esac
echo "unexpected call: $*"; exit 9
"""


@pytest.mark.slow
def test_ci_runs_jobs_side_by_side_and_fails_when_one_fails(tmp_path):
    """.ci/run itself, with a stand-in python3: the colab job's environment cannot be built,
    kaggle's notebooks pass only while lowest's run beside them, lowest's notebooks fail.
    CI must run all three, two at a time, report each, and exit 1."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python3"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    calls = tmp_path / "calls.txt"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "CALLS": str(calls), "GAN_CI_UV": "", "GAN_CI_PARALLEL": "2",
           "GAN_CI_PIP_CACHE": str(tmp_path / "pip"), "GAN_CI_UV_CACHE": str(tmp_path / "uv")}
    result = subprocess.run(["bash", str(ROOT / ".ci" / "run"), "colab", "kaggle", "lowest"],
                            capture_output=True, text=True, timeout=300, env=env)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    summary = out.split("===== summary", 1)[1].splitlines()
    rows = {line.split()[0]: line for line in summary if line[:1].isalpha()}
    assert rows["colab"].split()[1:3] == ["FAILED", "(exit"], rows
    assert rows["kaggle"].split()[1] == "passed", rows
    assert rows["lowest"].split()[1:4] == ["FAILED", "(exit", "1)"], rows
    assert "        FAILED 05_dcgan_mnist.ipynb (9 s, CPU 9 s)" in summary
    assert "        [kaggle] packages the install changed: none" in summary
    assert "colab: no such Python" in out  # a failed environment's log is shown
    assert sorted(calls.read_text().splitlines()) == [
        "notebooks kaggle", "notebooks lowest", "prepare colab", "prepare kaggle",
        "prepare lowest"]
    assert summary[-1].startswith("total wall time: ")


def test_ci_rejects_an_unknown_job(tmp_path):
    env = {**os.environ, "GAN_CI_UV": ""}
    result = subprocess.run(["bash", str(ROOT / ".ci" / "run"), "colabb"], capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 1
    expected = "unknown job colabb (expected unit, latest, colab, kaggle, lowest, gpu, site)"
    assert expected in result.stdout
    assert any(line.startswith("colabb  FAILED (exit 1)") for line in result.stdout.splitlines())


FAKE_SITE_PYTHON = """#!/bin/sh
# Stands in for python3 in .ci/run; the latest environment's python is a copy of this script
echo "$2 $3 executed-dir=${GAN_CI_EXECUTED_DIR-unset}" >> "$CALLS"
case "$*" in
  ".ci/platform_job.py prepare latest "*) mkdir -p "$4/venv/bin" && cp "$0" "$4/venv/bin/python"
    exit 0 ;;
  ".ci/platform_job.py prepare "*) echo "[$3] packages the install changed: none"; exit 0 ;;
  ".ci/platform_job.py notebooks latest "*)  # slow: the site job, started beside it, must wait
    sleep 3; mkdir -p "$GAN_CI_EXECUTED_DIR/latest"
    echo "{}" > "$GAN_CI_EXECUTED_DIR/latest/01_x.ipynb"; echo "latest done" >> "$CALLS"
    echo "8 passed, 0 failed"; exit 0 ;;
  ".ci/platform_job.py notebooks "*) echo "8 passed, 0 failed"; exit 0 ;;
  "scripts/docs/build_site.py --executed "*)
    [ -f "$3/01_x.ipynb" ] || { echo "nothing executed in $3"; exit 5; }
    echo "site built from $3" >> "$CALLS"; exit 0 ;;
  "-m pytest tests/test_site.py") echo "site tested: $GAN_SITE_HTML" >> "$CALLS"
    echo "8 passed in 1.00s"; exit 0 ;;
  "-m pytest tests/ research/") exit 0 ;;
esac
echo "unexpected call: $*"; exit 9
"""


def _run_ci(tmp_path, *jobs: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """.ci/run with FAKE_SITE_PYTHON as python3 (and a stand-in chromium, so that the unit
    job installs none); returns the run and the calls the fakes recorded, in order."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("python3", FAKE_SITE_PYTHON), ("chromium", "#!/bin/sh\n")):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    calls = tmp_path / "calls.txt"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "CALLS": str(calls), "GAN_CI_UV": "", "GAN_CI_PARALLEL": "2",
           "GAN_CI_PIP_CACHE": str(tmp_path / "pip"), "GAN_CI_UV_CACHE": str(tmp_path / "uv")}
    env.pop("GAN_CI_EXECUTED_DIR", None)
    result = subprocess.run(["bash", str(ROOT / ".ci" / "run"), *jobs], capture_output=True,
                            text=True, timeout=300, env=env)
    return result, calls.read_text().splitlines()


@pytest.mark.slow
def test_site_job_waits_for_the_latest_job_and_builds_from_its_notebooks(tmp_path):
    """Started beside the latest job, the site job waits for it, then builds the website
    from the notebooks it kept (executing none) and runs the browser test on that site."""
    result, calls = _run_ci(tmp_path, "site", "latest")
    assert result.returncode == 0, result.stdout + result.stderr
    built = [call for call in calls if call.startswith("site built from ")]
    assert len(built) == 1 and built[0].endswith("/executed/latest"), calls
    executed_dir = built[0].removeprefix("site built from ").removesuffix("/latest")
    assert calls.index("latest done") < calls.index(built[0])  # it waited
    assert f"notebooks latest executed-dir={executed_dir}" in calls  # kept where site reads
    assert calls[-1] == f"site tested: {ROOT}/build/site/executed/html"
    assert "[site] build: " in result.stdout and "[site] tests/test_site.py: " in result.stdout


@pytest.mark.slow
def test_ci_runs_the_site_job_by_default_after_the_others(tmp_path):
    result, calls = _run_ci(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.split("===== summary", 1)[1].splitlines()
    rows = [m.groups() for m in map(re.compile(r"^(\w+) +(passed|FAILED)").match, summary) if m]
    assert rows == [(job, "passed") for job in
                    ("unit", "colab", "latest", "kaggle", "lowest", "gpu", "site")], summary
    assert "pytest tests/ executed-dir=unset" in calls  # the unit job leaves the site to its job
    assert any(call.startswith("site tested: ") for call in calls)


@pytest.mark.slow
def test_a_notebook_past_three_times_its_budget_fails_with_its_record(tmp_path):
    """A cell that sleeps far past the notebook's budget: past 2x the kernel's threads are
    recorded, past 3x the kernel is stopped and the notebook fails with its cells' message
    times; a notebook within its budget passes."""
    import nbformat

    stall, fine = tmp_path / "stall.ipynb", tmp_path / "fine.ipynb"
    for path, sources in ((stall, ["x = 1", "import time\ntime.sleep(600)"]),
                          (fine, ["x = 1"])):
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
        nbformat.write(notebook, path)
    fine_notebook = nbformat.read(fine, as_version=4)
    fine_notebook.metadata["ci"] = {"quick_budget_seconds": 300}
    nbformat.write(fine_notebook, fine)
    result = subprocess.run([sys.executable, str(ROOT / ".ci" / "execute_notebooks.py"),
                             "--budget-seconds", "5", str(stall), str(fine)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "FAILED stall.ipynb" in out and "ran past 3 x its quick-mode budget of 5 s" in out
    assert "PASSED fine.ipynb" in out and "1 passed, 1 failed: stall.ipynb" in out
    record = out.split("FAILED stall.ipynb", 1)[1].split("PASSED fine.ipynb", 1)[0]
    assert "cell 0: request_sent " in record and "execute_reply " in record
    assert "cell 1: request_sent " in record and "threads (id, name, state" in record
    assert out.count("kernel snapshot:") == 2
