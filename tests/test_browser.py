"""A real browser test: notebook 07 in JupyterLab, driven by headless Chromium.

It starts JupyterLab on 127.0.0.1 (free port, token, no browser, temporary runtime and
config folders, quick mode) serving a *copy* of notebook 07 (so autosave never writes
outputs into the repository), opens it in Debian's Chromium through Playwright, runs all
cells from the Run menu, waits until every cell has run, presses an arrow key on the
first latent slider and checks that the digit picture changed and that no cell raised.
A screenshot is kept in tests/artifacts/ (ignored by git); its path is printed.

Chromium comes from the system (``apt-get install chromium``), never from a download.
Where it or Playwright is missing, the test is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "07_latent_space_explorer.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_SECONDS = 90
RUN_ALL_SECONDS = 240
PROMPT_DONE = re.compile(r"^\[\d+\]:$")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll the server's status API until it answers; fail with its log if it dies."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {SERVER_START_SECONDS} s:\n"
                f"{log.read_text()[-3000:]}")


@pytest.fixture
def jupyter_lab(tmp_path):
    """A JupyterLab server on a copy of notebook 07; yields (base url, token, folder)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium (Debian's package) to run "
                    "the browser test")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                        "(pip install playwright; no browser download needed)")
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    port, token = _free_port(), "course-browser-test"
    env = dict(os.environ, GAN_UTILS_QUICK="1",
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    # render every cell (JupyterLab 4 only renders cells near the viewport by default)
    tracker = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    # no "would you like news?" pop-up over the widgets, and no news fetching
    apputils = tracker.parent / "apputils-extension"
    apputils.mkdir()
    (apputils / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    env.pop("MPLBACKEND", None)  # the kernel's inline backend, as a learner gets it
    log = tmp_path / "jupyterlab.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
             "--LabApp.news_url=", "--LabApp.check_for_updates_class="
             "jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly",
             *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
            cwd=work, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{base}/api/status?token={token}", process, log)
        yield base, token, work
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_idle_kernel(base: str, token: str) -> None:
    """Wait until the notebook's session has a kernel that reports itself idle."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=5) as response:
            sessions = json.loads(response.read())
        if any(s.get("kernel", {}).get("execution_state") == "idle" for s in sessions):
            return
        time.sleep(0.5)
    pytest.fail(f"no idle kernel within {SERVER_START_SECONDS} s: {sessions}")


def _prompts(page) -> list[str]:
    """The text of every code cell's input prompt ("[3]:", "[*]:" or "[ ]:")."""
    return page.eval_on_selector_all(
        ".jp-Notebook .jp-CodeCell .jp-InputPrompt", "nodes => nodes.map(n => n.innerText.trim())")


def _error_outputs(page) -> list[str]:
    """Text of every output that is an error or a stderr stream with a traceback."""
    texts = page.eval_on_selector_all(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
        "nodes => nodes.map(n => n.innerText)")
    return [t for t in texts if "Traceback" in t or "Error" in t]


def test_notebook_07_runs_in_jupyterlab_and_slider_updates_digit(jupyter_lab):
    from playwright.sync_api import sync_playwright

    base, token, _work = jupyter_lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "browser_07_latent_space_explorer.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
            _wait_for_idle_kernel(base, token)  # Run All before the kernel exists does nothing
            page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).first.click()
            page.locator(".lm-Menu-item .lm-Menu-itemLabel",
                         has_text=re.compile(r"^Run All Cells$")).first.click()

            deadline = time.monotonic() + RUN_ALL_SECONDS
            while True:
                prompts = _prompts(page)
                if prompts and all(PROMPT_DONE.match(p) for p in prompts):
                    break
                errors = _error_outputs(page)
                assert not errors, f"a cell raised:\n{errors[0][:2000]}"
                assert time.monotonic() < deadline, f"cells still running: {prompts}"
                time.sleep(1)
            errors = _error_outputs(page)
            assert not errors, f"a cell raised:\n{errors[0][:2000]}"

            # the explorer: the first widget box holding sliders and the digit picture
            explorer = page.locator(".jp-OutputArea-output .widget-vbox",
                                    has=page.locator(".widget-hslider")).first
            explorer.scroll_into_view_if_needed()
            picture = explorer.locator("img.widget-image").first
            picture.wait_for(state="visible", timeout=30_000)
            before = picture.get_attribute("src")
            assert before and before.startswith(("blob:", "data:")), before
            handle = explorer.locator(".widget-hslider .noUi-handle").first
            handle.focus()
            for _ in range(5):  # five steps of 0.1 along the first direction
                page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "([img, old]) => img.getAttribute('src') !== old",
                arg=[picture.element_handle(), before], timeout=30_000)
            readout = explorer.locator(".widget-readout").first.inner_text()
            assert float(readout) > 0, f"the slider did not move (readout {readout!r})"
            page.wait_for_timeout(500)
            explorer.screenshot(path=str(screenshot))
            page.screenshot(path=str(ARTIFACTS / "browser_07_page.png"), full_page=False)
            assert not _error_outputs(page)
        finally:
            browser.close()
    print(f"screenshot: {screenshot}")
