"""InfoGAN's training step for the shipped MNIST generator, and the code's reading.

``tools/unclear_digits.py`` found most of the code-free generator's unclear digits between
two classes: G maps one connected Gaussian onto ten separate digit clouds, so it must draw
something on the way from one to the next. InfoGAN (Chen et al., 2016) gives G a latent
with a discrete part, a one-hot code c of K values, and makes the code *readable*: a
small head Q on D's body guesses c from G(z, c), and both G and Q are trained to make
that guess right (the mutual-information term, lambda * cross-entropy). No label is used:
G learns by itself to give each code value its own kind of image, which on MNIST is
mostly one digit per value, and a clear one, since an image between two digits is one
Q cannot read.

The networks are course builders (``gan_utils.models.info_dcgan_mnist_generator``, whose
code prior takes c = floor(K * Phi(z_0)) so that G still takes standard-normal z; after
training its code probabilities and spread may be set: ``tools/code_weights.py``; and
``info_dcgan_mnist_discriminator``, D with Q's head). Here, used by
``tools/train_pretrained.py`` (the shipped generator) and ``tools/try_mnist_recipes.py
--info-code K LAMBDA`` (trials):

- :class:`InfoTrainer`, the engine with one step changed: D has two outputs (the
  real/fake logit and Q's code logits) and both updates add lambda * CE(c, Q(G(z)));
- :func:`code_purity`, how well the code picks a digit.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from gan_utils import models
from gan_utils.train import loop
from gan_utils.train import step as step_lib

first_quantile_choice = models.first_quantile_choice   # the code prior's pick, shared
CodePrior = models.code_prior_class()


def code_generator(latent_dim: int, codes: int, filters=(256, 128, 64)) -> keras.Model:
    """Notebook 05's generator behind a code prior (``models.info_dcgan_mnist_generator``)."""
    return models.info_dcgan_mnist_generator(latent_dim, codes, tuple(filters))


def code_discriminator(codes: int, dropout: float, filters=(64, 128)) -> keras.Model:
    """Notebook 05's discriminator with Q's head (``models.info_dcgan_mnist_discriminator``)."""
    return models.info_dcgan_mnist_discriminator(codes, dropout, tuple(filters))


def code_prior_of(generator: keras.Model) -> CodePrior:
    """The generator's :class:`CodePrior` layer."""
    return generator.get_layer("code_prior")


class InfoTrainer(loop.GANTrainer):
    """The engine with InfoGAN's step: D's and G's losses each gain lambda * CE(c, Q(G(z))).

    Alternating, one D update per G update, as the engine's default; the noise and label
    noise come from the step number, as there, so the run repeats.
    """

    def __init__(self, generator, discriminator, *, info_weight: float = 1.0, **kwargs):
        if not info_weight > 0:
            raise ValueError(f"info_weight={info_weight!r}: expected a weight > 0")
        self.info_weight = float(info_weight)
        super().__init__(generator, discriminator, **kwargs)

    def _info_loss(self, z, code_logits) -> tf.Tensor:
        """lambda * the cross-entropy of Q's guess at the code z carries."""
        code = code_prior_of(self.generator).code(z)
        return self.info_weight * tf.reduce_mean(
            keras.losses.sparse_categorical_crossentropy(
                code, tf.cast(code_logits, "float32"), from_logits=True))

    def train_step(self, images, labels=None, step=0) -> tf.Tensor:
        G, D = self.generator, self.discriminator
        batch = tf.shape(images)[0]
        z = self._latent(batch, step, loop._NOISE_SALT)
        with tf.GradientTape() as tape:
            fake = G(z, training=True)
            real_out, _ = D(images, training=True)
            fake_out, code_logits = D(fake, training=True)
            d_loss = (self.loss.discriminator(real_out, fake_out,
                                              self._seed(step, loop._LABEL_SALT))
                      + self._info_loss(z, code_logits))
        grads = step_lib.gradients(self.d_optimizer, tape, d_loss, D.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, D.trainable_variables))

        z = self._latent(batch, step, loop._GEN_SALT)
        with tf.GradientTape() as tape:   # G's turn, through the D just updated
            fake_out, code_logits = D(G(z, training=True), training=True)
            g_loss = self.loss.generator(fake_out) + self._info_loss(z, code_logits)
        grads = step_lib.gradients(self.g_optimizer, tape, g_loss, G.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, G.trainable_variables))
        result = step_lib.report(self.loss, d_loss, g_loss, real_out, fake_out)
        return tf.stack([result[key] for key in loop.HISTORY_KEYS[1:5]])


def code_purity(codes: np.ndarray, classes: np.ndarray, num_codes: int) -> dict:
    """How well the code picks a digit: for each code value its commonest class, and the
    share of all samples whose class is their code's commonest (1.0: one digit per code)."""
    codes, classes = np.asarray(codes), np.asarray(classes)
    if codes.shape != classes.shape or codes.ndim != 1:
        raise ValueError(f"codes {codes.shape} and classes {classes.shape}: expected two "
                         "vectors of the same length")
    majority, agreeing = [], 0
    for value in range(num_codes):
        members = classes[codes == value]
        if members.size == 0:
            majority.append(None)
            continue
        counts = np.bincount(members)
        majority.append(int(counts.argmax()))
        agreeing += int(counts.max())
    return {"purity": agreeing / max(len(codes), 1), "digit_of_code": majority}
