"""gan_utils: the helper package of the open GAN course.

Modules, one job each (import the one you need; importing this package has no side
effects: it neither seeds, nor styles plots, nor touches TensorFlow):

- ``runtime``  where am I, which accelerator, quick mode, seeding, precision, strategy
- ``data``     MNIST, Fashion-MNIST and CIFAR-10 from their own file formats or Keras
- ``conv``     convolution and transposed-convolution arithmetic
- ``losses``   GAN losses written as the notebooks write them
- ``models``   the course's generators and discriminators
- ``train``    one resumable GAN training engine for every notebook
- ``metrics``  FID, KID and a classifier score that work offline
- ``weights``  weights-only model files, rebuilt from code on any Keras 3
- ``viz``      image grids, training curves, animations, live views
- ``widgets``  ipywidgets front ends for the interactive cells
"""

from __future__ import annotations

__version__ = "0.1.0"

# The course repository, in one place: badges, the notebooks' setup cell and the
# README are generated from it (tools/course_notebook.py). A fork overrides the
# install source with the GAN_UTILS_SOURCE environment variable.
COURSE_REPOSITORY = "open-gan-course/gan-course"
COURSE_BRANCH = "main"


def check_versions() -> None:
    """Fail early, with a clear message, on a TensorFlow or Keras the course does not support."""
    import keras
    import tensorflow as tf

    def major_minor(version: str) -> tuple[int, int]:
        major, minor = version.split(".")[:2]
        return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)

    if major_minor(tf.__version__) < (2, 16):
        raise RuntimeError(f"TensorFlow {tf.__version__} is too old: the course needs 2.16+ "
                           "(pip install -U 'tensorflow>=2.16').")
    if major_minor(keras.__version__)[0] != 3:
        raise RuntimeError(f"Keras {keras.__version__} found: the course needs Keras 3 "
                           "(pip install -U 'keras>=3.3'); legacy tf_keras is not supported.")
