"""Expected answers of notebook 07's exercises (training GANs that last), computed by
NumPy, by the training engine and from the notebook's own builders, never typed in."""

from __future__ import annotations

import types
from collections.abc import Callable

import numpy as np


def float16_gradients(gradient: float, loss_scale: float) -> tuple[float, float]:
    """What float16 stores of ``gradient``, and of ``gradient * loss_scale`` (the scaled
    gradient, before the optimizer divides the scale out again in float32)."""
    return float(np.float16(gradient)), float(np.float16(gradient * loss_scale))


def average_decay(step: int, decay: float = 0.999) -> tuple[float, float]:
    """The weight average's decay after step ``step``, and the steps it spans, 1 / (1 - d).

    Measured on :class:`gan_utils.train.WeightAverage` itself: an average of zeros takes
    one update towards weights of ones, and keeps ``1 - d`` of them.
    """
    import keras
    import tensorflow as tf

    from gan_utils import train

    generator = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    generator.set_weights([np.ones((1, 1), np.float32), np.ones(1, np.float32)])
    average = train.WeightAverage(decay)
    average.set_trainer(types.SimpleNamespace(generator=generator))
    average.generator.set_weights([np.zeros((1, 1), np.float32), np.zeros(1, np.float32)])
    average.update_in_graph(tf.constant(step, tf.int64))
    kept = float(average.generator.get_weights()[1][0])   # (1 - d) * 1
    return 1.0 - kept, 1.0 / kept


def compiled_calls(steps: int, steps_per_execution: int, grid_every: int) -> int:
    """How many calls of the compiled step function train ``steps`` steps, counted on a
    real (tiny) trainer with a SampleGrid every ``grid_every`` steps."""
    import tensorflow as tf

    from gan_utils import models, train

    class CountCalls(train.Callback):   # every=None: after each call of the compiled step
        calls = 0

        def on_step_end(self, step: int, logs: dict) -> None:
            self.calls += 1

    counter = CountCalls()
    trainer = train.GANTrainer(
        models.mlp_generator(2, hidden=4, image_shape=(2, 2, 1)),
        models.mlp_discriminator(hidden=4, image_shape=(2, 2, 1)), latent_dim=2,
        steps_per_execution=steps_per_execution,
        callbacks=[train.SampleGrid(every=grid_every, num_samples=1), counter])
    images = tf.zeros((8, 2, 2, 1))
    trainer.fit_more(tf.data.Dataset.from_tensors(images), steps, progress=False)
    return counter.calls


def network_left_the_same(build_generator: Callable, build_discriminator: Callable,
                          images, latent_dim: int, seed: int = 0) -> str:
    """``"D"`` or ``"G"``: the network that one alternating step and one one-pass step
    (the TensorFlow tutorial's) leave with the same weights.

    Both steps start from equal float32 copies (D without dropout, so nothing random runs
    inside it) and use one noise batch for every pass; TF32 is off, so that "the same"
    means equal to float32 rounding.
    """
    import keras
    import tensorflow as tf

    from gan_utils import losses, runtime, weights
    from gan_utils.train.step import alternating_step, simultaneous_step

    def fresh_start():
        keras.utils.set_random_seed(seed)
        return (build_generator(), build_discriminator(dropout=0.0),
                keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))

    def same(a, b) -> bool:
        return all(np.allclose(x, y, rtol=1e-5, atol=1e-6)
                   for x, y in zip(a.trainable_weights, b.trainable_weights, strict=True))

    loss = losses.GANLoss("non_saturating")
    z = tf.random.stateless_normal((len(images), latent_dim), seed=[seed, 4])
    with weights.float32_policy(), runtime.exact_float32():
        alternating, one_pass = fresh_start(), fresh_start()
        alternating_step(*alternating, loss, images, [z], z)
        simultaneous_step(*one_pass, loss, images, z)
    d_same, g_same = same(alternating[1], one_pass[1]), same(alternating[0], one_pass[0])
    if d_same == g_same:
        raise RuntimeError(f"expected exactly one network the same; D: {d_same}, G: {g_same}")
    return "D" if d_same else "G"
