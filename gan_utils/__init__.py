"""gan_utils: the helper package of the open GAN course.

Modules, one job each (import the one you need; importing this package has no side
effects: it neither seeds, nor styles plots, nor touches TensorFlow).

Core modules, by kind, used by every lesson:

- ``runtime``  where am I, which accelerator, quick mode, seeding, precision, strategy
- ``data``     MNIST, Fashion-MNIST and CIFAR-10 from their own file formats or Keras
- ``conv``     convolution and transposed-convolution arithmetic
- ``losses``   GAN losses written as the notebooks write them
- ``models``   the course's generators and discriminators (architectures)
- ``pretrained`` the shipped generators by name, and a learner's saved generator
- ``train``    one resumable GAN training engine for every notebook
- ``metrics``  FID, KID and a classifier score that work offline
- ``classifiers`` the course's own classifiers, the offline feature extractors
- ``recipes``  how the shipped MNIST generators are trained and scored
- ``weights``  weights-only model files, rebuilt from code on any Keras 3
- ``viz``      image grids, training curves, GIFs, live views
- ``widgets``  what the interactive cells share: the front-end base, the website's pictures

Lesson modules, by concept, each holding one lesson's own code (pictures and widgets):

- ``toy``      notebooks 01-02: 1-D and 2-D toy GANs, their pictures and the playground
- ``convlab``  notebooks 03-04: convolution diagrams and size calculators
- ``latent``   notebooks 09-10: lerp, slerp, principal directions, latent explorers
"""

from __future__ import annotations

import pathlib as _pathlib

__version__ = "0.1.0"

#: The files shipped inside the package: generators, classifiers, model cards, samples.
ASSETS_DIR = _pathlib.Path(__file__).resolve().parent / "assets"

# The course repository, in one place: badges, the notebooks' setup cell and the
# README are generated from it (dev/course_notebook.py). A fork overrides the
# install source with the GAN_UTILS_SOURCE environment variable.
COURSE_REPOSITORY = "open-gan-course/gan-course"
COURSE_BRANCH = "main"
_OWNER, _NAME = COURSE_REPOSITORY.split("/")
#: Where GitHub Pages serves the course website (.github/workflows/ci.yml deploys it).
COURSE_SITE = f"https://{_OWNER}.github.io/{_NAME}/"


# The oldest version of each dependency the course is tested with: the same floors as
# pyproject.toml (a test keeps them equal), checked by check_versions() in every notebook.
# Each is at or below what Colab and Kaggle ship. (distribution name, module, floor)
FLOORS = (
    ("tensorflow", "tensorflow", "2.18.0"),
    ("keras", "keras", "3.11.0"),
    ("numpy", "numpy", "2.0.0"),
    ("scipy", "scipy", "1.13.0"),
    ("matplotlib", "matplotlib", "3.9.0"),
    ("pillow", "PIL", "10.0.0"),
    ("tqdm", "tqdm", "4.66.0"),
    ("ipywidgets", "ipywidgets", "7.7.1"),
    ("ipython", "IPython", "7.34.0"),
)


def version_tuple(version: str) -> tuple[int, ...]:
    """The leading numbers of a version string: "2.21.0rc1" -> (2, 21, 0), "3.13" -> (3, 13)."""
    numbers = []
    for part in version.split(".")[:3]:
        digits = ""
        for ch in part:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers)


def too_old(found: str, floor: str) -> bool:
    """Whether an installed version lies below a floor ("2.17.1" < "2.18.0"; "2.18" is not)."""
    have, need = version_tuple(found), version_tuple(floor)
    width = max(len(have), len(need))
    return have + (0,) * (width - len(have)) < need + (0,) * (width - len(need))


def check_versions() -> None:
    """Fail early, with one clear message, on a dependency older than the course supports.

    Reads each package's own ``__version__`` (so TensorFlow counts whichever distribution
    provides it: tensorflow, tensorflow-cpu, tf-nightly) and insists on Keras 3.
    """
    import importlib

    old = []
    for distribution, module, floor in FLOORS:
        found = getattr(importlib.import_module(module), "__version__", "0")
        if distribution == "keras" and version_tuple(found)[:1] != (3,):
            raise RuntimeError(f"Keras {found} found: the course needs Keras 3 "
                               f"(pip install -U 'keras>={floor},<4'); legacy tf_keras is not "
                               "supported.")
        if too_old(found, floor):
            old.append((distribution, found, floor))
    if old:
        listed = ", ".join(f"{name} {found} (needs {floor}+)" for name, found, floor in old)
        upgrade = " ".join(f"'{name}>={floor}'" for name, _, floor in old)
        raise RuntimeError(f"Too old for the course: {listed}. Upgrade with: "
                           f"pip install -U {upgrade}, then restart the kernel.")


def start() -> None:
    """The end of every notebook's setup cell: check the versions, then print one line on
    where this kernel runs (platform, accelerator, TensorFlow and Keras, mode)."""
    from gan_utils import runtime

    check_versions()
    print(runtime.describe())
