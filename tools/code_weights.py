"""After training: how likely each InfoGAN code value should be, asked of a discriminator.

InfoGAN draws its K code values equally often. With 20 values for MNIST's ten digits, G
gives some digits more values than others (three values drawing 1s make 1s 15% of the
samples, where real digits have 11%), and nothing in training can change the prior. A
discriminator can say which values are drawn too often. For an optimal D,
D(x) / (1 - D(x)) = p_data(x) / p_G(x) (Goodfellow et al. 2014), so exp(logit) weighs a
generated image by how much likelier it is under the data than under G: importance
weights for correcting a generator's bias (Grover et al., "Bias Correction of Learned
Generative Models using Likelihood-Free Importance Weighting", 2019). Averaged over the
images of one code value, it says by how much that value's probability should grow or
shrink. No label is used: D knows only real and generated.

One round: D (the GAN's own, which already knows the generator's faults) is trained on
against the finished, frozen generator for ``steps`` steps at a tenth of training's rate,
then each code value's mean weight is measured on ``samples`` images, averaged over
``snapshots`` checkpoints of D spread over the round (D's reading of one code swings from
step to step); the probabilities are multiplied by those weights and renormalised. The next
round's fakes come from the new probabilities, so the rounds approach the probabilities D
can no longer fault. Round r applies its weights to the power 1/r: the first moves the
probabilities all the way, later ones only by their share of an average, so that D's
noise from round to round averages out instead of adding up (a stochastic-approximation
step; with full steps the probabilities wandered by up to 10% from round to round).
``tools/train_pretrained.py --code-weight-rounds`` runs it on the shipped generator.
"""

from __future__ import annotations

from collections.abc import Iterator

import keras
import numpy as np
import tensorflow as tf

from gan_utils import losses, models


def round_of_weights(generator: keras.Model, discriminator: keras.Model,
                     real_batches: Iterator, steps: int, samples: int, snapshots: int,
                     rng: np.random.Generator, learning_rate: float = 2e-5) -> np.ndarray:
    """Train ``discriminator`` ``steps`` more steps against the frozen ``generator`` (real
    batches from ``real_batches``, as many fakes drawn from G's own prior), and return each
    code value's mean importance weight exp(logit) over ``samples`` images, averaged over
    the last ``snapshots`` of the round (one every steps // snapshots steps). Adam with
    ``learning_rate`` (a tenth of training's: D only follows a fixed G, and a lower rate
    makes its readings steadier); only
    the real/fake logit is trained (Q's head gets no gradient and is left out)."""
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
    """``rounds`` rounds (module docstring) that set ``generator``'s code probabilities in
    place; returns each round's weights and the probabilities after it."""
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
