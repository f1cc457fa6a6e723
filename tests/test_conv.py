"""gan_utils.conv against hand-worked values and against Keras' own layers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gan_utils import conv

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
from gan_utils import convlab  # noqa: E402  (after the skips: it runs Keras' layers)

# ---------------------------------------------------------------- sizes by hand

@pytest.mark.parametrize(("args", "kwargs", "expected"), [
    ((5, 3), {"stride": 2, "padding": 1}, 3),      # (5 + 2 - 3) // 2 + 1
    ((4, 3), {}, 2),                               # the 4x4 example of notebook 03
    ((28, 5), {"stride": 2, "padding": "same"}, 14),
    ((27, 5), {"stride": 2, "padding": "same"}, 14),  # ceil(27 / 2)
    ((7, 3), {"dilation": 2}, 3),                  # effective kernel 5: 7 - 5 + 1
    ((6, 2), {"stride": 2, "padding": "valid"}, 3),
    ((3, 5), {"padding": 1}, 1),                   # 3 + 2 = 5 = kernel: one position
])
def test_conv_output_size_by_hand(args, kwargs, expected):
    assert conv.conv_output_size(*args, **kwargs) == expected


@pytest.mark.parametrize(("args", "kwargs", "expected"), [
    ((7, 5), {"stride": 2, "padding": "same"}, 14),    # DCGAN tutorial 7 -> 14
    ((3, 3), {"stride": 2, "padding": 1, "output_padding": 0}, 5),  # (3-1)*2 + 3 - 2
    ((3, 3), {"stride": 2, "padding": 1, "output_padding": 1}, 6),
    ((2, 3), {}, 4),                                   # (2-1)*1 + 3
    ((2, 2), {"stride": 3, "padding": "valid"}, 6),    # 3 + 2 + gap max(2,3)-2 = 1
    ((4, 4), {"stride": 2, "padding": "same", "output_padding": 1}, 7),  # 3*2 + 4%2 + 1
    ((4, 3), {"stride": 2, "padding": "same", "output_padding": 0}, 7),  # 3*2 + 3%2 + 0
    ((3, 3), {"dilation": 2}, 7),                      # 2 + effective kernel 5
])
def test_conv_transpose_output_size_by_hand(args, kwargs, expected):
    assert conv.conv_transpose_output_size(*args, **kwargs) == expected


def test_same_padding_is_asymmetric_when_the_total_is_odd():
    # n=6, k=3, s=2: 3 outputs need (3-1)*2 + 3 = 7 pixels, one zero, put after.
    assert conv.same_padding(6, 3, 2) == (0, 1)
    assert conv.same_padding(7, 3, 2) == (1, 1)
    assert conv.same_padding(28, 5, 1) == (2, 2)
    assert conv.same_padding(5, 1, 2) == (0, 0)


# --------------------------------------------------------------- sizes vs Keras

def _keras_conv_size(n, k, s, padding, d):
    """The size Keras' Conv2D predicts, checked equal to the size it produces when run."""
    layer = keras.layers.Conv2D(1, k, strides=s, padding=padding, dilation_rate=d,
                                use_bias=False)
    predicted = layer.compute_output_shape((1, n, n, 1))[1]
    ran = keras.ops.convert_to_numpy(layer(np.ones((1, n, n, 1), "float32"))).shape[1]
    assert ran == predicted, (n, k, s, padding, d)
    return ran


def _keras_conv_transpose_size(n, k, s, padding, op, d):
    """The size Keras' Conv2DTranspose produces when it runs on an n x n input, and the
    size its compute_output_shape predicts; None for the first when the run fails.
    Dilated layers are not run: TensorFlow's CPU kernel refuses any dilation > 1 (not a
    size rule), so for those only the prediction is compared."""
    layer = keras.layers.Conv2DTranspose(1, k, strides=s, padding=padding,
                                         output_padding=op, dilation_rate=d, use_bias=False)
    predicted = layer.compute_output_shape((1, n, n, 1))[1]
    if d > 1:  # TensorFlow's CPU kernel runs no dilated transposed convolution at all
        return predicted, predicted
    try:  # run as convlab's calculator runs it (XLA where oneDNN could end the process)
        ran = convlab.run_conv_transpose(n, k, s, padding, op)
    except tf.errors.InvalidArgumentError:  # the layer cannot run
        ran = None
    return ran, predicted


def _keras_accepts(s, d):
    return s == 1 or d == 1  # Keras refuses strides > 1 together with dilation > 1


def test_conv_output_size_matches_keras_conv2d():
    checked = 0
    for n, k, s, d, padding in itertools.product(range(1, 10), range(1, 6), range(1, 4),
                                                 (1, 2), ("valid", "same")):
        if not _keras_accepts(s, d):
            continue
        try:
            expected = _keras_conv_size(n, k, s, padding, d)
        except ValueError:  # Keras: "output size would be zero or negative"
            expected = 0
        if expected <= 0:  # Keras 3.13 (Colab's) reports a size of 0 where 3.15 refuses
            with pytest.raises(ValueError, match="larger than the padded input"):
                conv.conv_output_size(n, k, s, padding, d)
            continue
        assert conv.conv_output_size(n, k, s, padding, d) == expected, (n, k, s, d, padding)
        checked += 1
    assert checked > 300


def test_integer_padding_matches_keras_zero_padding_then_valid():
    # Keras layers take no integer padding: ZeroPadding2D(p) then "valid" is the same thing.
    for n, k, s, p in itertools.product(range(1, 8), range(1, 6), (1, 2, 3), (0, 1, 2)):
        if k > n + 2 * p:
            continue
        assert conv.conv_output_size(n, k, s, p) == _keras_conv_size(n + 2 * p, k, s,
                                                                      "valid", 1)


def test_conv_transpose_output_size_matches_running_keras_conv2d_transpose():
    checked = refused = 0
    for n, k, s, d, padding in itertools.product(range(1, 7), range(1, 6), range(1, 4),
                                                 (1, 2), ("valid", "same")):
        if not _keras_accepts(s, d):
            continue
        for op in (None, *range(s)):
            ran, predicted = _keras_conv_transpose_size(n, k, s, padding, op, d)
            case = (n, k, s, d, padding, op)
            if ran is None:
                # compute_output_shape answers, but the layer cannot run: refused.
                assert padding == "same" and op == 0 and ((k - 1) * d + 1) % 2 == 0, case
                with pytest.raises(ValueError, match="cannot run"):
                    conv.conv_transpose_output_size(n, k, s, padding, op, d)
                refused += 1
            else:
                assert conv.conv_transpose_output_size(n, k, s, padding, op, d) == ran, case
                assert ran == predicted, case
                checked += 1
    # Every even kernel (k = 2, 4) with "same", output_padding=0, d=1: 6 sizes x 2 kernels
    # x 3 strides; with d=2 every k_eff is odd.
    assert refused == 6 * 2 * 3
    assert checked > 300


def test_conv_transpose_size_undoes_conv_size_with_the_right_output_padding():
    # A stride-s convolution maps s input sizes to one output size; output_padding
    # (n + 2p - k) mod s picks the original one back.
    for n, k, s, p in itertools.product(range(1, 12), range(1, 6), (1, 2, 3), (0, 1, 2)):
        if k > n + 2 * p:
            continue
        out = conv.conv_output_size(n, k, s, p)
        op = (n + 2 * p - k) % s
        assert conv.conv_transpose_output_size(out, k, s, p, output_padding=op) == n


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize(("call", "message"), [
    (lambda: conv.conv_output_size(3, 5), "larger than the padded input"),
    (lambda: conv.conv_output_size(5, 3, dilation=3), r"effective size 7"),
    (lambda: conv.conv_output_size(0, 3), "n=0"),
    (lambda: conv.conv_output_size(-4, 3), "n=-4"),
    (lambda: conv.conv_output_size(5, 0), "kernel=0"),
    (lambda: conv.conv_output_size(5, 3, stride=0), "stride=0"),
    (lambda: conv.conv_output_size(5, 3, dilation=0), "dilation=0"),
    (lambda: conv.conv_output_size(5, 3, padding=-1), "padding=-1"),
    (lambda: conv.conv_output_size(5, 3, padding="full"), "'valid' or 'same'"),
    (lambda: conv.conv_output_size(5.0, 3), "n=5.0"),
    (lambda: conv.conv_output_size(True, 3), "n=True"),
    (lambda: conv.conv_transpose_output_size(4, 3, stride=2, output_padding=2),
     "output_padding=2 must be smaller than stride=2"),
    (lambda: conv.conv_transpose_output_size(4, 3, output_padding=1),
     "must be smaller than stride=1"),
    (lambda: conv.conv_transpose_output_size(4, 3, stride=2, output_padding=-1),
     "output_padding=-1"),
    (lambda: conv.conv_transpose_output_size(1, 3, padding=2), "crops the whole output"),
    (lambda: conv.conv_transpose_output_size(3, 4, 2, "same", 0),
     r"even kernel \(effective size 4\).*cannot run.*ceil\(4/2\) = 2 outputs, not n=3"),
    (lambda: conv.conv_transpose_output_size(0, 3), "n=0"),
    (lambda: conv.conv_matrix((4, 4), np.ones(3)), "expected a 2-D"),
    (lambda: conv.conv_matrix((2, 2), np.ones((3, 3))), "larger than the padded input"),
    (lambda: conv.conv_matrix((4, 4, 4), np.ones((3, 3))), "input_shape"),
    (lambda: conv.transposed_overlap(4, 3, stride=0), "stride=0"),
])
def test_bad_arguments_raise_a_value_error_naming_the_rule(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------- C against Keras numbers

def _keras_conv2d(x, kernel, stride, padding):
    """Keras Conv2D (no bias) of one single-channel image; integer padding via ZeroPadding2D."""
    if isinstance(padding, int):
        x = np.pad(x, padding)
        padding = "valid"
    layer = keras.layers.Conv2D(1, kernel.shape, strides=stride, padding=padding,
                                use_bias=False)
    layer.build((1, *x.shape, 1))
    layer.set_weights([kernel[:, :, None, None]])
    return keras.ops.convert_to_numpy(layer(x[None, :, :, None].astype("float32")))[0, :, :, 0]


def _keras_conv2d_transpose(y, kernel, stride, padding, output_padding):
    layer = keras.layers.Conv2DTranspose(1, kernel.shape, strides=stride, padding=padding,
                                         output_padding=output_padding, use_bias=False)
    layer.build((1, *y.shape, 1))
    layer.set_weights([kernel[:, :, None, None]])
    return keras.ops.convert_to_numpy(layer(y[None, :, :, None].astype("float32")))[0, :, :, 0]


def test_conv_matrix_of_the_notebook_example():
    x = np.array([[3, 0, 7, 9], [8, 1, 4, 0], [5, 0, 1, 9], [6, 0, 0, 3]], float)
    kernel = np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]], float)
    C = conv.conv_matrix((4, 4), kernel)
    assert C.shape == (4, 16)
    assert C.nnz == 4 * 6  # six non-zero taps at each of the four positions
    # By hand: bottom row of the window minus its top row.
    # (5+0+1)-(3+0+7) = -4   (0+1+9)-(0+7+9) = -6
    # (6+0+0)-(8+1+4) = -7   (0+0+3)-(1+4+0) = -2
    np.testing.assert_array_equal((C @ x.ravel()).reshape(2, 2), [[-4, -6], [-7, -2]])


@pytest.mark.parametrize(("size", "stride", "padding"), [
    ((6, 7), 1, 0), ((6, 7), 2, 0), ((6, 7), 1, 1), ((7, 7), 2, 1), ((6, 6), 2, 1),
    ((6, 8), 2, "same"), ((5, 5), 1, "same"), ((6, 5), 3, "valid"),
])
def test_conv_matrix_matches_keras_conv2d(size, stride, padding):
    rng = np.random.default_rng(0)
    x = rng.normal(size=size)
    kernel = rng.normal(size=(3, 3))
    C = conv.conv_matrix(size, kernel, stride, padding)
    expected = _keras_conv2d(x, kernel, stride, padding)
    assert C.shape == (expected.size, x.size)
    np.testing.assert_allclose((C @ x.ravel()).reshape(expected.shape), expected,
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("size", "stride", "padding", "keras_padding"), [
    # Padding 0: "valid"; output_padding (n - k) mod s restores the input size n.
    ((6, 7), 1, 0, "valid"),
    ((6, 7), 2, 0, "valid"),
    # Padding 1 with a 3x3 kernel: Keras "same" (with output_padding given) crops one
    # pixel on each side, exactly like symmetric padding 1 -- as long as "same" puts
    # its zeros symmetrically, i.e. (n + 2 - 3) is a multiple of the stride.
    ((6, 7), 1, 1, "same"),
    ((7, 9), 2, 1, "same"),
    # Keras "same" padding with an odd total puts the extra zero after; C built with
    # "same" follows it, so C.T still equals Conv2DTranspose("same").
    ((6, 8), 2, "same", "same"),
])
def test_conv_matrix_transpose_is_keras_conv2d_transpose(size, stride, padding, keras_padding):
    rng = np.random.default_rng(1)
    kernel = rng.normal(size=(3, 3))
    C = conv.conv_matrix(size, kernel, stride, padding)
    out_shape = tuple(conv.conv_output_size(n, 3, stride, padding) for n in size)
    y = rng.normal(size=out_shape)
    pad = 1 if padding == "same" else padding
    output_padding = tuple((n + 2 * pad - 3) % stride for n in size)
    expected = _keras_conv2d_transpose(y, kernel, stride, keras_padding, output_padding)
    assert expected.shape == size
    np.testing.assert_allclose((C.T @ y.ravel()).reshape(size), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("n", "k", "stride", "padding", "output_padding"), [
    (4, 3, 2, "valid", None), (4, 3, 2, "valid", 1), (4, 5, 2, "same", None),
    (4, 4, 2, "same", None), (3, 3, 2, "same", 1), (3, 2, 3, "valid", None),
    (5, 3, 1, "same", None), (4, 1, 2, "same", None),
])
def test_zero_insertion_then_convolution_is_keras_conv2d_transpose(n, k, stride, padding,
                                                                    output_padding):
    rng = np.random.default_rng(2)
    y = rng.normal(size=(n, n))
    kernel = rng.normal(size=(k, k))
    dilated = np.zeros(((n - 1) * stride + 1,) * 2)
    dilated[::stride, ::stride] = y
    before, after = conv.conv_transpose_padding(n, k, stride, padding, output_padding)
    padded = np.pad(dilated, (before, after))
    direct = _keras_conv2d(padded, kernel[::-1, ::-1], 1, 0)  # flipped kernel, stride 1
    expected = _keras_conv2d_transpose(y, kernel, stride, padding, output_padding)
    size = conv.conv_transpose_output_size(n, k, stride, padding, output_padding)
    assert expected.shape == direct.shape == (size, size)
    np.testing.assert_allclose(direct, expected, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------- overlap

def test_overlap_kernel_3_stride_2_alternates():
    # Input i stamps outputs 2i, 2i+1, 2i+2: even outputs inside get two stamps.
    np.testing.assert_array_equal(conv.transposed_overlap(4, 3, 2), [1, 1, 2, 1, 2, 1, 2, 1, 1])


def test_overlap_kernel_4_stride_2_is_uniform_inside():
    np.testing.assert_array_equal(conv.transposed_overlap(4, 4, 2),
                                  [1, 1, 2, 2, 2, 2, 2, 2, 1, 1])
    assert set(conv.transposed_overlap(10, 4, 2, padding=1)[1:-1]) == {2}


def test_overlap_with_padding_crops_both_ends():
    np.testing.assert_array_equal(conv.transposed_overlap(4, 3, 2, padding=1),
                                  [1, 2, 1, 2, 1, 2, 1])


def test_overlap_2d_is_keras_transpose_of_ones():
    # A kernel of ones on an input of ones adds one per tap: the output is the count.
    counts = conv.transposed_overlap((3, 4), 3, 2)
    ones = _keras_conv2d_transpose(np.ones((3, 4)), np.ones((3, 3)), 2, "valid", None)
    np.testing.assert_array_equal(counts, ones)
    assert counts.max() == 4 and counts.min() == 1


def test_overlap_is_conv_matrix_transpose_of_ones():
    C = conv.conv_matrix((9, 9), np.ones((3, 3)), stride=2)
    np.testing.assert_array_equal((C.T @ np.ones(C.shape[0])).reshape(9, 9),
                                  conv.transposed_overlap((4, 4), 3, 2))
