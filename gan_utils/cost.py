"""What a training step costs, counted from the model: multiply-adds, FLOPs, GPU minutes.

:func:`multiply_adds` counts one example's multiply-adds through a Keras model's
``Dense``, ``Conv2D`` and ``Conv2DTranspose`` layers (the rest, batch norm, activations,
reshapes, costs a few per value and is left out). :func:`gan_step_flops` turns the two
networks' counts into the FLOPs of one alternating GAN step, and :func:`minutes_estimate`
into minutes on a GPU from its peak speed and an assumed utilisation: an estimate, never a
measurement.
"""

from __future__ import annotations

import math

# A Colab T4's peak speeds in TFLOPS (NVIDIA's data sheet: 8.1 in float32, 65 in float16
# on the tensor cores), and the share of the peak this module assumes a small GAN reaches.
T4_PEAK_TFLOPS = {"float32": 8.1, "mixed_float16": 65.0}
ASSUMED_UTILISATION = {"float32": 0.4, "mixed_float16": 0.1}


def _layer_multiply_adds(layer) -> int:
    """One example's multiply-adds in one Dense / Conv2D / Conv2DTranspose layer (else 0)."""
    from keras import layers

    if isinstance(layer, layers.Conv2DTranspose):
        # every input pixel stamps a kh x kw x c_out kernel per input channel
        height, width, channels = layer.input.shape[1:]
        kh, kw = layer.kernel_size
        return height * width * channels * kh * kw * layer.filters
    if isinstance(layer, layers.Conv2D):
        # every output pixel is a dot product over kh x kw x (c_in / groups) inputs
        height, width, filters = layer.output.shape[1:]
        kh, kw = layer.kernel_size
        channels = layer.input.shape[-1] // layer.groups
        return height * width * filters * kh * kw * channels
    if isinstance(layer, layers.Dense):
        positions = math.prod(layer.input.shape[1:-1])
        return positions * layer.input.shape[-1] * layer.units
    return 0


def multiply_adds(model) -> int:
    """Multiply-adds of one example's forward pass through ``model`` (a built Keras model).

    Counts Dense (inputs x units), Conv2D (output pixels x kernel area x input channels x
    filters) and Conv2DTranspose (input pixels x kernel area x input channels x filters)
    layers, inside nested models too. A FLOP count is twice this.
    """
    total = 0
    for layer in model.layers:
        if hasattr(layer, "layers"):          # a model inside the model
            total += multiply_adds(layer)
        else:
            total += _layer_multiply_adds(layer)
    return int(total)


def gan_step_flops(generator, discriminator, batch_size: int) -> int:
    """FLOPs of one alternating GAN step (D's update, then G's) on ``batch_size`` images.

    With the usual rule that a backward pass costs twice the forward (one pass for the
    inputs' gradients, one for the weights'), per example: D's update runs G forward (1),
    D forward and backward on a real and a fake image (2 x 3); G's update runs G forward
    and backward (3) and D forward and back to its inputs only (2). So 4 G + 8 D
    multiply-adds per example, two FLOPs each.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r}: expected a positive integer")
    per_example = 4 * multiply_adds(generator) + 8 * multiply_adds(discriminator)
    return 2 * batch_size * per_example


def minutes_estimate(flops_per_step: float, steps: int, precision: str = "mixed_float16",
                     peak_tflops: dict | None = None,
                     utilisation: dict | None = None) -> float:
    """Minutes for ``steps`` steps at ``utilisation`` x the peak speed (default: a T4's).

    ``precision`` picks the peak: ``"float32"`` or ``"mixed_float16"``. An estimate only:
    data loading, small kernels and Python overheads are not in it.
    """
    peak_tflops = T4_PEAK_TFLOPS if peak_tflops is None else peak_tflops
    utilisation = ASSUMED_UTILISATION if utilisation is None else utilisation
    if precision not in peak_tflops or precision not in utilisation:
        raise ValueError(f"precision={precision!r}: expected one of {', '.join(peak_tflops)}")
    if flops_per_step < 0 or steps < 0:
        raise ValueError(f"flops_per_step={flops_per_step}, steps={steps}: expected >= 0")
    seconds = flops_per_step * steps / (peak_tflops[precision] * 1e12 * utilisation[precision])
    return seconds / 60
