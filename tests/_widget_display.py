"""What the widget tests share: how a front end shows in an IPython shell, and its website
stand-in.

The front ends live with their lessons (``gan_utils.toy``, ``gan_utils.convlab``,
``gan_utils.latent``) on the base of ``gan_utils.widgets``; their tests (test_toy.py,
test_convlab.py, test_latent.py, test_widgets.py, test_viz.py for the live view) display
each one in the IPython shell of the ``shell`` fixture (tests/conftest.py) and read what
was published with these helpers. Run them under both ipywidgets versions the course
supports, e.g. with Colab's ipywidgets 7.7.1, ipython 7.34.0, traitlets 5.7.1 and
ipykernel 6.17.1::

    /work/envs/ipyw7/bin/python -m pytest tests/test_widgets.py tests/test_convlab.py \\
        tests/test_latent.py tests/test_toy.py tests/test_viz.py -o addopts=""
"""

from __future__ import annotations

import base64
import io
import re

from IPython.display import display
from IPython.utils.capture import capture_output

from gan_utils import widgets

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def shown(shell, obj, as_cell_result: bool = False) -> list:
    """The outputs IPython publishes for ``display(obj)`` or for ``obj`` ending a cell."""
    with capture_output() as captured:
        if as_cell_result:
            shell.user_ns["front_end"] = obj
            result = shell.run_cell("front_end", store_history=False)
            result.raise_error()
        else:
            display(obj)
    return captured.outputs


def assert_shows_its_box(shell, front_end) -> None:
    """Displayed either way, the front end is exactly one view of its widget box."""
    for as_cell_result in (False, True):
        outputs = shown(shell, front_end, as_cell_result)
        views = [o.data[WIDGET_VIEW] for o in outputs if WIDGET_VIEW in o.data]
        assert len(views) == 1, f"{type(front_end).__name__}: {[o.data for o in outputs]}"
        assert views[0]["model_id"] == front_end.widget.model_id


def png(value) -> bytes:
    """An Image widget's value as bytes (ipywidgets 8 may hand back a memoryview)."""
    return bytes(value)


def static_outputs(shell, front_end, monkeypatch) -> tuple[list, list]:
    """(widget views, HTML stand-ins) published by ``display(front_end)`` with and without
    GAN_UTILS_STATIC_SITE=1: only the website build adds the stand-in."""
    monkeypatch.delenv(widgets.STATIC_SITE_ENV, raising=False)
    plain = shown(shell, front_end)
    assert [list(o.data) for o in plain if "text/html" in o.data] == [], "learners: widget only"
    monkeypatch.setenv(widgets.STATIC_SITE_ENV, "1")
    outputs = shown(shell, front_end)
    views = [o for o in outputs if WIDGET_VIEW in o.data]
    pages = [o.data["text/html"] for o in outputs if WIDGET_VIEW not in o.data]
    return views, pages


def embedded_image(page: str):
    """The image a stand-in embeds, opened with PIL (the website shows exactly this)."""
    from PIL import Image

    found = re.search(r'src="data:image/(png|gif);base64,([A-Za-z0-9+/=]+)"', page)
    assert found, page[:300]
    return Image.open(io.BytesIO(base64.b64decode(found.group(2))))


def assert_one_display_updated(outputs, expected: int) -> None:
    """``expected`` PNGs published to one display id: a first display, then updates."""
    assert len(outputs) == expected, [o.data.keys() for o in outputs]
    ids = {o.transient["display_id"] for o in outputs}
    assert len(ids) == 1, ids
    assert [o.update for o in outputs] == [False] + [True] * (expected - 1)
    assert all("image/png" in o.data for o in outputs)
