"""Expected answers to notebook 10's exercises (conditional GAN), computed, never typed in.

Each function takes the lesson's own objects (its discriminator, its drawing function,
its confusion matrix), so an answer cannot drift from what the notebook builds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def blind_score_depends_on_label(discriminator, seed: int = 0) -> str:
    """"yes" if the discriminator without its projection term (the output of its layer
    ``realness``) scores one image differently under the labels 1 and 7, else "no"."""
    import keras

    blind = keras.Model(discriminator.inputs, discriminator.get_layer("realness").output)
    image = np.random.default_rng(seed).uniform(-1, 1, (1, 28, 28, 1)).astype(np.float32)
    scores = np.asarray(blind([image.repeat(2, axis=0), np.array([1, 7])], training=False))
    # two copies of one image in a batch may round differently in the last bits
    same = np.isclose(scores[0, 0], scores[1, 0], rtol=1e-4, atol=1e-6)
    return "no" if same else "yes"


def label_blind_accuracy(draw: Callable, classify: Callable, num_samples: int = 1000,
                         num_classes: int = 10, latent_dim: int = 100, seed: int = 0) -> float:
    """The share of digits read as asked when the image does not depend on the label asked:
    each request (0, 1, ..., 9 in turn) is drawn with ``draw(z, labels)`` for a random
    label unrelated to it, and read back with ``classify(images)`` (probabilities)."""
    rng = np.random.default_rng(seed)
    asked = np.arange(num_samples) % num_classes
    unrelated = rng.integers(0, num_classes, num_samples)
    images = draw(rng.standard_normal((num_samples, latent_dim)), unrelated)
    return float(np.mean(np.asarray(classify(images)).argmax(axis=1) == asked))


def same_as_embedding_then_dense(matrix, embedding, dense) -> bool:
    """Whether ``one_hot(y) @ matrix + b`` equals ``dense(embedding(y))`` for every label
    (False for a matrix of the wrong shape, or for None)."""
    labels = np.arange(embedding.input_dim)
    through = np.asarray(dense(embedding(labels)))
    if matrix is None or np.shape(matrix) != (len(labels), through.shape[1]):
        return False
    bias = np.asarray(dense.bias)
    one_hot = np.eye(len(labels), dtype=np.float32)
    return bool(np.allclose(one_hot @ np.asarray(matrix, np.float32) + bias, through,
                            atol=1e-5))


def most_confused_pair(matrix, yours=None) -> tuple[int, int] | None:
    """The (asked, read) pair with the largest count off the diagonal of a confusion matrix
    (None when there is none); among pairs tied for it, ``yours`` if it is one of them."""
    matrix = np.asarray(matrix)
    off_diagonal = matrix - np.diag(np.diag(matrix))
    if off_diagonal.max() <= 0:
        return None
    tied = [(int(i), int(j)) for i, j in np.argwhere(off_diagonal == off_diagonal.max())]
    try:
        mine = tuple(int(value) for value in yours)
    except (TypeError, ValueError):
        mine = None
    return mine if mine in tied else tied[0]
