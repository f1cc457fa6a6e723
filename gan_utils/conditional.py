"""Notebook 10: is the digit a conditional generator draws the digit it was asked for?

A confusion matrix C counts the digits asked as i and read (by a classifier) as j. Its
rows sum to the requests by construction; what can go wrong is the diagonal, overall and
digit by digit.
"""

from __future__ import annotations

import numpy as np


def confusion_problems(matrix, per_class: int, min_share: float) -> list[str]:
    """What is wrong with a confusion matrix of ``per_class`` requests of each digit, as
    sentences (empty: nothing): its shape, negative or non-integer counts, rows that do
    not sum to the requests, and every digit read as asked in under ``min_share`` of its
    requests (a generator that draws a 3 whenever asked for a 5 still scores 90%)."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        return [f"shape {matrix.shape}, expected a square matrix"]
    problems = []
    if (matrix < 0).any() or not np.issubdtype(matrix.dtype, np.integer):
        problems.append("counts must be non-negative integers")
    if not (matrix.sum(axis=1) == per_class).all():
        problems.append(f"rows sum to {matrix.sum(axis=1).tolist()}, "
                        f"not {per_class} requests each")
    for digit in np.flatnonzero(np.diag(matrix) < min_share * per_class):
        problems.append(f"digit {digit} read as asked {matrix[digit, digit]} times in "
                        f"{per_class}, under {min_share:.0%}")
    return problems
