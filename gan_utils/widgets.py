"""ipywidgets front ends for the course's interactive cells; one section per notebook.

Each builder returns an object to display; its controls can also be set from code
(``calc.controls["stride"].value = 2``), which is how CI exercises them.
"""

from __future__ import annotations

import base64
import html
import io
import os
from functools import lru_cache

# Set to 1 only by tools/build_site.py, which executes the notebooks for the course
# website: a static page cannot run a widget, so each front end then also shows a
# picture (or a short animation) of what its controls do. A learner never sets it.
STATIC_SITE_ENV = "GAN_UTILS_STATIC_SITE"
STATIC_SITE_NOTE = ("This is an interactive widget; on this page it is a picture of what it "
                    "shows. Open the notebook (Colab, Kaggle or Jupyter, links at the top) to "
                    "use it.")


def static_site() -> bool:
    """True when the notebook is being executed for the static course website."""
    return os.environ.get(STATIC_SITE_ENV, "").strip() == "1"


def frames_gif(pngs: list[bytes], seconds_per_frame: float = 0.6) -> bytes:
    """PNG pictures as one looping animated GIF, each frame centred on a white canvas as
    large as the largest picture (the pictures of one widget may differ by a few pixels)."""
    from PIL import Image

    if not pngs:
        raise ValueError("pngs: expected at least one PNG picture")
    pictures = [Image.open(io.BytesIO(png)).convert("RGB") for png in pngs]
    width, height = max(p.width for p in pictures), max(p.height for p in pictures)
    frames = []
    for picture in pictures:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
        frames.append(canvas)
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:],
                   duration=int(round(seconds_per_frame * 1000)), loop=0)
    return buffer.getvalue()


def static_html(pngs: list[bytes], caption: str) -> str:
    """The website's stand-in for a widget: its picture (several pictures: an animated
    GIF of them), a caption saying what it shows, and where to use the real widget."""
    if len(pngs) == 1:
        data, mime = pngs[0], "image/png"
    else:
        data, mime = frames_gif(pngs), "image/gif"
    source = base64.b64encode(data).decode("ascii")
    return (f'<div class="gan-static-widget"><img src="data:{mime};base64,{source}" '
            f'alt="{html.escape(caption)}"/><p><em>{html.escape(caption)}</em> '
            f"{STATIC_SITE_NOTE}</p></div>")


class _FrontEnd:
    """Base of the course's front ends: displaying one shows its widget box (``widget``).

    ipywidgets 8 widgets display through ``_repr_mimebundle_``; ipywidgets 7 (Colab's
    7.7) through ``_ipython_display_`` and have no ``_repr_mimebundle_``. Handing the box
    to IPython's ``display`` lets the installed version pick its own way, so the same
    object shows under both (``tests/test_widgets.py`` checks it under each).

    Executed for the website (``GAN_UTILS_STATIC_SITE=1``), a second output follows the
    widget: :meth:`static_pictures` as HTML with an image, which a static page can show.
    """

    widget = None

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(self.widget)
        if static_site():
            pngs, caption = self.static_pictures()
            display(HTML(static_html(pngs, caption)))

    def static_pictures(self) -> tuple[list[bytes], str]:  # pragma: no cover - overridden
        """PNGs of what the widget shows (a sweep of one control), and a caption."""
        raise NotImplementedError

    def _sweep(self, control, values) -> list:
        """Move ``control`` through ``values``, keeping ``self._picture_value()`` after each
        move, then put it back where it was (the callbacks redraw as for a user's move)."""
        original, pictures = control.value, []
        try:
            for value in values:
                control.value = value
                pictures.append(bytes(self._picture_value()))
        finally:
            control.value = original
        return pictures


# --- Convolution calculators (notebooks 02-03) ---
# Sliders for a convolution's sizes; the picture, the formula's answer and the size
# Keras itself gives update in place. Keras' number comes from running the layer on a
# one-channel image of ones (compute_output_shape alone answers for some settings the
# layer cannot run), cached, so a slider move costs one tiny layer call and one small
# matplotlib drawing.

_CONV_PADDINGS = [("0", 0), ("1", 1), ("2", 2), ("3", 3), ("4", 4),
                  ("'valid'", "valid"), ("'same'", "same")]


def _refusal(error: Exception) -> str:
    """Why Keras or TensorFlow refused, in one line: TensorFlow's own sentence about the
    sizes when it names them, else the first sentence of the message."""
    import re

    text = str(error)
    found = re.search(r"Size of out_backprop doesn't match computed: actual = \d+, "
                      r"computed = \d+", text)
    return f"refuses ({found.group(0) if found else text.split('.')[0].strip()})"


@lru_cache(maxsize=512)
def _keras_conv_size(n: int, kernel: int, stride: int, padding, dilation: int) -> str:
    """The output size Keras' Conv2D gives when it runs on an n x n image, or why Keras
    refuses (integer padding: ZeroPadding2D(p) then a "valid" Conv2D)."""
    import keras
    import numpy as np

    try:
        image = np.ones((1, n, n, 1), "float32")
        if isinstance(padding, int):
            image, padding = keras.layers.ZeroPadding2D(padding)(image), "valid"
        layer = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding,
                                    dilation_rate=dilation, use_bias=False)
        return str(keras.ops.shape(layer(image))[1])
    except Exception as error:  # ValueError from Keras, InvalidArgumentError from TF
        return _refusal(error)


@lru_cache(maxsize=512)
def _keras_conv_transpose_size(n: int, kernel: int, stride: int, padding,
                               output_padding) -> str:
    """The output size Keras' Conv2DTranspose gives when it runs on an n x n image, or
    why Keras refuses (integer padding: a "valid" Conv2DTranspose, then Cropping2D(p)).
    Running matters: for "same" with an even kernel and output_padding=0,
    compute_output_shape answers a size that the layer cannot produce."""
    import keras
    import numpy as np

    try:
        image = np.ones((1, n, n, 1), "float32")
        if isinstance(padding, int):
            layer = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding="valid",
                                                 output_padding=output_padding or 0,
                                                 use_bias=False)
            out = keras.layers.Cropping2D(padding)(layer(image))
        else:
            layer = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding,
                                                 output_padding=output_padding, use_bias=False)
            out = layer(image)
        if min(keras.ops.shape(out)[1:3]) < 1:
            return "refuses (nothing left after cropping)"
        return str(keras.ops.shape(out)[1])
    except Exception as error:  # ValueError from Keras, InvalidArgumentError from TF
        return _refusal(error)


def _strip_tags(markup: str) -> str:
    """An HTML widget's text without its tags and entities (for captions)."""
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", markup)).replace("\xa0", " ").strip()


def _text_png(text: str) -> bytes:
    """A line of text as a small PNG (a calculator whose settings draw no picture)."""
    return _figure_png(lambda ax: (ax.axis("off"), ax.text(0, 0.5, text, va="center")), 6, 0.5)


def _figure_png(draw, width: float, height: float) -> bytes:
    """Draw on a fresh, pyplot-free Figure and return it as PNG bytes (for an Image widget)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=80)
    draw(fig.subplots())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


class _SizeCalculator(_FrontEnd):
    """Common machinery: controls, a summary line, a picture, and one update function.

    ``controls`` maps names to widgets; ``summary`` (an HTML widget) holds the formula's
    size next to Keras' size; ``result`` holds them as values; ``widget`` is the box to
    display (displaying the calculator itself shows it too).
    """

    def __init__(self, controls: dict):
        import ipywidgets as widgets

        self.controls = controls
        self.summary = widgets.HTML()
        self.picture = widgets.Image(format="png")
        self.result: dict = {}
        self.widget = widgets.VBox([widgets.HBox(list(controls.values())[:3]),
                                    widgets.HBox(list(controls.values())[3:]),
                                    self.summary, self.picture])
        self._busy = False
        for control in controls.values():
            control.observe(self._on_change, names="value")
        self._on_change(None)

    def _on_change(self, _change) -> None:
        """Update once per user change (not again when update itself moves a slider)."""
        if not self._busy:
            self._busy = True
            try:
                self.update()
            finally:
                self._busy = False

    def values(self) -> dict:
        """The current control values by name."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _show(self, formula: str, size: int | None, keras_size: str, draw, width, height):
        """Write the summary line and, when the size is valid, redraw the picture."""
        both_refuse = size is None and keras_size.startswith("refuses")
        agree = both_refuse or (size is not None and keras_size == str(size))
        mark = " ✓ both refuse" if both_refuse else " ✓ they agree" if agree else ""
        self.result = {"formula": size, "keras": keras_size, "agree": agree}
        self.summary.value = (f"<b>formula:</b> {formula} &nbsp;&nbsp; "
                              f"<b>Keras:</b> {keras_size}{mark}")
        self.picture.value = b"" if draw is None else _figure_png(draw, width, height)

    def _picture_value(self) -> bytes:
        return self.picture.value

    def static_pictures(self) -> tuple[list[bytes], str]:
        """The drawn window at the first (up to 6) output pixels, as the window slider
        moves it; just the sizes' line when these settings draw no picture."""
        size = self.result.get("formula")
        if not size or not bytes(self.picture.value):
            return [_text_png(_strip_tags(self.summary.value))], "The calculator's answer."
        count = min(6, size * size)
        pngs = self._sweep(self.controls["window"], range(count))
        return pngs, (f"{_strip_tags(self.summary.value)}. The animation moves the window "
                      f"slider over output pixels 0 to {count - 1}.")

    def _window_position(self, size: int) -> tuple[int, int]:
        """Fit the window slider to a size x size output; return its (row, col)."""
        control = self.controls["window"]
        control.max = size * size - 1  # clamps the value, without a second update
        return divmod(min(control.value, size * size - 1), size)


class ConvCalculator(_SizeCalculator):
    """Convolution sizes: input n, kernel k, stride s, padding p, dilation d, and the
    output pixel whose window is drawn."""

    def update(self) -> None:
        """Recompute the size by the formula and by Keras, and redraw the window."""
        from gan_utils import conv, viz

        v = self.values()
        n, k, s, p, d = v["input size"], v["kernel"], v["stride"], v["padding"], v["dilation"]
        keras_size = _keras_conv_size(n, k, s, p, d)
        k_eff = (k - 1) * d + 1
        try:
            size = conv.conv_output_size(n, k, s, p, d)
        except ValueError as error:
            self._show(f"invalid: {error}", None, keras_size, None, 0, 0)
            return
        if p == "same":
            formula = f"ceil({n} / {s}) = <b>{size}</b>"
        else:
            pad = 0 if p == "valid" else p
            formula = f"floor(({n} + 2·{pad} − {k_eff}) / {s}) + 1 = <b>{size}</b>"
        position = self._window_position(size)
        pads = conv.same_padding(n, k, s, d) if p == "same" else (0 if p == "valid" else p,) * 2
        side = n + sum(pads)
        self._show(formula, size, keras_size,
                   lambda ax: viz.draw_conv_step(ax, n, k, s, p, d, position),
                   min(9.0, 0.3 * (side + size + 2)), min(5.0, 0.3 * side + 0.6))


def conv_calculator(n: int = 5, kernel: int = 3, stride: int = 1, padding: int | str = 0,
                    dilation: int = 1) -> ConvCalculator:
    """A convolution calculator: sliders for the sizes, the sliding window drawn, and the
    output size by the formula next to the size Keras' Conv2D reports."""
    import ipywidgets as widgets

    style = {"description_width": "initial"}
    controls = {
        "input size": widgets.IntSlider(n, 1, 32, description="input size n", style=style),
        "kernel": widgets.IntSlider(kernel, 1, 7, description="kernel k", style=style),
        "stride": widgets.IntSlider(stride, 1, 4, description="stride s", style=style),
        "padding": widgets.Dropdown(options=_CONV_PADDINGS, value=padding,
                                    description="padding p", style=style),
        "dilation": widgets.IntSlider(dilation, 1, 3, description="dilation d", style=style),
        "window": widgets.IntSlider(0, 0, 200, description="window at output pixel #",
                                    style=style),
    }
    return ConvCalculator(controls)


class ConvTransposeCalculator(_SizeCalculator):
    """Transposed-convolution sizes: input n, kernel k, stride s, padding p,
    output_padding, and the output pixel whose window is drawn."""

    def update(self) -> None:
        """Recompute the size by the formula and by Keras, and redraw the window."""
        from gan_utils import conv, viz

        v = self.values()
        n, k, s, p, op = (v["input size"], v["kernel"], v["stride"], v["padding"],
                          v["output_padding"])
        op = None if op == NO_OUTPUT_PADDING else op
        keras_size = _keras_conv_transpose_size(n, k, s, p, op)
        try:
            size = conv.conv_transpose_output_size(n, k, s, p, op)
            before, after = conv.conv_transpose_padding(n, k, s, p, op)
        except ValueError as error:
            self._show(f"invalid: {error}", None, keras_size, None, 0, 0)
            return
        if p == "same" and op is None:
            formula = f"{n} · {s} = <b>{size}</b>"
        elif p == "same":
            formula = f"({n} − 1)·{s} + {k} mod 2 + {op} = <b>{size}</b>"
        elif p == "valid":
            extra = max(k, s) - k if op is None else op
            formula = f"({n} − 1)·{s} + {k} + {extra} = <b>{size}</b>"
        else:
            formula = f"({n} − 1)·{s} + {k} − 2·{p} + {op or 0} = <b>{size}</b>"
        position = self._window_position(size)
        side = before + (n - 1) * s + 1 + after
        if before < 0 or after < 0:  # padding beyond k - 1: sizes only, no picture
            self._show(formula + " (no picture: padding > kernel − 1)", size, keras_size,
                       None, 0, 0)
            return
        self._show(formula, size, keras_size,
                   lambda ax: viz.draw_conv_transpose_step(ax, n, k, s, p, op, position),
                   min(9.0, 0.3 * (side + size + 2)), min(5.0, 0.3 * side + 0.6))


# ipywidgets (7 and 8) takes a Dropdown value of None for "nothing selected" and shows an
# empty box, so output_padding=None is the string "None" in the dropdown.
NO_OUTPUT_PADDING = "None"


def conv_transpose_calculator(n: int = 3, kernel: int = 3, stride: int = 2,
                              padding: int | str = 0,
                              output_padding: int | None = None) -> ConvTransposeCalculator:
    """A transposed-convolution calculator: the zero-inserted input and the window drawn,
    the output size by the formula next to the size Keras' Conv2DTranspose reports."""
    import ipywidgets as widgets

    style = {"description_width": "initial"}
    controls = {
        "input size": widgets.IntSlider(n, 1, 8, description="input size n", style=style),
        "kernel": widgets.IntSlider(kernel, 1, 6, description="kernel k", style=style),
        "stride": widgets.IntSlider(stride, 1, 4, description="stride s", style=style),
        "padding": widgets.Dropdown(options=_CONV_PADDINGS, value=padding,
                                    description="padding p", style=style),
        "output_padding": widgets.Dropdown(options=[("None", NO_OUTPUT_PADDING), ("0", 0), ("1", 1),
                                                    ("2", 2), ("3", 3)],
                                           value=NO_OUTPUT_PADDING if output_padding is None
                                           else output_padding, description="output_padding",
                                           style=style),
        "window": widgets.IntSlider(0, 0, 400, description="window at output pixel #",
                                    style=style),
    }
    return ConvTransposeCalculator(controls)


# --- Toy GAN playground (notebook 01) ---
# GAN Lab in a notebook: pick a target (1-D mixture or 2-D ring), the steps and
# learning rates of each player and the generator loss, then press "train" to run
# N more steps of gan_utils.train.GANTrainer. The picture (data, G's samples, D(x))
# and a status line update in place. Changing a setting starts a fresh run at the
# next press, since the settings define the models and their optimizers.

TOY_TARGETS = ("1-D: 1 mode", "1-D: 2 modes", "1-D: 3 modes", "2-D: ring of 8")


def toy_target(name: str):
    """The gan_utils.toy target behind one of the playground's ``TOY_TARGETS`` names."""
    from gan_utils import toy

    if name not in TOY_TARGETS:
        raise ValueError(f"target={name!r}: expected one of {', '.join(TOY_TARGETS)}")
    if name.startswith("2-D"):
        return toy.ring_of_gaussians(8)
    return toy.mixture_1d(int(name.split(": ")[1][0]))


class ToyGANPlayground(_FrontEnd):
    """A toy GAN with controls; ``controls`` maps names to widgets, ``widget`` is the box.

    ``train(steps)`` (or a click on ``train_button``) trains that many more steps and
    redraws; ``trainer`` and ``snapshots`` are the current run's GANTrainer and
    gan_utils.toy.ToySnapshots, for code that wants the numbers.
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

        from gan_utils import losses, runtime, toy
        from gan_utils.train import GANTrainer, SampleGrid

        v = self.values()
        self.target = toy_target(v["target"])
        dim = self.target.dim
        latent_dim, hidden, depth = (1, 32, 2) if dim == 1 else (2, 64, 3)
        runtime.seed_everything(self.seed)
        generator = toy.toy_generator(latent_dim, dim, hidden, depth)
        discriminator = toy.toy_discriminator(dim, hidden, depth)
        self.trainer = GANTrainer(  # snapshots with each sample grid: every 100 steps
            generator, discriminator, latent_dim=latent_dim,
            optimizers=[keras.optimizers.Adam(v["lr_g"], beta_1=0.5),
                        keras.optimizers.Adam(v["lr_d"], beta_1=0.5)],
            loss=losses.GANLoss(v["loss"]), d_steps=v["d_steps"],
            callbacks=[SampleGrid(every=100, num_samples=16)], steps_per_execution=100,
            seed=self.seed)
        self.dataset = toy.toy_dataset(self.target, self.batch_size, seed=self.seed)
        self.snapshots = toy.ToySnapshots(generator, discriminator, self.target, latent_dim,
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
        return [bytes(self.picture.value)], (f"The playground at {_strip_tags(self.status.value)}"
                                             ", before its train button is pressed.")

    def redraw(self) -> None:
        """Redraw the picture and the status line from the latest snapshot."""
        from matplotlib.figure import Figure

        from gan_utils import toy

        snap = self.snapshots.latest
        panels = 2 if self.target.dim == 2 else 1
        fig = Figure(figsize=(7, 3.2) if panels == 1 else (8.4, 4), dpi=80)
        toy.plot_toy_state(snap, self.target, axes=fig.subplots(1, panels),
                           real=self.real if self.target.dim == 2 else None)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        self.picture.value = buffer.getvalue()
        history = self.trainer.history
        covered = toy.modes_covered(snap.generated, self.target)
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


# --- Latent space explorer and digit selector (notebooks 07-08) ---
# Sliders that move a latent vector z along a few directions (raw coordinates, or the
# principal directions notebook 07 computes) and redraw G(z) at once; a seed box and a
# "new random z" button; for a conditional generator (notebook 08) a digit selector.
# Also the two interpolations notebook 07 writes out (lerp, slerp) and its principal
# directions, for the interpolation widget. Pictures are PNGs made with PIL (no
# matplotlib per slider move), shown in an ipywidgets Image that updates in place.

LATENT_PIXEL_SCALE = 6  # a 28x28 digit is drawn 168x168 pixels


def lerp(z0, z1, t: float):
    """Linear interpolation (1 - t) z0 + t z1 (notebook 07)."""
    import numpy as np

    return (1.0 - t) * np.asarray(z0, np.float32) + t * np.asarray(z1, np.float32)


def slerp(z0, z1, t: float):
    """Spherical interpolation along the great circle from z0 to z1 (notebook 07).

    sin((1-t) w)/sin(w) z0 + sin(t w)/sin(w) z1, with w the angle between z0 and z1;
    falls back to lerp when they are (nearly) parallel.
    """
    import numpy as np

    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return lerp(z0, z1, t)
    mixed = (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)
    return mixed.astype(np.float32)


def _generate(generator, z, labels=None):
    """G(z) (or G([z, labels])) in inference mode, as a float32 NumPy array."""
    import numpy as np

    z = np.asarray(z, np.float32)
    inputs = z if labels is None else [z, np.asarray(labels, np.int32)]
    return np.asarray(generator(inputs, training=False), np.float32)


def principal_latent_directions(generator, num_latents: int = 32, epsilon: float = 0.1,
                                seed: int = 0, labels=None):
    """Latent directions ordered by how much they change G's output (notebook 07).

    For ``num_latents`` random z, the finite differences (G(z + eps e_i) - G(z)) / eps
    form the columns of an estimate of the Jacobian J(z); the eigenvectors of the
    average J^T J are the directions v maximising E ||J v||^2. Returns ``(directions,
    strengths)``: unit rows (latent_dim, latent_dim), strongest first, and the
    eigenvalues (mean squared pixel change per unit step).
    """
    import numpy as np

    if num_latents < 1 or epsilon <= 0:
        raise ValueError(f"num_latents={num_latents}, epsilon={epsilon}: expected a positive "
                         "count and a positive step")
    latent_dim = int(generator.inputs[0].shape[-1])
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
        gram += jacobian.T @ jacobian / num_latents
    strengths, vectors = np.linalg.eigh(gram)
    order = np.argsort(strengths)[::-1]
    return vectors[:, order].T.astype(np.float32), strengths[order]


def _png(images, ncols: int | None = None, scale: int = LATENT_PIXEL_SCALE) -> bytes:
    """A PNG of an image grid (images in [-1, 1]), enlarged ``scale`` times."""
    import numpy as np
    from PIL import Image

    from gan_utils import viz

    grid = (viz.image_grid(images, ncols=ncols, padding=1) * 255).round().astype(np.uint8)
    picture = Image.fromarray(grid)
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="png")
    return buffer.getvalue()


class LatentExplorer(_FrontEnd):
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
        import numpy as np

        if not directions:
            raise ValueError("directions: expected at least one named set of directions")
        self.generator, self.num_classes = generator, num_classes
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.directions = {}
        for name, rows in directions.items():
            rows = np.asarray(rows, np.float32)
            if rows.ndim != 2 or rows.shape[1] != self.latent_dim:
                raise ValueError(f"directions[{name!r}]: expected shape (k, {self.latent_dim}),"
                                 f" got {rows.shape}")
            self.directions[name] = rows
        count = min(len(rows) for rows in self.directions.values())
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
        if num_classes:
            self.controls["digit"] = widgets.ToggleButtons(
                options=[str(c) for c in range(num_classes)], description="digit",
                style={"description_width": "initial", "button_width": "32px"})
        self.new_z_button = widgets.Button(description="new random z", icon="random")
        self.reset_button = widgets.Button(description="sliders to 0", icon="undo")
        self.image = widgets.Image(format="png")
        self.strip = widgets.Image(format="png")
        self.status = widgets.HTML()
        rows = [widgets.HBox([self.controls["seed"], self.new_z_button, self.reset_button]),
                self.controls["directions"]]
        if num_classes:
            rows.append(self.controls["digit"])
        rows.append(widgets.HBox([widgets.VBox(self.sliders), self.image]))
        if num_classes:
            rows.append(self.strip)
        rows.append(self.status)
        self.widget = widgets.VBox(rows)
        self.new_z_button.on_click(lambda _button: self.new_z())
        self.reset_button.on_click(lambda _button: self.reset_sliders())
        self.controls["seed"].observe(lambda _change: self._new_base(), names="value")
        for name in ("directions", "digit"):
            if name in self.controls:
                self.controls[name].observe(lambda _change: self.update(), names="value")
        for slider in self.sliders:
            slider.observe(lambda _change: self.update(), names="value")
        self.images, self._paused = None, False
        self._new_base()

    def _picture_value(self) -> bytes:
        return self.strip.value if self.num_classes else self.image.value

    def static_pictures(self) -> tuple[list[bytes], str]:
        """G(z) as the first slider moves from its minimum to its maximum (9 steps)."""
        import numpy as np

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
        import numpy as np

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
    def z(self):
        """The current latent vector: base plus each slider times its direction."""
        rows = self.directions[self.controls["directions"].value]
        offsets = [slider.value for slider in self.sliders]
        return self.base + sum(value * row for value, row in zip(offsets, rows))

    def update(self) -> None:
        """Regenerate and redraw from the current controls."""
        import numpy as np

        if self._paused:
            return
        z = self.z[None]
        if self.num_classes:
            batch = np.repeat(z, self.num_classes, axis=0)
            strip = _generate(self.generator, batch, np.arange(self.num_classes))
            self.images = strip[self.digit:self.digit + 1]
            self.strip.value = _png(strip, ncols=self.num_classes, scale=3)
        else:
            self.images = _generate(self.generator, z)
        self.image.value = _png(self.images)
        label = "" if not self.num_classes else f" &nbsp; digit {self.digit}"
        self.status.value = (f"|z| = {np.linalg.norm(z):.2f} (typical: sqrt({self.latent_dim}) "
                             f"= {np.sqrt(self.latent_dim):.2f}){label}")


def latent_explorer(generator, directions: dict | None = None, num_sliders: int = 6,
                    num_classes: int | None = None, seed: int = 0) -> LatentExplorer:
    """Build the latent-space explorer (display the returned object).

    Without ``directions``: the first ``num_sliders`` raw coordinates of z.
    """
    import numpy as np

    if num_sliders < 1:
        raise ValueError(f"num_sliders={num_sliders}: expected at least 1")
    if directions is None:
        latent_dim = int(generator.inputs[0].shape[-1])
        directions = {"raw coordinates": np.eye(latent_dim, dtype=np.float32)[:num_sliders]}
    directions = {name: np.asarray(rows)[:num_sliders] for name, rows in directions.items()}
    return LatentExplorer(generator, directions, num_classes=num_classes, seed=seed)


class InterpolationExplorer(_FrontEnd):
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

    def _point(self, t: float):
        method = slerp if self.controls["method"].value == "slerp" else lerp
        return method(self.z0, self.z1, t)

    def update(self) -> None:
        """Redraw G(z_t) and the path from the current controls."""
        import numpy as np

        t = self.controls["t"].value
        path = np.stack([self._point(s) for s in np.linspace(0, 1, 8)] + [self._point(t)])
        labels = None if self.labels is None else np.full(len(path), self.labels)
        images = _generate(self.generator, path, labels)
        self.images = images[-1:]
        self.image.value = _png(self.images)
        self.path.value = _png(images[:-1], ncols=4, scale=3)
        self.status.value = (f"t = {t:.2f}: |z_t| = {np.linalg.norm(path[-1]):.2f} "
                             f"(|z0| = {np.linalg.norm(self.z0):.2f}, "
                             f"|z1| = {np.linalg.norm(self.z1):.2f})")


# --- end Latent space explorer and digit selector (notebooks 07-08) ---


# --- A slider a notebook builds itself (notebook 04) ---
# Notebook 04 writes its first slider out with plain ipywidgets (the lesson is how a
# slider, an Output area and a callback fit together). This wrapper displays that box
# unchanged and, like the front ends above, adds the website's picture of it.


class SitePicture(_FrontEnd):
    """A widget box displayed unchanged; executed for the website, followed by an animation
    of ``images(value)`` for each of ``values`` (what moving its slider shows)."""

    def __init__(self, widget, images, values, caption: str):
        self.widget, self.images, self.caption = widget, images, caption
        self.values = list(values)
        if not self.values:
            raise ValueError("values: expected at least one slider value to picture")

    def static_pictures(self) -> tuple[list[bytes], str]:
        """``images(value)`` (images in [-1, 1]) as a PNG for each value, and the caption."""
        return [_png(self.images(value)) for value in self.values], self.caption


def with_site_picture(widget, images, values, caption: str) -> SitePicture:
    """``widget`` to display exactly as it is; the course website (GAN_UTILS_STATIC_SITE=1)
    also shows ``images(value)`` for each of ``values``, e.g. ``images`` the function the
    slider's callback draws with, as a short animation captioned ``caption``."""
    return SitePicture(widget, images, values, caption)
