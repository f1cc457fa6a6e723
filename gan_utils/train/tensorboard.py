"""The TensorBoard callback: losses and sample images, written without the tensorboard package."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from gan_utils.train.callbacks import Callback, SampleGrid


class TensorBoard(Callback):
    """Losses and sample images for TensorBoard: ``%tensorboard --logdir <log_dir>``.

    Every ``every`` steps it writes the history entries recorded since its last write
    (``d_loss``, ``g_loss``, ``d_real``, ``d_fake``, one point per recorded step) and, for
    image data, the first ``images`` pictures of the :class:`SampleGrid`'s noise. It
    writes with TensorFlow's own ``tf.summary.write``, in the layout of TensorBoard's
    scalar and image summaries, so training needs no ``tensorboard`` package (viewing does:
    ``pip install tensorboard``, then ``%load_ext tensorboard``).
    """

    def __init__(self, log_dir: str | os.PathLike, every: int = 100, images: int = 16):
        super().__init__(every)
        self.log_dir, self.images = Path(log_dir), int(images)
        self.writer, self._last_step = None, -1

    def on_train_begin(self) -> None:
        if self.writer is None:   # a resumed run wrote its points up to here already
            self.writer = (tf.summary.create_file_writer(str(self.log_dir))
                           if self.trainer.is_chief else tf.summary.create_noop_writer())
            self._last_step = self.trainer.step

    def write(self) -> None:
        """Write the new history entries and the sample images at the trainer's step."""
        history, step = self.trainer.history, self.trainer.step
        if step == self._last_step:
            return
        with self.writer.as_default():
            for i, at in enumerate(history["step"]):
                if at > self._last_step:
                    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
                        _summary_scalar(key, history[key][i], at)
            grid = self.trainer.find_callback(SampleGrid)
            if self.images and grid is not None:
                pictures = self.trainer.generate(noise=grid.noise[:self.images],
                                                 labels=grid.labels[:self.images])
                if pictures.ndim == 4:   # images, not the toy GANs' points
                    _summary_images("samples", pictures, step)
        self.writer.flush()
        self._last_step = step

    def on_step_end(self, step: int, logs: dict) -> None:
        self.write()

    def on_train_end(self) -> None:
        self.write()


def _summary_scalar(tag: str, value: float, step: int) -> None:
    """One point of a TensorBoard scalar chart (what tf.summary.scalar writes)."""
    tf.summary.write(tag, tf.constant(value, tf.float32), step=step,
                     metadata=_plugin_metadata("scalars"))


def _summary_images(tag: str, images: np.ndarray, step: int) -> None:
    """Images in [-1, 1] as one TensorBoard image summary: width, height, then PNGs."""
    pixels = np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
    pngs = [tf.io.encode_png(picture) for picture in pixels]
    height, width = pixels.shape[1:3]
    tensor = tf.stack([tf.constant(str(width)), tf.constant(str(height))] + pngs)
    tf.summary.write(tag, tensor, step=step, metadata=_plugin_metadata("images"))


def _plugin_metadata(plugin: str):
    """The summary metadata naming the TensorBoard plugin that shows a summary."""
    from tensorflow.core.framework import summary_pb2

    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = plugin
    return metadata.SerializeToString()


