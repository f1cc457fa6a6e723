"""The Python code of the course is ruff-clean (configuration in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (it comes with requirements.txt)")
    result = subprocess.run([ruff, "check", "gan_utils", "tests", "benchmarks", "scripts", "dev",
                             "research", ".ci", "conftest.py"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_gan_utils_has_no_side_effects():
    """No seeding, no matplotlib styling, no TensorFlow import on `import gan_utils`."""
    code = ("import sys, gan_utils, gan_utils.runtime, gan_utils.viz; "
            "print('tensorflow' in sys.modules, 'matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
