"""Expected answers of notebook 02's exercises (a GAN you can watch), computed, not typed in."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats

COLLAPSE_TARGET = "1-D: 3 modes"


def saturation_ratio(d_value: float) -> float:
    """Non-saturating over minimax gradient with respect to D's logit, at D(G(z)) = d_value,
    both taken by TensorFlow through the course's ``losses.generator_loss``."""
    import tensorflow as tf

    from gan_utils import losses

    if not 0 < d_value < 1:
        raise ValueError(f"d_value={d_value!r}: expected a probability strictly between 0 and 1")
    logit = tf.constant([np.log(d_value / (1 - d_value))], tf.float32)
    grads = []
    for kind in ("non_saturating", "minimax"):
        with tf.GradientTape() as tape:
            tape.watch(logit)
            loss = losses.generator_loss(logit, kind=kind)
        grads.append(float(tape.gradient(loss, logit)[0]))
    return grads[0] / grads[1]


def optimal_d(x: float, real_mean: float = 0.0, fake_mean: float = 1.0,
              std: float = 1.0) -> float:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) for p_data = N(real_mean, std^2) and
    p_g = N(fake_mean, std^2)."""
    p_data, p_g = stats.norm.pdf(x, real_mean, std), stats.norm.pdf(x, fake_mean, std)
    return float(p_data / (p_data + p_g))


def slope_of_log_one_minus(d_value: float) -> float:
    """d/dD log(1 - D) at D = d_value, by TensorFlow's autodiff."""
    import tensorflow as tf

    d = tf.constant(d_value, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(d)
        value = tf.math.log(1 - d)
    return float(tape.gradient(value, d))


def collapse_outcome(make_updates: Callable, settings: dict | None, seed: int,
                     steps: int = 1000) -> tuple[int, float]:
    """Train a fresh toy GAN on the 3-mode target with the playground ``settings`` (any
    target or step count in them is ignored) and return (modes covered, fraction of
    samples within 3 std of a mode)."""
    from gan_utils import toy

    kept = {k: v for k, v in (settings or {}).items() if k not in ("target", "steps")}
    run = toy.ToyRun(make_updates, target=COLLAPSE_TARGET, seed=seed, **kept)
    run.train(steps, every=steps)
    generated = run.snapshots.latest.generated
    return run.modes_covered(), toy.fraction_near_modes(generated, run.target)
