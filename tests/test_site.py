"""The course website (scripts/docs/build_site.py): how its pages are cut, and the built site in a
real browser.

The first tests check the build's own logic on small inputs (no Sphinx, no notebook runs).
The browser test opens every page of a built site in Debian's Chromium (Playwright, never a
browser download) from an HTTP server on 127.0.0.1, with every request to any other host
aborted and recorded: a page that needs the network fails the test. It checks that every
image loads, every internal link (and its #anchor) exists, the math was typeset by the
site's own MathJax, every notebook page links to Colab and Kaggle, each training notebook's
page shows at least one animated GIF and one figure, and each widget has its picture.
Screenshots of the landing page and of notebook 06's page go to tests/artifacts/.

Which site: ``GAN_SITE_HTML`` (a folder a build already made, e.g. CI's ``site`` job or
build/site/quick/html after ``python scripts/docs/build_site.py --quick``), else one built here
without executing anything from ``GAN_CI_EXECUTED_DIR`` (its ``latest/`` folder, where CI's
latest job keeps the notebooks it executed in quick mode, else the folder itself). With
neither, the test is skipped: pytest never executes every notebook again. Given
GAN_SITE_HTML, a missing Chromium or Playwright fails the test instead of skipping it.

A page is checked once it has settled by its own signals: the "load" event, MathJax's
startup promise (its first typesetting pass), document.fonts.ready, every image complete.
Not Playwright's "networkidle", which once never fired on two pages of this site.
"""

from __future__ import annotations

import base64
import functools
import http.server
import io
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from _scripts import load_script

from gan_utils import lab_session

ROOT = Path(__file__).resolve().parents[1]
build_site = load_script("scripts/docs/build_site.py")

ARTIFACTS = ROOT / "tests" / "artifacts"
TRAINING_PAGES = ("02", "05", "06", "08", "10")  # notebooks that train and animate
WIDGET_PAGES = ("02", "03", "04", "05", "09", "10")  # notebooks with widgets (gan_utils.widgets)
PAGE_SECONDS = 180  # the longest a page may take to load, typeset and settle
NOTEBOOK_URL = "https://colab.research.google.com/github/open-gan-course/gan-course/blob/main/"


# --- the build's logic -------------------------------------------------------------------

def write_notebook(path: Path, markdown: str, outputs: list | None = None) -> None:
    nb = {"cells": [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": markdown},
                    {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": None,
                     "source": "1 + 1", "outputs": outputs or []}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))


def test_notebook_badges_point_at_local_images_and_keep_their_links(tmp_path):
    notebook = build_site.course_notebooks()[0]
    text = build_site.site_notebook(notebook, executed=False)
    title = json.loads(text)["cells"][0]["source"]
    assert "](_static/colab-badge.svg)" in title and "](_static/kaggle-badge.svg)" in title
    assert f"({NOTEBOOK_URL}notebooks/{notebook.name})" in title
    assert "https://kaggle.com/kernels/welcome?src=" in title
    for remote in build_site.BADGES:
        assert remote not in text
    for local in build_site.BADGES.values():
        assert (build_site.SITE_SOURCES / local).is_file()


def test_executed_notebooks_must_have_outputs(tmp_path):
    empty = tmp_path / "01_x.ipynb"
    write_notebook(empty, "# x")
    with pytest.raises(SystemExit, match=r"01_x.ipynb: no cell has an output; --executed"):
        build_site.site_notebook(empty, executed=True)
    stream = {"output_type": "stream", "name": "stdout", "text": "2"}
    write_notebook(empty, "# x", [stream])
    with pytest.raises(SystemExit, match=r"no figure among its outputs; .*MPLBACKEND=Agg"):
        build_site.site_notebook(empty, executed=True)
    figure = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBO"}}
    write_notebook(empty, "# x", [stream, figure])
    assert json.loads(build_site.site_notebook(empty, executed=True))["cells"][1]["outputs"]
    (tmp_path / "broken.ipynb").write_text("{")
    with pytest.raises(SystemExit, match="broken.ipynb: not a readable notebook"):
        build_site.site_notebook(tmp_path / "broken.ipynb", executed=True)


def test_readme_links_become_pages_local_pictures_or_github(tmp_path):
    markdown = ("[nb](notebooks/04_mlp_gan_mnist.ipynb) ![fig](docs/figures/digits_on_request.png)"
                " [card](gan_utils/assets/README.md) [web](https://keras.io) [top](#the-notebooks)")
    out = build_site.site_links(markdown, {"04_mlp_gan_mnist.ipynb"}, tmp_path)
    assert out == ("[nb](04_mlp_gan_mnist.ipynb) ![fig](readme/digits_on_request.png) "
                   f"[card]({build_site.REPOSITORY}gan_utils/assets/README.md) "
                   "[web](https://keras.io) [top](#the-notebooks)")
    assert (tmp_path / "readme" / "digits_on_request.png").read_bytes() == (
        ROOT / "docs" / "figures" / "digits_on_request.png").read_bytes()


def test_landing_page_carries_the_readme_table_and_every_notebook(tmp_path):
    notebooks = build_site.course_notebooks()
    page = build_site.landing_page((ROOT / "README.md").read_text(), notebooks, "quick", tmp_path)
    readme_rows = [line for line in (ROOT / "README.md").read_text().splitlines()
                   if re.match(r"^\| \d\d \|", line)]
    assert len(readme_rows) == len(notebooks) == 10
    for row, notebook in zip(readme_rows, notebooks):  # the same row, its link made a page
        expected = row.replace(f"(notebooks/{notebook.name})", f"({notebook.name})")
        assert expected.replace("(docs/site/_static/", "(readme/") in page  # badges copied
        assert f"\n{notebook.stem}\n" in page  # in the toctree
    assert "quick mode" in page and "open the notebook to use it" in page
    with pytest.raises(SystemExit, match="README.md: sections"):
        build_site.landing_page("# t\n## The notebooks\nx\n", notebooks, "full", tmp_path)


def test_executed_mode_names_the_missing_notebooks(tmp_path, monkeypatch):
    monkeypatch.setattr(build_site, "BUILD", tmp_path / "build")
    (tmp_path / "run").mkdir()
    with pytest.raises(SystemExit, match=r"missing executed notebooks \['01_density"):
        build_site.stage("executed", tmp_path / "run")
    figure = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBO"}}
    for notebook in build_site.course_notebooks():
        write_notebook(tmp_path / "run" / notebook.name, "# x", [figure])
    with pytest.raises(SystemExit, match="no widget has its picture; .*GAN_UTILS_STATIC_SITE=1"):
        build_site.stage("executed", tmp_path / "run")
    with pytest.raises(ValueError, match="expected full or quick"):
        build_site.build("executed")


def test_executed_notebooks_tell_the_landing_page_their_size(tmp_path):
    def executed(mode: str) -> str:  # a notebook as site_notebook returns it
        line = f"local | CPU: AMD EPYC, 2 cores | TensorFlow 2.21.0 | mode: {mode}\n"
        stream = {"output_type": "stream", "name": "stdout", "text": line}
        figure = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBO"}}
        write_notebook(tmp_path / "01_x.ipynb", "# x", [stream, figure])
        return build_site.site_notebook(tmp_path / "01_x.ipynb", executed=True)

    full, quick = executed("full"), executed("quick (CI-sized)")
    assert build_site.executed_size([full, full]) == "full"
    assert build_site.executed_size([quick, quick]) == "quick"
    assert build_site.executed_size([full, quick]) == "executed"  # mixed: not said
    assert build_site.executed_size([full, '{"cells": []}']) == "executed"


def test_kernels_get_the_inline_backend_and_the_static_site_switch(monkeypatch, tmp_path):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("GAN_UTILS_QUICK", "1")
    full = build_site.kernel_environment("full", tmp_path)
    assert "MPLBACKEND" not in full and "GAN_UTILS_QUICK" not in full
    assert full["GAN_UTILS_STATIC_SITE"] == "1" and full["GAN_SITE_EXECUTION"] == "cache"
    quick = build_site.kernel_environment("quick", tmp_path)
    assert quick["GAN_UTILS_QUICK"] == "1" and quick["GAN_SITE_CACHE"] == str(tmp_path)
    assert build_site.kernel_environment("executed", tmp_path)["GAN_SITE_EXECUTION"] == "off"


def test_requirements_list_the_site_tools_and_the_platform_jobs_do_not_install_them():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    names = {re.split(r"[<>=\s]", line)[0] for line in lines if line and line[0].isalpha()}
    site = {"sphinx", "myst-nb", "sphinx-book-theme", "sphinx-mathjax-offline"}
    assert site <= names
    job = (ROOT / ".ci" / "platform_job.py").read_text()
    assert not any(f'"{name}"' in job for name in site)


# --- the built site in Chromium ------------------------------------------------------------

@pytest.fixture(scope="module")
def site_html(tmp_path_factory) -> Path:
    """The folder of a built site (see the module docstring for where it comes from)."""
    given = os.environ.get("GAN_SITE_HTML", "").strip()
    if given:
        folder = Path(given)
        if not (folder / "index.html").is_file():
            pytest.fail(f"GAN_SITE_HTML={given}: no index.html there")
        return folder
    executed = os.environ.get("GAN_CI_EXECUTED_DIR", "").strip()
    # .ci/run keeps the latest job's notebooks in DIR/latest; execute_notebooks.py by hand, in DIR
    folders = [Path(executed) / "latest", Path(executed)] if executed else []
    found = [folder for folder in folders if any(folder.glob("[0-9][0-9]_*.ipynb"))]
    if not found:
        pytest.skip("no executed notebooks to build the site from: set GAN_CI_EXECUTED_DIR "
                    "(CI's quick-mode run keeps them there) or GAN_SITE_HTML (e.g. "
                    "build/site/quick/html after python scripts/docs/build_site.py --quick)")
    pytest.importorskip("myst_nb", reason="myst-nb is not installed (pip install -r "
                        "requirements.txt)")
    return build_site.build("executed", found[0])


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest's output readable
        pass


@pytest.fixture(scope="module")
def server(site_html):
    """An HTTP server on 127.0.0.1 (a free port) serving the site; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site_html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


# When a page is ready to check, by the page's own signals rather than Playwright's
# "networkidle" (no request for 500 ms, a heuristic Playwright's documentation discourages):
# on this site it once never fired on notebooks 07 and 08, with no request left open, and
# fired within a second on the same pages in the next run. After the "load" event (the
# HTML, scripts and images), MathJax's startup promise resolves when its first typesetting
# pass is done, and document.fonts.ready when the fonts that typesetting needs have loaded.
# Returns "" when the page settled within the given milliseconds, else what went wrong.
SETTLED = """async (milliseconds) => {
    const settle = async () => {
        if (document.querySelector('.math')) {
            if (!(window.MathJax && window.MathJax.startup && window.MathJax.startup.promise))
                return 'MathJax did not start (was _static/mathjax/tex-chtml.js served?)';
            try { await window.MathJax.startup.promise; }
            catch (error) { return 'MathJax failed: ' + error; }
        }
        await document.fonts.ready;
        return '';
    };
    const late = new Promise(done => setTimeout(
        () => done('not typeset or its fonts not loaded in ' + milliseconds / 1000 + ' s'),
        milliseconds));
    return Promise.race([settle(), late]);
}"""


def _page_facts(page) -> dict:
    """What the checks need from a loaded page, read in the browser."""
    return page.evaluate("""() => ({
        images: [...document.images].map(i => ({src: i.currentSrc || i.src,
            ok: i.complete && i.naturalWidth > 0})),
        links: [...document.querySelectorAll('a[href]')].map(a => a.href),
        math: document.querySelectorAll('.math').length,
        typeset: [...document.querySelectorAll('.math')]
            .filter(m => m.querySelector('mjx-container')).length,
        raw_tex: [...document.querySelectorAll('.math')]
            .filter(m => !m.querySelector('mjx-container')).map(m => m.textContent).slice(0, 3),
        stand_ins: [...document.querySelectorAll('.gan-static-widget')]
            .map(d => ({ok: !!d.querySelector('img') && d.querySelector('img').naturalWidth > 0,
                        text: d.textContent})),
        ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    })""")


def _gif_frames(src: str) -> int:
    """Frames of a GIF given as a data: URI (1 for a still picture)."""
    from PIL import Image

    data = base64.b64decode(src.split(",", 1)[1])
    return getattr(Image.open(io.BytesIO(data)), "n_frames", 1)


@pytest.mark.browser
def test_every_page_renders_offline_in_chromium(server, site_html):
    given = os.environ.get("GAN_SITE_HTML", "").strip()  # then this test is the point: fail
    if not lab_session.CHROMIUM.exists():
        (pytest.fail if given else pytest.skip)(
            f"{lab_session.CHROMIUM} not found: apt-get install chromium (Debian's package) "
            "to run the browser test")
    if given:
        import playwright.sync_api  # noqa: F401  (GAN_SITE_HTML given: a missing one fails)
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from playwright.sync_api import sync_playwright

    pages = sorted(p.relative_to(site_html).as_posix() for p in site_html.glob("*.html"))
    notebooks = [p for p in pages if re.match(r"^\d\d_", p)]
    assert "index.html" in pages and "measurements.html" in pages and len(notebooks) == 10
    offsite, failures, facts = [], [], {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def route(request_route) -> None:  # the site's own server, or nothing
        if request_route.request.url.startswith(server):
            request_route.continue_()
        else:
            offsite.append(request_route.request.url)
            request_route.abort()

    with sync_playwright() as playwright:
        browser = lab_session.launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1300, "height": 900})
            context.route("**/*", route)
            page = context.new_page()
            page.set_default_timeout(PAGE_SECONDS * 1000)  # a busy 2-core machine is slow
            page.on("response", lambda r: r.status >= 400 and failures.append(
                f"{r.status} {r.url}"))
            page.on("requestfailed", lambda r: r.url.startswith(server) and failures.append(
                f"failed {r.url}"))
            for name in pages:
                page.goto(server + name, wait_until="load")  # the page and its images
                # MathJax's first typesetting pass, then the fonts it needs
                problem = page.evaluate(SETTLED, PAGE_SECONDS * 1000)
                if problem:
                    failures.append(f"{name}: {problem}")
                page.wait_for_function("() => [...document.images].every(i => i.complete)")
                facts[name] = _page_facts(page)
                if name == "index.html":
                    page.screenshot(path=str(ARTIFACTS / "site_index.png"), full_page=True)
                if name.startswith("06_"):
                    page.screenshot(path=str(ARTIFACTS / "site_06_dcgan_mnist.png"))
                    page.screenshot(path=str(ARTIFACTS / "site_06_dcgan_mnist_full.png"),
                                    full_page=True)
        finally:
            browser.close()

    assert not offsite, f"pages asked for other hosts: {sorted(set(offsite))[:10]}"
    assert not failures, f"failed files or pages: {failures[:10]}"
    for name, fact in facts.items():
        broken = [i["src"][:120] for i in fact["images"] if not i["ok"]]
        assert not broken, f"{name}: images that did not load: {broken}"
        assert fact["math"] == fact["typeset"], f"{name}: math left as TeX: {fact['raw_tex']}"
        for link in fact["links"]:
            url = urlparse(link)
            if not link.startswith(server):
                continue
            target = site_html / unquote(url.path[1:] or "index.html")
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{name}: broken link {link}"
            if url.fragment and target.suffix == ".html":
                ids = facts.get(target.relative_to(site_html).as_posix(), {}).get("ids")
                assert ids is None or url.fragment in ids, f"{name}: no #{url.fragment} in {link}"

    assert sum(facts[name]["typeset"] for name in notebooks) > 50, "hardly any math typeset"
    for name in notebooks:
        fact = facts[name]
        hrefs = fact["links"]
        assert f"{NOTEBOOK_URL}notebooks/{name.replace('.html', '.ipynb')}" in hrefs, name
        assert any(h.startswith("https://kaggle.com/kernels/welcome?src=") for h in hrefs), name
        number = name[:2]
        if number in TRAINING_PAGES:
            gifs = [i["src"] for i in fact["images"] if i["src"].startswith("data:image/gif")]
            figures = [i["src"] for i in fact["images"] if "/_images/" in i["src"]
                       and i["src"].endswith(".png")]
            assert any(_gif_frames(src) > 1 for src in gifs), f"{name}: no animated GIF"
            assert figures, f"{name}: no figure"
        if number in WIDGET_PAGES:
            assert fact["stand_ins"], f"{name}: a widget without its picture"
            assert all(s["ok"] and "Open the notebook" in s["text"] for s in fact["stand_ins"])
    print(f"{len(pages)} pages checked; screenshots in {ARTIFACTS}")
