"""Test-session settings shared by the unit tests and nbval.

Set before any notebook kernel starts (kernels inherit this environment):
quick mode (CI-sized notebooks), a non-interactive matplotlib backend, quieter
TensorFlow logs, and the offline datasets in ../shared/datasets when they exist.
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
