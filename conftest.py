"""Test-session settings shared by the unit tests and nbval.

Set before any notebook kernel starts (kernels inherit this environment):
quick mode (CI-sized notebooks), a non-interactive matplotlib backend, quieter
TensorFlow logs, and the datasets: GAN_UTILS_DATA when set, else ../shared/datasets when
it exists, else keras.datasets' downloads (the header of the test run says which).
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SHARED_DATA = ROOT.parent / "shared" / "datasets"

os.environ.setdefault("GAN_UTILS_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if "GAN_UTILS_DATA" not in os.environ and SHARED_DATA.is_dir():
    os.environ["GAN_UTILS_DATA"] = str(SHARED_DATA)


def pytest_report_header(config) -> str:
    """Where the tests' datasets come from."""
    if "GAN_UTILS_DATA" in os.environ:
        return f"datasets: GAN_UTILS_DATA={os.environ['GAN_UTILS_DATA']}"
    return ("datasets: no GAN_UTILS_DATA and no ../shared/datasets: keras.datasets downloads "
            "them (tests that need real data skip without a network)")


def pytest_collection_modifyitems(config, items) -> None:
    """Notebooks (nbval) and browser tests belong to the slow tier."""
    import pytest

    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.notebooks)
        if item.get_closest_marker("notebooks") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
