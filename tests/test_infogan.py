"""gan_utils.train.infogan: the code prior, InfoGAN's loss term, code purity, and a
discriminator setting how likely each code value is."""

import keras
import numpy as np
import pytest

from gan_utils import data, models, train
from gan_utils.train import infogan


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


@pytest.mark.slow
def test_the_discriminator_moves_the_code_probabilities_to_the_data_s_shares():
    """G draws its two kinds of image half and half; the data has 3/4 and 1/4. An optimal D
    gives D / (1 - D) = p_data / p_G = 1.5 and 0.5, so one round should move the
    probabilities to (0.5 * 1.5, 0.5 * 0.5) = (0.75, 0.25), and a second should keep them
    there (weights near 1)."""
    keras.utils.set_random_seed(0)
    generator = two_code_generator()
    np.testing.assert_allclose(models.code_probabilities(generator), [0.5, 0.5])
    history = infogan.fit_code_probabilities(
        generator, small_discriminator(), real_batches(0.75), rounds=2, steps=1500,
        samples=200, snapshots=3, seed=1, learning_rate=1e-2)   # a new D: a faster rate
    first, second = history
    np.testing.assert_allclose(first["weights"], [1.5, 0.5], atol=0.15)
    np.testing.assert_allclose(models.code_probabilities(generator), [0.75, 0.25], atol=0.04)
    np.testing.assert_allclose(second["weights"], [1.0, 1.0], atol=0.15)
    z = np.random.default_rng(2).standard_normal((4000, 6)).astype("float32")
    drawn = np.asarray(generator(z))[:, 0]
    assert abs(np.mean(drawn > 0) - 0.75) < 0.04   # G now draws the data's shares


def test_info_code_prior_turns_the_first_quantile_into_a_one_hot_code():
    """gan_utils/train/infogan.py: c = floor(K * Phi(eps_0)) (Phi(0) = 0.5 -> 5 of 10, Phi(-1) =
    0.1587 -> 1, Phi(8) -> 10 clipped to 9, Phi(-8) -> 0); G sees [eps_1.., one_hot(c)]."""
    prior = models.code_prior(10)
    eps = np.array([[0, 1, 2, 3], [-1, 0, 0, 0], [8, 0, 0, 0], [-8, 1, 1, 1]], "float32")
    np.testing.assert_array_equal(np.asarray(prior.code(eps)), [5, 1, 9, 0])
    expected = np.concatenate([eps[:, 1:], np.eye(10, dtype="float32")[[5, 1, 9, 0]]], axis=1)
    np.testing.assert_array_equal(np.asarray(prior(eps)), expected)
    for bad in (1, 2.5, True):
        with pytest.raises(ValueError, match="codes="):
            models.code_prior(bad)


def test_info_code_loss_and_purity_worked_out_by_hand():
    """lambda * CE of uniform code logits is lambda * ln K; purity counts the samples whose
    class is their code's commonest: codes 0,0,0,1,1,2 read as 3,3,7,4,4,1 -> 5 of 6."""
    import keras

    from gan_utils import weights

    with weights.dtype_policy("float32"):
        generator = models.info_dcgan_mnist_generator(100, 10, (8, 8, 8))
        term = infogan.InfoLoss(generator, weight=2.0)
        trainer = train.GANTrainer(generator,
                                   models.info_dcgan_mnist_discriminator(10, 0.1, (8, 8)),
                                   extra_loss=term, latent_dim=100)
    z = np.zeros((2, 100), "float32")
    logit = np.zeros((2, 1), "float32")
    assert float(term(z, [logit, np.zeros((2, 10), "float32")])) == pytest.approx(
        2 * np.log(10), rel=1e-5)
    sure = np.full((2, 10), -30.0, "float32")
    sure[:, 5] = 30.0   # Q is sure of code 5, which eps_0 = 0 picks
    assert float(term(z, [logit, sure])) == pytest.approx(0.0, abs=1e-6)
    reading = infogan.code_purity(np.array([0, 0, 0, 1, 1, 2]),
                                       np.array([3, 3, 7, 4, 4, 1]), 4)
    assert reading == {"purity": pytest.approx(5 / 6), "digit_of_code": [3, 4, 1, None]}
    with pytest.raises(ValueError, match="same length"):
        infogan.code_purity(np.array([0, 1]), np.array([0]), 2)
    with pytest.raises(ValueError, match="weight=0"):
        infogan.InfoLoss(generator, weight=0)
    assert isinstance(trainer.discriminator.output, list) and keras.ops.shape(
        trainer.discriminator.output[1])[-1] == 10
    q_before = trainer.discriminator.get_layer("q_code").get_weights()[0].copy()
    images = np.random.default_rng(0).integers(0, 256, (32, 28, 28, 1), dtype="uint8")
    trainer.fit_more(data.as_dataset(images, 16, seed=0), 2, progress=False)
    assert trainer.step == 2   # the step ran, and its info term trained Q:
    assert not np.allclose(trainer.discriminator.get_layer("q_code").get_weights()[0], q_before)


