"""gan_utils.train.step: the two update rules as plain functions, checked against tapes."""


import keras
import numpy as np
import pytest
import tensorflow as tf
from _engine_scripts import toy_dataset, toy_models  # noqa: E402

from gan_utils import losses
from gan_utils.train import step


def copies(n, optimizer=lambda: keras.optimizers.Adam(2e-4, beta_1=0.5)):
    """n identical (G, D, g_optimizer, d_optimizer) sets, and one real batch of 32 points."""
    keras.utils.set_random_seed(0)
    G0, D0 = toy_models(keras)
    sets = []
    for _ in range(n):
        G, D = toy_models(keras)
        G.set_weights(G0.get_weights())
        D.set_weights(D0.get_weights())
        sets.append((G, D, optimizer(), optimizer()))
    return sets, next(iter(toy_dataset(tf)))


def noise(k):
    return tf.random.stateless_normal((32, 4), seed=[7, k])


def weights(G, D):
    return G.get_weights() + D.get_weights()


def assert_same(a, b):
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)


def test_alternating_step_is_the_hand_written_step():
    """D's tape, D's update, then G's tape through the updated D: notebook 05's step."""
    ((G, D, g_opt, d_opt), mine), real = copies(2)
    loss = losses.GANLoss()
    z_d, z_g = noise(0), noise(1)
    with tf.GradientTape() as tape:
        real_out, fake_out = D(real, training=True), D(G(z_d, training=True), training=True)
        d_loss = losses.discriminator_loss(real_out, fake_out)
    d_opt.apply_gradients(zip(tape.gradient(d_loss, D.trainable_variables),
                              D.trainable_variables))
    with tf.GradientTape() as tape:
        g_loss = losses.non_saturating_generator_loss(D(G(z_g, training=True), training=True))
    g_opt.apply_gradients(zip(tape.gradient(g_loss, G.trainable_variables),
                              G.trainable_variables))

    result = step.alternating_step(*mine, loss, real, [z_d], z_g)
    assert_same(weights(G, D), weights(*mine[:2]))
    assert float(result["d_loss"]) == pytest.approx(float(d_loss), rel=1e-6)
    assert float(result["g_loss"]) == pytest.approx(float(g_loss), rel=1e-6)
    assert float(result["d_real"]) == pytest.approx(float(tf.reduce_mean(tf.sigmoid(real_out))))
    assert float(result["d_fake"]) == pytest.approx(float(tf.reduce_mean(tf.sigmoid(fake_out))))


def test_several_discriminator_updates_then_one_generator_update():
    (a, b), real = copies(2)
    loss = losses.GANLoss()
    step.alternating_step(*a, loss, real, [noise(0), noise(2)], noise(1), seeds=[None, None])
    assert int(a[3].iterations) == 2 and int(a[2].iterations) == 1
    # the same as a D-only update with the first batch, then a full step with the second
    with tf.GradientTape() as tape:
        d_loss = loss.discriminator(b[1](real), b[1](b[0](noise(0), training=True)))
    grads = tape.gradient(d_loss, b[1].trainable_variables)
    b[3].apply_gradients(zip(grads, b[1].trainable_variables))
    step.alternating_step(*b, loss, real, [noise(2)], noise(1))
    assert_same(weights(*a[:2]), weights(*b[:2]))
    with pytest.raises(ValueError):   # one label-noise seed per D update
        step.alternating_step(*b, loss, real, [noise(0), noise(2)], noise(1))


def test_simultaneous_step_is_the_tutorial_step_and_differs_in_g_only():
    """SGD here: Adam's first update is about lr * sign(gradient), and would hide G's change."""
    ((G, D, g_opt, d_opt), one_pass, alternating), real = copies(
        3, lambda: keras.optimizers.SGD(0.1))
    loss = losses.GANLoss("minimax", label_smoothing=0.1, label_noise=0.05)
    z, seed = noise(0), tf.constant([3, 4], tf.int64)
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake_out = D(G(z, training=True), training=True)
        d_loss = losses.discriminator_loss(D(real, training=True), fake_out,
                                           label_smoothing=0.1, label_noise=0.05, seed=seed)
        g_loss = losses.minimax_generator_loss(fake_out)
    g_grads = g_tape.gradient(g_loss, G.trainable_variables)
    d_grads = d_tape.gradient(d_loss, D.trainable_variables)
    d_opt.apply_gradients(zip(d_grads, D.trainable_variables))
    g_opt.apply_gradients(zip(g_grads, G.trainable_variables))

    result = step.simultaneous_step(*one_pass, loss, real, z, seed=seed)
    step.alternating_step(*alternating, loss, real, [z], z, seeds=[seed])
    assert_same(weights(G, D), weights(*one_pass[:2]))
    assert float(result["g_loss"]) == pytest.approx(float(g_loss), rel=1e-6)
    assert_same(one_pass[1].get_weights(), alternating[1].get_weights())   # D: the same
    assert not np.allclose(one_pass[0].get_weights()[0], alternating[0].get_weights()[0],
                           rtol=1e-4, atol=1e-6)   # G: the alternating step saw the new D


def test_conditional_networks_get_the_labels():
    keras.utils.set_random_seed(0)
    z_in, y_in = keras.Input((4,)), keras.Input((), dtype="int32")
    G = keras.Model([z_in, y_in], keras.layers.Dense(2)(
        keras.layers.Concatenate()([z_in, keras.layers.Embedding(3, 2)(y_in)])))
    x_in, y2_in = keras.Input((2,)), keras.Input((), dtype="int32")
    D = keras.Model([x_in, y2_in], keras.layers.Dense(1)(
        keras.layers.Concatenate()([x_in, keras.layers.Embedding(3, 2)(y2_in)])))
    labels = tf.constant([0, 1, 2, 0])
    nets = (G, D, keras.optimizers.Adam(), keras.optimizers.Adam(), losses.GANLoss())
    real = tf.zeros((4, 2))
    for result in (step.alternating_step(*nets, real, [noise(0)[:4]], noise(1)[:4], labels),
                   step.simultaneous_step(*nets, real, noise(0)[:4], labels)):
        assert np.isfinite(float(result["d_loss"]))


def test_the_loss_object_is_the_loss_functions():
    real_out, fake_out = tf.constant([1.0, -2.0]), tf.constant([0.5, 3.0])
    loss = losses.GANLoss("minimax", label_smoothing=0.2, label_noise=0.1)
    seed = (1, 2)
    assert float(loss.discriminator(real_out, fake_out, seed)) == float(
        losses.discriminator_loss(real_out, fake_out, label_smoothing=0.2, label_noise=0.1,
                                  seed=seed))
    assert float(loss.generator(fake_out)) == float(losses.minimax_generator_loss(fake_out))
    on_probabilities = losses.GANLoss(from_logits=False)
    p = tf.constant([0.9, 0.2])
    assert float(on_probabilities.generator(p)) == pytest.approx(-np.mean(np.log([0.9, 0.2])),
                                                                 rel=1e-6)
    np.testing.assert_allclose(on_probabilities.probabilities(p), p)
    np.testing.assert_allclose(loss.probabilities(tf.constant([0.0])), [0.5])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "hinge"}, "generator_loss='hinge'"),
    ({"label_smoothing": 0.5}, "label_smoothing=0.5"),
    ({"label_noise": -0.1}, "label_noise=-0.1"),
])
def test_the_loss_object_refuses_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        losses.GANLoss(**kwargs)
