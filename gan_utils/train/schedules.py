"""A learning-rate schedule as a callback: constant, then a straight line down to 0."""

from __future__ import annotations

from gan_utils.train.callbacks import Callback


class LinearDecay(Callback):
    """Both optimizers' rate: ``peak`` until ``decay_start`` of the run, then a straight line
    down to 0 at its end; ``decay_start=1`` keeps it constant.

    A constant rate keeps the two networks moving; lowering it at the end lets the
    generator settle instead of circling (the linear decay of pix2pix and CycleGAN).
    The optimizers keep a plain rate (a variable) that this callback sets inside the
    compiled step, rather than a Keras schedule, so that a checkpoint holds the same
    variables either way and a constant-rate run can be resumed with a decay.
    """

    in_graph = True

    def __init__(self, peak: float, total_steps: int, decay_start: float):
        super().__init__(None)
        if not 0.0 <= decay_start <= 1.0:
            raise ValueError(f"decay_start={decay_start}: expected a fraction in [0, 1]")
        self.peak, self.end = float(peak), int(total_steps)
        self.begin = int(decay_start * total_steps)

    def rate(self, step):
        """The rate for the step that follows ``step`` steps (an int or a tensor)."""
        import tensorflow as tf

        fraction = (tf.cast(step, tf.float32) - self.begin) / float(max(self.end - self.begin, 1))
        return self.peak * (1.0 - tf.clip_by_value(fraction, 0.0, 1.0))

    def _set(self, step) -> None:
        for optimizer in (self.trainer.g_optimizer, self.trainer.d_optimizer):
            optimizer.learning_rate = self.rate(step)

    def on_train_begin(self) -> None:
        self._set(self.trainer.step)   # a resumed run: the rate of its own schedule at once

    def update_in_graph(self, step) -> None:
        self._set(step)


