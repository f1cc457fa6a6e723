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

# The setup cell, at most 10 lines: what must happen before gan_utils can be imported stays
# in the cell, the rest is gan_utils.start(). On Colab's TPU runtime (no TensorFlow) and on
# Kaggle with the Internet switch off ("Session options" in Kaggle's editor), the cell stops
# with what to change instead of failing inside pip. tests/test_setup_cell.py fakes both.
SETUP_SOURCE = f'''{SETUP_MARKER}: install gan_utils where it is missing, then start.
import importlib.util, os, socket, sys
if "google.colab" in sys.modules and not importlib.util.find_spec("tensorflow"):
    sys.exit("no TensorFlow: choose Runtime → Change runtime type → T4 GPU or CPU")
if not importlib.util.find_spec("gan_utils"):  # pip needs the internet (on Kaggle: ask)
    try: os.getenv("KAGGLE_KERNEL_RUN_TYPE") and socket.getaddrinfo("pypi.org", 443)
    except OSError: sys.exit("Kaggle's Internet is off: Session options → Internet on")
    URL = "git+https://github.com/{COURSE_REPOSITORY}@{COURSE_BRANCH}"
    %pip install --quiet "gan_utils @ {{os.environ.get('GAN_UTILS_SOURCE', URL)}}"
importlib.invalidate_caches(); import gan_utils; gan_utils.start()'''


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
