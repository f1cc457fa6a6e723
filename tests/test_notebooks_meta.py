"""Checks every committed notebook against the course conventions (nbval runs them)."""

import re
from pathlib import Path

import nbformat
import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
course_notebook = load_script("dev/course_notebook.py")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ids = [path.name for path in NOTEBOOKS]


def test_there_are_notebooks_and_they_are_numbered_in_order():
    assert NOTEBOOKS, "notebooks/ holds no notebook"
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert len(set(numbers)) == len(numbers), f"two notebooks share a number: {ids}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; run dev/strip_outputs.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_header_links_name_the_notebook_and_setup_cell_is_the_template(path):
    assert course_notebook.problems(path) == []
    first = nbformat.read(path, as_version=4).cells[0].source
    links = re.findall(r"\]\((https://[^)]+)\)", first)
    badge_targets = [url for url in links if "badge" not in url and "open-in-kaggle" not in url]
    assert len(badge_targets) == 3 and all(url.endswith("/notebooks/" + path.name)
                                           for url in badge_targets)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_structure_quick_parameters_and_exercises(path):
    nb = nbformat.read(path, as_version=4)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert not any(re.search(r"^\s*!pip", src, re.M) for src in code), "use %pip, not !pip"
    assert any("runtime.full_or_quick(" in src or "quick_mode()" in src for src in code[1:]), \
        "no parameters cell reading quick mode"
    assert re.search(r"^## .*Exercises", text, re.M), "no Exercises section"
    assert "## What you will learn" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_setup_cell_comes_first_and_later_cells_import_what_they_use(path):
    """The setup cell binds only what it needs (gan_utils, os, sys, ...): a lesson that
    uses ``runtime`` imports it itself, so the cell can stay at most 10 lines."""
    code = [cell.source for cell in nbformat.read(path, as_version=4).cells
            if cell.cell_type == "code"]
    assert code and course_notebook.SETUP_MARKER in code[0], "the setup cell is not first"
    lesson = "\n".join(code[1:])
    if re.search(r"(?<![\w.])runtime\.", lesson):
        assert re.search(r"^from gan_utils import (\([^)]*|[^\n(]*)\bruntime\b", lesson, re.M), \
            "uses runtime without importing it (the setup cell does not)"
