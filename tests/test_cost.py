"""Tests of gan_utils.cost: multiply-adds of layers worked out by hand, the GAN step's
FLOPs from them, and the minutes estimate's arithmetic."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from gan_utils import cost, models


def one_layer(shape, layer):
    inputs = keras.Input(shape)
    return keras.Model(inputs, layer(inputs))


def test_dense_counts_inputs_times_units():
    assert cost.multiply_adds(one_layer((10,), layers.Dense(7))) == 70
    # on a (4, 10) input, the same 10 x 7 product at each of 4 positions
    assert cost.multiply_adds(one_layer((4, 10), layers.Dense(7))) == 280


def test_conv2d_counts_output_pixels_times_kernel_and_channels():
    # 8x8x3 -> 3x3 "valid", stride 1: 6x6 outputs, each 3*3*3 inputs, 5 filters
    assert cost.multiply_adds(one_layer((8, 8, 3), layers.Conv2D(5, 3))) == 6 * 6 * 27 * 5
    # stride 2, "same": 4x4 outputs
    assert cost.multiply_adds(one_layer((8, 8, 3), layers.Conv2D(5, 3, strides=2,
                                                                  padding="same"))) == 16 * 27 * 5
    # groups=2: each filter sees half the 4 input channels
    grouped = one_layer((6, 6, 4), layers.Conv2D(2, 1, groups=2))
    assert cost.multiply_adds(grouped) == 36 * 2 * 2


def test_conv2d_transpose_counts_input_pixels_times_kernel_and_channels():
    # 4x4x8 -> 8x8x2 with a 4x4 kernel at stride 2: 16 input pixels each stamp 4*4*2 per channel
    layer = layers.Conv2DTranspose(2, 4, strides=2, padding="same")
    assert cost.multiply_adds(one_layer((4, 4, 8), layer)) == 16 * 8 * 16 * 2


def test_other_layers_cost_nothing_and_nested_models_count():
    inputs = keras.Input((6,))
    inner = keras.Sequential([keras.Input((6,)), layers.Dense(4), layers.ReLU()])
    outputs = layers.Dense(3)(layers.BatchNormalization()(inner(inputs)))
    assert cost.multiply_adds(keras.Model(inputs, outputs)) == 6 * 4 + 4 * 3


def test_book_sized_frog_generator_by_hand():
    G = models.frog_generator()            # 32 -> 16x16x128 -> ... 256 filters
    expected = (32 * 16 * 16 * 128                 # project
                + 16 * 16 * 25 * 128 * 256         # conv1
                + 16 * 16 * 16 * 256 * 256         # up: 16x16 input pixels, 4x4 kernel
                + 2 * 32 * 32 * 25 * 256 * 256     # conv2, conv3
                + 32 * 32 * 49 * 256 * 3)          # to_image
    assert cost.multiply_adds(G) == expected


def test_gan_step_flops_is_two_flops_per_multiply_add_of_4g_plus_8d():
    G = one_layer((3,), layers.Dense(5))     # 15 multiply-adds
    D = one_layer((5,), layers.Dense(1))     # 5
    assert cost.gan_step_flops(G, D, batch_size=2) == 2 * 2 * (4 * 15 + 8 * 5)
    with pytest.raises(ValueError, match="batch_size=0"):
        cost.gan_step_flops(G, D, 0)


def test_minutes_estimate_divides_by_the_used_share_of_the_peak():
    # 1 TFLOP a step, 600 steps, at 10% of 65 TFLOPS: 600 / 6.5 s
    minutes = cost.minutes_estimate(1e12, 600, "mixed_float16")
    assert minutes == pytest.approx(600 / 6.5 / 60)
    assert cost.minutes_estimate(8e12, 60, "float32", peak_tflops={"float32": 8.0},
                                 utilisation={"float32": 1.0}) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="precision='bfloat16'"):
        cost.minutes_estimate(1e12, 1, "bfloat16")
