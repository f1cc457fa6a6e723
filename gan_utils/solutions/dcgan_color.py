"""Expected answers to notebook 08's exercises (DCGAN on colour images).

Each answer is computed here, by Keras, NumPy or gan_utils from the lesson's own objects,
so that the notebook's check cells never show it and it cannot drift from the lesson.
"""

from __future__ import annotations

import numpy as np


def interior_stamp_counts(kernel_size: int, stride: int = 2, length: int = 12) -> list[int]:
    """The distinct stamp counts of a 1-D transposed convolution away from the borders,
    read off a Keras Conv2DTranspose with an all-ones kernel on a constant input."""
    import keras
    import tensorflow as tf

    layer = keras.layers.Conv2DTranspose(1, (1, kernel_size), strides=(1, stride),
                                         use_bias=False, kernel_initializer="ones",
                                         dtype="float32")
    counts = layer(tf.ones((1, 1, length, 1)))[0, 0, :, 0].numpy()
    inner = counts[kernel_size:-kernel_size]
    return sorted({int(round(c)) for c in inner})


def best_output_for_target(target: float) -> float:
    """The probability p that minimises Keras' binary cross-entropy against ``target``,
    found by trying a fine grid of p (no formula)."""
    import keras

    p = np.linspace(1e-4, 1 - 1e-4, 200_001)
    loss = keras.losses.binary_crossentropy(np.full((len(p), 1), target), p[:, None])
    return float(p[np.argmin(np.asarray(loss))])


def parameter_growth(builder, small: int = 16, large: int = 32) -> float:
    """Parameters of ``builder(filters=large)`` over those of ``builder(filters=small)``."""
    return builder(filters=large).count_params() / builder(filters=small).count_params()


def layer_multiply_adds(model, layer_name: str) -> int:
    """One image's multiply-adds in one layer of ``model`` (gan_utils.cost's count)."""
    import keras

    from gan_utils import cost

    layer = model.get_layer(layer_name)
    return cost.multiply_adds(keras.Model(layer.input, layer.output))
