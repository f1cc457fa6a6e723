"""Tests of gan_utils.solutions.dcgan_color against values worked out by hand."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from gan_utils import models
from gan_utils.solutions import dcgan_color


def test_interior_stamp_counts():
    assert dcgan_color.interior_stamp_counts(3) == [1, 2]
    assert dcgan_color.interior_stamp_counts(4) == [2]
    assert dcgan_color.interior_stamp_counts(5) == [2, 3]


def test_best_output_is_the_target_itself():
    for target in (0.99, 0.95, 0.7):
        assert dcgan_color.best_output_for_target(target) == pytest.approx(target, abs=1e-4)


def test_parameter_growth_and_layer_multiply_adds():
    def dense(filters):
        return keras.Sequential([keras.Input((3,)), layers.Dense(filters)])
    # (3 + 1) * 32 over (3 + 1) * 16
    assert dcgan_color.parameter_growth(dense) == 2.0
    G = models.dcgan64_generator(latent_dim=10, filters=8)
    # up1: 4x4 input pixels, 4x4 kernel, 64 -> 32 channels
    assert dcgan_color.layer_multiply_adds(G, "up1") == 16 * 16 * 64 * 32
