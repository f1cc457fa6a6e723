"""unclear_digits.py: unclear digits between two classes, and along latent paths."""

import numpy as np
import pytest
import unclear_digits


def _ten(*first):
    """A probability row over ten classes that starts with ``first`` (the rest zero)."""
    return list(first) + [0.0] * (10 - len(first))


def test_between_two_classes_by_hand():
    probabilities = np.array([_ten(0.95, 0.05),          # clear
                              _ten(0.6, 0.35, 0.05),     # unclear, between 0 and 1 (0.95)
                              _ten(0.4, 0.3, 0.3)])      # unclear, spread over three (0.7)
    assert unclear_digits.between_two_classes(probabilities) == {
        "share_unclear": round(2 / 3, 4), "unclear_between_two_classes": 0.5}
    clear_only = unclear_digits.between_two_classes(np.array([_ten(1.0)]))
    assert clear_only == {"share_unclear": 0.0, "unclear_between_two_classes": None}


def test_path_pairs_are_of_the_kind_asked():
    classes = np.array([0, 0, 1, 1, 2])
    rng = np.random.default_rng(0)
    same = unclear_digits.path_pairs(classes, np.arange(5), 20, True, rng)
    different = unclear_digits.path_pairs(classes, np.arange(5), 20, False, rng)
    assert all(classes[a] == classes[b] and a != b for a, b in same)
    assert all(classes[a] != classes[b] for a, b in different) and len(different) == 20
    with pytest.raises(ValueError, match="different class"):     # all clear digits are 0s
        unclear_digits.path_pairs(classes, np.array([0, 1]), 1, False, rng)
    with pytest.raises(ValueError, match="one class"):           # one digit of each class
        unclear_digits.path_pairs(classes, np.array([0, 2, 4]), 1, True, rng)


class _FirstCoordinate:
    """A stand-in generator: the 'image' is z's first coordinate."""

    def predict(self, z, batch_size=None, verbose=0):
        return np.asarray(z, np.float32)[:, :1]


def test_unclear_share_along_a_slerp_path_by_hand(monkeypatch):
    """From z = (1, 1) to (-1, 1) the slerp point is sqrt(2)(cos a, sin a), a from pi/4 to
    3pi/4. The stand-in classifier reads class 0 with probability (x + 1) / 2 for x the
    first coordinate, so a point is unclear (top below 0.9) when |x| < 0.8, i.e.
    |cos a| < 0.8 / sqrt(2): a in (0.9695, 2.1721), t = (a - pi/4) / (pi/2) in
    (0.1172, 0.8828): of t = 0, 1/20, ..., 1 the points k = 3 to 17, 15 of 21."""
    def classify(images):
        p0 = np.clip((np.asarray(images)[:, 0] + 1) / 2, 0, 1)
        return np.array([_ten(p, 1 - p) for p in p0])

    monkeypatch.setattr(unclear_digits.metrics, "classify", classify)
    z = np.array([[1.0, 1.0], [-1.0, 1.0]], np.float32)
    shares = unclear_digits.unclear_along_paths(_FirstCoordinate(), z, [(0, 1), (0, 0)])
    np.testing.assert_allclose(shares, [15 / 21, 0.0])


def test_bad_arguments_name_themselves(tmp_path, capsys):
    with pytest.raises(SystemExit):
        unclear_digits.main(["--generator", str(tmp_path / "missing")])
    assert "missing: no such folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        unclear_digits.main(["--pairs", "0"])
    assert "--pairs at least 1" in capsys.readouterr().err


def test_a_recipe_trials_saved_generator_is_measured(tmp_path, monkeypatch, capsys):
    """--generator FILE.keras (try_mnist_recipes.py --save) loads the trial's G, code
    prior and all, and measures that one; a missing file is refused by name."""
    from gan_utils import models, weights

    saved = tmp_path / "trial.keras"
    with weights.dtype_policy("float32"):
        models.info_dcgan_mnist_generator(100, 4, (8, 8, 8)).save(saved)
    measured = []
    monkeypatch.setattr(unclear_digits, "measure",
                        lambda generator, samples, pairs: measured.append(generator) or {})
    assert unclear_digits.main(["--generator", str(saved)]) == 0
    assert measured[0].get_layer("code_prior").codes == 4
    with pytest.raises(SystemExit):
        unclear_digits.main(["--generator", str(tmp_path / "missing.keras")])
    assert "missing.keras" in capsys.readouterr().err
