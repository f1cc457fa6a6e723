"""The model builders of gan_utils.models: the MLP GAN of notebook 04 (sizes counted by
hand, shapes, ranges, validation) and the DCGANs of notebooks 05 and 06 (shapes, parameter
counts, init, dtypes)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gan_utils import models, pretrained, weights

# The MLP GAN (notebook 04)


def trainable_count(model) -> int:
    """Number of trainable scalars, summed over the model's variables."""
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


@pytest.fixture(scope="module")
def generator():
    keras.utils.set_random_seed(0)
    return models.mlp_generator()


@pytest.fixture(scope="module")
def discriminator():
    keras.utils.set_random_seed(0)
    return models.mlp_discriminator()


def test_parameter_counts_match_the_hand_count(generator, discriminator):
    # D: 784*256 + 256 (hidden) + 256*1 + 1 (logit); G: 100*256 + 256 + 256*784 + 784
    assert trainable_count(discriminator) == 201_217
    assert trainable_count(generator) == 227_344


@pytest.mark.parametrize("hidden", [1, 64])
def test_parameter_counts_follow_the_formula_for_other_widths(hidden):
    d = models.mlp_discriminator(hidden=hidden)
    g = models.mlp_generator(latent_dim=10, hidden=hidden)
    assert trainable_count(d) == 784 * hidden + hidden + hidden + 1
    assert trainable_count(g) == 10 * hidden + hidden + hidden * 784 + 784


def test_layer_sizes_are_the_classic_ones(generator, discriminator):
    assert [w.shape for w in discriminator.get_weights()] == [(784, 256), (256,), (256, 1), (1,)]
    assert [w.shape for w in generator.get_weights()] == [(100, 256), (256,), (256, 784), (784,)]


def test_generator_outputs_images_in_the_tanh_range(generator):
    # large noise drives the pre-activations far from 0, so the tanh must saturate, not exceed 1
    z = np.random.default_rng(0).normal(scale=50.0, size=(16, 100)).astype("float32")
    images = np.asarray(generator(z, training=False))
    assert images.shape == (16, 28, 28, 1)
    assert images.dtype == np.float32
    assert np.all(np.abs(images) <= 1.0)
    assert np.abs(images).max() > 0.99  # saturated somewhere: really a tanh, not a clip to 0


def test_generator_output_layer_is_a_tanh(generator):
    pixels = generator.get_layer("pixels")
    assert keras.activations.serialize(pixels.activation) == "tanh"


def test_discriminator_outputs_one_unbounded_logit(discriminator):
    rng = np.random.default_rng(1)
    images = rng.uniform(-1.0, 1.0, size=(8, 28, 28, 1)).astype("float32")
    logits = np.asarray(discriminator(images, training=False))
    assert logits.shape == (8, 1)
    assert logits.dtype == np.float32
    # a logit, not a probability: scaling the last layer's weights scales it past [0, 1]
    probe = models.mlp_discriminator()
    probe.set_weights(discriminator.get_weights())  # same weights; dropout is off below
    kernel, bias = probe.get_layer("logit").get_weights()
    probe.get_layer("logit").set_weights([kernel * 1000.0, bias])
    scaled = np.asarray(probe(images, training=False))
    assert np.abs(scaled).max() > 1.0
    np.testing.assert_allclose(scaled - bias, (logits - bias) * 1000.0, rtol=1e-3, atol=1e-3)


def test_dropout_acts_in_training_only(discriminator):
    images = np.random.default_rng(2).uniform(-1.0, 1.0, size=(4, 28, 28, 1)).astype("float32")
    first = np.asarray(discriminator(images, training=False))
    np.testing.assert_array_equal(np.asarray(discriminator(images, training=False)), first)
    trained = [np.asarray(discriminator(images, training=True)) for _ in range(2)]
    assert not np.allclose(trained[0], trained[1])  # new random units dropped each call


def test_without_dropout_training_and_inference_agree(discriminator):
    plain = models.mlp_discriminator(dropout=0.0)
    plain.set_weights(discriminator.get_weights())
    images = np.random.default_rng(3).uniform(-1.0, 1.0, size=(4, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(np.asarray(plain(images, training=True)),
                               np.asarray(discriminator(images, training=False)), rtol=1e-6)


def test_output_shapes_match_keras_on_other_image_shapes():
    g = models.mlp_generator(latent_dim=8, hidden=16, image_shape=(32, 32, 3))
    d = models.mlp_discriminator(hidden=16, image_shape=(32, 32, 3))
    assert g.output_shape == (None, 32, 32, 3)
    assert d.input_shape == (None, 32, 32, 3)
    assert d.output_shape == (None, 1)
    assert trainable_count(d) == 32 * 32 * 3 * 16 + 16 + 16 + 1


def test_discriminator_accepts_generator_output(generator, discriminator):
    images = generator(np.zeros((2, 100), "float32"))
    assert tuple(discriminator(images).shape) == (2, 1)


@pytest.mark.parametrize("kwargs, argument", [
    ({"latent_dim": 0}, "latent_dim"),
    ({"latent_dim": 2.5}, "latent_dim"),
    ({"hidden": -3}, "hidden"),
    ({"hidden": True}, "hidden"),
    ({"image_shape": (28, 0, 1)}, "image_shape"),
])
def test_generator_rejects_bad_sizes(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        models.mlp_generator(**kwargs)


@pytest.mark.parametrize("kwargs, argument", [
    ({"hidden": 0}, "hidden"),
    ({"dropout": 1.0}, "dropout"),
    ({"dropout": -0.1}, "dropout"),
    ({"image_shape": ()}, "image_shape"),
    ({"image_shape": (28, 28.0, 1)}, "image_shape"),
])
def test_discriminator_rejects_bad_sizes(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        models.mlp_discriminator(**kwargs)


# The DCGANs (notebooks 05 and 06)
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


def test_mnist_generator_widens_with_filters():
    G = models.dcgan_mnist_generator(latent_dim=10, filters=(32, 16, 8))
    shapes = layer_output_shapes(G)
    assert shapes["reshape"] == (7, 7, 32) and shapes["up1"] == (7, 7, 16)
    assert shapes["up2"] == (14, 14, 8) and shapes["tanh"] == (28, 28, 1)
    projected = 10 * 7 * 7 * 32 + 4 * 7 * 7 * 32          # kernel, then BN's four vectors
    up = (25 * 32 * 16 + 4 * 16) + (25 * 16 * 8 + 4 * 8)
    assert G.count_params() == projected + up + 25 * 8 * 1
    with pytest.raises(ValueError, match="filters"):
        models.dcgan_mnist_generator(filters=(64, 32))


def test_mnist_discriminator_widens_with_filters():
    D = models.dcgan_mnist_discriminator(filters=(128, 256))
    shapes = layer_output_shapes(D)
    assert shapes["down1"] == (14, 14, 128) and shapes["down2"] == (7, 7, 256)
    expected = (25 * 1 * 128 + 128) + (25 * 128 * 256 + 256) + (7 * 7 * 256 + 1)
    assert D.count_params() == expected == 835_329
    with pytest.raises(ValueError, match="filters"):
        models.dcgan_mnist_discriminator(filters=(64,))
    with pytest.raises(ValueError, match="filters"):
        models.dcgan_mnist_discriminator(filters=(64, 0))


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


# --- InfoGAN's code (the shipped MNIST generator) ----------------------------------

def test_info_generator_is_notebook_05s_behind_a_code_taken_from_z0():
    """c = floor(10 * Phi(z_0)): Phi(0) = 0.5 -> 5, Phi(-1) = 0.1587 -> 1, Phi(1) = 0.8413
    -> 8, Phi(+-8) -> 9 and 0 (clipped); G's own layers see [z_1..z_99, one_hot(c)], so it
    has 9 more projection inputs than notebook 06's (100 - 1 + 10), and no other change."""
    z = np.zeros((5, 100), "float32")
    z[:, 0] = [0.0, -1.0, 1.0, 8.0, -8.0]
    np.testing.assert_array_equal(models.latent_code(z), [5, 1, 8, 9, 0])
    np.testing.assert_array_equal(models.latent_code(z, codes=4), [2, 0, 3, 3, 0])
    G = models.info_dcgan_mnist_generator(latent_dim=100, codes=10)
    plain = models.dcgan_mnist_generator(latent_dim=100)
    # 9 more projection inputs; the prior's 10 probabilities and its spread are not trained
    assert G.count_params() - plain.count_params() == 9 * 7 * 7 * 256 + 10 + 1
    assert len(G.trainable_weights) == len(plain.trainable_weights)
    assert [layer.name for layer in G.layers[2:]] == [layer.name for layer in plain.layers[1:]]
    prior = G.get_layer("code_prior")
    expected = np.concatenate([z[:, 1:], np.eye(10, dtype="float32")[[5, 1, 8, 9, 0]]], axis=1)
    np.testing.assert_array_equal(np.asarray(prior(z)), expected)
    assert G(z, training=False).shape == (5, 28, 28, 1)
    for bad in (1, 2.5, True):
        with pytest.raises(ValueError, match="codes="):
            models.code_prior(bad)


def test_code_prior_cuts_phi_z0_by_the_code_probabilities_and_scales_the_rest_by_spread():
    """Probabilities (1/2, 1/4, 1/8, 1/8) cut [0, 1] at 0.5, 0.75 and 0.875: Phi(0) = 0.5 ->
    1 (a cut belongs to the interval above it), Phi(-1) = 0.16 -> 0, Phi(1) = 0.84 -> 2,
    Phi(8) -> 3; the middles are Phi^-1 of 0.25, 0.625, 0.8125 and 0.9375. Spread 0.5 halves
    z_1.. (a lower-temperature prior), and both travel in the weights file."""
    G = models.info_dcgan_mnist_generator(latent_dim=6, codes=4, filters=(8, 8, 8))
    prior = G.get_layer("code_prior")
    np.testing.assert_allclose(models.code_probabilities(G), [0.25] * 4)
    prior.probabilities.assign([0.5, 0.25, 0.125, 0.125])
    prior.spread.assign(0.5)
    z = np.ones((5, 6), "float32")
    z[:, 0] = [0.0, -1.0, 1.0, 8.0, -8.0]
    np.testing.assert_array_equal(models.latent_code(z, G), [1, 0, 2, 3, 0])
    np.testing.assert_array_equal(models.latent_code(z, 4), [2, 0, 3, 3, 0])   # equal ones
    expected = np.concatenate([0.5 * z[:, 1:], np.eye(4, dtype="float32")[[1, 0, 2, 3, 0]]], 1)
    np.testing.assert_allclose(np.asarray(prior(z)), expected)
    np.testing.assert_allclose(models.code_middles(models.code_probabilities(G)),
                               [-0.6745, 0.3186, 0.8871, 1.5341], atol=1e-4)
    np.testing.assert_allclose(models.code_middles([1, 1, 1, 1]),
                               [-1.1503, -0.3186, 0.3186, 1.1503], atol=1e-4)
    np.testing.assert_array_equal(models.latent_code(
        np.c_[models.code_middles(models.code_probabilities(G)), np.zeros((4, 5))], G), range(4))


def test_info_generator_keeps_its_code_through_keras_and_weights_files(tmp_path):
    """A .keras file (the layer is registered) and the course's weights file (the
    architecture rebuilt by the builder) both give back the same function."""
    keras.utils.set_random_seed(3)
    G = models.info_dcgan_mnist_generator(latent_dim=12, codes=4, filters=(8, 8, 8))
    G.get_layer("code_prior").probabilities.assign([0.1, 0.2, 0.3, 0.4])
    G.get_layer("code_prior").spread.assign(0.75)
    z = np.random.default_rng(0).standard_normal((6, 12)).astype("float32")
    G.save(tmp_path / "g.keras")
    again = keras.models.load_model(tmp_path / "g.keras")
    assert again.get_layer("code_prior").codes == 4
    np.testing.assert_allclose(again(z, training=False), G(z, training=False), atol=1e-6)
    args = {"latent_dim": 12, "codes": 4, "filters": [8, 8, 8]}
    pretrained.save_generator(G, tmp_path / "run", "info_dcgan_mnist_generator", args)
    loaded, _ = pretrained.load_generator(tmp_path / "run")
    np.testing.assert_allclose(loaded(z, training=False), G(z, training=False), atol=1e-6)
    np.testing.assert_allclose(models.code_probabilities(loaded), [0.1, 0.2, 0.3, 0.4], atol=1e-6)
    assert float(loaded.get_layer("code_prior").spread) == 0.75


def test_info_discriminator_adds_q_head_on_notebook_05s_body():
    """(logit, code logits); Q is Dense 6272 -> 128, LeakyReLU, Dense 128 -> K on top of
    notebook 06's discriminator, whose weights are all still there."""
    D = models.info_dcgan_mnist_discriminator(codes=10, dropout=0.1)
    logit, code_logits = D(np.zeros((3, 28, 28, 1), "float32"))
    assert logit.shape == (3, 1) and code_logits.shape == (3, 10)
    q = (7 * 7 * 128 * 128 + 128) + (128 * 10 + 10)
    assert D.count_params() == 212_865 + q


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


def test_dcgan64_outputs_are_images_and_logits():
    keras.utils.set_random_seed(2)
    G = models.dcgan64_generator(latent_dim=8, filters=8)
    D = models.dcgan64_discriminator(filters=8)
    images = np.asarray(G(np.random.default_rng(1).normal(size=(3, 8)).astype("float32")))
    assert images.shape == (3, 64, 64, 3)
    assert images.min() >= -1.0 and images.max() <= 1.0
    logits = np.asarray(D(images))
    score = keras.Model(D.input, D.get_layer("score").output)
    assert logits.shape == (3, 1)
    # the output is the last convolution's number itself, not squashed into (0, 1)
    np.testing.assert_allclose(logits, np.asarray(score(images)).reshape(3, 1), rtol=1e-6)


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
