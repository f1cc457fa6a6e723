"""Tests of gan_utils.data: file formats read back exactly, every corrupt file refused by name,
the offline error message, and the tf.data pipeline's scaling, batching and resizing.

All offline: tiny IDX and CIFAR-10 files are written to tmp_path, and the keras.datasets
loaders are monkeypatched (to fail like a machine without network, or to return fakes).
"""

from __future__ import annotations

import gzip
import os
import pickle
import re
import urllib.error
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_utils import data

# --------------------------------------------------------------------------- file writers


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """Encode a uint8 array as IDX: magic 0x000008NN, big-endian dimension sizes, C-order data."""
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x0800 + array.ndim if magic is None else magic
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.tobytes()


def write(path: Path, payload: bytes, gz: bool = False) -> Path:
    """Write ``payload`` to ``path`` (gzipped, with a .gz suffix, when ``gz``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path = path.with_name(path.name + ".gz")
        payload = gzip.compress(payload)
    path.write_bytes(payload)
    return path


def write_idx_split(directory: Path, split: str, images: np.ndarray, labels: np.ndarray,
                    gz: bool = False) -> None:
    """Write one split's images and labels IDX files into ``directory``."""
    prefix = "train" if split == "train" else "t10k"
    write(directory / f"{prefix}-images-idx3-ubyte", idx_bytes(images), gz)
    write(directory / f"{prefix}-labels-idx1-ubyte", idx_bytes(labels), gz)


def make_idx_dataset(directory: Path, gz: bool = False, n_train: int = 12, n_test: int = 5,
                     seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Write random 28x28 train and test splits (labels cycle 0-9) and return them."""
    rng = np.random.default_rng(seed)
    splits = {}
    for split, count in (("train", n_train), ("test", n_test)):
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        labels = (np.arange(count) % 10).astype(np.uint8)
        write_idx_split(directory, split, images, labels, gz)
        splits[split] = (images, labels)
    return splits


def cifar_record(label: int, red: np.ndarray, green: np.ndarray, blue: np.ndarray) -> bytes:
    """One CIFAR-10 binary record: the label byte, then the R, G and B 32x32 planes."""
    planes = [np.asarray(plane, dtype=np.uint8).reshape(1024) for plane in (red, green, blue)]
    return bytes([label]) + b"".join(plane.tobytes() for plane in planes)


def plain_record(label: int, value: int) -> bytes:
    """A record whose three planes all hold ``value`` (to tell records apart)."""
    plane = np.full(1024, value, dtype=np.uint8)
    return cifar_record(label, plane, plane, plane)


CIFAR_NAMES = ["airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck"]


@pytest.fixture
def keras_offline(monkeypatch):
    """Make every keras.datasets loader fail the way it does without a network."""
    calls = []

    def fail(*args, **kwargs):
        calls.append(1)
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    for name in data.DATASETS:
        monkeypatch.setattr(getattr(keras.datasets, name), "load_data", fail)
    return calls


# --------------------------------------------------------------------------- IDX round trips


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzip"])
def test_idx_files_read_back_exactly(tmp_path, capsys, gz):
    written = make_idx_dataset(tmp_path / "mnist", gz=gz)
    images, labels = data.load_images("mnist", data_dir=tmp_path)
    np.testing.assert_array_equal(images, written["train"][0][..., np.newaxis])
    np.testing.assert_array_equal(labels, written["train"][1])
    assert images.shape == (12, 28, 28, 1) and images.dtype == np.uint8
    assert labels.dtype == np.int64
    line = capsys.readouterr().out.strip()
    assert line == f"mnist: 12 images 28x28x1 (train) from {tmp_path / 'mnist'} (IDX files)"


def test_split_all_is_train_then_test(tmp_path):
    written = make_idx_dataset(tmp_path / "mnist")
    images, labels = data.load_images("mnist", split="all", data_dir=tmp_path, verbose=False)
    expected = np.concatenate([written["train"][0], written["test"][0]])[..., np.newaxis]
    np.testing.assert_array_equal(images, expected)
    np.testing.assert_array_equal(labels, np.concatenate([written["train"][1],
                                                          written["test"][1]]))
    test_images, _ = data.load_images("mnist", split="test", data_dir=tmp_path, verbose=False)
    np.testing.assert_array_equal(test_images[..., 0], written["test"][0])


def test_verbose_false_prints_nothing(tmp_path, capsys):
    make_idx_dataset(tmp_path / "mnist")
    data.load_images("mnist", data_dir=tmp_path, verbose=False)
    assert capsys.readouterr().out == ""


def test_data_folder_from_environment(tmp_path, monkeypatch):
    written = make_idx_dataset(tmp_path / "mnist", gz=True)
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    images, _ = data.load_images("mnist", verbose=False)
    np.testing.assert_array_equal(images[..., 0], written["train"][0])


@pytest.mark.parametrize("subfolder", ["fashion_mnist", "fashion-mnist", "."])
def test_fashion_mnist_folders(tmp_path, subfolder):
    written = make_idx_dataset(tmp_path / subfolder, seed=3)
    images, _ = data.load_images("fashion_mnist", data_dir=tmp_path, verbose=False)
    np.testing.assert_array_equal(images[..., 0], written["train"][0])


def test_mnist_files_are_not_taken_for_fashion_mnist(tmp_path, keras_offline):
    make_idx_dataset(tmp_path / "mnist")
    with pytest.raises(data.DatasetNotFoundError, match="fashion_mnist"):
        data.load_images("fashion_mnist", data_dir=tmp_path)
    # ... nor when data_dir is the mnist folder itself.
    with pytest.raises(data.DatasetNotFoundError):
        data.load_images("fashion_mnist", data_dir=tmp_path / "mnist")
    assert len(keras_offline) == 2


def test_gz_named_file_already_decompressed_is_read(tmp_path):
    """Browsers sometimes gunzip a download but keep the .gz name."""
    directory = tmp_path / "mnist"
    written = make_idx_dataset(directory)
    for path in directory.iterdir():
        path.rename(path.with_name(path.name + ".gz"))
    images, _ = data.load_images("mnist", data_dir=tmp_path, verbose=False)
    np.testing.assert_array_equal(images[..., 0], written["train"][0])


# --------------------------------------------------------------------------- class filter


def test_class_filter_by_index_name_and_list(tmp_path, capsys):
    make_idx_dataset(tmp_path / "mnist", n_train=30)
    _, labels = data.load_images("mnist", classes=3, data_dir=tmp_path)
    np.testing.assert_array_equal(labels, [3, 3, 3])
    assert "(train, class 3)" in capsys.readouterr().out
    _, labels = data.load_images("mnist", classes="7", data_dir=tmp_path, verbose=False)
    np.testing.assert_array_equal(labels, [7, 7, 7])
    _, labels = data.load_images("mnist", classes=[5, "1"], data_dir=tmp_path)
    np.testing.assert_array_equal(labels, [1, 5, 1, 5, 1, 5])  # original order and values
    assert "(train, classes 1, 5)" in capsys.readouterr().out


def test_class_filter_fashion_names_are_case_insensitive(tmp_path):
    make_idx_dataset(tmp_path / "fashion_mnist", n_train=20)
    _, labels = data.load_images("fashion_mnist", classes=["ankle BOOT", "t-shirt/top"],
                                 data_dir=tmp_path, verbose=False)
    np.testing.assert_array_equal(labels, [0, 9, 0, 9])


@pytest.mark.parametrize("classes, fault", [
    ("frog", r"unknown class 'frog'.*0, 1, 2"),
    (10, r"index 10 is not in 0-9"),
    ([], r"non-empty"),
    (True, r"unknown class True"),
])
def test_unknown_class_is_refused_with_the_valid_names(tmp_path, classes, fault):
    make_idx_dataset(tmp_path / "mnist")
    with pytest.raises(ValueError, match=fault):
        data.load_images("mnist", classes=classes, data_dir=tmp_path)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="name='svhn'.*mnist, fashion_mnist, cifar10"):
        data.load_images("svhn", data_dir=tmp_path)
    with pytest.raises(ValueError, match="split='validation'"):
        data.load_images("mnist", split="validation", data_dir=tmp_path)
    with pytest.raises(ValueError, match="not a directory"):
        data.load_images("mnist", data_dir=tmp_path / "nowhere")


def test_class_names():
    assert data.class_names("cifar10") == CIFAR_NAMES
    assert data.class_names("mnist") == [str(digit) for digit in range(10)]
    fashion = data.class_names("fashion_mnist")
    assert len(fashion) == 10 and fashion[0] == "T-shirt/top" and fashion[9] == "Ankle boot"
    with pytest.raises(ValueError, match="cifar100"):
        data.class_names("cifar100")


# --------------------------------------------------------------------------- corrupt IDX files


def test_wrong_magic_number(tmp_path):
    directory = tmp_path / "mnist"
    make_idx_dataset(directory)
    # A labels file where the images belong: magic 0x00000801 instead of 0x00000803.
    write(directory / "train-images-idx3-ubyte", idx_bytes(np.zeros(12, np.uint8)))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: wrong magic number "
                                         r"0x00000801, expected 0x00000803"):
        data.load_images("mnist", data_dir=tmp_path)


def test_truncated_idx_file(tmp_path):
    directory = tmp_path / "mnist"
    make_idx_dataset(directory, gz=True)
    payload = idx_bytes(np.zeros((12, 28, 28), np.uint8))[:-1]
    write(directory / "train-images-idx3-ubyte", payload, gz=True)
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz: truncated"):
        data.load_images("mnist", data_dir=tmp_path)


def test_truncated_idx_header(tmp_path):
    directory = tmp_path / "mnist"
    make_idx_dataset(directory)
    write(directory / "train-labels-idx1-ubyte", (0x801).to_bytes(4, "big") + b"\x00\x00")
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte: truncated IDX header"):
        data.load_images("mnist", data_dir=tmp_path)


def test_trailing_bytes(tmp_path):
    directory = tmp_path / "mnist"
    make_idx_dataset(directory)
    write(directory / "train-labels-idx1-ubyte", idx_bytes(np.zeros(12, np.uint8)) + b"\x00" * 3)
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte: 3 trailing bytes"):
        data.load_images("mnist", data_dir=tmp_path)


def test_images_and_labels_of_different_lengths(tmp_path):
    directory = tmp_path / "mnist"
    make_idx_dataset(directory)
    write(directory / "train-labels-idx1-ubyte", idx_bytes(np.zeros(11, np.uint8)))
    with pytest.raises(ValueError, match=r"length mismatch: .*train-images-idx3-ubyte holds 12 "
                                         r"images but .*train-labels-idx1-ubyte holds 11 labels"):
        data.load_images("mnist", data_dir=tmp_path)


def test_label_out_of_range(tmp_path):
    directory = tmp_path / "mnist"
    make_idx_dataset(directory)
    labels = np.zeros(12, np.uint8)
    labels[4] = 10
    write(directory / "train-labels-idx1-ubyte", idx_bytes(labels))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte: bad label 10 at index 4"):
        data.load_images("mnist", data_dir=tmp_path)


def test_wrong_image_size(tmp_path):
    directory = tmp_path / "mnist"
    make_idx_dataset(directory)
    write(directory / "train-images-idx3-ubyte", idx_bytes(np.zeros((12, 27, 28), np.uint8)))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: images are 27x28, "
                                         r"expected 28x28"):
        data.load_images("mnist", data_dir=tmp_path)


@pytest.mark.parametrize("damage", ["body", "truncated"])
def test_corrupt_gzip(tmp_path, damage):
    directory = tmp_path / "mnist"
    make_idx_dataset(directory, gz=True)
    path = directory / "t10k-images-idx3-ubyte.gz"
    compressed = path.read_bytes()
    if damage == "body":
        compressed = compressed[:10] + bytes(b ^ 0xFF for b in compressed[10:40]) + compressed[40:]
    else:
        compressed = compressed[: len(compressed) // 2]
    path.write_bytes(compressed)
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz: corrupt gzip data"):
        data.load_images("mnist", split="test", data_dir=tmp_path)


def test_gz_file_that_is_neither_gzip_nor_idx(tmp_path):
    directory = tmp_path / "mnist"
    make_idx_dataset(directory, gz=True)
    (directory / "train-labels-idx1-ubyte.gz").write_bytes(b"<html>Not Found</html>")
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte\.gz: not gzip data"):
        data.load_images("mnist", data_dir=tmp_path)


# --------------------------------------------------------------------------- CIFAR-10 binary


def test_cifar_planes_become_channels(tmp_path, capsys):
    """R, G and B planes that differ land in channels 0, 1 and 2, row-major 32x32."""
    rows, cols = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    red, green, blue = rows * 8, cols * 8, np.full((32, 32), 200)
    directory = tmp_path / "cifar10" / "cifar-10-batches-bin"
    write(directory / "data_batch_1.bin",
          cifar_record(6, red, green, blue) + plain_record(2, 17))
    images, labels = data.load_images("cifar10", data_dir=tmp_path)
    assert images.shape == (2, 32, 32, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(labels, [6, 2])
    np.testing.assert_array_equal(images[0, :, :, 0], red)
    np.testing.assert_array_equal(images[0, :, :, 1], green)
    np.testing.assert_array_equal(images[0, :, :, 2], blue)
    assert tuple(images[0, 3, 5]) == (24, 40, 200)  # row 3, column 5
    assert np.all(images[1] == 17)
    assert "1 of 5 training batches (data_batch_1.bin)" in capsys.readouterr().out


def test_cifar_partial_batches_split_all_and_meta_names(tmp_path, capsys):
    directory = tmp_path / "cifar-10-batches-bin"  # the second accepted place
    write(directory / "data_batch_3.bin", plain_record(1, 30) + plain_record(6, 31))
    write(directory / "data_batch_1.bin", plain_record(6, 10))
    write(directory / "test_batch.bin", plain_record(6, 99) + plain_record(0, 98))
    names = ["A", "B", "C", "D", "E", "F", "Frosch", "H", "I", "J"]
    (directory / "batches.meta.txt").write_text("\n".join(names) + "\n\n")
    images, labels = data.load_images("cifar10", split="all", data_dir=tmp_path)
    np.testing.assert_array_equal(images[:, 0, 0, 0], [10, 30, 31, 99, 98])
    np.testing.assert_array_equal(labels, [6, 1, 6, 6, 0])
    assert "2 of 5 training batches (data_batch_1.bin, data_batch_3.bin)" in capsys.readouterr().out
    images, labels = data.load_images("cifar10", classes="frosch", data_dir=tmp_path)
    np.testing.assert_array_equal(images[:, 0, 0, 0], [10, 31])
    assert "class Frosch" in capsys.readouterr().out


def test_cifar_bad_record_size(tmp_path):
    directory = tmp_path / "cifar10" / "cifar-10-batches-bin"
    write(directory / "data_batch_1.bin", plain_record(0, 1) + b"\x00" * 100)
    with pytest.raises(ValueError, match=r"data_batch_1\.bin: bad record size: 3,173 bytes"):
        data.load_images("cifar10", data_dir=tmp_path)


def test_cifar_bad_label_byte(tmp_path):
    directory = tmp_path / "cifar10" / "cifar-10-batches-bin"
    write(directory / "test_batch.bin", plain_record(3, 1) + plain_record(255, 1))
    with pytest.raises(ValueError, match=r"test_batch\.bin: bad label 255 at index 1"):
        data.load_images("cifar10", split="test", data_dir=tmp_path)


def test_cifar_empty_batch(tmp_path):
    write(tmp_path / "cifar10" / "cifar-10-batches-bin" / "test_batch.bin", b"")
    with pytest.raises(ValueError, match=r"test_batch\.bin: empty file"):
        data.load_images("cifar10", split="test", data_dir=tmp_path)


class _Bomb:
    """Unpickling this fails the test: proof that nothing unpickled the file."""

    def __reduce__(self):
        return (eval, ("__import__('pytest').fail('a pickle from the data folder was loaded')",))


def test_cifar_python_pickles_are_never_loaded(tmp_path, keras_offline):
    pickled = tmp_path / "cifar10" / "cifar-10-batches-py"
    pickled.mkdir(parents=True)
    for name in ("data_batch_1", "test_batch", "batches.meta"):
        (pickled / name).write_bytes(pickle.dumps(_Bomb()))
    with pytest.raises(data.DatasetNotFoundError) as caught:
        data.load_images("cifar10", data_dir=tmp_path)
    message = str(caught.value)
    assert f"python* version (pickle files) in {pickled}" in message
    assert "Use the *binary* version (cifar-10-binary.tar.gz)" in message
    assert keras_offline == [1]


# --------------------------------------------------------------------------- missing files


def test_missing_files_explain_where_and_how(tmp_path, keras_offline):
    (tmp_path / "mnist").mkdir()
    write(tmp_path / "mnist" / "train-images-idx3-ubyte", idx_bytes(np.zeros((1, 28, 28))))
    with pytest.raises(data.DatasetNotFoundError) as caught:
        data.load_images("mnist", data_dir=tmp_path)
    error = caught.value
    assert isinstance(error, FileNotFoundError)
    assert isinstance(error.__cause__, urllib.error.URLError)
    message = str(error)
    assert "keras.datasets download failed (URLError" in message
    assert f"Missing: {tmp_path / 'mnist' / 'train-labels-idx1-ubyte'}[.gz]." in message
    assert f"in {tmp_path / 'mnist'}/ (gzipped or not)" in message
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz" in message
    assert 'keras.datasets.mnist.load_data()' in message
    assert f"data_dir='{tmp_path}' or set GAN_UTILS_DATA={tmp_path}" in message


def test_missing_cifar_test_batch(tmp_path, keras_offline):
    write(tmp_path / "cifar10" / "cifar-10-batches-bin" / "data_batch_2.bin", plain_record(0, 0))
    with pytest.raises(data.DatasetNotFoundError) as caught:
        data.load_images("cifar10", split="test", data_dir=tmp_path)
    message = str(caught.value)
    expected = tmp_path / "cifar10" / "cifar-10-batches-bin" / "test_batch.bin"
    assert f"Missing: {expected}." in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" in message


def test_without_gan_utils_data_the_folder_beside_the_checkout_is_read(monkeypatch, tmp_path):
    expected = make_idx_dataset(tmp_path / "mnist")
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setattr(data, "CHECKOUT_DATA", tmp_path)
    images, labels = data.load_images("mnist", "test")
    np.testing.assert_array_equal(images[..., 0], expected["test"][0])
    np.testing.assert_array_equal(labels, expected["test"][1])


def test_no_folder_and_no_network(monkeypatch, keras_offline, tmp_path):
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setattr(data, "CHECKOUT_DATA", tmp_path / "no_checkout_data")
    with pytest.raises(data.DatasetNotFoundError) as caught:
        data.load_images("fashion_mnist")
    message = str(caught.value)
    assert "no data folder (data_dir=None, GAN_UTILS_DATA unset, and no " in message
    assert "<data folder>/fashion_mnist/" in message
    url = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"
    assert url in message


def test_keras_fallback_returns_nhwc_and_int64(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(1)
    x_train = rng.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    y_train = np.array([[0], [6], [6], [1], [2], [6]], dtype=np.uint8)
    x_test, y_test = x_train[:2], y_train[:2]
    monkeypatch.setattr(keras.datasets.cifar10, "load_data",
                        lambda: ((x_train, y_train), (x_test, y_test)))
    images, labels = data.load_images("cifar10", split="all", classes="frog", data_dir=tmp_path)
    np.testing.assert_array_equal(images, np.concatenate([x_train[[1, 2, 5]], x_test[[1]]]))
    assert labels.dtype == np.int64 and labels.tolist() == [6, 6, 6, 6]
    line = capsys.readouterr().out
    assert ("cifar10: 4 images 32x32x3 (train+test, class frog) from keras.datasets (cached in"
            in line)

    monkeypatch.setattr(keras.datasets.mnist, "load_data",
                        lambda: ((np.zeros((4, 28, 28), np.uint8), np.arange(4, dtype=np.uint8)),
                                 (np.zeros((2, 28, 28), np.uint8), np.arange(2, dtype=np.uint8))))
    images, labels = data.load_images("mnist", split="test", data_dir=tmp_path, verbose=False)
    assert images.shape == (2, 28, 28, 1) and labels.tolist() == [0, 1]


# --------------------------------------------------------------------------- scaling


def test_signed_unit_round_trip_is_exact():
    pixels = np.arange(256, dtype=np.uint8)
    scaled = data.to_signed_unit(pixels)
    assert scaled.dtype == np.float32
    assert scaled[0] == -1.0 and scaled[255] == 1.0
    np.testing.assert_allclose(scaled[[51, 204]], [51 / 127.5 - 1, 204 / 127.5 - 1], rtol=1e-6)
    np.testing.assert_array_equal(data.from_signed_unit(scaled), pixels)
    np.testing.assert_array_equal(data.from_signed_unit(np.array([-3.0, -1.0, 0.0, 1.0, 1.5])),
                                  [0, 0, 128, 255, 255])  # 0.0 -> 127.5 rounds to even 128
    np.testing.assert_array_equal(data.from_signed_unit(tf.constant([-1.0, 1.0])), [0, 255])
    with pytest.raises(ValueError, match="uint8"):
        data.to_signed_unit(np.zeros(3, np.float32))


# --------------------------------------------------------------------------- as_dataset


def small_images(count: int = 10, size: int = 4) -> np.ndarray:
    """Images whose every pixel holds a value that identifies the image (i * 25)."""
    values = (np.arange(count) * 25).astype(np.uint8)
    return np.broadcast_to(values[:, None, None, None], (count, size, size, 1)).copy()


def test_as_dataset_scales_exactly_in_order_without_shuffle():
    images = small_images()
    images[0, 0, 0, 0], images[0, 0, 1, 0] = 0, 255
    batches = list(data.as_dataset(images, 5, shuffle=False).as_numpy_iterator())
    assert [batch.shape for batch in batches] == [(5, 4, 4, 1), (5, 4, 4, 1)]
    values = np.concatenate(batches)
    assert values.dtype == np.float32
    assert values[0, 0, 0, 0] == -1.0 and values[0, 0, 1, 0] == 1.0
    np.testing.assert_array_equal(values, images.astype(np.float32) / np.float32(127.5) - 1)
    assert values.min() >= -1.0 and values.max() <= 1.0


def test_as_dataset_drop_remainder():
    images = small_images(10)
    shapes = [batch.shape[0] for batch in data.as_dataset(images, 4, shuffle=False)]
    assert shapes == [4, 4]
    shapes = [batch.shape[0] for batch in
              data.as_dataset(images, 4, shuffle=False, drop_remainder=False)]
    assert shapes == [4, 4, 2]
    with pytest.raises(ValueError, match="batch_size=11 is larger than the 10 images"):
        data.as_dataset(images, 11)
    assert len(list(data.as_dataset(images, 11, drop_remainder=False))) == 1
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="batch_size"):
            data.as_dataset(images, bad)


def test_as_dataset_shuffle_is_a_seeded_permutation():
    images = small_images(10)

    def first_epoch(seed: int) -> list[int]:
        batches = data.as_dataset(images, 10, seed=seed)
        return [int(round((v + 1) * 127.5)) for v in next(iter(batches))[:, 0, 0, 0].numpy()]

    order = first_epoch(3)
    assert sorted(order) == list(range(0, 250, 25))
    assert order == first_epoch(3)
    assert order != list(range(0, 250, 25)) or first_epoch(4) != order


def test_as_dataset_labels_stay_with_their_images():
    images = small_images(8)
    labels = np.arange(8)
    dataset = data.as_dataset(images, 4, labels=labels, seed=1)
    seen = []
    for batch_images, batch_labels in dataset:
        assert batch_images.shape == (4, 4, 4, 1) and batch_labels.shape == (4,)
        assert batch_labels.dtype == tf.int32
        pixel = np.rint((batch_images.numpy()[:, 0, 0, 0] + 1) * 127.5)
        np.testing.assert_array_equal(pixel, batch_labels.numpy() * 25)
        seen += batch_labels.numpy().tolist()
    assert sorted(seen) == list(range(8))
    with pytest.raises(ValueError, match="labels: expected 8 integer labels"):
        data.as_dataset(images, 4, labels=np.arange(7))


def test_as_dataset_resize_matches_keras_bilinear():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (4, 6, 6, 3), dtype=np.uint8)
    batch = next(iter(data.as_dataset(images, 4, shuffle=False, image_size=12))).numpy()
    assert batch.shape == (4, 12, 12, 3)
    reference = keras.ops.convert_to_numpy(keras.ops.image.resize(
        images.astype("float32"), (12, 12), interpolation="bilinear", antialias=True))
    # The cache holds uint8, so resized pixels are rounded: at most half a grey level off.
    np.testing.assert_allclose((batch + 1) * 127.5, reference, atol=0.5 + 1e-3)
    constant = np.full((2, 6, 6, 1), 200, np.uint8)
    resized = next(iter(data.as_dataset(constant, 2, image_size=3, cache=False))).numpy()
    np.testing.assert_allclose(resized, 200 / 127.5 - 1, rtol=1e-6)
    with pytest.raises(ValueError, match="image_size"):
        data.as_dataset(images, 4, image_size=0)


def test_as_dataset_rejects_float_images():
    with pytest.raises(ValueError, match="uint8"):
        data.as_dataset(np.zeros((4, 2, 2, 1), np.float32), 2)


# --------------------------------------------------------------------------- the shared folder

SHARED = os.environ.get(data.DATA_ENV, "")
needs_shared = pytest.mark.skipif(
    not SHARED or not Path(SHARED).is_dir(),
    reason=f"{data.DATA_ENV} does not name the offline datasets folder "
           "(the root conftest.py sets it when ../shared/datasets exists)")


@needs_shared
def test_real_mnist_from_the_shared_folder():
    images, labels = data.load_images("mnist", data_dir=SHARED, verbose=False)
    assert images.shape == (60000, 28, 28, 1) and labels.shape == (60000,)
    counts = np.bincount(labels, minlength=10)
    assert counts.sum() == 60000 and counts.min() > 5000
    test_images, test_labels = data.load_images("mnist", split="test", data_dir=SHARED,
                                                verbose=False)
    assert test_images.shape == (10000, 28, 28, 1)
    assert np.bincount(test_labels, minlength=10).sum() == 10000
    assert images.max() == 255 and images.min() == 0


@needs_shared
def test_real_cifar10_frogs_from_the_shared_folder(capsys):
    # The shared folder holds the whole training split: five batches, 5,000 frogs.
    images, labels = data.load_images("cifar10", classes="frog", data_dir=SHARED)
    assert images.shape == (5000, 32, 32, 3)
    assert set(labels.tolist()) == {6}
    assert re.search(r"cifar10: 5,000 images 32x32x3 \(train, class frog\) from .*"
                     r"5 of 5 training batches", capsys.readouterr().out)


def test_real_cifar10_training_split_is_balanced():
    _, labels = data.load_images("cifar10", data_dir=SHARED)
    assert np.bincount(labels, minlength=10).tolist() == [5000] * 10


# --------------------------------------------------------------------------- Kaggle inputs


@pytest.fixture
def kaggle_input(monkeypatch, tmp_path):
    """A fake /kaggle/input (attached datasets, read-only there), and no data folder."""
    root = tmp_path / "kaggle" / "input"
    root.mkdir(parents=True)
    monkeypatch.setattr(data, "KAGGLE_INPUT", root)
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setattr(data, "CHECKOUT_DATA", tmp_path / "no_checkout_data")
    return root


def test_kaggle_mnist_dataset_with_dotted_names_and_decoy_folders(kaggle_input, keras_offline,
                                                                  capsys):
    """The layout of Kaggle's popular MNIST dataset: the four files with a dot before "idx",
    and beside each a folder of the same dash-separated name holding the file again."""
    dataset = kaggle_input / "mnist-dataset"
    expected = make_idx_dataset(dataset / "tmp")
    for path in list((dataset / "tmp").iterdir()):
        dotted = path.name.replace("-idx", ".idx")
        (dataset / path.name).mkdir()
        path.rename(dataset / dotted)
        (dataset / path.name / path.name).write_bytes((dataset / dotted).read_bytes())
    (dataset / "tmp").rmdir()
    images, labels = data.load_images("mnist", split="all")
    np.testing.assert_array_equal(images[..., 0], np.concatenate([expected["train"][0],
                                                                  expected["test"][0]]))
    np.testing.assert_array_equal(labels, np.concatenate([expected["train"][1],
                                                          expected["test"][1]]))
    assert f"from {dataset} (IDX files, an attached Kaggle dataset)" in capsys.readouterr().out
    assert keras_offline == []                                 # no download tried


def test_kaggle_files_each_in_their_own_deep_folder(kaggle_input, keras_offline):
    dataset = kaggle_input / "some-user" / "digits"
    expected = make_idx_dataset(dataset / "a", gz=True)
    for index, path in enumerate(sorted((dataset / "a").iterdir())):
        target = dataset / f"part{index}" / "x" / path.name
        target.parent.mkdir(parents=True)
        path.rename(target)
    images, _ = data.load_images("mnist", split="test")
    np.testing.assert_array_equal(images[..., 0], expected["test"][0])


def test_kaggle_fashion_and_mnist_side_by_side(kaggle_input, keras_offline):
    digits = make_idx_dataset(kaggle_input / "mnist", seed=1)
    clothes = make_idx_dataset(kaggle_input / "fashionmnist", seed=2)
    np.testing.assert_array_equal(data.load_images("mnist", verbose=False)[0][..., 0],
                                  digits["train"][0])
    np.testing.assert_array_equal(data.load_images("fashion_mnist", verbose=False)[0][..., 0],
                                  clothes["train"][0])


def test_kaggle_cifar_binary_batches(kaggle_input, keras_offline, capsys):
    batches = kaggle_input / "cifar10-binary" / "cifar-10-binary" / "cifar-10-batches-bin"
    write(batches / "data_batch_1.bin", plain_record(6, 10) + plain_record(1, 11))
    write(batches / "test_batch.bin", plain_record(6, 12))
    pickled = kaggle_input / "cifar10-python" / "cifar-10-batches-py"
    write(pickled / "data_batch_1", pickle.dumps({"never": "opened"}))
    images, labels = data.load_images("cifar10", split="all")
    np.testing.assert_array_equal(images[:, 0, 0, 0], [10, 11, 12])
    np.testing.assert_array_equal(labels, [6, 1, 6])
    assert str(batches) in capsys.readouterr().out


def test_a_data_folder_comes_before_kaggle_inputs(kaggle_input, tmp_path, keras_offline):
    make_idx_dataset(kaggle_input / "mnist", seed=1)
    mine = make_idx_dataset(tmp_path / "mine" / "mnist", seed=3)
    images, _ = data.load_images("mnist", data_dir=tmp_path / "mine", verbose=False)
    np.testing.assert_array_equal(images[..., 0], mine["train"][0])


def test_kaggle_search_stops_at_its_depth(kaggle_input, keras_offline, monkeypatch):
    deep = kaggle_input.joinpath(*[f"level{i}" for i in range(data.KAGGLE_SEARCH_DEPTH + 1)])
    make_idx_dataset(deep)
    with pytest.raises(data.DatasetNotFoundError) as caught:
        data.load_images("mnist")
    message = str(caught.value)
    assert f"Searched the datasets attached to this Kaggle notebook ({kaggle_input}/" in message
    assert "Internet switch" in message
    monkeypatch.setattr(data, "KAGGLE_SEARCH_DEPTH", data.KAGGLE_SEARCH_DEPTH + 1)
    assert len(data.load_images("mnist", verbose=False)[0]) == 12


# --------------------------------------------------------------------------- shipped samples


def test_shipped_frogs_are_the_first_test_frogs_of_the_data_folder():
    with np.load(data.SAMPLES_FILE, allow_pickle=False) as samples:
        assert samples.files == ["cifar10_frog"]
        shipped = samples["cifar10_frog"]
    assert shipped.dtype == np.uint8 and shipped.shape == (4, 32, 32, 3)
    assert data.SAMPLES_FILE.stat().st_size < 20_000           # a handful, not a dataset
    shared = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    if not (shared / "cifar10" / "cifar-10-batches-bin" / "test_batch.bin").is_file():
        pytest.skip("no shared CIFAR-10 copy on this machine")
    frogs = data.sample_images("cifar10", "frog", 4, data_dir=shared, verbose=False)
    np.testing.assert_array_equal(frogs, shipped)               # the tool's output, exactly


def test_sample_images_without_data_use_the_shipped_ones(monkeypatch, tmp_path, keras_offline,
                                                         capsys):
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setattr(data, "CHECKOUT_DATA", tmp_path / "no_checkout_data")
    monkeypatch.setattr(data, "KAGGLE_INPUT", tmp_path / "no_kaggle")
    frogs = data.sample_images("cifar10", "Frog", 3)
    assert frogs.shape == (3, 32, 32, 3) and keras_offline == []   # nothing downloaded
    assert "from the course's samples (sample_images.npz)" in capsys.readouterr().out
    with pytest.raises(data.DatasetNotFoundError):                  # more than are shipped
        data.sample_images("cifar10", "frog", 5)
    with pytest.raises(data.DatasetNotFoundError):                  # a class not shipped
        data.sample_images("cifar10", "ship", 1)
    assert len(keras_offline) == 2


def test_sample_images_prefer_the_data_folder_and_check_arguments(tmp_path, keras_offline):
    write(tmp_path / "cifar-10-batches-bin" / "test_batch.bin",
          plain_record(6, 7) + plain_record(2, 8) + plain_record(6, 9))
    frogs = data.sample_images("cifar10", 6, 2, data_dir=tmp_path, verbose=False)
    np.testing.assert_array_equal(frogs[:, 0, 0, 0], [7, 9])
    with pytest.raises(ValueError, match="only 2 images"):
        data.sample_images("cifar10", "frog", 3, data_dir=tmp_path)
    with pytest.raises(ValueError, match="expected one class"):
        data.sample_images("cifar10", ["frog", "ship"], 1, data_dir=tmp_path)
    with pytest.raises(ValueError, match="count=0"):
        data.sample_images("cifar10", "frog", 0, data_dir=tmp_path)


# --------------------------------------------------------------------------- your own images


def write_image(path: Path, pixels: np.ndarray) -> Path:
    """Save uint8 pixels (H, W, 3) or (H, W) as the format the suffix names (Pillow)."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def own_images(folder: Path, count: int = 6) -> list[Path]:
    """``count`` small images: PNGs at the top, JPEGs in nested subfolders, one grey PNG."""
    rng = np.random.default_rng(0)
    paths = []
    for index in range(count):
        pixels = rng.integers(0, 256, size=(20 + index, 30, 3), dtype=np.uint8)
        if index % 2:
            paths.append(write_image(folder / "trip" / f"day{index}" / f"{index}.JPG", pixels))
        else:
            paths.append(write_image(folder / f"{index}.png", pixels))
    paths.append(write_image(folder / "grey.png", np.full((16, 16), 200, np.uint8)))
    (folder / "notes.txt").write_text("not an image")
    return paths


def test_image_folder_reads_nested_pngs_and_jpegs_as_signed_batches(tmp_path):
    paths = own_images(tmp_path, count=6)
    assert data.image_files(tmp_path) == sorted(paths, key=lambda p: (str(p.parent), p.name))
    dataset = data.image_folder(tmp_path, 16, batch_size=3, seed=1, verbose=False)
    batches = [batch.numpy() for batch in dataset]
    assert len(batches) == 7 // 3 == int(dataset.cardinality())
    for batch in batches:
        assert batch.shape == (3, 16, 16, 3) and batch.dtype == np.float32
        assert batch.min() >= -1.0 and batch.max() <= 1.0
    # the grey PNG becomes three equal channels at 200 / 127.5 - 1
    everything = np.concatenate([b.numpy() for b in data.image_folder(
        tmp_path, 16, batch_size=7, verbose=False)])
    grey = [image for image in everything if np.ptp(image) == 0]
    assert len(grey) == 1 and grey[0][0, 0, 0] == pytest.approx(200 / 127.5 - 1)


def test_image_folder_centre_crops_to_a_square(tmp_path):
    wide = np.zeros((10, 30, 3), np.uint8)
    wide[:, :10, 0] = 255          # red left third
    wide[:, 10:20, 2] = 255        # blue centre square
    wide[:, 20:, 1] = 255          # green right third
    write_image(tmp_path / "wide.png", wide)
    image = next(iter(data.image_folder(tmp_path, 10, batch_size=1, verbose=False)))[0].numpy()
    np.testing.assert_allclose(image[..., 2], 1.0)          # all blue
    np.testing.assert_allclose(image[..., :2], -1.0)        # no red, no green


def test_image_folder_names_the_corrupt_files(tmp_path):
    own_images(tmp_path)
    (tmp_path / "trip" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (tmp_path / "empty.PNG").write_bytes(b"")
    with pytest.raises(data.ImageFolderError, match=r"2 of 9 image files cannot be read") as err:
        data.image_folder(tmp_path, 16, batch_size=2, verbose=False)
    assert "broken.jpg" in str(err.value) and "empty.PNG" in str(err.value)
    assert "1.JPG" not in str(err.value)


def test_image_folder_errors_for_missing_empty_and_too_small_folders(tmp_path):
    with pytest.raises(data.ImageFolderError, match="is not a folder"):
        data.image_folder(tmp_path / "absent", 16, batch_size=2)
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "sub" / "readme.txt").write_text("x")
    with pytest.raises(data.ImageFolderError, match=r"no images found .*1 other files"):
        data.image_folder(tmp_path / "empty", 16, batch_size=2)
    own_images(tmp_path / "few", count=2)              # 3 images
    with pytest.raises(data.ImageFolderError, match=r"found 3 images, but training needs "
                                                    r"at least 4 \(min_images; one batch is 4\)"):
        data.image_folder(tmp_path / "few", 16, batch_size=4)
    with pytest.raises(data.ImageFolderError, match="found 3 images.*at least 100"):
        data.image_folder(tmp_path / "few", 16, batch_size=2, min_images=100)
    with pytest.raises(ValueError, match="size"):
        data.image_folder(tmp_path / "few", 0, batch_size=2)
