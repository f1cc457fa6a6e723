"""Expected answers to notebook 03's exercises (convolution arithmetic).

Each answer is computed here, by Keras or NumPy from the lesson's own objects, so that the
notebook's check cells never show it and it cannot drift from the lesson.
"""

from __future__ import annotations

import numpy as np


def _keras_conv(image: np.ndarray, kernel: np.ndarray, stride: int = 1,
                padding: str = "valid") -> np.ndarray:
    """One single-channel image through a bias-free Conv2D whose weights are ``kernel``."""
    import keras

    image = np.asarray(image, "float32")
    kernel = np.ascontiguousarray(kernel, "float32")
    layer = keras.layers.Conv2D(1, kernel.shape, strides=stride, padding=padding,
                                use_bias=False)
    layer.build((1, *image.shape, 1))
    layer.set_weights([kernel[:, :, None, None]])
    return keras.ops.convert_to_numpy(layer(image[None, :, :, None]))[0, :, :, 0]


def slide_wrong_entry(x: np.ndarray, kernel: np.ndarray,
                      slide: np.ndarray) -> tuple[int, int, float]:
    """(row, column, right value) of the one entry where ``slide`` differs from Keras'
    convolution of ``x`` with ``kernel``."""
    right = _keras_conv(x, kernel)
    wrong = np.argwhere(~np.isclose(right, slide))
    if len(wrong) != 1:
        raise ValueError(f"slide {np.asarray(slide).tolist()}: expected exactly one entry "
                         f"to differ from {right.tolist()}, found {len(wrong)}")
    row, col = wrong[0]
    return int(row), int(col), float(right[row, col])


def _dense(inputs: int, units: int):
    import keras

    layer = keras.layers.Dense(units)
    layer.build((None, inputs))
    return layer


def dense_biases(inputs: int, units: int) -> int:
    """How many biases Keras' Dense(units) has on ``inputs`` numbers."""
    return int(np.prod(_dense(inputs, units).bias.shape))


def dense_trainable(inputs: int, units: int) -> int:
    """How many trainable numbers Keras' Dense(units) has on ``inputs`` numbers."""
    return int(_dense(inputs, units).count_params())


def conv_output_height(n: int, kernel: int, stride: int, padding: int | str = "valid") -> int:
    """The height of what Keras' Conv2D gives when it runs on an n x n image (an integer
    padding p: ZeroPadding2D(p), then a "valid" Conv2D)."""
    import keras

    image = np.zeros((1, n, n, 1), "float32")
    if isinstance(padding, int):
        image, padding = keras.layers.ZeroPadding2D(padding)(image), "valid"
    layer = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding)
    return int(keras.ops.shape(layer(image))[1])


def padding_that_keeps_size(n: int, kernel: int) -> int:
    """The zeros per side with which a stride-1 Conv2D keeps an n x n image n x n."""
    for p in range(kernel):
        if conv_output_height(n, kernel, 1, p) == n:
            return p
    raise ValueError(f"no padding keeps {n} pixels under a {kernel}-pixel kernel")


def conv_trainable(filters: int, kernel: int, channels: int) -> int:
    """Trainable numbers of Keras' Conv2D(filters, kernel) on ``channels`` channels."""
    import keras

    layer = keras.layers.Conv2D(filters, kernel)
    layer.build((None, 32, 32, channels))
    return int(layer.count_params())


def inputs_with_output(out: int, kernel: int, stride: int, padding: int,
                       largest: int = 20) -> tuple[int, ...]:
    """Every input size up to ``largest`` whose ZeroPadding2D(padding) + Conv2D gives
    ``out`` pixels, smallest first."""
    return tuple(n for n in range(max(1, kernel - 2 * padding), largest + 1)
                 if conv_output_height(n, kernel, stride, padding) == out)


def turned_kernel_output(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Keras' convolution of ``x`` with the transposed kernel ``kernel.T``."""
    return _keras_conv(x, np.asarray(kernel).T)


def edges_detected(kernel: np.ndarray, size: int = 6) -> str:
    """"vertical" or "horizontal": the edge a kernel responds to, measured with Keras on
    an image whose left half is 0 and right half 1 (a vertical edge) and on its
    transpose (a horizontal edge)."""
    step = np.zeros((size, size), "float32")
    step[:, size // 2:] = 1
    vertical = np.abs(_keras_conv(step, kernel)).max()
    horizontal = np.abs(_keras_conv(step.T, kernel)).max()
    if (vertical > 0) == (horizontal > 0):
        raise ValueError("the kernel responds to both edges or to neither")
    return "vertical" if vertical > 0 else "horizontal"
