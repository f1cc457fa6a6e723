"""What happens around the training steps, one job per callback, Keras style.

The loop (:mod:`gan_utils.train.loop`) only trains and records the losses; everything
else is a callback with its own cadence:

- :class:`SampleGrid` owns a fixed noise batch and keeps its images every ``every`` steps;
- :class:`WeightAverage` keeps an exponential moving average of the generator's weights;
- :class:`Checkpoint` saves everything every few minutes and resumes it exactly;
- :class:`FIDTracker` logs the FID of a fixed noise batch's images against real ones;
- :class:`GifFrames` collects frames and writes a training GIF;
- :class:`TensorBoard` writes the losses and sample images for ``%tensorboard``;
- :class:`ProgressBar` is the tqdm bar with live losses (``fit`` adds it).

A callback's ``on_step_end(step, logs)`` runs when ``step`` is a multiple of its
``every`` (``every=None``: after every call of the compiled step function), and
``on_train_begin()`` / ``on_train_end()`` at the ends of each ``fit``. The loop stops
its compiled multi-step function at each callback's multiples, so no cadence is missed
with ``steps_per_execution > 1``. A callback that carries state across a restart gives
:class:`Checkpoint` its TensorFlow variables (``checkpoint_parts``) and its side files
(``save_files`` / ``restore_files``).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tensorflow as tf

from gan_utils._validate import positive_int

_FIXED_SALT = 4   # the fixed noise's seed purpose (the loop's noise uses 1, 2 and 3)
_TEST_HOOK_VARIABLE = "GAN_UTILS_TEST_KILL_AT"
_hook_counts: dict[str, int] = {}


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
        return {"ema_generator": self.generator}

    def after_restore(self, restored: set[str]) -> None:
        if "ema_generator" not in restored:   # a run saved without one: start it here
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

    Written out in notebook 05 (MNIST) and kept here for later notebooks, with two
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


class Checkpoint(Callback):
    """Checkpoints every ``every_seconds`` (and at the end of each fit), and exact resume.

    Built with the trainer, it restores the latest checkpoint in ``directory`` at once, so
    rerunning a notebook after a disconnect continues with the same step, weights,
    optimizer state, float16 loss scale, data position and the other callbacks' state
    (weight average, fixed noise, samples, FID log). Each save writes the side files first
    (``settings.json``, ``history.json``, then each callback's), each to a temporary file
    and then renamed, and the checkpoint last: a kill at any moment leaves whole files that
    reach at least the checkpoint's step, and a resume cuts them back to it. A run saved
    with other settings (architecture, update rule, d_steps, latent shape, classes, batch
    size) is refused with a message naming the difference; a change of precision resumes.
    """

    order = 100

    def __init__(self, directory: str | os.PathLike, every_seconds: float = 300.0,
                 max_to_keep: int = 2, verbose: bool = True):
        super().__init__(None)
        if isinstance(every_seconds, bool) or not every_seconds > 0:
            raise ValueError(f"every_seconds={every_seconds}: expected a positive number "
                             "of seconds")
        self.directory, self.every_seconds = Path(directory), float(every_seconds)
        self.max_to_keep, self.verbose = max_to_keep, verbose
        self.parts, self.manager, self._last_save = {}, None, time.monotonic()

    def set_trainer(self, trainer) -> None:
        super().set_trainer(trainer)
        self.parts = dict(trainer.checkpoint_parts())
        for callback in trainer.callbacks:
            self.parts.update(callback.checkpoint_parts())
        self.manager = tf.train.CheckpointManager(tf.train.Checkpoint(**self.parts),
                                                  str(self.directory),
                                                  max_to_keep=self.max_to_keep)
        self.restore()

    # ---------------------------------------------------------------- saving
    def on_train_begin(self) -> None:
        self._last_save = time.monotonic()

    def on_step_end(self, step: int, logs: dict) -> None:
        if self.trainer.any_worker(time.monotonic() - self._last_save >= self.every_seconds):
            self.save()

    def on_train_end(self) -> None:
        self.save()

    def on_interrupt(self) -> None:
        self.save()
        print(f"Interrupted at step {self.trainer.step}; saved. Run fit again to continue.")

    def save(self) -> str | None:
        """Write the side files (settings, history, the callbacks'), then a checkpoint.

        On several machines every worker calls this (a checkpoint of distributed variables
        may need collective ops), but only the chief writes to ``directory``; the others
        write their checkpoint to a temporary folder and delete it (TensorFlow's
        multi-worker pattern), and write no side files. Every worker restores from the
        chief's folder, which they must all see (a shared file system). Returns the path
        written in ``directory``, None on the other workers.
        """
        if not self.trainer.is_chief:
            temporary = self.directory / f"workertemp_{self.trainer.worker_id}"
            tf.train.CheckpointManager(self.manager.checkpoint, str(temporary),
                                       max_to_keep=1).save(checkpoint_number=self.trainer.step)
            shutil.rmtree(temporary, ignore_errors=True)
            self._last_save = time.monotonic()
            return None
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.directory / "settings.json", self.trainer.settings)
        atomic_write_json(self.directory / "history.json", self.trainer.history)
        for callback in self.trainer.callbacks:
            callback.save_files(self.directory)
        options = None
        if os.environ.get(_TEST_HOOK_VARIABLE):  # tests: a kill after the checkpoint's files,
            # before the `checkpoint` file names it the latest
            options = tf.train.CheckpointOptions(
                experimental_write_callbacks=[lambda _path: kill_hook("checkpoint")])
        path = self.manager.save(checkpoint_number=self.trainer.step, options=options)
        self._last_save = time.monotonic()
        return path

    # ---------------------------------------------------------------- resuming
    def restore(self) -> bool:
        """Load the latest checkpoint, if any, and the side files; True when one was found.

        Parts an older checkpoint lacks (the weight average, the loss scale, the data
        position) start fresh.
        """
        latest = self.manager.latest_checkpoint
        if latest is None:
            return False
        self._check_settings()
        names = [name for name, _ in tf.train.list_variables(latest)]
        saved = {name.split("/")[0] for name in names}
        if any(name.startswith("g_optimizer/inner_optimizer/") for name in names):
            parts = self._old_float16_parts(latest)
        else:
            parts = {k: v for k, v in self.parts.items()
                     if k in saved or k not in _OPTIONAL_PARTS}
        tf.train.Checkpoint(**parts).restore(latest).assert_existing_objects_matched()
        step = self.trainer.step
        history_file = self.directory / "history.json"
        if history_file.exists():
            self.trainer.history = until_step(json.loads(history_file.read_text()), step,
                                              keys=self.trainer.history.keys())
        for callback in self.trainer.callbacks:
            callback.after_restore(set(parts))
            callback.restore_files(self.directory, step)
        if self.verbose:
            print(f"Resumed from {latest} at step {step}.")
        return True

    def _check_settings(self) -> None:
        """Compare the saved run's settings with this trainer's; refuse a real difference."""
        file = self.directory / "settings.json"
        saved = json.loads(file.read_text()) if file.exists() else {}
        self.trainer.resumed_from = (self.directory, saved)
        now = self.trainer.settings
        names = {"generator": "the generator's weight shapes",
                 "discriminator": "the discriminator's weight shapes",
                 "latent_shape": "the latent shape", "num_classes": "num_classes",
                 "update": "update", "d_steps": "d_steps"}
        changed = [f"{label}: saved {saved[key]}, now {now[key]}"
                   for key, label in names.items() if key in saved and saved[key] != now[key]]
        if changed:
            raise ValueError(f"{self.directory} holds a run with other settings ("
                             + "; ".join(changed) + "). Use the saved settings to resume it, "
                             "or another checkpoint directory for a new run.")
        if self.verbose and saved.get("precision", now["precision"]) != now["precision"]:
            print(f"Resuming a {saved['precision']} run in {now['precision']}: "
                  "the weights and optimizer state carry over (float32 master weights).")

    def _old_float16_parts(self, latest: str) -> dict:
        """Checkpoints written before the optimizers were stored without their float16
        wrapper: they load into a float16 trainer only."""
        g_optimizer, d_optimizer = self.trainer.g_optimizer, self.trainer.d_optimizer
        if getattr(g_optimizer, "inner_optimizer", None) is None:
            raise ValueError(f"{latest}: saved under float16 by an older gan_utils (its "
                             "optimizers inside their loss-scale wrapper); resume it under "
                             "float16 (runtime.use_precision('mixed_float16')) once, which "
                             "saves it in the new layout")
        parts = dict(self.parts, g_optimizer=g_optimizer, d_optimizer=d_optimizer)
        for key in ("g_loss_scale", "d_loss_scale", "data_position", "ema_generator"):
            parts.pop(key, None)
        return parts


_OPTIONAL_PARTS = ("ema_generator", "g_loss_scale", "d_loss_scale", "data_position")


# ------------------------------------------------------------------ files, written whole
def until_step(log: dict, step: int, keys=None) -> dict:
    """The entries of a ``{"step": [...], ...}`` log at or before ``step`` (a resume's cut)."""
    keep = [i for i, s in enumerate(log.get("step", [])) if s <= step]
    return {key: [log[key][i] for i in keep] for key in (keys or log.keys())}


def atomic_write_json(path: Path, data) -> None:
    """Write JSON to a temporary file, then rename it: a kill never leaves half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data))
    kill_hook("side_file")
    os.replace(tmp, path)


def atomic_save_images(path: Path, entries: list[tuple[int, np.ndarray]]) -> None:
    """Save (step, images) pairs as one float16 .npz, through a temporary file."""
    steps = np.array([s for s, _ in entries], dtype=np.int64)
    images = np.stack([im for _, im in entries]).astype(np.float16)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez_compressed(tmp, steps=steps, images=images)
    kill_hook("side_file")
    os.replace(tmp, path)


def load_images(path: Path, step: int) -> list[tuple[int, np.ndarray]]:
    """The (step, images) pairs of :func:`atomic_save_images` up to ``step``, as float32."""
    if not path.exists():
        return []
    with np.load(path, allow_pickle=False) as saved:
        return [(int(s), im.astype(np.float32))
                for s, im in zip(saved["steps"], saved["images"]) if s <= step]


def kill_hook(point: str) -> None:
    """Tests only: with GAN_UTILS_TEST_KILL_AT="<point>:<n>", SIGKILL this process the n-th
    time it passes ``point`` ("step", "side_file" or "checkpoint")."""
    wanted = os.environ.get(_TEST_HOOK_VARIABLE)
    if not wanted or not wanted.startswith(point + ":"):
        return
    _hook_counts[point] = _hook_counts.get(point, 0) + 1
    if _hook_counts[point] == int(wanted.split(":")[1]):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
