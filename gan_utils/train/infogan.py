"""InfoGAN's categorical code as a loss term of the engine, and setting the code's odds.

InfoGAN (Chen et al., 2016) gives G a latent with a discrete part, a one-hot code c of K
values, and a small head Q on D's body that guesses c from G(z, c). Both G and Q are
trained to make that guess right: both losses gain lambda * cross-entropy(c, Q(G(z))).
No label is used; on MNIST, G learns to give each code value mostly one digit, and a
clear one, since an image between two digits is one Q cannot read.

The networks are course builders (``gan_utils.models.info_dcgan_mnist_generator``, whose
``code_prior`` layer takes c = floor(K * Phi(z_0)), and ``info_dcgan_mnist_discriminator``,
D with Q's head as a second output). Here:

- :class:`InfoLoss`, the term, given to ``GANTrainer(extra_loss=...)``;
- :func:`code_purity`, how well the code picks a digit;
- :func:`fit_code_probabilities`, after training: a discriminator says how likely each
  code value should be (G may give some digits more values than others, and the prior
  cannot learn that).
"""

from __future__ import annotations

from collections.abc import Iterator

import keras
import numpy as np
import tensorflow as tf

from gan_utils import losses, models


class InfoLoss:
    """InfoGAN's term: ``weight`` * the cross-entropy of Q's guess at the code z carries.

    Called by the engine's step as ``extra_loss(z, d_outputs)``, with D's outputs on G(z)
    (the real/fake logit, then Q's code logits); added to D's loss (training Q) and to
    G's (making the code readable).
    """

    def __init__(self, generator: keras.Model, weight: float = 1.0):
        if not weight > 0:
            raise ValueError(f"weight={weight!r}: expected a weight > 0")
        self.prior = generator.get_layer("code_prior")
        self.weight = float(weight)

    def __call__(self, z, d_outputs) -> tf.Tensor:
        code_logits = tf.cast(d_outputs[1], "float32")
        return self.weight * tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
            self.prior.code(z), code_logits, from_logits=True))


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


# ------------------------------------------------------------- the code's odds, after training
# For an optimal D, exp(logit) = D / (1 - D) = p_data(x) / p_G(x) (Goodfellow et al. 2014):
# importance weights for a generator's bias (Grover et al. 2019). Averaged over one code
# value's images, it says by how much that value's probability should grow or shrink.

def round_of_weights(generator: keras.Model, discriminator: keras.Model,
                     real_batches: Iterator, steps: int, samples: int, snapshots: int,
                     rng: np.random.Generator, learning_rate: float = 2e-5) -> np.ndarray:
    """Train ``discriminator`` ``steps`` more steps against the frozen ``generator`` (only
    its real/fake logit, Adam at ``learning_rate``), and return each code value's mean
    importance weight exp(logit) over ``samples`` images, averaged over the last
    ``snapshots`` readings of the round (D's reading of one code swings from step to step)."""
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=0.5)
    latent_dim = int(generator.inputs[0].shape[-1])

    @tf.function
    def d_step(real, z):
        fake = generator(z, training=False)
        with tf.GradientTape() as tape:   # the course's loss, without label noise
            value = losses.discriminator_loss(
                tf.cast(discriminator(real, training=True)[0], "float32"),
                tf.cast(discriminator(fake, training=True)[0], "float32"))
        variables = discriminator.trainable_variables
        pairs = [(gradient, variable) for gradient, variable in
                 zip(tape.gradient(value, variables), variables) if gradient is not None]
        optimizer.apply_gradients(pairs)

    every = max(steps // snapshots, 1)
    readings = []
    for step in range(1, steps + 1):
        real = next(real_batches)
        d_step(real, rng.standard_normal((len(real), latent_dim)).astype("float32"))
        if step % every == 0 and step > steps - every * snapshots:
            readings.append(weights_per_code(generator, discriminator, samples, rng))
    return np.mean(readings, axis=0)


def weights_per_code(generator: keras.Model, discriminator: keras.Model, samples: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Each code value's mean exp(D's logit) over ``samples`` of its images (z_0 in the
    middle of the value's interval, z_1.. standard normal), D in inference mode."""
    latent_dim = int(generator.inputs[0].shape[-1])
    middles = models.code_middles(models.code_probabilities(generator))
    means = []
    for middle in middles:
        z = rng.standard_normal((samples, latent_dim)).astype("float32")
        z[:, 0] = middle
        images = generator.predict(z, batch_size=500, verbose=0)
        logits = np.asarray(discriminator.predict(images, batch_size=500, verbose=0)[0],
                            dtype="float64").ravel()
        means.append(np.exp(np.clip(logits, -20.0, 20.0)).mean())
    return np.array(means)


def fit_code_probabilities(generator: keras.Model, discriminator: keras.Model,
                           real_batches: Iterator, rounds: int, steps: int = 2000,
                           samples: int = 500, snapshots: int = 8, seed: int = 0,
                           learning_rate: float = 2e-5) -> list[dict]:
    """Set ``generator``'s code probabilities in place, in ``rounds`` rounds of
    :func:`round_of_weights`; returns each round's weights and the probabilities after it.

    Round r multiplies the probabilities by its weights to the power 1/r (a
    stochastic-approximation step), so D's noise averages out over the rounds instead of
    adding up.
    """
    rng = np.random.default_rng(seed)
    prior = generator.get_layer("code_prior")
    history = []
    for round_number in range(1, rounds + 1):
        weights = round_of_weights(generator, discriminator, real_batches, steps, samples,
                                   snapshots, rng, learning_rate)
        probabilities = models.code_probabilities(generator) * weights ** (1 / round_number)
        probabilities /= probabilities.sum()
        prior.probabilities.assign(probabilities.astype("float32"))
        history.append({"weights": np.round(weights, 6).tolist(),
                        "probabilities": np.round(probabilities, 6).tolist()})
        print("code weights:", np.round(weights, 2).tolist(), "-> probabilities x K:",
              np.round(probabilities * len(probabilities), 2).tolist(), flush=True)
    return history
