"""gan_utils.solutions for the DCGAN notebooks (06 and 07): the expected answers of
their exercises, checked against values worked out by hand and against wrong answers."""

import functools

import numpy as np
import pytest
import tensorflow as tf

from gan_utils import conv, data, models
from gan_utils.solutions import dcgan_mnist, training_gans


def test_transposed_sides_match_the_formula():
    # "same": n * s = 14; "valid": (n - 1) * s + k = 16
    assert dcgan_mnist.transposed_sides(7, kernel=4, stride=2) == (14, 16)
    assert dcgan_mnist.transposed_sides(7, kernel=5, stride=2) == (
        conv.conv_transpose_output_size(7, 5, 2, "same"),
        conv.conv_transpose_output_size(7, 5, 2, "valid"))


def test_saturation_is_set_by_the_last_layer_without_batch_norm():
    build = functools.partial(models.dcgan_mnist_generator, 100)
    assert dcgan_mnist.saturation_answers(build, 100, seed=0) == ("more", "to_image")


def test_logit_parameters_are_the_flattened_features_plus_a_bias():
    assert dcgan_mnist.logit_parameters(models.dcgan_mnist_discriminator()) == 7 * 7 * 128 + 1


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(100, 28, 28), dtype=np.uint8)


def test_dataset_answer_made_like_the_lesson_passes(digits):
    right = lambda images: data.as_dataset(images[:64], 16, seed=3)  # noqa: E731
    assert dcgan_mnist.dataset_problems(right, digits, 64, 16, 3) == []


@pytest.mark.parametrize(("make", "problem"), [
    (lambda images: data.as_dataset(images, 16, seed=3), "6 batches, expected 4"),
    (lambda images: data.as_dataset(images[:64], 16, seed=4), "other pixels"),
    (lambda images: tf.data.Dataset.from_tensor_slices(images[:64]).batch(16),
     "batches of shape (16, 28, 28), expected (16, 28, 28, 1)"),
    (lambda images: tf.data.Dataset.from_tensor_slices(images[:64, ..., None]).batch(16),
     "values in [0.00, 255.00]"),
    (lambda images: images[:64], "not a tf.data.Dataset"),
    (lambda images: 1 / 0, "raised ZeroDivisionError"),
])
def test_dataset_answer_made_otherwise_is_named(digits, make, problem):
    problems = dcgan_mnist.dataset_problems(make, digits, 64, 16, 3)
    assert len(problems) == 1 and problem in problems[0]


def test_float16_loses_a_small_gradient_unless_it_is_scaled():
    kept, scaled = training_gans.float16_gradients(1e-8, 2.0**15)
    assert kept == 0.0
    assert scaled == pytest.approx(1e-8 * 32768, rel=1e-3)   # float16 keeps ~3 digits
    assert training_gans.float16_gradients(1e-3, 1.0)[0] == pytest.approx(1e-3, rel=1e-3)


def test_average_decay_measured_on_the_callback():
    decay, span = training_gans.average_decay(90, 0.999)
    assert decay == pytest.approx(91 / 100, abs=1e-6)
    assert span == pytest.approx(100 / 9, rel=1e-5)
    assert training_gans.average_decay(100_000, 0.999)[0] == pytest.approx(0.999, abs=1e-6)


@pytest.mark.parametrize(("steps", "per_call", "every", "calls"),
                         [(200, 16, 100, 14), (32, 16, 100, 2), (10, 1, 100, 10)])
def test_compiled_calls_stop_at_each_callback(steps, per_call, every, calls):
    assert training_gans.compiled_calls(steps, per_call, every) == calls


def test_one_pass_and_alternating_steps_update_d_alike():
    build_g = functools.partial(models.mlp_generator, hidden=8)
    build_d = functools.partial(models.mlp_discriminator, hidden=8)
    images = tf.random.stateless_uniform((16, 28, 28, 1), seed=[1, 2], minval=-1, maxval=1)
    assert training_gans.network_left_the_same(build_g, build_d, images, 100) == "D"
