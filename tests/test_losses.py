"""The GAN losses against values worked out by hand."""

import math

import numpy as np
import pytest
import tensorflow as tf

from gan_utils import losses


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_bce_with_logits_matches_the_formula_and_survives_large_logits():
    logits = tf.constant([0.0, 2.0, -3.0, 80.0, -80.0])
    labels = tf.constant([1.0, 0.0, 1.0, 1.0, 0.0])
    expected = [math.log(2), -math.log(1 - sigmoid(2.0)), -math.log(sigmoid(-3.0)), 0.0, 0.0]
    np.testing.assert_allclose(losses.bce_with_logits(labels, logits).numpy(), expected,
                               rtol=1e-6, atol=1e-6)


def test_discriminator_loss_is_sum_of_two_means():
    real, fake = tf.constant([[1.0], [-1.0]]), tf.constant([[0.5], [-2.0]])
    expected = (np.mean([-math.log(sigmoid(1.0)), -math.log(sigmoid(-1.0))])
                + np.mean([-math.log(1 - sigmoid(0.5)), -math.log(1 - sigmoid(-2.0))]))
    assert losses.discriminator_loss(real, fake).numpy() == pytest.approx(expected, rel=1e-6)


def test_logits_and_probabilities_agree():
    logits = tf.constant([0.3, -1.2, 2.5])
    for kind in losses.GENERATOR_LOSSES:
        a = losses.generator_loss(logits, kind)
        b = losses.generator_loss(tf.sigmoid(logits), kind, from_logits=False)
        assert a.numpy() == pytest.approx(b.numpy(), rel=1e-5)
    a = losses.discriminator_loss(logits, -logits)
    b = losses.discriminator_loss(tf.sigmoid(logits), tf.sigmoid(-logits), from_logits=False)
    assert a.numpy() == pytest.approx(b.numpy(), rel=1e-5)


def test_generator_losses_by_hand_and_their_gradients_near_zero():
    # D(G(z)) = sigmoid(-6) ~ 0.0025: D confidently rejects the fakes.
    logit = tf.Variable([-6.0])
    d = sigmoid(-6.0)
    assert losses.minimax_generator_loss(logit).numpy() == pytest.approx(math.log(1 - d), rel=1e-6)
    assert losses.non_saturating_generator_loss(logit).numpy() == pytest.approx(-math.log(d),
                                                                                rel=1e-6)
    grads = {}
    for kind in losses.GENERATOR_LOSSES:
        with tf.GradientTape() as tape:
            loss = losses.generator_loss(logit, kind)
        grads[kind] = abs(float(tape.gradient(loss, logit)[0]))
    # d/dL log(1 - sigmoid(L)) = -sigmoid(L); d/dL -log sigmoid(L) = sigmoid(L) - 1
    assert grads["minimax"] == pytest.approx(d, rel=1e-5)
    assert grads["non_saturating"] == pytest.approx(1 - d, rel=1e-5)


def test_label_smoothing_and_noise():
    assert losses.real_labels(3, label_smoothing=0.1).numpy() == pytest.approx([0.9] * 3)
    noisy = losses.real_labels(1000, label_noise=0.05, seed=[1, 2]).numpy()
    assert noisy.min() >= 0.95 and noisy.max() <= 1.0 and noisy.std() > 0.01
    again = losses.real_labels(1000, label_noise=0.05, seed=[1, 2]).numpy()
    np.testing.assert_array_equal(noisy, again)
    fake = losses.fake_labels(1000, label_noise=0.05, seed=[3, 4]).numpy()
    assert fake.max() <= 0.0 and fake.min() > -0.05 and fake.std() > 0.01
    # with smoothing, a D that outputs exactly 0.9 on real images is optimal there
    p = 0.9
    smoothed = losses.discriminator_loss(tf.constant([p]), tf.constant([1e-9]),
                                         label_smoothing=0.1, from_logits=False)
    assert smoothed.numpy() == pytest.approx(-(0.9 * math.log(p) + 0.1 * math.log(1 - p)),
                                             rel=1e-4)


def test_label_noise_is_deep_learning_with_pythons_rule():
    """The book's targets, P(fake) = 1 + u for fakes and u for reals, seen as P(real)."""
    # the book: labels = [1] * fakes + [0] * reals, then labels += 0.05 * uniform
    book_fake = 1.0 + 0.05 * tf.random.stateless_uniform([500], seed=[7, 8]).numpy()
    book_real = 0.0 + 0.05 * tf.random.stateless_uniform([500], seed=[5, 6]).numpy()
    # its discriminator predicts P(fake); ours P(real) = 1 - P(fake)
    np.testing.assert_allclose(losses.fake_labels(500, label_noise=0.05, seed=[7, 8]).numpy(),
                               1.0 - book_fake, atol=1e-6)
    np.testing.assert_allclose(losses.real_labels(500, label_noise=0.05, seed=[5, 6]).numpy(),
                               1.0 - book_real, atol=1e-6)
    # the discriminator's loss on a fake, with target -u: by hand for one logit
    logit, target = 0.3, -0.02
    expected = -(target * math.log(1 / (1 + math.exp(-logit)))
                 + (1 - target) * math.log(1 - 1 / (1 + math.exp(-logit))))
    got = losses.bce_with_logits(tf.constant([target]), tf.constant([logit])).numpy()[0]
    assert got == pytest.approx(expected, rel=1e-5)
    # its gradient sigma(L) - target stays positive: D is never satisfied on fakes
    with tf.GradientTape() as tape:
        logits = tf.constant([-8.0])
        tape.watch(logits)
        loss = losses.bce_with_logits(tf.constant([target]), logits)
    assert tape.gradient(loss, logits).numpy()[0] > 0.02 - 1e-6


@pytest.mark.parametrize("kwargs", [{"label_smoothing": 0.6}, {"label_noise": -0.1}])
def test_bad_label_settings_are_refused(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        losses.discriminator_loss(tf.zeros([2]), tf.zeros([2]), **kwargs)


def test_unknown_generator_loss():
    with pytest.raises(ValueError, match="kind='wasserstein'"):
        losses.generator_loss(tf.zeros([2]), "wasserstein")
