"""gan_utils.latent: notebook 09's interpolations and principal directions worked out by
hand, and its explorers (and notebook 10's digit selector) displayed and driven from code.

Nothing here loads a shipped model: untrained generators from ``gan_utils.models`` are
enough to see pictures change, and they build under every Keras the course supports
(test_pretrained.py drives an explorer on the shipped conditional generator).
"""

from __future__ import annotations

import numpy as np
import pytest

from gan_utils import latent, models

pytest.importorskip("ipywidgets")
pytest.importorskip("IPython")

from _widget_display import (  # noqa: E402
    assert_shows_its_box,
    embedded_image,
    png,
    static_outputs,
)

LATENT_DIM = 100


def test_slerp_keeps_the_length_and_hits_both_ends():
    rng = np.random.default_rng(0)
    z0 = rng.standard_normal(LATENT_DIM)
    z1 = rng.standard_normal(LATENT_DIM)
    z1 *= np.linalg.norm(z0) / np.linalg.norm(z1)
    np.testing.assert_allclose(latent.slerp(z0, z1, 0.0), z0, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(latent.slerp(z0, z1, 1.0), z1, rtol=1e-5, atol=1e-5)
    for t in (0.25, 0.5, 0.8):
        np.testing.assert_allclose(np.linalg.norm(latent.slerp(z0, z1, t)),
                                   np.linalg.norm(z0), rtol=1e-5)
    # 90 degrees apart in 2-D: the midpoint is at 45 degrees on the unit circle
    np.testing.assert_allclose(latent.slerp([1.0, 0.0], [0.0, 1.0], 0.5),
                               [np.sqrt(0.5), np.sqrt(0.5)], rtol=1e-6)
    np.testing.assert_allclose(latent.lerp([1.0, 0.0], [0.0, 1.0], 0.5), [0.5, 0.5])
    # parallel vectors: no great circle, falls back to the straight line
    np.testing.assert_allclose(latent.slerp([1.0, 1.0], [2.0, 2.0], 0.5), [1.5, 1.5])


def test_truncated_normal_redraws_only_the_entries_beyond_the_threshold():
    """Entries inside [-1, 1] keep their first draw; the rest are redrawn into it. A
    standard normal truncated to [-1, 1] has variance 1 - 2 phi(1) / (2 Phi(1) - 1)
    = 0.2911 (worked out from the normal's density phi and CDF Phi)."""
    first = np.random.default_rng(5).standard_normal((400, 50))
    z = latent.truncated_normal((400, 50), threshold=1.0, seed=5)
    assert z.dtype == np.float32 and z.shape == (400, 50)
    assert np.abs(z).max() <= 1.0
    inside = np.abs(first) <= 1.0
    np.testing.assert_allclose(z[inside], first[inside], rtol=1e-6)
    assert not np.allclose(z[~inside], first[~inside])
    assert z.var() == pytest.approx(0.2911, abs=0.01)   # sd of the estimate: about 0.002
    with pytest.raises(ValueError, match="threshold"):
        latent.truncated_normal((2, 3), threshold=0.0)


def test_scaled_normal_is_the_standard_draw_times_the_scale():
    z = latent.scaled_normal((3, 4), 0.5, seed=2)
    np.testing.assert_allclose(z, 0.5 * np.random.default_rng(2).standard_normal((3, 4)),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="scale"):
        latent.scaled_normal((3, 4), -1.0)


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
    directions, strengths = latent.principal_latent_directions(generator, num_latents=3)
    _, singular, right = np.linalg.svd(A.astype(np.float64))
    np.testing.assert_allclose(strengths, singular ** 2, rtol=1e-3)
    np.testing.assert_allclose(np.abs(np.sum(directions * right, axis=1)), 1.0, atol=1e-3)


def test_principal_directions_leave_a_code_coordinate_out():
    """With code_coordinates=[0], J's first column is 0: for G(z) = A z the directions are
    those of A with its first column zeroed, and e_0 gets strength 0 (a code's image is
    flat inside each interval; a jump across an edge is not a slope)."""
    import keras

    A = np.random.default_rng(3).standard_normal((12, 5)).astype(np.float32)
    z = keras.Input((5,))
    dense = keras.layers.Dense(12, use_bias=False)
    generator = keras.Model(z, dense(z))
    dense.set_weights([A.T])
    directions, strengths = latent.principal_latent_directions(generator, num_latents=2,
                                                               code_coordinates=[0])
    without_code = A.astype(np.float64).copy()
    without_code[:, 0] = 0.0
    np.testing.assert_allclose(strengths, np.linalg.svd(without_code, compute_uv=False) ** 2,
                               rtol=1e-3, atol=1e-6)
    assert abs(directions[-1, 0]) == pytest.approx(1.0, abs=1e-4)   # the weakest is e_0
    with pytest.raises(ValueError, match="code_coordinates"):
        latent.principal_latent_directions(generator, code_coordinates=[5])


@pytest.fixture(scope="module")
def cgan():
    """An untrained conditional generator (notebook 10's architecture)."""
    return models.cgan_mnist_generator(latent_dim=LATENT_DIM, filters=16)


@pytest.fixture(scope="module")
def dcgan():
    """An untrained DCGAN generator (notebook 06's architecture)."""
    return models.dcgan_mnist_generator(latent_dim=LATENT_DIM)


def test_latent_explorer_displays_and_answers_every_control(shell, dcgan):
    rows = np.eye(LATENT_DIM, dtype=np.float32)
    explorer = latent.latent_explorer(dcgan, {"raw": rows, "reversed": rows[::-1]},
                                       num_sliders=3, seed=7)
    assert_shows_its_box(shell, explorer)
    base, picture = explorer.z.copy(), png(explorer.image.value)
    assert picture.startswith(b"\x89PNG") and explorer.images.shape == (1, 28, 28, 1)
    explorer.sliders[2].value = 1.5
    np.testing.assert_allclose(explorer.z - base, 1.5 * rows[2], atol=1e-6)
    assert png(explorer.image.value) != picture
    explorer.controls["directions"].value = "reversed"
    np.testing.assert_allclose(explorer.z - base, 1.5 * rows[::-1][2], atol=1e-6)
    explorer.reset_button.click()
    assert [s.value for s in explorer.sliders] == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(explorer.z, base, atol=1e-6)
    assert png(explorer.image.value) == picture  # same z, same picture
    explorer.new_z_button.click()
    assert explorer.controls["seed"].value == 8 and not np.allclose(explorer.z, base)
    explorer.controls["seed"].value = 7  # typing the old seed back brings the old z back
    np.testing.assert_allclose(explorer.z, base, atol=1e-6)
    assert f"sqrt({LATENT_DIM})" in explorer.status.value


def test_digit_selector_redraws_on_a_new_digit(shell, cgan):
    explorer = latent.latent_explorer(cgan, num_sliders=2, num_classes=10, seed=1)
    assert_shows_its_box(shell, explorer)
    strip, picture = png(explorer.strip.value), png(explorer.image.value)
    explorer.controls["digit"].value = "4"
    assert explorer.digit == 4 and "digit 4" in explorer.status.value
    assert png(explorer.image.value) != picture
    assert png(explorer.strip.value) == strip  # the strip shows every digit for this z
    explorer.sliders[0].value = -2.0
    assert png(explorer.strip.value) != strip and explorer.digit == 4


def test_interpolation_explorer_moves_along_lerp_and_slerp(shell, dcgan):
    rng = np.random.default_rng(3)
    z0, z1 = rng.standard_normal((2, LATENT_DIM)).astype(np.float32)
    interpolation = latent.InterpolationExplorer(dcgan, z0, z1)
    assert_shows_its_box(shell, interpolation)
    picture = png(interpolation.image.value)
    interpolation.controls["t"].value = 0.0
    np.testing.assert_allclose(interpolation.images,
                               np.asarray(dcgan(z0[None], training=False)), atol=1e-5)
    assert png(interpolation.image.value) != picture
    interpolation.controls["method"].value = "lerp"
    interpolation.controls["t"].value = 0.5
    half = np.linalg.norm((z0 + z1) / 2)
    assert f"|z_t| = {half:.2f}" in interpolation.status.value


def test_static_site_stand_ins_sweep_a_slider_and_leave_it_as_it_was(shell, dcgan, cgan,
                                                                       monkeypatch):
    explorer = latent.latent_explorer(dcgan, num_sliders=2, seed=7)
    picture = png(explorer.image.value)
    _, pages = static_outputs(shell, explorer, monkeypatch)
    gif = embedded_image(pages[0])
    assert gif.n_frames == 9 and "from -3.0 to 3.0" in pages[0]
    assert explorer.sliders[0].value == 0.0 and png(explorer.image.value) == picture

    selector = latent.latent_explorer(cgan, num_sliders=2, num_classes=10, seed=1)
    _, pages = static_outputs(shell, selector, monkeypatch)
    strip = embedded_image(pages[0])
    assert strip.n_frames == 9 and strip.width >= 10 * 28  # every digit, side by side

    rng = np.random.default_rng(3)
    interpolation = latent.InterpolationExplorer(dcgan, *rng.standard_normal((2, LATENT_DIM)))
    _, pages = static_outputs(shell, interpolation, monkeypatch)
    assert embedded_image(pages[0]).n_frames == 11
    assert interpolation.controls["t"].value == 0.5


def test_latent_space_solutions_match_the_code_prior_and_the_slerp():
    from gan_utils.solutions import latent_space

    G = models.info_dcgan_mnist_generator(latent_dim=6, codes=4, filters=(8, 8, 8))
    G.get_layer("code_prior").probabilities.assign([0.5, 0.25, 0.125, 0.125])
    start = latent_space.code_start(G, 3)
    assert start == pytest.approx(1.1503, abs=1e-4)       # Phi^-1(0.875), from a table
    edge = np.zeros((2, 6), np.float32)
    edge[:, 0] = [start - 1e-3, start + 1e-3]
    np.testing.assert_array_equal(models.latent_code(edge, G), [2, 3])
    with pytest.raises(ValueError, match="code"):
        latent_space.code_start(G, 0)
    z = np.random.default_rng(0).standard_normal(100)
    assert latent_space.angle(z, -z) == pytest.approx(np.pi)
    assert latent_space.slerp_midpoint_length(z) == pytest.approx(0.0, abs=1e-6)
    # |z| - sqrt(d) is about N(0, 1/2): P(|N(0, 1/2)| < 1) = erf(1) = 0.8427
    assert latent_space.shell_fraction(1000) == pytest.approx(0.8427, abs=0.015)
