"""Open the course in JupyterLab, as any user, root included.

    .venv/bin/python dev/open_course.py [JupyterLab options]

It runs ``jupyter lab notebooks/`` with the Python that runs it (so the course's virtual
environment's JupyterLab), from the repository's root. As root, which is what a learner
is in most containers and on many cloud VMs, JupyterLab refuses to start ("Running as
root is not recommended. Use --allow-root to bypass."), so there it adds ``--allow-root``
and says so. Further options go to JupyterLab unchanged (``--no-browser``,
``--ServerApp.port=8890``, ...). Jupyter reads no configuration from the working folder,
so a config file in the repository could not do this.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ALLOW_ROOT = "--allow-root"


def running_as_root() -> bool:
    """True for the root user (uid 0); False elsewhere, and on systems without uids."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(options: Sequence[str] = (), as_root: bool | None = None,
                python: str = sys.executable) -> list[str]:
    """The command that opens the notebooks: ``python -m jupyterlab notebooks/ options``,
    with ``--allow-root`` added when ``as_root`` (default: whether this user is root)."""
    command = [python, "-m", "jupyterlab", str(NOTEBOOKS), *options]
    if (running_as_root() if as_root is None else as_root) and ALLOW_ROOT not in options:
        command.append(ALLOW_ROOT)
    return command


def main(argv: Sequence[str] | None = None) -> int:
    """Replace this process with JupyterLab (Ctrl-C and signals reach it directly)."""
    options = list(sys.argv[1:] if argv is None else argv)
    if importlib.util.find_spec("jupyterlab") is None:
        print(f"open_course: JupyterLab is not installed for {sys.executable}; install the "
              f"course first: {Path(sys.executable).parent / 'pip'} install -r "
              f"{ROOT / 'requirements.txt'}", file=sys.stderr)
        return 2
    command = lab_command(options)
    if ALLOW_ROOT in command and ALLOW_ROOT not in options:
        print("open_course: running as root (a container or a cloud VM?), so JupyterLab "
              "starts with --allow-root", file=sys.stderr, flush=True)
    os.chdir(ROOT)
    os.execv(command[0], command)
    return 0  # pragma: no cover - execv does not return


if __name__ == "__main__":
    sys.exit(main())
