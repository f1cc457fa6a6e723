"""What every lesson's interactive cells share: the front-end base class and the website's
pictures of widgets.

The front ends themselves live with their lessons (:mod:`gan_utils.toy` for notebook 02,
:mod:`gan_utils.convlab` for 02-03, :mod:`gan_utils.latent` for 07-08); each builds on
:class:`FrontEnd`, so that it displays the same way under ipywidgets 7 and 8 and, executed
for the course website, adds a picture of what its controls do. :func:`with_site_picture`
gives the same picture to a widget box a notebook writes out itself (notebook 05).

Every front end returns an object to display; its controls can also be set from code
(``calc.controls["stride"].value = 2``), which is how CI exercises them.
"""

from __future__ import annotations

import base64
import html
import io
import os
import re

# Set to 1 only by scripts/docs/build_site.py, which executes the notebooks for the course
# website: a static page cannot run a widget, so each front end then also shows a
# picture (or a short animation) of what its controls do. A learner never sets it.
STATIC_SITE_ENV = "GAN_UTILS_STATIC_SITE"
STATIC_SITE_NOTE = ("This is an interactive widget; on this page it is a picture of what it "
                    "shows. Open the notebook (Colab, Kaggle or Jupyter, links at the top) to "
                    "use it.")
#: How many screen pixels a generated image's pixel takes in a widget (28x28 -> 168x168).
PIXEL_SCALE = 6


def static_site() -> bool:
    """True when the notebook is being executed for the static course website."""
    return os.environ.get(STATIC_SITE_ENV, "").strip() == "1"


def frames_gif(pngs: list[bytes], seconds_per_frame: float = 0.6) -> bytes:
    """PNG pictures as one looping animated GIF, each shown ``seconds_per_frame`` seconds
    and centred on a white canvas as large as the largest picture (the pictures of one
    widget may differ by a few pixels). The GIF is written by :func:`gan_utils.viz.gif_bytes`,
    so its frame times follow the same rule as every other GIF of the course."""
    import numpy as np
    from PIL import Image

    from gan_utils import viz

    if not pngs:
        raise ValueError("pngs: expected at least one PNG picture")
    if not seconds_per_frame > 0:
        raise ValueError(f"seconds_per_frame={seconds_per_frame!r}: expected a positive time")
    pictures = [Image.open(io.BytesIO(png)).convert("RGB") for png in pngs]
    width, height = max(p.width for p in pictures), max(p.height for p in pictures)
    frames = []
    for picture in pictures:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
        frames.append(canvas)
    return viz.gif_bytes([np.asarray(frame) for frame in frames], fps=1 / seconds_per_frame,
                         scale=1)


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


class FrontEnd:
    """Base of the course's front ends: displaying one shows its widget box (``widget``).

    ipywidgets 8 widgets display through ``_repr_mimebundle_``; ipywidgets 7 (Colab's
    7.7) through ``_ipython_display_`` and have no ``_repr_mimebundle_``. Handing the box
    to IPython's ``display`` lets the installed version pick its own way, so the same
    object shows under both (the tests of every front end check it under each; see
    ``tests/_widget_display.py``).

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


# --- Pictures for the front ends' Image widgets ---
# PNG bytes made without pyplot (no figure manager, nothing left open): an Image widget
# shows them and updates in place, and the website's stand-in embeds them.


def figure_png(draw, width: float, height: float) -> bytes:
    """Call ``draw(ax)`` on a fresh, pyplot-free Figure of ``width`` x ``height`` inches and
    return it as PNG bytes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=80)
    draw(fig.subplots())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def text_png(text: str) -> bytes:
    """A line of text as a small PNG (for a front end whose settings draw no picture)."""
    return figure_png(lambda ax: (ax.axis("off"), ax.text(0, 0.5, text, va="center")), 6, 0.5)


def images_png(images, ncols: int | None = None, scale: int = PIXEL_SCALE) -> bytes:
    """A PNG of an image grid (images in [-1, 1] or uint8), each pixel ``scale`` x ``scale``:
    made with PIL, so a slider move costs no matplotlib drawing."""
    import numpy as np
    from PIL import Image

    from gan_utils import viz

    grid = (viz.image_grid(images, ncols=ncols, padding=1) * 255).round().astype(np.uint8)
    picture = Image.fromarray(grid)
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="png")
    return buffer.getvalue()


def plain_text(markup: str) -> str:
    """An HTML widget's text without its tags and entities (for captions)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).replace("\xa0", " ").strip()


# --- A slider a notebook builds itself (notebook 05) ---
# Notebook 05 writes its first slider out with plain ipywidgets (the lesson is how a
# slider, an Output area and a callback fit together). This wrapper displays that box
# unchanged and, like the lessons' front ends, adds the website's picture of it.


class SitePicture(FrontEnd):
    """A widget box displayed unchanged; executed for the website, followed by an animation
    of ``images(value)`` for each of ``values`` (what moving its slider shows)."""

    def __init__(self, widget, images, values, caption: str):
        self.widget, self.images, self.caption = widget, images, caption
        self.values = list(values)
        if not self.values:
            raise ValueError("values: expected at least one slider value to picture")

    def static_pictures(self) -> tuple[list[bytes], str]:
        """``images(value)`` (images in [-1, 1]) as a PNG for each value, and the caption."""
        return [images_png(self.images(value)) for value in self.values], self.caption


def with_site_picture(widget, images, values, caption: str) -> SitePicture:
    """``widget`` to display exactly as it is; the course website (GAN_UTILS_STATIC_SITE=1)
    also shows ``images(value)`` for each of ``values``, e.g. ``images`` the function the
    slider's callback draws with, as a short animation captioned ``caption``."""
    return SitePicture(widget, images, values, caption)
