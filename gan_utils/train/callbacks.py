"""What happens around the training steps, one job per callback, Keras style.

The loop (:mod:`gan_utils.train.loop`) only trains and records the losses; everything
else is a callback with its own cadence:

- :class:`SampleGrid` owns a fixed noise batch and keeps its images every ``every`` steps;
- :class:`WeightAverage` keeps an exponential moving average of the generator's weights;
- :class:`FIDTracker` logs the FID of a fixed noise batch's images against real ones;
- :class:`GifFrames` collects frames and writes a training GIF;
- :class:`ProgressBar` is the tqdm bar with live losses (``fit`` adds it).

Two more live in their own modules: :class:`~gan_utils.train.checkpoint.Checkpoint` (save
and exact resume) and :class:`~gan_utils.train.tensorboard.TensorBoard`.

A callback's ``on_step_end(step, logs)`` runs when ``step`` is a multiple of its
``every`` (``every=None``: after every call of the compiled step function), and
``on_train_begin()`` / ``on_train_end()`` at the ends of each ``fit``. The loop stops
its compiled multi-step function at each callback's multiples, so no cadence is missed
with ``steps_per_execution > 1``. A callback that carries state across a restart gives
the ``Checkpoint`` its TensorFlow variables (``checkpoint_parts``) and its side files
(``save_files`` / ``restore_files``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tensorflow as tf

from gan_utils._validate import positive_int
from gan_utils.train.files import atomic_save_images, atomic_write_json, load_images, until_step

_FIXED_SALT = 4   # the fixed noise's seed purpose (the loop's noise uses 1, 2 and 3)


class Callback:
    """The base class: every hook does nothing. Subclass it and override what you need.

    ``every`` is the cadence of :meth:`on_step_end` in steps (None: after every call of
    the compiled step function). ``order`` sorts a trainer's callbacks (lower first);
    :class:`Checkpoint` comes last, so it saves what the others have just recorded.
    """

    order = 0
    in_graph = False   # True: update_in_graph() runs inside the compiled step, every step

    def __init__(self, every: int | None = None):
        if every is not None:
            positive_int("every", every)
        self.every = None if every is None else int(every)
        self.trainer = None

    def set_trainer(self, trainer) -> None:
        """Called once by the trainer (inside its strategy's scope): make variables here."""
        self.trainer = trainer

    def checkpoint_parts(self) -> dict:
        """TensorFlow objects a checkpoint must hold for this callback (name -> object)."""
        return {}

    def save_files(self, directory: Path) -> None:
        """Write this callback's side files (atomically) before a checkpoint is written."""

    def restore_files(self, directory: Path, step: int) -> None:
        """Read the side files back after a restore, keeping what reaches ``step`` only."""

    def after_restore(self, restored: set[str]) -> None:
        """Called after a checkpoint was restored; ``restored`` names the parts it held."""

    def on_train_begin(self) -> None:
        """At the start of each ``fit`` / ``fit_more`` that trains."""

    def on_step_end(self, step: int, logs: dict) -> None:
        """After step ``step`` (a multiple of ``every``); ``logs`` holds its losses."""

    def on_train_end(self) -> None:
        """At the end of each ``fit`` / ``fit_more`` that trained."""

    def on_interrupt(self) -> None:
        """When the learner interrupts the kernel during training."""

    def on_diverged(self) -> None:
        """When a loss became NaN: training stops, nothing is saved (the weights are bad)."""

    def update_in_graph(self, step: tf.Variable) -> None:
        """With ``in_graph = True``: runs inside the compiled function after every step."""


class LambdaCallback(Callback):
    """A plain function ``fn(trainer)`` as a callback: at its cadence and at the end.

    ``every=None`` takes the cadence of the trainer's :class:`SampleGrid` (the function
    is then called with each new grid, as :class:`gan_utils.viz.LiveView` expects); with
    no grid, it is called at the end of training only. It is never called twice at one step.
    """

    def __init__(self, fn: Callable, every: int | None = None):
        super().__init__(every)
        self.fn, self._last_step, self._end_only = fn, None, False

    def set_trainer(self, trainer) -> None:
        super().set_trainer(trainer)
        if self.every is None:
            grid = trainer.find_callback(SampleGrid)
            self.every = grid.every if grid is not None else None
            self._end_only = grid is None

    def _call(self) -> None:
        if self._last_step != self.trainer.step:
            self._last_step = self.trainer.step
            self.fn(self.trainer)

    def on_step_end(self, step: int, logs: dict) -> None:
        if not self._end_only:
            self._call()

    def on_train_end(self) -> None:
        self._call()


class ProgressBar(Callback):
    """The tqdm progress bar, with the latest losses and mean D outputs beside it."""

    order = -100

    def __init__(self, total_steps: int):
        super().__init__(None)
        self.total_steps, self.bar, self._shown = int(total_steps), None, 0

    def on_train_begin(self) -> None:
        from tqdm.auto import tqdm

        self._shown = self.trainer.step
        self.bar = tqdm(total=self.total_steps - self._shown, desc="training", unit="step",
                        dynamic_ncols=True)

    def on_step_end(self, step: int, logs: dict) -> None:
        self.bar.update(step - self._shown)
        self._shown = step
        self.bar.set_postfix(d_loss=f"{logs['d_loss']:.3f}", g_loss=f"{logs['g_loss']:.3f}",
                             D_x=f"{logs['d_real']:.2f}", D_G_z=f"{logs['d_fake']:.2f}")

    def on_train_end(self) -> None:
        self.bar.close()

    on_interrupt = on_diverged = on_train_end


class WeightAverage(Callback):
    """An exponential moving average of the generator's weights, updated every step.

    GAN weights oscillate from step to step; their running average draws steadier,
    usually better images (Yazici et al., 2019; used by ProGAN, BigGAN and StyleGAN).
    With one, the trainer's samples and ``generate`` use the average (``averaged=False``
    for the trained generator itself). ``decay`` is the long-run memory, e.g. 0.999.
    """

    in_graph = True

    def __init__(self, decay: float = 0.999):
        super().__init__(None)
        if isinstance(decay, bool) or not 0.0 < decay < 1.0:
            raise ValueError(f"decay={decay!r}: expected a number in (0, 1), such as 0.999")
        self.decay, self.generator = float(decay), None

    def set_trainer(self, trainer) -> None:
        import keras

        super().set_trainer(trainer)
        self.generator = keras.models.clone_model(trainer.generator)
        self.generator.set_weights(trainer.generator.get_weights())

    def checkpoint_parts(self) -> dict:
        return {"averaged_generator": self.generator}

    def after_restore(self, restored: set[str]) -> None:
        if "averaged_generator" not in restored:   # a run saved without one: start it here
            self.generator.set_weights(self.trainer.generator.get_weights())

    def update_in_graph(self, step: tf.Variable) -> None:
        """average <- decay * average + (1 - decay) * weight, for every generator weight.

        The decay is ``min(decay, (1 + step) / (10 + step))``, as in
        ``tf.train.ExponentialMovingAverage`` with ``num_updates``: the average follows the
        weights closely early on, when they change fast, and remembers ~step / 9 steps
        until that reaches ``1 / (1 - decay)``. Batch-norm statistics are averaged too;
        integer state (random-seed counters) is copied.
        """
        step = tf.cast(step, tf.float32)
        decay = tf.minimum(self.decay, (1.0 + step) / (10.0 + step))
        for average, weight in zip(self.generator.weights, self.trainer.generator.weights,
                                   strict=True):
            value = tf.convert_to_tensor(weight)
            if value.dtype.is_floating:
                average.assign(decay * average + (1.0 - decay) * value)
            else:
                average.assign(value)


class _StepLog(Callback):
    """A callback keeping ``log``, a dict of lists with a "step" key, saved as JSON."""

    file_name = "log.json"

    def __init__(self, every: int | None):
        super().__init__(every)
        self.log: dict[str, list] = {"step": []}

    def save_files(self, directory: Path) -> None:
        atomic_write_json(directory / self.file_name, self.log)

    def restore_files(self, directory: Path, step: int) -> None:
        file = directory / self.file_name
        if file.exists():
            self.log = until_step(json.loads(file.read_text()), step)


class _Recorder(Callback):
    """Calls ``record()`` before the first step, every ``every`` steps and at the end of
    each fit: the clock of the sample grid, the GIF frames and the FID tracker."""

    def record(self) -> None:
        raise NotImplementedError

    def on_train_begin(self) -> None:
        self.record()

    def on_step_end(self, step: int, logs: dict) -> None:
        self.record()

    def on_train_end(self) -> None:
        self.record()


class _StepImages(_Recorder):
    """Images drawn at the trainer's step, at most once per step: SampleGrid and GifFrames
    differ only in what they draw and where they keep it. A resumed run draws nothing
    before its first step when it restored earlier images, as an unbroken run would not."""

    def _records(self) -> list[tuple[int, np.ndarray]]:
        raise NotImplementedError

    def _draw(self) -> np.ndarray:
        raise NotImplementedError

    def record(self) -> None:
        """Draw at the trainer's step (once per step)."""
        records, step = self._records(), self.trainer.step
        if not records or records[-1][0] != step:
            records.append((step, self._draw()))

    def on_train_begin(self) -> None:
        if not self._records():
            self.record()


class SampleGrid(_StepImages):
    """Images from one fixed noise batch every ``every`` steps: ``samples``, (step, images).

    The noise is drawn once from the trainer's seed (so a resumed run keeps it), with
    labels 0, 1, 2, ... cycling for a conditional trainer. A grid is also drawn before
    the first step and at the end of each fit. ``samples`` holds float32 images in
    [-1, 1]; checkpoints store them (``samples.npz``, float16).
    """

    file_name = "samples.npz"

    def __init__(self, every: int = 100, num_samples: int = 64):
        super().__init__(every)
        positive_int("num_samples", num_samples)
        self.num_samples = int(num_samples)
        self.noise = self.labels = None
        self.samples: list[tuple[int, np.ndarray]] = []

    def set_trainer(self, trainer) -> None:
        super().set_trainer(trainer)
        self.noise = tf.Variable(
            tf.random.stateless_normal((self.num_samples,) + trainer.latent_shape,
                                       seed=[trainer.seed, _FIXED_SALT]),
            trainable=False, name="fixed_noise")
        labels = np.arange(self.num_samples) % (trainer.num_classes or 1)
        self.labels = tf.Variable(labels.astype(np.int32), trainable=False,
                                  name="fixed_labels")

    def checkpoint_parts(self) -> dict:
        return {"fixed_noise": self.noise, "fixed_labels": self.labels}

    def _records(self) -> list[tuple[int, np.ndarray]]:
        return self.samples

    def _draw(self) -> np.ndarray:
        return self.trainer.generate(noise=self.noise, labels=self.labels)

    def save_files(self, directory: Path) -> None:
        if self.samples:
            atomic_save_images(directory / self.file_name, self.samples)

    def restore_files(self, directory: Path, step: int) -> None:
        self.samples = load_images(directory / self.file_name, step)


class GifFrames(_StepImages):
    """Frames of the sample grid's noise every ``every`` steps, written as a GIF at ``path``.

    The frames use the trainer's :class:`SampleGrid` noise (its first ``count`` latents),
    so a frame is the same picture a grid would show; the GIF is rewritten at the end of
    every fit. Frames survive a restart (``gif_frames.npz`` beside the checkpoints).
    """

    file_name = "gif_frames.npz"

    def __init__(self, path: str | os.PathLike, every: int = 100, count: int = 16,
                 fps: int = 3):
        super().__init__(every)
        positive_int("count", count)
        self.path, self.count, self.fps = Path(path), int(count), fps
        self.frames: list[tuple[int, np.ndarray]] = []

    def set_trainer(self, trainer) -> None:
        super().set_trainer(trainer)
        if trainer.find_callback(SampleGrid) is None:
            raise ValueError("GifFrames draws the SampleGrid's noise: give the trainer a "
                             "train.SampleGrid too")

    def _records(self) -> list[tuple[int, np.ndarray]]:
        return self.frames

    def _draw(self) -> np.ndarray:
        grid = self.trainer.find_callback(SampleGrid)
        return self.trainer.generate(noise=grid.noise[:self.count],
                                     labels=grid.labels[:self.count])

    def on_train_end(self) -> None:
        from gan_utils import viz

        super().on_train_end()
        if self.trainer.is_chief:   # on several machines, one writer
            viz.save_gif([images for _, images in self.frames], self.path, fps=self.fps)

    def save_files(self, directory: Path) -> None:
        if self.frames:
            atomic_save_images(directory / self.file_name, self.frames)

    def restore_files(self, directory: Path, step: int) -> None:
        self.frames = load_images(directory / self.file_name, step)


class FIDTracker(_Recorder, _StepLog):
    """The FID of a fixed noise batch's images against ``real_images``, every ``every`` steps.

    Written out in notebook 07 (MNIST) and kept here for later notebooks, with two
    additions for colour images: ``features`` (``"cifar10"`` for 32x32 photos) and
    ``transform``, applied to the generated images before their features are taken (for
    example a resize of 64x64 fakes to the classifier's 32x32). The untrained generator
    is scored at the start of the first fit, and the trained one at the end of each.
    ``log`` holds the curve ({"step": [...], "fid": [...]}); a :class:`Checkpoint`
    saves it as ``fid.json`` (``file_name``) and cuts it back to the step it resumes.
    """

    file_name = "fid.json"

    def __init__(self, real_images, noise, every: int, *, features: str = "mnist",
                 transform: Callable[[np.ndarray], np.ndarray] | None = None,
                 file_name: str = "fid.json"):
        from gan_utils import metrics

        super().__init__(every)
        metrics._check_real_images(real_images, features)
        self.real_images, self.noise = real_images, noise
        self.features, self.transform, self.file_name = features, transform, file_name
        self.log = {"step": [], "fid": []}

    def record(self) -> None:
        """Add the FID at the trainer's current step (once per step)."""
        from gan_utils import metrics

        step = self.trainer.step
        if self.log["step"] and self.log["step"][-1] >= step:
            return
        fakes = self.trainer.generate(noise=self.noise)
        if self.transform is not None:
            fakes = np.asarray(self.transform(fakes))
        value = metrics.fid_against(fakes, self.real_images, features=self.features)
        self.log["step"].append(step)
        self.log["fid"].append(float(value))


