"""Convolution and transposed-convolution arithmetic, one tested function per idea.

Notebooks 03 and 04 derive each of these by hand first; the functions here are the
same ideas written once, checked against Keras in tests/test_conv.py:

- :func:`conv_output_size` / :func:`conv_transpose_output_size`: the size formulas,
  for integer padding and for Keras' ``"valid"`` / ``"same"``;
- :func:`same_padding`: the (possibly asymmetric) zeros Keras adds for ``"same"``;
- :func:`conv_matrix`: the sparse matrix ``C`` with ``C @ x.ravel() == conv(x)``;
  its transpose ``C.T`` is the transposed convolution;
- :func:`conv_transpose_padding`: the zeros to put around the zero-inserted input so
  that an ordinary stride-1 convolution computes a transposed convolution;
- :func:`transposed_overlap`: how many kernel taps land on each output pixel of a
  transposed convolution, the cause of checkerboard artifacts.

Keras' Conv2D computes a cross-correlation (the kernel is not flipped), and so does
everything here: ``y[i, j] = sum_ab K[a, b] * x[i*s + a*d - p, j*s + b*d - p]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gan_utils._validate import positive_int

KERAS_PADDINGS = ("valid", "same")


def _padding(padding) -> int | str:
    """Normalise ``padding``: a non-negative int, or ``"valid"`` / ``"same"`` (any case)."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode not in KERAS_PADDINGS:
            raise ValueError(f"padding={padding!r}: expected an integer >= 0, 'valid' or 'same'")
        return mode
    return positive_int("padding", padding, minimum=0)


def effective_kernel_size(kernel: int, dilation: int = 1) -> int:
    """The span of a dilated kernel: ``(kernel - 1) * dilation + 1``.

    A 3-tap kernel with dilation 2 touches pixels 0, 2 and 4, so it spans 5 pixels.
    """
    kernel = positive_int("kernel", kernel)
    dilation = positive_int("dilation", dilation)
    return (kernel - 1) * dilation + 1


def same_padding(n: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """The zeros (before, after) that Keras' ``padding="same"`` adds along one axis.

    "same" keeps ``ceil(n / stride)`` outputs. The total padding is what those outputs
    need, ``(out - 1) * stride + k_eff - n`` (never negative); when it is odd, the
    extra zero goes *after* the input (TensorFlow's convention), so "same" is not
    always a symmetric integer padding.
    """
    n = positive_int("n", n)
    stride = positive_int("stride", stride)
    k_eff = effective_kernel_size(kernel, dilation)
    out = -(-n // stride)  # ceil(n / stride)
    total = max((out - 1) * stride + k_eff - n, 0)
    return total // 2, total - total // 2


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int | str = 0,
                     dilation: int = 1) -> int:
    """Output size of a convolution along one axis.

    With ``p`` zeros on each side and the effective kernel ``k_eff = (k - 1) d + 1``
    the window fits ``floor((n + 2p - k_eff) / s) + 1`` times. ``padding="valid"`` is
    ``p = 0``; ``"same"`` gives ``ceil(n / s)`` (see :func:`same_padding`).

    Raises ValueError for non-positive sizes, a negative padding, an unknown padding
    string, or a kernel larger than the padded input.
    """
    n = positive_int("n", n)
    stride = positive_int("stride", stride)
    k_eff = effective_kernel_size(kernel, dilation)
    padding = _padding(padding)
    if padding == "same":
        return -(-n // stride)
    pad = 0 if padding == "valid" else padding
    if k_eff > n + 2 * pad:
        raise ValueError(
            f"kernel={kernel} (effective size {k_eff} with dilation={dilation}) is larger than "
            f"the padded input n + 2*padding = {n} + 2*{pad} = {n + 2 * pad}")
    return (n + 2 * pad - k_eff) // stride + 1


def conv_transpose_output_size(n: int, kernel: int, stride: int = 1, padding: int | str = 0,
                               output_padding: int | None = None, dilation: int = 1) -> int:
    """Output size of a transposed convolution along one axis.

    Each of the ``n`` inputs stamps the kernel ``s`` pixels further along, so the
    stamps cover ``(n - 1) s + k_eff`` pixels; an integer ``padding`` crops ``p`` from
    each side and ``output_padding`` adds pixels at the end:
    ``(n - 1) s + k_eff - 2p + output_padding``.

    Keras' paddings follow Keras exactly: ``"valid"`` is ``p = 0`` with
    ``output_padding`` defaulting to ``max(k_eff, s) - k_eff``; ``"same"`` gives
    ``n * s`` when ``output_padding`` is None and otherwise
    ``(n - 1) s + k_eff % 2 + output_padding``.

    ``output_padding`` must be smaller than ``stride``: it picks one of the ``s`` input
    sizes that a stride-``s`` convolution maps to the same output size.

    ``"same"`` with an even ``k_eff`` and ``output_padding=0`` raises ValueError, although
    Keras' ``compute_output_shape`` answers ``(n - 1) s``: TensorFlow runs the layer as the
    gradient of a "same" convolution of an ``o``-pixel input, which needs
    ``ceil(o / s) == n``, and ``(n - 1) s`` pixels give ``n - 1``. Running the layer fails.
    """
    n = positive_int("n", n)
    stride = positive_int("stride", stride)
    k_eff = effective_kernel_size(kernel, dilation)
    padding = _padding(padding)
    if output_padding is not None:
        output_padding = positive_int("output_padding", output_padding, minimum=0)
        if output_padding >= stride:
            raise ValueError(f"output_padding={output_padding} must be smaller than "
                             f"stride={stride}")
    if padding == "valid":
        extra = max(k_eff, stride) - k_eff if output_padding is None else output_padding
        return (n - 1) * stride + k_eff + extra
    if padding == "same":
        if output_padding is None:
            return n * stride
        size = (n - 1) * stride + k_eff % 2 + output_padding
        if -(-size // stride) != n:
            raise ValueError(
                f"padding='same' with an even kernel (effective size {k_eff}) and "
                f"output_padding={output_padding} asks for (n-1)*stride = {size} pixels, a size "
                f"the layer cannot run: TensorFlow computes it as the gradient of a 'same' "
                f"convolution of a {size}-pixel input, which has ceil({size}/{stride}) = "
                f"{-(-size // stride)} outputs, not n={n}. Use output_padding >= 1 (or None), "
                f"or an odd kernel")
        return size
    size = (n - 1) * stride + k_eff - 2 * padding + (output_padding or 0)
    if size < 1:
        raise ValueError(f"padding={padding} crops the whole output: (n-1)*stride + k_eff = "
                         f"{(n - 1) * stride + k_eff} is not larger than 2*padding")
    return size


def conv_transpose_padding(n: int, kernel: int, stride: int = 1, padding: int | str = 0,
                           output_padding: int | None = None,
                           dilation: int = 1) -> tuple[int, int]:
    """Zeros (before, after) that turn a transposed convolution into a plain one.

    Insert ``stride - 1`` zeros between the ``n`` inputs (length ``(n - 1) s + 1``),
    pad with these amounts, and slide the *flipped* kernel with stride 1: the result
    is the transposed convolution, of :func:`conv_transpose_output_size` pixels.
    Without cropping both pads are ``k_eff - 1`` ("full" padding); a padding of ``p``
    removes ``p`` of them. A negative value means cropping the zero-inserted input.
    """
    out = conv_transpose_output_size(n, kernel, stride, padding, output_padding, dilation)
    k_eff = effective_kernel_size(kernel, dilation)
    mode = _padding(padding)
    if mode == "valid":
        crop_before = 0
    elif mode == "same":
        # TensorFlow runs the gradient of a "same" convolution whose input has `out`
        # pixels: it crops the first half (rounded down) of that convolution's padding.
        crop_before = max((n - 1) * stride + k_eff - out, 0) // 2
    else:
        crop_before = mode
    before = k_eff - 1 - crop_before
    dilated = (n - 1) * stride + 1
    after = out - 1 + k_eff - dilated - before
    return before, after


def _pair(name: str, value) -> tuple[int, int]:
    """An int or a pair of ints as a pair (the two spatial axes)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, Sequence) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise ValueError(f"{name}={value!r}: expected an integer or a pair of integers")


def conv_matrix(input_shape: int | tuple[int, int], kernel, stride: int = 1,
                padding: int | str = 0, dilation: int = 1):
    """The sparse matrix ``C`` of a single-channel 2-D convolution (cross-correlation).

    ``(C @ x.ravel()).reshape(out_h, out_w)`` equals Keras' ``Conv2D`` with this kernel
    (no bias) on the ``input_shape`` image ``x``; row ``r`` of ``C`` holds the kernel
    weights at the input pixels the window covers for output pixel ``r``. Zero padding
    needs no columns: a tap on a padded zero contributes nothing. ``C.T @ y.ravel()``
    is the transposed convolution of ``y`` (see :func:`conv_transpose_padding`).

    Returns a ``scipy.sparse.csr_matrix`` of shape ``(out_h * out_w, in_h * in_w)``.
    """
    from scipy import sparse

    height, width = _pair("input_shape", input_shape)
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2:
        raise ValueError(f"kernel of shape {kernel.shape}: expected a 2-D (kh, kw) array")
    stride_h, stride_w = _pair("stride", stride)
    rows_cols_values = ([], [], [])
    axes = []
    for size, k, s in ((height, kernel.shape[0], stride_h), (width, kernel.shape[1], stride_w)):
        out = conv_output_size(size, k, s, padding, dilation)
        mode = _padding(padding)
        if mode == "same":
            before = same_padding(size, k, s, dilation)[0]
        else:
            before = 0 if mode == "valid" else mode
        axes.append((out, s, before))
    (out_h, s_h, pad_h), (out_w, s_w, pad_w) = axes
    for i in range(out_h):
        for j in range(out_w):
            for a in range(kernel.shape[0]):
                for b in range(kernel.shape[1]):
                    row_in = i * s_h + a * dilation - pad_h
                    col_in = j * s_w + b * dilation - pad_w
                    if 0 <= row_in < height and 0 <= col_in < width and kernel[a, b] != 0:
                        rows_cols_values[0].append(i * out_w + j)
                        rows_cols_values[1].append(row_in * width + col_in)
                        rows_cols_values[2].append(kernel[a, b])
    rows, cols, values = rows_cols_values
    return sparse.csr_matrix((values, (rows, cols)), shape=(out_h * out_w, height * width))


def transposed_overlap(input_shape: int | tuple[int, int], kernel: int | tuple[int, int],
                       stride: int | tuple[int, int] = 1, padding: int = 0) -> np.ndarray:
    """How many kernel taps land on each output pixel of a transposed convolution.

    Input pixel ``i`` stamps the kernel on outputs ``i*s - p ... i*s - p + k - 1``.
    Where ``k`` is not a multiple of ``s`` the stamps overlap unevenly (for k=3, s=2
    the interior counts alternate 2, 1, 2, 1 along each axis): a constant input then
    gives a periodic, checkerboard output. ``input_shape`` an int gives the 1-D counts,
    a pair the 2-D counts (the outer product of the two 1-D ones).
    """
    if isinstance(input_shape, (int, np.integer)) and not isinstance(input_shape, bool):
        n = positive_int("input_shape", input_shape)
        k = positive_int("kernel", kernel)
        s = positive_int("stride", stride)
        p = positive_int("padding", padding, minimum=0)
        size = conv_transpose_output_size(n, k, s, p)
        counts = np.zeros((n - 1) * s + k, dtype=np.int64)
        for i in range(n):
            counts[i * s:i * s + k] += 1
        return counts[p:p + size]
    n_h, n_w = _pair("input_shape", input_shape)
    k_h, k_w = _pair("kernel", kernel)
    s_h, s_w = _pair("stride", stride)
    return np.outer(transposed_overlap(n_h, k_h, s_h, padding),
                    transposed_overlap(n_w, k_w, s_w, padding))
