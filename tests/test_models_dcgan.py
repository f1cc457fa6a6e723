"""The DCGAN builders of notebooks 05 and 06: shapes, parameter counts, init, dtypes."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gan_utils import models


@pytest.fixture
def bfloat16_policy():
    """Run a test under the mixed_bfloat16 global policy, then restore the previous one."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)
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
