"""Argument checks shared by the modules, so that they agree (plumbing, not a lesson).

Every count the course takes (latent sizes, filters, batch sizes, steps...) is checked
here, the same way: a Python or NumPy integer, not a bool (``True`` is an ``int`` in
Python, and ``latent_dim=True`` is a mistake, not a 1), at least ``minimum``. The error
names the argument and what was expected.
"""

from __future__ import annotations

import numpy as np


def positive_int(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int, or a ValueError naming ``name`` when it is not an integer >= minimum."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        what = ("a positive integer" if minimum == 1 else "a non-negative integer"
                if minimum == 0 else f"an integer >= {minimum}")
        raise ValueError(f"{name}={value!r}: expected {what}")
    return int(value)
