"""Expected answers of notebook 05's exercises (an MLP GAN on MNIST).

Each function computes its answer from Keras, NumPy or the lesson's own networks, passed
in as arguments, so that the check cell shows nothing of the answer and cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from gan_utils import losses, models
from gan_utils.train import GANTrainer


def parameter_counts(build_discriminator: Callable, build_generator: Callable,
                     hidden: int) -> tuple[int, int]:
    """(|D|, |G|): trainable scalars of the two builders' networks at width ``hidden``."""
    return (_trainable(build_discriminator(hidden=hidden)),
            _trainable(build_generator(hidden=hidden)))


def _trainable(model: keras.Model) -> int:
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


def largest_pixel(generator: keras.Model, noise) -> float:
    """The largest pixel value the generator draws for ``noise`` (in inference mode)."""
    return float(np.max(generator(noise, training=False)))


def one_fake_gradient_ratio(generator: keras.Model, discriminator: keras.Model,
                            z) -> float:
    """Norm of G's non-saturating gradient over its saturating one, for one fake ``z``.

    Both networks run in inference mode (no dropout), so the ratio is exactly the
    ratio of the two per-fake derivatives, (1 - D(G(z))) / D(G(z)).
    """
    norms = []
    for kind in ("non_saturating", "minimax"):
        with tf.GradientTape() as tape:
            fake_logits = discriminator(generator(z, training=False), training=False)
            loss = losses.generator_loss(fake_logits, kind=kind)
        norms.append(tf.linalg.global_norm(tape.gradient(loss, generator.trainable_variables)))
    return float(norms[0] / norms[1])


def updates_after_one_step(d_steps: int, real_batch, latent_dim: int = 8,
                           seed: int = 0) -> tuple[int, int]:
    """(D's optimizer updates, G's) after one GANTrainer step with ``d_steps``."""
    shape = tuple(real_batch.shape[1:])
    trainer = GANTrainer(models.mlp_generator(latent_dim=latent_dim, hidden=8,
                                              image_shape=shape),
                         models.mlp_discriminator(hidden=8, image_shape=shape),
                         latent_dim=latent_dim, d_steps=d_steps, seed=seed)
    trainer.fit_more(tf.data.Dataset.from_tensors(real_batch), 1, progress=False)
    return int(trainer.d_optimizer.iterations), int(trainer.g_optimizer.iterations)


def first_step_size(generator: keras.Model, discriminator: keras.Model, z,
                    optimizer: keras.optimizers.Optimizer, scale: float = 1.0) -> float:
    """Norm of the change of G's weights in one update on ``scale`` x the non-saturating loss.

    Works on a copy of the generator; D is fixed and in inference mode.
    """
    g = keras.models.clone_model(generator)
    g.set_weights(generator.get_weights())
    before = g.get_weights()
    with tf.GradientTape() as tape:
        loss = scale * losses.generator_loss(discriminator(g(z, training=True),
                                                           training=False))
    optimizer.apply_gradients(zip(tape.gradient(loss, g.trainable_variables),
                                  g.trainable_variables))
    return float(np.sqrt(sum(np.sum((a - b) ** 2)
                             for a, b in zip(g.get_weights(), before, strict=True))))


def scaled_loss_step_ratios(generator: keras.Model, discriminator: keras.Model, z,
                            scale: float, make_optimizers: Sequence[Callable]) -> list[float]:
    """For each optimizer: first step on ``scale`` x the loss over the first step on the loss."""
    return [first_step_size(generator, discriminator, z, make(), scale)
            / first_step_size(generator, discriminator, z, make())
            for make in make_optimizers]


def cross_entropy(p: Sequence[float], q: Sequence[float]) -> float:
    """H(p, q) in nats, as Keras computes it (categorical cross-entropy of q against p)."""
    return float(keras.losses.categorical_crossentropy(
        np.asarray(p, np.float32)[None], np.asarray(q, np.float32)[None])[0])
