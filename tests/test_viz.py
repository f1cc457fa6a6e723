"""gan_utils.viz: grids worked out by hand, GIF round trips, plots that draw."""

import io
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
from _widget_display import assert_one_display_updated
from IPython.utils.capture import capture_output

from gan_utils import viz

matplotlib.use("Agg")


def test_grid_layout_and_values_from_signed_floats():
    images = np.stack([np.full((2, 3), v, np.float32) for v in (-1.0, 0.0, 1.0)])
    grid = viz.image_grid(images, ncols=2, padding=1, pad_value=0.5)
    assert grid.shape == (2 * 3 + 1, 2 * 4 + 1)  # 2 rows of height 2, 2 columns of width 3
    assert grid[1, 1] == 0.0 and grid[1, 5] == 0.5 and grid[4, 1] == 1.0
    assert grid[0, 0] == 0.5 and grid[4, 5] == 0.5  # padding and the empty fourth tile


def test_grid_from_uint8_rgb_and_gray_channel():
    rgb = np.zeros((4, 5, 5, 3), np.uint8)
    rgb[..., 0] = 255
    grid = viz.image_grid(rgb, padding=0)
    assert grid.shape == (10, 10, 3)
    np.testing.assert_array_equal(grid[..., 0], 1.0)
    np.testing.assert_array_equal(grid[..., 1:], 0.0)
    gray = viz.image_grid(np.zeros((1, 28, 28, 1), np.uint8), padding=0)
    assert gray.shape == (28, 28)


@pytest.mark.parametrize(("images", "message"), [
    (np.zeros((2, 4, 4, 2)), "expected shape"),
    (np.zeros((0, 4, 4)), "empty"),
    (np.full((1, 4, 4), np.nan), "NaN"),
])
def test_grid_rejects_bad_batches(images, message):
    with pytest.raises(ValueError, match=message):
        viz.image_grid(images)


def _gif_frames_and_durations(source) -> tuple[list[np.ndarray], list[int]]:
    """Read a GIF back with Pillow: each frame's pixels and its duration in ms."""
    from PIL import Image, ImageSequence

    with Image.open(source) as gif:
        return ([np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(gif)],
                [frame.info["duration"] for frame in ImageSequence.Iterator(gif)])


def test_gif_round_trip(tmp_path):
    frames = [np.full((4, 6, 6), v, np.float32) for v in (-1.0, 1.0)]
    path = viz.save_gif(frames, tmp_path / "out" / "train.gif", fps=5, scale=2)
    read, durations = _gif_frames_and_durations(path)
    assert len(read) == 2
    first, last = read
    assert first.shape[:2] == (2 * (2 * 7 + 1), 2 * (2 * 7 + 1))
    assert first[..., 0].min() == 0 and last[3, 3, 0] == 255  # a black tile, then a white one
    html = viz.animation_html(frames).data
    assert html.startswith('<img src="data:image/gif;base64,')


@pytest.mark.parametrize("fps, milliseconds", [(5, 200), (4, 250), (0.5, 2000)])
def test_gif_frames_last_one_over_fps(fps, milliseconds):
    frames = [np.full((2, 4, 4, 1), v, np.float32) for v in (-1.0, 0.0, 1.0)]  # 3 distinct frames
    _, durations = _gif_frames_and_durations(io.BytesIO(viz.gif_bytes(frames, fps=fps)))
    assert durations == [milliseconds] * 3


@pytest.mark.parametrize("fps", [3, 6, 7, 12, 24, 50])
def test_gif_frames_start_at_multiples_of_one_over_fps(fps):
    count = 12
    frames = [np.full((1, 4, 4, 1), v, np.float32) for v in np.linspace(-1, 1, count)]
    _, durations = _gif_frames_and_durations(io.BytesIO(viz.gif_bytes(frames, fps=fps)))
    assert len(durations) == count
    starts = np.cumsum([0] + durations)                       # ms, as a viewer plays them
    np.testing.assert_allclose(starts, 1000 * np.arange(count + 1) / fps, atol=5.01)
    assert all(duration >= 20 for duration in durations)     # none a browser would slow


def test_gif_frame_durations_by_hand():
    assert viz.gif_frame_durations(3, 3) == [330, 340, 330]   # ends at 33, 67, 100 cs
    assert viz.gif_frame_durations(3, 6) == [170, 160, 170]
    assert viz.gif_frame_durations(2, 0.5) == [2000, 2000]
    with pytest.raises(ValueError, match="fps=60: a GIF cannot show more than 50"):
        viz.gif_frame_durations(2, 60)


@pytest.mark.parametrize("fps", [0, -2, float("nan"), True, "4"])
def test_gif_refuses_a_bad_frame_rate(fps):
    with pytest.raises(ValueError, match="fps="):
        viz.gif_bytes([np.zeros((1, 4, 4))], fps=fps)


def test_frames_must_share_a_shape():
    with pytest.raises(ValueError, match="one shape"):
        viz.save_gif([np.zeros((1, 4, 4)), np.zeros((1, 5, 5))], "unused.gif")


def test_history_plot_and_live_view_outside_a_notebook(tmp_path):
    history = {"step": [1, 2], "d_loss": [1.4, 1.2], "g_loss": [0.7, 0.9],
               "d_real": [0.5, 0.6], "d_fake": [0.5, 0.4], "seconds": [0.1, 0.2]}
    fig = viz.plot_history(history)
    assert [line.get_label() for line in fig.axes[1].lines][:2] == ["D(x), real",
                                                                   "D(G(z)), fake"]
    assert viz.save_figure(fig, "curves", folder=tmp_path).exists()
    frame = viz.figure_to_array(fig)
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    with pytest.raises(ValueError, match="missing keys"):
        viz.plot_history({"step": []})

    class FakeTrainer:
        samples = [(2, np.zeros((4, 8, 8, 1), np.float32))]

    FakeTrainer.history = history
    view = viz.LiveView()
    view(FakeTrainer())  # no IPython kernel here: draws the figure, displays nothing
    assert view.handle is None and len(view.figure.axes) == 3


@pytest.mark.slow
def test_live_view_draws_once_then_updates_the_same_display(shell):
    history = {"step": [1, 2], "d_loss": [1.4, 1.2], "g_loss": [0.7, 0.9],
               "d_real": [0.5, 0.6], "d_fake": [0.5, 0.4], "seconds": [0.1, 0.2]}
    trainer = SimpleNamespace(history=history, samples=[(2, np.zeros((4, 8, 8, 1)))])
    view = viz.LiveView()
    with capture_output() as captured:
        for _ in range(3):
            view(trainer)
    assert_one_display_updated(captured.outputs, expected=3)
