"""The course's generators and discriminators, one section per notebook; each builder is first
written out in its notebook."""

from __future__ import annotations

from gan_utils._validate import positive_int

# --- DCGAN on MNIST (notebook 06) ---
# The architecture of notebook 06 (the TensorFlow DCGAN tutorial's, with the DCGAN
# paper's guidelines): a generator that grows 7x7 -> 14x14 -> 28x28 with strided
# transposed convolutions, a discriminator that shrinks 28 -> 14 -> 7 with strided
# convolutions. Outputs are float32 layers so mixed precision never leaks into losses.

DCGAN_INIT_STDDEV = 0.02  # Radford et al.: every weight drawn from N(0, 0.02)
DCGAN_MNIST_ACTIVATIONS = ("relu", "leaky_relu")


def dcgan_initializer():
    """A fresh N(0, 0.02) kernel initializer, the DCGAN paper's weight initialisation."""
    import keras

    return keras.initializers.RandomNormal(mean=0.0, stddev=DCGAN_INIT_STDDEV)


def dcgan_gamma_initializer():
    """Batch-norm scales from N(1, 0.02), as in the DCGAN reference code (the course's seed 002).

    The paper's own code (and PyTorch's DCGAN example) draw every batch-norm scale from a
    normal of mean 1 and the same small spread as the weights; Keras' default is all ones.
    """
    import keras

    return keras.initializers.RandomNormal(mean=1.0, stddev=DCGAN_INIT_STDDEV)


def _hidden_activation(activation: str, name: str):
    """The generator's hidden non-linearity: ReLU (DCGAN paper) or LeakyReLU (TF tutorial)."""
    import keras

    if activation == "relu":
        return keras.layers.ReLU(name=name)
    if activation == "leaky_relu":
        return keras.layers.LeakyReLU(0.2, name=name)
    raise ValueError(f"activation={activation!r}: expected one of {DCGAN_MNIST_ACTIVATIONS}")


def dcgan_mnist_generator(latent_dim: int = 100, activation: str = "relu",
                          filters: tuple[int, int, int] = (256, 128, 64),
                          name: str = "dcgan_mnist_generator"):
    """Notebook 06's generator: z (latent_dim,) -> image (28, 28, 1) in [-1, 1].

    Dense 7*7*256 (no bias: batch norm follows) -> BN -> act -> reshape (7, 7, 256)
    -> ConvT 128, 5x5, stride 1 -> BN -> act -> ConvT 64, 5x5, stride 2 (14x14) -> BN
    -> act -> ConvT 1, 5x5, stride 2 (28x28) -> tanh. The tanh is its own float32
    layer so that under a mixed precision policy the images come out in float32.
    ``filters`` sets the three widths (256, 128, 64) for capacity trials
    (research/mnist_recipes/try_mnist_recipes.py --g-filters).
    """
    import keras

    positive_int("latent_dim", latent_dim)
    z = keras.Input((latent_dim,), name="z")
    return keras.Model(z, _dcgan_mnist_drawing(z, activation, filters), name=name)


def _dcgan_mnist_drawing(z, activation: str, filters: tuple[int, int, int]):
    """Notebook 06's generator from its input tensor ``z`` to the image tensor."""
    from keras import layers

    if len(filters) != 3:
        raise ValueError(f"filters={filters!r}: expected three numbers of filters")
    projected, *upsampling = (positive_int("filters", count) for count in filters)
    x = layers.Dense(7 * 7 * projected, use_bias=False, kernel_initializer=dcgan_initializer(),
                     name="project")(z)
    x = layers.BatchNormalization(name="project_bn")(x)
    x = _hidden_activation(activation, "project_act")(x)
    x = layers.Reshape((7, 7, projected), name="reshape")(x)
    for i, (width, stride) in enumerate(zip(upsampling, (1, 2)), start=1):
        x = layers.Conv2DTranspose(width, 5, strides=stride, padding="same", use_bias=False,
                                   kernel_initializer=dcgan_initializer(), name=f"up{i}")(x)
        x = layers.BatchNormalization(name=f"up{i}_bn")(x)
        x = _hidden_activation(activation, f"up{i}_act")(x)
    x = layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False,
                               kernel_initializer=dcgan_initializer(), name="to_image")(x)
    return layers.Activation("tanh", dtype="float32", name="tanh")(x)


# --- InfoGAN's categorical code (the shipped InfoGAN generator, notebook 09) ---
# Chen et al. (2016): part of the latent is a one-hot code c of K values, and a head Q on
# D's body is trained, with G, to read c back from G's image. Nothing tells G what a
# code means; on MNIST it learns to give each value mostly one digit, and draws clearer
# digits, since an image between two digits is one Q cannot read. The code is taken
# from z's first number, so the generator still takes z ~ N(0, I) like any other.


def first_quantile_choice(z, count: int, probabilities=None):
    """One of ``count`` choices per row of ``z``, from z_0's standard-normal quantile
    Phi(z_0): the interval of [0, 1] it falls in, when [0, 1] is cut into ``count``
    intervals of lengths ``probabilities`` (default: equal, 1 / count each, so that the choice
    is floor(count * Phi(z_0))). int32, shape (N,)."""
    import numpy as np
    import tensorflow as tf

    quantile = 0.5 * (1.0 + tf.math.erf(tf.cast(z[:, 0], "float32") / np.sqrt(2.0)))
    if probabilities is None:
        return tf.clip_by_value(tf.cast(tf.floor(quantile * count), "int32"), 0, count - 1)
    weights = tf.cast(probabilities, "float32")
    edges = tf.math.cumsum(weights)[:-1] / tf.reduce_sum(weights)   # the count - 1 inner cuts
    passed = tf.cast(quantile[:, None] >= edges[None, :], "int32")
    return tf.reduce_sum(passed, axis=1)


def code_prior_class():
    """The CodePrior layer class, made (and registered with Keras) on first use, so that
    importing gan_utils.models does not import Keras."""
    global _CODE_PRIOR
    if _CODE_PRIOR is None:
        import keras
        import tensorflow as tf

        @keras.saving.register_keras_serializable(package="gan_utils")
        class CodePrior(keras.layers.Layer):
            """z (N, dim) -> [spread * z[:, 1:], one_hot(c)] (N, dim - 1 + codes), where
            c is the interval of Phi(z_0) when [0, 1] is cut in the code values'
            probabilities.

            Trained with equal probabilities and spread 1, c = floor(codes * Phi(z_0)). Both
            are weights (not trained), so that a trained generator can be given other
            values and they travel in its weights file: the shipped generator's
            probabilities were set after training by a discriminator
            (``gan_utils/train/infogan.py``), its spread below 1 a lower-temperature prior.
            """

            def __init__(self, codes: int, **kwargs):
                super().__init__(**kwargs)
                if isinstance(codes, bool) or int(codes) != codes or codes < 2:
                    raise ValueError(f"codes={codes!r}: expected a whole number of code "
                                     "values >= 2")
                self.codes = int(codes)

            def build(self, input_shape):
                self.probabilities = self.add_weight(
                    shape=(self.codes,), initializer=keras.initializers.Constant(1 / self.codes),
                    trainable=False, name="probabilities")
                self.spread = self.add_weight(shape=(), initializer="ones", trainable=False,
                                              name="spread")

            def code(self, z):
                """The code value each z picks (int32, shape (N,))."""
                if not self.built:   # called before the layer ever saw an input
                    self.build(tuple(z.shape))
                return first_quantile_choice(z, self.codes, self.probabilities)

            def call(self, z):
                z = tf.cast(z, "float32")
                return tf.concat([self.spread * z[:, 1:], tf.one_hot(self.code(z), self.codes)],
                                 axis=1)

            def compute_output_shape(self, input_shape):
                return (input_shape[0], input_shape[1] - 1 + self.codes)

            def get_config(self) -> dict:
                return {**super().get_config(), "codes": self.codes}

        _CODE_PRIOR = CodePrior
    return _CODE_PRIOR


_CODE_PRIOR = None


def code_prior(codes: int, name: str = "code_prior"):
    """A CodePrior layer: z -> [z_1..z_{n-1}, one_hot(c)], c from z_0's quantile."""
    return code_prior_class()(codes, dtype="float32", name=name)


def info_dcgan_mnist_generator(latent_dim: int = 100, codes: int = 10,
                               filters: tuple[int, int, int] = (256, 128, 64),
                               name: str = "info_dcgan_mnist_generator"):
    """Notebook 06's generator behind InfoGAN's code: z (latent_dim,) -> image (28, 28, 1).

    z_0 picks the code c (one of ``codes``, by its quantile); the DCGAN generator sees
    z_1..z_{latent_dim-1} and one_hot(c). :func:`latent_code` says which code a z picks.
    """
    import keras

    positive_int("latent_dim", latent_dim)
    z = keras.Input((latent_dim,), name="z")
    image = _dcgan_mnist_drawing(code_prior(codes)(z), "relu", tuple(filters))
    return keras.Model(z, image, name=name)


def latent_code(z, codes=10):
    """The code value (0 .. K-1) each row of ``z`` picks in an InfoGAN generator.

    ``codes`` is K (equally likely values), or the generator itself, whose code prior's
    probabilities then cut z_0's quantile (see :func:`code_probabilities`)."""
    import numpy as np

    z = np.asarray(z, dtype="float32")
    if isinstance(codes, (int, np.integer)):
        return np.asarray(first_quantile_choice(z, int(codes)))
    probabilities = code_probabilities(codes)
    return np.asarray(first_quantile_choice(z, len(probabilities), probabilities))


def code_probabilities(generator):
    """How likely each code value of an InfoGAN ``generator`` is (a NumPy array summing to 1):
    equal unless set after training, as the shipped generator's were."""
    import numpy as np

    weights = np.asarray(generator.get_layer("code_prior").probabilities, dtype="float64")
    return weights / weights.sum()


def code_middles(probabilities):
    """The z_0 in the middle of each code value's interval: Phi^-1 of the middle of its
    share of [0, 1]. With K equal values, Phi^-1((c + 1/2) / K)."""
    from statistics import NormalDist

    import numpy as np

    weights = np.asarray(probabilities, dtype="float64")
    edges = np.concatenate([[0.0], np.cumsum(weights / weights.sum())])
    return np.array([NormalDist().inv_cdf(min(max(0.5 * (lo + hi), 1e-12), 1 - 1e-12))
                     for lo, hi in zip(edges[:-1], edges[1:])])


def info_dcgan_mnist_discriminator(codes: int = 10, dropout: float = 0.3,
                                   filters: tuple[int, int] = (64, 128),
                                   name: str = "info_dcgan_mnist_discriminator"):
    """Notebook 06's discriminator with InfoGAN's Q head on its body: image -> (logit,
    code logits). Q is the paper's for MNIST: Dense 128 -> LeakyReLU(0.2) -> Dense K."""
    import keras
    from keras import layers

    plain = dcgan_mnist_discriminator(dropout, tuple(filters))
    body = plain.get_layer("flatten").output
    hidden = layers.LeakyReLU(0.2, name="q_act")(layers.Dense(128, name="q_hidden")(body))
    code_logits = layers.Dense(codes, dtype="float32", name="q_code")(hidden)
    return keras.Model(plain.input, [plain.output, code_logits], name=name)


def dcgan_mnist_discriminator(dropout: float = 0.3, filters: tuple[int, int] = (64, 128),
                              name: str = "dcgan_mnist_discriminator"):
    """Notebook 06's discriminator: image (28, 28, 1) -> one real/fake logit (float32).

    Conv 64, 5x5, stride 2 (14x14) -> LeakyReLU(0.2) -> Dropout -> Conv 128, 5x5,
    stride 2 (7x7) -> LeakyReLU(0.2) -> Dropout -> Flatten -> Dense(1). Strided
    convolutions replace pooling; the logit is float32 for a numerically safe loss.
    ``filters`` widens the two convolutions (the recipe trials tried (128, 256)).
    """
    import keras
    from keras import layers

    image = keras.Input((28, 28, 1), name="image")
    x = _dcgan_mnist_features(image, dropout, features_name="flatten", filters=filters)
    logit = layers.Dense(1, kernel_initializer=dcgan_initializer(), dtype="float32",
                         name="logit")(x)
    return keras.Model(image, logit, name=name)


def _dcgan_mnist_features(image, dropout: float, features_name: str,
                          filters: tuple[int, int] = (64, 128)):
    """Notebook 06's discriminator body, shared with notebook 10's: two 5x5 stride-2
    convolutions (64, 128 filters) with LeakyReLU(0.2) and dropout, then flatten (6272)."""
    from keras import layers

    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout={dropout!r}: expected a rate in [0, 1)")
    if len(filters) != 2:
        raise ValueError(f"filters={filters!r}: expected two numbers of filters")
    for count in filters:
        positive_int("filters", count)
    x = image
    for i, width in enumerate(filters, start=1):
        x = layers.Conv2D(width, 5, strides=2, padding="same",
                          kernel_initializer=dcgan_initializer(), name=f"down{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"down{i}_act")(x)
        x = layers.Dropout(dropout, name=f"down{i}_dropout")(x)
    return layers.Flatten(name=features_name)(x)


# --- end DCGAN on MNIST (notebook 06) ---


# --- DCGAN on colour images (notebook 08) ---
# Part A: the Deep Learning with Python (1st edition) GAN for 32x32 CIFAR-10 frogs,
# with its width as a parameter so that a CPU can train a slimmer copy. Part B: the
# 64x64 DCGAN of dcgan.torch and the PyTorch DCGAN tutorial (4x4 kernels, stride 2,
# batch norm), with the tutorial's width (64 filters at the image end) as the default.


def frog_generator(latent_dim: int = 32, filters: int = 256, upsample_kernel: int = 4,
                   name: str = "frog_generator"):
    """Notebook 08 part A generator: z (latent_dim,) -> image (32, 32, 3) in [-1, 1].

    Dense 16*16*(filters/2) -> LeakyReLU -> reshape -> Conv 5x5 -> LeakyReLU ->
    ConvT ``upsample_kernel`` x ``upsample_kernel``, stride 2 (32x32) -> LeakyReLU ->
    two Conv 5x5 -> LeakyReLU -> Conv 3, 7x7 -> tanh (float32). The book uses
    ``filters=256`` and ``upsample_kernel=4``; ``upsample_kernel=3`` (not divisible by
    the stride) is there to show checkerboard artifacts.
    """
    import keras
    from keras import layers

    for arg, value in (("latent_dim", latent_dim), ("filters", filters),
                       ("upsample_kernel", upsample_kernel)):
        positive_int(arg, value)
    if filters % 2:
        raise ValueError(f"filters={filters}: expected an even number (the projection has "
                         "filters // 2 channels)")
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(16 * 16 * (filters // 2), kernel_initializer=dcgan_initializer(),
                     name="project")(z)
    x = layers.LeakyReLU(0.2, name="project_act")(x)
    x = layers.Reshape((16, 16, filters // 2), name="reshape")(x)
    x = layers.Conv2D(filters, 5, padding="same", kernel_initializer=dcgan_initializer(),
                      name="conv1")(x)
    x = layers.LeakyReLU(0.2, name="conv1_act")(x)
    x = layers.Conv2DTranspose(filters, upsample_kernel, strides=2, padding="same",
                               kernel_initializer=dcgan_initializer(), name="up")(x)
    x = layers.LeakyReLU(0.2, name="up_act")(x)
    for i in (2, 3):
        x = layers.Conv2D(filters, 5, padding="same", kernel_initializer=dcgan_initializer(),
                          name=f"conv{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"conv{i}_act")(x)
    x = layers.Conv2D(3, 7, padding="same", kernel_initializer=dcgan_initializer(),
                      name="to_image")(x)
    image = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, image, name=name)


def frog_discriminator(filters: int = 128, dropout: float = 0.4,
                       name: str = "frog_discriminator"):
    """Notebook 08 part A discriminator: image (32, 32, 3) -> one logit (float32).

    Conv 3x3 (30x30) -> LeakyReLU -> three Conv 4x4, stride 2 ("valid": 14, 6, 2)
    each followed by LeakyReLU -> Flatten -> Dropout -> Dense(1). Strided
    convolutions instead of pooling; dropout makes D's job noisier, which helps G.
    """
    import keras
    from keras import layers

    positive_int("filters", filters)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout={dropout!r}: expected a rate in [0, 1)")
    image = keras.Input((32, 32, 3), name="image")
    x = layers.Conv2D(filters, 3, kernel_initializer=dcgan_initializer(), name="conv")(image)
    x = layers.LeakyReLU(0.2, name="conv_act")(x)
    for i in (1, 2, 3):
        x = layers.Conv2D(filters, 4, strides=2, kernel_initializer=dcgan_initializer(),
                          name=f"down{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"down{i}_act")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    logit = layers.Dense(1, kernel_initializer=dcgan_initializer(), dtype="float32",
                         name="logit")(x)
    return keras.Model(image, logit, name=name)


def dcgan64_generator(latent_dim: int = 100, filters: int = 64,
                      name: str = "dcgan64_generator"):
    """Notebook 08 part B generator (dcgan.torch's 64x64): z -> image (64, 64, 3) in [-1, 1].

    Project and reshape to 4x4x(8*filters), then four ConvT 4x4, stride 2
    (8, 16, 32, 64 pixels; 4, 2, 1 times ``filters`` channels, then 3), batch norm
    and ReLU after every layer but the last (batch-norm scales from N(1, 0.02)), tanh
    (float32) at the end.
    """
    import keras
    from keras import layers

    for arg, value in (("latent_dim", latent_dim), ("filters", filters)):
        positive_int(arg, value)
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(4 * 4 * 8 * filters, use_bias=False, kernel_initializer=dcgan_initializer(),
                     name="project")(z)
    x = layers.Reshape((4, 4, 8 * filters), name="reshape")(x)
    x = layers.BatchNormalization(gamma_initializer=dcgan_gamma_initializer(), name="project_bn")(x)
    x = layers.ReLU(name="project_act")(x)
    for i, multiple in enumerate((4, 2, 1), start=1):
        x = layers.Conv2DTranspose(multiple * filters, 4, strides=2, padding="same",
                                   use_bias=False, kernel_initializer=dcgan_initializer(),
                                   name=f"up{i}")(x)
        x = layers.BatchNormalization(gamma_initializer=dcgan_gamma_initializer(),
                                      name=f"up{i}_bn")(x)
        x = layers.ReLU(name=f"up{i}_act")(x)
    x = layers.Conv2DTranspose(3, 4, strides=2, padding="same",
                               kernel_initializer=dcgan_initializer(), name="to_image")(x)
    image = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, image, name=name)


def dcgan64_discriminator(filters: int = 64, name: str = "dcgan64_discriminator"):
    """Notebook 08 part B discriminator (dcgan.torch's 64x64): image -> one logit (float32).

    Four Conv 4x4, stride 2 (32, 16, 8, 4 pixels; 1, 2, 4, 8 times ``filters``
    channels) with LeakyReLU(0.2), batch norm on all but the first; then a 4x4
    "valid" Conv to one number, the logit (no sigmoid: the loss takes logits).
    """
    import keras
    from keras import layers

    positive_int("filters", filters)
    image = keras.Input((64, 64, 3), name="image")
    x = image
    for i, multiple in enumerate((1, 2, 4, 8), start=1):
        x = layers.Conv2D(multiple * filters, 4, strides=2, padding="same", use_bias=i == 1,
                          kernel_initializer=dcgan_initializer(), name=f"down{i}")(x)
        if i > 1:
            x = layers.BatchNormalization(gamma_initializer=dcgan_gamma_initializer(),
                                          name=f"down{i}_bn")(x)
        x = layers.LeakyReLU(0.2, name=f"down{i}_act")(x)
    x = layers.Conv2D(1, 4, padding="valid", kernel_initializer=dcgan_initializer(),
                      name="score")(x)
    x = layers.Flatten(name="flatten")(x)
    logit = layers.Activation("linear", dtype="float32", name="logit")(x)
    return keras.Model(image, logit, name=name)


# --- end DCGAN on colour images (notebook 08) ---


# --- MLP GAN (notebook 05) ---
# The first GAN of the course (Goodfellow et al., 2014, with LeakyReLU): one hidden
# layer in each network. Notebook 05 writes both out as build_generator /
# build_discriminator; these are the same networks for later notebooks and tests.

MLP_LEAKY_SLOPE = 0.2  # LeakyReLU slope for negative inputs, as in the DCGAN paper


def _check_mlp_sizes(hidden: int, image_shape: tuple[int, ...]) -> tuple[int, ...]:
    """Validate the hidden width and image shape shared by both MLP builders."""
    positive_int("hidden", hidden)
    shape = tuple(image_shape)
    if not shape or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(f"image_shape={image_shape!r}: expected positive integers, "
                         "e.g. (28, 28, 1)")
    return shape


def mlp_generator(latent_dim: int = 100, hidden: int = 256,
                  image_shape: tuple[int, ...] = (28, 28, 1), name: str = "mlp_generator"):
    """Notebook 05's generator: z (latent_dim,) -> image ``image_shape`` in [-1, 1].

    Dense ``hidden`` -> LeakyReLU(0.2) -> Dense(prod(image_shape)) with tanh (float32,
    so the images leave a mixed precision model in float32) -> reshape. The tanh puts
    the outputs in the range of the real data, scaled to [-1, 1]. With the defaults it
    has 100*256 + 256 + 256*784 + 784 = 227,344 parameters.
    """
    import keras

    positive_int("latent_dim", latent_dim)
    shape = _check_mlp_sizes(hidden, image_shape)
    pixels = 1
    for size in shape:
        pixels *= size
    return keras.Sequential([
        keras.Input((latent_dim,), name="z"),
        keras.layers.Dense(hidden, name="hidden"),
        keras.layers.LeakyReLU(MLP_LEAKY_SLOPE, name="hidden_act"),
        keras.layers.Dense(pixels, activation="tanh", dtype="float32", name="pixels"),
        keras.layers.Reshape(shape, name="to_image"),
    ], name=name)


def mlp_discriminator(hidden: int = 256, dropout: float = 0.3,
                      image_shape: tuple[int, ...] = (28, 28, 1),
                      name: str = "mlp_discriminator"):
    """Notebook 05's discriminator: image ``image_shape`` -> one logit (float32).

    Flatten -> Dense ``hidden`` -> LeakyReLU(0.2) -> Dropout -> Dense(1), no sigmoid:
    the logit goes to a loss with ``from_logits=True``. Dropout (as in Goodfellow et
    al.'s discriminator) only acts in training and keeps D from winning too early; it
    has no weights, so the defaults give 784*256 + 256 + 256*1 + 1 = 201,217 parameters.
    """
    import keras

    shape = _check_mlp_sizes(hidden, image_shape)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
            or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout={dropout!r}: expected a rate in [0, 1)")
    return keras.Sequential([
        keras.Input(shape, name="image"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(hidden, name="hidden"),
        keras.layers.LeakyReLU(MLP_LEAKY_SLOPE, name="hidden_act"),
        keras.layers.Dropout(dropout, name="dropout"),
        keras.layers.Dense(1, dtype="float32", name="logit"),
    ], name=name)


# --- end MLP GAN (notebook 05) ---


# --- Conditional DCGAN (notebook 10) ---
# Notebook 10's conditional DCGAN (Mirza & Osindero, 2014, with DCGAN layers): the digit
# label is one more input to both networks. The generator concatenates a learned label
# embedding to z; the discriminator is a projection discriminator (Miyato & Koyama,
# 2018): the inner product of a learned label vector with its image features is added
# to its logit. Both are notebook 06's networks otherwise, the generator's projection
# at half width so the shipped copy stays small. Below: the shipped
# pretrained generators (trained by scripts/assets/) and the notebook-05 lookup.

CGAN_EMBEDDING_DIM = 50  # size of the learned label vector (as in Brownlee's cGAN recipe)


def _check_classes(num_classes: int, embedding_dim: int) -> None:
    """Validate the label settings shared by both conditional builders."""
    for arg, value in (("num_classes", num_classes), ("embedding_dim", embedding_dim)):
        positive_int(arg, value)
    if num_classes < 2:
        raise ValueError(f"num_classes={num_classes}: expected at least 2 classes")


def cgan_mnist_generator(latent_dim: int = 100, num_classes: int = 10,
                         embedding_dim: int = CGAN_EMBEDDING_DIM, filters: int = 128,
                         name: str = "cgan_mnist_generator"):
    """Notebook 10's generator: [z (latent_dim,), label ()] -> image (28, 28, 1) in [-1, 1].

    Embedding(num_classes, embedding_dim) of the integer label, concatenated to z ->
    Dense 7*7*filters (no bias) -> BN -> ReLU -> reshape (7, 7, filters) -> ConvT
    filters, 5x5, stride 1 -> BN -> ReLU -> ConvT filters/2, 5x5, stride 2 (14x14) ->
    BN -> ReLU -> ConvT 1, 5x5, stride 2 (28x28) -> tanh (float32).
    """
    import keras
    from keras import layers

    positive_int("latent_dim", latent_dim)
    if isinstance(filters, bool) or not isinstance(filters, int) or filters < 2:
        raise ValueError(f"filters={filters!r}: expected an integer >= 2")
    _check_classes(num_classes, embedding_dim)
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    embedded = layers.Embedding(num_classes, embedding_dim, name="label_embedding")(label)
    x = layers.Concatenate(name="z_and_label")([z, embedded])
    x = layers.Dense(7 * 7 * filters, use_bias=False, kernel_initializer=dcgan_initializer(),
                     name="project")(x)
    x = layers.BatchNormalization(name="project_bn")(x)
    x = layers.ReLU(name="project_act")(x)
    x = layers.Reshape((7, 7, filters), name="reshape")(x)
    for i, (width, stride) in enumerate(((filters, 1), (filters // 2, 2)), start=1):
        x = layers.Conv2DTranspose(width, 5, strides=stride, padding="same", use_bias=False,
                                   kernel_initializer=dcgan_initializer(), name=f"up{i}")(x)
        x = layers.BatchNormalization(name=f"up{i}_bn")(x)
        x = layers.ReLU(name=f"up{i}_act")(x)
    x = layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False,
                               kernel_initializer=dcgan_initializer(), name="to_image")(x)
    image = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model([z, label], image, name=name)


def cgan_mnist_discriminator(num_classes: int = 10, dropout: float = 0.3,
                             name: str = "cgan_mnist_discriminator"):
    """Notebook 10's projection discriminator: [image (28, 28, 1), label ()] -> one logit.

    Notebook 06's discriminator body (Conv 64 and 128, 5x5, stride 2, LeakyReLU(0.2),
    dropout, flatten) gives features phi(x) (6272 numbers); the logit (float32) is
    ``w . phi(x) + b + e_y . phi(x)``, where e_y is a learned vector for label y
    (Miyato & Koyama, "cGANs with projection discriminator", 2018). D can then say
    "a good digit, but not the 7 you asked for".
    """
    import keras
    from keras import layers

    _check_classes(num_classes, 1)
    image = keras.Input((28, 28, 1), name="image")
    label = keras.Input((), dtype="int32", name="label")
    features = _dcgan_mnist_features(image, dropout, features_name="features")
    unconditional = layers.Dense(1, kernel_initializer=dcgan_initializer(), name="realness")(
        features)
    class_vector = layers.Embedding(num_classes, 7 * 7 * 128,
                                    embeddings_initializer=dcgan_initializer(),
                                    name="label_projection")(label)
    projection = layers.Dot(axes=1, name="label_match")([class_vector, features])
    logit = layers.Add(dtype="float32", name="logit")([unconditional, projection])
    return keras.Model([image, label], logit, name=name)


# --- end Conditional DCGAN (notebook 10) ---
