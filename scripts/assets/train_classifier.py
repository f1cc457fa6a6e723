"""Train one of the course's classifiers, the offline feature extractors of gan_utils.metrics.

``--dataset mnist`` (default) or ``--dataset cifar10``: the same small CNN
(``gan_utils.classifiers.build_classifier``), trained on the dataset's training images read by
``gan_utils.data.load_images`` (random shifts; CIFAR-10 also left-right flips), scored on
the 10,000 test images, refused below ``--min-accuracy``, saved as weights only to
``gan_utils/assets/<dataset>_classifier.weights.npz``, reloaded as the course loads it,
and described in the model card beside it. Run from the repository root::

    python scripts/assets/train_classifier.py --dataset mnist
    python scripts/assets/train_classifier.py --dataset cifar10 --work-dir /tmp/cifar10

``--work-dir`` makes a killed run resume from its last epoch. A smoke run that leaves the
shipped file alone::

    python scripts/assets/train_classifier.py --epochs 1 --train-images 2000 \
        --min-accuracy 0 --output /tmp/smoke/mnist_classifier.weights.npz

Images are fed in [-1, 1] through ``gan_utils.metrics.to_signed_images``, the conversion
the metrics apply, so the classifier sees generated and real images alike.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import keras
import numpy as np

from gan_utils import classifiers, metrics

#: Per dataset: default epochs, batch size, minimum test accuracy, flips, weights file.
DATASETS = {
    "mnist": dict(epochs=5, batch_size=256, min_accuracy=0.99, flip=False,
                  output=classifiers.MNIST_CLASSIFIER_PATH, card="MNIST_CLASSIFIER.md"),
    "cifar10": dict(epochs=40, batch_size=128, min_accuracy=0.65, flip=True,
                    output=classifiers.CIFAR10_CLASSIFIER_PATH, card="CIFAR10_CLASSIFIER.md"),
}


def make_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int,
                 augment: bool, image_shape: tuple[int, int, int] = classifiers.MNIST_IMAGE_SHAPE,
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
    classifiers.save_classifier(model, output, dataset)
    reloaded = classifiers.load_classifier(output, dataset)
    x = metrics.to_signed_images(test_images[:1000], "test_images",
                                 tuple(model.input.shape[1:]))
    np.testing.assert_allclose(reloaded.predict(x, batch_size=500, verbose=0),
                               model.predict(x, batch_size=500, verbose=0), rtol=1e-5, atol=1e-5)
    size = output.stat().st_size
    print(f"saved {output} ({size / 1024:.0f} KiB) and reloaded it: same logits")
    return reloaded, size


def rebuild_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """The command for a model card, from the repository root, with the training options
    spelled out when any of them differs from the dataset's default."""
    command = f"python scripts/assets/train_classifier.py --dataset {args.dataset}"
    defaults = {**DATASETS[args.dataset], "seed": parser.get_default("seed")}
    if any(getattr(args, name) != defaults[name] for name in ("epochs", "batch_size", "seed")):
        command += f" --epochs {args.epochs} --batch-size {args.batch_size} --seed {args.seed}"
    if args.train_images:
        command += f" --train-images {args.train_images}"
    return command


def take_training_images(images: np.ndarray, labels: np.ndarray, limit: int):
    """The first ``limit`` training images and labels (all of them for 0): smoke runs."""
    if limit < 0:
        raise SystemExit(f"--train-images {limit}: expected 0 (all) or a positive number")
    return (images[:limit], labels[:limit]) if limit else (images, labels)


def write_mnist_card(path: Path, *, accuracy: float, halves: tuple[float, float],
                     seconds: float, epochs: int, train_images: int, file_name: str,
                     batch_size: int, params: int, size_bytes: int, command: str) -> None:
    """The short model card next to the weights: data, accuracy, command, training time."""
    import keras
    import tensorflow as tf

    path.write_text(f"""# MNIST classifier (feature extractor of `gan_utils.metrics`)

- **File**: `{file_name}` ({size_bytes / 1024:.0f} KiB, {params:,} parameters,
  weights only: the network is built by `gan_utils.classifiers.build_classifier`). Loaded by
  `gan_utils.metrics.course_classifier("mnist")`; its features by
  `metrics.features(images, "mnist")`.
- **Architecture**: conv 32, max-pool, conv 64-64, max-pool, conv 128 (3x3, batch norm,
  ReLU), global average pooling, dense `{classifiers.FEATURE_LAYER}`
  ({classifiers.MNIST_FEATURE_DIM} units, pre-activation), ReLU, dropout, dense
  `{classifiers.LOGITS_LAYER}` (10).
- **Input**: (N, 28, 28, 1) float32 in [-1, 1] (`metrics.to_signed_images` converts uint8
  [0, 255] and [-1, 1] floats alike). **Output**: 10 logits (`metrics.classify` applies the
  softmax).
- **Features for FID/KID**: the output of the layer `{classifiers.FEATURE_LAYER}`, width
  {classifiers.MNIST_FEATURE_DIM} (the penultimate dense layer, before its ReLU).
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


def write_cifar10_card(path: Path, *, accuracy: float, train_images: int, seconds: float,
                     epochs: int, batch_size: int, params: int, size_bytes: int,
                     command: str, file_name: str) -> None:
    """The short model card next to the weights: data, accuracy, command, training time."""
    import keras
    import tensorflow as tf

    path.write_text(f"""# CIFAR-10 classifier (colour feature extractor of `gan_utils.metrics`)

- **File**: `{file_name}` ({size_bytes / 1024:.0f} KiB, {params:,} parameters,
  weights only: the network is built by `gan_utils.classifiers.build_classifier`). Loaded by
  `gan_utils.metrics.course_classifier("cifar10")`; its features by
  `metrics.features(images, "cifar10")`, used by `features="cifar10"` in
  `metrics.fid_against` and `metrics.evaluate_generator`.
- **Architecture**: the MNIST classifier's (`gan_utils.classifiers.build_classifier`) on
  32x32x3 input: conv 32, max-pool, conv 64-64, max-pool, conv 128
  (3x3, batch norm, ReLU), global average pooling, dense `{classifiers.FEATURE_LAYER}`
  ({classifiers.CIFAR10_FEATURE_DIM} units, pre-activation), ReLU, dropout, dense
  `{classifiers.LOGITS_LAYER}` (10).
- **Input**: (N, 32, 32, 3) float32 in [-1, 1] (uint8 [0, 255] is converted).
  **Output**: 10 logits, in CIFAR-10's label order (airplane ... truck).
- **Training data**: {train_images:,} CIFAR-10 training images read by
  `gan_utils.data.load_images("cifar10")` ({train_images / 50_000:.0%} of the training
  set; on the course's offline machines rebuilt from a JPEG export, see the data folder's
  README, so with JPEG loss). Random shifts of
  up to 2 pixels and left-right flips, {epochs} epochs, batch {batch_size}, Adam with a
  cosine learning-rate decay from 1e-3.
- **Test accuracy**: **{accuracy:.4f}** on the 10,000 CIFAR-10 test images (never used in
  training; tests/test_metrics.py checks every fifth one). Modest, as a network this small
  trained on {train_images:,} images can be; enough for features that separate real photos from
  blobs and noise, and for a class histogram.
- **Training time**: {seconds / 60:.1f} min on {platform.processor() or platform.machine()}
  CPU (2 cores), TensorFlow {tf.__version__}, Keras {keras.__version__}.
- **Rebuilt with**: `{command}`

FIDs computed with these features are *CIFAR-10-classifier FIDs*: comparable with each
other (same features, same sample sizes), **not** with the InceptionV3 FIDs published
for CIFAR-10 GANs. For those, use `metrics.features(images, "inception")` where a network is
available.

**Blind spots.** The classifier was shown only photos. Images unlike any photo land
wherever it happens to put them: its most probable class for an untrained frog
generator's flat grey images and for uniform noise is "frog", and it is sure of noise
(p(frog) > 0.5 for most noise images). `CIFAR10_FROG_MODEL_CARD.md` gives the measured
shares (`scripts/assets/train_frog_generator.py`); notebook 06 shows the FID side of it.
""")


def main(argv: list[str] | None = None) -> None:
    """Train, evaluate, refuse to save below the minimum accuracy, save, write the card."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="mnist")
    parser.add_argument("--epochs", type=int, help="default: 5 (mnist), 40 (cifar10)")
    parser.add_argument("--batch-size", type=int, help="default: 256 (mnist), 128 (cifar10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-images", type=int, default=0,
                        help="train on the first N training images only (0: all; smoke runs)")
    parser.add_argument("--min-accuracy", type=float,
                        help="refuse to save below this test accuracy (default: 0.99 for "
                             "mnist, 0.65 for cifar10)")
    parser.add_argument("--output", type=Path,
                        help="the weights file (.npz, default: the shipped one); the model "
                             "card goes beside it")
    parser.add_argument("--work-dir", type=Path, help="save the model and optimizer after "
                        "every epoch here; the same command then resumes a killed run")
    args = parser.parse_args(argv)
    settings = DATASETS[args.dataset]
    for name in ("epochs", "batch_size", "min_accuracy", "output"):
        if getattr(args, name) is None:
            setattr(args, name, settings[name])

    from gan_utils import classifiers, runtime
    from gan_utils.data import load_images

    runtime.seed_everything(args.seed)
    train_images, train_labels = take_training_images(
        *load_images(args.dataset, split="train"), args.train_images)
    test_images, test_labels = load_images(args.dataset, split="test")
    builder_args = classifiers.classifier_builder_args(args.dataset)
    train = make_dataset(train_images, train_labels, args.batch_size, args.seed, augment=True,
                         image_shape=tuple(builder_args["image_shape"]),
                         flip=settings["flip"])
    steps = args.epochs * int(np.ceil(len(train_images) / args.batch_size))

    def build():
        return classifiers.build_classifier(**builder_args)

    model, predictions, seconds = train_and_predict(build, train, args.epochs, steps,
                                                    test_images, args.work_dir)
    correct = predictions == test_labels
    accuracy = float(np.mean(correct))
    print(f"test accuracy {accuracy:.4f} after {seconds / 60:.1f} min")
    if accuracy < args.min_accuracy:
        raise SystemExit(f"test accuracy {accuracy:.4f} < {args.min_accuracy}: not saved")

    reloaded, size = save_and_reload(model, args.output, args.dataset, test_images)
    card = dict(accuracy=accuracy, train_images=len(train_images), seconds=seconds,
                epochs=args.epochs, batch_size=args.batch_size,
                params=reloaded.count_params(), size_bytes=size,
                command=rebuild_command(parser, args), file_name=args.output.name)
    path = args.output.parent / settings["card"]
    if args.dataset == "mnist":
        halves = (float(np.mean(correct[:5000])), float(np.mean(correct[5000:])))
        write_mnist_card(path, halves=halves, **card)
    else:
        write_cifar10_card(path, **card)


if __name__ == "__main__":
    main()
