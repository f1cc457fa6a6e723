"""Toy GANs you can watch: 1-D and 2-D target distributions, tiny MLPs and their pictures.

Notebook 01 writes every idea out once (densities, the inverse CDF, the optimal
discriminator); this module keeps the parts later notebooks reuse:

- :class:`GaussianMixture` a target distribution you can sample and evaluate exactly,
  with the presets :func:`mixture_1d` (1, 2 or 3 modes on a line) and
  :func:`ring_of_gaussians` (the classic 8 modes on a circle);
- :func:`inverse_cdf` maps uniform numbers onto a 1-D mixture exactly;
- :func:`toy_generator` / :func:`toy_discriminator` tiny Keras MLPs (D returns logits);
- :func:`toy_dataset` a tf.data pipeline of points (float32 ``(B, d)``), for
  :class:`gan_utils.train.GANTrainer`;
- :func:`modes_covered` / :func:`nearest_mode_distance` measure mode collapse;
- :class:`ToySnapshots` a trainer callback that records what G and D do, and
  :func:`plot_toy_state` / :func:`render_frames` / :class:`ToyLiveView` draw it;
- :func:`toy_gan_playground` GAN Lab in a notebook: a widget to pick a target, the
  players' steps, learning rates and loss, and train on a button press.

TensorFlow and Keras are imported inside the functions that need them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from gan_utils._validate import positive_int
from gan_utils.viz import figure_to_array
from gan_utils.widgets import FrontEnd, plain_text

# ----------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class GaussianMixture:
    """A mixture of isotropic Gaussians: ``p(x) = sum_k w_k N(x; mu_k, s_k^2 I)``.

    ``means`` has shape ``(K, d)``, ``stds`` and ``weights`` shape ``(K,)``
    (weights sum to one). Everything about it is known exactly, which is why the
    toy world uses it: we can compare a GAN's samples with the true density.
    """

    means: np.ndarray
    stds: np.ndarray
    weights: np.ndarray
    name: str = "mixture"

    def __post_init__(self) -> None:
        means = np.atleast_2d(np.asarray(self.means, dtype=np.float64))
        if means.ndim != 2 or means.shape[0] < 1:
            raise ValueError(f"means: expected shape (K, d), got {np.shape(self.means)}")
        k = means.shape[0]
        stds = np.broadcast_to(np.asarray(self.stds, dtype=np.float64), (k,)).copy()
        weights = np.broadcast_to(np.asarray(self.weights, dtype=np.float64), (k,)).copy()
        if np.any(stds <= 0):
            raise ValueError(f"stds: expected positive numbers, got {stds}")
        if np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
            raise ValueError(f"weights: expected non-negative numbers summing to 1, got {weights}")
        object.__setattr__(self, "means", means)
        object.__setattr__(self, "stds", stds)
        object.__setattr__(self, "weights", weights)

    @property
    def dim(self) -> int:
        """Dimension d of a point."""
        return self.means.shape[1]

    @property
    def num_modes(self) -> int:
        """Number of components K."""
        return self.means.shape[0]

    def sample(self, n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw ``n`` points, float32 ``(n, d)``: pick a component, then add its noise."""
        if n < 0:
            raise ValueError(f"n={n}: expected a non-negative number of points")
        rng = np.random.default_rng(seed)
        component = rng.choice(self.num_modes, size=n, p=self.weights)
        noise = rng.standard_normal((n, self.dim))
        points = self.means[component] + self.stds[component, None] * noise
        return points.astype(np.float32)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The density at points ``x`` of shape ``(n, d)`` (or ``(n,)`` in 1-D), shape ``(n,)``."""
        x = self._as_points(x)
        sq = ((x[:, None, :] - self.means[None]) ** 2).sum(-1)  # (n, K)
        norm = (2 * np.pi * self.stds**2) ** (self.dim / 2)
        return (self.weights * np.exp(-0.5 * sq / self.stds**2) / norm).sum(-1)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """The cumulative distribution function ``P(X <= x)`` of a 1-D mixture."""
        self._require_1d("cdf")
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        z = (x[:, None] - self.means[None, :, 0]) / self.stds
        return (self.weights * special.ndtr(z)).sum(-1)

    def mean(self) -> np.ndarray:
        """The exact mean vector ``sum_k w_k mu_k``, shape ``(d,)``."""
        return self.weights @ self.means

    def covariance(self) -> np.ndarray:
        """The exact covariance ``sum_k w_k (s_k^2 I + mu_k mu_k^T) - mu mu^T``, ``(d, d)``."""
        mu = self.mean()
        second = sum(w * (s**2 * np.eye(self.dim) + np.outer(m, m))
                     for w, s, m in zip(self.weights, self.stds, self.means, strict=True))
        return second - np.outer(mu, mu)

    def bounds(self, n_sigma: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
        """A box holding almost all the mass: means -/+ ``n_sigma`` stds, per axis."""
        low = (self.means - n_sigma * self.stds[:, None]).min(0)
        high = (self.means + n_sigma * self.stds[:, None]).max(0)
        return low, high

    def _as_points(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self.dim == 1 and x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"x: expected points of shape (n, {self.dim}), got {x.shape}")
        return x

    def _require_1d(self, what: str) -> None:
        if self.dim != 1:
            raise ValueError(f"{what}: only defined for a 1-D mixture, this one is {self.dim}-D")


def mixture_1d(modes: int = 2, spread: float = 4.0, std: float = 0.5) -> GaussianMixture:
    """A 1-D target with 1, 2 or 3 equally weighted modes, ``spread`` apart, centred on 0.

    The defaults keep the modes well separated (4 / 0.5 = 8 standard deviations)
    so a collapsed generator is easy to see.
    """
    if modes not in (1, 2, 3):
        raise ValueError(f"modes={modes!r}: expected 1, 2 or 3")
    centres = (np.arange(modes) - (modes - 1) / 2) * spread
    return GaussianMixture(centres[:, None], std, np.full(modes, 1 / modes),
                           name=f"{modes}-mode mixture")


def ring_of_gaussians(modes: int = 8, radius: float = 2.0, std: float = 0.1) -> GaussianMixture:
    """``modes`` Gaussians evenly spaced on a circle (the classic mode-collapse test)."""
    if modes < 1:
        raise ValueError(f"modes={modes!r}: expected a positive number of modes")
    angles = 2 * np.pi * np.arange(modes) / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture(centres, std, np.full(modes, 1 / modes), name=f"ring of {modes}")


def inverse_cdf(target: GaussianMixture, u: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """``F^{-1}(u)`` of a 1-D mixture: the x with ``P(X <= x) = u``, for u in (0, 1).

    A mixture's CDF has no closed-form inverse, so we bisect: the CDF increases, so
    halving an interval that brackets the answer converges to ``tol``.
    Feeding uniform numbers through it gives samples of the target exactly.
    """
    target._require_1d("inverse_cdf")
    u = np.asarray(u, dtype=np.float64)
    if np.any((u <= 0) | (u >= 1)):
        raise ValueError("u: expected numbers strictly between 0 and 1")
    low, high = target.bounds(n_sigma=40.0)
    lo = np.full(u.shape, low[0])
    hi = np.full(u.shape, high[0])
    while np.max(hi - lo) > tol:
        mid = (lo + hi) / 2
        below = target.cdf(mid).reshape(u.shape) < u
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return (lo + hi) / 2


# ----------------------------------------------------------------------------- models


def toy_generator(latent_dim: int = 1, data_dim: int = 1, hidden: int = 32, depth: int = 2,
                  activation: str = "tanh", name: str = "toy_generator"):
    """A tiny MLP generator ``z -> x``: ``depth`` hidden layers of ``hidden`` units, linear output.

    A smooth activation (tanh) keeps the picture of the mapping (a warped grid) smooth.
    """
    import keras

    _check_sizes(latent_dim=latent_dim, data_dim=data_dim, hidden=hidden, depth=depth)
    z = keras.Input((latent_dim,), name="z")
    h = z
    for i in range(depth):
        h = keras.layers.Dense(hidden, activation=activation, name=f"hidden_{i}")(h)
    x = keras.layers.Dense(data_dim, name="point")(h)
    return keras.Model(z, x, name=name)


def toy_discriminator(data_dim: int = 1, hidden: int = 32, depth: int = 2,
                      activation: str = "leaky_relu", name: str = "toy_discriminator"):
    """A tiny MLP discriminator ``x -> logit``; ``sigmoid(logit)`` is D(x), P(x is real)."""
    import keras

    _check_sizes(data_dim=data_dim, hidden=hidden, depth=depth)
    x = keras.Input((data_dim,), name="x")
    h = x
    for i in range(depth):
        h = keras.layers.Dense(hidden, activation=activation, name=f"hidden_{i}")(h)
    logit = keras.layers.Dense(1, name="logit")(h)
    return keras.Model(x, logit, name=name)


def _check_sizes(**sizes: int) -> None:
    for key, value in sizes.items():
        positive_int(key, value)


def toy_dataset(target: GaussianMixture, batch_size: int = 256, num_points: int = 65_536,
                seed: int = 0):
    """A repeating, shuffled tf.data pipeline of ``num_points`` samples of ``target``.

    Elements are float32 batches ``(batch_size, d)``: points, not images, so no
    scaling to [-1, 1]. A fixed pool (a "training set") rather than fresh samples
    makes the toy GAN learn from data as the image GANs do.
    """
    import tensorflow as tf

    if batch_size < 1 or num_points < batch_size:
        raise ValueError(f"batch_size={batch_size}, num_points={num_points}: "
                         "expected 1 <= batch_size <= num_points")
    points = target.sample(num_points, seed=seed)
    return (tf.data.Dataset.from_tensor_slices(points)
            .shuffle(num_points, seed=seed, reshuffle_each_iteration=True)
            .batch(batch_size, drop_remainder=True)
            .repeat()
            .prefetch(tf.data.AUTOTUNE))


# ----------------------------------------------------------------------------- measures


def nearest_mode_distance(points: np.ndarray, target: GaussianMixture) -> tuple[np.ndarray,
                                                                                np.ndarray]:
    """For each point: the index of the closest mode centre and the distance to it."""
    points = target._as_points(points)
    dist = np.linalg.norm(points[:, None, :] - target.means[None], axis=-1)  # (n, K)
    nearest = dist.argmin(1)
    return nearest, dist[np.arange(len(points)), nearest]


def mode_counts(points: np.ndarray, target: GaussianMixture, n_sigma: float = 3.0) -> np.ndarray:
    """How many points fall within ``n_sigma`` standard deviations of each mode, ``(K,)``."""
    nearest, dist = nearest_mode_distance(points, target)
    close = dist <= n_sigma * target.stds[nearest]
    return np.bincount(nearest[close], minlength=target.num_modes)


def modes_covered(points: np.ndarray, target: GaussianMixture, n_sigma: float = 3.0,
                  min_fraction: float | None = None) -> int:
    """Number of modes that receive at least ``min_fraction`` of the points (within 3 sigma).

    The default ``min_fraction`` is a quarter of a fair share, ``0.25 / K``: a
    mode a generator visits four times less often than it should still counts,
    a mode it visits by accident (a few stray points) does not.
    """
    if len(points) == 0:
        raise ValueError("points: expected at least one point")
    if min_fraction is None:
        min_fraction = 0.25 / target.num_modes
    if not 0 < min_fraction <= 1:
        raise ValueError(f"min_fraction={min_fraction}: expected a number in (0, 1]")
    counts = mode_counts(points, target, n_sigma)
    return int(np.sum(counts >= min_fraction * len(points)))


def fraction_near_modes(points: np.ndarray, target: GaussianMixture,
                        n_sigma: float = 3.0) -> float:
    """The fraction of points within ``n_sigma`` stds of some mode ("sample quality")."""
    return float(mode_counts(points, target, n_sigma).sum() / len(points))


# ----------------------------------------------------------------------------- recording


@dataclass
class ToySnapshot:
    """What the toy GAN looked like at one step: samples, D on a grid, G on a latent grid."""

    step: int
    generated: np.ndarray
    d_grid: np.ndarray
    latent_image: np.ndarray | None = None


def evaluation_grid(target: GaussianMixture, resolution: int | None = None,
                    margin: float = 1.0) -> np.ndarray:
    """Points where D is drawn: a line (1-D, ``(r, 1)``) or a square grid (2-D, ``(r*r, 2)``)."""
    low, high = target.bounds()
    low, high = low - margin, high + margin
    if target.dim == 1:
        return np.linspace(low[0], high[0], resolution or 400, dtype=np.float32)[:, None]
    if target.dim == 2:
        r = resolution or 80
        side = np.linspace(min(low), max(high), r, dtype=np.float32)
        xx, yy = np.meshgrid(side, side)
        return np.stack([xx.ravel(), yy.ravel()], axis=1)
    raise ValueError(f"target: can only draw 1-D or 2-D targets, this one is {target.dim}-D")


def latent_grid(lines: int = 11, extent: float = 2.5, points_per_line: int = 60) -> np.ndarray:
    """A regular grid of a 2-D latent plane as polylines, shape ``(2 * lines, points, 2)``.

    Pushing these lines through G shows how it bends the latent plane onto the data.
    """
    ticks = np.linspace(-extent, extent, lines)
    along = np.linspace(-extent, extent, points_per_line)
    horizontal = np.stack(np.broadcast_arrays(along[None, :], ticks[:, None]), axis=-1)
    vertical = horizontal[..., ::-1]
    return np.concatenate([horizontal, vertical]).astype(np.float32)


def discriminator_probability(discriminator, points: np.ndarray, from_logits: bool = True
                              ) -> np.ndarray:
    """D(x) as a probability for each point, ``(n,)`` (applies the sigmoid to logits)."""
    out = np.asarray(discriminator(np.asarray(points, np.float32), training=False),
                     dtype=np.float64).reshape(-1)
    return special.expit(out) if from_logits else out


@dataclass
class ToySnapshots:
    """A GANTrainer callback that records a :class:`ToySnapshot` each time it is called.

    It uses its own fixed noise (``num_samples`` latent vectors), so every frame shows
    the same z moving. ``latent_dim == 2`` also records the image of a latent grid.
    """

    generator: object
    discriminator: object
    target: GaussianMixture
    latent_dim: int
    num_samples: int = 1000
    seed: int = 0
    from_logits: bool = True
    snapshots: list[ToySnapshot] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        self.noise = rng.standard_normal((self.num_samples, self.latent_dim)).astype(np.float32)
        self.grid = evaluation_grid(self.target)
        self.lines = latent_grid() if self.latent_dim == 2 else None

    def snapshot(self, step: int) -> ToySnapshot:
        """Evaluate G and D now, without recording."""
        generated = np.asarray(self.generator(self.noise, training=False))
        d_grid = discriminator_probability(self.discriminator, self.grid, self.from_logits)
        latent_image = None
        if self.lines is not None:
            flat = self.lines.reshape(-1, 2)
            latent_image = np.asarray(self.generator(flat, training=False)).reshape(
                self.lines.shape[:2] + (self.target.dim,))
        return ToySnapshot(int(step), generated, d_grid, latent_image)

    def __call__(self, trainer) -> None:
        """Record the state at ``trainer.step`` (skips a step already recorded)."""
        step = int(trainer.step)
        if self.snapshots and self.snapshots[-1].step == step:
            return
        self.snapshots.append(self.snapshot(step))

    @property
    def latest(self) -> ToySnapshot | None:
        """The last recorded snapshot, or None before the first."""
        return self.snapshots[-1] if self.snapshots else None


# ----------------------------------------------------------------------------- drawing

REAL_COLOR = "#1f77b4"
FAKE_COLOR = "#ff7f0e"
D_COLOR = "#2ca02c"


def plot_toy_state(snapshot: ToySnapshot, target: GaussianMixture, axes=None,
                   title: str | None = None, real: np.ndarray | None = None):
    """Draw one snapshot; returns the figure.

    1-D (one axis): the target density and a histogram of G's samples, with D(x) on
    a second axis (0 to 1). 2-D (two axes): D(x) as a heatmap with real and generated
    points on top, and, when recorded, the image of the latent grid under G.
    """
    import matplotlib.pyplot as plt

    grid = evaluation_grid(target)
    if target.dim == 1:
        if axes is None:
            fig, ax = plt.subplots(figsize=(7, 3.2))
        else:
            ax = axes[0] if isinstance(axes, (list, tuple, np.ndarray)) else axes
            fig = ax.figure
        x = grid[:, 0]
        ax.fill_between(x, target.pdf(x), color=REAL_COLOR, alpha=0.35, label="p_data")
        ax.hist(snapshot.generated[:, 0], bins=np.linspace(x[0], x[-1], 81), density=True,
                color=FAKE_COLOR, alpha=0.6, label="G(z) samples")
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(0, 1.3 * target.pdf(x).max())
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        d_ax = ax.twinx()
        d_ax.plot(x, snapshot.d_grid, color=D_COLOR, lw=2, label="D(x)")
        d_ax.axhline(0.5, color=D_COLOR, lw=0.8, ls=":")
        d_ax.set_ylim(0, 1.05)
        d_ax.set_ylabel("D(x)", color=D_COLOR)
        handles = ax.get_legend_handles_labels()[0] + d_ax.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="upper left", fontsize=8)
        ax.set_title(title or f"step {snapshot.step}")
        return fig

    if target.dim != 2:
        raise ValueError(f"target: can only draw 1-D or 2-D targets, this one is {target.dim}-D")
    panels = 2 if snapshot.latent_image is not None else 1
    if axes is None:
        fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 4))
    axes = np.atleast_1d(axes)
    fig = axes[0].figure
    r = int(round(np.sqrt(len(grid))))
    extent = (grid[:, 0].min(), grid[:, 0].max(), grid[:, 1].min(), grid[:, 1].max())
    ax = axes[0]
    ax.imshow(snapshot.d_grid.reshape(r, r), origin="lower", extent=extent, cmap="RdBu_r",
              vmin=0, vmax=1, alpha=0.6)
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=3, c=REAL_COLOR, alpha=0.5, label="real")
    ax.scatter(snapshot.generated[:, 0], snapshot.generated[:, 1], s=3, c=FAKE_COLOR,
               alpha=0.5, label="generated")
    ax.scatter(target.means[:, 0], target.means[:, 1], marker="x", c="k", s=30, label="modes")
    covered = modes_covered(snapshot.generated, target)
    ax.set_title(title or f"step {snapshot.step}: {covered}/{target.num_modes} modes, D(x) shaded")
    ax.set_xlim(extent[:2])
    ax.set_ylim(extent[2:])
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, markerscale=3)
    if panels == 2:
        ax = axes[1]
        for line in snapshot.latent_image:
            ax.plot(line[:, 0], line[:, 1], color="0.3", lw=0.7)
        ax.scatter(target.means[:, 0], target.means[:, 1], marker="x", c="k", s=30)
        ax.set_xlim(extent[:2])
        ax.set_ylim(extent[2:])
        ax.set_aspect("equal")
        ax.set_title("G maps the latent grid here")
    return fig


def render_frames(snapshots: Sequence[ToySnapshot], target: GaussianMixture,
                  real: np.ndarray | None = None, figsize: tuple[float, float] | None = None
                  ) -> list[np.ndarray]:
    """Draw each snapshot into one reused figure and return the frames as RGB arrays."""
    import matplotlib.pyplot as plt

    if not snapshots:
        raise ValueError("snapshots: expected at least one snapshot to draw")
    panels = 2 if target.dim == 2 and snapshots[0].latent_image is not None else 1
    size = figsize or ((7, 3.2) if target.dim == 1 else (4.2 * panels, 4))
    frames = []
    fig = plt.figure(figsize=size)
    try:
        for snap in snapshots:
            fig.clear()
            axes = fig.subplots(1, panels)
            plot_toy_state(snap, target, axes=axes, real=real)
            fig.tight_layout()
            frames.append(figure_to_array(fig))
    finally:
        plt.close(fig)
    return frames


class ToyLiveView:
    """A trainer callback that redraws the latest snapshot in place (one display handle).

    Pass it after a :class:`ToySnapshots` in ``callbacks`` so it draws what was just
    recorded. Outside a notebook it only keeps the figure up to date.
    """

    def __init__(self, snapshots: ToySnapshots, real: np.ndarray | None = None) -> None:
        import matplotlib.pyplot as plt

        self.snapshots = snapshots
        self.real = real
        dim = snapshots.target.dim
        panels = 2 if dim == 2 and snapshots.latent_dim == 2 else 1
        self.figure = plt.figure(figsize=(7, 3.2) if dim == 1 else (4.2 * panels, 4))
        self.panels = panels
        plt.close(self.figure)  # shown through the handle only, not again at cell end
        self.handle = None
        self.updates = 0

    def __call__(self, trainer) -> None:
        """Redraw with the latest snapshot (taking one if none was recorded at this step)."""
        from IPython.display import display

        snap = self.snapshots.latest
        if snap is None or snap.step != int(trainer.step):
            snap = self.snapshots.snapshot(int(trainer.step))
        self.figure.clear()
        axes = self.figure.subplots(1, self.panels)
        plot_toy_state(snap, self.snapshots.target, axes=axes, real=self.real)
        self.figure.tight_layout()
        if self.handle is None:
            self.handle = display(self.figure, display_id=True)
        else:
            self.handle.update(self.figure)
        self.updates += 1


# ----------------------------------------------------------------------------- playground
# GAN Lab in a notebook: pick a target (1-D mixture or 2-D ring), the steps and
# learning rates of each player and the generator loss, then press "train" to run
# N more steps of gan_utils.train.GANTrainer. The picture (data, G's samples, D(x))
# and a status line update in place. Changing a setting starts a fresh run at the
# next press, since the settings define the models and their optimizers.

TOY_TARGETS = ("1-D: 1 mode", "1-D: 2 modes", "1-D: 3 modes", "2-D: ring of 8")


def toy_target(name: str):
    """The target behind one of the playground's ``TOY_TARGETS`` names."""
    if name not in TOY_TARGETS:
        raise ValueError(f"target={name!r}: expected one of {', '.join(TOY_TARGETS)}")
    if name.startswith("2-D"):
        return ring_of_gaussians(8)
    return mixture_1d(int(name.split(": ")[1][0]))


class ToyGANPlayground(FrontEnd):
    """A toy GAN with controls; ``controls`` maps names to widgets, ``widget`` is the box.

    ``train(steps)`` (or a click on ``train_button``) trains that many more steps and
    redraws; ``trainer`` and ``snapshots`` are the current run's GANTrainer and
    :class:`ToySnapshots`, for code that wants the numbers.
    """

    def __init__(self, controls: dict, seed: int = 0, batch_size: int = 256):
        import ipywidgets as widgets

        self.controls, self.seed, self.batch_size = controls, seed, batch_size
        self.train_button = widgets.Button(description="train N more steps",
                                           button_style="primary", icon="play")
        self.reset_button = widgets.Button(description="reset", icon="refresh")
        self.status = widgets.HTML()
        self.picture = widgets.Image(format="png")
        names = list(controls)
        self.widget = widgets.VBox([
            widgets.HBox([controls[n] for n in names[:3]]),
            widgets.HBox([controls[n] for n in names[3:]]),
            widgets.HBox([self.train_button, self.reset_button]),
            self.status, self.picture])
        self.trainer = self.snapshots = self.target = self.dataset = None
        self.train_button.on_click(lambda _button: self.train())
        self.reset_button.on_click(lambda _button: self.reset())
        for name, control in controls.items():
            if name != "steps":
                control.observe(self._on_setting_change, names="value")
        self.reset()

    def values(self) -> dict:
        """The current control values by name."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_setting_change(self, _change) -> None:
        self.reset()

    def reset(self) -> None:
        """Build a fresh target, models and trainer from the controls, and draw step 0."""
        import keras

        from gan_utils import losses, runtime
        from gan_utils.train import GANTrainer, SampleGrid

        v = self.values()
        self.target = toy_target(v["target"])
        dim = self.target.dim
        latent_dim, hidden, depth = (1, 32, 2) if dim == 1 else (2, 64, 3)
        runtime.seed_everything(self.seed)
        generator = toy_generator(latent_dim, dim, hidden, depth)
        discriminator = toy_discriminator(dim, hidden, depth)
        self.trainer = GANTrainer(  # snapshots with each sample grid: every 100 steps
            generator, discriminator, latent_dim=latent_dim,
            g_optimizer=keras.optimizers.Adam(v["lr_g"], beta_1=0.5),
            d_optimizer=keras.optimizers.Adam(v["lr_d"], beta_1=0.5),
            loss=losses.GANLoss(v["loss"]), d_steps=v["d_steps"],
            callbacks=[SampleGrid(every=100, num_samples=16)], steps_per_execution=100,
            seed=self.seed)
        self.dataset = toy_dataset(self.target, self.batch_size, seed=self.seed)
        self.snapshots = ToySnapshots(generator, discriminator, self.target, latent_dim,
                                      seed=self.seed)
        self.real = self.target.sample(1000, seed=self.seed + 1)
        self.snapshots(self.trainer)
        self.redraw()

    def train(self, steps: int | None = None) -> None:
        """Train ``steps`` more steps (default: the "steps" slider), then redraw."""
        steps = self.controls["steps"].value if steps is None else steps
        self.train_button.disabled = True
        try:
            self.trainer.fit_more(self.dataset, steps, callbacks=[self.snapshots],
                                  progress=False)
        finally:
            self.train_button.disabled = False
        self.redraw()

    def static_pictures(self) -> tuple[list[bytes], str]:
        """The playground's picture as it stands (before any training is step 0)."""
        return [bytes(self.picture.value)], (f"The playground at {plain_text(self.status.value)}"
                                             ", before its train button is pressed.")

    def redraw(self) -> None:
        """Redraw the picture and the status line from the latest snapshot."""
        from matplotlib.figure import Figure

        snap = self.snapshots.latest
        panels = 2 if self.target.dim == 2 else 1
        fig = Figure(figsize=(7, 3.2) if panels == 1 else (8.4, 4), dpi=80)
        plot_toy_state(snap, self.target, axes=fig.subplots(1, panels),
                       real=self.real if self.target.dim == 2 else None)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        self.picture.value = buffer.getvalue()
        history = self.trainer.history
        covered = modes_covered(snap.generated, self.target)
        line = (f"<b>step {snap.step}</b> &nbsp; modes covered: {covered}/"
                f"{self.target.num_modes}")
        if history["step"]:
            line += (f" &nbsp; D(x) = {history['d_real'][-1]:.2f} &nbsp; "
                     f"D(G(z)) = {history['d_fake'][-1]:.2f} &nbsp; "
                     f"{history['seconds'][-1]:.1f} s of training")
        self.status.value = line


def toy_gan_playground(target: str = "1-D: 2 modes", d_steps: int = 1, lr_g: float = 1e-3,
                       lr_d: float = 1e-3, loss: str = "non_saturating", steps: int = 500,
                       seed: int = 0) -> ToyGANPlayground:
    """Build the toy GAN playground of notebook 01 (display the returned object)."""
    import ipywidgets as widgets

    if loss not in ("non_saturating", "minimax"):
        raise ValueError(f"loss={loss!r}: expected 'non_saturating' or 'minimax'")
    style = {"description_width": "initial"}
    controls = {
        "target": widgets.Dropdown(options=TOY_TARGETS, value=target, description="target",
                                   style=style),
        "d_steps": widgets.IntSlider(d_steps, 1, 5, description="D steps per G step",
                                     continuous_update=False, style=style),
        "loss": widgets.ToggleButtons(options=[("non-saturating", "non_saturating"),
                                               ("minimax (saturating)", "minimax")],
                                      value=loss, description="G loss", style=style),
        "lr_g": widgets.FloatLogSlider(lr_g, base=10, min=-5, max=-1.5, description="G lr",
                                       readout_format=".0e", continuous_update=False,
                                       style=style),
        "lr_d": widgets.FloatLogSlider(lr_d, base=10, min=-5, max=-1.5, description="D lr",
                                       readout_format=".0e", continuous_update=False,
                                       style=style),
        "steps": widgets.IntSlider(steps, 100, 3000, step=100, description="N (steps)",
                                   style=style),
    }
    return ToyGANPlayground(controls, seed=seed)
