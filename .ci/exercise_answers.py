"""Try each exercise's stored right and wrong answers while a notebook executes.

Every exercise check cell carries, in its metadata, the right answer and at least one
plausible wrong one, as Python expressions over the notebook's namespace at that cell::

    cell.metadata["exercise"] = {"right": {"answer_1": "12"},
                                 "wrong": [{"answer_1": "13"}, {"answer_1": "24"}]}

:func:`inject` puts after each such cell a cell that re-runs its source once per entry,
with each line ``answer_k = None`` replaced by ``answer_k = <expr>``, while
``gan_utils.exercises.check`` and ``check_that`` are wrapped to record what they return.
With the right answer every call must return True; with each wrong entry at least one
must return False. Otherwise the injected cell raises an AssertionError naming the
exercise and the answer, and the notebook fails. The trials restore the names and the
global NumPy and ``random`` states they found (not TensorFlow's random state, nor objects
a check cell changes in place); :func:`remove_injected` takes the injected cells out again
before the executed notebook is saved.

:func:`static_problems` checks the convention without a kernel. Only the standard library
and nbformat are used: CI runs this under the Python of the environment under test.
"""

from __future__ import annotations

import re
import uuid

import nbformat

MARK = "exercise_trial"  # metadata key of an injected cell
HEADING = re.compile(r"^### (Exercise \d+ · .*)$", re.M)
CHECK_CALL = re.compile(r"\bexercises\.check(_that)?\(")


def answer_line(name: str) -> re.Pattern:
    """The learner's answer line for ``name``: ``name = None``, at the start of a line,
    with an optional comment."""
    return re.compile(rf"^{re.escape(name)}[ \t]*=[ \t]*None[ \t]*(#.*)?$", re.M)


def substitute(source: str, answers: dict[str, str]) -> str:
    """``source`` with each ``name = None`` line replaced by ``name = (<expr>)``."""
    for name, expression in answers.items():
        pattern = answer_line(name)
        if len(pattern.findall(source)) != 1:
            raise ValueError(f"{name!r}: expected exactly one line '{name} = None' in the "
                             "check cell")
        source = pattern.sub(lambda _, n=name, e=expression: f"{n} = ({e})", source)
    return source


def exercise_title(cells: list, index: int) -> str:
    """'Exercise N · title' of the markdown cell before cell ``index`` (else its id)."""
    if index > 0 and cells[index - 1].cell_type == "markdown":
        found = HEADING.search(cells[index - 1].source)
        if found:
            return found.group(1).strip()
    return f"the exercise in cell {cells[index].get('id', index)}"


def check_cells(nb) -> list[int]:
    """Indices of the exercise check cells: the code cell after each '### Exercise N ·'
    heading, and any code cell that carries exercise metadata."""
    found = []
    for i, cell in enumerate(nb.cells):
        after_heading = (i > 0 and nb.cells[i - 1].cell_type == "markdown"
                         and HEADING.search(nb.cells[i - 1].source))
        if cell.cell_type == "code" and (after_heading or "exercise" in cell.metadata):
            found.append(i)
    return found


def prints_an_expected_value(source: str) -> bool:
    """Whether a cell prints something computed by ``solutions``: a print whose line calls
    it, or names a variable assigned from it."""
    expected = {match.group(1) for match in
                re.finditer(r"^\s*(\w+)\s*=[^\n]*\bsolutions\.", source, re.M)}
    for line in re.findall(r"\bprint\(.*", source):
        if "solutions." in line or any(re.search(rf"\b{name}\b", line) for name in expected):
            return True
    return False


def static_problems(nb) -> list[str]:
    """What breaks the exercise convention in a notebook, without running it (empty:
    nothing): metadata with a "right" answer and at least one "wrong" one on every check
    cell, one ``name = None`` line per answer named there, and no print in a check cell of
    an expected value (anything from ``solutions``, directly or through a name bound to
    it): the check prints what it needs, and the learner may see the data a question
    gives."""
    problems = []
    for i in check_cells(nb):
        cell, title = nb.cells[i], exercise_title(nb.cells, i)
        spec = cell.metadata.get("exercise")
        if not isinstance(spec, dict):
            problems.append(f"{title}: no metadata['exercise'] with right and wrong answers")
            continue
        right, wrong = spec.get("right"), spec.get("wrong")
        if not isinstance(right, dict) or not right:
            problems.append(f"{title}: metadata['exercise']['right'] is not a non-empty dict")
            right = {}
        if not isinstance(wrong, list) or not wrong or not all(
                isinstance(entry, dict) and entry for entry in wrong):
            problems.append(f"{title}: metadata['exercise']['wrong'] is not a list of "
                            "one or more non-empty dicts")
            wrong = []
        for entry in [right, *wrong]:
            for name, expression in entry.items():
                if not isinstance(expression, str):
                    problems.append(f"{title}: {name}'s answer {expression!r} is not a "
                                    "Python expression in a string")
                if len(answer_line(name).findall(cell.source)) != 1:
                    problems.append(f"{title}: no single line '{name} = None' for {name}")
        if prints_an_expected_value(cell.source):
            problems.append(f"{title}: the check cell prints an expected value")
        if not CHECK_CALL.search(cell.source):
            problems.append(f"{title}: the check cell calls no exercises.check or "
                            "exercises.check_that")
    return problems


# The code of every injected cell: a function that runs the variants of one check cell in
# the kernel's namespace, recording what exercises.check / check_that return.
RUNNER = r'''
def _try_exercise_answers(title, variants):
    import contextlib, io, random
    import numpy as _np
    from gan_utils import exercises as _exercises

    namespace = get_ipython().user_ns
    saved = dict(namespace)
    states = (random.getstate(), _np.random.get_state())
    originals = _exercises.check, _exercises.check_that
    calls = []

    def recorded(function):
        def wrapper(question, *args, **kwargs):
            result = function(question, *args, **kwargs)
            calls.append((question, result))
            return result
        return wrapper

    failures = []
    _exercises.check, _exercises.check_that = map(recorded, originals)
    try:
        for kind, answers, source in variants:
            calls.clear()
            shown = ", ".join(f"{name} = {expr}" for name, expr in answers.items())
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(source, f"<{title}: {kind} answer>", "exec"), namespace)
            except Exception as error:
                failures.append(f"the {kind} answer {shown} raised "
                                f"{type(error).__name__}: {error}")
                continue
            if not calls:
                failures.append(f"with the {kind} answer {shown}, no exercises.check "
                                "or check_that was called")
            elif kind == "right" and not all(ok for _, ok in calls):
                rejected = [question for question, ok in calls if not ok]
                failures.append(f"the right answer {shown} was rejected by {rejected}")
            elif kind == "wrong" and all(ok for _, ok in calls):
                failures.append(f"the wrong answer {shown} was accepted by "
                                f"{[question for question, _ in calls]}")
    finally:
        _exercises.check, _exercises.check_that = originals
        namespace.clear()
        namespace.update(saved)
        random.setstate(states[0])
        _np.random.set_state(states[1])
    if failures:
        raise AssertionError(f"{title}: " + "; ".join(failures))
    print(f"{title}: the right answer passes, {len(variants) - 1} wrong one(s) rejected")
'''


def trial_source(title: str, source: str, spec: dict) -> str:
    """The injected cell's code for one check cell."""
    variants = [("right", spec["right"], substitute(source, spec["right"]))]
    variants += [("wrong", entry, substitute(source, entry)) for entry in spec["wrong"]]
    return f"# {MARK}\n{RUNNER.strip()}\n\n\n_try_exercise_answers({title!r}, {variants!r})\n"


def inject(nb) -> int:
    """Put a trial cell after every check cell with exercise metadata, in place; returns
    how many were injected."""
    count, cells = 0, []
    for i, cell in enumerate(nb.cells):
        cells.append(cell)
        spec = cell.metadata.get("exercise") if cell.cell_type == "code" else None
        if spec:
            trial = nbformat.v4.new_code_cell(
                trial_source(exercise_title(nb.cells, i), cell.source, spec))
            trial.id = f"{MARK}-{uuid.uuid4().hex[:8]}"
            trial.metadata[MARK] = True
            cells.append(trial)
            count += 1
    nb.cells = cells
    return count


def is_injected(cell) -> bool:
    return bool(cell.get("metadata", {}).get(MARK))


def remove_injected(nb) -> None:
    """Take the injected trial cells out again, in place, and number the executed code
    cells 1, 2, ... as a run without them would have."""
    nb.cells = [cell for cell in nb.cells if not is_injected(cell)]
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for output in cell.get("outputs", []):
                if "execution_count" in output:
                    output["execution_count"] = count
