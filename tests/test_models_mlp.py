"""The MLP GAN builders of notebook 04: sizes counted by hand, shapes, ranges, validation."""

import keras
import numpy as np
import pytest

from gan_utils import models


def trainable_count(model) -> int:
    """Number of trainable scalars, summed over the model's variables."""
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


@pytest.fixture(scope="module")
def generator():
    keras.utils.set_random_seed(0)
    return models.mlp_generator()


@pytest.fixture(scope="module")
def discriminator():
    keras.utils.set_random_seed(0)
    return models.mlp_discriminator()


def test_parameter_counts_match_the_hand_count(generator, discriminator):
    # D: 784*256 + 256 (hidden) + 256*1 + 1 (logit); G: 100*256 + 256 + 256*784 + 784
    assert trainable_count(discriminator) == 201_217
    assert trainable_count(generator) == 227_344


@pytest.mark.parametrize("hidden", [1, 64])
def test_parameter_counts_follow_the_formula_for_other_widths(hidden):
    d = models.mlp_discriminator(hidden=hidden)
    g = models.mlp_generator(latent_dim=10, hidden=hidden)
    assert trainable_count(d) == 784 * hidden + hidden + hidden + 1
    assert trainable_count(g) == 10 * hidden + hidden + hidden * 784 + 784


def test_layer_sizes_are_the_classic_ones(generator, discriminator):
    assert [w.shape for w in discriminator.get_weights()] == [(784, 256), (256,), (256, 1), (1,)]
    assert [w.shape for w in generator.get_weights()] == [(100, 256), (256,), (256, 784), (784,)]


def test_generator_outputs_images_in_the_tanh_range(generator):
    # large noise drives the pre-activations far from 0, so the tanh must saturate, not exceed 1
    z = np.random.default_rng(0).normal(scale=50.0, size=(16, 100)).astype("float32")
    images = np.asarray(generator(z, training=False))
    assert images.shape == (16, 28, 28, 1)
    assert images.dtype == np.float32
    assert np.all(np.abs(images) <= 1.0)
    assert np.abs(images).max() > 0.99  # saturated somewhere: really a tanh, not a clip to 0


def test_generator_output_layer_is_a_tanh(generator):
    pixels = generator.get_layer("pixels")
    assert keras.activations.serialize(pixels.activation) == "tanh"


def test_discriminator_outputs_one_unbounded_logit(discriminator):
    rng = np.random.default_rng(1)
    images = rng.uniform(-1.0, 1.0, size=(8, 28, 28, 1)).astype("float32")
    logits = np.asarray(discriminator(images, training=False))
    assert logits.shape == (8, 1)
    assert logits.dtype == np.float32
    # a logit, not a probability: scaling the last layer's weights scales it past [0, 1]
    probe = models.mlp_discriminator()
    probe.set_weights(discriminator.get_weights())  # same weights; dropout is off below
    kernel, bias = probe.get_layer("logit").get_weights()
    probe.get_layer("logit").set_weights([kernel * 1000.0, bias])
    scaled = np.asarray(probe(images, training=False))
    assert np.abs(scaled).max() > 1.0
    np.testing.assert_allclose(scaled - bias, (logits - bias) * 1000.0, rtol=1e-3, atol=1e-3)


def test_dropout_acts_in_training_only(discriminator):
    images = np.random.default_rng(2).uniform(-1.0, 1.0, size=(4, 28, 28, 1)).astype("float32")
    first = np.asarray(discriminator(images, training=False))
    np.testing.assert_array_equal(np.asarray(discriminator(images, training=False)), first)
    trained = [np.asarray(discriminator(images, training=True)) for _ in range(2)]
    assert not np.allclose(trained[0], trained[1])  # new random units dropped each call


def test_without_dropout_training_and_inference_agree(discriminator):
    plain = models.mlp_discriminator(dropout=0.0)
    plain.set_weights(discriminator.get_weights())
    images = np.random.default_rng(3).uniform(-1.0, 1.0, size=(4, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(np.asarray(plain(images, training=True)),
                               np.asarray(discriminator(images, training=False)), rtol=1e-6)


def test_output_shapes_match_keras_on_other_image_shapes():
    g = models.mlp_generator(latent_dim=8, hidden=16, image_shape=(32, 32, 3))
    d = models.mlp_discriminator(hidden=16, image_shape=(32, 32, 3))
    assert g.output_shape == (None, 32, 32, 3)
    assert d.input_shape == (None, 32, 32, 3)
    assert d.output_shape == (None, 1)
    assert trainable_count(d) == 32 * 32 * 3 * 16 + 16 + 16 + 1


def test_discriminator_accepts_generator_output(generator, discriminator):
    images = generator(np.zeros((2, 100), "float32"))
    assert tuple(discriminator(images).shape) == (2, 1)


@pytest.mark.parametrize("kwargs, argument", [
    ({"latent_dim": 0}, "latent_dim"),
    ({"latent_dim": 2.5}, "latent_dim"),
    ({"hidden": -3}, "hidden"),
    ({"hidden": True}, "hidden"),
    ({"image_shape": (28, 0, 1)}, "image_shape"),
])
def test_generator_rejects_bad_sizes(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        models.mlp_generator(**kwargs)


@pytest.mark.parametrize("kwargs, argument", [
    ({"hidden": 0}, "hidden"),
    ({"dropout": 1.0}, "dropout"),
    ({"dropout": -0.1}, "dropout"),
    ({"image_shape": ()}, "image_shape"),
    ({"image_shape": (28, 28.0, 1)}, "image_shape"),
])
def test_discriminator_rejects_bad_sizes(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        models.mlp_discriminator(**kwargs)
