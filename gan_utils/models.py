"""The course's generators and discriminators, one section per notebook; each builder is first
written out in its notebook."""

from __future__ import annotations

# --- DCGAN on MNIST (notebook 05) ---
# The architecture of notebook 05 (the TensorFlow DCGAN tutorial's, with the DCGAN
# paper's guidelines): a generator that grows 7x7 -> 14x14 -> 28x28 with strided
# transposed convolutions, a discriminator that shrinks 28 -> 14 -> 7 with strided
# convolutions. Outputs are float32 layers so mixed precision never leaks into losses.

DCGAN_INIT_STDDEV = 0.02  # Radford et al.: every weight drawn from N(0, 0.02)
DCGAN_MNIST_ACTIVATIONS = ("relu", "leaky_relu")


def dcgan_initializer():
    """A fresh N(0, 0.02) kernel initializer, the DCGAN paper's weight initialisation."""
    import keras

    return keras.initializers.RandomNormal(mean=0.0, stddev=DCGAN_INIT_STDDEV)


def _hidden_activation(activation: str, name: str):
    """The generator's hidden non-linearity: ReLU (DCGAN paper) or LeakyReLU (TF tutorial)."""
    import keras

    if activation == "relu":
        return keras.layers.ReLU(name=name)
    if activation == "leaky_relu":
        return keras.layers.LeakyReLU(0.2, name=name)
    raise ValueError(f"activation={activation!r}: expected one of {DCGAN_MNIST_ACTIVATIONS}")


def dcgan_mnist_generator(latent_dim: int = 100, activation: str = "relu",
                          name: str = "dcgan_mnist_generator"):
    """Notebook 05's generator: z (latent_dim,) -> image (28, 28, 1) in [-1, 1].

    Dense 7*7*256 (no bias: batch norm follows) -> BN -> act -> reshape (7, 7, 256)
    -> ConvT 128, 5x5, stride 1 -> BN -> act -> ConvT 64, 5x5, stride 2 (14x14) -> BN
    -> act -> ConvT 1, 5x5, stride 2 (28x28) -> tanh. The tanh is its own float32
    layer so that under a mixed precision policy the images come out in float32.
    """
    import keras
    from keras import layers

    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim={latent_dim!r}: expected a positive integer")
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(7 * 7 * 256, use_bias=False, kernel_initializer=dcgan_initializer(),
                     name="project")(z)
    x = layers.BatchNormalization(name="project_bn")(x)
    x = _hidden_activation(activation, "project_act")(x)
    x = layers.Reshape((7, 7, 256), name="reshape")(x)
    for i, (filters, stride) in enumerate(((128, 1), (64, 2)), start=1):
        x = layers.Conv2DTranspose(filters, 5, strides=stride, padding="same", use_bias=False,
                                   kernel_initializer=dcgan_initializer(), name=f"up{i}")(x)
        x = layers.BatchNormalization(name=f"up{i}_bn")(x)
        x = _hidden_activation(activation, f"up{i}_act")(x)
    x = layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False,
                               kernel_initializer=dcgan_initializer(), name="to_image")(x)
    image = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, image, name=name)


def dcgan_mnist_discriminator(dropout: float = 0.3, name: str = "dcgan_mnist_discriminator"):
    """Notebook 05's discriminator: image (28, 28, 1) -> one real/fake logit (float32).

    Conv 64, 5x5, stride 2 (14x14) -> LeakyReLU(0.2) -> Dropout -> Conv 128, 5x5,
    stride 2 (7x7) -> LeakyReLU(0.2) -> Dropout -> Flatten -> Dense(1). Strided
    convolutions replace pooling; the logit is float32 for a numerically safe loss.
    """
    import keras
    from keras import layers

    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout={dropout!r}: expected a rate in [0, 1)")
    image = keras.Input((28, 28, 1), name="image")
    x = image
    for i, filters in enumerate((64, 128), start=1):
        x = layers.Conv2D(filters, 5, strides=2, padding="same",
                          kernel_initializer=dcgan_initializer(), name=f"down{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"down{i}_act")(x)
        x = layers.Dropout(dropout, name=f"down{i}_dropout")(x)
    x = layers.Flatten(name="flatten")(x)
    logit = layers.Dense(1, kernel_initializer=dcgan_initializer(), dtype="float32",
                         name="logit")(x)
    return keras.Model(image, logit, name=name)


# --- end DCGAN on MNIST (notebook 05) ---
