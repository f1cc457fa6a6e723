"""Expected answers to notebook 04's exercises (transposed convolutions).

Each answer is computed here, by running Keras layers or with ``gan_utils.conv``, so that
the notebook's check cells never show it and it cannot drift from the lesson.
"""

from __future__ import annotations

import numpy as np

from gan_utils import conv, convlab


def transposed_size(n: int, kernel: int, stride: int, padding: str = "valid",
                    output_padding: int | None = None) -> int:
    """The size Keras' Conv2DTranspose produces when it runs on an n x n image."""
    return convlab.run_conv_transpose(n, kernel, stride, padding, output_padding)


def layers_to_reach(start: int, target: int, kernel: int, stride: int) -> int:
    """How many "same" Conv2DTranspose layers, run one after the other in Keras, grow a
    start x start map to at least target x target."""
    size, layers = start, 0
    while size < target:
        size, layers = transposed_size(size, kernel, stride, "same"), layers + 1
    return layers


def output_padding_for(n: int, target: int, kernel: int, stride: int) -> int:
    """The output_padding with which a "same" Conv2DTranspose maps n to target pixels."""
    for output_padding in range(stride):
        try:
            if transposed_size(n, kernel, stride, "same", output_padding) == target:
                return output_padding
        except Exception:  # TensorFlow refuses some sizes (see gan_utils.conv)
            continue
    raise ValueError(f"no output_padding maps {n} to {target} pixels")


def even_overlap_kernels(stride: int, largest: int) -> tuple[int, ...]:
    """The kernel sizes up to ``largest`` whose stamps overlap evenly at ``stride``
    (the same count on every output pixel away from the borders)."""
    even = []
    for k in range(1, largest + 1):
        counts = conv.transposed_overlap(4 * largest, k, stride)
        if len(set(counts[k:-k].tolist())) == 1:
            even.append(k)
    return tuple(even)


def _stamp_ones(image: np.ndarray, stride: int = 2) -> np.ndarray:
    """Keras' Conv2DTranspose with a stride x stride kernel of ones at ``stride``."""
    import keras

    image = np.asarray(image, "float32")
    layer = keras.layers.Conv2DTranspose(1, stride, strides=stride, use_bias=False,
                                         kernel_initializer="ones")
    return keras.ops.convert_to_numpy(layer(image[None, :, :, None]))[0, :, :, 0]


def stamped_with_ones(image: np.ndarray) -> np.ndarray:
    """What a 2x2 kernel of ones at stride 2 makes of ``image``, run in Keras."""
    return _stamp_ones(image)


def acts_like_stamping(layer, seed: int = 0) -> bool | None:
    """Whether a Keras layer gives what a 2x2 kernel of ones at stride 2 gives, on a
    random 3x3 image; None when no layer was given."""
    import keras

    if layer is None:
        return None
    image = np.random.default_rng(seed).normal(size=(3, 3)).astype("float32")
    try:
        yours = keras.ops.convert_to_numpy(layer(image[None, :, :, None]))[0, :, :, 0]
    except Exception:  # not a layer, or one that cannot take a 3x3 image
        return False
    expected = _stamp_ones(image)
    return bool(yours.shape == expected.shape and np.allclose(yours, expected, atol=1e-5))
