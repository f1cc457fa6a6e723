"""The DCGAN builders of notebooks 05 and 06: shapes, parameter counts, init, dtypes."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gan_utils import models, weights


@pytest.fixture
def bfloat16_policy():
    """Run a test under the mixed_bfloat16 global policy, then restore the previous one."""
    previous = keras.mixed_precision.global_policy()
    with weights.dtype_policy("mixed_bfloat16"):
        yield
    assert keras.mixed_precision.global_policy().name == previous.name


def layer_output_shapes(model) -> dict[str, tuple]:
    """Each layer's output shape without the batch axis, by layer name."""
    return {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}


# --- notebook 05 -----------------------------------------------------------------

def test_mnist_generator_shapes_and_parameters():
    G = models.dcgan_mnist_generator(latent_dim=100)
    shapes = layer_output_shapes(G)
    assert shapes["reshape"] == (7, 7, 256)
    assert shapes["up1"] == (7, 7, 128)
    assert shapes["up2"] == (14, 14, 64)
    assert shapes["tanh"] == (28, 28, 1)
    # By hand: Dense 100*12544 (no bias) + BN 4*12544 + ConvT 5*5*256*128 + BN 4*128
    # + ConvT 5*5*128*64 + BN 4*64 + ConvT 5*5*64*1 -- the TF DCGAN tutorial's count.
    expected = (100 * 12544 + 4 * 12544 + 25 * 256 * 128 + 4 * 128 + 25 * 128 * 64
                + 4 * 64 + 25 * 64)
    assert expected == 2_330_944
    assert G.count_params() == expected


def test_mnist_generator_latent_dim_changes_only_the_projection():
    small = models.dcgan_mnist_generator(latent_dim=10).count_params()
    large = models.dcgan_mnist_generator(latent_dim=100).count_params()
    assert large - small == 90 * 7 * 7 * 256


def test_mnist_discriminator_shapes_and_parameters():
    D = models.dcgan_mnist_discriminator()
    shapes = layer_output_shapes(D)
    assert shapes["down1"] == (14, 14, 64)
    assert shapes["down2"] == (7, 7, 128)
    assert shapes["logit"] == (1,)
    expected = (25 * 1 * 64 + 64) + (25 * 64 * 128 + 128) + (7 * 7 * 128 + 1)
    assert D.count_params() == expected == 212_865


def test_mnist_generator_output_is_in_tanh_range_and_responds_to_z():
    keras.utils.set_random_seed(0)
    G = models.dcgan_mnist_generator(latent_dim=16)
    z = np.random.default_rng(0).normal(size=(8, 16)).astype("float32") * 50.0
    images = np.asarray(G(z, training=False))
    assert images.shape == (8, 28, 28, 1)
    assert np.all(images >= -1.0) and np.all(images <= 1.0)
    assert np.abs(images).max() > 0.5          # big inputs push tanh towards +-1
    assert not np.allclose(images[0], images[1])


@pytest.mark.parametrize("builder", [models.dcgan_mnist_generator,
                                     models.dcgan_mnist_discriminator])
def test_dcgan_weights_start_from_normal_0_02(builder):
    keras.utils.set_random_seed(1)
    model = builder()
    kernels = [w for w in model.weights if w.name.endswith("kernel")]
    assert kernels
    values = np.concatenate([np.ravel(np.asarray(w)) for w in kernels])
    assert values.size > 100_000
    assert abs(values.mean()) < 1e-3
    assert values.std() == pytest.approx(models.DCGAN_INIT_STDDEV, rel=0.05)


def test_mnist_models_output_float32_under_mixed_bfloat16(bfloat16_policy):
    G = models.dcgan_mnist_generator(latent_dim=8)
    D = models.dcgan_mnist_discriminator()
    assert G.get_layer("up1").compute_dtype == "bfloat16"   # the policy really applies
    images = G(np.zeros((2, 8), "float32"))
    logits = D(images)
    assert images.dtype == "float32" and logits.dtype == "float32"
    assert G.output.dtype == "float32" and D.output.dtype == "float32"


def test_mnist_builders_reject_bad_arguments():
    with pytest.raises(ValueError, match="latent_dim"):
        models.dcgan_mnist_generator(latent_dim=0)
    with pytest.raises(ValueError, match="activation"):
        models.dcgan_mnist_generator(activation="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        models.dcgan_mnist_discriminator(dropout=1.5)


# --- predictions from gan_utils.conv ---------------------------------------------

def test_mnist_shapes_match_gan_utils_conv_predictions():
    from gan_utils.conv import conv_output_size, conv_transpose_output_size

    G = layer_output_shapes(models.dcgan_mnist_generator())
    size = 7
    for layer, stride in (("up1", 1), ("up2", 2), ("to_image", 2)):
        size = conv_transpose_output_size(size, 5, stride, "same")
        assert G[layer][:2] == (size, size)
    assert size == 28
    D = layer_output_shapes(models.dcgan_mnist_discriminator())
    size = 28
    for layer in ("down1", "down2"):
        size = conv_output_size(size, 5, 2, "same")
        assert D[layer][:2] == (size, size)
    assert size == 7


def test_colour_shapes_match_gan_utils_conv_predictions():
    from gan_utils.conv import conv_output_size, conv_transpose_output_size

    G = layer_output_shapes(models.dcgan64_generator())
    size = 4
    for layer in ("up1", "up2", "up3", "to_image"):
        size = conv_transpose_output_size(size, 4, 2, "same")
        assert G[layer][:2] == (size, size)
    assert size == 64
    D = layer_output_shapes(models.dcgan64_discriminator())
    size = 64
    for layer in ("down1", "down2", "down3", "down4"):
        size = conv_output_size(size, 4, 2, "same")
        assert D[layer][:2] == (size, size)
    assert conv_output_size(size, 4, 1, "valid") == 1 == D["score"][0]
    frog = layer_output_shapes(models.frog_generator(upsample_kernel=3))
    assert frog["up"][:2] == (conv_transpose_output_size(16, 3, 2, "same"),) * 2 == (32, 32)
    F = layer_output_shapes(models.frog_discriminator())
    size = conv_output_size(32, 3, 1, "valid")
    assert F["conv"][:2] == (size, size) == (30, 30)
    for layer in ("down1", "down2", "down3"):
        size = conv_output_size(size, 4, 2, "valid")
        assert F[layer][:2] == (size, size)
    assert size == 2


# --- notebook 06 -----------------------------------------------------------------

def test_frog_models_match_deep_learning_with_python_counts():
    G = models.frog_generator()            # latent 32, 256 filters, as in the book
    shapes = layer_output_shapes(G)
    assert shapes["reshape"] == (16, 16, 128) and shapes["up"] == (32, 32, 256)
    assert shapes["tanh"] == (32, 32, 3)
    expected_g = ((32 + 1) * 16 * 16 * 128 + (25 * 128 + 1) * 256 + (16 * 256 + 1) * 256
                  + 2 * (25 * 256 + 1) * 256 + (49 * 256 + 1) * 3)
    assert G.count_params() == expected_g == 6_264_579
    D = models.frog_discriminator()
    expected_d = (9 * 3 + 1) * 128 + 3 * (16 * 128 + 1) * 128 + (2 * 2 * 128 + 1)
    assert D.count_params() == expected_d == 790_913


@pytest.mark.parametrize("kernel", [3, 4])
def test_frog_generator_upsample_kernel_changes_only_that_layer(kernel):
    G = models.frog_generator(latent_dim=8, filters=16, upsample_kernel=kernel)
    assert tuple(G.get_layer("up").kernel.shape) == (kernel, kernel, 16, 16)
    assert layer_output_shapes(G)["tanh"] == (32, 32, 3)


def test_dcgan64_parameter_counts():
    f, z = 64, 100
    G = models.dcgan64_generator(latent_dim=z, filters=f)
    bn = 4 * (8 * f + 4 * f + 2 * f + f)   # gamma, beta, moving mean and variance
    convt = 16 * (8 * f * 4 * f + 4 * f * 2 * f + 2 * f * f) + 16 * f * 3 + 3
    assert G.count_params() == z * 16 * 8 * f + bn + convt
    D = models.dcgan64_discriminator(filters=f)
    convs = (16 * 3 * f + f) + 16 * (f * 2 * f + 2 * f * 4 * f + 4 * f * 8 * f)
    assert D.count_params() == convs + 4 * (2 * f + 4 * f + 8 * f) + (16 * 8 * f + 1)


def test_dcgan64_outputs_are_images_and_probabilities():
    keras.utils.set_random_seed(2)
    G = models.dcgan64_generator(latent_dim=8, filters=8)
    D = models.dcgan64_discriminator(filters=8)
    images = np.asarray(G(np.random.default_rng(1).normal(size=(3, 8)).astype("float32")))
    assert images.shape == (3, 64, 64, 3)
    assert images.min() >= -1.0 and images.max() <= 1.0
    p = np.asarray(D(images))
    assert p.shape == (3, 1) and np.all((p > 0) & (p < 1))


def test_colour_models_output_float32_under_mixed_bfloat16(bfloat16_policy):
    for G, D, latent in ((models.frog_generator(8, 16), models.frog_discriminator(16), 8),
                         (models.dcgan64_generator(8, 8), models.dcgan64_discriminator(8), 8)):
        images = G(np.ones((2, latent), "float32"))
        assert G.get_layer("to_image").compute_dtype == "bfloat16"
        assert images.dtype == "float32" and D(images).dtype == "float32"


@pytest.mark.parametrize("builder", [models.frog_generator, models.dcgan64_generator])
def test_colour_generator_weights_start_from_normal_0_02(builder):
    keras.utils.set_random_seed(3)
    G = builder(latent_dim=16, filters=32)
    values = np.concatenate([np.ravel(np.asarray(w)) for w in G.weights
                             if w.name.endswith("kernel")])
    assert values.std() == pytest.approx(models.DCGAN_INIT_STDDEV, rel=0.05)


def test_colour_builders_reject_bad_arguments():
    with pytest.raises(ValueError, match="filters"):
        models.frog_generator(filters=15)
    with pytest.raises(ValueError, match="upsample_kernel"):
        models.frog_generator(upsample_kernel=0)
    with pytest.raises(ValueError, match="dropout"):
        models.frog_discriminator(dropout=-0.1)
    with pytest.raises(ValueError, match="filters"):
        models.dcgan64_discriminator(filters=0)
    with pytest.raises(ValueError, match="latent_dim"):
        models.dcgan64_generator(latent_dim=-1)
