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
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIGURES = ROOT / "docs" / "figures"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, seconds: float, check=lambda body: True) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if check(response.read()):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer as expected within {seconds} s")


def explorer_screenshot(path: Path) -> None:
    """Render the explorer in JupyterLab + headless Chromium and screenshot the widget."""
    import nbformat
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get install chromium")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        work = tmp / "lab"
        work.mkdir()
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in EXPLORER_CELLS]
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                           "language": "python"}
        nbformat.write(notebook, work / "explorer.ipynb")
        tracker = tmp / "settings" / "@jupyterlab" / "notebook-extension"
        tracker.mkdir(parents=True)
        (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
        # no "would you like news?" pop-up over the widgets, and no news fetching
        apputils = tracker.parent / "apputils-extension"
        apputils.mkdir()
        (apputils / "notification.jupyterlab-settings").write_text(
            '{"fetchNews": "false", "checkForUpdates": false}')
        port, token = _free_port(), "readme-figures"
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
                   JUPYTER_CONFIG_DIR=str(tmp / "config"),
                   JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"))
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
                   f"--ServerApp.root_dir={work}", "--LabApp.extension_manager=readonly"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        with (tmp / "lab.log").open("w") as log:
            server = subprocess.Popen(command, cwd=work, env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(f"{base}/api/status?token={token}", 90)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                     headless=True, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1100, "height": 900},
                                        device_scale_factor=1)
                page.goto(f"{base}/lab/tree/explorer.ipynb?token={token}")
                page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
                _wait(f"{base}/api/sessions?token={token}", 90, lambda body: any(
                    s.get("kernel", {}).get("execution_state") == "idle"
                    for s in json.loads(body)))
                page.locator(".lm-MenuBar-item", has_text="Run").first.click()
                page.locator(".lm-Menu-item .lm-Menu-itemLabel",
                             has_text="Run All Cells").first.click()
                explorer = page.locator(".jp-OutputArea-output .widget-vbox",
                                        has=page.locator(".widget-hslider")).first
                explorer.locator("img.widget-image").first.wait_for(state="visible",
                                                                    timeout=240_000)
                page.wait_for_timeout(1000)
                path.parent.mkdir(parents=True, exist_ok=True)
                explorer.screenshot(path=str(path))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(tmp / "runtime", ignore_errors=True)


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
