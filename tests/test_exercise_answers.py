"""The exercise convention: every check cell stores a right and a plausible wrong answer
(.ci/exercise_answers.py), statically for every notebook, and in a kernel on tiny
notebooks through .ci/execute_notebooks.py --check-exercises."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
exercise_answers = load_script(".ci/exercise_answers.py")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK = ("answer_1 = None   # a number\n"
         "exercises.check('twice three', answer_1, 2 * 3)")
SPEC = {"right": {"answer_1": "6"}, "wrong": [{"answer_1": "5"}, {"answer_1": "'six'"}]}


def notebook(check_source: str = CHECK, spec: dict | None = SPEC, heading: bool = True):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    check = nbformat.v4.new_code_cell(check_source)
    if spec is not None:
        check.metadata["exercise"] = spec
    nb.cells = [nbformat.v4.new_code_cell("from gan_utils import exercises\nx = 1"),
                nbformat.v4.new_markdown_cell("## Exercises\n\n### Exercise 1 · Twice three"
                                              if heading else "Some text"),
                check, nbformat.v4.new_code_cell("print(x + 1)")]
    return nb


def test_substitute_replaces_only_the_answer_lines():
    source = "a = None  # a number\nb = None\nprint(a, b)\nc = None or 2"
    assert exercise_answers.substitute(source, {"a": "1 + 1", "b": "'x'"}) == (
        "a = (1 + 1)\nb = ('x')\nprint(a, b)\nc = None or 2")
    with pytest.raises(ValueError, match="'c': expected exactly one line 'c = None'"):
        exercise_answers.substitute(source, {"c": "3"})
    with pytest.raises(ValueError, match="'d'"):
        exercise_answers.substitute(source, {"d": "3"})


def test_static_check_accepts_the_convention_and_names_each_fault():
    assert exercise_answers.static_problems(notebook()) == []
    assert exercise_answers.static_problems(notebook(spec=None)) == [
        "Exercise 1 · Twice three: no metadata['exercise'] with right and wrong answers"]
    assert exercise_answers.static_problems(notebook(spec={"right": {"answer_1": "6"}})) == [
        "Exercise 1 · Twice three: metadata['exercise']['wrong'] is not a list of one or "
        "more non-empty dicts"]
    assert exercise_answers.static_problems(notebook(spec={"right": {}, "wrong": [
        {"answer_1": "5"}]})) == [
        "Exercise 1 · Twice three: metadata['exercise']['right'] is not a non-empty dict"]
    assert exercise_answers.static_problems(notebook(spec={"right": {"answer_2": "6"},
                                                           "wrong": [{"answer_1": "5"}]})) == [
        "Exercise 1 · Twice three: no single line 'answer_2 = None' for answer_2"]
    shows = CHECK + "\nprint('expected', solutions.twice(3))"
    assert exercise_answers.static_problems(notebook(shows)) == [
        "Exercise 1 · Twice three: the check cell prints an expected value"]
    bound = CHECK + "\nwant = solutions.twice(3)\nprint(f'{want}')"
    assert exercise_answers.static_problems(notebook(bound)) == [
        "Exercise 1 · Twice three: the check cell prints an expected value"]
    given = "print('D(G(z)) =', 0.25)\n" + CHECK   # the data a question gives may show
    assert exercise_answers.static_problems(notebook(given)) == []
    assert exercise_answers.static_problems(notebook("answer_1 = None\nassert True")) == [
        "Exercise 1 · Twice three: the check cell calls no exercises.check or "
        "exercises.check_that"]
    # a cell with exercise metadata but no heading before it is still a check cell
    assert exercise_answers.static_problems(notebook(heading=False)) == []


def test_inject_puts_a_trial_after_each_check_cell_and_remove_takes_it_out():
    nb = notebook()
    ids = [cell.id for cell in nb.cells]
    assert exercise_answers.inject(nb) == 1
    assert len(nb.cells) == 5 and exercise_answers.is_injected(nb.cells[3])
    trial = nb.cells[3].source
    assert "'Exercise 1 · Twice three'" in trial and "answer_1 = (6)" in trial
    assert "answer_1 = (5)" in trial and "answer_1 = ('six')" in trial
    for count, cell in enumerate(cell for cell in nb.cells if cell.cell_type == "code"):
        cell.execution_count = 10 + count     # as a run with the trial numbers them
    exercise_answers.remove_injected(nb)
    assert [cell.id for cell in nb.cells] == ids
    assert [cell.execution_count for cell in nb.cells if cell.cell_type == "code"] == [1, 2, 3]


def run(tmp_path: Path, nb, name: str = "01_exercise.ipynb") -> tuple[int, str, Path]:
    path = tmp_path / name
    nbformat.write(nb, path)
    executed = tmp_path / "executed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, str(ROOT / ".ci" / "execute_notebooks.py"),
                             "--check-exercises", "--executed-dir", str(executed), str(path)],
                            capture_output=True, text=True, timeout=600, env=env)
    return result.returncode, result.stdout + result.stderr, executed


def test_a_right_answer_accepted_and_wrong_ones_rejected_pass(tmp_path):
    status, output, executed = run(tmp_path, notebook())
    assert status == 0, output
    kept = nbformat.read(executed / "01_exercise.ipynb", as_version=4)
    assert len(kept.cells) == 4
    assert not any(exercise_answers.is_injected(cell) for cell in kept.cells)
    assert kept.cells[3].outputs[0]["text"] == "2\n"          # the trials left x alone
    assert [cell.execution_count for cell in kept.cells if cell.cell_type == "code"] == [
        1, 2, 3]


def test_a_wrong_answer_accepted_fails_the_notebook_and_is_named(tmp_path):
    lenient = ("answer_1 = None   # a number\n"
               "exercises.check_that('twice three', answer_1 is not None and answer_1 > 5, "
               "'more than 5')")
    status, output, executed = run(tmp_path, notebook(lenient, {
        "right": {"answer_1": "6"}, "wrong": [{"answer_1": "5"}, {"answer_1": "7"}]}))
    assert status == 1, output
    assert "at the exercise answers tried after code cell 2" in output
    assert ("AssertionError: Exercise 1 · Twice three: the wrong answer answer_1 = 7 was "
            "accepted by ['twice three']") in output
    kept = nbformat.read(executed / "failed" / "01_exercise.ipynb", as_version=4)
    assert not any(exercise_answers.is_injected(cell) for cell in kept.cells)


def test_a_right_answer_rejected_fails_the_notebook(tmp_path):
    status, output, _ = run(tmp_path, notebook(spec={"right": {"answer_1": "7"},
                                                     "wrong": [{"answer_1": "5"}]}))
    assert status == 1, output
    assert ("Exercise 1 · Twice three: the right answer answer_1 = 7 was rejected by "
            "['twice three']") in output


def test_without_the_option_the_answers_are_not_tried(tmp_path):
    path = tmp_path / "01_exercise.ipynb"
    nbformat.write(notebook(spec={"right": {"answer_1": "7"}, "wrong": [{"answer_1": "6"}]}),
                   path)
    result = subprocess.run([sys.executable, str(ROOT / ".ci" / "execute_notebooks.py"),
                             str(path)], capture_output=True, text=True, timeout=600,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_every_exercise_stores_right_and_wrong_answers(path):
    nb = nbformat.read(path, as_version=4)
    assert exercise_answers.static_problems(nb) == [], path.name
