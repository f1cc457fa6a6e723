"""Train the course's MNIST classifier, the offline feature extractor of gan_utils.metrics.

Trains a small CNN on the full MNIST training set (60,000 images, read through
``gan_utils.data.load_images``), measures its accuracy on the 10,000 test images,
saves its weights (no optimizer state, no Keras configuration: the network is
``gan_utils.metrics.build_classifier``, so any Keras 3 loads it) to
``gan_utils/assets/mnist_classifier.weights.npz``, reloads them as the course does and
writes the model card ``gan_utils/assets/MNIST_CLASSIFIER.md``. Run from the repository
root::

    GAN_UTILS_DATA=../shared/datasets python tools/train_mnist_classifier.py

A smoke run that leaves the shipped file alone (``--output`` elsewhere, a few images)::

    GAN_UTILS_DATA=../shared/datasets python tools/train_mnist_classifier.py --epochs 1 \
        --train-images 2000 --min-accuracy 0 --output /tmp/smoke/mnist_classifier.weights.npz

Images are fed in [-1, 1] through ``gan_utils.metrics.to_signed_images``, the same
conversion the metrics apply, so the classifier sees generated and real images alike.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import keras
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gan_utils import metrics  # noqa: E402

MIN_TEST_ACCURACY = 0.99
#: The network, from the package: the weights file holds only weights.
build_classifier = metrics.build_classifier


def make_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int,
                 augment: bool, image_shape: tuple[int, int, int] = metrics.MNIST_IMAGE_SHAPE,
                 flip: bool = False):
    """Shuffled batches in [-1, 1]; with ``augment``, random shifts of up to 2 pixels
    (filled with black) and, with ``flip``, random left-right flips (photos, not digits)."""
    import keras
    import tensorflow as tf
    from keras import layers

    x = metrics.to_signed_images(images, "images", image_shape)
    dataset = tf.data.Dataset.from_tensor_slices((x, labels.astype("int64")))
    dataset = dataset.shuffle(len(x), seed=seed).batch(batch_size)
    if augment:
        size = image_shape[0]
        augmentation = [layers.RandomTranslation(2 / size, 2 / size, fill_mode="constant",
                                                 fill_value=-1.0, seed=seed)]
        if flip:
            augmentation.append(layers.RandomFlip("horizontal", seed=seed))
        augment_batch = keras.Sequential(augmentation)
        dataset = dataset.map(lambda xb, yb: (augment_batch(xb, training=True), yb),
                              num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def train_and_predict(build, train, epochs: int, steps: int, test_images: np.ndarray,
                      work_dir: Path | None = None):
    """Compile ``build()`` (Adam, cosine decay from 1e-3 over ``steps``), fit it on
    ``train`` and predict the test images: (model, predicted labels, training seconds).

    With ``work_dir``, Keras' ``BackupAndRestore`` saves the model and optimizer after
    every epoch, so a killed run started again with the same command continues from its
    last finished epoch (a long training on a 2-core CPU can span several sittings); the
    seconds of training are summed over the sittings in ``work_dir/seconds.json``. The
    resumed run's batches are shuffled in a different order than an unbroken run's.
    """
    model = build()
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    callbacks = []
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
        if not (work_dir / "backup").exists():  # a fresh start (Keras deletes it when done)
            (work_dir / "seconds.json").unlink(missing_ok=True)
        callbacks = [keras.callbacks.BackupAndRestore(str(work_dir / "backup")),
                     SecondsLog(work_dir / "seconds.json")]
    start = time.perf_counter()
    model.fit(train, epochs=epochs, verbose=2, callbacks=callbacks)
    seconds = callbacks[1].total if callbacks else time.perf_counter() - start
    x_test = metrics.to_signed_images(test_images, "test_images", tuple(model.input.shape[1:]))
    predictions = np.argmax(model.predict(x_test, batch_size=1000, verbose=0), axis=1)
    return model, predictions, seconds


class SecondsLog(keras.callbacks.Callback):
    """Seconds of training summed over the sittings of a resumed run, written to ``path``
    (JSON) at the end of every epoch, when ``BackupAndRestore`` saves the model."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self.before = json.loads(path.read_text())["seconds"] if path.exists() else 0.0
        self.total = self.before

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.total = self.before + time.perf_counter() - self.start
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"seconds": self.total, "epochs": epoch + 1}))
        temporary.replace(self.path)


def save_and_reload(model, output: Path, dataset: str, test_images: np.ndarray):
    """Save ``model``'s weights (no optimizer state) to ``output``, load them back as
    ``gan_utils.metrics`` does and check the reloaded model predicts the same logits on
    the test images; returns the reloaded model and the file's size in bytes."""
    metrics.save_classifier(model, output, dataset)
    reloaded = metrics.load_classifier(output, dataset)
    x = metrics.to_signed_images(test_images[:1000], "test_images",
                                 tuple(model.input.shape[1:]))
    np.testing.assert_allclose(reloaded.predict(x, batch_size=500, verbose=0),
                               model.predict(x, batch_size=500, verbose=0), rtol=1e-5, atol=1e-5)
    size = output.stat().st_size
    print(f"saved {output} ({size / 1024:.0f} KiB) and reloaded it: same logits")
    return reloaded, size


def rebuild_command(script: str, parser: argparse.ArgumentParser,
                    args: argparse.Namespace) -> str:
    """The command for a model card: ``script`` from the repository root, with the
    training options spelled out when any of them differs from the parser's default."""
    command = f"GAN_UTILS_DATA=../shared/datasets python tools/{script}"
    if any(getattr(args, name) != parser.get_default(name)
           for name in ("epochs", "batch_size", "seed")):
        command += f" --epochs {args.epochs} --batch-size {args.batch_size} --seed {args.seed}"
    if args.train_images:
        command += f" --train-images {args.train_images}"
    return command


def take_training_images(images: np.ndarray, labels: np.ndarray, limit: int):
    """The first ``limit`` training images and labels (all of them for 0): smoke runs."""
    if limit < 0:
        raise SystemExit(f"--train-images {limit}: expected 0 (all) or a positive number")
    return (images[:limit], labels[:limit]) if limit else (images, labels)


def write_model_card(path: Path, *, accuracy: float, halves: tuple[float, float],
                     seconds: float, epochs: int, train_images: int, file_name: str,
                     batch_size: int, params: int, size_bytes: int, command: str) -> None:
    """The short model card next to the weights: data, accuracy, command, training time."""
    import keras
    import tensorflow as tf

    path.write_text(f"""# MNIST classifier (feature extractor of `gan_utils.metrics`)

- **File**: `{file_name}` ({size_bytes / 1024:.0f} KiB, {params:,} parameters,
  weights only: the network is built by `gan_utils.metrics.build_classifier`). Loaded by
  `gan_utils.metrics.course_classifier("mnist")`; its features by
  `metrics.features(images, "mnist")`.
- **Architecture**: conv 32, max-pool, conv 64-64, max-pool, conv 128 (3x3, batch norm,
  ReLU), global average pooling, dense `{metrics.FEATURE_LAYER}` ({metrics.MNIST_FEATURE_DIM}
  units, pre-activation), ReLU, dropout, dense `{metrics.LOGITS_LAYER}` (10).
- **Input**: (N, 28, 28, 1) float32 in [-1, 1] (`metrics.to_signed_images` converts uint8
  [0, 255] and [-1, 1] floats alike). **Output**: 10 logits (`metrics.classify` applies the
  softmax).
- **Features for FID/KID**: the output of the layer `{metrics.FEATURE_LAYER}`, width
  {metrics.MNIST_FEATURE_DIM} (the penultimate dense layer, before its ReLU).
- **Training data**: {"the full MNIST training set" if train_images == 60_000 else
                       "the first images of the MNIST training set"} ({train_images:,} images,
  `gan_utils.data.load_images("mnist")`), random shifts of up to 2 pixels, {epochs} epochs,
  batch {batch_size}, Adam with a cosine learning-rate decay from 1e-3.
- **Test accuracy**: **{accuracy:.4f}** on the 10,000 MNIST test images (never used in training):
  {halves[0]:.4f} on the first 5,000 and {halves[1]:.4f} on the last 5,000, which come from
  different groups of writers (tests/test_metrics.py checks every fifth test image).
- **Training time**: {seconds / 60:.1f} min on {platform.processor() or platform.machine()}
  CPU (2 cores, shared), TensorFlow {tf.__version__}, Keras {keras.__version__}.
- **Rebuilt with**: `{command}`

FIDs computed with these features are *MNIST-classifier FIDs*: comparable with each other
(same features, same sample sizes), not with published InceptionV3 FIDs.
""")


def main() -> None:
    """Train, evaluate, refuse to save below 99% test accuracy, save, write the model card."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-images", type=int, default=0,
                        help="train on the first N training images only (0: all; smoke runs)")
    parser.add_argument("--min-accuracy", type=float, default=MIN_TEST_ACCURACY,
                        help="refuse to save below this test accuracy")
    parser.add_argument("--output", type=Path, default=metrics.MNIST_CLASSIFIER_PATH,
                        help="the weights file (.npz); the model card goes beside it")
    parser.add_argument("--work-dir", type=Path, help="save the model and optimizer after "
                        "every epoch here; the same command then resumes a killed run")
    args = parser.parse_args()

    from gan_utils import runtime
    from gan_utils.data import load_images

    runtime.seed_everything(args.seed)
    train_images, train_labels = take_training_images(*load_images("mnist", split="train"),
                                                      args.train_images)
    test_images, test_labels = load_images("mnist", split="test")
    train = make_dataset(train_images, train_labels, args.batch_size, args.seed, augment=True)
    steps = args.epochs * int(np.ceil(len(train_images) / args.batch_size))

    model, predictions, seconds = train_and_predict(build_classifier, train, args.epochs,
                                                    steps, test_images, args.work_dir)
    correct = predictions == test_labels
    accuracy = float(np.mean(correct))
    halves = (float(np.mean(correct[:5000])), float(np.mean(correct[5000:])))
    print(f"test accuracy {accuracy:.4f} after {seconds / 60:.1f} min")
    if accuracy < args.min_accuracy:
        raise SystemExit(f"test accuracy {accuracy:.4f} < {args.min_accuracy}: not saved")

    reloaded, size = save_and_reload(model, args.output, "mnist", test_images)
    command = rebuild_command("train_mnist_classifier.py", parser, args)
    write_model_card(args.output.parent / "MNIST_CLASSIFIER.md", accuracy=accuracy,
                     halves=halves, seconds=seconds, epochs=args.epochs,
                     train_images=len(train_images), file_name=args.output.name,
                     batch_size=args.batch_size, params=reloaded.count_params(),
                     size_bytes=size, command=command)


if __name__ == "__main__":
    main()
