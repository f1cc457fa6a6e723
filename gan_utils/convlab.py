"""The convolution lab of notebooks 03 and 04: sliding-window pictures and size calculators.

- :func:`draw_conv_step` / :func:`conv_diagram` draw a convolution window by window, and
  :func:`draw_conv_transpose_step` / :func:`conv_transpose_diagram` a transposed one as
  the direct convolution of its zero-inserted input; :func:`plot_overlap` is the heatmap
  of notebook 04's checkerboard counts;
- :func:`conv_calculator` / :func:`conv_transpose_calculator` are the widgets: sliders
  for the sizes, the window drawn, and the output size by the formula next to the size
  Keras itself gives.

The arithmetic lives in :mod:`gan_utils.conv`; this module only shows it. The pictures
follow Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016):
blue input, white padding / inserted zeros, the kernel's taps shaded dark, and the green
output with the current pixel marked.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from gan_utils import conv
from gan_utils.widgets import FrontEnd, figure_png, plain_text, text_png

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_INPUT_COLOR = "#9ecae1"
_TAP_COLOR = "#08519c"
_OUTPUT_COLOR = "#c7e9c0"
_OUTPUT_MARK = "#238b45"


# ----------------------------------------------------------------------------- drawings


def _square_pads(n: int, kernel: int, stride: int, padding, dilation: int) -> tuple[int, int]:
    """The zeros (before, after) a convolution adds along one axis (int, "valid" or "same")."""
    if isinstance(padding, str):
        if padding.lower() == "same":
            return conv.same_padding(n, kernel, stride, dilation)
        return 0, 0
    return int(padding), int(padding)


def _add_cells(ax, corners, gid: str, facecolor, linestyle: str = "-", alpha=None,
               edgecolor="0.45", linewidth: float = 0.8) -> None:
    """Add unit squares at the (x, y) ``corners`` as one collection (fast to render),
    tagged ``gid`` ("input", "padding", "zeros", "taps", "output", "output_mark")."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    squares = [Rectangle((x, y), 1, 1) for x, y in corners]
    collection = PatchCollection(squares, facecolors=facecolor, edgecolors=edgecolor,
                                 linestyles=linestyle, linewidths=linewidth, alpha=alpha)
    collection.set_gid(gid)
    ax.add_collection(collection)


def _draw_cells(ax, cells: np.ndarray, x0: float, values=None) -> None:
    """Draw a grid of cells coded 0 = padding, 1 = input pixel, 2 = inserted zero.

    ``values`` (same shape) writes numbers in the cells; taps are drawn separately.
    """
    for code, gid, face, style in ((0, "padding", "white", "--"), (1, "input", _INPUT_COLOR, "-"),
                                   (2, "zeros", "white", ":")):
        rows, cols = np.nonzero(cells == code)
        _add_cells(ax, zip(x0 + cols, rows, strict=True), gid, face, style)
    if values is not None:
        for row, col in zip(*np.nonzero(cells == 1), strict=True):
            ax.text(x0 + col + 0.5, row + 0.5, f"{values[row, col]:g}", ha="center",
                    va="center", fontsize=8)


def _draw_taps(ax, taps: list[tuple[int, int]], x0: float, kernel_values=None) -> None:
    """Shade the cells under the kernel; write the kernel weight in a corner if given."""
    _add_cells(ax, [(x0 + col, row) for row, col in taps], "taps", _TAP_COLOR, alpha=0.45,
               edgecolor=_TAP_COLOR, linewidth=1.2)
    if kernel_values is not None:
        for index, (row, col) in enumerate(taps):
            ax.text(x0 + col + 0.93, row + 0.9, f"×{kernel_values.flat[index]:g}",
                    ha="right", va="bottom", fontsize=6, color="white")


def _draw_output(ax, size: int, x0: float, y0: float, mark: tuple[int, int],
                 values=None) -> None:
    """The output grid at (x0, y0), with the pixel the current window produces marked."""
    mark = tuple(mark)
    plain = [(x0 + col, y0 + row) for row in range(size) for col in range(size)
             if (row, col) != mark]
    _add_cells(ax, plain, "output", _OUTPUT_COLOR)
    _add_cells(ax, [(x0 + mark[1], y0 + mark[0])], "output_mark", _OUTPUT_MARK)
    if values is not None:
        for (row, col), value in np.ndenumerate(np.asarray(values)):
            ax.text(x0 + col + 0.5, y0 + row + 0.5, f"{value:g}", ha="center", va="center",
                    fontsize=8, color="white" if (row, col) == mark else "black")


def _check_position(position: tuple[int, int], out: int) -> None:
    """Refuse an output pixel outside the out x out output."""
    row, col = position
    if not (0 <= row < out and 0 <= col < out):
        raise ValueError(f"position={position}: expected row and column in [0, {out})")


def _finish_step(ax, side: int, out: int, position: tuple[int, int], title: str,
                 output_values=None) -> None:
    """Draw the arrow and the out x out output beside a side x side input, and the title."""
    from matplotlib.patches import FancyArrowPatch

    x_out = side + 1.5
    ax.add_patch(FancyArrowPatch((side + 0.2, side / 2), (x_out - 0.2, side / 2),
                                 arrowstyle="->", mutation_scale=12, color="0.3"))
    _draw_output(ax, out, x_out, (side - out) / 2, position, output_values)
    ax.set_xlim(-0.2, x_out + out + 0.2)
    ax.set_ylim(side + 0.2, -0.2)  # row 0 at the top, like an image
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)


def _padding_text(padding: int | str) -> str:
    """How a title names the padding: 'same', 'valid' or p=1."""
    return padding if isinstance(padding, str) else f"p={padding}"


def draw_conv_step(ax: Axes, n: int, kernel: int, stride: int = 1, padding: int | str = 0,
                   dilation: int = 1, position: tuple[int, int] = (0, 0), values=None,
                   kernel_values=None, output_values=None) -> None:
    """Draw one step of a square convolution on ``ax``: the padded input, the kernel's
    taps for output pixel ``position`` and the output grid beside it.

    ``values`` / ``kernel_values`` / ``output_values`` optionally write the numbers of
    a worked example into the cells.
    """
    out = conv.conv_output_size(n, kernel, stride, padding, dilation)
    _check_position(position, out)
    row, col = position
    before, after = _square_pads(n, kernel, stride, padding, dilation)
    side = before + n + after
    cells = np.zeros((side, side), dtype=int)
    cells[before:before + n, before:before + n] = 1
    padded_values = None
    if values is not None:
        padded_values = np.zeros((side, side))
        padded_values[before:before + n, before:before + n] = np.asarray(values)
    _draw_cells(ax, cells, 0, padded_values)
    taps = [(row * stride + a * dilation, col * stride + b * dilation)
            for a in range(kernel) for b in range(kernel)]
    kv = None if kernel_values is None else np.asarray(kernel_values)
    _draw_taps(ax, taps, 0, kv)
    _finish_step(ax, side, out, position,
                 f"n={n}, k={kernel}, s={stride}, {_padding_text(padding)}, d={dilation}"
                 f"  →  {out}×{out}", output_values)


def _panel_positions(out: int, positions, max_panels: int) -> list[tuple[int, int]]:
    """The output pixels to draw: the given ones, or the first few and the last."""
    if positions is not None:
        return [tuple(p) for p in positions]
    every = [(r, c) for r in range(out) for c in range(out)]
    if len(every) <= max_panels:
        return every
    return every[:max_panels - 1] + [every[-1]]


def _diagram_row(side: int, out: int, positions, max_panels: int, draw_step) -> Figure:
    """A Figure with one panel per chosen output pixel, each drawn by
    ``draw_step(ax, position)``; panels are sized for a side x side input."""
    import matplotlib.pyplot as plt

    chosen = _panel_positions(out, positions, max_panels)
    panel_width = min(4.5, 0.32 * (side + out + 2) + 0.6)
    fig, axes = plt.subplots(1, len(chosen), figsize=(panel_width * len(chosen),
                                                      0.32 * side + 0.9), squeeze=False)
    for ax, position in zip(axes[0], chosen, strict=True):
        draw_step(ax, position)
    fig.tight_layout()
    return fig


def conv_diagram(n: int, kernel: int, stride: int = 1, padding: int | str = 0,
                 dilation: int = 1, positions=None, max_panels: int = 4,
                 **values) -> Figure:
    """A row of sliding-window pictures of one convolution; returns the Figure.

    ``positions`` lists output pixels (row, col) to draw; by default the first few and
    the last. Extra keyword arguments (``values``, ``kernel_values``,
    ``output_values``) go to :func:`draw_conv_step`.
    """
    out = conv.conv_output_size(n, kernel, stride, padding, dilation)
    side = n + sum(_square_pads(n, kernel, stride, padding, dilation))
    return _diagram_row(side, out, positions, max_panels, lambda ax, position: draw_conv_step(
        ax, n, kernel, stride, padding, dilation, position, **values))


def _transpose_geometry(n: int, kernel: int, stride: int, padding,
                        output_padding) -> tuple[int, int, int]:
    """(output size, zeros before, side of the zero-inserted and padded input) of a
    transposed convolution drawn as a direct one."""
    out = conv.conv_transpose_output_size(n, kernel, stride, padding, output_padding)
    before, after = conv.conv_transpose_padding(n, kernel, stride, padding, output_padding)
    if before < 0 or after < 0:
        raise ValueError(f"padding={padding!r} crops more than kernel - 1 pixels: this "
                         "picture needs before/after padding >= 0")
    return out, before, before + (n - 1) * stride + 1 + after


def draw_conv_transpose_step(ax: Axes, n: int, kernel: int, stride: int = 1,
                             padding: int | str = 0, output_padding: int | None = None,
                             position: tuple[int, int] = (0, 0)) -> None:
    """Draw one step of a square transposed convolution as a direct convolution:
    ``stride - 1`` zeros inserted between the input pixels (dotted), padded with
    :func:`gan_utils.conv.conv_transpose_padding` zeros (dashed), the kernel sliding
    with stride 1, and the output grid beside it.
    """
    out, before, side = _transpose_geometry(n, kernel, stride, padding, output_padding)
    _check_position(position, out)
    row, col = position
    dilated = (n - 1) * stride + 1
    cells = np.zeros((side, side), dtype=int)
    inner = np.full((dilated, dilated), 2)
    inner[::stride, ::stride] = 1
    cells[before:before + dilated, before:before + dilated] = inner
    _draw_cells(ax, cells, 0)
    _draw_taps(ax, [(row + a, col + b) for a in range(kernel) for b in range(kernel)], 0)
    extra = "" if output_padding is None else f", op={output_padding}"
    _finish_step(ax, side, out, position,
                 f"n={n}, k={kernel}, s={stride}, {_padding_text(padding)}{extra}"
                 f"  →  {out}×{out}")


def conv_transpose_diagram(n: int, kernel: int, stride: int = 1, padding: int | str = 0,
                           output_padding: int | None = None, positions=None,
                           max_panels: int = 4) -> Figure:
    """A row of pictures of one transposed convolution (see
    :func:`draw_conv_transpose_step`); returns the Figure."""
    out, _, side = _transpose_geometry(n, kernel, stride, padding, output_padding)
    return _diagram_row(side, out, positions, max_panels,
                        lambda ax, position: draw_conv_transpose_step(
                            ax, n, kernel, stride, padding, output_padding, position))


def plot_overlap(counts, ax: Axes | None = None, title: str | None = None,
                 annotate: bool = True) -> Figure:
    """A heatmap of per-pixel overlap counts (from :func:`gan_utils.conv.transposed_overlap`
    or any 2-D array); returns the Figure."""
    import matplotlib.pyplot as plt

    counts = np.asarray(counts)
    if counts.ndim != 2:
        raise ValueError(f"counts of shape {counts.shape}: expected a 2-D array")
    if ax is None:
        fig, ax = plt.subplots(figsize=(3.2, 3.2))
    else:
        fig = ax.figure
    ax.imshow(counts, cmap="viridis", vmin=0, interpolation="nearest")
    if annotate and counts.size <= 400:
        for (row, col), value in np.ndenumerate(counts):
            ax.text(col, row, f"{value:g}", ha="center", va="center", fontsize=7,
                    color="white" if value < counts.max() * 0.6 else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=9)
    return fig


# ----------------------------------------------------------------------------- calculators
# Sliders for a convolution's sizes; the picture, the formula's answer and the size
# Keras itself gives update in place. Keras' number comes from running the layer on a
# one-channel image of ones (compute_output_shape alone answers for some settings the
# layer cannot run), cached, so a slider move costs one tiny layer call and one small
# matplotlib drawing.

_CONV_PADDINGS = [("0", 0), ("1", 1), ("2", 2), ("3", 3), ("4", 4),
                  ("'valid'", "valid"), ("'same'", "same")]
# ipywidgets (7 and 8) takes a Dropdown value of None for "nothing selected" and shows an
# empty box, so output_padding=None is the string "None" in the dropdown.
NO_OUTPUT_PADDING = "None"


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


def run_conv_transpose(n: int, kernel: int, stride: int, padding: str,
                       output_padding: int | None = None) -> int:
    """Run Keras' ``Conv2DTranspose`` on an n x n image and return its output size.

    Raises ``tf.errors.InvalidArgumentError`` when the layer cannot run these sizes.
    The sizes ``gan_utils.conv`` refuses ("same", an even kernel, ``output_padding=0``) are
    run compiled by XLA (``jit_compile=True``), where TensorFlow's own size check refuses
    them on every CPU. Run as usual, they meet oneDNN's kernel on CPUs with AVX-512, which
    raises ``AbortedError``, returns an empty image (n = 1) or, in TensorFlow 2.18, ends
    the whole process; every other size runs as usual.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    from gan_utils import conv

    image = np.ones((1, n, n, 1), "float32")
    layer = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding,
                                         output_padding=output_padding, use_bias=False)
    try:
        conv.conv_transpose_output_size(n, kernel, stride, padding, output_padding)
    except ValueError:
        layer.build(image.shape)
        return int(tf.function(layer, jit_compile=True)(image).shape[1])
    return int(keras.ops.shape(layer(image))[1])


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
        if not isinstance(padding, int):
            return str(run_conv_transpose(n, kernel, stride, padding, output_padding))
        layer = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding="valid",
                                             output_padding=output_padding or 0,
                                             use_bias=False)
        out = keras.layers.Cropping2D(padding)(layer(np.ones((1, n, n, 1), "float32")))
        if min(keras.ops.shape(out)[1:3]) < 1:
            return "refuses (nothing left after cropping)"
        return str(keras.ops.shape(out)[1])
    except Exception as error:  # ValueError from Keras, InvalidArgumentError from TF
        return _refusal(error)



class _SizeCalculator(FrontEnd):
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

    def _show(self, formula: str, size: int | None, keras_size: str, draw=None,
              side: int = 0) -> None:
        """Write the summary line and, given a ``draw(ax)`` of a side x side input, redraw
        the picture (else clear it)."""
        both_refuse = size is None and keras_size.startswith("refuses")
        agree = both_refuse or (size is not None and keras_size == str(size))
        mark = " ✓ both refuse" if both_refuse else " ✓ they agree" if agree else ""
        self.result = {"formula": size, "keras": keras_size, "agree": agree}
        self.summary.value = (f"<b>formula:</b> {formula} &nbsp;&nbsp; "
                              f"<b>Keras:</b> {keras_size}{mark}")
        if draw is None:
            self.picture.value = b""
        else:
            self.picture.value = figure_png(draw, min(9.0, 0.3 * (side + size + 2)),
                                            min(5.0, 0.3 * side + 0.6))

    def _picture_value(self) -> bytes:
        return self.picture.value

    def static_pictures(self) -> tuple[list[bytes], str]:
        """The drawn window at the first (up to 6) output pixels, as the window slider
        moves it; just the sizes' line when these settings draw no picture."""
        size = self.result.get("formula")
        if not size or not bytes(self.picture.value):
            return [text_png(plain_text(self.summary.value))], "The calculator's answer."
        count = min(6, size * size)
        pngs = self._sweep(self.controls["window"], range(count))
        return pngs, (f"{plain_text(self.summary.value)}. The animation moves the window "
                      f"slider over output pixels 0 to {count - 1}.")

    def _window_position(self, size: int) -> tuple[int, int]:
        """Fit the window slider to a size x size output; return its (row, col)."""
        control = self.controls["window"]
        control.max = size * size - 1  # clamps the value, without a second update
        return divmod(min(control.value, size * size - 1), size)


def _size_controls(n: int, kernel: int, stride: int, padding, largest: tuple[int, int],
                   fifth: tuple[str, object]) -> dict:
    """The calculators' controls: sliders for n and k (up to ``largest``), stride and
    window, the padding dropdown, and ``fifth`` = (name, widget), their one difference."""
    import ipywidgets as widgets

    style = {"description_width": "initial"}
    largest_n, largest_k = largest
    name, widget = fifth
    return {
        "input size": widgets.IntSlider(n, 1, largest_n, description="input size n",
                                        style=style),
        "kernel": widgets.IntSlider(kernel, 1, largest_k, description="kernel k", style=style),
        "stride": widgets.IntSlider(stride, 1, 4, description="stride s", style=style),
        "padding": widgets.Dropdown(options=_CONV_PADDINGS, value=padding,
                                    description="padding p", style=style),
        name: widget,
        "window": widgets.IntSlider(0, 0, largest_n ** 2, description="window at output pixel #",
                                    style=style),
    }


class ConvCalculator(_SizeCalculator):
    """Convolution sizes: input n, kernel k, stride s, padding p, dilation d, and the
    output pixel whose window is drawn."""

    def update(self) -> None:
        """Recompute the size by the formula and by Keras, and redraw the window."""
        v = self.values()
        n, k, s, p, d = v["input size"], v["kernel"], v["stride"], v["padding"], v["dilation"]
        keras_size = _keras_conv_size(n, k, s, p, d)
        k_eff = (k - 1) * d + 1
        try:
            size = conv.conv_output_size(n, k, s, p, d)
        except ValueError as error:
            self._show(f"invalid: {error}", None, keras_size)
            return
        if p == "same":
            formula = f"ceil({n} / {s}) = <b>{size}</b>"
        else:
            pad = 0 if p == "valid" else p
            formula = f"floor(({n} + 2·{pad} − {k_eff}) / {s}) + 1 = <b>{size}</b>"
        position = self._window_position(size)
        side = n + sum(_square_pads(n, k, s, p, d))
        self._show(formula, size, keras_size,
                   lambda ax: draw_conv_step(ax, n, k, s, p, d, position), side)


def conv_calculator(n: int = 5, kernel: int = 3, stride: int = 1, padding: int | str = 0,
                    dilation: int = 1) -> ConvCalculator:
    """A convolution calculator: sliders for the sizes, the sliding window drawn, and the
    output size by the formula next to the size Keras' Conv2D reports."""
    import ipywidgets as widgets

    dilation_slider = widgets.IntSlider(dilation, 1, 3, description="dilation d",
                                        style={"description_width": "initial"})
    return ConvCalculator(_size_controls(n, kernel, stride, padding, (32, 7),
                                         ("dilation", dilation_slider)))


def _transpose_formula(n: int, k: int, s: int, p, op, size: int) -> str:
    """How the transposed convolution's output size comes about, for these settings."""
    if p == "same" and op is None:
        return f"{n} · {s} = <b>{size}</b>"
    if p == "same":
        return f"({n} − 1)·{s} + {k} mod 2 + {op} = <b>{size}</b>"
    if p == "valid":
        extra = max(k, s) - k if op is None else op
        return f"({n} − 1)·{s} + {k} + {extra} = <b>{size}</b>"
    return f"({n} − 1)·{s} + {k} − 2·{p} + {op or 0} = <b>{size}</b>"


class ConvTransposeCalculator(_SizeCalculator):
    """Transposed-convolution sizes: input n, kernel k, stride s, padding p,
    output_padding, and the output pixel whose window is drawn."""

    def update(self) -> None:
        """Recompute the size by the formula and by Keras, and redraw the window."""
        v = self.values()
        n, k, s, p, op = (v["input size"], v["kernel"], v["stride"], v["padding"],
                          v["output_padding"])
        op = None if op == NO_OUTPUT_PADDING else op
        keras_size = _keras_conv_transpose_size(n, k, s, p, op)
        try:
            size = conv.conv_transpose_output_size(n, k, s, p, op)
            before, after = conv.conv_transpose_padding(n, k, s, p, op)
        except ValueError as error:
            self._show(f"invalid: {error}", None, keras_size)
            return
        formula = _transpose_formula(n, k, s, p, op, size)
        position = self._window_position(size)
        if before < 0 or after < 0:  # padding beyond k - 1: sizes only, no picture
            self._show(formula + " (no picture: padding > kernel − 1)", size, keras_size)
            return
        self._show(formula, size, keras_size,
                   lambda ax: draw_conv_transpose_step(ax, n, k, s, p, op, position),
                   before + (n - 1) * s + 1 + after)


def conv_transpose_calculator(n: int = 3, kernel: int = 3, stride: int = 2,
                              padding: int | str = 0,
                              output_padding: int | None = None) -> ConvTransposeCalculator:
    """A transposed-convolution calculator: the zero-inserted input and the window drawn,
    the output size by the formula next to the size Keras' Conv2DTranspose reports."""
    import ipywidgets as widgets

    choice = widgets.Dropdown(options=[("None", NO_OUTPUT_PADDING), ("0", 0), ("1", 1),
                                       ("2", 2), ("3", 3)],
                              value=NO_OUTPUT_PADDING if output_padding is None
                              else output_padding, description="output_padding",
                              style={"description_width": "initial"})
    return ConvTransposeCalculator(_size_controls(n, kernel, stride, padding, (8, 6),
                                                  ("output_padding", choice)))
