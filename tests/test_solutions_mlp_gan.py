"""gan_utils.solutions.mlp_gan: the expected answers of notebook 05's exercises."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_utils import models
from gan_utils.solutions import mlp_gan


def test_parameter_counts_are_the_hand_counts():
    # D: 784*64 + 64 + 64 + 1; G: 100*64 + 64 + 64*784 + 784
    assert mlp_gan.parameter_counts(models.mlp_discriminator, models.mlp_generator, 64) == (
        50_305, 57_424)


def test_largest_pixel_is_the_maximum_output():
    identity = keras.Sequential([keras.Input((3,)), keras.layers.Identity()])
    noise = np.array([[0.5, -2.0, 0.25], [1.5, 0.0, -1.0]], np.float32)
    assert mlp_gan.largest_pixel(identity, noise) == 1.5


def test_one_fake_gradient_ratio_is_one_minus_d_over_d():
    keras.utils.set_random_seed(0)
    g = models.mlp_generator(latent_dim=8, hidden=16)
    d = models.mlp_discriminator(hidden=16)
    z = tf.random.stateless_normal((1, 8), seed=[1, 2])
    score = float(tf.sigmoid(d(g(z, training=False), training=False))[0, 0])
    assert mlp_gan.one_fake_gradient_ratio(g, d, z) == pytest.approx((1 - score) / score,
                                                                     rel=1e-4)


def test_one_step_with_three_d_steps_updates_d_three_times_and_g_once():
    batch = tf.zeros((4, 28, 28, 1))
    assert mlp_gan.updates_after_one_step(3, batch) == (3, 1)


def test_sgd_steps_scale_with_the_loss_and_adam_steps_do_not():
    keras.utils.set_random_seed(0)
    g = models.mlp_generator(latent_dim=8, hidden=16)
    d = models.mlp_discriminator(hidden=16)
    z = tf.random.stateless_normal((16, 8), seed=[3, 4])
    adam, sgd = mlp_gan.scaled_loss_step_ratios(
        g, d, z, 100.0, [lambda: keras.optimizers.Adam(1e-3),
                         lambda: keras.optimizers.SGD(0.01)])
    assert sgd == pytest.approx(100.0, rel=1e-4)
    assert adam == pytest.approx(1.0, abs=0.01)
    assert mlp_gan.first_step_size(g, d, z, keras.optimizers.SGD(0.0)) == 0.0


def test_cross_entropy_is_minus_sum_p_log_q():
    expected = -(0.8 * math.log(0.6) + 0.2 * math.log(0.4))   # 0.5919...
    assert mlp_gan.cross_entropy([0.8, 0.2], [0.6, 0.4]) == pytest.approx(expected, rel=1e-5)
    entropy = -(0.5 * math.log(0.5) * 2)
    assert mlp_gan.cross_entropy([0.5, 0.5], [0.5, 0.5]) == pytest.approx(entropy, rel=1e-5)
