"""The interactive cells under ipywidgets 7.7 (Colab) and 8.x (Kaggle, a local install).

Every front end of ``gan_utils.widgets`` is built, displayed in an IPython shell (the
displayed output must be the view of its widget box, the way JupyterLab and Colab draw
it), driven from code (sliders, dropdowns, toggles, buttons) and checked for what its
callbacks drew. The live views of ``gan_utils.viz`` and ``gan_utils.toy`` must draw into
one display and then update that same display. Nothing here loads a shipped model:
untrained generators from ``gan_utils.models`` are enough to see pictures change, and
they build under every Keras the course supports.

Run it under both versions, e.g. ``/work/envs/ipyw7/bin/python -m pytest
tests/test_widgets.py -o addopts=""`` with Colab's ipywidgets 7.7.1, ipython 7.34.0,
traitlets 5.7.1 and ipykernel 6.17.1.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

ipywidgets = pytest.importorskip("ipywidgets")
pytest.importorskip("IPython")

from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.display import display  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402

from gan_utils import models, toy, viz, widgets  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LATENT_DIM = 100


@pytest.fixture(scope="module")
def shell():
    """An IPython shell, so that display() publishes as it does in a kernel (figures as
    PNG, as the inline backend of a notebook kernel shows them); removed afterwards when made
    here, so later tests run outside IPython again."""
    from IPython.core.pylabtools import select_figure_formats

    existed = InteractiveShell.initialized()
    shell = InteractiveShell.instance()
    select_figure_formats(shell, {"png"})
    yield shell
    if not existed:
        InteractiveShell.clear_instance()


def _shown(shell, obj, as_cell_result: bool = False) -> list:
    """The outputs IPython publishes for ``display(obj)`` or for ``obj`` ending a cell."""
    with capture_output() as captured:
        if as_cell_result:
            shell.user_ns["front_end"] = obj
            result = shell.run_cell("front_end", store_history=False)
            result.raise_error()
        else:
            display(obj)
    return captured.outputs


def _assert_shows_its_box(shell, front_end) -> None:
    """Displayed either way, the front end is exactly one view of its widget box."""
    for as_cell_result in (False, True):
        outputs = _shown(shell, front_end, as_cell_result)
        views = [o.data[WIDGET_VIEW] for o in outputs if WIDGET_VIEW in o.data]
        assert len(views) == 1, f"{type(front_end).__name__}: {[o.data for o in outputs]}"
        assert views[0]["model_id"] == front_end.widget.model_id


def _png(value) -> bytes:
    """An Image widget's value as bytes (ipywidgets 8 may hand back a memoryview)."""
    return bytes(value)


def test_installed_versions_are_ones_the_course_supports():
    major = int(ipywidgets.__version__.split(".")[0])
    assert major in (7, 8), ipywidgets.__version__
    if major == 7:  # Colab's 7.7.1 is the oldest the course promises
        assert tuple(int(p) for p in ipywidgets.__version__.split(".")[:2]) >= (7, 7)


def test_conv_calculators_display_and_follow_their_controls(shell):
    calc = widgets.conv_calculator(n=5, kernel=3, stride=2, padding=1)
    _assert_shows_its_box(shell, calc)
    assert calc.result == {"formula": 3, "keras": "3", "agree": True}  # (5 + 2 - 3) // 2 + 1
    picture = _png(calc.picture.value)
    assert picture.startswith(b"\x89PNG")
    calc.controls["input size"].value = 12
    calc.controls["kernel"].value = 5
    calc.controls["padding"].value = "same"
    assert calc.result == {"formula": 6, "keras": "6", "agree": True}  # ceil(12 / 2)
    assert calc.controls["window"].max == 6 * 6 - 1
    calc.controls["window"].value = 35
    assert _png(calc.picture.value) not in (picture, b"")

    transpose = widgets.conv_transpose_calculator(n=3, kernel=3, stride=2)
    _assert_shows_its_box(shell, transpose)
    output_padding = transpose.controls["output_padding"]
    assert output_padding.label == "None" and output_padding.index == 0  # shown, not blank
    assert transpose.result["formula"] == (3 - 1) * 2 + 3 and transpose.result["agree"]
    output_padding.value = 1
    assert transpose.result == {"formula": 8, "keras": "8", "agree": True}
    output_padding.index = 0  # what picking "None" in the list does
    assert transpose.result["formula"] == 7 and output_padding.label == "None"
    output_padding.value = 1
    transpose.controls["padding"].value = "same"
    assert "<b>6</b>" in transpose.summary.value and transpose.result["agree"]  # (3-1)·2+1+1


def test_playground_displays_trains_on_click_and_resets_on_a_setting(shell):
    playground = widgets.toy_gan_playground(target="1-D: 2 modes", steps=100)
    _assert_shows_its_box(shell, playground)
    picture = _png(playground.picture.value)
    playground.train_button.click()
    assert playground.trainer.step == 100 and "step 100" in playground.status.value
    assert _png(playground.picture.value) != picture
    assert not playground.train_button.disabled
    playground.controls["loss"].value = "minimax"
    assert playground.trainer.step == 0 and playground.trainer.loss.kind == "minimax"
    playground.controls["lr_g"].value = 1e-4
    assert playground.values()["lr_g"] == pytest.approx(1e-4)
    playground.controls["steps"].value = 200  # the step count alone keeps the run
    assert playground.trainer.step == 0
    playground.reset_button.click()
    assert "step 0" in playground.status.value


@pytest.fixture(scope="module")
def cgan():
    """An untrained conditional generator (notebook 08's architecture)."""
    return models.cgan_mnist_generator(latent_dim=LATENT_DIM, filters=16)


@pytest.fixture(scope="module")
def dcgan():
    """An untrained DCGAN generator (notebook 05's architecture)."""
    return models.dcgan_mnist_generator(latent_dim=LATENT_DIM)


def test_latent_explorer_displays_and_answers_every_control(shell, dcgan):
    rows = np.eye(LATENT_DIM, dtype=np.float32)
    explorer = widgets.latent_explorer(dcgan, {"raw": rows, "reversed": rows[::-1]},
                                       num_sliders=3, seed=7)
    _assert_shows_its_box(shell, explorer)
    base, picture = explorer.z.copy(), _png(explorer.image.value)
    assert picture.startswith(b"\x89PNG") and explorer.images.shape == (1, 28, 28, 1)
    explorer.sliders[2].value = 1.5
    np.testing.assert_allclose(explorer.z - base, 1.5 * rows[2], atol=1e-6)
    assert _png(explorer.image.value) != picture
    explorer.controls["directions"].value = "reversed"
    np.testing.assert_allclose(explorer.z - base, 1.5 * rows[::-1][2], atol=1e-6)
    explorer.reset_button.click()
    assert [s.value for s in explorer.sliders] == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(explorer.z, base, atol=1e-6)
    assert _png(explorer.image.value) == picture  # same z, same picture
    explorer.new_z_button.click()
    assert explorer.controls["seed"].value == 8 and not np.allclose(explorer.z, base)
    explorer.controls["seed"].value = 7  # typing the old seed back brings the old z back
    np.testing.assert_allclose(explorer.z, base, atol=1e-6)
    assert f"sqrt({LATENT_DIM})" in explorer.status.value


def test_digit_selector_redraws_on_a_new_digit(shell, cgan):
    explorer = widgets.latent_explorer(cgan, num_sliders=2, num_classes=10, seed=1)
    _assert_shows_its_box(shell, explorer)
    strip, picture = _png(explorer.strip.value), _png(explorer.image.value)
    explorer.controls["digit"].value = "4"
    assert explorer.digit == 4 and "digit 4" in explorer.status.value
    assert _png(explorer.image.value) != picture
    assert _png(explorer.strip.value) == strip  # the strip shows every digit for this z
    explorer.sliders[0].value = -2.0
    assert _png(explorer.strip.value) != strip and explorer.digit == 4


def test_interpolation_explorer_moves_along_lerp_and_slerp(shell, dcgan):
    rng = np.random.default_rng(3)
    z0, z1 = rng.standard_normal((2, LATENT_DIM)).astype(np.float32)
    interpolation = widgets.InterpolationExplorer(dcgan, z0, z1)
    _assert_shows_its_box(shell, interpolation)
    picture = _png(interpolation.image.value)
    interpolation.controls["t"].value = 0.0
    np.testing.assert_allclose(interpolation.images,
                               np.asarray(dcgan(z0[None], training=False)), atol=1e-5)
    assert _png(interpolation.image.value) != picture
    interpolation.controls["method"].value = "lerp"
    interpolation.controls["t"].value = 0.5
    half = np.linalg.norm((z0 + z1) / 2)
    assert f"|z_t| = {half:.2f}" in interpolation.status.value


def _static_outputs(shell, front_end, monkeypatch) -> tuple[list, list]:
    """(widget views, HTML stand-ins) published by ``display(front_end)`` with and without
    GAN_UTILS_STATIC_SITE=1: only the website build adds the stand-in."""
    monkeypatch.delenv(widgets.STATIC_SITE_ENV, raising=False)
    plain = _shown(shell, front_end)
    assert [list(o.data) for o in plain if "text/html" in o.data] == [], "learners: widget only"
    monkeypatch.setenv(widgets.STATIC_SITE_ENV, "1")
    outputs = _shown(shell, front_end)
    views = [o for o in outputs if WIDGET_VIEW in o.data]
    pages = [o.data["text/html"] for o in outputs if WIDGET_VIEW not in o.data]
    return views, pages


def _embedded_image(page: str):
    """The image a stand-in embeds, opened with PIL (the website shows exactly this)."""
    import base64
    import io
    import re

    from PIL import Image

    found = re.search(r'src="data:image/(png|gif);base64,([A-Za-z0-9+/=]+)"', page)
    assert found, page[:300]
    return Image.open(io.BytesIO(base64.b64decode(found.group(2))))


def test_static_site_stand_ins_show_a_sweep_and_leave_the_controls_as_they_were(
        shell, dcgan, cgan, monkeypatch):
    calc = widgets.conv_calculator(n=5, kernel=3, stride=2, padding=1)  # a 3 x 3 output
    views, pages = _static_outputs(shell, calc, monkeypatch)
    assert len(views) == 1 and len(pages) == 1
    assert "open the notebook" in pages[0].lower() and "output pixels 0 to 5" in pages[0]
    gif = _embedded_image(pages[0])
    assert gif.format == "GIF" and gif.n_frames == 6  # min(6, 3 * 3) window positions
    assert calc.controls["window"].value == 0

    explorer = widgets.latent_explorer(dcgan, num_sliders=2, seed=7)
    picture = _png(explorer.image.value)
    _, pages = _static_outputs(shell, explorer, monkeypatch)
    gif = _embedded_image(pages[0])
    assert gif.n_frames == 9 and "from -3.0 to 3.0" in pages[0]
    assert explorer.sliders[0].value == 0.0 and _png(explorer.image.value) == picture

    selector = widgets.latent_explorer(cgan, num_sliders=2, num_classes=10, seed=1)
    _, pages = _static_outputs(shell, selector, monkeypatch)
    strip = _embedded_image(pages[0])
    assert strip.n_frames == 9 and strip.width >= 10 * 28  # every digit, side by side

    rng = np.random.default_rng(3)
    interpolation = widgets.InterpolationExplorer(dcgan, *rng.standard_normal((2, LATENT_DIM)))
    _, pages = _static_outputs(shell, interpolation, monkeypatch)
    assert _embedded_image(pages[0]).n_frames == 11
    assert interpolation.controls["t"].value == 0.5

    playground = widgets.toy_gan_playground(target="1-D: 2 modes", steps=100)
    _, pages = _static_outputs(shell, playground, monkeypatch)
    assert _embedded_image(pages[0]).format == "PNG" and "step 0" in pages[0]


def test_a_notebooks_own_slider_is_shown_unchanged_and_gets_the_website_picture(
        shell, monkeypatch):
    slider = ipywidgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05, description="t")
    box = ipywidgets.VBox([slider])
    asked = []

    def images(t):  # one 4 x 4 grey image: black at t = 0, white at t = 1
        asked.append(t)
        return np.full((1, 4, 4, 1), 2 * t - 1, np.float32)

    shown = widgets.with_site_picture(box, images, [0.0, 0.5, 1.0], "G(z_t) as t moves")
    views, pages = _static_outputs(shell, shown, monkeypatch)
    assert [v.data[WIDGET_VIEW]["model_id"] for v in views] == [box.model_id]
    assert asked == [0.0, 0.5, 1.0]  # drawn for the website only, one picture per value
    assert len(pages) == 1 and "G(z_t) as t moves" in pages[0]
    assert "open the notebook" in pages[0].lower()
    gif = _embedded_image(pages[0])
    centre = (gif.width // 2, gif.height // 2)
    grey = []
    for frame in range(gif.n_frames):
        gif.seek(frame)
        grey.append(gif.convert("L").getpixel(centre))
    assert grey[0] < 5 and 120 < grey[1] < 136 and grey[2] > 250, grey  # palette rounding
    assert slider.value == 0.0
    with pytest.raises(ValueError, match="values: expected at least one"):
        widgets.with_site_picture(box, images, [], "nothing")


def test_frames_gif_centres_pictures_of_different_sizes():
    import io

    from PIL import Image

    def png(size, colour):
        buffer = io.BytesIO()
        Image.new("RGB", size, colour).save(buffer, format="png")
        return buffer.getvalue()

    gif = Image.open(io.BytesIO(widgets.frames_gif([png((4, 2), "black"), png((2, 6), "red")],
                                                   seconds_per_frame=0.5)))
    assert gif.size == (4, 6) and gif.n_frames == 2 and gif.info["duration"] == 500
    first = gif.convert("RGB")
    assert first.getpixel((0, 0)) == (255, 255, 255) and first.getpixel((0, 2)) == (0, 0, 0)
    with pytest.raises(ValueError, match="pngs"):
        widgets.frames_gif([])


def test_live_view_draws_once_then_updates_the_same_display(shell):
    history = {"step": [1, 2], "d_loss": [1.4, 1.2], "g_loss": [0.7, 0.9],
               "d_real": [0.5, 0.6], "d_fake": [0.5, 0.4], "seconds": [0.1, 0.2]}
    trainer = SimpleNamespace(history=history, samples=[(2, np.zeros((4, 8, 8, 1)))])
    view = viz.LiveView()
    with capture_output() as captured:
        for _ in range(3):
            view(trainer)
    _assert_one_display_updated(captured.outputs, expected=3)


def test_toy_live_view_draws_once_then_updates_the_same_display(shell):
    target = toy.mixture_1d(2)
    snapshots = toy.ToySnapshots(toy.toy_generator(1, 1, 8, 1), toy.toy_discriminator(1, 8, 1),
                                 target, latent_dim=1, num_samples=64)
    view = toy.ToyLiveView(snapshots)
    with capture_output() as captured:
        for step in (0, 10):
            view(SimpleNamespace(step=step))
    _assert_one_display_updated(captured.outputs, expected=2)
    assert view.updates == 2


def _assert_one_display_updated(outputs, expected: int) -> None:
    """``expected`` PNGs published to one display id: a first display, then updates."""
    assert len(outputs) == expected, [o.data.keys() for o in outputs]
    ids = {o.transient["display_id"] for o in outputs}
    assert len(ids) == 1, ids
    assert [o.update for o in outputs] == [False] + [True] * (expected - 1)
    assert all("image/png" in o.data for o in outputs)
