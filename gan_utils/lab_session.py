"""A throw-away JupyterLab server and headless Chromium, for the browser test and figures.

Both ``tests/test_browser.py`` and ``scripts/docs/make_readme_figures.py`` open a notebook the
way a learner does: JupyterLab bound to 127.0.0.1 on a free port with a token, its
runtime, config, settings and workspace folders in a temporary folder (nothing of the
user's is read or written), news and update checks off, every cell rendered; then
Debian's Chromium (``/usr/bin/chromium``, never a browser download) driven by Playwright.
``tests/test_open_course.py`` uses the same private server options and folders to start
the README's own command.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# without the background-networking flags Chromium keeps trying to reach Google's hosts
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_SECONDS = 90


class LabError(RuntimeError):
    """JupyterLab did not start, or its kernel never became idle; carries its log tail."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_lab_settings(settings_dir: Path) -> None:
    """Render every cell (JupyterLab 4 only renders those near the viewport by default) and
    switch off the "would you like news?" pop-up, which would cover the widgets."""
    notebook = settings_dir / "@jupyterlab" / "notebook-extension"
    notebook.mkdir(parents=True, exist_ok=True)
    (notebook / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    apputils = settings_dir / "@jupyterlab" / "apputils-extension"
    apputils.mkdir(parents=True, exist_ok=True)
    (apputils / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _wait_for_server(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll the status API until it answers; raise with the server's log if it dies."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LabError(f"JupyterLab exited with {process.returncode}:\n"
                           f"{log.read_text()[-3000:]}")
        try:
            _get_json(url)
            return
        except OSError:
            time.sleep(0.5)
    raise LabError(f"JupyterLab did not answer within {SERVER_START_SECONDS} s:\n"
                   f"{log.read_text()[-3000:]}")


def isolated_environment(scratch: Path, env: Mapping[str, str] | None = None) -> dict:
    """This process's environment with JupyterLab's runtime, config, settings and workspace
    folders in ``scratch`` (nothing of the user's is read or written), the settings of
    :func:`write_lab_settings`, and ``env`` added (for the server and its kernels)."""
    environment = dict(os.environ, JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
                       JUPYTER_CONFIG_DIR=str(scratch / "config"),
                       JUPYTERLAB_SETTINGS_DIR=str(scratch / "settings"),
                       JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"), **(env or {}))
    environment.pop("JUPYTER_CONFIG_PATH", None)  # no extra config folders either
    environment.pop("MPLBACKEND", None)  # the kernel's inline backend, as a learner gets it
    write_lab_settings(scratch / "settings")
    return environment


def server_options(port: int, token: str) -> list[str]:
    """Command-line options for a private server: 127.0.0.1 on ``port`` (no other port
    if it is taken), ``token``, no browser, no news or update checks."""
    return ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]


@contextlib.contextmanager
def serve(command: list[str], cwd: Path, environment: Mapping[str, str], log: Path,
          port: int, token: str) -> Iterator[str]:
    """Start ``command`` (a Jupyter server on 127.0.0.1:``port``) in ``cwd``, wait until its
    status API answers with ``token``, yield its base url, and stop it on exit.

    Raises :class:`LabError` with the tail of ``log`` (its output) if it exits or does not
    answer within ``SERVER_START_SECONDS``.
    """
    with log.open("w") as log_file:
        process = subprocess.Popen(command, cwd=cwd, env=dict(environment), stdout=log_file,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{base}/api/status?token={token}", process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def jupyterlab(root_dir: Path, scratch: Path,
               env: Mapping[str, str] | None = None) -> Iterator[tuple[str, str]]:
    """Run JupyterLab on ``root_dir``; yield (base url, token); stop it on exit.

    ``scratch`` receives its runtime, config, settings and workspace folders and its log
    (``jupyterlab.log``); ``env`` adds environment variables for the server and kernels.
    """
    port, token = free_port(), "course-lab-session"
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root_dir}",
               *server_options(port, token), "--LabApp.extension_manager=readonly"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    with serve(command, root_dir, isolated_environment(scratch, env),
               scratch / "jupyterlab.log", port, token) as base:
        yield base, token


def wait_for_idle_kernel(base: str, token: str) -> None:
    """Wait until a session has a kernel that reports itself idle ("Run All" before the
    kernel exists does nothing)."""
    deadline, sessions = time.monotonic() + SERVER_START_SECONDS, []
    while time.monotonic() < deadline:
        sessions = _get_json(f"{base}/api/sessions?token={token}")
        if any(s.get("kernel", {}).get("execution_state") == "idle" for s in sessions):
            return
        time.sleep(0.5)
    raise LabError(f"no idle kernel within {SERVER_START_SECONDS} s: {sessions}")


def open_and_run_all(page, base: str, token: str, notebook: str) -> None:
    """Open ``notebook`` (a path under the server's root) and choose Run > Run All Cells."""
    page.goto(f"{base}/lab/tree/{notebook}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
    wait_for_idle_kernel(base, token)
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).first.click()
    page.locator(".lm-Menu-item .lm-Menu-itemLabel",
                 has_text=re.compile(r"^Run All Cells$")).first.click()


def launch_chromium(playwright):
    """Debian's Chromium, headless, with no background networking."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)
