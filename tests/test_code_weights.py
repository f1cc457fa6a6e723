"""tools/code_weights.py: a discriminator sets how likely each InfoGAN code value is."""

import sys
from pathlib import Path

import keras
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import code_weights  # noqa: E402

from gan_utils import models  # noqa: E402


def two_code_generator() -> keras.Model:
    """z (6,) -> a 4-pixel image: all +0.5 for code 0, all -0.5 for code 1 (z_1.. unused)."""
    z = keras.Input((6,))
    drawing = keras.layers.Dense(4, kernel_initializer="zeros", name="draw")
    model = keras.Model(z, drawing(models.code_prior(2)(z)))
    kernel = np.zeros((5 + 2, 4), "float32")
    kernel[5], kernel[6] = 0.5, -0.5        # the one-hot's rows
    drawing.set_weights([kernel, np.zeros(4, "float32")])
    return model


def small_discriminator() -> keras.Model:
    """image (4,) -> [real/fake logit, 2 code logits], the shape of the course's InfoGAN D."""
    image = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="relu")(image)
    return keras.Model(image, [keras.layers.Dense(1)(hidden), keras.layers.Dense(2)(hidden)])


def real_batches(share_of_code_0_images: float, seed: int = 0):
    """Endless batches of 64 real images: +0.5 images with the given share, else -0.5."""
    rng = np.random.default_rng(seed)
    while True:
        plus = rng.random(64) < share_of_code_0_images
        yield np.where(plus[:, None], 0.5, -0.5).astype("float32") * np.ones((1, 4), "float32")


def test_the_discriminator_moves_the_code_probabilities_to_the_data_s_shares():
    """G draws its two kinds of image half and half; the data has 3/4 and 1/4. An optimal D
    gives D / (1 - D) = p_data / p_G = 1.5 and 0.5, so one round should move the
    probabilities to (0.5 * 1.5, 0.5 * 0.5) = (0.75, 0.25), and a second should keep them
    there (weights near 1)."""
    keras.utils.set_random_seed(0)
    generator = two_code_generator()
    np.testing.assert_allclose(models.code_probabilities(generator), [0.5, 0.5])
    history = code_weights.fit_code_probabilities(
        generator, small_discriminator(), real_batches(0.75), rounds=2, steps=1500,
        samples=200, snapshots=3, seed=1, learning_rate=1e-2)   # a new D: a faster rate
    first, second = history
    np.testing.assert_allclose(first["weights"], [1.5, 0.5], atol=0.15)
    np.testing.assert_allclose(models.code_probabilities(generator), [0.75, 0.25], atol=0.04)
    np.testing.assert_allclose(second["weights"], [1.0, 1.0], atol=0.15)
    z = np.random.default_rng(2).standard_normal((4000, 6)).astype("float32")
    drawn = np.asarray(generator(z))[:, 0]
    assert abs(np.mean(drawn > 0) - 0.75) < 0.04   # G now draws the data's shares
