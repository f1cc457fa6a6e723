"""Regenerate the README figures made from the shipped generators.

- ``docs/figures/digits_on_request.png``: the pretrained conditional generator asked for
  each digit 0-9 (columns) with six latent vectors (rows), every digit read back by the
  course classifier (the title gives the accuracy).
- ``docs/figures/latent_space_explorer.png``: a real screenshot of notebook 07's latent
  explorer widget, rendered by JupyterLab in headless Chromium (Debian's
  ``/usr/bin/chromium``, driven by Playwright; no browser download).

Run from the repository root::

    python tools/make_readme_figures.py            # both
    python tools/make_readme_figures.py --only grid
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import lab_session  # noqa: E402  (tools/lab_session.py, shared with the browser test)

FIGURES = ROOT / "docs" / "figures"
SEED = 11

# The notebook the screenshot is taken from: notebook 07's explorer cell, on its own.
EXPLORER_CELLS = [
    "import numpy as np\n"
    "from gan_utils import models, widgets\n"
    "generator = models.pretrained_generator('dcgan_mnist')\n"
    "directions, _ = widgets.principal_latent_directions(generator, num_latents=32, seed=0)\n"
    "explorer = widgets.latent_explorer(\n"
    "    generator, {'principal directions': directions, 'raw coordinates': np.eye(100)},\n"
    f"    num_sliders=6, seed={SEED})\n"
    "explorer.sliders[0].value = 1.2\n"
    "explorer.sliders[2].value = -0.8\n"
    "explorer",
]


def digits_on_request(path: Path) -> float:
    """Save the 6 x 10 grid of requested digits; return the classifier's accuracy on it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gan_utils import metrics, models, viz

    generator = models.pretrained_generator("cgan_mnist")
    rows, digits = 6, np.arange(10)
    z = np.random.default_rng(SEED).standard_normal((rows, 100)).astype(np.float32)
    images = np.asarray(generator([np.repeat(z, 10, axis=0), np.tile(digits, rows)],
                                  training=False))
    accuracy = float(np.mean(metrics.classify(images).argmax(axis=1) == np.tile(digits, rows)))
    fig, ax = plt.subplots(figsize=(7, 4.6))
    ax.imshow(viz.image_grid(images, ncols=10, padding=2), cmap="gray", vmin=0, vmax=1)
    ax.set_xticks(np.arange(10) * 30 + 15, [str(d) for d in digits])
    ax.xaxis.tick_top()
    ax.set_yticks([])
    ax.tick_params(length=0)
    ax.set_xlabel(f"digit asked for (columns) x six latent vectors (rows); the course classifier "
                  f"reads {accuracy:.0%} as asked")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return accuracy


def explorer_screenshot(path: Path) -> None:
    """Render the explorer in JupyterLab + headless Chromium and screenshot the widget."""
    import nbformat
    from playwright.sync_api import sync_playwright

    if not lab_session.CHROMIUM.exists():
        raise SystemExit(f"{lab_session.CHROMIUM} not found: apt-get install chromium")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        work = tmp / "lab"
        work.mkdir()
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in EXPLORER_CELLS]
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                           "language": "python"}
        nbformat.write(notebook, work / "explorer.ipynb")
        with lab_session.jupyterlab(work, tmp) as (base, token), \
                sync_playwright() as playwright:
            browser = lab_session.launch_chromium(playwright)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 900},
                                        device_scale_factor=1)
                lab_session.open_and_run_all(page, base, token, "explorer.ipynb")
                explorer = page.locator(".jp-OutputArea-output .widget-vbox",
                                        has=page.locator(".widget-hslider")).first
                explorer.locator("img.widget-image").first.wait_for(state="visible",
                                                                    timeout=240_000)
                page.wait_for_timeout(1000)
                path.parent.mkdir(parents=True, exist_ok=True)
                explorer.screenshot(path=str(path))
            finally:
                browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("grid", "explorer"), help="make one figure only")
    args = parser.parse_args()
    if args.only in (None, "grid"):
        path = FIGURES / "digits_on_request.png"
        accuracy = digits_on_request(path)
        print(f"wrote {path} (classifier reads {accuracy:.0%} as asked)")
    if args.only in (None, "explorer"):
        path = FIGURES / "latent_space_explorer.png"
        explorer_screenshot(path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
