"""How good are the generated images? FID, KID, a classifier score and a class histogram.

All of these compare *features* of generated images with features of real ones:

- :func:`frechet_distance` / :func:`fid`: fit a Gaussian to each feature set and take
  the Fréchet (2-Wasserstein) distance between the two Gaussians (lower is better);
- :func:`kid`: the unbiased squared MMD with the cubic polynomial kernel, averaged over
  random subsets (lower is better, about 0 for one distribution, and unbiased, so it can
  be compared across sample sizes where FID cannot);
- :func:`classifier_score`: the MNIST analogue of the Inception Score,
  ``exp(E_x KL(p(y|x) || p(y)))``: 1 (worst) to the number of classes (best);
- :func:`class_histogram` / :func:`plot_class_histogram`: how many samples fall in each
  class, which shows mode collapse as missing classes.

Features come from one function, :func:`features` (``kind="mnist"``, ``"cifar10"`` or
``"inception"``), and classes from one, :func:`classify` (probabilities, or labels with
``labels=True``). The ``"mnist"`` features are those of a small MNIST classifier trained
by ``scripts/assets/train_classifier.py --dataset mnist`` and shipped with the package
(:func:`course_classifier`), so everything works offline. Its FIDs are *MNIST-classifier
FIDs*: comparable with each other, not with published (InceptionV3) FIDs. For colour
images, ``scripts/assets/train_classifier.py --dataset cifar10`` trains the same small network
on CIFAR-10
(``kind="cifar10"``): a CIFAR-10-classifier FID, again not comparable with published
CIFAR-10 FIDs. Where a network is available, ``kind="inception"`` gives the standard
InceptionV3 features. Each network is loaded once and kept in the module's one cache,
which also holds the references of the last few real sets (:func:`clear_cache` empties
it).

Images are accepted as uint8 in [0, 255] (what the datasets hold) or as floats in
[-1, 1] (what the generators output), with or without the channel axis; both are
mapped to float32 in [-1, 1], the range the classifier was trained on.

A number alone says little, so :func:`evaluate_generator` prints every score next to two
references on the same real data: real vs real (two disjoint halves) and real vs noise.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from gan_utils._validate import positive_int
from gan_utils.classifiers import (
    COURSE_CLASSIFIERS,
    FEATURE_LAYER,
    load_classifier,
    registry_entry,
)

INCEPTION_SIZE = 299
#: How far outside [-1, 1] float images may stray (round-off) before they are refused.
_RANGE_TOLERANCE = 1e-3


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------

def _check_features(features, name: str, min_samples: int = 2) -> np.ndarray:
    """Return ``features`` as a float64 (N, D) array, or raise a ValueError naming ``name``."""
    array = np.asarray(features)
    if array.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (samples, features), "
                         f"got shape {array.shape}")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"{name}: expected numbers, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    if array.shape[0] < min_samples:
        raise ValueError(f"{name}: {array.shape[0]} samples, need at least {min_samples}")
    return array


def _check_same_width(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise unless two feature arrays have the same number of columns."""
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{name_a} has {a.shape[1]} features per sample but {name_b} has "
                         f"{b.shape[1]}: both must come from the same feature extractor")


def to_signed_images(images, name: str = "images",
                     image_shape: tuple[int, int, int] | None = None) -> np.ndarray:
    """Images as float32 NHWC in [-1, 1], from uint8 [0, 255] or float [-1, 1].

    A missing channel axis ((N, H, W)) is added. ``image_shape`` (H, W, C), when given,
    is checked. Floats outside [-1, 1] are refused rather than guessed at: a float
    image in [0, 255] would otherwise be silently clipped into a white page.
    """
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[..., None]
    if array.ndim != 4:
        raise ValueError(f"{name}: expected shape (N, H, W) or (N, H, W, C), "
                         f"got {np.shape(images)}")
    if array.shape[0] == 0:
        raise ValueError(f"{name}: the batch is empty")
    if image_shape is not None and tuple(array.shape[1:]) != tuple(image_shape):
        raise ValueError(f"{name}: expected images of shape {tuple(image_shape)}, "
                         f"got {tuple(array.shape[1:])}")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 127.5 - 1.0
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{name}: expected uint8 in [0, 255] or floats in [-1, 1], "
                         f"got dtype {array.dtype}")
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    low, high = float(array.min()), float(array.max())
    if low < -1 - _RANGE_TOLERANCE or high > 1 + _RANGE_TOLERANCE:
        raise ValueError(f"{name}: float images must lie in [-1, 1] (found [{low:.3g}, "
                         f"{high:.3g}]); pass uint8 for [0, 255] data")
    return np.clip(array, -1.0, 1.0)


# ---------------------------------------------------------------------------
# Fréchet distance and FID
# ---------------------------------------------------------------------------

def feature_statistics(features, name: str = "features") -> tuple[np.ndarray, np.ndarray]:
    """Mean vector and (unbiased, N-1) covariance matrix of an (N, D) feature array."""
    array = _check_features(features, name)
    return array.mean(axis=0), np.cov(array, rowvar=False).reshape(array.shape[1], -1)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (round-off negatives -> 0)."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between the Gaussians N(mu1, sigma1) and N(mu2, sigma2).

    ``|mu1 - mu2|^2 + tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))``, in float64.
    The trace of the matrix square root is taken in the symmetric form
    ``tr((sigma1^(1/2) sigma2 sigma1^(1/2))^(1/2))`` (the same eigenvalues as
    ``sigma1 sigma2``), which stays real and stable when a covariance is singular or
    nearly so, where ``scipy.linalg.sqrtm(sigma1 @ sigma2)`` can return complex noise.
    """
    mu1 = np.asarray(mu1, dtype=np.float64)
    mu2 = np.asarray(mu2, dtype=np.float64)
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    for name, mu in (("mu1", mu1), ("mu2", mu2)):
        if mu.ndim != 1:
            raise ValueError(f"{name}: expected a vector, got shape {mu.shape}")
    dim = mu1.shape[0]
    if mu2.shape != (dim,):
        raise ValueError(f"mu2: expected shape ({dim},) like mu1, got {mu2.shape}")
    for name, sigma in (("sigma1", sigma1), ("sigma2", sigma2)):
        if sigma.shape != (dim, dim):
            raise ValueError(f"{name}: expected a ({dim}, {dim}) covariance matrix, "
                             f"got shape {sigma.shape}")
        if not np.allclose(sigma, sigma.T, rtol=1e-5, atol=1e-8 * (1 + np.abs(sigma).max())):
            raise ValueError(f"{name}: a covariance matrix must be symmetric")
    for name, value in (("mu1", mu1), ("mu2", mu2), ("sigma1", sigma1), ("sigma2", sigma2)):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name}: contains NaN or infinite values")
    sigma1 = (sigma1 + sigma1.T) / 2
    sigma2 = (sigma2 + sigma2.T) / 2
    root1 = _psd_sqrt(sigma1)
    middle = root1 @ sigma2 @ root1
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0, None)).sum()
    diff = mu1 - mu2
    distance = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt
    return float(max(distance, 0.0))  # a distance; tiny negatives are round-off


def fid(real_features, fake_features) -> float:
    """Fréchet Inception Distance between two (N, D) feature sets (lower is better).

    Each set needs more samples than features (N > D), or its covariance is singular
    and the score meaningless. FID is biased upwards for small N: compare only scores
    computed with the same numbers of samples.
    """
    real = _check_features(real_features, "real_features")
    fake = _check_features(fake_features, "fake_features")
    _check_same_width(real, fake, "real_features", "fake_features")
    width = real.shape[1]
    for name, array in (("real_features", real), ("fake_features", fake)):
        if array.shape[0] <= width:
            raise ValueError(f"{name}: {array.shape[0]} samples for {width} features; a "
                             f"covariance needs more samples than features (N > {width})")
    return frechet_distance(*feature_statistics(real), *feature_statistics(fake))


# ---------------------------------------------------------------------------
# KID
# ---------------------------------------------------------------------------

class KIDResult(NamedTuple):
    """KID as the mean and standard deviation over random subsets."""

    mean: float
    std: float


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The KID kernel ``k(x, y) = (x . y / d + 1)^3`` for all pairs of rows."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased estimate of the squared MMD between samples ``x`` (m, d) and ``y`` (n, d).

    Within-sample means leave out the diagonal (k(x_i, x_i)), which is what makes the
    estimate unbiased: its expected value is exactly 0 when both come from one law.
    """
    m, n = x.shape[0], y.shape[0]
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * k_xy.mean())


def kid(real_features, fake_features, n_subsets: int = 100, subset_size: int = 1000,
        seed: int = 0) -> KIDResult:
    """Kernel Inception Distance: mean and std of the unbiased MMD^2 over random subsets.

    As in the reference implementation (Bińkowski et al., 2018), each of ``n_subsets``
    draws ``subset_size`` rows without replacement from each feature set, so a subset
    larger than a set is refused: the spread over subsets means something only when
    they differ (:func:`kid_subset_size_for` picks a size that fits). Can be slightly
    negative: it is an unbiased estimate of a non-negative number.
    """
    real = _check_features(real_features, "real_features")
    fake = _check_features(fake_features, "fake_features")
    _check_same_width(real, fake, "real_features", "fake_features")
    positive_int("n_subsets", n_subsets)
    positive_int("subset_size", subset_size, minimum=2)
    smaller = min(real.shape[0], fake.shape[0])
    if subset_size > smaller:
        raise ValueError(
            f"subset_size={subset_size}: larger than the smaller feature set ({smaller:,} rows "
            f"of real {real.shape[0]:,} / fake {fake.shape[0]:,}); pass subset_size <= "
            f"{smaller}, or kid_subset_size_for(...), so that the subsets differ")
    size = int(subset_size)
    rng = np.random.default_rng(seed)
    values = np.array([
        mmd2_unbiased(real[rng.choice(real.shape[0], size, replace=False)],
                      fake[rng.choice(fake.shape[0], size, replace=False)])
        for _ in range(n_subsets)])
    return KIDResult(float(values.mean()), float(values.std()))


def kid_subset_size_for(*set_sizes: int, largest: int = 1000) -> int:
    """A KID subset size that fits every set: half the smallest, at most ``largest`` (the
    reference implementation's 1,000), so that random subsets still differ."""
    return max(2, min(largest, min(set_sizes) // 2))


# ---------------------------------------------------------------------------
# Classifier score and class histogram
# ---------------------------------------------------------------------------

def _check_probabilities(probabilities, name: str = "probabilities") -> np.ndarray:
    """Return an (N, K) float64 array whose rows are probability vectors, or raise."""
    array = _check_features(probabilities, name, min_samples=1)
    if np.any(array < 0) or not np.allclose(array.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(f"{name}: each row must be a probability vector "
                         "(non-negative, summing to 1); apply a softmax to logits first")
    return array


def classifier_score(probabilities) -> float:
    """``exp(E_x KL(p(y|x) || p(y)))``: the Inception Score with the course classifier.

    ``probabilities`` is (N, K): the classifier's p(y|x) for each sample. The score is
    1 when the classifier cannot tell the samples apart (every p(y|x) equals p(y)) and
    K when every sample is a confident member of one class and all K classes are
    equally frequent. Confident but collapsed onto one class scores 1 again.
    """
    p_y_given_x = _check_probabilities(probabilities)
    p_y = p_y_given_x.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p_y_given_x > 0, p_y_given_x * (np.log(p_y_given_x) - np.log(p_y)), 0.0)
    return float(np.exp(terms.sum(axis=1).mean()))


class Confidence(NamedTuple):
    """How sure a classifier is of a set of images: a generator's samples or real ones."""

    mean_top: float            # mean over images of max_k p(k|x)
    share_above: float         # share of images whose max_k p(k|x) exceeds ``threshold``
    threshold: float
    class_shares: np.ndarray   # share of images whose most probable class is k, k = 0..K-1

    def __str__(self) -> str:
        shares = " ".join(f"{share:.3f}" for share in self.class_shares)
        return (f"mean top-class probability {self.mean_top:.4f}, {self.share_above:.1%} above "
                f"{self.threshold}, class shares [{shares}]")


def classifier_confidence(probabilities, threshold: float = 0.9) -> Confidence:
    """How clearly the images read as *some* class, and which classes they read as.

    A generator whose digits a good classifier reads with the confidence it has on real
    digits draws clear digits; class shares far from 1/K mean some classes are drawn too
    rarely (a partial mode collapse). ``probabilities`` is (N, K), the classifier's p(y|x).
    """
    p_y_given_x = _check_probabilities(probabilities)
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold={threshold!r}: expected a probability in (0, 1)")
    top = p_y_given_x.max(axis=1)
    counts = class_histogram(p_y_given_x, num_classes=p_y_given_x.shape[1])
    return Confidence(float(top.mean()), float(np.mean(top > threshold)), float(threshold),
                      counts / counts.sum())


def class_histogram(predictions, num_classes: int = 10) -> np.ndarray:
    """Count how many samples fall in each class: ``counts[k]`` for k in range(num_classes).

    ``predictions`` is either (N,) integer labels or (N, K) probabilities (the most
    probable class counts). A class with count 0 is a mode the generator never hits.
    """
    array = np.asarray(predictions)
    if array.ndim == 2:
        array = _check_probabilities(array, "predictions").argmax(axis=1)
    elif array.ndim == 1:
        if not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"predictions: 1-D predictions must be integer labels, "
                             f"got dtype {array.dtype}")
    else:
        raise ValueError(f"predictions: expected (N,) labels or (N, K) probabilities, "
                         f"got shape {array.shape}")
    positive_int("num_classes", num_classes)
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(f"predictions: labels must lie in [0, {num_classes - 1}], "
                         f"found [{array.min()}, {array.max()}]")
    return np.bincount(array.astype(np.int64), minlength=num_classes)


def plot_class_histogram(counts, class_names: Sequence[str] | None = None, ax=None,
                         title: str | None = None):
    """Bar chart of per-class counts, missing classes marked; returns the Figure.

    The dashed line is what a generator covering every class equally would give.
    """
    import matplotlib.pyplot as plt

    counts = np.asarray(counts)
    if counts.ndim != 1 or counts.size == 0 or np.any(counts < 0):
        raise ValueError(f"counts: expected a 1-D array of non-negative counts, got {counts!r}")
    names = [str(k) for k in range(counts.size)] if class_names is None else list(class_names)
    if len(names) != counts.size:
        raise ValueError(f"class_names: {len(names)} names for {counts.size} classes")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3))
    else:
        fig = ax.figure
    missing = counts == 0
    colors = np.where(missing, "tab:red", "tab:blue")
    positions = np.arange(counts.size)
    ax.bar(positions, counts, color=colors)
    ax.axhline(counts.sum() / counts.size, color="gray", linestyle="--", label="uniform")
    for position in positions[missing]:
        ax.text(position, 0, "missing", rotation=90, ha="center", va="bottom", color="tab:red")
    ax.set_xticks(positions, names)
    ax.set_ylabel("samples")
    ax.set_title(title or f"Samples per class ({int(missing.sum())} of {counts.size} missing)")
    ax.legend(loc="upper right")
    return fig


# ---------------------------------------------------------------------------
# Feature extractors
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# Features and classes: one way to each, one cache
# ---------------------------------------------------------------------------
# features(images, kind) gives the feature vectors FID and KID compare; classify(images,
# dataset) gives a course classifier's class probabilities (or labels). Both run images
# through a network loaded once and kept in _CACHE, the module's one cache, which also
# keeps the references of the last few real sets (see evaluate_generator).

#: What :func:`features` can take features with; also the ``features=`` names of
#: :func:`evaluate_generator`, :func:`fid_against` and :class:`FIDTracker`.
FEATURE_KINDS = ("mnist", "cifar10", "inception")
#: Images per network call when none is given: a course classifier reads small images,
#: InceptionV3 299x299x3 ones (64 of them take about 70 MB as float32).
_BATCH_SIZES = {"mnist": 500, "cifar10": 500, "inception": 64}

_CACHE: OrderedDict[tuple, object] = OrderedDict()
#: How many real-set entries (features, references) the cache keeps; networks are kept
#: for the session (there are at most three, and reloading InceptionV3 takes seconds).
_CACHE_SIZE = 8


def _cached(key: tuple, compute: Callable[[], object]):
    """The cached value for ``key``, computed and stored when missing.

    Keys starting with ``"network"`` stay; the others are dropped least recently used
    first beyond ``_CACHE_SIZE``.
    """
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    value = compute()
    _CACHE[key] = value
    data_keys = [k for k in _CACHE if k[0] != "network"]
    for old in data_keys[:max(0, len(data_keys) - _CACHE_SIZE)]:
        del _CACHE[old]
    return value


def clear_cache() -> None:
    """Forget every loaded network and every real set's references (for example after
    retraining a classifier in the same session)."""
    _CACHE.clear()


def course_classifier(dataset: str = "mnist"):
    """One of the course's classifiers (a float32 Keras model, logits out), loaded once.

    ``dataset`` is ``"mnist"`` (input (N, 28, 28, 1)) or ``"cifar10"`` (input
    (N, 32, 32, 3)), float32 in [-1, 1]. Output: 10 logits. The layer named
    ``"features"`` (before its ReLU) gives the FID/KID features. Each is trained by a
    script in ``scripts/assets/`` and described by a model card in ``gan_utils/assets/``
    (``MNIST_CLASSIFIER.md``, ``CIFAR10_CLASSIFIER.md``); the network is rebuilt by
    :func:`gan_utils.classifiers.build_classifier` and only its weights are read from the
    file, so it loads on any Keras 3. To get features or classes, call :func:`features` or
    :func:`classify`.
    """
    entry = registry_entry(dataset)
    return _cached(("network", "classifier", dataset),
                   lambda: load_classifier(entry.path, dataset))


class NetworkNeededError(RuntimeError):
    """Raised when the InceptionV3 weights are not cached and cannot be downloaded."""


def _load_inception():
    """Keras InceptionV3 (ImageNet weights, no top, global average pooling: 2048 features).

    The weights (about 90 MB) are downloaded once into ~/.keras/models; offline this
    raises :class:`NetworkNeededError`.
    """
    import keras

    try:
        return keras.applications.InceptionV3(include_top=False, pooling="avg",
                                              weights="imagenet")
    except Exception as error:  # Keras reports a failed download as a bare Exception
        raise NetworkNeededError(
            "InceptionV3 features need the ImageNet weights, which could not be downloaded "
            f"({error}). Connect to a network once (they are cached in ~/.keras/models), or "
            'use the course\'s offline MNIST classifier: metrics.features(images, "mnist").'
        ) from error


def _feature_network(kind: str):
    """The network of one feature kind, loaded once: InceptionV3, or a model sharing a
    course classifier's weights that outputs (features, logits) in one pass."""
    if kind == "inception":
        return _cached(("network", "inception"), _load_inception)

    def build():
        import keras

        classifier = course_classifier(kind)
        return keras.Model(classifier.input,
                           [classifier.get_layer(FEATURE_LAYER).output, classifier.output])

    return _cached(("network", "features", kind), build)


def _run_in_batches(model, images: np.ndarray, batch_size: int,
                    prepare: Callable | None = None) -> list[np.ndarray]:
    """Call ``model`` (inference mode) on slices of ``images``, each first passed through
    ``prepare`` when given; concatenate each output."""
    positive_int("batch_size", batch_size)
    chunks = []
    for start in range(0, images.shape[0], batch_size):
        batch = images[start:start + batch_size]
        outputs = model(batch if prepare is None else prepare(batch), training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        chunks.append([np.asarray(out, dtype=np.float32) for out in outputs])
    return [np.concatenate(parts) for parts in zip(*chunks, strict=True)]


def _prepare_for_inception(batch: np.ndarray):
    """A batch in [-1, 1] as InceptionV3 reads it: RGB (gray repeated), resized bilinearly
    to 299x299, then its own preprocessing from [0, 255] (which lands in [-1, 1] again)."""
    import tensorflow as tf

    batch = tf.convert_to_tensor(batch)
    if batch.shape[-1] == 1:
        batch = tf.repeat(batch, 3, axis=-1)
    batch = tf.image.resize(batch, (INCEPTION_SIZE, INCEPTION_SIZE), method="bilinear")
    return tf.keras.applications.inception_v3.preprocess_input((batch + 1.0) * 127.5)


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so that exp never overflows."""
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def _check_kind(kind: str, name: str = "kind") -> None:
    """Refuse a feature kind the module does not know, naming the argument and the choices."""
    if kind not in FEATURE_KINDS:
        raise ValueError(f"{name}={kind!r}: expected one of {', '.join(FEATURE_KINDS)}")


def _features_and_probabilities(images, kind: str, batch_size: int | None = None
                                ) -> tuple[np.ndarray, np.ndarray | None]:
    """Features of ``images`` and, for a course classifier, its class probabilities, in
    one pass (``None`` for InceptionV3, which has no classes here)."""
    _check_kind(kind)
    batch_size = _BATCH_SIZES[kind] if batch_size is None else batch_size
    if kind == "inception":  # the images are checked before any network is loaded
        x = to_signed_images(images, "images")
        if x.shape[-1] not in (1, 3):
            raise ValueError(f"images: expected 1 or 3 channels, got {x.shape[-1]}")
        return _run_in_batches(_feature_network(kind), x, batch_size,
                               _prepare_for_inception)[0], None
    x = to_signed_images(images, "images", COURSE_CLASSIFIERS[kind].image_shape)
    found, logits = _run_in_batches(_feature_network(kind), x, batch_size)
    return found, _softmax(logits)


def features(images, kind: str = "mnist", batch_size: int | None = None) -> np.ndarray:
    """The feature vectors FID and KID compare, one row per image: the one way to get them.

    ``kind``: ``"mnist"`` (the course's offline MNIST classifier, 28x28x1 images, 128
    features), ``"cifar10"`` (its CIFAR-10 twin, 32x32x3 images, 128 features) or
    ``"inception"`` (standard FID features: InceptionV3's 2048 pool features of the images
    resized to 299x299, gray repeated over three channels; needs the ImageNet weights and
    is slow on a CPU, about 6 GFLOPs per image). Images are uint8 in [0, 255] or floats in
    [-1, 1], with or without the channel axis. ``batch_size``: images per network call
    (default 500 for the classifiers, 64 for InceptionV3).
    """
    return _features_and_probabilities(images, kind, batch_size)[0]


def classify(images, dataset: str = "mnist", *, labels: bool = False,
             batch_size: int | None = None) -> np.ndarray:
    """What a course classifier reads in each image: the one way to classify.

    Returns the class probabilities p(y|x), shape (N, 10), or with ``labels=True`` the
    most probable class of each image, shape (N,). ``dataset`` picks the classifier,
    ``"mnist"`` (digits 0-9) or ``"cifar10"`` (the ten CIFAR-10 classes); images as for
    :func:`features`.
    """
    registry_entry(dataset)  # a ValueError naming dataset= for anything else
    probabilities = _features_and_probabilities(images, dataset, batch_size)[1]
    return probabilities.argmax(axis=1) if labels else probabilities


# ---------------------------------------------------------------------------
# Scores with references
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Score:
    """One score with the two references that make it readable."""

    name: str
    value: float
    real_vs_real: float
    real_vs_noise: float
    std: float | None = None
    lower_is_better: bool = True

    def __str__(self) -> str:
        def show(value: float) -> str:
            return f"{value:.4g}"

        value = show(self.value) + (f" ± {show(self.std)}" if self.std is not None else "")
        better = "lower" if self.lower_is_better else "higher"
        return (f"{self.name:<17} {value:>20}   (real vs real {show(self.real_vs_real)}, "
                f"real vs noise {show(self.real_vs_noise)}; {better} is better)")


@dataclass(frozen=True)
class GeneratorReport:
    """FID, KID and (course classifier features) classifier score and class counts."""

    fid: Score
    kid: Score
    classifier_score: Score | None
    class_counts: np.ndarray | None
    n_fake: int
    n_real: int
    features: str
    notes: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        lines = [f"{self.n_fake} generated vs {self.n_real} real images, "
                 f"{self.features} features"]
        lines += [str(score) for score in (self.fid, self.kid, self.classifier_score) if score]
        if self.class_counts is not None:
            missing = [str(k) for k, count in enumerate(self.class_counts) if count == 0]
            lines.append(f"{'samples per class':<17} {list(map(int, self.class_counts))}"
                         + (f"  missing: {', '.join(missing)}" if missing else ""))
        return "\n".join(lines + list(self.notes))

    def _repr_pretty_(self, printer, cycle) -> None:
        """Show the table, not the dataclass fields, when a notebook cell ends with a report."""
        printer.text(str(self))


@dataclass(frozen=True)
class _RealHalves:
    """Features of one real set split into halves A and B, and of as many noise images."""

    half_a: np.ndarray            # features the generated images are compared with
    half_b: np.ndarray
    probabilities_b: np.ndarray | None
    noise: np.ndarray
    noise_probabilities: np.ndarray | None


@dataclass(frozen=True)
class _RealReference:
    """The reference scores of one real set (computed once and cached)."""

    halves: _RealHalves
    fid_real: float
    fid_noise: float
    kid_real: KIDResult
    kid_noise: KIDResult
    score_real: float | None
    score_noise: float | None


def _fingerprint(images: np.ndarray) -> str:
    """A short hash of an image array's shape, dtype and bytes: the cache key of a real set."""
    digest = hashlib.sha1(str((images.shape, images.dtype.str)).encode())
    digest.update(np.ascontiguousarray(images).tobytes())
    return digest.hexdigest()


def _check_real_images(real_images, features: str) -> np.ndarray:
    """The real set as an NHWC array of at least 4 images, or a ValueError."""
    _check_kind(features, "features")
    real = np.asarray(real_images)
    if real.ndim == 3:
        real = real[..., None]
    if real.ndim != 4 or real.shape[0] < 4:
        raise ValueError(f"real_images: expected at least 4 images (split into two halves), "
                         f"got shape {np.shape(real_images)}")
    to_signed_images(real[:1], "real_images")  # dtype and range checks before any work
    return real


def _real_halves(real: np.ndarray, features: str, seed: int,
                 batch_size: int | None) -> _RealHalves:
    """Shuffle (``seed``) and split the real set into halves A and B; features of both (cached)."""
    def compute() -> _RealHalves:
        rng = np.random.default_rng(seed)
        order = rng.permutation(real.shape[0])
        half = real.shape[0] // 2
        feats, probs = _features_and_probabilities(real[order], features, batch_size)
        noise = rng.uniform(-1.0, 1.0, size=(half,) + real.shape[1:]).astype(np.float32)
        noise_feats, noise_probs = _features_and_probabilities(noise, features, batch_size)
        return _RealHalves(feats[:half], feats[half:2 * half],
                           None if probs is None else probs[half:2 * half],
                           noise_feats, noise_probs)

    return _cached(("halves", _fingerprint(real), features, seed), compute)


def _real_reference(real: np.ndarray, features: str, kid_subsets: int,
                    kid_subset_size: int, seed: int, batch_size: int | None) -> _RealReference:
    """Score half B ("real vs real") and noise ("real vs noise") against half A (cached)."""
    halves = _real_halves(real, features, seed, batch_size)

    def compute() -> _RealReference:
        a, b, noise = halves.half_a, halves.half_b, halves.noise
        return _RealReference(
            halves=halves, fid_real=fid(a, b), fid_noise=fid(a, noise),
            kid_real=kid(a, b, kid_subsets, kid_subset_size, seed),
            kid_noise=kid(a, noise, kid_subsets, kid_subset_size, seed),
            score_real=(None if halves.probabilities_b is None
                        else classifier_score(halves.probabilities_b)),
            score_noise=(None if halves.noise_probabilities is None
                         else classifier_score(halves.noise_probabilities)))

    return _cached(("reference", _fingerprint(real), features, kid_subsets, kid_subset_size,
                    seed), compute)


def evaluate_generator(fake_images, real_images, *, features: str = "mnist",
                       kid_subsets: int = 100, kid_subset_size: int | None = None,
                       seed: int = 0, batch_size: int | None = None) -> GeneratorReport:
    """Score generated images against real ones, each score beside its two references.

    The real set is shuffled (``seed``) and split into two disjoint halves A and B. The
    generated images are compared with half A; so are half B ("real vs real": the
    best a generator can hope for at this sample size) and as many uniform-noise images
    ("real vs noise": what knowing nothing gives). FID depends on the sample size, so
    pass about as many generated images as half the real set, e.g. 2,000 fakes against
    4,000 real images. The references are cached per real set, so scoring many
    checkpoints against one real set computes them once.

    ``features``: ``"mnist"`` (offline course classifier, 28x28x1 images) or
    ``"cifar10"`` (its CIFAR-10 twin, 32x32x3 images), each adding the classifier score
    and the class histogram; or ``"inception"`` (standard FID, needs the InceptionV3
    weights). ``kid_subset_size``: rows per KID subset; by default half of the smallest
    set (half A, half B, the fakes), at most 1,000; a larger one than a set holds is
    refused (see :func:`kid`). ``batch_size``: images per network call, as in
    :func:`features`.
    """
    real = _check_real_images(real_images, features)
    fake_feats, fake_probs = _features_and_probabilities(fake_images, features, batch_size)
    if kid_subset_size is None:
        kid_subset_size = kid_subset_size_for(real.shape[0] // 2, fake_feats.shape[0])
    reference = _real_reference(real, features, kid_subsets, kid_subset_size, seed, batch_size)
    half_a = reference.halves.half_a
    kid_fake = kid(half_a, fake_feats, kid_subsets, kid_subset_size, seed)
    score = None
    counts = None
    if fake_probs is not None:
        score = Score("classifier score", classifier_score(fake_probs), reference.score_real,
                      reference.score_noise, lower_is_better=False)
        counts = class_histogram(fake_probs, num_classes=fake_probs.shape[1])
    notes = ()
    if abs(fake_feats.shape[0] - half_a.shape[0]) > 0.1 * half_a.shape[0]:
        notes = (f"note: {fake_feats.shape[0]} generated images vs {half_a.shape[0]} "
                 "per reference half; FID depends on sample size, so its references are "
                 "exactly comparable only with equal sizes (KID is not affected).",)
    return GeneratorReport(
        fid=Score("FID", fid(half_a, fake_feats), reference.fid_real,
                  reference.fid_noise),
        kid=Score("KID", kid_fake.mean, reference.kid_real.mean, reference.kid_noise.mean,
                  std=kid_fake.std),
        classifier_score=score, class_counts=counts,
        n_fake=int(fake_feats.shape[0]), n_real=int(real.shape[0]), features=features,
        notes=notes)


def fid_against(fake_images, real_images, features: str = "mnist", seed: int = 0,
                batch_size: int | None = None) -> float:
    """FID of generated images against half A of a real set (cached), without the rest.

    The quick number for curves (FID against training time): the same value that
    :func:`evaluate_generator` reports, at the cost of one pass over the fakes.
    """
    real = _check_real_images(real_images, features)
    half_a = _real_halves(real, features, seed, batch_size).half_a
    fake_feats, _ = _features_and_probabilities(fake_images, features, batch_size)
    return fid(half_a, fake_feats)
