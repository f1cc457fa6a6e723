"""A real browser test: notebook 09 in JupyterLab, driven by headless Chromium.

It starts JupyterLab on 127.0.0.1 (free port, token, no browser, temporary runtime and
config folders, quick mode) serving a *copy* of notebook 09 (so autosave never writes
outputs into the repository), opens it in Debian's Chromium through Playwright, runs all
cells from the Run menu, waits until every cell has run, presses an arrow key on the
first latent slider and checks that the digit picture changed and that no cell raised.
The copy ends with the notebook's two widgets (the latent explorer and the interpolation
explorer): the cells after them draw no widget, and CI's notebook jobs already run every
cell of notebook 09, four times; running them here again only cost CPU. What the widgets
answer to each control is tested without a browser in tests/test_latent.py.
A screenshot is kept in tests/artifacts/ (ignored by git); its path is printed.

Chromium comes from the system (``apt-get install chromium``), never from a download.
Where it or Playwright is missing, the test is skipped with the reason.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from gan_utils import lab_session

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOK = ROOT / "notebooks" / "09_latent_space_explorer.ipynb"
LAST_CELL_ID = "2d7f5018"  # the interpolation explorer: the last widget cell
ARTIFACTS = ROOT / "tests" / "artifacts"
RUN_ALL_SECONDS = 240
PROMPT_DONE = re.compile(r"^\[\d+\]:$")


def widget_part(path: Path) -> dict:
    """Notebook 09 up to its last widget cell (LAST_CELL_ID), as notebook JSON."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    ids = [cell.get("id") for cell in notebook["cells"]]
    if LAST_CELL_ID not in ids:
        raise LookupError(f"{path.name} has no cell {LAST_CELL_ID!r} (the interpolation "
                          "explorer): update LAST_CELL_ID in tests/test_browser.py")
    notebook["cells"] = notebook["cells"][:ids.index(LAST_CELL_ID) + 1]
    return notebook


def test_the_browser_copy_keeps_both_widgets_and_their_checks():
    cells = widget_part(NOTEBOOK)["cells"]
    code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    assert "latent.latent_explorer(" in code and "latent.InterpolationExplorer(" in code
    assert len(cells) < len(json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"])


@pytest.fixture
def jupyter_lab(tmp_path):
    """A JupyterLab server (quick mode) on a copy of notebook 09; yields (base url, token)."""
    if not lab_session.CHROMIUM.exists():
        pytest.skip(f"{lab_session.CHROMIUM} not found: apt-get install chromium (Debian's "
                    "package) to run the browser test")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                        "(pip install playwright; no browser download needed)")
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")
    work = tmp_path / "lab"
    work.mkdir()
    (work / NOTEBOOK.name).write_text(json.dumps(widget_part(NOTEBOOK)))
    try:
        with lab_session.jupyterlab(work, tmp_path, env={"GAN_UTILS_QUICK": "1"}) as server:
            yield server
    except lab_session.LabError as error:
        pytest.fail(str(error))


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


@pytest.mark.browser
def test_notebook_09_runs_in_jupyterlab_and_slider_updates_digit(jupyter_lab):
    from playwright.sync_api import sync_playwright

    base, token = jupyter_lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "browser_09_latent_space_explorer.png"
    with sync_playwright() as playwright:
        browser = lab_session.launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            lab_session.open_and_run_all(page, base, token, NOTEBOOK.name)

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
            page.screenshot(path=str(ARTIFACTS / "browser_09_page.png"), full_page=False)
            assert not _error_outputs(page)
        finally:
            browser.close()
    print(f"screenshot: {screenshot}")
