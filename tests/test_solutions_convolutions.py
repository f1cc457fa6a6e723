"""gan_utils.solutions for notebooks 03 and 04: expected answers, worked out by hand here."""

import keras
import numpy as np
import pytest

from gan_utils.solutions import convolution_arithmetic as arithmetic
from gan_utils.solutions import transposed_convolutions as transposed

X = np.array([[3, 0, 7, 9], [8, 1, 4, 0], [5, 0, 1, 9], [6, 0, 0, 3]], "float32")
K = np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]], "float32")


def test_the_slide_erratum_is_found_and_a_slide_without_one_error_is_refused():
    assert arithmetic.slide_wrong_entry(X, K, [[-4, -6], [-6, -2]]) == (1, 0, -7.0)
    with pytest.raises(ValueError, match="found 0"):
        arithmetic.slide_wrong_entry(X, K, [[-4, -6], [-7, -2]])
    with pytest.raises(ValueError, match="found 2"):
        arithmetic.slide_wrong_entry(X, K, [[-4, -5], [-6, -2]])


def test_dense_and_conv_counts_are_keras_own():
    assert arithmetic.dense_biases(inputs=5, units=7) == 7
    assert arithmetic.dense_trainable(inputs=5, units=7) == 5 * 7 + 7
    assert arithmetic.conv_trainable(filters=64, kernel=5, channels=3) == 64 * (5 * 5 * 3 + 1)


def test_output_sizes_paddings_and_inputs():
    assert arithmetic.conv_output_height(28, 5, stride=2) == (28 - 5) // 2 + 1
    assert arithmetic.conv_output_height(28, 5, stride=2, padding="same") == 14
    assert arithmetic.conv_output_height(5, 3, stride=2, padding=1) == 3
    assert arithmetic.padding_that_keeps_size(32, kernel=5) == 2
    assert arithmetic.inputs_with_output(4, kernel=3, stride=2, padding=1) == (7, 8)
    with pytest.raises(ValueError, match="no padding keeps"):
        arithmetic.padding_that_keeps_size(8, kernel=4)   # an even kernel needs p = 1.5


def test_the_turned_kernel_sees_vertical_edges():
    np.testing.assert_array_equal(arithmetic.turned_kernel_output(X, K),
                                  [[-4, 17], [-14, 11]])   # right column minus left, by hand
    assert arithmetic.edges_detected(K.T) == "vertical"
    assert arithmetic.edges_detected(K) == "horizontal"
    with pytest.raises(ValueError, match="both edges or to neither"):
        arithmetic.edges_detected(np.ones((3, 3)))


def test_transposed_sizes_layers_and_output_padding():
    assert transposed.transposed_size(7, 3, 2) == (7 - 1) * 2 + 3
    assert transposed.transposed_size(4, 3, 2, "same", output_padding=1) == 8
    assert transposed.layers_to_reach(4, 64, kernel=4, stride=2) == 4    # 4 8 16 32 64
    assert transposed.output_padding_for(4, 7, kernel=3, stride=2) == 0
    with pytest.raises(ValueError, match="no output_padding maps 4 to 9"):
        transposed.output_padding_for(4, 9, kernel=3, stride=2)


def test_even_overlap_kernels_are_the_multiples_of_the_stride():
    assert transposed.even_overlap_kernels(stride=3, largest=9) == (3, 6, 9)
    assert transposed.even_overlap_kernels(stride=2, largest=6) == (2, 4, 6)


def test_stamping_ones_is_nearest_neighbour_upsampling():
    np.testing.assert_array_equal(transposed.stamped_with_ones([[1, 2], [3, 4]]),
                                  [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    assert transposed.acts_like_stamping(keras.layers.UpSampling2D(2)) is True
    assert transposed.acts_like_stamping(
        keras.layers.UpSampling2D(2, interpolation="bilinear")) is False
    assert transposed.acts_like_stamping("not a layer") is False
    assert transposed.acts_like_stamping(None) is None
