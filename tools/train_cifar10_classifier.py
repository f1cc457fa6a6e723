"""Train the course's CIFAR-10 classifier, the offline colour feature extractor of metrics.

The same small CNN as the MNIST classifier (``gan_utils.metrics.build_classifier``), for
32x32x3 images, trained on whatever CIFAR-10 training images ``gan_utils.data`` finds
(all five training batches, 50,000 images, or the first ``--train-images``), with random
shifts and flips. Measures the accuracy on the 10,000 test images, refuses to save below
``--min-accuracy``, saves the weights (no optimizer state, no Keras configuration) to
``gan_utils/assets/cifar10_classifier.weights.npz``, reloads them as the course does and
writes the model card ``gan_utils/assets/CIFAR10_CLASSIFIER.md``. Run from the repository
root::

    GAN_UTILS_DATA=../shared/datasets python tools/train_cifar10_classifier.py

The shipped file was trained on all 50,000 images (40 epochs, 0.808 test accuracy; the
earlier one, on the 10,000 of ``data_batch_1.bin``, reached 0.676). Training is slow on a
small CPU, so give ``--work-dir``: a killed run resumes from its last epoch.

A smoke run that leaves the shipped file alone::

    GAN_UTILS_DATA=../shared/datasets python tools/train_cifar10_classifier.py --epochs 1 \
        --train-images 2000 --min-accuracy 0 --output /tmp/smoke/cifar10_classifier.weights.npz

Its features give a *CIFAR-10-classifier FID*: it tells better from worse within the
course (notebook 06 tracks it during training), and is not comparable with the
InceptionV3 FIDs papers publish for CIFAR-10.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from train_mnist_classifier import (  # noqa: E402
    make_dataset,
    rebuild_command,
    save_and_reload,
    take_training_images,
    train_and_predict,
)

from gan_utils import metrics  # noqa: E402

DEFAULT_MIN_ACCURACY = 0.65


def write_model_card(path: Path, *, accuracy: float, train_images: int, seconds: float,
                     epochs: int, batch_size: int, params: int, size_bytes: int,
                     command: str, file_name: str) -> None:
    """The short model card next to the weights: data, accuracy, command, training time."""
    import keras
    import tensorflow as tf

    title = "Model card: CIFAR-10 classifier (colour feature extractor of `gan_utils.metrics`)"
    path.write_text(f"""# {title}

## What it is

A small convolutional classifier of CIFAR-10's ten classes, shipped so that colour GANs
can be measured offline: its {metrics.CIFAR10_FEATURE_DIM}-unit feature layer stands in for
InceptionV3 in FID.

- **File:** `{file_name}` ({size_bytes / 1024:.0f} KiB, {params:,} parameters, weights only:
  the network is built by `gan_utils.metrics.build_classifier`). Loaded by
  `gan_utils.metrics.cifar10_classifier()`; used by `features="cifar10"` in
  `metrics.fid_against` and `metrics.evaluate_generator`.
- **Architecture:** the MNIST classifier's (`gan_utils.metrics.build_classifier`) on
  32x32x3 input: conv 32, max-pool, conv 64-64, max-pool, conv 128 (3x3, batch norm,
  ReLU), global average pooling, dense `{metrics.FEATURE_LAYER}`
  ({metrics.CIFAR10_FEATURE_DIM} units, pre-activation), ReLU, dropout, dense
  `{metrics.LOGITS_LAYER}` (10).
- **Input:** (N, 32, 32, 3) float32 in [-1, 1] (uint8 [0, 255] is converted).
  **Output:** 10 logits, in CIFAR-10's label order (airplane ... truck).

## Intended use

Features for CIFAR-10-classifier FIDs and a class histogram of generated colour images in
the course's notebooks. These FIDs are comparable with each other (same features, same
sample sizes), **not** with the InceptionV3 FIDs published for CIFAR-10 GANs; for those,
use `metrics.features(images, "inception")` where a network is available.

## Data

{train_images:,} CIFAR-10 training images read by `gan_utils.data.load_images("cifar10")`
({train_images / 50_000:.0%} of the training set), rebuilt from a JPEG export of CIFAR-10,
so with JPEG loss.

## Training

Random shifts of up to 2 pixels and left-right flips, {epochs} epochs, batch {batch_size},
Adam with a cosine learning-rate decay from 1e-3, float32.

## Evaluation

**Test accuracy: {accuracy:.4f}** on the 10,000 CIFAR-10 test images (never used in
training; tests/test_metrics.py checks every fifth one). Modest, as a network this small
trained on {train_images:,} images can be; enough for features that separate real photos
from blobs and noise, and for a class histogram.

## Limitations

**Blind spots.** The classifier was shown only photos. Images unlike any photo land
wherever it happens to put them: its most probable class for an untrained frog
generator's flat grey images and for uniform noise is "frog", and it is sure of noise
(p(frog) > 0.5 for most noise images). `CIFAR10_FROG_MODEL_CARD.md` gives the measured
shares; notebook 08 shows the FID side of it.

## How to rebuild / measured

    {command}

{seconds / 60:.1f} min on {platform.processor() or platform.machine()} CPU (2 cores),
TensorFlow {tf.__version__}, Keras {keras.__version__}.
""")


def main() -> None:
    """Train, evaluate, refuse to save below the minimum accuracy, save, write the card."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-accuracy", type=float, default=DEFAULT_MIN_ACCURACY)
    parser.add_argument("--train-images", type=int, default=0,
                        help="train on the first N training images only (0: all)")
    parser.add_argument("--output", type=Path, default=metrics.CIFAR10_CLASSIFIER_PATH,
                        help="the weights file (.npz); the model card goes beside it")
    parser.add_argument("--work-dir", type=Path, help="save the model and optimizer after "
                        "every epoch here; the same command then resumes a killed run")
    args = parser.parse_args()

    from gan_utils import runtime
    from gan_utils.data import load_images

    runtime.seed_everything(args.seed)
    train_images, train_labels = take_training_images(*load_images("cifar10", split="train"),
                                                      args.train_images)
    test_images, test_labels = load_images("cifar10", split="test")
    shape = metrics.CIFAR10_IMAGE_SHAPE
    train = make_dataset(train_images, train_labels, args.batch_size, args.seed, augment=True,
                         image_shape=shape, flip=True)
    steps = args.epochs * int(np.ceil(len(train_images) / args.batch_size))

    def build():
        return metrics.build_classifier(**metrics.classifier_builder_args("cifar10"))

    model, predictions, seconds = train_and_predict(build, train, args.epochs, steps,
                                                    test_images, args.work_dir)
    accuracy = float(np.mean(predictions == test_labels))
    print(f"test accuracy {accuracy:.4f} after {seconds / 60:.1f} min")
    if accuracy < args.min_accuracy:
        raise SystemExit(f"test accuracy {accuracy:.4f} < {args.min_accuracy}: not saved")

    reloaded, size = save_and_reload(model, args.output, "cifar10", test_images)
    command = rebuild_command("train_cifar10_classifier.py", parser, args)
    write_model_card(args.output.parent / "CIFAR10_CLASSIFIER.md", accuracy=accuracy,
                     train_images=len(train_images), seconds=seconds, epochs=args.epochs,
                     batch_size=args.batch_size, params=reloaded.count_params(),
                     size_bytes=size, command=command, file_name=args.output.name)


if __name__ == "__main__":
    main()
