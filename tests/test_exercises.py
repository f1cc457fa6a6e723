"""gan_utils.exercises: the checks the notebooks' exercises run."""

import numpy as np

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
