r"""GAN losses, written as the notebooks write them.

The discriminator outputs a logit :math:`L` (``from_logits=True``, the numerically safe
form) or a probability :math:`D = \sigma(L)` (``from_logits=False``). With
:math:`D(x)` on real images and :math:`D(G(z))` on generated ones:

- discriminator:  :math:`\mathrm{mean}(-\log D(x)) + \mathrm{mean}(-\log(1 - D(G(z))))`,
  the binary cross-entropy with label 1 for real and 0 for fake (a sum of two means,
  as in the TensorFlow DCGAN tutorial);
- generator, minimax (saturating): :math:`\mathrm{mean}(\log(1 - D(G(z))))`, minimised;
- generator, non-saturating: :math:`\mathrm{mean}(-\log D(G(z)))`, minimised.

Label smoothing replaces the real label 1 by ``1 - label_smoothing`` (one-sided, as
Salimans et al. recommend). Label noise is Deep Learning with Python's rule (1st edition,
section 8.5), translated to this course's convention. The book labels fakes 1 and reals 0
and adds ``0.05 * uniform`` to every label: fakes get :math:`1 + u`, reals :math:`u`,
with :math:`u \sim U[0, 0.05)`. Its discriminator predicts P(fake); ours predicts
P(real) = 1 - P(fake), so the same targets are :math:`1 - u` for real images and
:math:`-u` for fakes. A target below 0 is one no probability reaches: on fakes the
discriminator is never satisfied, while on real images it is asked for :math:`1 - u`,
not certainty.
"""

from __future__ import annotations

import tensorflow as tf

GENERATOR_LOSSES = ("non_saturating", "minimax")


def bce_with_logits(labels, logits) -> tf.Tensor:
    r"""Per-example binary cross-entropy :math:`-y\log\sigma(L) - (1-y)\log(1-\sigma(L))`.

    Computed as ``max(L, 0) - L*y + log(1 + exp(-|L|))``, which never overflows.
    """
    logits = tf.cast(tf.reshape(logits, [-1]), tf.float32)
    return tf.nn.sigmoid_cross_entropy_with_logits(labels=_targets_like(labels, logits),
                                                   logits=logits)


def _targets_like(labels, outputs: tf.Tensor) -> tf.Tensor:
    """Labels as a float32 vector of the outputs' length (a scalar label is broadcast)."""
    labels = tf.cast(labels, tf.float32)
    if labels.shape.rank:
        labels = tf.reshape(labels, [-1])
    return tf.broadcast_to(labels, tf.shape(outputs))


def bce_with_probabilities(labels, probabilities, epsilon: float = 1e-7) -> tf.Tensor:
    """Per-example binary cross-entropy on probabilities (clipped away from 0 and 1)."""
    p = tf.clip_by_value(tf.cast(tf.reshape(probabilities, [-1]), tf.float32), epsilon,
                         1.0 - epsilon)
    labels = _targets_like(labels, p)
    return -(labels * tf.math.log(p) + (1.0 - labels) * tf.math.log(1.0 - p))


def _bce(labels, outputs, from_logits: bool) -> tf.Tensor:
    return bce_with_logits(labels, outputs) if from_logits else bce_with_probabilities(
        labels, outputs)


def real_labels(batch_size, label_smoothing: float = 0.0, label_noise: float = 0.0,
                seed=None) -> tf.Tensor:
    """Targets for real images: 1, or ``1 - label_smoothing``, minus uniform noise in [0, noise)."""
    _check_fraction("label_smoothing", label_smoothing)
    _check_fraction("label_noise", label_noise)
    labels = tf.fill([batch_size], 1.0 - float(label_smoothing))
    if label_noise:
        labels -= _uniform(batch_size, label_noise, seed)
    return labels


def fake_labels(batch_size, label_noise: float = 0.0, seed=None) -> tf.Tensor:
    """Targets for generated images: 0, minus uniform noise in [0, label_noise).

    Minus, not plus: the book's fake label 1 + u, seen from a discriminator that predicts
    P(real) = 1 - P(fake), is -u (see the module's docstring).
    """
    _check_fraction("label_noise", label_noise)
    labels = tf.zeros([batch_size])
    if label_noise:
        labels -= _uniform(batch_size, label_noise, seed)
    return labels


def _uniform(batch_size, width: float, seed) -> tf.Tensor:
    if seed is None:
        return tf.random.uniform([batch_size], 0.0, width)
    return tf.random.stateless_uniform([batch_size], seed=seed, minval=0.0, maxval=width)


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= float(value) < 0.5:
        raise ValueError(f"{name}={value}: expected a number in [0, 0.5)")


def discriminator_loss(real_outputs, fake_outputs, *, label_smoothing: float = 0.0,
                       label_noise: float = 0.0, from_logits: bool = True,
                       seed=None) -> tf.Tensor:
    """The discriminator's loss: BCE(real, 1) + BCE(fake, 0), each averaged over its batch.

    ``label_smoothing`` lowers the real target; ``label_noise`` lowers both targets by
    independent uniform amounts (the book's rule, see the module's docstring);
    ``seed`` (a pair of ints or a tensor of shape [2]) makes the jitter repeatable.
    """
    real_n, fake_n = tf.size(real_outputs), tf.size(fake_outputs)
    targets_real = real_labels(real_n, label_smoothing, label_noise, seed)
    fake_seed = None if seed is None else tf.convert_to_tensor(seed) + 1
    targets_fake = fake_labels(fake_n, label_noise, fake_seed)
    return (tf.reduce_mean(_bce(targets_real, real_outputs, from_logits))
            + tf.reduce_mean(_bce(targets_fake, fake_outputs, from_logits)))


def minimax_generator_loss(fake_outputs, from_logits: bool = True) -> tf.Tensor:
    r"""The original (saturating) generator loss :math:`\mathrm{mean}(\log(1 - D(G(z))))`.

    Equal to ``-BCE(fake, 0)``. Its gradient vanishes when D confidently rejects the
    fakes, which is exactly the situation at the start of training.
    """
    return -tf.reduce_mean(_bce(0.0, fake_outputs, from_logits))


def non_saturating_generator_loss(fake_outputs, from_logits: bool = True) -> tf.Tensor:
    r"""The non-saturating generator loss :math:`\mathrm{mean}(-\log D(G(z)))` = BCE(fake, 1)."""
    return tf.reduce_mean(_bce(1.0, fake_outputs, from_logits))


def generator_loss(fake_outputs, kind: str = "non_saturating",
                   from_logits: bool = True) -> tf.Tensor:
    """The generator's loss of the given ``kind``: ``"non_saturating"`` or ``"minimax"``."""
    if kind == "non_saturating":
        return non_saturating_generator_loss(fake_outputs, from_logits)
    if kind == "minimax":
        return minimax_generator_loss(fake_outputs, from_logits)
    raise ValueError(f"kind={kind!r}: expected one of {', '.join(GENERATOR_LOSSES)}")


def probabilities(outputs, from_logits: bool = True) -> tf.Tensor:
    """The discriminator's outputs as probabilities D in (0, 1)."""
    outputs = tf.cast(outputs, tf.float32)
    return tf.sigmoid(outputs) if from_logits else outputs


class GANLoss:
    """The losses of one GAN run in one small object: which generator loss, logits or
    probabilities, label smoothing and label noise (the rules above).

    >>> loss = GANLoss("non_saturating", label_smoothing=0.1)
    >>> d_loss = loss.discriminator(real_outputs, fake_outputs, seed=(0, 1))  # doctest: +SKIP
    >>> g_loss = loss.generator(fake_outputs)                                 # doctest: +SKIP
    """

    def __init__(self, kind: str = "non_saturating", *, from_logits: bool = True,
                 label_smoothing: float = 0.0, label_noise: float = 0.0):
        if kind not in GENERATOR_LOSSES:
            raise ValueError(f"generator_loss={kind!r}: expected one of "
                             f"{', '.join(GENERATOR_LOSSES)}")
        _check_fraction("label_smoothing", label_smoothing)
        _check_fraction("label_noise", label_noise)
        self.kind, self.from_logits = kind, bool(from_logits)
        self.label_smoothing, self.label_noise = float(label_smoothing), float(label_noise)

    def discriminator(self, real_outputs, fake_outputs, seed=None) -> tf.Tensor:
        """D's loss; ``seed`` makes the label noise repeatable (see discriminator_loss)."""
        return discriminator_loss(real_outputs, fake_outputs,
                                  label_smoothing=self.label_smoothing,
                                  label_noise=self.label_noise, from_logits=self.from_logits,
                                  seed=seed)

    def generator(self, fake_outputs) -> tf.Tensor:
        """G's loss of this object's kind."""
        return generator_loss(fake_outputs, self.kind, self.from_logits)

    def probabilities(self, outputs) -> tf.Tensor:
        """D's outputs as probabilities, whichever form D gives."""
        return probabilities(outputs, self.from_logits)

    def __repr__(self) -> str:
        return (f"GANLoss({self.kind!r}, from_logits={self.from_logits}, "
                f"label_smoothing={self.label_smoothing}, label_noise={self.label_noise})")
