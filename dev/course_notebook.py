"""The common start of every course notebook, written once.

Every notebook begins with a title cell (with "Run in Colab / Open in Kaggle / View
source" links naming the notebook's own file) and the same setup cell. This module
generates both, so they never drift apart:

    python dev/course_notebook.py notebooks/*.ipynb    # rewrite title links + setup cell
    python dev/course_notebook.py --check notebooks/*.ipynb

A helper writing a new notebook calls :func:`header_cells` and appends its lesson.
tests/test_notebooks_meta.py checks every committed notebook against this template.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

from gan_utils import COURSE_BRANCH, COURSE_REPOSITORY

NAME_PATTERN = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
SETUP_MARKER = "# Setup (the same in every notebook)"

# On Colab's TPU runtime (no TensorFlow) and on Kaggle with the Internet switch off, the
# setup cell stops with what to change instead of failing inside pip; Kaggle's editor calls
# the switch "Internet", under "Session options". tests/test_setup_cell.py fakes both.
SETUP_SOURCE = f'''{SETUP_MARKER}: install gan_utils where it is missing
# (Colab, Kaggle), check versions, and say what hardware this kernel has.
import importlib.util
import os
import socket
import sys

IN_COLAB = "google.colab" in sys.modules
IN_KAGGLE = "KAGGLE_KERNEL_RUN_TYPE" in os.environ
if IN_COLAB and importlib.util.find_spec("tensorflow") is None:
    raise SystemExit("This Colab runtime has no TensorFlow (Colab's TPU runtimes ship none). "
                     "Choose Runtime → Change runtime type → T4 GPU or CPU, then rerun this cell.")
if importlib.util.find_spec("gan_utils") is None:  # Colab, Kaggle or a bare Python
    if IN_KAGGLE:  # pip needs the internet, and Kaggle gives it only when asked
        try:
            socket.create_connection(("pypi.org", 443), timeout=10).close()
        except OSError:
            raise SystemExit("Kaggle's Internet switch is off, so the course helpers cannot be "
                             "installed. In the editor's right-hand panel, open Session options "
                             "and turn Internet on (Kaggle asks once for a phone-verified "
                             "account), then rerun this cell.") from None
    GAN_UTILS_SOURCE = os.environ.get(
        "GAN_UTILS_SOURCE", "git+https://github.com/{COURSE_REPOSITORY}@{COURSE_BRANCH}")
    %pip install --quiet "gan_utils @ {{GAN_UTILS_SOURCE}}"
    importlib.invalidate_caches()

import gan_utils
from gan_utils import runtime

gan_utils.check_versions()
print(runtime.describe())'''


def links(filename: str) -> dict[str, str]:
    """The Colab, Kaggle and GitHub addresses of one notebook of the course."""
    github = f"https://github.com/{COURSE_REPOSITORY}/blob/{COURSE_BRANCH}/notebooks/{filename}"
    return {
        "colab": f"https://colab.research.google.com/github/{COURSE_REPOSITORY}/blob/"
                 f"{COURSE_BRANCH}/notebooks/{filename}",
        "kaggle": f"https://kaggle.com/kernels/welcome?src={github}",
        "github": github,
    }


def title_source(filename: str, title: str) -> str:
    """The first cell: number, title and a row of links naming this notebook's file."""
    number = NAME_PATTERN.match(filename)
    if not number:
        raise ValueError(f"{filename}: notebook names must look like NN_topic_name.ipynb")
    url = links(filename)
    return (f"# {number.group(1)} · {title}\n\n"
            f"[![Run in Google Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({url['colab']}) "
            f"[![Open in Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)]"
            f"({url['kaggle']}) "
            f"[View source on GitHub]({url['github']})")


def header_cells(filename: str, title: str, learn: list[str]) -> list:
    """Title + links, "what you will learn", and the setup cell, as nbformat cells."""
    learn_md = "## What you will learn\n\n" + "\n".join(f"- {item}" for item in learn)
    return [
        nbformat.v4.new_markdown_cell(title_source(filename, title)),
        nbformat.v4.new_markdown_cell(learn_md),
        nbformat.v4.new_code_cell(SETUP_SOURCE),
    ]


def title_of(nb) -> str:
    """The notebook's title, read back from its first cell."""
    first = nb.cells[0].source.splitlines()[0]
    return first.split("·", 1)[1].strip() if "·" in first else first.lstrip("# ").strip()


def problems(path: Path) -> list[str]:
    """What is wrong with a notebook's start, as sentences (empty when it is right)."""
    nb = nbformat.read(path, as_version=4)
    found = []
    if not NAME_PATTERN.match(path.name):
        found.append(f"{path.name}: name must look like NN_topic_name.ipynb")
        return found
    if not nb.cells or nb.cells[0].source != title_source(path.name, title_of(nb)):
        found.append(f"{path.name}: first cell is not the title with links to this file "
                     "(run python dev/course_notebook.py on it)")
    setup = [c for c in nb.cells if c.cell_type == "code" and SETUP_MARKER in c.source]
    if len(setup) != 1 or setup[0].source != SETUP_SOURCE:
        found.append(f"{path.name}: the setup cell differs from the template "
                     "(run python dev/course_notebook.py on it)")
    return found


def sync(path: Path) -> None:
    """Rewrite a notebook's title links and setup cell from the template, in place."""
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = title_source(path.name, title_of(nb))
    for cell in nb.cells:
        if cell.cell_type == "code" and SETUP_MARKER in cell.source:
            cell.source = SETUP_SOURCE
    nbformat.write(nb, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="only report differences")
    args = parser.parse_args()
    bad = 0
    for path in args.notebooks:
        if not args.check:
            sync(path)
        for problem in problems(path):
            print(problem)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
