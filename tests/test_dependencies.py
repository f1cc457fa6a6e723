"""Dependency floors: one set of numbers, at or below what Colab and Kaggle ship.

pyproject.toml declares the floors; requirements.txt and gan_utils.check_versions() must say
the same; installing gan_utils on Colab or Kaggle must upgrade nothing, so no floor may lie
above the platforms' own versions (their published package lists in ../shared/platforms).
.ci/run's colab, kaggle and lowest jobs then install and run them for real.
"""

import importlib.util
import re
import sys
import types
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

import gan_utils

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = ROOT.parent / "shared" / "platforms"

spec = importlib.util.spec_from_file_location("platform_job", ROOT / ".ci" / "platform_job.py")
platform_job = importlib.util.module_from_spec(spec)
spec.loader.exec_module(platform_job)


def floors_of(requirements) -> dict[str, Version]:
    """{canonical name: floor} of requirement strings with a ``>=`` bound."""
    floors = {}
    for text in requirements:
        requirement = Requirement(text)
        for spec_ in requirement.specifier:
            if spec_.operator == ">=":
                floors[platform_job.canonical(requirement.name)] = Version(spec_.version)
    return floors


PYPROJECT = (ROOT / "pyproject.toml").read_text()
DECLARED = floors_of(re.findall(r'^\s+"([^"]+)",', PYPROJECT.split("dependencies = [")[1]
                                .split("]")[0], re.M))


def test_pyproject_declares_a_floor_for_every_dependency():
    assert set(DECLARED) == {"tensorflow", "keras", "numpy", "scipy", "matplotlib", "pillow",
                             "tqdm", "ipywidgets", "ipython"}
    assert platform_job.pyproject_floors() == {name: str(v) for name, v in DECLARED.items()}


def test_requirements_txt_and_check_versions_use_the_same_floors():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text()
             .splitlines()]
    required = floors_of(line for line in lines if line and not line.startswith("-"))
    assert {name: required[name] for name in DECLARED} == DECLARED
    checked = {platform_job.canonical(dist): Version(floor)
               for dist, _, floor in gan_utils.FLOORS}
    assert checked == DECLARED


def test_python_310_to_313_declared():
    assert 'requires-python = ">=3.10"' in PYPROJECT
    declared = re.findall(r"Programming Language :: Python :: (3\.\d+)", PYPROJECT)
    assert declared == ["3.10", "3.11", "3.12", "3.13"]
    assert platform_job.requires_python_floor() == "3.10"


def platform_versions(job: str) -> dict[str, str]:
    if not PLATFORMS.is_dir():
        pytest.skip(f"{PLATFORMS} (the platforms' package lists) is not on this machine")
    return platform_job.job_settings(job)[1]


@pytest.mark.parametrize("job", ["colab", "kaggle"])
def test_no_floor_lies_above_what_the_platform_ships(job):
    ships = platform_versions(job)
    above = {name: f"floor {floor} > {job}'s {ships[name]}" for name, floor in DECLARED.items()
             if Version(ships[name]) < floor}
    assert not above


def test_the_platforms_constraints_hold_their_known_versions():
    colab, kaggle = platform_versions("colab"), platform_versions("kaggle")
    assert (colab["ipython"], colab["ipywidgets"], colab["keras"]) == ("7.34.0", "7.7.1",
                                                                       "3.13.2")
    # Kaggle: Colab's May base, then Kaggle's own pins win, and what they move is not pinned.
    assert (kaggle["ipywidgets"], kaggle["nbconvert"], kaggle["numpy"]) == ("8.1.5", "6.4.5",
                                                                            "2.0.2")
    assert "widgetsnbextension" not in kaggle and "nbclient" not in kaggle


def test_install_changes_lists_changed_and_removed_packages_only():
    before = {"numpy": "2.1.3", "ipython": "7.34.0", "tqdm": "4.67.3"}
    after = {"numpy": "2.1.3", "ipython": "9.18.1", "gan-utils": "0.1.0"}
    assert platform_job.changes(before, after) == ["changed ipython 7.34.0 -> 9.18.1",
                                                    "removed tqdm 4.67.3"]
    assert platform_job.changes(before, {**before, "gan-utils": "0.1.0"}) == []


@pytest.mark.parametrize(("found", "floor", "old"), [
    ("2.17.1", "2.18.0", True), ("2.18", "2.18.0", False), ("2.21.0rc1", "2.18.0", False),
    ("3.13.2", "3.5.0", False), ("7.7.1", "8.1", True), ("10.0.0", "7.34.0", False),
])
def test_too_old_compares_numbers_not_strings(found, floor, old):
    assert gan_utils.too_old(found, floor) is old


def test_check_versions_names_every_package_that_is_too_old(monkeypatch):
    # tqdm is faked old; Pillow's floor is raised past any release (faking PIL itself would
    # leave a fake behind in modules that import it during the check, such as matplotlib's).
    import PIL

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(__version__="4.60.0"))
    monkeypatch.setattr(gan_utils, "FLOORS", tuple(
        (name, module, "99.0.0" if name == "pillow" else floor)
        for name, module, floor in gan_utils.FLOORS))
    with pytest.raises(RuntimeError) as failure:
        gan_utils.check_versions()
    message = str(failure.value)
    assert f"pillow {PIL.__version__} (needs 99.0.0+)" in message
    assert "tqdm 4.60.0 (needs 4.66.0+)" in message
    assert "pip install -U 'pillow>=99.0.0' 'tqdm>=4.66.0'" in message


def test_check_versions_insists_on_keras_3(monkeypatch):
    monkeypatch.setitem(sys.modules, "keras", types.SimpleNamespace(__version__="2.15.0"))
    with pytest.raises(RuntimeError, match="needs Keras 3"):
        gan_utils.check_versions()
