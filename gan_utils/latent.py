"""Notebook 09's latent space, and notebook 10's digit selector: paths, directions, sliders.

- :func:`lerp` / :func:`slerp` the two interpolations notebook 09 writes out;
- :func:`scaled_normal` and :func:`truncated_normal` two ways to draw shorter z: a
  lower-temperature prior (z scaled) and BigGAN's truncation (large entries redrawn);
- :func:`principal_latent_directions` the directions of z along which G's output changes
  most (eigenvectors of the average J^T J of G's Jacobian);
- :func:`latent_explorer` sliders that move z along raw coordinates or those directions
  and redraw G(z) at once (with a digit selector for a conditional G), and
  :class:`InterpolationExplorer` a slider for t along a lerp or slerp path.

The widgets draw with PIL (:func:`gan_utils.widgets.images_png`, no matplotlib per
slider move) into ipywidgets Image widgets that update in place.
"""

from __future__ import annotations

import numpy as np

from gan_utils.widgets import FrontEnd, images_png


def lerp(z0, z1, t: float) -> np.ndarray:
    """Linear interpolation (1 - t) z0 + t z1 (notebook 09)."""
    return (1.0 - t) * np.asarray(z0, np.float32) + t * np.asarray(z1, np.float32)


def slerp(z0, z1, t: float) -> np.ndarray:
    """Spherical interpolation along the great circle from z0 to z1 (notebook 09).

    sin((1-t) w)/sin(w) z0 + sin(t w)/sin(w) z1, with w the angle between z0 and z1;
    falls back to lerp when they are (nearly) parallel.
    """
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return lerp(z0, z1, t)
    mixed = (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)
    return mixed.astype(np.float32)


def scaled_normal(shape: tuple[int, ...], scale: float, seed: int = 0) -> np.ndarray:
    """z ~ N(0, scale^2 I), float32: a lower-temperature prior for scale < 1 (every z
    shrunk by the same factor, so |z| is about scale * sqrt(d))."""
    if not scale > 0:
        raise ValueError(f"scale={scale!r}: expected a positive factor")
    return (scale * np.random.default_rng(seed).standard_normal(shape)).astype(np.float32)


def truncated_normal(shape: tuple[int, ...], threshold: float, seed: int = 0,
                     max_rounds: int = 1000) -> np.ndarray:
    """z ~ N(0, I) with every entry of magnitude above ``threshold`` drawn again until none
    is: BigGAN's truncation trick (Brock et al., 2019), float32.

    Each entry then follows a normal truncated to [-threshold, threshold]; entries inside
    are untouched, so a moderate threshold changes only the rare large ones.
    """
    if not threshold > 0:
        raise ValueError(f"threshold={threshold!r}: expected a positive number")
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(shape)
    for _ in range(max_rounds):
        outside = np.abs(z) > threshold
        if not outside.any():
            return z.astype(np.float32)
        z[outside] = rng.standard_normal(int(outside.sum()))
    raise RuntimeError(f"threshold={threshold}: entries still outside after {max_rounds} "
                       "rounds; choose a larger threshold")


def _generate(generator, z, labels=None) -> np.ndarray:
    """G(z) (or G([z, labels])) in inference mode, as a float32 NumPy array."""
    z = np.asarray(z, np.float32)
    inputs = z if labels is None else [z, np.asarray(labels, np.int32)]
    return np.asarray(generator(inputs, training=False), np.float32)


def principal_latent_directions(generator, num_latents: int = 32, epsilon: float = 0.1,
                                seed: int = 0, labels=None, code_coordinates=()
                                ) -> tuple[np.ndarray, np.ndarray]:
    """Latent directions ordered by how much they change G's output (notebook 09).

    For ``num_latents`` random z, the finite differences (G(z + eps e_i) - G(z)) / eps
    form the columns of an estimate of the Jacobian J(z); the eigenvectors of the
    average J^T J are the directions v maximising E ||J v||^2. Returns ``(directions,
    strengths)``: unit rows (latent_dim, latent_dim), strongest first, and the
    eigenvalues (mean squared pixel change per unit step).

    ``code_coordinates``: coordinates G reads as a code (``models.latent_code``): the
    image is flat along them inside each code value's interval and jumps at its edges, so
    their columns of J are 0 (a finite difference across an edge measures a jump, not a
    slope, and would swamp the average).
    """
    if num_latents < 1 or epsilon <= 0:
        raise ValueError(f"num_latents={num_latents}, epsilon={epsilon}: expected a positive "
                         "count and a positive step")
    latent_dim = int(generator.inputs[0].shape[-1])
    code_coordinates = list(code_coordinates)
    if any(not 0 <= i < latent_dim for i in code_coordinates):
        raise ValueError(f"code_coordinates={code_coordinates}: expected coordinates of z, "
                         f"0 to {latent_dim - 1}")
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((num_latents, latent_dim)).astype(np.float32)
    gram = np.zeros((latent_dim, latent_dim))
    eye = np.eye(latent_dim, dtype=np.float32)
    for n in range(num_latents):
        batch = np.concatenate([z[n:n + 1], z[n] + epsilon * eye])
        label = None
        if labels is not None:  # conditional G: one class per z, cycling through labels
            label = np.full(len(batch), np.ravel(labels)[n % np.size(labels)])
        out = _generate(generator, batch, label).reshape(len(batch), -1).astype(np.float64)
        jacobian = (out[1:] - out[0]).T / epsilon  # (pixels, latent_dim)
        jacobian[:, code_coordinates] = 0.0
        gram += jacobian.T @ jacobian / num_latents
    strengths, vectors = np.linalg.eigh(gram)
    order = np.argsort(strengths)[::-1]
    return vectors[:, order].T.astype(np.float32), strengths[order]


def _checked_directions(directions: dict, latent_dim: int) -> dict[str, np.ndarray]:
    """Each named set of directions as a float32 (k, latent_dim) array, or a ValueError
    naming the set that does not fit."""
    if not directions:
        raise ValueError("directions: expected at least one named set of directions")
    checked = {}
    for name, rows in directions.items():
        rows = np.asarray(rows, np.float32)
        if rows.ndim != 2 or rows.shape[1] != latent_dim:
            raise ValueError(f"directions[{name!r}]: expected shape (k, {latent_dim}),"
                             f" got {rows.shape}")
        checked[name] = rows
    return checked


class LatentExplorer(FrontEnd):
    """Move z along a few directions with sliders and watch G(z) change.

    ``z = base + sum_i slider_i * direction_i``; ``base`` comes from the seed box (or
    the "new random z" button). ``directions`` maps a name (e.g. "raw coordinates",
    "principal directions") to a (k, latent_dim) array; a toggle picks one. With
    ``num_classes`` a digit selector adds the label, and a strip shows the same z for
    every class. ``controls`` holds the widgets, ``image`` the picture, ``z`` the
    current latent vector and ``images`` the last generated batch.
    """

    def __init__(self, generator, directions: dict, num_classes: int | None = None,
                 seed: int = 0, slider_range: float = 3.0):
        import ipywidgets as widgets

        self.generator, self.num_classes = generator, num_classes
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.directions = _checked_directions(directions, self.latent_dim)
        count = min(len(rows) for rows in self.directions.values())
        self._make_controls(count, seed, slider_range)
        self.image = widgets.Image(format="png")
        self.strip = widgets.Image(format="png")
        self.status = widgets.HTML()
        self.widget = self._layout()
        self._connect()
        self.images, self._paused = None, False
        self._new_base()

    def _make_controls(self, count: int, seed: int, slider_range: float) -> None:
        """The sliders (one per direction), the direction toggle, the seed box, the digit
        selector of a conditional G, and the two buttons."""
        import ipywidgets as widgets

        style = {"description_width": "initial"}
        self.sliders = [widgets.FloatSlider(0.0, min=-slider_range, max=slider_range, step=0.1,
                                            description=f"direction {i}", style=style,
                                            continuous_update=True)
                        for i in range(count)]
        self.controls = {
            "directions": widgets.ToggleButtons(options=list(self.directions),
                                                description="sliders move", style=style),
            "seed": widgets.IntText(seed, description="seed", style=style,
                                    layout=widgets.Layout(width="160px")),
        }
        if self.num_classes:
            self.controls["digit"] = widgets.ToggleButtons(
                options=[str(c) for c in range(self.num_classes)], description="digit",
                style={"description_width": "initial", "button_width": "32px"})
        self.new_z_button = widgets.Button(description="new random z", icon="random")
        self.reset_button = widgets.Button(description="sliders to 0", icon="undo")

    def _layout(self):
        """The box to display: seed and buttons, the toggles, sliders beside G(z), the strip
        of every class (conditional G), and the status line."""
        import ipywidgets as widgets

        rows = [widgets.HBox([self.controls["seed"], self.new_z_button, self.reset_button]),
                self.controls["directions"]]
        if self.num_classes:
            rows.append(self.controls["digit"])
        rows.append(widgets.HBox([widgets.VBox(self.sliders), self.image]))
        if self.num_classes:
            rows.append(self.strip)
        rows.append(self.status)
        return widgets.VBox(rows)

    def _connect(self) -> None:
        """Redraw on every control; a new seed draws a new base z first."""
        self.new_z_button.on_click(lambda _button: self.new_z())
        self.reset_button.on_click(lambda _button: self.reset_sliders())
        self.controls["seed"].observe(lambda _change: self._new_base(), names="value")
        for name in ("directions", "digit"):
            if name in self.controls:
                self.controls[name].observe(lambda _change: self.update(), names="value")
        for slider in self.sliders:
            slider.observe(lambda _change: self.update(), names="value")

    def _picture_value(self) -> bytes:
        return self.strip.value if self.num_classes else self.image.value

    def static_pictures(self) -> tuple[list[bytes], str]:
        """G(z) as the first slider moves from its minimum to its maximum (9 steps)."""
        slider = self.sliders[0]
        values = [round(float(v), 1) for v in np.linspace(slider.min, slider.max, 9)]
        pngs = self._sweep(slider, values)
        shown = "every digit for the same z" if self.num_classes else "G(z)"
        return pngs, (f"{shown} as the slider '{slider.description}' moves from {values[0]} "
                      f"to {values[-1]} along the {self.controls['directions'].value}.")

    @property
    def digit(self) -> int | None:
        """The selected class (conditional generators), else None."""
        return int(self.controls["digit"].value) if self.num_classes else None

    def _new_base(self) -> None:
        rng = np.random.default_rng(int(self.controls["seed"].value))
        self.base = rng.standard_normal(self.latent_dim).astype(np.float32)
        self.update()

    def new_z(self) -> None:
        """Draw a new base z: the seed box moves on by one (so it can be typed back)."""
        self.controls["seed"].value = int(self.controls["seed"].value) + 1

    def reset_sliders(self) -> None:
        """All sliders back to 0 (z = base), with one redraw."""
        self._paused = True
        try:
            for slider in self.sliders:
                slider.value = 0.0
        finally:
            self._paused = False
        self.update()

    @property
    def z(self) -> np.ndarray:
        """The current latent vector: base plus each slider times its direction."""
        rows = self.directions[self.controls["directions"].value]
        offsets = [slider.value for slider in self.sliders]
        return self.base + sum(value * row for value, row in zip(offsets, rows))

    def update(self) -> None:
        """Regenerate and redraw from the current controls."""
        if self._paused:
            return
        z = self.z[None]
        if self.num_classes:
            batch = np.repeat(z, self.num_classes, axis=0)
            strip = _generate(self.generator, batch, np.arange(self.num_classes))
            self.images = strip[self.digit:self.digit + 1]
            self.strip.value = images_png(strip, ncols=self.num_classes, scale=3)
        else:
            self.images = _generate(self.generator, z)
        self.image.value = images_png(self.images)
        label = "" if not self.num_classes else f" &nbsp; digit {self.digit}"
        self.status.value = (f"|z| = {np.linalg.norm(z):.2f} (typical: sqrt({self.latent_dim}) "
                             f"= {np.sqrt(self.latent_dim):.2f}){label}")


def latent_explorer(generator, directions: dict | None = None, num_sliders: int = 6,
                    num_classes: int | None = None, seed: int = 0) -> LatentExplorer:
    """Build the latent-space explorer (display the returned object).

    Without ``directions``: the first ``num_sliders`` raw coordinates of z.
    """
    if num_sliders < 1:
        raise ValueError(f"num_sliders={num_sliders}: expected at least 1")
    if directions is None:
        latent_dim = int(generator.inputs[0].shape[-1])
        directions = {"raw coordinates": np.eye(latent_dim, dtype=np.float32)[:num_sliders]}
    directions = {name: np.asarray(rows)[:num_sliders] for name, rows in directions.items()}
    return LatentExplorer(generator, directions, num_classes=num_classes, seed=seed)


class InterpolationExplorer(FrontEnd):
    """Slide t from 0 to 1 between two latent vectors, linearly or spherically.

    Shows G at the chosen t and, below, eight evenly spaced steps of the path; the
    status line gives |z_t|, which linear interpolation pulls below sqrt(d) midway.
    """

    def __init__(self, generator, z0, z1, labels=None):
        import ipywidgets as widgets

        self.generator, self.z0, self.z1, self.labels = generator, z0, z1, labels
        self.controls = {
            "t": widgets.FloatSlider(0.5, min=0.0, max=1.0, step=0.05, description="t"),
            "method": widgets.ToggleButtons(options=["slerp", "lerp"], description="path"),
        }
        self.image, self.path, self.status = (widgets.Image(format="png"),
                                              widgets.Image(format="png"), widgets.HTML())
        self.widget = widgets.VBox([widgets.HBox([self.controls["method"], self.controls["t"]]),
                                    widgets.HBox([self.image, self.path]), self.status])
        for control in self.controls.values():
            control.observe(lambda _change: self.update(), names="value")
        self.update()

    def _picture_value(self) -> bytes:
        return self.image.value

    def static_pictures(self) -> tuple[list[bytes], str]:
        """G(z_t) as the t slider moves from 0 to 1 (11 steps)."""
        values = [round(0.1 * i, 1) for i in range(11)]
        pngs = self._sweep(self.controls["t"], values)
        return pngs, (f"G(z_t) as t moves from 0 to 1 by {self.controls['method'].value}.")

    def _point(self, t: float) -> np.ndarray:
        method = slerp if self.controls["method"].value == "slerp" else lerp
        return method(self.z0, self.z1, t)

    def update(self) -> None:
        """Redraw G(z_t) and the path from the current controls."""
        t = self.controls["t"].value
        path = np.stack([self._point(s) for s in np.linspace(0, 1, 8)] + [self._point(t)])
        labels = None if self.labels is None else np.full(len(path), self.labels)
        images = _generate(self.generator, path, labels)
        self.images = images[-1:]
        self.image.value = images_png(self.images)
        self.path.value = images_png(images[:-1], ncols=4, scale=3)
        self.status.value = (f"t = {t:.2f}: |z_t| = {np.linalg.norm(path[-1]):.2f} "
                             f"(|z0| = {np.linalg.norm(self.z0):.2f}, "
                             f"|z1| = {np.linalg.norm(self.z1):.2f})")
