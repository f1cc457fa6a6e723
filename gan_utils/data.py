"""MNIST, Fashion-MNIST and CIFAR-10 as uint8 arrays, and a tf.data pipeline for GAN training.

Where the images come from, in this order:

1. a data folder, given as ``data_dir=`` or in the ``GAN_UTILS_DATA`` environment variable
   (else ``../shared/datasets`` beside the course's checkout, when it exists), holding the
   datasets' own published files (read here with NumPy, never unpickled):

   - MNIST / Fashion-MNIST: the four IDX files (``train-images-idx3-ubyte``,
     ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``,
     gzipped ``.gz`` or not) in ``<dir>/mnist/`` or ``<dir>/fashion_mnist/``
     (``<dir>/fashion-mnist/`` and ``<dir>`` itself work too);
   - CIFAR-10: the *binary* batches (``data_batch_1.bin`` .. ``data_batch_5.bin``,
     ``test_batch.bin``, ``batches.meta.txt``) in ``<dir>/cifar10/cifar-10-batches-bin/``
     or ``<dir>/cifar-10-batches-bin/``; a partial set of training batches is fine;

2. on Kaggle, the same files in a dataset the learner attached to the notebook: they
   appear read-only below ``/kaggle/input/`` (``/kaggle/input/<dataset-slug>/...``), and
   are found there by their names at any depth up to :data:`KAGGLE_SEARCH_DEPTH`
   (MNIST and Fashion-MNIST have the same file names: files with ``fashion`` in their
   path are Fashion-MNIST's, the others MNIST's);

3. otherwise ``keras.datasets.<name>.load_data()``, which downloads once and caches in
   ``~/.keras/datasets``.

With neither (no files, no network) :func:`load_images` raises :class:`DatasetNotFoundError`
saying which files to put where and where to download them.

:func:`as_dataset` turns the uint8 images into the float32 batches in [-1, 1] that a
generator with a ``tanh`` output is compared against.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gan_utils import ASSETS_DIR
from gan_utils._validate import positive_int

if TYPE_CHECKING:
    import tensorflow as tf

DATA_ENV = "GAN_UTILS_DATA"
#: The data folder beside a checkout of the course (``../shared/datasets`` from its root),
#: used when ``GAN_UTILS_DATA`` is unset.
CHECKOUT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DATASETS = ("mnist", "fashion_mnist", "cifar10")
SPLITS = ("train", "test", "all")

_CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "mnist": tuple(str(digit) for digit in range(10)),
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer",
                "dog", "frog", "horse", "ship", "truck"),
}
_IMAGE_SHAPES = {"mnist": (28, 28, 1), "fashion_mnist": (28, 28, 1), "cifar10": (32, 32, 3)}
_NUM_CLASSES = 10

# IDX: a big-endian int32 magic number 0x0000TTNN (TT = 0x08 for uint8 data, NN = the number
# of dimensions), one big-endian int32 per dimension, then the data in C order.
IDX_IMAGES_MAGIC = 0x00000803
IDX_LABELS_MAGIC = 0x00000801
_IDX_FILES = {  # split -> (images file, labels file), without the optional ".gz"
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_GZIP_MAGIC = b"\x1f\x8b"

# CIFAR-10 binary: records of 1 label byte then 3 x 1024 pixel bytes (R, G, B planes, 32x32 each).
CIFAR_RECORD_BYTES = 1 + 32 * 32 * 3
CIFAR_TRAIN_BATCHES = tuple(f"data_batch_{index}.bin" for index in range(1, 6))
CIFAR_TEST_BATCH = "test_batch.bin"
CIFAR_META = "batches.meta.txt"
_CIFAR_BIN_DIR = "cifar-10-batches-bin"
_CIFAR_PY_DIR = "cifar-10-batches-py"

_DOWNLOADS = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/" + file + ".gz"
              for pair in _IDX_FILES.values() for file in pair],
    "fashion_mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/" + file + ".gz"
                      for pair in _IDX_FILES.values() for file in pair],
    "cifar10": ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"],
}
_DOWNLOAD_PAGES = {
    "mnist": "http://yann.lecun.com/exdb/mnist/",
    "fashion_mnist": "https://github.com/zalandoresearch/fashion-mnist",
    "cifar10": "https://www.cs.toronto.edu/~kriz/cifar.html",
}
_KERAS_CACHE_FILES = {  # what keras.datasets.<name>.load_data() leaves in ~/.keras/datasets
    "mnist": "mnist.npz",
    "fashion_mnist": "fashion-mnist/ (four .gz files)",
    "cifar10": "cifar-10-batches-py-target/ (or cifar-10-batches-py/, by Keras version)",
}

# Kaggle mounts the datasets attached to a notebook below this folder, read-only (a module
# constant, so that tests can point it at a fake). Searched this many folders deep, at most
# this many folders in all (a dataset of loose image files can hold thousands).
KAGGLE_INPUT = Path("/kaggle/input")
KAGGLE_SEARCH_DEPTH = 6
_KAGGLE_MAX_FOLDERS = 20_000

# Above this many bytes the shuffle buffer stops holding the whole dataset.
_SHUFFLE_BUFFER_BYTES = 512 * 2**20


class DatasetNotFoundError(FileNotFoundError):
    """No copy of a dataset in the data folder, and the ``keras.datasets`` download failed."""


# --------------------------------------------------------------------------- names and checks


def class_names(name: str) -> list[str]:
    """Return the 10 class names of ``name`` in label order (MNIST: ``"0"`` .. ``"9"``)."""
    return list(_CLASS_NAMES[_check_name(name)])


def _check_name(name: Any) -> str:
    """Return the dataset name, or raise a ValueError listing the ones this module knows."""
    if not isinstance(name, str) or name.strip().lower().replace("-", "_") not in DATASETS:
        raise ValueError(f"name={name!r}: expected one of {', '.join(DATASETS)}")
    return name.strip().lower().replace("-", "_")


def _check_split(split: Any) -> tuple[str, ...]:
    """Return the splits to read for ``split`` (``"all"`` is train then test)."""
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: expected one of {', '.join(SPLITS)}")
    return ("train", "test") if split == "all" else (split,)


def _resolve_classes(classes: Any, names: Sequence[str]) -> list[int] | None:
    """Turn ``classes`` (an index, a name or a list of them) into sorted label indices.

    Names match case-insensitively; ``None`` means every class.
    """
    if classes is None:
        return None
    items = list(classes) if isinstance(classes, (list, tuple, set, np.ndarray)) else [classes]
    if not items:
        raise ValueError("classes=[]: expected a class index, a class name or a non-empty list")
    lookup = {class_name.lower(): index for index, class_name in enumerate(names)}
    indices = set()
    for item in items:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if not 0 <= item < len(names):
                raise ValueError(f"classes={classes!r}: index {item} is not in 0-{len(names) - 1}")
            indices.add(int(item))
        elif isinstance(item, str) and item.strip().lower() in lookup:
            indices.add(lookup[item.strip().lower()])
        else:
            raise ValueError(f"classes={classes!r}: unknown class {item!r}; expected an index "
                             f"0-{len(names) - 1} or one of: {', '.join(names)}")
    return sorted(indices)


# --------------------------------------------------------------------------- file formats


def _read_bytes(path: Path) -> bytes:
    """Read a file, gunzipping it when it starts with the gzip magic bytes.

    A file named ``.gz`` that a browser already decompressed is read as it is; a ``.gz``
    file that is neither gzip nor IDX, or a damaged gzip stream, is a ValueError.
    """
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(f"{path}: corrupt gzip data ({err}); download the file again") from err
    if path.suffix == ".gz" and raw[:3] != b"\x00\x00\x08":
        raise ValueError(f"{path}: not gzip data (and not an uncompressed IDX file either)")
    return raw


def _read_idx(path: Path, magic: int) -> np.ndarray:
    """Read one IDX file of uint8 data and check every promise its header makes.

    ``magic`` is the expected magic number, which also fixes the number of dimensions.
    """
    data = _read_bytes(path)
    ndim = magic & 0xFF
    header_bytes = 4 + 4 * ndim
    kind = "images" if magic == IDX_IMAGES_MAGIC else "labels"
    if len(data) < 4:
        raise ValueError(f"{path}: truncated IDX file, only {len(data)} bytes")
    found_magic = int.from_bytes(data[:4], "big")
    if found_magic != magic:
        raise ValueError(f"{path}: wrong magic number 0x{found_magic:08X}, expected 0x{magic:08X} "
                         f"(IDX {kind}: uint8, {ndim} dimension{'s' if ndim > 1 else ''})")
    if len(data) < header_bytes:
        raise ValueError(f"{path}: truncated IDX header, {len(data)} bytes where the "
                         f"{ndim} dimension sizes need {header_bytes}")
    shape = tuple(int.from_bytes(data[4 + 4 * axis: 8 + 4 * axis], "big") for axis in range(ndim))
    expected = header_bytes + int(np.prod(shape, dtype=np.int64))
    if len(data) < expected:
        raise ValueError(f"{path}: truncated: the header promises shape {shape} "
                         f"({expected:,} bytes) but the file has {len(data):,} bytes")
    if len(data) > expected:
        raise ValueError(f"{path}: {len(data) - expected:,} trailing bytes after the "
                         f"{shape} data the header promises")
    return np.frombuffer(data, dtype=np.uint8, offset=header_bytes).reshape(shape)


def _check_labels(labels: np.ndarray, path: Path) -> None:
    """Raise a ValueError naming ``path`` when a label is outside 0-9."""
    bad = np.flatnonzero(labels >= _NUM_CLASSES)
    if bad.size:
        raise ValueError(f"{path}: bad label {int(labels[bad[0]])} at index {int(bad[0])} "
                         f"({bad.size:,} out of range); expected 0-{_NUM_CLASSES - 1}")


def _read_idx_split(images_path: Path, labels_path: Path, image_shape: tuple[int, ...]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Read a pair of IDX files into NHWC uint8 images and int64 labels, checked together."""
    images = _read_idx(images_path, IDX_IMAGES_MAGIC)
    labels = _read_idx(labels_path, IDX_LABELS_MAGIC)
    if images.shape[1:] != image_shape[:2]:
        raise ValueError(f"{images_path}: images are {images.shape[1]}x{images.shape[2]}, "
                         f"expected {image_shape[0]}x{image_shape[1]}")
    if len(images) != len(labels):
        raise ValueError(f"length mismatch: {images_path} holds {len(images):,} images but "
                         f"{labels_path} holds {len(labels):,} labels")
    _check_labels(labels, labels_path)
    return images[..., np.newaxis], labels.astype(np.int64)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR-10 binary batch into (N, 32, 32, 3) uint8 images and int64 labels.

    Each record is a label byte and three 32x32 planes (all red, then green, then blue);
    moving the plane axis last gives the NHWC layout Keras expects.
    """
    data = np.fromfile(path, dtype=np.uint8)
    if data.size == 0:
        raise ValueError(f"{path}: empty file, expected records of {CIFAR_RECORD_BYTES:,} bytes")
    if data.size % CIFAR_RECORD_BYTES:
        raise ValueError(f"{path}: bad record size: {data.size:,} bytes is not a whole number of "
                         f"{CIFAR_RECORD_BYTES:,}-byte records (1 label byte + 3,072 pixel bytes)")
    records = data.reshape(-1, CIFAR_RECORD_BYTES)
    labels = records[:, 0]
    _check_labels(labels, path)
    planes = records[:, 1:].reshape(-1, 3, 32, 32)
    return np.ascontiguousarray(planes.transpose(0, 2, 3, 1)), labels.astype(np.int64)


def _read_cifar_meta(path: Path) -> tuple[str, ...]:
    """Read the class names of ``batches.meta.txt`` (one a line, label order)."""
    names = tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    while names and not names[-1]:
        names = names[:-1]
    if len(names) != _NUM_CLASSES or not all(names):
        raise ValueError(f"{path}: expected {_NUM_CLASSES} class names, one a line; "
                         f"found {len(names)} lines")
    return names


# --------------------------------------------------------------------------- finding the files


@dataclass
class _LocalCopy:
    """Files of one dataset found in a data folder, and how to read them."""

    directory: Path
    reader: Any  # () -> (images, labels)
    description: str
    names: tuple[str, ...]


@dataclass
class _Search:
    """What looking in a data folder found: a usable copy, or what was missing where."""

    copy: _LocalCopy | None = None
    searched: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    target: Path | None = None
    pickle_dirs: list[Path] = field(default_factory=list)


def _data_folder(data_dir: str | os.PathLike | None) -> tuple[Path | None, str]:
    """Return the data folder (``data_dir``, else ``$GAN_UTILS_DATA``, else None) and its origin."""
    if data_dir is not None:
        folder, origin = Path(data_dir).expanduser(), f"data_dir={str(data_dir)!r}"
    elif os.environ.get(DATA_ENV, "").strip():
        value = os.environ[DATA_ENV].strip()
        folder, origin = Path(value).expanduser(), f"{DATA_ENV}={value}"
    elif CHECKOUT_DATA.is_dir():
        folder, origin = CHECKOUT_DATA, f"{CHECKOUT_DATA} (beside the course's checkout)"
    else:
        return None, (f"no data folder (data_dir=None, {DATA_ENV} unset, and no "
                      f"{CHECKOUT_DATA})")
    if not folder.is_dir():
        raise ValueError(f"{origin}: {folder} is not a directory; expected the folder holding "
                         f"mnist/, fashion_mnist/ or cifar10/")
    return folder, origin


def _find_file(directory: Path, stem: str) -> Path | None:
    """Return ``stem`` in ``directory``, uncompressed or ``.gz`` (also with a dot before idx)."""
    dotted = stem.replace("-idx", ".idx")
    for candidate in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if (directory / candidate).is_file():
            return directory / candidate
    return None


def _find_idx(name: str, folder: Path, splits: tuple[str, ...]) -> _Search:
    """Look for the IDX files of ``splits`` in the folders a user may have put them in.

    The folder itself counts too, unless its name says it holds the other IDX dataset.
    """
    subfolders = ["mnist"] if name == "mnist" else ["fashion_mnist", "fashion-mnist"]
    other = {"fashion_mnist", "fashion-mnist"} if name == "mnist" else {"mnist"}
    directories = [folder / sub for sub in subfolders]
    if folder.name.lower() not in other:
        directories.append(folder)
    search = _Search(target=directories[0])
    stems = [stem for split in splits for stem in _IDX_FILES[split]]
    best_found = 0
    for directory in directories:
        search.searched.append(directory)
        if not directory.is_dir():
            continue
        paths = {stem: _find_file(directory, stem) for stem in stems}
        missing = [stem for stem, path in paths.items() if path is None]
        if not missing:
            def reader(paths: dict = paths) -> tuple[np.ndarray, np.ndarray]:
                parts = [_read_idx_split(paths[_IDX_FILES[split][0]], paths[_IDX_FILES[split][1]],
                                         _IMAGE_SHAPES[name]) for split in splits]
                return _concatenate(parts)
            search.copy = _LocalCopy(directory, reader, "IDX files", _CLASS_NAMES[name])
            return search
        if len(stems) - len(missing) > best_found:
            best_found = len(stems) - len(missing)
            search.target = directory
            search.missing = [f"{directory / stem}[.gz]" for stem in missing]
    if not search.missing:
        search.missing = [f"{search.target / stem}[.gz]" for stem in stems]
    return search


def _find_cifar(folder: Path, splits: tuple[str, ...]) -> _Search:
    """Look for the CIFAR-10 binary batches; note (never open) a pickled python version."""
    directories = [folder / "cifar10" / _CIFAR_BIN_DIR, folder / _CIFAR_BIN_DIR, folder]
    search = _Search(target=directories[0])
    for pickled in (folder / "cifar10" / _CIFAR_PY_DIR, folder / _CIFAR_PY_DIR):
        if pickled.is_dir():
            search.pickle_dirs.append(pickled)
    if (folder / "data_batch_1").is_file() or (folder / "test_batch").is_file():
        search.pickle_dirs.append(folder)
    for directory in directories:
        search.searched.append(directory)
        if not directory.is_dir():
            continue
        batches = [directory / name for name in CIFAR_TRAIN_BATCHES if (directory / name).is_file()]
        test_batch = directory / CIFAR_TEST_BATCH
        missing = _cifar_missing(directory, splits, bool(batches), test_batch.is_file())
        if missing:
            if not search.missing and directory != folder:  # report a CIFAR folder that exists
                search.target, search.missing = directory, missing
            continue
        files = {"train": batches, "test": [test_batch]}
        meta = directory / CIFAR_META
        names = _read_cifar_meta(meta) if meta.is_file() else _CLASS_NAMES["cifar10"]

        def reader(files: dict = files) -> tuple[np.ndarray, np.ndarray]:
            return _concatenate([_read_cifar_batch(path)
                                 for split in splits for path in files[split]])

        description = "binary batches"
        if "train" in splits:
            description += (f": {len(batches)} of {len(CIFAR_TRAIN_BATCHES)} training batches"
                            f" ({', '.join(path.name for path in batches)})")
        search.copy = _LocalCopy(directory, reader, description, names)
        return search
    if not search.missing:
        search.missing = _cifar_missing(search.target, splits, False, False)
    return search


def _cifar_missing(directory: Path, splits: tuple[str, ...], has_train: bool,
                   has_test: bool) -> list[str]:
    """List the CIFAR-10 batch files ``splits`` need that ``directory`` lacks."""
    missing = []
    if "train" in splits and not has_train:
        missing.append(f"{directory / CIFAR_TRAIN_BATCHES[0]} .. {CIFAR_TRAIN_BATCHES[-1]}")
    if "test" in splits and not has_test:
        missing.append(str(directory / CIFAR_TEST_BATCH))
    return missing


def _concatenate(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Join (images, labels) pairs in order, without copying a single pair."""
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# --------------------------------------------------------------------------- Kaggle inputs


def _idx_names(stem: str) -> tuple[str, ...]:
    """The names an IDX file goes by: as published, gzipped, with a dot before ``idx``."""
    dotted = stem.replace("-idx", ".idx")
    return (stem, stem + ".gz", dotted, dotted + ".gz")


def _walk_kaggle_input(root: Path):
    """Yield (folder, its path relative to ``root``, its file names) for the folders below
    ``root`` in sorted order, at most :data:`KAGGLE_SEARCH_DEPTH` deep."""
    walk = os.walk(root, followlinks=True)  # the depth limit also stops symbolic-link loops
    for visited, (directory, subdirectories, files) in enumerate(walk, start=1):
        folder = Path(directory)
        relative = folder.relative_to(root)
        if len(relative.parts) >= KAGGLE_SEARCH_DEPTH or visited >= _KAGGLE_MAX_FOLDERS:
            subdirectories[:] = []
        subdirectories.sort()
        yield folder, relative, files


def _find_kaggle(name: str, splits: tuple[str, ...], root: Path) -> _Search:
    """Look below ``root`` (``/kaggle/input``) for the dataset's own files, by name.

    IDX files are taken from anywhere inside one attached dataset (the first folder below
    ``root``), so a dataset that keeps each file in a folder of its own works too; CIFAR-10
    batches from one ``cifar-10-batches-bin``-like folder. Returns what :func:`_find_idx` /
    :func:`_find_cifar` return, with ``searched`` holding ``root``.
    """
    search = _Search(target=root, searched=[root])
    stems = [stem for split in splits for stem in _IDX_FILES[split]]
    idx_found: dict[str, dict[str, Path]] = {}   # dataset slug -> stem -> first path found
    for folder, relative, files in _walk_kaggle_input(root):
        if name == "cifar10":
            if CIFAR_TRAIN_BATCHES[0] in files or CIFAR_TEST_BATCH in files:
                found = _find_cifar(folder, splits)
                if found.copy is not None:
                    found.searched = [root]
                    return found
            continue
        fashion = "fashion" in str(relative).lower()
        if not relative.parts or fashion != (name == "fashion_mnist"):
            continue
        slug = relative.parts[0]
        present = set(files)
        for stem in stems:
            match = next((folder / file for file in _idx_names(stem) if file in present), None)
            if match is not None and match.is_file():
                idx_found.setdefault(slug, {}).setdefault(stem, match)
    for slug in sorted(idx_found):
        paths = idx_found[slug]
        if all(stem in paths for stem in stems):
            def reader(paths: dict = paths) -> tuple[np.ndarray, np.ndarray]:
                parts = [_read_idx_split(paths[_IDX_FILES[split][0]], paths[_IDX_FILES[split][1]],
                                         _IMAGE_SHAPES[name]) for split in splits]
                return _concatenate(parts)
            folders = sorted({str(path.parent) for path in paths.values()})
            directory = Path(os.path.commonpath(folders))
            search.copy = _LocalCopy(directory, reader, "IDX files, an attached Kaggle dataset",
                                     _CLASS_NAMES[name])
            return search
    return search


# --------------------------------------------------------------------------- keras fallback


def _keras_cache_dir() -> str:
    """Where ``keras.datasets`` caches its downloads (``$KERAS_HOME/datasets``)."""
    return os.path.join(os.environ.get("KERAS_HOME", "~/.keras"), "datasets")


def _load_from_keras(name: str, splits: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Load ``name`` with ``keras.datasets`` (downloading it once) as NHWC uint8 and int64."""
    import keras

    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    parts = []
    for split in splits:
        images, labels = (x_train, y_train) if split == "train" else (x_test, y_test)
        images = np.asarray(images, dtype=np.uint8)
        if images.ndim == 3:
            images = images[..., np.newaxis]
        elif images.shape[1] == 3 and images.shape[-1] != 3:  # channels_first Keras config
            images = np.ascontiguousarray(images.transpose(0, 2, 3, 1))
        parts.append((images, np.asarray(labels).reshape(-1).astype(np.int64)))
    return _concatenate(parts)


def _not_found_message(name: str, folder: Path | None, origin: str, search: _Search | None,
                       error: BaseException) -> str:
    """Explain which files to put where, and how to fetch them on a machine with a network."""
    lines = [f"{name}: no copy found in a data folder, and the keras.datasets download failed "
             f"({type(error).__name__}: {error})."]
    if folder is None:
        lines.append(f"Looked in: {origin}.")
        subfolder = f"cifar10/{_CIFAR_BIN_DIR}" if name == "cifar10" else name
        target = Path("<data folder>") / subfolder
        folder_hint = "<data folder>"
    else:
        searched = ", ".join(str(path) + ("" if path.is_dir() else " (absent)")
                             for path in search.searched)
        lines.append(f"Looked in {origin}: searched {searched}.")
        lines.append("Missing: " + "; ".join(search.missing) + ".")
        target = search.target
        folder_hint = str(folder)
    if KAGGLE_INPUT.is_dir():
        lines.append(f"Searched the datasets attached to this Kaggle notebook ({KAGGLE_INPUT}/, "
                     f"{KAGGLE_SEARCH_DEPTH} folders deep): none holds these files. Attach one "
                     "that does (Add Input), or turn on the notebook's Internet switch so that "
                     "keras.datasets can download.")
    if search is not None and search.pickle_dirs:
        lines.append("Found the CIFAR-10 *python* version (pickle files) in "
                     + ", ".join(str(path) for path in search.pickle_dirs)
                     + ": it is never unpickled from a data folder (a pickle can run code). "
                     "Use the *binary* version (cifar-10-binary.tar.gz) instead.")
    lines.append(f"To work offline: on a machine with a network download (see "
                 f"{_DOWNLOAD_PAGES[name]})")
    lines += ["    " + url for url in _DOWNLOADS[name]]
    if name == "cifar10":
        lines += ["and unpack it (tar xzf cifar-10-binary.tar.gz gives cifar-10-batches-bin/);",
                  f"put {', '.join(CIFAR_TRAIN_BATCHES)} (any of them), {CIFAR_TEST_BATCH} and "
                  f"{CIFAR_META} in {target}/,"]
    else:
        files = ", ".join(stem + ".gz" for pair in _IDX_FILES.values() for stem in pair)
        lines.append(f"and put {files} in {target}/ (gzipped or not),")
    lines += [
        f"then pass data_dir={folder_hint!r} or set {DATA_ENV}={folder_hint}.",
        f"Or run  python -c \"import keras; keras.datasets.{name}.load_data()\"  on a machine "
        f"with a network and copy {_keras_cache_dir()}/{_KERAS_CACHE_FILES[name]} into "
        f"{_keras_cache_dir()}/ here.",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- public loading


def _locate(name: str, splits: tuple[str, ...], data_dir: str | os.PathLike | None
            ) -> tuple[Path | None, str, _Search | None]:
    """Find the dataset's own files without reading them: in the data folder, else in the
    datasets attached to a Kaggle notebook. Returns (data folder, its origin, the search)."""
    folder, origin = _data_folder(data_dir)
    search = None
    if folder is not None:
        if name == "cifar10":
            search = _find_cifar(folder, splits)
        else:
            search = _find_idx(name, folder, splits)
    if (search is None or search.copy is None) and KAGGLE_INPUT.is_dir():
        kaggle = _find_kaggle(name, splits, KAGGLE_INPUT)
        if kaggle.copy is not None:
            search = kaggle
    return folder, origin, search


def load_images(name: str, split: str = "train", classes: Any = None,
                data_dir: str | os.PathLike | None = None,
                verbose: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Load a dataset as ``(images, labels)``: uint8 NHWC images and int64 labels.

    Args:
        name: ``"mnist"``, ``"fashion_mnist"`` or ``"cifar10"``.
        split: ``"train"``, ``"test"`` or ``"all"`` (train then test, concatenated).
        classes: keep only these classes: an index, a name (``"frog"``, case-insensitive;
            MNIST's names are ``"0"`` .. ``"9"``) or a list of them. ``None`` keeps all.
            Labels keep their original values (frogs stay 6).
        data_dir: folder holding the datasets' own files (see the module docstring);
            default ``$GAN_UTILS_DATA``. Without a copy there, the datasets attached to a
            Kaggle notebook (below ``/kaggle/input``), then ``keras.datasets``.
        verbose: print one line saying how many images came from where.

    Returns:
        images of shape (N, 28, 28, 1) for MNIST / Fashion-MNIST or (N, 32, 32, 3) for
        CIFAR-10, and labels of shape (N,).

    Raises:
        ValueError: a bad argument, or a data file that is corrupt (the message names it).
        DatasetNotFoundError: no files in the folder and the keras.datasets download failed.
    """
    name = _check_name(name)
    splits = _check_split(split)
    folder, origin, search = _locate(name, splits, data_dir)
    if search is not None and search.copy is not None:
        names = search.copy.names
        wanted = _resolve_classes(classes, names)
        images, labels = search.copy.reader()
        source = f"{search.copy.directory} ({search.copy.description})"
    else:
        names = _CLASS_NAMES[name]
        wanted = _resolve_classes(classes, names)
        try:
            images, labels = _load_from_keras(name, splits)
        except Exception as err:  # no network shows up as many exception types
            message = _not_found_message(name, folder, origin, search, err)
            raise DatasetNotFoundError(message) from err
        source = f"keras.datasets (cached in {_keras_cache_dir()})"
        if folder is not None:
            source += f"; no usable copy in {folder}"
    if wanted is not None:
        keep = np.isin(labels, wanted)
        images, labels = images[keep], labels[keep]
    if verbose:
        what = "+".join(splits)
        if wanted is not None:
            chosen = ", ".join(names[index] for index in wanted)
            what += f", class{'es' if len(wanted) > 1 else ''} {chosen}"
        height, width, channels = images.shape[1:]
        print(f"{name}: {len(images):,} images {height}x{width}x{channels} ({what}) from {source}")
    return images, labels


def sample_images(name: str, classes: Any, count: int, data_dir: str | os.PathLike | None = None,
                  verbose: bool = True) -> np.ndarray:
    """The first ``count`` test images of one class, for showing, without a big download.

    Read from the dataset's own files when a data folder (``data_dir``,
    ``$GAN_UTILS_DATA``) or an attached Kaggle dataset holds them; otherwise from the
    handful of images shipped with the course (:data:`SAMPLES_FILE`, made by
    ``scripts/assets/make_sample_images.py``), and only when those are too few from
    ``keras.datasets`` (CIFAR-10 is a 170 MB download to show four frogs).

    Args:
        name: a dataset name, as for :func:`load_images`.
        classes: one class, as an index or a name (``"frog"``).
        count: how many images (a positive integer).
        data_dir, verbose: as for :func:`load_images`.

    Returns:
        uint8 images, (count, H, W, C).
    """
    name = _check_name(name)
    count = positive_int("count", count)
    wanted = _resolve_classes(classes, _CLASS_NAMES[name])
    if len(wanted) != 1:
        raise ValueError(f"classes={classes!r}: expected one class, got {len(wanted)}")
    _, _, search = _locate(name, ("test",), data_dir)
    shipped = _shipped_samples(name, wanted[0])
    if (search is None or search.copy is None) and shipped is not None and len(shipped) >= count:
        if verbose:
            print(f"{name}: {count} test images of class {_CLASS_NAMES[name][wanted[0]]} from "
                  f"the course's samples ({SAMPLES_FILE.name}); no copy of the dataset here")
        return shipped[:count].copy()
    images, _ = load_images(name, split="test", classes=wanted, data_dir=data_dir,
                            verbose=verbose)
    if len(images) < count:
        raise ValueError(f"count={count}: the {name} test split has only {len(images)} images "
                         "of that class")
    return images[:count]


# The few images sample_images ships, one uint8 array per "<dataset>_<class name>" (NumPy's
# .npz, read without pickle), made by scripts/assets/make_sample_images.py.
SAMPLES_FILE = ASSETS_DIR / "sample_images.npz"


def _shipped_samples(name: str, label: int) -> np.ndarray | None:
    """The shipped images of dataset ``name``'s class ``label``, or None if none are shipped."""
    key = f"{name}_{_CLASS_NAMES[name][label]}"
    if not SAMPLES_FILE.is_file():
        return None
    with np.load(SAMPLES_FILE, allow_pickle=False) as samples:
        if key not in samples.files:
            return None
        images = samples[key]
    if images.dtype != np.uint8 or images.shape[1:] != _IMAGE_SHAPES[name]:
        raise ValueError(f"{SAMPLES_FILE}: {key} holds {images.dtype} {images.shape}, expected "
                         f"uint8 (N, {', '.join(map(str, _IMAGE_SHAPES[name]))}); rebuild it "
                         "with scripts/assets/make_sample_images.py")
    return images


# --------------------------------------------------------------------------- scaling and tf.data


def to_signed_unit(images: np.ndarray) -> np.ndarray:
    """Scale uint8 pixels to float32 in [-1, 1] (x / 127.5 - 1): the range of a tanh generator."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images: expected dtype uint8 (0-255), got {images.dtype}")
    return images.astype(np.float32) / np.float32(127.5) - np.float32(1.0)


def from_signed_unit(x: Any) -> np.ndarray:
    """Map values in [-1, 1] back to uint8 pixels, clipping and rounding.

    Exact inverse of :func:`to_signed_unit` on its outputs; generator outputs that stray
    outside [-1, 1] are clipped to 0 or 255.
    """
    values = np.asarray(x, dtype=np.float32)
    return np.clip(np.rint((values + 1.0) * 127.5), 0, 255).astype(np.uint8)


def as_dataset(images: np.ndarray, batch_size: int, labels: np.ndarray | None = None,
               shuffle: bool = True, seed: int = 0, image_size: int | None = None,
               cache: bool = True, drop_remainder: bool = True) -> tf.data.Dataset:
    """Build the input pipeline of a GAN: batches of float32 images in [-1, 1].

    Steps: (optional) bilinear resize to ``image_size`` x ``image_size`` -> cache ->
    shuffle (seeded; the buffer holds the whole dataset when it fits in 512 MB) ->
    batch -> scale x / 127.5 - 1 -> prefetch. Resized images are rounded back to uint8
    before caching, so the cache holds bytes: four times less memory than float32
    (64x64 CIFAR-10 would otherwise need 2.5 GB), at a cost below half a grey level.
    ``cache`` only matters when resizing (it keeps the resize from running every epoch).

    With ``labels`` the elements are ``(images, labels)`` with int32 labels.
    ``drop_remainder`` keeps every batch the same size, which a compiled train step likes.
    """
    import tensorflow as tf

    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images: expected uint8 pixels (0-255), got dtype {images.dtype}")
    if images.ndim == 3:  # grayscale without a channel axis
        images = images[..., np.newaxis]
    if images.ndim != 4 or len(images) == 0:
        raise ValueError("images: expected a non-empty (N, H, W, C) array, "
                         f"got shape {images.shape}")
    batch_size = positive_int("batch_size", batch_size)
    if drop_remainder and batch_size > len(images):
        raise ValueError(f"batch_size={batch_size} is larger than the {len(images)} images: with "
                         "drop_remainder=True the dataset would be empty")
    if image_size is not None:
        image_size = positive_int("image_size", image_size)
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"labels: expected {len(images)} integer labels of shape "
                             f"({len(images)},), got {labels.dtype} {labels.shape}")
        dataset = tf.data.Dataset.from_tensor_slices((images, labels.astype(np.int32)))
    else:
        dataset = tf.data.Dataset.from_tensor_slices(images)

    def on_images(function: Any) -> Any:
        """Apply ``function`` to the images of an element, with or without labels."""
        if labels is None:
            return function
        return lambda x, y: (function(x), y)

    if image_size is not None and images.shape[1:3] != (image_size, image_size):
        def resize(x: tf.Tensor) -> tf.Tensor:
            resized = tf.image.resize(tf.cast(x, tf.float32), (image_size, image_size),
                                      method="bilinear", antialias=True)
            return tf.cast(tf.clip_by_value(tf.round(resized), 0.0, 255.0), tf.uint8)

        dataset = dataset.map(on_images(resize), num_parallel_calls=tf.data.AUTOTUNE)
        if cache:
            dataset = dataset.cache()
        height = width = image_size
    else:
        height, width = images.shape[1:3]
    if shuffle:
        element_bytes = height * width * images.shape[3]
        buffer = max(1, min(len(images), _SHUFFLE_BUFFER_BYTES // element_bytes))
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)

    def scale(x: tf.Tensor) -> tf.Tensor:
        return tf.cast(x, tf.float32) / 127.5 - 1.0

    dataset = dataset.map(on_images(scale), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------------------- your own images

# The file types keras.utils.image_dataset_from_directory reads (matched case-insensitively).
IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


class ImageFolderError(ValueError):
    """A folder of images that cannot be trained on: missing, empty, corrupt files, too few."""


def image_files(path: str | os.PathLike) -> list[Path]:
    """The image files below ``path`` (every subfolder), in the order Keras lists them."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ImageFolderError(f"path={str(path)!r}: {folder} is not a folder; expected a "
                               "folder holding your images (subfolders are searched too)")
    files = []
    for root, _, names in sorted(os.walk(folder), key=lambda entry: entry[0]):
        files += [Path(root) / name for name in sorted(names)
                  if name.lower().endswith(IMAGE_SUFFIXES)]
    return files


def unreadable_images(files: Sequence[Path]) -> list[tuple[Path, str]]:
    """(file, why) for each file TensorFlow cannot decode as an image."""
    import tensorflow as tf

    bad = []
    for file in files:
        try:
            tf.io.decode_image(tf.io.read_file(str(file)), channels=3, expand_animations=False)
        except (tf.errors.InvalidArgumentError, tf.errors.OpError) as err:
            bad.append((file, err.message.splitlines()[0] if err.message else type(err).__name__))
    return bad


def image_folder(path: str | os.PathLike, size: int, batch_size: int, *,
                 min_images: int | None = None, seed: int = 0,
                 verbose: bool = True) -> tf.data.Dataset:
    """Your own images as GAN training batches: float32 (batch, size, size, 3) in [-1, 1].

    Every .png/.jpg/.jpeg/.bmp/.gif below ``path`` (subfolders too) is read by
    ``keras.utils.image_dataset_from_directory``, in RGB, centre-cropped to a square
    (``crop_to_aspect_ratio=True``) and resized to ``size`` x ``size``; then cached as
    bytes, shuffled every epoch (seeded), batched (full batches only) and scaled to [-1, 1].

    Raises :class:`ImageFolderError` for a missing or empty folder, for files that do not
    decode (naming them, so that you can delete them) and for fewer than ``min_images``
    images (default: one batch).
    """
    import keras
    import tensorflow as tf

    size, batch_size = positive_int("size", size), positive_int("batch_size", batch_size)
    needed = batch_size if min_images is None else positive_int("min_images", min_images)
    files = image_files(path)
    if not files:
        others = sum(len(names) for _, _, names in os.walk(Path(path).expanduser()))
        raise ImageFolderError(f"{path}: no images found (looked for {', '.join(IMAGE_SUFFIXES)} "
                               f"in it and its subfolders; {others} other files)")
    bad = unreadable_images(files)
    if bad:
        listed = "\n".join(f"    {file}: {why}" for file, why in bad[:20])
        more = f"\n    ... and {len(bad) - 20} more" if len(bad) > 20 else ""
        raise ImageFolderError(f"{path}: {len(bad)} of {len(files)} image files cannot be "
                               f"read; delete or replace them:\n{listed}{more}")
    if len(files) < needed:
        raise ImageFolderError(f"{path}: found {len(files)} images, but training needs at least "
                               f"{needed} (min_images; one batch is {batch_size}); a GAN learns "
                               "little from fewer than a few thousand")
    dataset = keras.utils.image_dataset_from_directory(
        str(Path(path).expanduser()), labels=None, color_mode="rgb", batch_size=None,
        image_size=(size, size), shuffle=False, crop_to_aspect_ratio=True, verbose=False)
    dataset = dataset.map(lambda x: tf.cast(tf.clip_by_value(tf.round(x), 0.0, 255.0), tf.uint8),
                          num_parallel_calls=tf.data.AUTOTUNE).cache()
    buffer = max(1, min(len(files), _SHUFFLE_BUFFER_BYTES // (size * size * 3)))
    dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=True)
    dataset = dataset.map(lambda x: tf.cast(x, tf.float32) / 127.5 - 1.0,
                          num_parallel_calls=tf.data.AUTOTUNE)
    if verbose:
        folders = len({file.parent for file in files})
        print(f"{path}: {len(files):,} images in {folders} folder{'s' * (folders > 1)}, "
              f"cropped and resized to {size}x{size}, batches of {batch_size}")
    return dataset.prefetch(tf.data.AUTOTUNE)
