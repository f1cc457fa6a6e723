"""Pictures of GANs: image grids, training curves, animations and live views.

Generic pictures any lesson uses; a lesson's own drawings live with it (notebook 02's in
:mod:`gan_utils.toy`, the convolution diagrams of 03-04 in :mod:`gan_utils.convlab`).

Images may be float arrays in [-1, 1] (what the generators output) or uint8 arrays in
[0, 255] (what the datasets hold), grayscale (N, H, W) / (N, H, W, 1) or RGB
(N, H, W, 3). Nothing here changes matplotlib's global style unless
:func:`use_course_style` is called.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

FIGURE_DIR_ENV = "GAN_UTILS_FIGURES"


def use_course_style() -> None:
    """Apply the course's matplotlib look (called explicitly by notebooks, never on import)."""
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3,
        "axes.spines.top": False, "axes.spines.right": False,
        "image.interpolation": "nearest", "font.size": 10,
    })


def to_unit_interval(images) -> np.ndarray:
    """Map images to float32 in [0, 1], from uint8 [0, 255] or float [-1, 1]."""
    array = np.asarray(images)
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    if not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
        raise ValueError(f"images: expected numbers, got dtype {array.dtype}")
    array = array.astype(np.float32)
    if array.size and not np.all(np.isfinite(array)):
        raise ValueError("images: contain NaN or infinite values")
    return np.clip((array + 1.0) / 2.0, 0.0, 1.0)


def image_grid(images, ncols: int | None = None, padding: int = 1,
               pad_value: float = 1.0) -> np.ndarray:
    """Tile a batch of images into one array in [0, 1]: (H, W) for gray, (H, W, 3) for RGB.

    ``ncols`` defaults to a near-square layout; ``padding`` pixels of ``pad_value``
    separate the tiles.
    """
    batch = to_unit_interval(images)
    if batch.ndim == 4 and batch.shape[-1] == 1:
        batch = batch[..., 0]
    if batch.ndim not in (3, 4) or (batch.ndim == 4 and batch.shape[-1] != 3):
        raise ValueError(f"images: expected shape (N, H, W), (N, H, W, 1) or (N, H, W, 3), "
                         f"got {np.shape(images)}")
    count, height, width = batch.shape[:3]
    if count == 0:
        raise ValueError("images: the batch is empty")
    ncols = ncols or math.ceil(math.sqrt(count))
    if ncols < 1:
        raise ValueError(f"ncols={ncols}: expected a positive number of columns")
    nrows = math.ceil(count / ncols)
    grid = np.full((nrows * (height + padding) + padding, ncols * (width + padding) + padding)
                   + batch.shape[3:], pad_value, dtype=np.float32)
    for index, image in enumerate(batch):
        row, col = divmod(index, ncols)
        top, left = padding + row * (height + padding), padding + col * (width + padding)
        grid[top:top + height, left:left + width] = image
    return grid


def show_images(images, ncols: int | None = None, title: str | None = None, ax=None,
                figsize: tuple[float, float] | None = None):
    """Draw a batch as one grid; return the matplotlib Figure."""
    import matplotlib.pyplot as plt

    grid = image_grid(images, ncols=ncols)
    if ax is None:
        side = min(8.0, max(2.0, grid.shape[1] / 40))
        fig, ax = plt.subplots(figsize=figsize or (side, side * grid.shape[0] / grid.shape[1]))
    else:
        fig = ax.figure
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0.0, vmax=1.0)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def plot_history(history: dict, axes: Sequence | None = None):
    """Plot a training history: both losses, and the mean D(x) and D(G(z)), against steps.

    ``history`` is a trainer's ``history`` dict (keys ``step``, ``d_loss``, ``g_loss``,
    ``d_real``, ``d_fake``). Returns the Figure.
    """
    import matplotlib.pyplot as plt

    missing = {"step", "d_loss", "g_loss", "d_real", "d_fake"} - set(history)
    if missing:
        raise ValueError(f"history: missing keys {sorted(missing)}")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
    fig = axes[0].figure
    steps = history["step"]
    for ax in axes:
        ax.clear()
    axes[0].plot(steps, history["d_loss"], label="discriminator loss")
    axes[0].plot(steps, history["g_loss"], label="generator loss")
    axes[0].set(xlabel="step", ylabel="loss", title="Losses")
    axes[1].plot(steps, history["d_real"], label="D(x), real")
    axes[1].plot(steps, history["d_fake"], label="D(G(z)), fake")
    axes[1].axhline(0.5, color="gray", lw=0.8, ls="--")
    axes[1].set(xlabel="step", ylabel="mean D output", ylim=(-0.02, 1.02),
                title="What the discriminator says")
    for ax in axes:
        if steps:
            ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def _frame_pixels(frame) -> np.ndarray:
    """One frame as uint8 pixels: a batch (N, H, W[, C]) is tiled, a picture is kept.

    A picture is (H, W) or (H, W, 3|4): uint8 as it is, float taken to be in [0, 1]
    (what :func:`image_grid` returns).
    """
    array = np.asarray(frame)
    is_picture = array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (3, 4))
    if not is_picture:
        return (image_grid(array) * 255).round().astype(np.uint8)
    if array.dtype == np.uint8:
        return array
    return (np.clip(array.astype(np.float32), 0.0, 1.0) * 255).round().astype(np.uint8)


def _frames_to_uint8(frames, scale: int = 1) -> list[np.ndarray]:
    """All frames as uint8 pixels of one shape, enlarged ``scale`` times (nearest neighbour)."""
    out = [_frame_pixels(frame) for frame in frames]
    if not out:
        raise ValueError("frames: expected at least one frame")
    shapes = {f.shape for f in out}
    if len(shapes) != 1:
        raise ValueError(f"frames: all frames must have one shape, got {sorted(shapes)}")
    if scale != 1:
        out = [np.repeat(np.repeat(f, scale, axis=0), scale, axis=1) for f in out]
    return out


#: The fastest frame rate a GIF shows faithfully: it stores frame times in hundredths of
#: a second, and browsers show a frame of 0 or 1 hundredth for a tenth of a second.
MAX_GIF_FPS = 50


def _check_fps(fps) -> float:
    """``fps`` as a float, or a ValueError: a number in (0, MAX_GIF_FPS]."""
    if not isinstance(fps, (int, float)) or isinstance(fps, bool) or not fps > 0:
        raise ValueError(f"fps={fps!r}: expected a positive frame rate")
    if fps > MAX_GIF_FPS:
        raise ValueError(f"fps={fps!r}: a GIF cannot show more than {MAX_GIF_FPS} frames per "
                         "second (it counts in hundredths of a second, and browsers slow "
                         "shorter frames to 0.1 s)")
    return float(fps)


def gif_frame_durations(count: int, fps: float) -> list[int]:
    """Milliseconds to show each of ``count`` frames so that frame k starts at k/``fps`` s,
    rounded to the hundredths of a second a GIF stores.

    A GIF cannot store 1/3 s; rounding every frame alike would run 3 fps at 330 ms a frame,
    1% fast, and 6 fps 4% fast. Rounding each frame's *end* instead gives 330 or 340 ms,
    and n frames last n/fps seconds to within 10 ms.
    """
    fps = _check_fps(fps)
    ends = [round(100 * k / fps) for k in range(count + 1)]   # hundredths of a second
    return [10 * (ends[k + 1] - ends[k]) for k in range(count)]


def gif_bytes(frames, fps: float = 4, scale: int = 2) -> bytes:
    """Frames as the bytes of an animated GIF that loops, frame k shown from k/``fps`` s
    (:func:`gif_frame_durations`); ``fps`` at most ``MAX_GIF_FPS``.

    Pillow writes the GIF itself: GIF stores frame times in hundredths of a second, and
    Pillow takes milliseconds (imageio's writers disagree on the unit from one version to
    the next, which once left every frame at 0 ms).
    """
    from PIL import Image

    _check_fps(fps)
    pictures = [Image.fromarray(frame) for frame in _frames_to_uint8(frames, scale)]
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:],
                     duration=gif_frame_durations(len(pictures), fps), loop=0)
    return buffer.getvalue()


def save_gif(frames, path: str | Path, fps: float = 4, scale: int = 2) -> Path:
    """Write frames to an animated GIF that loops; return its path.

    A frame is a batch of images (tiled with :func:`image_grid`), or an image grid
    in [0, 1], or a uint8 picture (such as a rendered figure).
    """
    data = gif_bytes(frames, fps, scale)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def animation_html(frames, fps: float = 4, scale: int = 2):
    """An inline animation for the notebook: the GIF itself, embedded as HTML."""
    import base64

    from IPython.display import HTML

    data = base64.b64encode(gif_bytes(frames, fps, scale)).decode("ascii")
    return HTML(f'<img src="data:image/gif;base64,{data}" alt="training animation"/>')


def figure_to_array(fig) -> np.ndarray:
    """Render a matplotlib Figure to a uint8 RGB array (a frame for :func:`save_gif`)."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def save_figure(fig, name: str, folder: str | Path | None = None, dpi: int = 120) -> Path:
    """Save a figure as PNG in ``folder`` (default ``GAN_UTILS_FIGURES`` or ./figures)."""
    import os

    folder = Path(folder or os.environ.get(FIGURE_DIR_ENV, "figures"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name if name.endswith(".png") else f"{name}.png")
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


class LiveView:
    """A training callback that redraws losses, D outputs and the latest samples in place.

    Use it as ``trainer.fit(dataset, epochs=5, callbacks=[viz.LiveView()])``. In a
    notebook one figure is updated through a display handle; elsewhere (a script, CI)
    it draws nothing and costs nothing but the call.
    """

    def __init__(self, every: int = 1, ncols: int | None = None):
        if every < 1:
            raise ValueError(f"every={every}: expected a positive number of calls")
        self.every, self.ncols = every, ncols
        self.calls = 0
        self.handle = None
        self.figure = None

    def __call__(self, trainer) -> None:
        self.calls += 1
        if (self.calls - 1) % self.every:
            return
        import matplotlib.pyplot as plt

        if self.figure is None:
            self.figure = plt.figure(figsize=(13, 3.6))
            plt.close(self.figure)  # drawn through the handle only, never twice
        fig = self.figure
        fig.clear()
        grid = fig.add_gridspec(1, 3, width_ratios=(1.2, 1.2, 1))
        axes = [fig.add_subplot(grid[0, i]) for i in range(3)]
        plot_history(trainer.history, axes=axes[:2])
        if trainer.samples:
            step, images = trainer.samples[-1]
            show_images(images, ncols=self.ncols, ax=axes[2], title=f"fixed noise, step {step}")
        fig.tight_layout()
        self._show(fig)

    def _show(self, fig) -> None:
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # pragma: no cover - IPython is a dependency
            return
        if get_ipython() is None:
            return
        if self.handle is None:
            self.handle = display(fig, display_id=True)
        else:
            self.handle.update(fig)
