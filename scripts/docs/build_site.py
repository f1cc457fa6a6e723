"""Build the course website: every notebook executed, as static HTML (Sphinx + myst-nb).

    python scripts/docs/build_site.py                  # full size: executes every notebook (hours
                                                # of CPU on 2 cores); a rebuild re-executes
                                                # only notebooks whose code changed
    python scripts/docs/build_site.py --quick          # quick mode (GAN_UTILS_QUICK=1), minutes
    python scripts/docs/build_site.py --executed DIR   # no execution: DIR holds the eight notebooks
                                                # already executed (CI's quick-mode run)

The site lands in build/site/<full|quick|executed>/html (open index.html, or serve it with
``python -m http.server -d build/site/quick/html -b 127.0.0.1``). Executed outputs are kept
by myst-nb in a jupyter-cache folder next to it, keyed by the notebook's code, so editing
prose re-renders a page without re-running it.

The source folder Sphinx reads is made here, in build/site/<mode>/src: docs/site (conf.py,
_static), a landing page and a measurements page cut from README.md (so the notebook table
and its run times have one source), and the notebooks, whose Colab/Kaggle badge images
point at local copies (the links stay; the site loads nothing from another host). Files are
written only when their text changed, so Sphinx re-reads only what changed.

Notebooks execute with GAN_UTILS_STATIC_SITE=1, which makes each gan_utils widget also show
a picture of what it does (a static page cannot run a widget), and with matplotlib's inline
backend (MPLBACKEND is removed: with Agg, a kernel shows no figure).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE_SOURCES = ROOT / "docs" / "site"
BUILD = ROOT / "build" / "site"
SHARED_DATA = ROOT.parent / "shared" / "datasets"
REPOSITORY = "https://github.com/open-gan-course/gan-course/blob/main/"
BADGES = {
    "https://colab.research.google.com/assets/colab-badge.svg": "_static/colab-badge.svg",
    "https://kaggle.com/static/images/open-in-kaggle.svg": "_static/kaggle-badge.svg",
}
NOTEBOOK_NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
LANDING_SECTIONS = ("The notebooks", "On Colab and Kaggle", "What you will make")
MEASUREMENTS = ROOT / "docs" / "measurements.md"   # scripts/docs/write_measurements.py
MODES = {
    "full": "at full size: every picture and number is the real result",
    "quick": ("in quick mode (GAN_UTILS_QUICK=1): every notebook ran with shortened "
              "trainings, so its pictures show small, early models, not the course's results"),
    "executed": ("from notebooks executed elsewhere (CI runs them in quick mode: shortened "
                 "trainings, so the pictures show small, early models)"),
}


def course_notebooks() -> list[Path]:
    """The course's notebooks (notebooks/NN_name.ipynb), in order."""
    found = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))
    if not found:
        raise SystemExit(f"{ROOT / 'notebooks'}: no NN_name.ipynb notebooks found")
    return found


def readme_sections(text: str) -> tuple[str, dict[str, str]]:
    """README.md as (its text before the first "## " heading, {heading: section body})."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return parts[0], {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write ``data`` unless the file already holds it (Sphinx rebuilds what is newer)."""
    data = data.encode() if isinstance(data, str) else data
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def site_links(markdown: str, notebook_names: set[str], src: Path) -> str:
    """README links made to work on the site: a notebook becomes its page, a picture is
    copied into the site, any other file of the repository links to GitHub."""

    def rewrite(match: re.Match) -> str:
        bang, label, target = match.group(1), match.group(2), match.group(3)
        if re.match(r"^[a-z]+:|^#", target):
            return match.group(0)
        name = Path(target).name
        if name in notebook_names:
            return f"{bang}[{label}]({name})"
        if bang and (ROOT / target).is_file():
            shutil.copyfile(ROOT / target, src / "readme" / name)
            return f"{bang}[{label}](readme/{name})"
        return f"{bang}[{label}]({REPOSITORY}{target})"

    (src / "readme").mkdir(parents=True, exist_ok=True)
    # a label holds no bracket, so a badge inside a link ([![alt](image)](address)) is an image
    return re.sub(r"(!?)\[([^\[\]]*)\]\(([^)\s]+)\)", rewrite, markdown)


def landing_page(readme: str, notebooks: list[Path], mode: str, src: Path) -> str:
    """index.md: the README's title, introduction and the sections a reader needs first
    (the notebook table with its run times among them), the build mode, the contents."""
    intro, sections = readme_sections(readme)
    missing = [name for name in LANDING_SECTIONS if name not in sections]
    if missing:
        raise SystemExit(f"README.md: sections {missing} not found (the site is cut from them)")
    body = intro + "".join(f"## {name}\n{sections[name]}" for name in LANDING_SECTIONS)
    body += (f"\n## About this website\n\nThis site was built {MODES[mode]}. Widgets cannot "
             "run on a static page: each slider is shown as a picture or a short animation of "
             "what it does; open the notebook to use it.\n")
    toctree = "\n".join(p.stem for p in notebooks)
    body += (f"\n```{{toctree}}\n:maxdepth: 1\n:caption: Notebooks\n\n{toctree}\n```\n\n"
             f"```{{toctree}}\n:maxdepth: 1\n:caption: Measurements\n\nmeasurements\n```\n")
    return site_links(body, {p.name for p in notebooks}, src)


def measurements_page(notebooks: list[Path], src: Path) -> str:
    """measurements.md: the measurement record (docs/measurements.md) as a page."""
    return site_links(MEASUREMENTS.read_text(), {p.name for p in notebooks}, src)


def site_notebook(path: Path, executed: bool) -> str:
    """A notebook's text for the site: badge images local; executed ones must have outputs."""
    try:
        nb = json.loads(path.read_text())
        cells = nb["cells"]
    except (OSError, ValueError, KeyError) as error:
        raise SystemExit(f"{path}: not a readable notebook ({error})") from None
    code = [cell for cell in cells if cell.get("cell_type") == "code"]
    if executed and not any(cell.get("outputs") for cell in code):
        raise SystemExit(f"{path}: no cell has an output; --executed expects executed notebooks")
    if executed and not any("image/png" in output.get("data", {})
                            for cell in code for output in cell.get("outputs", [])):
        raise SystemExit(f"{path}: no figure among its outputs; was it executed with "
                         "MPLBACKEND=Agg? A kernel shows figures only with its inline backend")
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for remote, local in BADGES.items():
                source = source.replace(remote, local)
            cell["source"] = source
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def executed_size(texts) -> str:
    """"full" or "quick" when every executed notebook's setup cell printed that mode
    ("... | mode: full"), so that the landing page says which pictures it shows; else
    "executed" (notebooks executed elsewhere, size not known)."""
    sizes = {found.group(1) if found else None
             for found in (re.search(r"\| mode: (full|quick)\b", text) for text in texts)}
    return sizes.pop() if len(sizes) == 1 and None not in sizes else "executed"


def stage(mode: str, executed_dir: Path | None) -> Path:
    """Make (or refresh) the source folder Sphinx reads; return it."""
    src = BUILD / mode / "src"
    src.mkdir(parents=True, exist_ok=True)
    write_if_changed(src / "conf.py", (SITE_SOURCES / "conf.py").read_bytes())
    for asset in (SITE_SOURCES / "_static").iterdir():
        write_if_changed(src / "_static" / asset.name, asset.read_bytes())
    notebooks = course_notebooks()
    if executed_dir is not None:
        missing = [p.name for p in notebooks if not (executed_dir / p.name).is_file()]
        if missing:
            raise SystemExit(f"--executed {executed_dir}: missing executed notebooks {missing}")
    texts = {path.name: site_notebook(path if executed_dir is None else executed_dir / path.name,
                                      executed_dir is not None) for path in notebooks}
    if executed_dir is not None and not any("gan-static-widget" in t for t in texts.values()):
        raise SystemExit(f"--executed {executed_dir}: no widget has its picture; execute the "
                         "notebooks with GAN_UTILS_STATIC_SITE=1 (gan_utils.widgets)")
    size = mode if executed_dir is None else executed_size(texts.values())
    readme = (ROOT / "README.md").read_text()
    write_if_changed(src / "index.md", landing_page(readme, notebooks, size, src))
    write_if_changed(src / "measurements.md", measurements_page(notebooks, src))
    for name, text in texts.items():
        write_if_changed(src / name, text)
    return src


def kernel_environment(mode: str, cache: Path) -> dict[str, str]:
    """The environment Sphinx runs in, which the notebooks' kernels inherit."""
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel's inline backend, so figures are outputs
    env.pop("GAN_UTILS_QUICK", None)
    if mode == "quick":
        env["GAN_UTILS_QUICK"] = "1"
    if not env.get("GAN_UTILS_DATA") and SHARED_DATA.is_dir():
        env["GAN_UTILS_DATA"] = str(SHARED_DATA)
    env.update(GAN_UTILS_STATIC_SITE="1", TF_CPP_MIN_LOG_LEVEL="2",
               GAN_SITE_EXECUTION="off" if mode == "executed" else "cache",
               GAN_SITE_CACHE=str(cache), PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def folder_size(folder: Path) -> int:
    """Bytes of every file below ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build(mode: str, executed_dir: Path | None = None) -> Path:
    """Build the site in ``mode`` ("full", "quick" or "executed"); return the html folder."""
    if mode not in MODES or (mode == "executed") != (executed_dir is not None):
        raise ValueError(f"mode={mode!r}, executed_dir={executed_dir}: expected full or quick "
                         "without a folder, or executed with one")
    started = time.monotonic()
    src = stage(mode, executed_dir)
    out, cache = BUILD / mode / "html", BUILD / mode / "jupyter_cache"
    command = [sys.executable, "-m", "sphinx", "-b", "html", "--keep-going",
               "-d", str(BUILD / mode / "doctrees"), str(src), str(out)]
    print("+", " ".join(command), flush=True)
    status = subprocess.run(command, env=kernel_environment(mode, cache)).returncode
    if status != 0:
        raise SystemExit(f"sphinx-build failed (exit status {status}); its messages are above")
    pages = len(list(out.glob("*.html")))
    print(f"site ({mode}): {out / 'index.html'}, {pages} pages, "
          f"{folder_size(out) / 1e6:.1f} MB, built in {time.monotonic() - started:.0f} s")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true",
                       help="execute the notebooks in quick mode (GAN_UTILS_QUICK=1)")
    group.add_argument("--executed", type=Path, metavar="DIR",
                       help="build from the already executed notebooks in DIR, executing none")
    args = parser.parse_args(argv)
    if args.executed is not None and not args.executed.is_dir():
        parser.error(f"--executed {args.executed}: not a folder")
    mode = "executed" if args.executed else "quick" if args.quick else "full"
    build(mode, args.executed.resolve() if args.executed else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
