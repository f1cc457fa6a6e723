"""Regenerate the README figures made from the shipped generators.

- ``docs/figures/dcgan_digits.png``: 64 digits from the shipped DCGAN generator (notebook
  05's, the one notebook 07 explores), the first 64 of a fixed seed, not picked; the title
  gives how clearly the course's MNIST classifier reads them.
- ``docs/figures/frogs.png``: 36 frogs from the shipped frog generator (notebook 06's
  recipe) beside 36 real CIFAR-10 test frogs, which it never saw.
- ``docs/figures/digits_on_request.png``: the pretrained conditional generator asked for
  each digit 0-9 (columns) with six latent vectors (rows), every digit read back by the
  course classifier (the title gives the accuracy).
- ``docs/figures/latent_space_explorer.png``: a real screenshot of notebook 07's latent
  explorer widget, rendered by JupyterLab in headless Chromium (Debian's
  ``/usr/bin/chromium``, driven by Playwright; no browser download). Its starting
  latent vector is the first seed from 11 on whose digit, at the screenshot's slider
  settings, the course classifier reads with probability 0.95 or more: the figure shows the
  widget, and a clear digit shows it best (the seed is printed).

Run from the repository root::

    python scripts/docs/make_readme_figures.py            # all four
    python scripts/docs/make_readme_figures.py --only grid
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from gan_utils import lab_session

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "docs" / "figures"
SEED = 11

SLIDER_SETTINGS = {0: 1.2, 2: -0.8}   # the screenshot's slider positions
CLEAR = 0.95                          # classifier probability of the explorer's digit


def explorer_cells(seed: int) -> list[str]:
    """The notebook the screenshot is taken from: notebook 09's explorer cell, on its own."""
    moves = "".join(f"explorer.sliders[{i}].value = {v}\n" for i, v in SLIDER_SETTINGS.items())
    return [
        "import numpy as np\n"
        "from gan_utils import latent, pretrained\n"
        "generator = pretrained.generator('dcgan_mnist')\n"
        "directions, _ = latent.principal_latent_directions(generator, num_latents=32, seed=0)\n"
        "explorer = latent.latent_explorer(\n"
        "    generator, {'principal directions': directions, 'raw coordinates': np.eye(100)},\n"
        f"    num_sliders=6, seed={seed})\n" + moves + "explorer",
    ]


def clear_digit_seed(first: int = SEED, tries: int = 100) -> int:
    """The first seed whose explorer digit, at SLIDER_SETTINGS, the classifier reads clearly."""
    from gan_utils import latent, metrics, pretrained

    generator = pretrained.generator("dcgan_mnist")
    directions, _ = latent.principal_latent_directions(generator, num_latents=32, seed=0)
    explorer = latent.latent_explorer(
        generator, {"principal directions": directions, "raw coordinates": np.eye(100)},
        num_sliders=6, seed=first)
    for i, value in SLIDER_SETTINGS.items():
        explorer.sliders[i].value = value
    for seed in range(first, first + tries):
        explorer.controls["seed"].value = seed
        if metrics.classify(explorer.images).max() >= CLEAR:
            return seed
    raise SystemExit(f"no seed in [{first}, {first + tries}) gives a digit read with "
                     f"probability >= {CLEAR}: is the shipped generator broken?")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def dcgan_digits(path: Path) -> str:
    """Save 64 digits of the shipped InfoGAN generator; return the classifier's verdict."""
    from gan_utils import metrics, pretrained, viz

    plt = _plt()
    z = np.random.default_rng(SEED).standard_normal((64, 100)).astype(np.float32)
    images = np.asarray(pretrained.generator("infogan_mnist")(z, training=False))
    confidence = metrics.classifier_confidence(metrics.classify(images))
    verdict = (f"the course classifier's mean top-class probability {confidence.mean_top:.2f}, "
               f"{confidence.share_above:.0%} above 0.9")
    fig, ax = plt.subplots(figsize=(6, 6.4))
    ax.imshow(viz.image_grid(images, ncols=8, padding=2), cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()
    ax.set_title(f"shipped DCGAN generator, 64 samples (not picked)\n{verdict}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return verdict


def frogs(path: Path) -> str:
    """Save 36 shipped frogs beside 36 real CIFAR-10 test frogs; return how many of each
    the course's CIFAR-10 classifier is sure are frogs (p(frog) > 0.5)."""
    from gan_utils import data, metrics, pretrained, viz

    plt = _plt()
    z = np.random.default_rng(SEED).standard_normal((36, 32)).astype(np.float32)
    fakes = np.asarray(pretrained.generator("cifar10_frog")(z, training=False))
    real, _ = data.load_images("cifar10", "test", classes="frog")
    frog = data.class_names("cifar10").index("frog")
    sure = {name: int(np.sum(metrics.classify(images, dataset="cifar10")[:, frog] > 0.5))
            for name, images in (("shipped", fakes), ("real", real[:36]))}
    fig, axes = plt.subplots(1, 2, figsize=(10, 5.6))
    viz.show_images(fakes, ncols=6, ax=axes[0], title=f"shipped frog generator (not picked)\n"
                    f"{sure['shipped']} of 36 read as frogs, p(frog) > 0.5")
    viz.show_images(real[:36], ncols=6, ax=axes[1], title=f"real CIFAR-10 test frogs\n"
                    f"{sure['real']} of 36 read as frogs, p(frog) > 0.5")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return f"{sure['shipped']} of 36 shipped, {sure['real']} of 36 real read as frogs"


def digits_on_request(path: Path) -> float:
    """Save the 6 x 10 grid of requested digits; return the classifier's accuracy on it."""
    from gan_utils import metrics, pretrained, viz

    plt = _plt()
    generator = pretrained.generator("cgan_mnist")
    rows, digits = 6, np.arange(10)
    z = np.random.default_rng(SEED).standard_normal((rows, 100)).astype(np.float32)
    images = np.asarray(generator([np.repeat(z, 10, axis=0), np.tile(digits, rows)],
                                  training=False))
    accuracy = float(np.mean(metrics.classify(images, labels=True) == np.tile(digits, rows)))
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


def explorer_screenshot(path: Path, seed: int) -> None:
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
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in explorer_cells(seed)]
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
    parser.add_argument("--only", choices=("digits", "frogs", "grid", "explorer"),
                        help="make one figure only")
    args = parser.parse_args()
    if args.only in (None, "digits"):
        path = FIGURES / "dcgan_digits.png"
        print(f"wrote {path} ({dcgan_digits(path)})")
    if args.only in (None, "frogs"):
        path = FIGURES / "frogs.png"
        print(f"wrote {path} ({frogs(path)})")
    if args.only in (None, "grid"):
        path = FIGURES / "digits_on_request.png"
        accuracy = digits_on_request(path)
        print(f"wrote {path} (classifier reads {accuracy:.0%} as asked)")
    if args.only in (None, "explorer"):
        path = FIGURES / "latent_space_explorer.png"
        seed = clear_digit_seed()
        explorer_screenshot(path, seed)
        print(f"wrote {path} (seed {seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
