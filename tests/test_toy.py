"""Tests of gan_utils.toy: exact targets, the inverse CDF, the mode counter, the training
loop around a learner's two updates, a 2-D GAN, and the playground and live view displayed
as a kernel shows them.

``make_updates`` below is the two-tape GAN step notebook 02 writes out; the ring test
trains it with :func:`toy.train_toy` and must cover most of the 8 modes of the ring.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from gan_utils import toy

pytest.importorskip("ipywidgets")
pytest.importorskip("IPython")

from _widget_display import (  # noqa: E402
    assert_one_display_updated,
    assert_shows_its_box,
    embedded_image,
    png,
    static_outputs,
)
from IPython.utils.capture import capture_output  # noqa: E402

# ----------------------------------------------------------------------------- targets


def test_mixture_1d_presets_place_modes_symmetrically():
    three = toy.mixture_1d(3, spread=4.0, std=0.5)
    np.testing.assert_allclose(three.means[:, 0], [-4.0, 0.0, 4.0])
    np.testing.assert_allclose(three.weights, [1 / 3] * 3)
    np.testing.assert_allclose(toy.mixture_1d(2, spread=4.0).means[:, 0], [-2.0, 2.0])
    with pytest.raises(ValueError, match="modes"):
        toy.mixture_1d(4)


def test_mean_and_variance_by_hand_and_by_sampling():
    # Two modes at -2 and 2, std 0.5, equal weights: mean 0, variance 0.25 + 4 = 4.25.
    target = toy.mixture_1d(2, spread=4.0, std=0.5)
    np.testing.assert_allclose(target.mean(), [0.0])
    np.testing.assert_allclose(target.covariance(), [[4.25]])
    samples = target.sample(200_000, seed=0)
    assert samples.shape == (200_000, 1) and samples.dtype == np.float32
    np.testing.assert_allclose(samples.mean(), 0.0, atol=0.02)
    np.testing.assert_allclose(samples.var(), 4.25, rtol=0.01)


def test_unequal_weights_mean_and_variance():
    # weights 0.25 / 0.75 at 0 and 4, std 1: mean 3, E[x^2] = 0.25*1 + 0.75*(1 + 16) = 13,
    # so variance 13 - 9 = 4.
    target = toy.GaussianMixture([[0.0], [4.0]], [1.0, 1.0], [0.25, 0.75])
    np.testing.assert_allclose(target.mean(), [3.0])
    np.testing.assert_allclose(target.covariance(), [[4.0]])
    samples = target.sample(200_000, seed=1)
    np.testing.assert_allclose(samples.mean(), 3.0, atol=0.02)
    np.testing.assert_allclose(samples.var(), 4.0, rtol=0.01)


def test_ring_centres_radius_and_covariance():
    ring = toy.ring_of_gaussians(8, radius=2.0, std=0.1)
    np.testing.assert_allclose(np.linalg.norm(ring.means, axis=1), 2.0)
    np.testing.assert_allclose(ring.means[0], [2.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(ring.means[2], [0.0, 2.0], atol=1e-12)
    # Mean 0; covariance (std^2 + radius^2 / 2) I, because mean(cos^2) = 1/2 over 8 angles.
    np.testing.assert_allclose(ring.mean(), [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(ring.covariance(), (0.01 + 2.0) * np.eye(2), atol=1e-12)
    samples = ring.sample(100_000, seed=2)
    np.testing.assert_allclose(np.cov(samples.T), ring.covariance(), atol=0.03)


def test_pdf_matches_scipy_and_integrates_to_one():
    target = toy.GaussianMixture([[-1.0], [2.0]], [0.5, 1.5], [0.3, 0.7])
    x = np.linspace(-6, 8, 2001)
    expected = 0.3 * stats.norm.pdf(x, -1, 0.5) + 0.7 * stats.norm.pdf(x, 2, 1.5)
    np.testing.assert_allclose(target.pdf(x), expected, rtol=1e-12)
    np.testing.assert_allclose(np.trapezoid(target.pdf(x), x), 1.0, atol=1e-3)
    ring = toy.ring_of_gaussians(8, std=0.3)
    point = ring.means[:1]
    by_hand = sum(stats.multivariate_normal.pdf(point[0], m, 0.09 * np.eye(2)) / 8
                  for m in ring.means)
    np.testing.assert_allclose(ring.pdf(point), [by_hand], rtol=1e-12)


def test_inverse_cdf_matches_scipy_for_one_gaussian():
    target = toy.GaussianMixture([[1.5]], [0.7], [1.0])
    u = np.linspace(0.001, 0.999, 99)
    np.testing.assert_allclose(toy.inverse_cdf(target, u), stats.norm.ppf(u, 1.5, 0.7),
                               atol=1e-8)


def test_inverse_cdf_inverts_the_mixture_cdf_and_samples_it():
    target = toy.mixture_1d(3)
    u = np.linspace(0.01, 0.99, 50)
    np.testing.assert_allclose(target.cdf(toy.inverse_cdf(target, u)), u, atol=1e-9)
    uniform = np.random.default_rng(0).uniform(size=5000)
    samples = toy.inverse_cdf(target, uniform)
    assert stats.kstest(samples, target.cdf).pvalue > 0.01
    with pytest.raises(ValueError, match="between 0 and 1"):
        toy.inverse_cdf(target, [0.0, 0.5])
    with pytest.raises(ValueError, match="1-D"):
        toy.inverse_cdf(toy.ring_of_gaussians(), [0.5])


def test_bad_mixtures_are_refused():
    with pytest.raises(ValueError, match="weights"):
        toy.GaussianMixture([[0.0], [1.0]], 1.0, [0.5, 0.6])
    with pytest.raises(ValueError, match="stds"):
        toy.GaussianMixture([[0.0]], 0.0, [1.0])
    with pytest.raises(ValueError, match="x: expected points"):
        toy.ring_of_gaussians().pdf(np.zeros((3, 3)))


# ----------------------------------------------------------------------------- measures


def test_modes_covered_counts_hand_made_points():
    ring = toy.ring_of_gaussians(8, radius=2.0, std=0.1)
    # 50 points on each of modes 0, 1, 2 (exactly at the centre or 0.25 = 2.5 sigma away),
    # 5 stray points at mode 3, and 45 points at the origin (near no mode).
    on_modes = np.concatenate([np.repeat(ring.means[k:k + 1], 50, axis=0) for k in range(3)])
    on_modes[::2, 0] += 0.25
    stray = np.repeat(ring.means[3:4], 5, axis=0)
    middle = np.zeros((45, 2))
    points = np.concatenate([on_modes, stray, middle])  # 200 points
    np.testing.assert_array_equal(toy.mode_counts(points, ring), [50, 50, 50, 5, 0, 0, 0, 0])
    # Default threshold: a quarter of a fair share, 0.25 / 8 * 200 = 6.25 points.
    assert toy.modes_covered(points, ring) == 3
    assert toy.modes_covered(points, ring, min_fraction=5 / 200) == 4
    assert toy.fraction_near_modes(points, ring) == pytest.approx(155 / 200)
    # 0.35 from the centre is 3.5 sigma: no longer near the mode.
    assert toy.modes_covered(ring.means[:1] + [[0.35, 0.0]], ring) == 0


def test_nearest_mode_distance():
    ring = toy.ring_of_gaussians(4, radius=1.0)
    nearest, dist = toy.nearest_mode_distance(np.array([[1.2, 0.0], [0.0, -0.5]]), ring)
    np.testing.assert_array_equal(nearest, [0, 3])
    np.testing.assert_allclose(dist, [0.2, 0.5])


def test_latent_grid_lines():
    lines = toy.latent_grid(lines=5, extent=2.0, points_per_line=7)
    assert lines.shape == (10, 7, 2)
    np.testing.assert_allclose(lines[0, :, 1], -2.0)        # first horizontal line at y = -2
    np.testing.assert_allclose(lines[5, :, 0], -2.0)        # first vertical line at x = -2
    np.testing.assert_allclose(lines[0, :, 0], np.linspace(-2, 2, 7))


# ----------------------------------------------------------------------------- models


def test_toy_models_shapes_and_logits():
    import keras

    G = toy.toy_generator(latent_dim=2, data_dim=2, hidden=8)
    D = toy.toy_discriminator(data_dim=2, hidden=8)
    z = np.zeros((5, 2), np.float32)
    assert tuple(G(z).shape) == (5, 2)
    assert tuple(D(G(z)).shape) == (5, 1)
    assert G.layers[-1].activation is keras.activations.linear   # logits / free outputs
    assert D.layers[-1].activation is keras.activations.linear
    with pytest.raises(ValueError, match="hidden"):
        toy.toy_generator(hidden=0)


def make_updates(G, D, lr_g=1e-3, lr_d=1e-3, loss="non_saturating"):
    """The two updates of notebook 02: one Adam step of D, one of G; each returns its loss."""
    import keras
    import tensorflow as tf

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    opt_D, opt_G = keras.optimizers.Adam(lr_d, beta_1=0.5), keras.optimizers.Adam(lr_g, beta_1=0.5)

    @tf.function
    def update_d(x, z):
        with tf.GradientTape() as tape:
            real, fake = D(x), D(G(z))
            d_loss = bce(tf.ones_like(real), real) + bce(tf.zeros_like(fake), fake)
        opt_D.apply_gradients(zip(tape.gradient(d_loss, D.trainable_variables),
                                  D.trainable_variables))
        return d_loss

    @tf.function
    def update_g(z):
        with tf.GradientTape() as tape:
            fake = D(G(z))
            g_loss = (-bce(tf.zeros_like(fake), fake) if loss == "minimax"
                      else bce(tf.ones_like(fake), fake))
        opt_G.apply_gradients(zip(tape.gradient(g_loss, G.trainable_variables),
                                  G.trainable_variables))
        return g_loss

    return update_d, update_g


class CountingUpdates:
    """Stand-ins for update_D / update_G that record the batches they get."""

    def __init__(self):
        self.d_batches, self.g_batches = [], []

    def update_d(self, x, z):
        self.d_batches.append((x, z))
        return 10.0 + len(self.d_batches)

    def update_g(self, z):
        self.g_batches.append(z)
        return 20.0 + len(self.g_batches)


def test_train_toy_calls_the_updates_on_fresh_batches_and_records_every_n_steps():
    ring, calls, seen = toy.ring_of_gaussians(), CountingUpdates(), []
    history = toy.train_toy(calls.update_d, calls.update_g, ring, 7, latent_dim=3, start=10,
                            batch_size=4, d_steps=2, rng=0, every=3, watchers=[seen.append])
    assert len(calls.d_batches) == 14 and len(calls.g_batches) == 7   # 2 D steps per G step
    x, z = calls.d_batches[0]
    assert x.shape == (4, 2) and z.shape == (4, 3) and z.dtype == np.float32
    assert not np.array_equal(calls.d_batches[0][0], calls.d_batches[1][0])  # fresh batches
    # steps 11..17: recorded at 12, 15 (multiples of 3) and at the last one, 17
    assert history["step"] == [12, 15, 17] and seen == [12, 15, 17]
    assert history["d_loss"] == [10.0 + 4, 10.0 + 10, 10.0 + 14]      # the last D call of a step
    assert history["g_loss"] == [22.0, 25.0, 27.0]


def test_train_toy_with_a_frozen_d_and_bad_arguments():
    target, calls = toy.mixture_1d(2), CountingUpdates()
    history = toy.train_toy(calls.update_d, calls.update_g, target, 2, latent_dim=1,
                            train_D=False, every=1)
    assert calls.d_batches == [] and len(calls.g_batches) == 2
    assert np.isnan(history["d_loss"]).all() and history["g_loss"] == [21.0, 22.0]
    with pytest.raises(ValueError, match="steps"):
        toy.train_toy(calls.update_d, calls.update_g, target, 0, latent_dim=1)
    with pytest.raises(ValueError, match="d_steps"):
        toy.train_toy(calls.update_d, calls.update_g, target, 1, latent_dim=1, d_steps=0)


def test_toy_run_builds_the_models_for_its_target_and_continues():
    run = toy.ToyRun(make_updates, target="2-D: ring of 8", lr_d=2e-3, seed=1)
    assert run.latent_dim == 2 and run.generator.input_shape == (None, 2)
    assert [s.step for s in run.snapshots.snapshots] == [0]
    run.train(30, every=20)
    run.train(10, every=20)
    assert run.step == 40 and run.history["step"] == [20, 30, 40]
    assert [s.step for s in run.snapshots.snapshots] == [0, 20, 30, 40]
    assert 0 <= run.modes_covered() <= 8
    with pytest.raises(ValueError, match="loss"):
        toy.ToyRun(make_updates, loss="wasserstein")
    with pytest.raises(ValueError, match="target"):
        toy.ToyRun(make_updates, target="3-D: cube")


def test_plot_arrows_draws_unit_directions_or_displacements():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    points = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    unit = toy.plot_arrows(ax, points, np.array([[3.0, 4.0], [0.0, -2.0], [0.0, 0.0]]),
                           max_arrows=2)
    np.testing.assert_allclose(np.c_[unit.U, unit.V], [[0.6, 0.8], [0.0, -1.0]])
    moved = toy.plot_arrows(ax, points, np.full((3, 2), 0.5), normalise=False)
    np.testing.assert_allclose(np.c_[moved.U, moved.V], np.full((3, 2), 0.5))
    with pytest.raises(ValueError, match="same shape"):
        toy.plot_arrows(ax, points, np.zeros((2, 2)))
    plt.close(fig)


def test_plot_losses_draws_both_losses_and_the_end_of_game_values():
    import matplotlib.pyplot as plt

    history = {"step": [1, 2], "d_loss": [1.0, 1.3], "g_loss": [2.0, 0.8]}
    fig = toy.plot_losses(history)
    lines = fig.axes[0].get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), [1.0, 1.3])
    np.testing.assert_allclose(lines[1].get_ydata(), [2.0, 0.8])
    levels = sorted(line.get_ydata()[0] for line in lines[2:])
    np.testing.assert_allclose(levels, [np.log(2), np.log(4)])
    plt.close(fig)
    with pytest.raises(ValueError, match="g_loss"):
        toy.plot_losses({"step": [], "d_loss": []})


# ----------------------------------------------------------------------------- widget


@pytest.mark.slow
def test_playground_trains_when_its_button_is_clicked():
    playground = toy.toy_gan_playground(make_updates, target="1-D: 2 modes", steps=100)
    picture_before, status_before = playground.picture.value, playground.status.value
    assert playground.run.step == 0 and "step 0" in status_before
    playground.train_button.click()
    assert playground.run.step == 100
    assert [s.step for s in playground.run.snapshots.snapshots] == [0, 100]
    assert len(playground.run.history["d_loss"]) == 1
    assert "step 100" in playground.status.value and "D's loss" in playground.status.value
    assert playground.picture.value != picture_before
    # A new setting starts a fresh run of the new target.
    playground.controls["target"].value = "2-D: ring of 8"
    assert playground.run.step == 0 and playground.run.target.dim == 2
    playground.train(100)
    assert playground.run.snapshots.latest.generated.shape == (1000, 2)
    assert playground.run.snapshots.latest.latent_image.shape[-1] == 2
    with pytest.raises(ValueError, match="target"):
        toy.toy_target("3-D: cube")


@pytest.mark.slow
def test_playground_displays_trains_on_click_and_resets_on_a_setting(shell):
    asked = []

    def recording_updates(G, D, **settings):
        asked.append(settings)
        return make_updates(G, D, **settings)

    playground = toy.toy_gan_playground(recording_updates, target="1-D: 2 modes", steps=100)
    assert_shows_its_box(shell, playground)
    picture = png(playground.picture.value)
    playground.train_button.click()
    assert playground.run.step == 100 and "step 100" in playground.status.value
    assert png(playground.picture.value) != picture
    assert not playground.train_button.disabled
    playground.controls["loss"].value = "minimax"
    assert playground.run.step == 0 and asked[-1]["loss"] == "minimax"
    playground.controls["lr_g"].value = 1e-4
    assert playground.values()["lr_g"] == pytest.approx(1e-4)
    assert asked[-1]["lr_g"] == pytest.approx(1e-4) and len(asked) == 3
    playground.controls["steps"].value = 200  # the step count alone keeps the run
    assert playground.run.step == 0 and len(asked) == 3
    playground.reset_button.click()
    assert "step 0" in playground.status.value


def test_playground_static_site_stand_in_is_its_picture_at_step_0(shell, monkeypatch):
    playground = toy.toy_gan_playground(make_updates, target="1-D: 2 modes", steps=100)
    _, pages = static_outputs(shell, playground, monkeypatch)
    assert embedded_image(pages[0]).format == "PNG" and "step 0" in pages[0]


def test_toy_live_view_draws_once_then_updates_the_same_display(shell):
    target = toy.mixture_1d(2)
    snapshots = toy.ToySnapshots(toy.toy_generator(1, 1, 8, 1), toy.toy_discriminator(1, 8, 1),
                                 target, latent_dim=1, num_samples=64)
    view = toy.ToyLiveView(snapshots)
    with capture_output() as captured:
        for step in (0, 10):
            view(step)
    assert_one_display_updated(captured.outputs, expected=2)
    assert view.updates == 2



# ----------------------------------------------------------------------------- 2-D GAN

# The ring settings of notebook 02 (section 4): a 2-D latent, MLPs of 3 x 64 units,
# Adam(1e-3, beta_1=0.5) for both players, batches of 256, non-saturating loss.
RING_STEPS = 1000


@pytest.mark.parametrize("seed", [0])
def test_ring_gan_covers_most_modes_near_the_ring(seed):
    from gan_utils import runtime

    ring = toy.ring_of_gaussians(8, radius=2.0, std=0.1)
    runtime.seed_everything(seed)
    G = toy.toy_generator(latent_dim=2, data_dim=2, hidden=64, depth=3)
    D = toy.toy_discriminator(data_dim=2, hidden=64, depth=3)
    history = toy.train_toy(*make_updates(G, D), ring, RING_STEPS, latent_dim=2, rng=seed)
    assert history["step"][-1] == RING_STEPS
    points = np.asarray(G(np.random.default_rng(seed).standard_normal((2000, 2))))
    _, distance = toy.nearest_mode_distance(points, ring)
    assert toy.modes_covered(points, ring) >= 6
    assert np.median(distance) < 2 * 0.1
    assert toy.fraction_near_modes(points, ring) > 0.7
