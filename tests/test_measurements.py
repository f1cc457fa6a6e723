"""scripts/docs/write_measurements.py: the measurement record and the times it gives out."""

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SPEC = importlib.util.spec_from_file_location(
    "write_measurements", ROOT / "scripts" / "docs" / "write_measurements.py")
measurements = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(measurements)


def _run(tmp_path, name, date, minutes, forced=False, passed=True):
    run = {"kind": "full_size", "date_utc": date, "command": "python dev/run_full_size.py",
           "machine": {"accelerator": "CPU, 2 cores", "tensorflow": "2.21.0"},
           "precision": "float32", "precision_forced": forced, "commit": "abc1234",
           "notebooks": [{"name": "01_density_estimation", "passed": passed,
                          "minutes": minutes, "error": ""}]}
    (tmp_path / name).write_text(json.dumps(run))


def test_the_newest_passing_run_in_the_runtimes_own_precision_gives_the_time(tmp_path):
    _run(tmp_path, "a.json", "2026-12-01T00:00:00+00:00", 3.0)
    _run(tmp_path, "b.json", "2026-12-03T00:00:00+00:00", 9.0, forced=True)
    _run(tmp_path, "c.json", "2026-12-02T00:00:00+00:00", 1.2)
    _run(tmp_path, "d.json", "2026-12-04T00:00:00+00:00", 5.0, passed=False)
    runs = measurements.load_runs(tmp_path)
    assert [run["file"] for run in runs] == ["a.json", "c.json", "b.json", "d.json"]
    assert measurements.notebook_minutes(runs) == {"01": 1.2}


def test_a_run_without_its_provenance_is_refused(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"kind": "full_size", "date_utc": "x"}))
    with pytest.raises(ValueError, match="bad.json: a run record needs 'command'"):
        measurements.load_runs(tmp_path)


def test_times_are_spoken_in_whole_minutes_rounded_up():
    assert measurements.spoken_minutes(0.4) == "under 1 min"
    assert measurements.spoken_minutes(1.2) == "about 2 min"
    assert measurements.spoken_minutes(10.0) == "about 10 min"
    assert measurements.time_line(None) == (
        "**Time:** not measured yet on a 2-core CPU; on a Colab T4 GPU, not measured yet.")


def test_readme_cells_and_notebook_lines_are_rewritten(tmp_path):
    readme = "| 01 | <!--time:01-->old<!--/time--> |\n| 02 | <!--time:02-->x<!--/time--> |"
    assert measurements.update_readme(readme, {"01": 2.5}) == (
        "| 01 | <!--time:01-->about 3 min<!--/time--> |\n"
        "| 02 | <!--time:02-->not measured<!--/time--> |")
    path = tmp_path / "01_x.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_markdown_cell("Intro.\n\n**Time:** about 99 min.\n\nMore.")])
    nbformat.write(notebook, path)
    assert measurements.update_notebook(path, 0.5)
    assert nbformat.read(path, as_version=4).cells[1].source == (
        "Intro.\n\n**Time:** under 1 min on a 2-core CPU; on a Colab T4 GPU, not measured yet."
        "\n\nMore.")
    assert not measurements.update_notebook(path, 0.5)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T")]), path)
    with pytest.raises(ValueError, match="01_x.ipynb: no '\\*\\*Time:\\*\\*' line"):
        measurements.update_notebook(path, 0.5)


def test_the_record_names_command_machine_and_commit(tmp_path):
    _run(tmp_path, "a.json", "2026-12-01T00:00:00+00:00", 3.0)
    bench = tmp_path / "bench" / "speed.json"
    bench.parent.mkdir()
    bench.write_text(json.dumps({"what": "images per second", "date_utc": "2026-12-03T07:00",
                                 "machine": {"accelerator": "CPU"}, "speedup": 1.4765}))
    text = measurements.record(measurements.load_runs(tmp_path), [bench])
    assert "- command: `python dev/run_full_size.py`" in text
    assert "- commit: `abc1234`" in text
    assert "| 01_density_estimation | passed | 3.0 |" in text
    assert "- speedup: 1.48" in text and "- date: 2026-12-03" in text


def test_a_benchmark_with_runs_gets_a_table(tmp_path):
    bench = tmp_path / "step_costs.json"
    bench.write_text(json.dumps({"what": "FLOPs", "date_utc": "2026-12-07T18:00",
                                 "machine": {"accelerator": "none"},
                                 "runs": [{"notebook": "06", "gflops_per_step": 148.4321,
                                           "steps": 7050, "networks": [1, 2]}]}))
    text = measurements.benchmark_section(bench)
    assert "| notebook | gflops_per_step | steps |" in "\n".join(text)
    assert "| 06 | 148 | 7050 |" in text
