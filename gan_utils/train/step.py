"""One GAN training step, two ways: two plain functions a learner can read in one sitting.

``alternating_step`` is the step notebook 05 writes out by hand: D learns to tell real
from fake, then G learns to fool the D that has just been updated (a fresh forward
pass). ``simultaneous_step`` is the TensorFlow DCGAN tutorial's one-pass step: both
gradients from one forward pass. Both take the networks, their optimizers, a
:class:`gan_utils.losses.GANLoss`, a real batch and the noise, and return a dict of the
step's numbers (``d_loss``, ``g_loss``, mean D(x) ``d_real``, mean D(G(z)) ``d_fake``).
With ``labels`` the networks are conditional: ``G([z, labels])``, ``D([x, labels])``.

The extension point is ``extra_loss(z, d_outputs)``: a term added to both losses, computed
from the noise and D's outputs on G(z). A discriminator may have several outputs; the
first is the real/fake logit, the others are for the extra term (InfoGAN's code guess:
:mod:`gan_utils.train.infogan`).

The two chores of distributed and float16 training live in :func:`gradients`.
"""

from __future__ import annotations

import tensorflow as tf


def alternating_step(G, D, g_optimizer, d_optimizer, loss, real, z_for_d, z_for_g,
                     labels=None, seeds=(None,), extra_loss=None) -> dict:
    """D's update (one per batch in ``z_for_d``, a list), then G's on a fresh pass.

    ``seeds`` gives each D update's label-noise seed (one per batch of ``z_for_d``);
    ``extra_loss(z, d_outputs)``, when given, is added to both losses.
    """
    for z, seed in zip(z_for_d, seeds, strict=True):
        with tf.GradientTape() as tape:
            fake = G(_with(z, labels), training=True)
            real_out = _logit(D(_with(real, labels), training=True))
            fake_outs = D(_with(fake, labels), training=True)
            fake_out = _logit(fake_outs)
            d_loss = (loss.discriminator(real_out, fake_out, seed)
                      + _extra(extra_loss, z, fake_outs))
        d_grads = gradients(d_optimizer, tape, d_loss, D.trainable_variables)
        d_optimizer.apply_gradients(zip(d_grads, D.trainable_variables))

    with tf.GradientTape() as tape:   # G's turn, through the D just updated
        outs = D(_with(G(_with(z_for_g, labels), training=True), labels), training=True)
        g_loss = loss.generator(_logit(outs)) + _extra(extra_loss, z_for_g, outs)
    g_grads = gradients(g_optimizer, tape, g_loss, G.trainable_variables)
    g_optimizer.apply_gradients(zip(g_grads, G.trainable_variables))
    return step_numbers(loss, d_loss, g_loss, real_out, fake_out)


def simultaneous_step(G, D, g_optimizer, d_optimizer, loss, real, z, labels=None,
                      seed=None, extra_loss=None) -> dict:
    """One forward pass, both losses, both gradients, both updates (the TF tutorial).

    G's gradient comes from D as it was *before* this step's update.
    """
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = G(_with(z, labels), training=True)
        real_out = _logit(D(_with(real, labels), training=True))
        fake_outs = D(_with(fake, labels), training=True)
        fake_out = _logit(fake_outs)
        extra = _extra(extra_loss, z, fake_outs)
        d_loss = loss.discriminator(real_out, fake_out, seed) + extra
        g_loss = loss.generator(fake_out) + extra
    d_grads = gradients(d_optimizer, d_tape, d_loss, D.trainable_variables)
    g_grads = gradients(g_optimizer, g_tape, g_loss, G.trainable_variables)
    d_optimizer.apply_gradients(zip(d_grads, D.trainable_variables))
    g_optimizer.apply_gradients(zip(g_grads, G.trainable_variables))
    return step_numbers(loss, d_loss, g_loss, real_out, fake_out)


def step_numbers(loss, d_loss, g_loss, real_out, fake_out) -> dict:
    """The step's numbers: both losses, the mean D(x) and the mean D(G(z))."""
    return {"d_loss": d_loss, "g_loss": g_loss,
            "d_real": tf.reduce_mean(loss.probabilities(real_out)),
            "d_fake": tf.reduce_mean(loss.probabilities(fake_out))}


def _logit(outputs):
    """D's real/fake logit: its output, or the first of several outputs."""
    return outputs[0] if isinstance(outputs, (list, tuple)) else outputs


def _extra(extra_loss, z, d_outputs):
    """The extra term of both losses (0.0 without one)."""
    return 0.0 if extra_loss is None else extra_loss(z, d_outputs)


def _with(x, labels):
    """A network's input: ``x``, or ``[x, labels]`` for a conditional network."""
    return x if labels is None else [x, labels]


# ---------------------------------------------------------------- the plumbing, out of the way
def gradients(optimizer, tape, loss_value, variables) -> list:
    """``tape.gradient(loss_value, variables)``, ready for ``optimizer.apply_gradients``.

    Two chores, which do nothing on one device in float32/bfloat16:

    - on R replicas (``tf.distribute``) the replicas' gradients are *summed*, so each
      replica takes the gradient of loss / R, and the sum is the gradient of the mean;
    - under float16 the optimizer is a ``LossScaleOptimizer``: the loss is multiplied by
      its scale so small gradients do not underflow (``apply_gradients`` divides it out
      and skips a step whose gradients overflowed), and the replicas skip such a step
      together (:func:`_skip_together`).

    The scaled loss is computed on ``tape`` (re-entered), so its gradient is recorded.
    """
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    with tape:
        scaled = optimizer.scale_loss(loss_value / replicas)
    return _skip_together(tape.gradient(scaled, variables), optimizer)


def _skip_together(grads: list, optimizer) -> list:
    """Under loss scaling on several replicas, skip a step on all of them or on none.

    ``LossScaleOptimizer`` skips an update whose gradients hold an inf or a NaN (and
    halves the loss scale), but it looks at one replica's gradients *before* they are
    summed across replicas: when only another replica's float16 gradients overflow, it
    applies the step, the sum carries the inf into every copy of the weights, and
    training dies (a NaN loss a step later). So the replicas first agree: if the
    gradients of any replica are not finite, every replica's become NaN, and every
    replica skips. Finite gradients pass unchanged (plus zero).
    """
    import keras

    context = tf.distribute.get_replica_context()
    if (context.num_replicas_in_sync == 1
            or not isinstance(optimizer, keras.optimizers.LossScaleOptimizer)):
        return grads
    present = [g for g in grads if g is not None]
    finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(_values(g))) for g in present])
    bad = context.all_reduce(tf.distribute.ReduceOp.SUM,
                             tf.cast(tf.logical_not(finite), tf.float32))
    poison = tf.where(bad > 0, tf.constant(float("nan")), tf.constant(0.0))
    return [None if g is None else _add_to_values(g, poison) for g in grads]


def _values(gradient):
    """The numbers of a gradient: the tensor itself, or an IndexedSlices' values."""
    return gradient.values if isinstance(gradient, tf.IndexedSlices) else gradient


def _add_to_values(gradient, scalar):
    """``gradient + scalar`` (in the gradient's dtype), for a tensor or an IndexedSlices."""
    if isinstance(gradient, tf.IndexedSlices):
        return tf.IndexedSlices(gradient.values + tf.cast(scalar, gradient.values.dtype),
                                gradient.indices, gradient.dense_shape)
    return gradient + tf.cast(scalar, gradient.dtype)
