"""The lesson template every notebook follows (issue 36), each rule a function.

Each rule takes a notebook's cells (plain dicts, as in the .ipynb file) and returns what
breaks it, as sentences (empty: nothing). It is tested first on small synthetic cells, one
passing and one failing example at least, then applied to every notebooks/NN_*.ipynb.

- prose: at most 2,000 words of markdown (``len(text.split())`` over all markdown cells);
- code: no code cell over 35 lines, no code line over 88 characters;
- no lab notes: no CPU model or instruction set, date, commit, tool command path, CI,
  CPU-seconds or trial history in what a learner reads (see :func:`lab_notes`);
- quick mode is mentioned only in a code cell that branches on it;
- exactly one ``**Time:** about ...`` line, in the first markdown cells;
- the last two sections are ``## Summary`` (3 to 6 bullets) then ``## Next`` (a link to
  the next notebook; the last notebook links to further reading);
- the notebooks are numbered 01, 02, ... without gaps.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

MAX_WORDS = 2_000
MAX_CELL_LINES = 35
MAX_LINE_CHARS = 88

# Lab notes, in the text a learner reads: markdown, and the comments and string literals
# of code. The stop hook's pattern plus CI, the other tool folders and trial history.
# A path such as /dev/null, which code may genuinely need, is not a lab note: "dev/" and
# "scripts/" count only where no "/" or letter comes before them. "commit" counts in any
# case ("Commit 1a2b"), the acronyms only in capitals.
LAB_NOTE = re.compile(
    r"EPYC|Xeon|AVX|AMX|\b20\d\d-\d\d-\d\d\b|tools/|(?<![\w/])(?:scripts|dev)/|CPU-s\b"
    r"|CPU[- ]seconds|\b[Cc][Oo][Mm][Mm][Ii][Tt]\b|\bCI\b"
    r"|\b[Ww]e tried\b|\b[Ii]n our (?:\w+ )?runs\b")
QUICK_MODE = re.compile(r"quick[ _-]mode|GAN_UTILS_QUICK", re.I)
BRANCHES_ON_QUICK_MODE = re.compile(r"\bquick_mode\(|\bruntime\.full_or_quick\(|GAN_UTILS_QUICK")
TIME_LINE = re.compile(r"^\*\*Time:\*\* (?:about \d+(?:[-–]\d+)?|under 1) min on a 2-core CPU; "
                       r"on a Colab T4 GPU, (?:not measured yet|about \d+(?:[-–]\d+)? min)\.$")
TIME_START = re.compile(r"^\s*\*\*Time:\*\*")
TIME_IN_FIRST = 3  # the time line is in one of the notebook's first 3 markdown cells
SECTION = re.compile(r"^## +(.+?)\s*$", re.M)
BULLET = re.compile(r"^[-*] +\S", re.M)
NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _kind(cells: list[dict], kind: str) -> list[tuple[int, str]]:
    return [(i, _text(cell)) for i, cell in enumerate(cells) if cell["cell_type"] == kind]


def prose_words(cells: list[dict]) -> int:
    return sum(len(text.split()) for _, text in _kind(cells, "markdown"))


def prose_problems(cells: list[dict], limit: int = MAX_WORDS) -> list[str]:
    words = prose_words(cells)
    return [f"{words:,} words of markdown prose, over {limit:,}"] if words > limit else []


def code_size_problems(cells: list[dict], max_lines: int = MAX_CELL_LINES,
                       max_chars: int = MAX_LINE_CHARS) -> list[str]:
    """Code cells over ``max_lines`` lines, and code lines over ``max_chars`` characters."""
    problems = []
    for i, text in _kind(cells, "code"):
        lines = text.splitlines()
        if len(lines) > max_lines:
            problems.append(f"cell {i}: {len(lines)} lines of code, over {max_lines}")
        for number, line in enumerate(lines, 1):
            if len(line) > max_chars:
                problems.append(f"cell {i}, line {number}: {len(line)} characters, over "
                                f"{max_chars}: {line.strip()[:60]}")
    return problems


def readable_text(code: str) -> str:
    """The comments and string literals of a code cell: what a learner reads in it. IPython
    lines (``%pip``, ``!ls``) are dropped first; code that still cannot be tokenized is
    read whole."""
    plain = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                      for line in code.splitlines())
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(plain + "\n").readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return code
    kinds = {tokenize.COMMENT, tokenize.STRING}
    for name in ("FSTRING_MIDDLE",):  # f-strings' text is its own token since Python 3.12
        if hasattr(tokenize, name):
            kinds.add(getattr(tokenize, name))
    return "\n".join(token.string for token in tokens if token.type in kinds)


def lab_notes(cells: list[dict]) -> list[str]:
    """Every lab-note match in markdown cells and in the comments and strings of code."""
    problems = []
    for i, cell in enumerate(cells):
        text = _text(cell)
        readable = readable_text(text) if cell["cell_type"] == "code" else text
        for match in LAB_NOTE.finditer(readable):
            start = max(0, match.start() - 30)
            context = readable[start:match.end() + 30].replace("\n", " ")
            problems.append(f"cell {i}: lab note {match.group()!r} in '...{context}...'")
    return problems


def quick_mode_problems(cells: list[dict]) -> list[str]:
    """Quick mode is named only in code cells that branch on it."""
    problems = []
    for i, cell in enumerate(cells):
        text = _text(cell)
        if not QUICK_MODE.search(text):
            continue
        if cell["cell_type"] != "code" or not BRANCHES_ON_QUICK_MODE.search(text):
            problems.append(f"cell {i}: names quick mode but does not branch on it")
    return problems


def time_line_problems(cells: list[dict]) -> list[str]:
    """Exactly one time line in the whole notebook, in the template's form, in one of the
    first ``TIME_IN_FIRST`` markdown cells."""
    found = [(rank, line) for rank, (_, text) in enumerate(_kind(cells, "markdown"))
             for line in text.splitlines() if TIME_START.match(line)]
    if len(found) != 1:
        return [f"{len(found)} '**Time:**' lines, expected exactly one"]
    rank, line = found[0]
    problems = []
    if not TIME_LINE.match(line.strip()):
        problems.append(f"time line {line.strip()!r} is not '**Time:** about N min on a "
                        "2-core CPU; on a Colab T4 GPU, not measured yet.' (or 'about M min.')")
    if rank >= TIME_IN_FIRST:
        problems.append(f"the time line is in markdown cell {rank + 1}, not in the first "
                        f"{TIME_IN_FIRST}")
    return problems


def ending_problems(cells: list[dict], next_notebook: str | None) -> list[str]:
    """The last two '## ' sections are Summary (3 to 6 bullets) and Next, with no code
    after '## Summary'. Next links to ``next_notebook`` (a file name) or, for the last
    notebook (None), to at least one page of further reading."""
    sections = []  # (cell index, title, text of the section within its cell)
    for i, text in _kind(cells, "markdown"):
        heads = list(SECTION.finditer(text))
        for k, head in enumerate(heads):
            end = heads[k + 1].start() if k + 1 < len(heads) else len(text)
            sections.append((i, head.group(1), text[head.end():end]))
    if [title for _, title, _ in sections[-2:]] != ["Summary", "Next"]:
        return [f"the last sections are {[title for _, title, _ in sections[-2:]]}, "
                "expected ['Summary', 'Next']"]
    (summary_cell, _, summary), (_, _, following) = sections[-2:]
    problems = []
    if any(cell["cell_type"] == "code" for cell in cells[summary_cell:]):
        problems.append("code after '## Summary'")
    bullets = len(BULLET.findall(summary))
    if not 3 <= bullets <= 6:
        problems.append(f"'## Summary' has {bullets} bullets, expected 3 to 6")
    # a markdown link whose target is the next notebook, relative (no scheme, no folder)
    if next_notebook and not re.search(rf"\]\((?:\./)?{re.escape(next_notebook)}\)",
                                       following):
        problems.append(f"'## Next' has no relative link to {next_notebook}")
    if next_notebook is None and not re.search(r"\]\(https?://", following):
        problems.append("'## Next' of the last notebook links to no further reading")
    return problems


def numbering_problems(names: list[str]) -> list[str]:
    """Notebook files named NN_words.ipynb, numbered 01, 02, ... without gaps or twins."""
    numbers, problems = [], []
    for name in names:
        match = NAME.match(name)
        if not match:
            problems.append(f"{name}: not named NN_words.ipynb")
        else:
            numbers.append(int(match.group(1)))
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        problems.append(f"numbered {sorted(numbers)}, expected 1 to {len(numbers)}")
    return problems


# ------------------------------------------------------------------ the rules, tested

def md(text: str) -> dict:
    return {"cell_type": "markdown", "source": text}


def code(text: str) -> dict:
    return {"cell_type": "code", "source": text}


TIME = "**Time:** about 12 min on a 2-core CPU; on a Colab T4 GPU, not measured yet."
SUMMARY = md("## Summary\n\n- one\n- two\n- three")
NEXT = md("## Next\n\n[04 · Transposed convolutions](04_transposed_convolutions.ipynb)")


def test_prose_counts_markdown_words_only():
    cells = [md("one two three"), code("print('four five six seven')"), md("four\nfive")]
    assert prose_words(cells) == 5
    assert prose_problems(cells, limit=5) == []
    assert prose_problems(cells, limit=4) == ["5 words of markdown prose, over 4"]


def test_code_size_flags_long_cells_and_long_lines():
    assert code_size_problems([code("x = 1\n" * 35), code("y" * 88)]) == []
    problems = code_size_problems([md("z" * 200), code("x = 1\n" * 36), code("y" * 89)])
    assert problems == ["cell 1: 36 lines of code, over 35",
                        "cell 2, line 1: 89 characters, over 88: " + "y" * 60]


@pytest.mark.parametrize("text", [
    "Measured on an AMD EPYC", "an Intel Xeon", "with AVX-512", "AMX tiles",
    "on 2026-12-03", "run `python tools/run_full_size.py`", "see scripts/train.py",
    "dev/bench.py", "42 CPU-s", "120 CPU seconds", "at commit cb981b6",
    "Commit a1b2 changed it", "the CI job", "We tried a smaller batch",
    "in our CPU runs the share swung"])
def test_lab_notes_are_found_in_markdown(text):
    assert lab_notes([md(text)]) != [], text


@pytest.mark.parametrize("text", [
    "Adam's β₁ = 0.5, as in the DCGAN paper (Radford et al., 2016).",
    "the confidence interval (a CIFAR-10 class)", "committed to memory",
    "the standard deviation, stddev/2", "writes to /dev/null", "a 2-core CPU"])
def test_lessons_may_say_what_is_not_a_lab_note(text):
    assert lab_notes([md(text)]) == [], text


def test_lab_notes_in_code_are_its_comments_and_strings_only():
    # identifiers and real paths are code; a comment or a printed sentence is read
    assert lab_notes([code("AVX = cpu_flags()\nopen('/dev/null', 'w')\nci = 0.95")]) == []
    assert lab_notes([code("x = 1  # on an EPYC this takes 3 s")]) != []
    assert lab_notes([code("print(f'measured {x} on 2026-12-01')")]) != []
    assert lab_notes([code("%pip install -q gan_utils\nprint('see tools/x.py')")]) != []
    assert lab_notes([code("%pip install -q gan_utils\nx = 1")]) == []


def test_quick_mode_is_named_only_where_a_cell_branches_on_it():
    assert quick_mode_problems([
        code("STEPS = runtime.full_or_quick(1000, 5)  # quick mode trains 5 steps"),
        code("if runtime.quick_mode():  # quick mode: the pretrained G\n    G = g")]) == []
    assert quick_mode_problems([md("In quick mode (CI) this trains 5 steps.")]) == [
        "cell 0: names quick mode but does not branch on it"]
    assert quick_mode_problems([code("x = 1  # quick mode skips this")]) != []


def test_time_line_is_one_line_of_the_template_form_near_the_top():
    title = md("# 04 · A title")
    assert time_line_problems([title, code("setup"), md(f"Intro.\n\n{TIME}")]) == []
    measured = TIME.replace("not measured yet", "about 3 min")
    assert time_line_problems([title, md(measured)]) == []
    short = "**Time:** under 1 min on a 2-core CPU; on a Colab T4 GPU, not measured yet."
    assert time_line_problems([title, md(short)]) == []   # as write_measurements.py says it
    assert time_line_problems([title, md("Intro.")]) == [
        "0 '**Time:**' lines, expected exactly one"]
    assert time_line_problems([title, md(TIME), md(TIME)]) == [
        "2 '**Time:**' lines, expected exactly one"]
    assert "is not '**Time:** about N min" in time_line_problems(
        [title, md("**Time:** about 12 minutes on a laptop.")])[0]
    late = [title, md("a"), md("b"), md(TIME)]
    assert time_line_problems(late) == [
        "the time line is in markdown cell 4, not in the first 3"]


def test_ending_is_summary_then_next_with_a_link():
    lesson = [md("# 03 · Title"), code("x = 1"), md("## Exercises"), code("check()")]
    assert ending_problems([*lesson, SUMMARY, NEXT], "04_transposed_convolutions.ipynb") == []
    one_cell = md(SUMMARY["source"] + "\n\n" + NEXT["source"])
    assert ending_problems([*lesson, one_cell], "04_transposed_convolutions.ipynb") == []
    assert ending_problems([*lesson, SUMMARY], "04_transposed_convolutions.ipynb") == [
        "the last sections are ['Exercises', 'Summary'], expected ['Summary', 'Next']"]
    assert ending_problems([*lesson, NEXT, SUMMARY], "x.ipynb")[0].startswith(
        "the last sections are ['Next', 'Summary']")
    two = md("## Summary\n\n- one\n- two")
    seven = md("## Summary\n\n" + "\n".join(f"- point {k}" for k in range(7)))
    assert ending_problems([two, NEXT], "04_transposed_convolutions.ipynb") == [
        "'## Summary' has 2 bullets, expected 3 to 6"]
    assert ending_problems([seven, NEXT], "04_transposed_convolutions.ipynb") == [
        "'## Summary' has 7 bullets, expected 3 to 6"]
    assert ending_problems([SUMMARY, code("x = 1"), NEXT],
                           "04_transposed_convolutions.ipynb") == ["code after '## Summary'"]
    assert ending_problems([SUMMARY, NEXT], "05_mlp_gan_mnist.ipynb") == [
        "'## Next' has no relative link to 05_mlp_gan_mnist.ipynb"]
    reading = md("## Next\n\n- [the DCGAN paper](https://arxiv.org/abs/1511.06434)")
    assert ending_problems([SUMMARY, reading], None) == []
    assert ending_problems([SUMMARY, NEXT], None) == [
        "'## Next' of the last notebook links to no further reading"]


def test_numbering_has_no_gaps():
    assert numbering_problems(["01_a.ipynb", "02_b_c.ipynb", "03_d.ipynb"]) == []
    assert numbering_problems(["01_a.ipynb", "03_d.ipynb"]) == [
        "numbered [1, 3], expected 1 to 2"]
    assert numbering_problems(["01_a.ipynb", "01_b.ipynb"]) == [
        "numbered [1, 1], expected 1 to 2"]
    assert numbering_problems(["01_a.ipynb", "2_b.ipynb"]) == [
        "2_b.ipynb: not named NN_words.ipynb"]


# ------------------------------------------------------------------ every notebook

def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _next_name(path: Path) -> str | None:
    later = [other.name for other in NOTEBOOKS if other.name[:2] > path.name[:2]]
    return later[0] if later else None


def test_notebooks_are_numbered_without_gaps():
    names = [path.name for path in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    assert numbering_problems(names) == []


RULES = {"prose": prose_problems, "code size": code_size_problems, "lab notes": lab_notes,
         "quick mode": quick_mode_problems, "time line": time_line_problems}


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_follows_the_template(path, rule):
    assert RULES[rule](_cells(path)) == [], path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_ends_with_summary_and_next(path):
    assert ending_problems(_cells(path), _next_name(path)) == [], path.name
