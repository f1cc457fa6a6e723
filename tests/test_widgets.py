"""gan_utils.widgets: what every lesson's front ends share, under ipywidgets 7.7 (Colab) and
8.x (Kaggle, a local install).

The front ends themselves are tested with their lessons (test_toy.py, test_convlab.py,
test_latent.py), through the helpers of ``_widget_display.py``, which also says how to run
them all under ipywidgets 7.7.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

ipywidgets = pytest.importorskip("ipywidgets")
pytest.importorskip("IPython")

from _widget_display import WIDGET_VIEW, embedded_image, static_outputs  # noqa: E402

from gan_utils import widgets  # noqa: E402


def test_installed_versions_are_ones_the_course_supports():
    major = int(ipywidgets.__version__.split(".")[0])
    assert major in (7, 8), ipywidgets.__version__
    if major == 7:  # Colab's 7.7.1 is the oldest the course promises
        assert tuple(int(p) for p in ipywidgets.__version__.split(".")[:2]) >= (7, 7)


def test_a_notebooks_own_slider_is_shown_unchanged_and_gets_the_website_picture(
        shell, monkeypatch):
    slider = ipywidgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05, description="t")
    box = ipywidgets.VBox([slider])
    asked = []

    def images(t):  # one 4 x 4 grey image: black at t = 0, white at t = 1
        asked.append(t)
        return np.full((1, 4, 4, 1), 2 * t - 1, np.float32)

    shown = widgets.with_site_picture(box, images, [0.0, 0.5, 1.0], "G(z_t) as t moves")
    views, pages = static_outputs(shell, shown, monkeypatch)
    assert [v.data[WIDGET_VIEW]["model_id"] for v in views] == [box.model_id]
    assert asked == [0.0, 0.5, 1.0]  # drawn for the website only, one picture per value
    assert len(pages) == 1 and "G(z_t) as t moves" in pages[0]
    assert "open the notebook" in pages[0].lower()
    gif = embedded_image(pages[0])
    centre = (gif.width // 2, gif.height // 2)
    grey = []
    for frame in range(gif.n_frames):
        gif.seek(frame)
        grey.append(gif.convert("L").getpixel(centre))
    assert grey[0] < 5 and 120 < grey[1] < 136 and grey[2] > 250, grey  # palette rounding
    assert slider.value == 0.0
    with pytest.raises(ValueError, match="values: expected at least one"):
        widgets.with_site_picture(box, images, [], "nothing")


def _png(size, colour) -> bytes:
    """A one-colour PNG of ``size`` (width, height)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="png")
    return buffer.getvalue()


def test_frames_gif_centres_pictures_of_different_sizes():
    from PIL import Image

    gif = Image.open(io.BytesIO(widgets.frames_gif([_png((4, 2), "black"), _png((2, 6), "red")],
                                                   seconds_per_frame=0.5)))
    assert gif.size == (4, 6) and gif.n_frames == 2 and gif.info["duration"] == 500
    first = gif.convert("RGB")
    assert first.getpixel((0, 0)) == (255, 255, 255) and first.getpixel((0, 2)) == (0, 0, 0)
    with pytest.raises(ValueError, match="pngs"):
        widgets.frames_gif([])
    with pytest.raises(ValueError, match="seconds_per_frame=0"):
        widgets.frames_gif([_png((2, 2), "red")], seconds_per_frame=0)


@pytest.mark.parametrize("seconds, milliseconds", [(0.6, 600), (0.25, 250), (2, 2000)])
def test_frames_gif_shows_every_frame_for_its_time(seconds, milliseconds):
    from PIL import Image, ImageSequence

    pngs = [_png((3, 3), colour) for colour in ("black", "red", "blue")]
    with Image.open(io.BytesIO(widgets.frames_gif(pngs, seconds_per_frame=seconds))) as gif:
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(gif)]
    assert durations == [milliseconds] * 3
