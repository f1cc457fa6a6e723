"""The course's own classifiers: the offline feature extractors behind FID, KID and the
classifier score.

One small CNN (:func:`build_classifier`), trained on MNIST and on CIFAR-10 by
``scripts/assets/train_classifier.py`` and shipped as weights files in
``gan_utils/assets`` with a model card each (:data:`COURSE_CLASSIFIERS`). The measures that
use them are :mod:`gan_utils.metrics`' (``metrics.course_classifier`` loads one, once).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from gan_utils import ASSETS_DIR

MNIST_CLASSIFIER_PATH = ASSETS_DIR / "mnist_classifier.weights.npz"
#: Name of the classifier layer whose output is the feature vector for FID and KID.
FEATURE_LAYER = "features"
#: Name of the classifier's last layer (10 logits, one per class).
LOGITS_LAYER = "logits"
#: Width of the feature vector (the classifier's penultimate, pre-activation dense layer).
MNIST_FEATURE_DIM = 128
MNIST_IMAGE_SHAPE = (28, 28, 1)
CIFAR10_CLASSIFIER_PATH = ASSETS_DIR / "cifar10_classifier.weights.npz"
CIFAR10_FEATURE_DIM = 128
CIFAR10_IMAGE_SHAPE = (32, 32, 3)


def build_classifier(feature_dim: int = MNIST_FEATURE_DIM, dropout: float = 0.3,
                     image_shape: tuple[int, int, int] = MNIST_IMAGE_SHAPE,
                     name: str = "mnist_classifier"):
    """The course classifiers' network: images in [-1, 1] -> 10 logits; its layer
    ``features`` feeds FID/KID.

    3x3 convolutions with batch norm and ReLU: 32 channels at full size (28x28 for
    MNIST), 2x2 max pooling, 64-64 at half size, max pooling, 128 at a quarter; global
    average pooling; then the ``features`` dense layer (pre-activation, so its outputs are
    continuous rather than half zeros) and the logits. The shipped weights files hold
    only weights: :func:`gan_utils.metrics.course_classifier` rebuilds this network and
    loads them into it.
    """
    import keras
    from keras import layers

    def conv_bn_relu(x, filters: int, name: str):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
        return layers.ReLU(name=f"{name}_relu")(x)

    inputs = keras.Input(tuple(image_shape), name="image")
    x = conv_bn_relu(inputs, 32, "block1")
    x = layers.MaxPooling2D(name="pool1")(x)                 # 14x14
    x = conv_bn_relu(x, 64, "block2a")
    x = conv_bn_relu(x, 64, "block2b")
    x = layers.MaxPooling2D(name="pool2")(x)                 # 7x7
    x = conv_bn_relu(x, 128, "block3")
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    features = layers.Dense(feature_dim, name=FEATURE_LAYER)(x)
    x = layers.ReLU(name="features_relu")(features)
    x = layers.Dropout(dropout, name="dropout")(x)
    logits = layers.Dense(10, name=LOGITS_LAYER)(x)
    return keras.Model(inputs, logits, name=name)


#: How a classifier's weights file names its builder (checked when it is loaded; the
#: shipped files record this name).
CLASSIFIER_BUILDER = "gan_utils.metrics.build_classifier"


class CourseClassifier(NamedTuple):
    """Where one of the course's classifiers lives, what it reads, and who builds it."""

    path: Path
    image_shape: tuple[int, int, int]
    feature_dim: int
    script: str


#: The course's offline classifiers, by dataset name (also the ``features=`` names).
COURSE_CLASSIFIERS = {
    "mnist": CourseClassifier(MNIST_CLASSIFIER_PATH, MNIST_IMAGE_SHAPE, MNIST_FEATURE_DIM,
                               "scripts/assets/train_classifier.py --dataset mnist"),
    "cifar10": CourseClassifier(CIFAR10_CLASSIFIER_PATH, CIFAR10_IMAGE_SHAPE,
                                 CIFAR10_FEATURE_DIM,
                                 "scripts/assets/train_classifier.py --dataset cifar10"),
}


def registry_entry(dataset: str) -> CourseClassifier:
    """The registry entry of a course classifier, or a ValueError naming the choices."""
    if dataset not in COURSE_CLASSIFIERS:
        raise ValueError(f"dataset={dataset!r}: expected one of {sorted(COURSE_CLASSIFIERS)}")
    return COURSE_CLASSIFIERS[dataset]


def classifier_builder_args(dataset: str) -> dict:
    """The :func:`build_classifier` arguments of the course classifier for ``dataset``;
    a weights file records them and loading checks them."""
    entry = registry_entry(dataset)
    return {"feature_dim": entry.feature_dim, "image_shape": list(entry.image_shape),
            "name": f"{dataset}_classifier"}


def save_classifier(model, path: str | Path, dataset: str) -> Path:
    """Write a trained course classifier's weights (no optimizer state) to ``path``
    (``.weights.npz``), in the format :func:`load_classifier` reads on any Keras 3."""
    from gan_utils import weights

    return weights.save(model, path, builder=CLASSIFIER_BUILDER,
                        builder_args=classifier_builder_args(dataset))


def load_classifier(path: str | Path, dataset: str = "mnist"):
    """The course classifier for ``dataset`` rebuilt from code (float32) with the weights in
    ``path``; a file that does not fit raises ``gan_utils.weights.WeightsFileError``."""
    from gan_utils import weights

    script = registry_entry(dataset).script
    return weights.build_and_load(
        build_classifier, path, builder=CLASSIFIER_BUILDER,
        builder_args=classifier_builder_args(dataset),
        remedy=weights.shipped_file_remedy(f"python {script}"))
