"""The CI's notebook runner (.ci/execute_notebooks.py): each notebook alone, failures named."""

import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def write_notebook(path: Path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)


def test_runner_runs_each_notebook_alone_and_names_the_failing_cell(tmp_path):
    setup = ("# Setup (the same in every notebook)\nimport os, sys\n"
             "print('chatter', file=sys.__stderr__)\nprint('folder:', sorted(os.listdir('.')))")
    write_notebook(tmp_path / "01_fails.ipynb", setup, "x = 1\n1 / 0", "print('never')")
    write_notebook(tmp_path / "02_passes.ipynb", setup,
                   "assert os.listdir('.') == ['02_passes.ipynb'], os.listdir('.')")
    result = subprocess.run([sys.executable, str(ROOT / ".ci" / "execute_notebooks.py"),
                             str(tmp_path / "01_fails.ipynb"), str(tmp_path / "02_passes.ipynb")],
                            capture_output=True, text=True, timeout=300)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(line.startswith("FAILED 01_fails.ipynb") and
               line.endswith("folder: ['01_fails.ipynb']") for line in lines), lines
    assert "   at code cell 2: x = 1" in lines
    assert "   ZeroDivisionError: division by zero" in lines
    assert any(line.startswith("PASSED 02_passes.ipynb") for line in lines), lines
    assert lines[-1] == "1 passed, 1 failed: 01_fails.ipynb"
    assert "chatter" not in result.stdout + result.stderr  # the kernel's own output is logged
