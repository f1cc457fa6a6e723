"""The README's one command opens the course, for root too (containers, cloud VMs).

The server test takes the two commands of README.md's set-up block (install, then open),
runs the second exactly as written, from the repository's root,
with this test's virtual environment standing in for ``.venv`` and only the options that
pick 127.0.0.1, a free port, a known token and no browser added, in temporary Jupyter
config, runtime, settings and workspace folders. It fetches /lab and lists the notebooks
the server sees, then stops it. As root it also checks that plain ``jupyter lab
notebooks/`` still refuses to start, which is why the README does not say that.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from _scripts import load_script

from gan_utils import lab_session

ROOT = Path(__file__).resolve().parents[1]
open_course = load_script("dev/open_course.py")

TOKEN = "course-readme-command"
ROOT_REFUSAL = "Running as root is not recommended"


def readme_commands() -> list[str]:
    """The README's set-up block: its two lines, install and open the course."""
    blocks = re.findall(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)
    setup = [b for b in blocks if "-m venv .venv" in b]
    assert len(setup) == 1, f"expected one bash block that sets up the course: {blocks}"
    lines = setup[0].strip().splitlines()
    assert len(lines) == 2, f"the README's set-up is two commands, install and open: {lines}"
    return lines


def _open_step(commands: list[str]) -> list[str]:
    """The README's second command, with .venv/bin/ meaning this test's venv."""
    install = [step.strip() for step in commands[0].split("&&")]
    assert install == ["python3 -m venv .venv", ".venv/bin/pip install -r requirements.txt"]
    words = shlex.split(commands[1])
    assert words[0].startswith(".venv/bin/"), words
    return [str(Path(sys.executable).parent / words[0].removeprefix(".venv/bin/")), *words[1:]]


def test_lab_command_adds_allow_root_only_for_root():
    python = "/venv/bin/python"
    assert open_course.lab_command([], as_root=False, python=python) == [
        python, "-m", "jupyterlab", str(ROOT / "notebooks")]
    assert open_course.lab_command(["--no-browser"], as_root=True, python=python) == [
        python, "-m", "jupyterlab", str(ROOT / "notebooks"), "--no-browser", "--allow-root"]
    assert open_course.lab_command(["--allow-root"], as_root=True).count("--allow-root") == 1


def test_readme_names_the_launcher_and_the_supported_pythons():
    assert _open_step(readme_commands())[1:] == ["dev/open_course.py"]
    readme = (ROOT / "README.md").read_text()
    assert "Python 3.10 to 3.13" in readme


@pytest.mark.slow
def test_readme_command_serves_the_notebooks(tmp_path):
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")
    port = lab_session.free_port()
    command = [*_open_step(readme_commands()), *lab_session.server_options(port, TOKEN)]
    environment = lab_session.isolated_environment(tmp_path)
    log = tmp_path / "server.log"
    try:
        with lab_session.serve(command, ROOT, environment, log, port, TOKEN) as base:
            with urllib.request.urlopen(f"{base}/lab?token={TOKEN}", timeout=30) as page:
                assert page.status == 200
                assert "JupyterLab" in page.read().decode()
            with urllib.request.urlopen(f"{base}/api/contents?token={TOKEN}",
                                        timeout=30) as listing:
                served = {item["name"] for item in json.load(listing)["content"]}
    except lab_session.LabError as error:
        pytest.fail(str(error))
    expected = {path.name for path in (ROOT / "notebooks").glob("*.ipynb")}
    assert len(expected) >= 10 and expected <= served
    if open_course.running_as_root():
        assert "--allow-root" in log.read_text()


@pytest.mark.slow
def test_plain_jupyter_lab_still_refuses_root(tmp_path):
    """Why the README runs the launcher: as root, ``jupyter lab notebooks/`` stops."""
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")
    if not open_course.running_as_root():
        pytest.skip("only root is refused")
    port = lab_session.free_port()
    result = subprocess.run(
        [sys.executable, "-m", "jupyterlab", "notebooks/",
         *lab_session.server_options(port, TOKEN)],
        cwd=ROOT, env=lab_session.isolated_environment(tmp_path), capture_output=True,
        text=True, timeout=120)
    assert result.returncode != 0 and ROOT_REFUSAL in result.stdout + result.stderr
