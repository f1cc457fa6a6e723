"""dev/run_full_size.py: picks notebooks, runs them at full size, reports pass/fail."""

import os
from pathlib import Path

import nbformat
import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
run_full_size = load_script("dev/run_full_size.py")


def _notebook(folder: Path, name: str, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    path = folder / name
    nbformat.write(notebook, path)
    return path


def test_pick_notebooks_by_number(tmp_path):
    for name in ("01_a.ipynb", "02_b.ipynb", "10_c.ipynb"):
        _notebook(tmp_path, name, "1")
    names = [p.name for p in run_full_size.pick_notebooks(None, tmp_path)]
    assert names == ["01_a.ipynb", "02_b.ipynb", "10_c.ipynb"]
    assert [p.name for p in run_full_size.pick_notebooks(["10", "1"], tmp_path)] == \
        ["01_a.ipynb", "10_c.ipynb"]
    with pytest.raises(SystemExit, match="--only 07: no such notebook"):
        run_full_size.pick_notebooks(["07"], tmp_path)


def test_environment_is_full_size_and_uses_this_checkout(monkeypatch):
    monkeypatch.setenv("GAN_UTILS_QUICK", "1")
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = run_full_size.full_size_environment("/data")
    assert env["GAN_UTILS_QUICK"] == "0" and env["GAN_UTILS_DATA"] == "/data"
    assert env["PYTHONPATH"].split(":")[:2] == [str(ROOT), "/elsewhere"]


def test_environment_keeps_figures_and_adds_widget_pictures_for_the_site(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")           # with Agg a kernel shows no figure
    monkeypatch.delenv("GAN_UTILS_STATIC_SITE", raising=False)
    plain = run_full_size.full_size_environment(None)
    site = run_full_size.full_size_environment(None, for_site=True)
    assert "MPLBACKEND" not in plain and "MPLBACKEND" not in site
    assert "GAN_UTILS_STATIC_SITE" not in plain and site["GAN_UTILS_STATIC_SITE"] == "1"


def test_a_passing_and_a_failing_notebook(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_UTILS_QUICK", "0")
    (tmp_path / "executed").mkdir()
    good = _notebook(tmp_path, "01_good.ipynb",
                     "import os\nfrom pathlib import Path\n"
                     "assert os.environ['GAN_UTILS_QUICK'] == '0'\n"
                     "Path('written_here').write_text('x')")
    bad = _notebook(tmp_path, "02_bad.ipynb", "x = 1", "assert x == 2, 'a planted failure'",
                    "print('never runs')")
    results = [run_full_size.run_notebook(path, tmp_path, cell_timeout=120)
               for path in (good, bad)]
    assert [r.passed for r in results] == [True, False]
    assert (tmp_path / "written_here").exists()          # the notebooks run in the workdir
    assert "AssertionError: a planted failure" in results[1].error
    executed = nbformat.read(tmp_path / "executed" / "02_bad.ipynb", as_version=4)
    assert executed.cells[1].outputs and not executed.cells[2].outputs
    lines = run_full_size.report(results).splitlines()
    assert lines[0].startswith("01_good  PASS") and lines[1].startswith("02_bad   FAIL")
    assert lines[-1].startswith("1 passed, 1 failed")


def test_main_passes_the_callers_variables_to_the_kernels(tmp_path, monkeypatch):
    """GAN_UTILS_PRECISION=float32 (or PATH, HOME) set by the caller reaches every notebook.

    main() once cleared the environment before reading it, so the kernels ran with four
    variables only and a float32 run silently ran in the hardware's default precision.
    """
    seen = {}

    def record(path, workdir, cell_timeout):
        seen.update(os.environ)
        return run_full_size.Result(path.stem, True, 0.0)

    monkeypatch.setattr(run_full_size, "run_notebook", record)
    monkeypatch.setattr(run_full_size, "describe_machine",
                        lambda: {"accelerator": "test machine", "precision": "float32"})
    monkeypatch.setenv("GAN_UTILS_PRECISION", "float32")
    monkeypatch.setenv("GAN_UTILS_QUICK", "1")
    before = dict(os.environ)
    try:
        assert run_full_size.main(["--only", "02", "--workdir", str(tmp_path), "--data-dir",
                                   "/d"]) == 0
    finally:                                  # main() replaces this process's environment
        os.environ.clear()
        os.environ.update(before)
    assert seen["GAN_UTILS_PRECISION"] == "float32" and seen["GAN_UTILS_QUICK"] == "0"
    assert seen["PATH"] == before["PATH"] and seen["GAN_UTILS_DATA"] == "/d"
