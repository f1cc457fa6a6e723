"""gan_utils._validate: the one integer check every module uses, so that they agree."""

import numpy as np
import pytest

from gan_utils import ASSETS_DIR, classifiers, conv, data, metrics, models, pretrained, toy
from gan_utils._validate import positive_int


def test_integers_pass_and_come_back_as_python_ints():
    assert positive_int("n", 3) == 3
    value = positive_int("n", np.int64(7))
    assert value == 7 and type(value) is int
    assert positive_int("padding", 0, minimum=0) == 0
    assert positive_int("subset_size", 2, minimum=2) == 2


@pytest.mark.parametrize("value", [True, False, 2.0, "3", None, np.float32(4)])
def test_booleans_and_non_integers_are_refused_with_the_argument_named(value):
    with pytest.raises(ValueError, match=r"^batch_size=.*: expected a positive integer$"):
        positive_int("batch_size", value)


@pytest.mark.parametrize(("minimum", "value", "expected"), [
    (1, 0, "a positive integer"),
    (0, -1, "a non-negative integer"),
    (2, 1, "an integer >= 2"),
])
def test_the_message_says_the_minimum(minimum, value, expected):
    with pytest.raises(ValueError, match=f"n={value}: expected {expected}"):
        positive_int("n", value, minimum=minimum)


@pytest.mark.parametrize("call", [
    lambda: conv.conv_output_size(True, 3),
    lambda: conv.conv_output_size(28, 3, padding=True),
    lambda: toy.toy_generator(hidden=True),
    lambda: models.dcgan_mnist_generator(latent_dim=True),
    lambda: models.frog_generator(filters=True),
    lambda: models.mlp_discriminator(hidden=True),
    lambda: metrics.kid(np.zeros((4, 2)), np.zeros((4, 2)), n_subsets=True, subset_size=2),
    lambda: data.sample_images("mnist", 3, count=True),
], ids=["conv n", "conv padding", "toy", "dcgan", "frog", "mlp", "kid", "data"])
def test_every_module_refuses_a_boolean_size(call):
    """Before, three modules took True for 1 while three others refused it."""
    with pytest.raises(ValueError, match="=True: expected"):
        call()


def test_the_assets_folder_is_one_folder_and_holds_the_shipped_files():
    assert ASSETS_DIR.is_dir()
    assert classifiers.MNIST_CLASSIFIER_PATH.parent == ASSETS_DIR
    assert data.SAMPLES_FILE.parent == ASSETS_DIR
    assert pretrained.file_path("dcgan_mnist").parent == ASSETS_DIR
    assert pretrained.file_path("dcgan_mnist").is_file()
