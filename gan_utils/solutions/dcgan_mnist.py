"""Expected answers of notebook 06's exercises (DCGAN on MNIST), computed from Keras
and from the notebook's own objects, so that they cannot drift from the lesson."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SATURATED = 0.99   # |pixel| above this: the tanh is flat there


def transposed_sides(size: int = 7, kernel: int = 4, stride: int = 2) -> tuple[int, int]:
    """Side of a ``kernel`` x ``kernel`` transposed convolution's output on a ``size`` x
    ``size`` input, with padding "same" and "valid", as Keras computes them."""
    from keras import layers

    return tuple(int(layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding)
                     .compute_output_shape((1, size, size, 1))[1])
                 for padding in ("same", "valid"))


def saturated_share(generator, z) -> float:
    """Share of pixels with |x| > 0.99 in a training-mode pass of ``generator`` on ``z``."""
    images = np.asarray(generator(z, training=True), np.float32)
    return float(np.mean(np.abs(images) > SATURATED))


def _scaled(build_generator: Callable, seed: int, factor: float, layer: str | None):
    """A fresh generator from ``seed`` with its kernels (or one layer's) times ``factor``."""
    import keras

    keras.utils.set_random_seed(seed)
    generator = build_generator()
    for weight in generator.trainable_weights:
        if "kernel" in weight.path and (layer is None or weight.path.startswith(layer + "/")):
            weight.assign(weight * factor)
    return generator


def saturation_answers(build_generator: Callable, latent_dim: int,
                       seed: int = 0) -> tuple[str, str]:
    """("more" or "fewer", the layer whose kernel scale sets the saturation).

    Every kernel ten times larger (N(0, 0.2) instead of N(0, 0.02)) is compared with the
    paper's start; then each kernel layer alone is scaled, and the layer that changes the
    share of saturated pixels most is named.
    """
    import tensorflow as tf

    z = tf.random.stateless_normal((64, latent_dim), seed=[seed, 9])
    paper = saturated_share(_scaled(build_generator, seed, 1.0, None), z)
    wide = saturated_share(_scaled(build_generator, seed, 10.0, None), z)
    names = [layer.name for layer in build_generator().layers
             if any("kernel" in w.path for w in layer.trainable_weights)]
    change = {name: abs(saturated_share(_scaled(build_generator, seed, 10.0, name), z) - paper)
              for name in names}
    return ("more" if wide > paper else "fewer"), max(change, key=change.get)


def logit_parameters(discriminator) -> int:
    """Parameters of the discriminator's last dense layer (named "logit")."""
    return int(discriminator.get_layer("logit").count_params())


def dataset_problems(make_dataset: Callable, images: np.ndarray, count: int,
                     batch_size: int, seed: int) -> list[str]:
    """What differs between ``make_dataset(images)`` and the lesson's pipeline on
    ``count`` of ``images`` (empty: nothing), compared batch by batch."""
    import tensorflow as tf

    from gan_utils import data

    try:
        yours = make_dataset(images)
    except Exception as error:   # the learner's code: report, don't crash the check
        return [f"it raised {type(error).__name__}: {error}"]
    if not isinstance(yours, tf.data.Dataset):
        return [f"it returned a {type(yours).__name__}, not a tf.data.Dataset"]
    reference = data.as_dataset(images[:count], batch_size, seed=seed)
    if yours.cardinality() != reference.cardinality():
        return [f"{int(yours.cardinality())} batches, expected {int(reference.cardinality())}"]
    for mine, theirs in zip(yours.take(2), reference.take(2)):
        mine = mine[0] if isinstance(mine, tuple) else mine
        if mine.shape != theirs.shape:
            return [f"batches of shape {tuple(mine.shape)}, expected {tuple(theirs.shape)}"]
        if not np.allclose(np.asarray(mine, np.float32), theirs.numpy(), atol=1e-6):
            low, high = float(np.min(mine)), float(np.max(mine))
            return [f"other pixels (values in [{low:.2f}, {high:.2f}]): scaled to [-1, 1]? "
                    "the given images? shuffled with the same seed?"]
    return []
