"""Checks for the notebooks' exercises: each one says right or wrong, and why.

Every exercise in a course notebook is a markdown cell headed ``### Exercise N · title``,
with the reasoning in a collapsed ``<details><summary>Answer</summary>`` block, followed
by a code cell in which the learner writes an answer (in place of ``None``) or some code,
and runs a check from this module. The expected value is computed in that cell (by Keras,
by the notebook's own functions), never typed in, so a check cannot drift from the lesson.

    answer_1 = None
    exercises.check("output height", answer_1,
                    keras.layers.Conv2D(64, 5, strides=2).compute_output_shape((1, 28, 28, 1))[1])

``tests/test_exercises.py`` scans the notebooks for exercises without a check.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

RIGHT, WRONG, OPEN = "✅ right", "❌ not yet", "✏️ not answered yet"


def _matches(yours: Any, expected: Any, tolerance: float) -> bool:
    """Whether an answer equals the expected value: numbers within a relative tolerance,
    arrays and sequences element by element, strings ignoring case and outer spaces."""
    if isinstance(expected, str):
        return isinstance(yours, str) and yours.strip().lower() == expected.strip().lower()
    if isinstance(expected, bool) or isinstance(yours, bool):
        return type(yours) is type(expected) and yours == expected
    if isinstance(expected, (np.ndarray, Sequence)) or isinstance(yours, (np.ndarray, Sequence)):
        try:
            yours_array, expected_array = np.asarray(yours, float), np.asarray(expected, float)
        except (TypeError, ValueError):
            return False
        return (yours_array.shape == expected_array.shape
                and np.allclose(yours_array, expected_array, rtol=tolerance, atol=0.0))
    try:
        return math.isclose(float(yours), float(expected), rel_tol=tolerance, abs_tol=0.0)
    except (TypeError, ValueError):
        return False


def check(question: str, yours: Any, expected: Any, *, tolerance: float = 0.0,
          hint: str | None = None) -> bool:
    """Compare a predicted value with the true one and say which it is.

    ``tolerance`` is relative (0.01 accepts 1% off) and applies to numbers and arrays.
    ``hint`` is printed after a wrong answer. Returns whether the answer is right, so a
    test can run the exercise cells with the answers filled in.
    """
    if yours is None:
        print(f"{question}: {OPEN} (write your answer in place of None and run the cell)")
        return False
    if _matches(yours, expected, tolerance):
        print(f"{question}: {RIGHT}, {expected!r}")
        return True
    advice = f" Hint: {hint}" if hint else " Open the answer below the question for the reasoning."
    print(f"{question}: {WRONG}: you wrote {yours!r}.{advice}")
    return False


def check_that(question: str, ok: bool, why: str) -> bool:
    """For exercises whose answer is code or a measurement: ``ok`` is the learner's result
    tested in the cell, ``why`` says what was tested (printed either way)."""
    print(f"{question}: {RIGHT if ok else WRONG}: {why}")
    return bool(ok)
