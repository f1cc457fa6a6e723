"""Tests of the expected answers of notebooks 01 and 02 (gan_utils.solutions), against
values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from gan_utils import toy
from gan_utils.solutions import density_estimation, toy_gan


def test_even_face_probability_of_fair_loaded_and_two_faced_dice():
    faces = np.arange(1, 7)
    assert density_estimation.even_face_probability(faces, np.full(6, 1 / 6)) == pytest.approx(0.5)
    loaded = np.array([1, 1, 1, 0, 1, 2]) / 6   # 1/6 + 0 + 2/6
    assert density_estimation.even_face_probability(faces, loaded) == pytest.approx(0.5)
    assert density_estimation.even_face_probability([1, 2], [0.3, 0.7]) == pytest.approx(0.7)
    with pytest.raises(ValueError, match="same shape"):
        density_estimation.even_face_probability(faces, [0.5, 0.5])


def test_mixture_variance_by_integration_matches_the_formula():
    # 0.25 + (4 + 4) / 2 for two modes at -2 and 2; 0.25 + 32 / 3 for three at -4, 0, 4.
    assert density_estimation.mixture_variance(toy.mixture_1d(2)) == pytest.approx(4.25)
    assert density_estimation.mixture_variance(toy.mixture_1d(3)) == pytest.approx(0.25 + 32 / 3)
    unequal = toy.GaussianMixture([[0.0], [4.0]], [1.0, 1.0], [0.25, 0.75])  # variance 4
    assert density_estimation.mixture_variance(unequal) == pytest.approx(4.0)


def test_gaussian_kl_is_the_squared_shift_over_twice_the_variance():
    assert density_estimation.gaussian_kl(1.0) == pytest.approx(0.5)
    assert density_estimation.gaussian_kl(-2.0) == pytest.approx(2.0)
    assert density_estimation.gaussian_kl(1.0, std=2.0) == pytest.approx(1 / 8)
    assert density_estimation.gaussian_kl(0.0) == pytest.approx(0.0, abs=1e-12)


def test_saturation_ratio_optimal_d_and_the_slope_of_log_one_minus():
    assert toy_gan.saturation_ratio(0.05) == pytest.approx(19.0, rel=1e-4)
    assert toy_gan.saturation_ratio(0.5) == pytest.approx(1.0, rel=1e-4)
    with pytest.raises(ValueError, match="d_value"):
        toy_gan.saturation_ratio(1.0)
    assert toy_gan.optimal_d(0.5) == pytest.approx(0.5)
    assert toy_gan.optimal_d(0.0) == pytest.approx(1 / (1 + np.exp(-0.5)))
    assert toy_gan.optimal_d(1.0, real_mean=1.0, fake_mean=1.0) == pytest.approx(0.5)
    assert toy_gan.slope_of_log_one_minus(0.5) == pytest.approx(-2.0)
    assert toy_gan.slope_of_log_one_minus(0.01) == pytest.approx(-1 / 0.99)


def test_collapse_outcome_trains_the_three_mode_target_with_the_other_settings():
    asked = []

    def frozen_updates(G, D, **settings):
        asked.append((G.input_shape, settings))
        return (lambda x, z: 0.0), (lambda z: 0.0)

    covered, near = toy_gan.collapse_outcome(
        frozen_updates, {"target": "2-D: ring of 8", "steps": 5, "lr_d": 0.5}, seed=0, steps=3)
    (input_shape, settings), = asked
    assert input_shape == (None, 1)                    # the 1-D target, not the ring
    assert settings == {"lr_g": 1e-3, "lr_d": 0.5, "loss": "non_saturating"}
    assert 0 <= covered <= 3 and 0.0 <= near <= 1.0
