"""The GitHub Actions workflow (.github/workflows/ci.yml): valid against GitHub's own
workflow schema (check-jsonschema's vendored copy, offline), and it runs what the README
promises (.ci/run on every push and pull request, the site on main).

actionlint would check more (expressions, shell), but its PyPI wrapper ships only a source
package that downloads the binary while building, which fails without a network."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _schema_errors(path: Path) -> str:
    """check-jsonschema's report on a workflow file against GitHub's schema ('' if valid)."""
    pytest.importorskip("check_jsonschema", reason="check-jsonschema (requirements.txt)")
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                             "vendor.github-workflows", str(path)],
                            capture_output=True, text=True, timeout=120)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def test_the_workflow_is_valid_against_githubs_schema():
    assert _schema_errors(WORKFLOW) == ""


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "ci.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "run-on:", 1))
    assert "run-on" in _schema_errors(broken) or "runs-on" in _schema_errors(broken)


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
