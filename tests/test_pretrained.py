"""The generators shipped with the course, and the latent-space widgets built on them.

Checks that both load by name as float32 models with the documented shapes and range,
that the float16 files stay small, that the conditional generator draws the digit it is
asked for (read back by the course classifier), that a learner's notebook-05 generator is
preferred unless it comes from a quick run, and that slerp, the principal directions and
the explorer widget do what notebook 07 says.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from gan_utils import models, widgets

LATENT_DIM = 100


@pytest.fixture(scope="module")
def dcgan():
    return models.pretrained_generator("dcgan_mnist")


@pytest.fixture(scope="module")
def cgan():
    return models.pretrained_generator("cgan_mnist")


def _latents(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, LATENT_DIM)).astype(np.float32)


def test_dcgan_loads_by_name_with_documented_shapes_and_range(dcgan):
    images = np.asarray(dcgan(_latents(8), training=False))
    assert dcgan.inputs[0].shape[1:] == (LATENT_DIM,)
    assert images.shape == (8, 28, 28, 1) and images.dtype == np.float32
    assert -1.0 <= images.min() < images.max() <= 1.0
    assert all(w.dtype == "float32" for w in dcgan.weights)
    assert images.std() > 0.1  # a trained generator draws strokes, not a flat grey


def test_cgan_loads_by_name_and_takes_labels(cgan):
    z = _latents(10)
    images = np.asarray(cgan([z, np.arange(10, dtype=np.int32)], training=False))
    assert images.shape == (10, 28, 28, 1) and images.dtype == np.float32
    assert -1.0 <= images.min() < images.max() <= 1.0
    same_z = np.repeat(z[:1], 2, axis=0)
    two = np.asarray(cgan([same_z, np.array([1, 7], np.int32)], training=False))
    assert np.abs(two[0] - two[1]).mean() > 0.05  # the label changes the picture


def test_float32_copy_matches_the_stored_float16_model(dcgan):
    import keras

    stored = keras.models.load_model(models.pretrained_path("dcgan_mnist"), compile=False)
    assert stored.get_layer("project").kernel.dtype == "float16"
    for ours, theirs in zip(dcgan.get_weights(), stored.get_weights()):
        np.testing.assert_array_equal(ours, theirs.astype(np.float32))
    z = _latents(4, seed=1)
    np.testing.assert_allclose(np.asarray(dcgan(z, training=False)),
                               np.asarray(stored(z, training=False), np.float32), atol=0.02)


def test_shipped_files_are_under_10_megabytes_together():
    sizes = {name: models.pretrained_path(name).stat().st_size
             for name in models.PRETRAINED_GENERATORS}
    assert sum(sizes.values()) < 10_000_000, sizes


@pytest.mark.parametrize("name", sorted(models.PRETRAINED_GENERATORS))
def test_model_cards_say_data_steps_scores_and_command(name):
    card = models.pretrained_model_card(name)
    for expected in ("MNIST training set", "steps", "FID", "classifier score",
                     "tools/train_pretrained.py"):
        assert expected in card, f"{name} card lacks {expected!r}"


def test_conditional_generator_draws_the_digit_asked_for(cgan):
    from gan_utils import metrics

    asked = np.arange(200) % 10
    images = np.asarray(cgan([_latents(200, seed=3), asked.astype(np.int32)], training=False))
    accuracy = np.mean(metrics.classify(images).argmax(axis=1) == asked)
    assert accuracy >= 0.9, f"only {accuracy:.1%} drawn as asked"


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"name='wgan_celeba'.*cgan_mnist.*dcgan_mnist"):
        models.pretrained_generator("wgan_celeba")
    with pytest.raises(ValueError, match="expected one of"):
        models.pretrained_model_card("nope")


def _save_notebook05_generator(folder, quick_mode: bool):
    """A small generator saved the way notebook 05 saves it, with its JSON."""
    import keras

    folder.mkdir(parents=True)
    z = keras.Input((LATENT_DIM,))
    image = keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(784, activation="tanh")(z))
    model = keras.Model(z, image)
    model.save(folder / "generator.keras")
    (folder / "generator.json").write_text(json.dumps({"steps": 1234, "quick_mode": quick_mode,
                                                       "fid": 12.5}))
    return model


def test_learners_generator_is_used_unless_it_is_from_a_quick_run(tmp_path, dcgan):
    z = _latents(3, seed=5)
    mine = _save_notebook05_generator(tmp_path / "real", quick_mode=False)
    loaded, description = models.trained_or_pretrained(tmp_path / "real")
    np.testing.assert_allclose(loaded(z), mine(z), atol=1e-6)
    assert "your generator" in description and "1234 steps" in description

    _save_notebook05_generator(tmp_path / "quick", quick_mode=True)
    loaded, description = models.trained_or_pretrained(tmp_path / "quick")
    np.testing.assert_allclose(loaded(z), dcgan(z), atol=1e-6)
    assert "quick" in description and "pretrained" in description

    loaded, description = models.trained_or_pretrained(tmp_path / "missing")
    assert "no trained generator" in description


def test_slerp_keeps_the_length_and_hits_both_ends():
    rng = np.random.default_rng(0)
    z0 = rng.standard_normal(LATENT_DIM)
    z1 = rng.standard_normal(LATENT_DIM)
    z1 *= np.linalg.norm(z0) / np.linalg.norm(z1)
    np.testing.assert_allclose(widgets.slerp(z0, z1, 0.0), z0, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(widgets.slerp(z0, z1, 1.0), z1, rtol=1e-5, atol=1e-5)
    for t in (0.25, 0.5, 0.8):
        np.testing.assert_allclose(np.linalg.norm(widgets.slerp(z0, z1, t)),
                                   np.linalg.norm(z0), rtol=1e-5)
    # 90 degrees apart in 2-D: the midpoint is at 45 degrees on the unit circle
    np.testing.assert_allclose(widgets.slerp([1.0, 0.0], [0.0, 1.0], 0.5),
                               [np.sqrt(0.5), np.sqrt(0.5)], rtol=1e-6)
    np.testing.assert_allclose(widgets.lerp([1.0, 0.0], [0.0, 1.0], 0.5), [0.5, 0.5])
    # parallel vectors: no great circle, falls back to the straight line
    np.testing.assert_allclose(widgets.slerp([1.0, 1.0], [2.0, 2.0], 0.5), [1.5, 1.5])


def test_principal_directions_of_a_linear_generator_are_its_singular_vectors():
    """For G(z) = A z the Jacobian is A everywhere: the directions are A's right
    singular vectors and the strengths its squared singular values."""
    import keras

    rng = np.random.default_rng(2)
    A = rng.standard_normal((12, 5)).astype(np.float32)
    z = keras.Input((5,))
    dense = keras.layers.Dense(12, use_bias=False)
    generator = keras.Model(z, dense(z))
    dense.set_weights([A.T])
    directions, strengths = widgets.principal_latent_directions(generator, num_latents=3)
    _, singular, right = np.linalg.svd(A.astype(np.float64))
    np.testing.assert_allclose(strengths, singular ** 2, rtol=1e-3)
    np.testing.assert_allclose(np.abs(np.sum(directions * right, axis=1)), 1.0, atol=1e-3)


def test_explorer_redraws_when_a_slider_moves_and_on_a_new_digit(cgan):
    directions = np.eye(LATENT_DIM, dtype=np.float32)[::-1]
    explorer = widgets.latent_explorer(cgan, {"reversed": directions}, num_sliders=3,
                                       num_classes=10, seed=4)
    assert len(explorer.sliders) == 3
    base, picture = explorer.z.copy(), explorer.image.value
    explorer.sliders[1].value = 1.5
    np.testing.assert_allclose(explorer.z - base, 1.5 * directions[1], atol=1e-6)
    assert explorer.image.value != picture
    picture = explorer.image.value
    explorer.controls["digit"].value = "4"
    assert explorer.digit == 4 and explorer.image.value != picture
    explorer.reset_sliders()
    np.testing.assert_allclose(explorer.z, base, atol=1e-6)
    explorer.new_z()
    assert explorer.controls["seed"].value == 5
    assert not np.allclose(explorer.z, base)
    with pytest.raises(ValueError, match=r"directions\['bad'\]"):
        widgets.latent_explorer(cgan, {"bad": np.eye(3)}, num_classes=10)
