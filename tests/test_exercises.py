"""gan_utils.exercises: the checks the notebooks' exercises run."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from gan_utils import exercises


def test_check_says_right_wrong_and_unanswered(capsys):
    assert exercises.check("height", 12, 12)
    assert "height: ✅ right, 12" in capsys.readouterr().out
    assert not exercises.check("height", 11, 12, hint="write out the formula")
    out = capsys.readouterr().out
    assert "❌ not yet: you wrote 11. Hint: write out the formula" in out
    assert "False" not in out
    assert not exercises.check("height", None, 12)
    assert "not answered yet" in capsys.readouterr().out


@pytest.mark.parametrize("yours, expected", [
    (11, 4217), (0.5, 0.1234), ("no", "projection"), ((4, 9), (7, 2)),
    ([[1, 2], [3, 4]], np.array([[5.5, 6.5], [7.5, 8.5]]))])
def test_a_wrong_answer_never_shows_the_expected_value(capsys, yours, expected):
    """A wrong answer prints what was written and a hint, never the answer itself."""
    assert not exercises.check("q", yours, expected, hint="think again")
    out = capsys.readouterr().out
    for shown in {repr(expected), str(expected), *map(str, np.ravel(expected))}:
        assert shown not in out, (shown, out)
    assert exercises.check("q", expected, expected)   # a right answer may show it
    assert repr(expected) in capsys.readouterr().out


def test_check_compares_numbers_arrays_and_strings():
    assert exercises.check("ratio", 19.5, 19.0, tolerance=0.05)
    assert not exercises.check("ratio", 21.0, 19.0, tolerance=0.05)
    assert exercises.check("ratio", 19, 19.0)
    assert exercises.check("matrix", [[-4, -6], [-7, -2]], np.array([[-4., -6.], [-7., -2.]]))
    assert not exercises.check("matrix", [[-4, -6], [-6, -2]], np.array([[-4, -6], [-7, -2]]))
    assert not exercises.check("matrix", [-4, -6, -7, -2], np.array([[-4, -6], [-7, -2]]))
    assert exercises.check("which loss", " Non-saturating", "non-saturating")
    assert not exercises.check("which loss", 3, "non-saturating")
    assert not exercises.check("flag", 1, True)
    assert exercises.check("flag", False, False)


def test_check_that_reports_what_was_tested(capsys):
    assert exercises.check_that("your step", True, "same weights as the engine's step")
    assert "your step: ✅ right: same weights" in capsys.readouterr().out
    assert not exercises.check_that("your step", False, "same weights as the engine's step")


# ------------------------------------------------------------------ the notebooks' exercises

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
HEADING = re.compile(r"^### Exercise (\d+) · \S", re.M)
DETAILS = re.compile(r"<details>\s*<summary>Answer</summary>.*?</details>", re.S)
OLD_STYLE_ITEM = re.compile(r"^\s*\d+\.\s+\*\*", re.M)   # "1. **Title.** ..." as a list item
CHECK_CALL = re.compile(r"\bexercises\.check(_that)?\(")


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def exercise_problems(cells: list[dict]) -> list[str]:
    """What is wrong with a notebook's exercises, as sentences (empty: nothing).

    The convention: a markdown '## Exercises' section; every exercise (there, or one set
    inside the lesson, such as notebook 03's slide errata) is a markdown cell headed
    '### Exercise N · title' (N = 1, 2, ... through the notebook), holding its answer in a collapsed
    <details><summary>Answer</summary> block, and followed by a code cell that calls
    exercises.check or exercises.check_that. Outside the answers, a numbered bold item
    ('1. **Title.**') is an exercise written the old way, without a check.
    """
    start = next((i for i, cell in enumerate(cells) if cell["cell_type"] == "markdown"
                  and re.search(r"^## .*Exercises", _text(cell), re.M)), None)
    if start is None:
        return ["no '## Exercises' section"]
    problems, numbers = [], []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        text = _text(cell)
        if i >= start and OLD_STYLE_ITEM.search(DETAILS.sub("", text)):
            problems.append(f"cell {i}: a numbered exercise not headed '### Exercise N · title'")
        headings = HEADING.findall(text)
        if not headings:
            continue
        number = int(headings[0])
        numbers.append(number)
        if len(headings) > 1:
            problems.append(f"cell {i}: exercises {headings} share one cell")
        if not DETAILS.search(text):
            problems.append(f"Exercise {number}: no <details><summary>Answer</summary>"
                            " ... </details> block")
        following = cells[i + 1] if i + 1 < len(cells) else None
        if following is None or following["cell_type"] != "code":
            problems.append(f"Exercise {number}: no code cell follows it")
        elif not CHECK_CALL.search(_text(following)):
            problems.append(f"Exercise {number}: the next cell runs no exercises.check"
                            " or exercises.check_that")
    if not numbers:
        problems.append("no '### Exercise N · title' in the notebook")
    elif numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"exercises numbered {', '.join(map(str, numbers))}, not 1, 2, ...")
    return problems


def _cell(kind: str, source: str) -> dict:
    return {"cell_type": kind, "source": source}


def _exercise(number: int, title: str = "a title", answer: bool = True) -> dict:
    details = "\n\n<details><summary>Answer</summary>\n\nBecause.\n</details>" if answer else ""
    return _cell("markdown", f"### Exercise {number} · {title}\n\nA question?{details}")


CHECKED = _cell("code", "answer_1 = None\nexercises.check('q', answer_1, 2 + 2)")


def test_scan_accepts_exercises_that_follow_the_convention():
    cells = [_cell("markdown", "## Exercises\n\nRerun from the parameters cell."),
             _exercise(1), CHECKED, _exercise(2),
             _cell("code", "exercises.check_that('q', ok, 'why')"),
             _cell("markdown", "### Exercise 3 · with a list in its answer\n\n"
                               "<details><summary>Answer</summary>\n\n"
                               "1. **first** 2. **second**\n</details>"),
             CHECKED]
    assert exercise_problems(cells) == []
    in_the_lesson = [_cell("markdown", "## 1. A lesson"), _exercise(1), CHECKED,
                     _cell("markdown", "## Exercises"), _exercise(2), CHECKED]
    assert exercise_problems(in_the_lesson) == []
    unchecked_in_the_lesson = [_cell("markdown", "## 1. A lesson"), _exercise(1),
                               _cell("code", "print(1)"), _cell("markdown", "## Exercises"),
                               _exercise(2), CHECKED]
    assert "Exercise 1: the next cell runs no" in exercise_problems(unchecked_in_the_lesson)[0]


def test_scan_finds_each_kind_of_unchecked_exercise():
    intro = _cell("markdown", "## Exercises")
    assert exercise_problems([_cell("markdown", "# no exercises")]) == ["no '## Exercises' section"]
    assert exercise_problems([intro]) == ["no '### Exercise N · title' in the notebook"]
    assert "Exercise 1: the next cell runs no exercises.check" in exercise_problems(
        [intro, _exercise(1), _cell("code", "print(2 + 2)")])[0]
    assert "Exercise 1: no code cell" in exercise_problems([intro, _exercise(1)])[0]
    assert "Exercise 1: no <details><summary>Answer</summary>" in exercise_problems(
        [intro, _exercise(1, answer=False), CHECKED])[0]
    assert "numbered 1, 3" in exercise_problems(
        [intro, _exercise(1), CHECKED, _exercise(3), CHECKED])[0]
    old_style = _cell("markdown", "## Exercises\n\n1. **Change the hidden size.** How...")
    assert "not headed '### Exercise N · title'" in exercise_problems(
        [old_style, _exercise(1), CHECKED])[0]
    assert "not headed" in exercise_problems(
        [intro, _exercise(1), CHECKED, _cell("markdown", "2. **Another one.** Try...")])[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_every_exercise_has_an_answer_and_a_check(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert exercise_problems(cells) == [], path.name
