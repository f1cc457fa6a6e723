"""gan_utils.conditional and gan_utils.solutions.conditional_gan (notebook 10)."""

import keras
import numpy as np
import pytest

from gan_utils import conditional, models
from gan_utils.solutions import conditional_gan as solutions

PERFECT = np.diag(np.full(10, 100))


def test_confusion_problems_pass_a_perfect_diagonal_and_name_each_fault():
    assert conditional.confusion_problems(PERFECT, 100, 0.8) == []
    five_as_three = PERFECT.copy()
    five_as_three[5] = np.eye(10, dtype=int)[3] * 100  # 90% overall, yet digit 5 never drawn
    assert conditional.confusion_problems(five_as_three, 100, 0.8) == [
        "digit 5 read as asked 0 times in 100, under 80%"]
    nonsense = np.random.default_rng(0).integers(0, 30, (10, 10))
    assert any("rows sum to" in p for p in conditional.confusion_problems(nonsense, 100, 0.8))
    assert "counts must be non-negative integers" in conditional.confusion_problems(
        -PERFECT, 100, 0.8)
    assert "counts must be non-negative integers" in conditional.confusion_problems(
        PERFECT / 1.0, 100, 0.8)
    assert conditional.confusion_problems(np.zeros((10, 9), int), 100, 0.8) == [
        "shape (10, 9), expected a square matrix"]
    # the share is a bound: 80 of 100 passes at 0.8, 79 does not
    edge = PERFECT.copy()
    edge[2, 2], edge[2, 7] = 80, 20
    assert conditional.confusion_problems(edge, 100, 0.8) == []
    edge[2, 2], edge[2, 7] = 79, 21
    assert conditional.confusion_problems(edge, 100, 0.8) == [
        "digit 2 read as asked 79 times in 100, under 80%"]


def test_most_confused_pair_is_the_largest_count_off_the_diagonal():
    assert solutions.most_confused_pair(PERFECT) is None
    planted = PERFECT.copy()
    planted[3, 3], planted[3, 8], planted[5, 5], planted[5, 6] = 90, 10, 96, 4
    assert solutions.most_confused_pair(planted) == (3, 8)
    assert solutions.most_confused_pair(planted, yours=(5, 6)) == (3, 8)
    planted[5, 5], planted[5, 6] = 90, 10        # a tie: either pair is right
    assert solutions.most_confused_pair(planted) == (3, 8)
    assert solutions.most_confused_pair(planted, yours=[5, 6]) == (5, 6)
    assert solutions.most_confused_pair(planted, yours="no") == (3, 8)


def test_embedding_then_dense_is_one_matrix():
    keras.utils.set_random_seed(0)
    embed = keras.layers.Embedding(10, 5)
    dense = keras.layers.Dense(3, bias_initializer="random_normal")
    dense(embed(np.arange(10)))
    E, W, b = (np.asarray(v) for v in (embed.embeddings, dense.kernel, dense.bias))
    assert solutions.same_as_embedding_then_dense(E @ W, embed, dense)
    assert not solutions.same_as_embedding_then_dense(E @ W + b, embed, dense)
    assert not solutions.same_as_embedding_then_dense(E, embed, dense)     # wrong shape
    assert not solutions.same_as_embedding_then_dense(None, embed, dense)


def test_only_the_projection_term_reads_the_label():
    keras.utils.set_random_seed(0)
    assert solutions.blind_score_depends_on_label(models.cgan_mnist_discriminator()) == "no"
    # a discriminator whose "realness" output reads the label answers "yes"
    image = keras.Input((28, 28, 1))
    label = keras.Input((), dtype="int32")
    flat = keras.layers.Flatten()(image)
    embedded = keras.layers.Embedding(10, 1)(label)
    realness = keras.layers.Add(name="realness")(
        [keras.layers.Dense(1)(flat), embedded])
    sighted = keras.Model([image, label], realness)
    assert solutions.blind_score_depends_on_label(sighted) == "yes"


@pytest.mark.parametrize("favourite", [None, 3])
def test_a_label_blind_generator_is_read_as_asked_a_tenth_of_the_time(favourite):
    """Whatever digits it draws, a generator that ignores the label scores about 0.1."""
    def draw(z, labels):  # "images" that carry the digit they will be read as
        drawn = np.full(len(z), favourite) if favourite is not None else np.asarray(labels)
        return drawn

    def classify(drawn):
        return np.eye(10)[drawn]

    share = solutions.label_blind_accuracy(draw, classify, num_samples=1000, seed=1)
    if favourite is not None:
        assert share == 0.1             # always a 3, asked for 0-9 in turn: exactly 1 in 10
    else:
        assert 0.07 < share < 0.13      # random labels: 0.1 give or take 3 standard errors
