"""Train the course's MNIST classifier, the offline feature extractor of gan_utils.metrics.

Trains a small CNN on the full MNIST training set (60,000 images, read through
``gan_utils.data.load_images``), measures its accuracy on the 10,000 test images,
saves it (weights and architecture, no optimizer state) to
``gan_utils/assets/mnist_classifier.keras`` and writes the model card
``gan_utils/assets/MNIST_CLASSIFIER.md``. Run from the repository root::

    GAN_UTILS_DATA=../shared/datasets python tools/train_mnist_classifier.py

Images are fed in [-1, 1] through ``gan_utils.metrics.to_signed_images``, the same
conversion the metrics apply, so the classifier sees generated and real images alike.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gan_utils import metrics  # noqa: E402

MIN_TEST_ACCURACY = 0.99


def build_classifier(feature_dim: int = metrics.MNIST_FEATURE_DIM, dropout: float = 0.3,
                     image_shape: tuple[int, int, int] = metrics.MNIST_IMAGE_SHAPE,
                     name: str = "mnist_classifier"):
    """Small CNN: images in [-1, 1] -> 10 logits; the layer ``features`` feeds FID/KID.

    3x3 convolutions with batch norm and ReLU: 32 channels at full size (28x28 for
    MNIST), 2x2 max pooling, 64-64 at half size, max pooling, 128 at a quarter; global
    average pooling; then the ``features`` dense layer (pre-activation, so its outputs are
    continuous rather than half zeros) and the logits. ``tools/train_cifar10_classifier.py``
    builds the same network for 32x32x3 images.
    """
    import keras
    from keras import layers

    def conv_bn_relu(x, filters: int, name: str):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
        return layers.ReLU(name=f"{name}_relu")(x)

    inputs = keras.Input(image_shape, name="image")
    x = conv_bn_relu(inputs, 32, "block1")
    x = layers.MaxPooling2D(name="pool1")(x)                 # 14x14
    x = conv_bn_relu(x, 64, "block2a")
    x = conv_bn_relu(x, 64, "block2b")
    x = layers.MaxPooling2D(name="pool2")(x)                 # 7x7
    x = conv_bn_relu(x, 128, "block3")
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    features = layers.Dense(feature_dim, name=metrics.FEATURE_LAYER)(x)
    x = layers.ReLU(name="features_relu")(features)
    x = layers.Dropout(dropout, name="dropout")(x)
    logits = layers.Dense(10, name=metrics.LOGITS_LAYER)(x)
    return keras.Model(inputs, logits, name=name)


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


def train_and_predict(build, train, epochs: int, steps: int, test_images: np.ndarray):
    """Compile ``build()`` (Adam, cosine decay from 1e-3 over ``steps``), fit it on
    ``train`` and predict the test images: (model, predicted labels, training seconds)."""
    import keras

    model = build()
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(train, epochs=epochs, verbose=2)
    seconds = time.perf_counter() - start
    x_test = metrics.to_signed_images(test_images, "test_images", tuple(model.input.shape[1:]))
    predictions = np.argmax(model.predict(x_test, batch_size=1000, verbose=0), axis=1)
    return model, predictions, seconds


def save_without_optimizer(build, model, output: Path):
    """Save an uncompiled twin of ``model`` (weights, no optimizer state) to ``output``;
    returns the twin and the file's size in bytes."""
    clean = build()
    clean.set_weights(model.get_weights())
    output.parent.mkdir(parents=True, exist_ok=True)
    clean.save(output)
    size = output.stat().st_size
    print(f"saved {output} ({size / 1024:.0f} KiB)")
    return clean, size


def rebuild_command(script: str, parser: argparse.ArgumentParser,
                    args: argparse.Namespace) -> str:
    """The command for a model card: ``script`` from the repository root, with the
    training options spelled out when any of them differs from the parser's default."""
    command = f"GAN_UTILS_DATA=../shared/datasets python tools/{script}"
    if any(getattr(args, name) != parser.get_default(name)
           for name in ("epochs", "batch_size", "seed")):
        command += f" --epochs {args.epochs} --batch-size {args.batch_size} --seed {args.seed}"
    return command


def write_model_card(path: Path, *, accuracy: float, halves: tuple[float, float],
                     seconds: float, epochs: int,
                     batch_size: int, params: int, size_bytes: int, command: str) -> None:
    """The short model card next to the weights: data, accuracy, command, training time."""
    import keras
    import tensorflow as tf

    path.write_text(f"""# MNIST classifier (feature extractor of `gan_utils.metrics`)

- **File**: `mnist_classifier.keras` ({size_bytes / 1024:.0f} KiB, {params:,} parameters,
  no optimizer state). Loaded by `gan_utils.metrics.mnist_classifier()`.
- **Architecture**: conv 32, max-pool, conv 64-64, max-pool, conv 128 (3x3, batch norm,
  ReLU), global average pooling, dense `{metrics.FEATURE_LAYER}` ({metrics.MNIST_FEATURE_DIM}
  units, pre-activation), ReLU, dropout, dense `{metrics.LOGITS_LAYER}` (10).
- **Input**: (N, 28, 28, 1) float32 in [-1, 1] (`metrics.to_signed_images` converts uint8
  [0, 255] and [-1, 1] floats alike). **Output**: 10 logits (`metrics.classify` applies the
  softmax).
- **Features for FID/KID**: the output of the layer `{metrics.FEATURE_LAYER}`, width
  {metrics.MNIST_FEATURE_DIM} (the penultimate dense layer, before its ReLU).
- **Training data**: the full MNIST training set (60,000 images,
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
    parser.add_argument("--output", type=Path, default=metrics.MNIST_CLASSIFIER_PATH)
    args = parser.parse_args()

    from gan_utils import runtime
    from gan_utils.data import load_images

    runtime.seed_everything(args.seed)
    train_images, train_labels = load_images("mnist", split="train")
    test_images, test_labels = load_images("mnist", split="test")
    train = make_dataset(train_images, train_labels, args.batch_size, args.seed, augment=True)
    steps = args.epochs * int(np.ceil(len(train_images) / args.batch_size))

    model, predictions, seconds = train_and_predict(build_classifier, train, args.epochs,
                                                    steps, test_images)
    correct = predictions == test_labels
    accuracy = float(np.mean(correct))
    halves = (float(np.mean(correct[:5000])), float(np.mean(correct[5000:])))
    print(f"test accuracy {accuracy:.4f} after {seconds / 60:.1f} min")
    if accuracy < MIN_TEST_ACCURACY:
        raise SystemExit(f"test accuracy {accuracy:.4f} < {MIN_TEST_ACCURACY}: not saved")

    clean, size = save_without_optimizer(build_classifier, model, args.output)
    command = rebuild_command("train_mnist_classifier.py", parser, args)
    write_model_card(args.output.parent / "MNIST_CLASSIFIER.md", accuracy=accuracy,
                     halves=halves,
                     seconds=seconds, epochs=args.epochs, batch_size=args.batch_size,
                     params=clean.count_params(), size_bytes=size, command=command)


if __name__ == "__main__":
    main()
