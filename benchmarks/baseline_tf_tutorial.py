"""The TensorFlow DCGAN tutorial, re-implemented plainly: the course's speed baseline.

Source: https://www.tensorflow.org/tutorials/generative/dcgan. Same generator and
discriminator, same losses (binary cross-entropy on logits), same optimizers
(Adam(1e-4) for both), same ``train_step`` compiled with ``@tf.function`` in float32
without XLA, noise dimension 100 and batch size 256. Nothing here is tuned: the
benchmarks compare the course's CPU profile against exactly this.

Use it as a module (``benchmarks/time_to_quality.py`` and the speed benchmark import
it) or run it directly for a short smoke run::

    python benchmarks/baseline_tf_tutorial.py --steps 20
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

NOISE_DIM = 100
BATCH_SIZE = 256
BUFFER_SIZE = 60000
LEARNING_RATE = 1e-4

cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)


def make_generator_model() -> tf.keras.Model:
    """The tutorial's generator: noise (100,) -> 28x28x1 image in [-1, 1]."""
    model = tf.keras.Sequential()
    model.add(layers.Input(shape=(NOISE_DIM,)))
    model.add(layers.Dense(7 * 7 * 256, use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())
    model.add(layers.Reshape((7, 7, 256)))
    model.add(layers.Conv2DTranspose(128, (5, 5), strides=(1, 1), padding="same", use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())
    model.add(layers.Conv2DTranspose(64, (5, 5), strides=(2, 2), padding="same", use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())
    model.add(layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same", use_bias=False,
                                     activation="tanh"))
    return model


def make_discriminator_model() -> tf.keras.Model:
    """The tutorial's discriminator: 28x28x1 image -> one logit."""
    model = tf.keras.Sequential()
    model.add(layers.Input(shape=(28, 28, 1)))
    model.add(layers.Conv2D(64, (5, 5), strides=(2, 2), padding="same"))
    model.add(layers.LeakyReLU())
    model.add(layers.Dropout(0.3))
    model.add(layers.Conv2D(128, (5, 5), strides=(2, 2), padding="same"))
    model.add(layers.LeakyReLU())
    model.add(layers.Dropout(0.3))
    model.add(layers.Flatten())
    model.add(layers.Dense(1))
    return model


def discriminator_loss(real_output: tf.Tensor, fake_output: tf.Tensor) -> tf.Tensor:
    """The tutorial's D loss: real -> 1, fake -> 0, binary cross-entropy on logits."""
    real_loss = cross_entropy(tf.ones_like(real_output), real_output)
    fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
    return real_loss + fake_loss


def generator_loss(fake_output: tf.Tensor) -> tf.Tensor:
    """The tutorial's (non-saturating) G loss: make D call the fakes real."""
    return cross_entropy(tf.ones_like(fake_output), fake_output)


class TutorialGAN:
    """The tutorial's models, optimizers and compiled ``train_step`` in one object.

    The tutorial keeps these as module globals; an object lets a benchmark build a
    fresh copy per run. ``train_step`` is the tutorial's function, unchanged.
    """

    def __init__(self, seed: int = 0) -> None:
        tf.keras.utils.set_random_seed(seed)
        self.generator = make_generator_model()
        self.discriminator = make_discriminator_model()
        self.generator_optimizer = tf.keras.optimizers.Adam(LEARNING_RATE)
        self.discriminator_optimizer = tf.keras.optimizers.Adam(LEARNING_RATE)
        self.steps_done = 0

    @tf.function
    def train_step(self, images: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """One simultaneous G and D update on a batch of real images in [-1, 1]."""
        noise = tf.random.normal([tf.shape(images)[0], NOISE_DIM])

        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated_images = self.generator(noise, training=True)

            real_output = self.discriminator(images, training=True)
            fake_output = self.discriminator(generated_images, training=True)

            gen_loss = generator_loss(fake_output)
            disc_loss = discriminator_loss(real_output, fake_output)

        gradients_of_generator = gen_tape.gradient(gen_loss, self.generator.trainable_variables)
        gradients_of_discriminator = disc_tape.gradient(
            disc_loss, self.discriminator.trainable_variables)

        self.generator_optimizer.apply_gradients(
            zip(gradients_of_generator, self.generator.trainable_variables, strict=True))
        self.discriminator_optimizer.apply_gradients(
            zip(gradients_of_discriminator, self.discriminator.trainable_variables, strict=True))
        return gen_loss, disc_loss

    def generate(self, n: int, seed: int = 1234, batch_size: int = 500) -> np.ndarray:
        """``n`` generated images in [-1, 1] (float32, NHWC) from a seeded noise draw."""
        noise = tf.random.stateless_normal([n, NOISE_DIM], seed=[seed, 0])
        chunks = [self.generator(noise[i:i + batch_size], training=False).numpy()
                  for i in range(0, n, batch_size)]
        return np.concatenate(chunks).astype(np.float32)


def make_dataset(images_uint8: np.ndarray, batch_size: int = BATCH_SIZE,
                 seed: int = 0) -> tf.data.Dataset:
    """The tutorial's input pipeline: scale to [-1, 1], shuffle, batch (last batch kept)."""
    x = (images_uint8.astype("float32") - 127.5) / 127.5
    if x.ndim == 3:
        x = x[..., None]
    return (tf.data.Dataset.from_tensor_slices(x)
            .shuffle(BUFFER_SIZE, seed=seed).batch(batch_size))


def load_mnist_train() -> np.ndarray:
    """The MNIST training images (uint8, (60000, 28, 28, 1)) through gan_utils.data."""
    from gan_utils.data import load_images

    images, _ = load_images("mnist", split="train")
    return images


def main() -> None:
    """Smoke run: train a few steps and print the time per step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="training steps to time")
    args = parser.parse_args()
    gan = TutorialGAN()
    dataset = make_dataset(load_mnist_train()).repeat()
    iterator = iter(dataset)
    gan.train_step(next(iterator))  # trace and compile once, outside the timing
    start = time.perf_counter()
    for _ in range(args.steps):
        g_loss, d_loss = gan.train_step(next(iterator))
    elapsed = time.perf_counter() - start
    print(f"{args.steps} steps in {elapsed:.1f} s ({elapsed / args.steps * 1000:.0f} ms/step), "
          f"last g_loss {float(g_loss):.3f}, d_loss {float(d_loss):.3f}")


if __name__ == "__main__":
    main()
