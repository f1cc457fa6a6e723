"""Checkpoints, and a resume that continues exactly where a run stopped.

:class:`Checkpoint` is a callback: it saves every ``every_seconds`` and at the end of each
fit. Restoring is the trainer's: ``fit`` restores the latest checkpoint before its first
step (or call ``trainer.restore()``), and says so. Multi-worker saving is in
:mod:`gan_utils.train.distributed`.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import tensorflow as tf

from gan_utils.train import distributed
from gan_utils.train.callbacks import Callback
from gan_utils.train.files import atomic_write_json, until_step

#: Parts a checkpoint may lack, which then start fresh: the weight average (added to a run
#: that had none) and the float16 loss scale (a run saved in another precision).
OPTIONAL_PARTS = ("averaged_generator", "g_loss_scale", "d_loss_scale")


@dataclass
class Restored:
    """What :meth:`Checkpoint.restore` found: the checkpoint, its step, the saved run's
    settings and its history cut back to that step."""

    path: str
    step: int
    settings: dict
    history: dict


class Checkpoint(Callback):
    """Checkpoints every ``every_seconds`` (and at the end of each fit), for exact resume.

    A resume continues with the same step, weights, optimizer state, float16 loss scale,
    data position and the other callbacks' state (weight average, fixed noise, samples,
    FID log). Each save writes the side files first (``settings.json``, ``history.json``,
    then each callback's), each to a temporary file and then renamed, and the checkpoint
    last: a kill at any moment leaves whole files that reach at least the checkpoint's step,
    and a resume cuts them back to it. A run saved with other settings (architecture,
    update rule, d_steps, latent shape, classes, batch size) is refused with a message
    naming the difference; a change of precision resumes.
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
        self.parts, self.checkpoint, self._manager = {}, None, None
        self._last_save = time.monotonic()

    def set_trainer(self, trainer) -> None:
        super().set_trainer(trainer)
        self.parts = dict(trainer.checkpoint_parts())
        for callback in trainer.callbacks:
            self.parts.update(callback.checkpoint_parts())
        self.checkpoint = tf.train.Checkpoint(**self.parts)

    @property
    def manager(self) -> tf.train.CheckpointManager:
        """TensorFlow's manager of the checkpoints in ``directory`` (made on first use: it
        reads the directory)."""
        if self._manager is None:
            self._manager = tf.train.CheckpointManager(self.checkpoint, str(self.directory),
                                                       max_to_keep=self.max_to_keep)
        return self._manager

    # ---------------------------------------------------------------- saving
    def on_train_begin(self) -> None:
        self._last_save = time.monotonic()

    def on_step_end(self, step: int, logs: dict) -> None:
        due = time.monotonic() - self._last_save >= self.every_seconds
        if distributed.any_worker(self.trainer.strategy, due):
            self.save()

    def on_train_end(self) -> None:
        self.save()

    def on_interrupt(self) -> None:
        self.save()
        print(f"Interrupted at step {self.trainer.step}; saved. Run fit again to continue.")

    def save(self) -> str | None:
        """Write the side files (settings, history, the callbacks'), then a checkpoint.

        Returns the checkpoint's path; None on a multi-worker cluster's other workers, which
        take part in the save without writing to ``directory``.
        """
        trainer = self.trainer
        self._last_save = time.monotonic()
        if not trainer.is_chief:
            distributed.save_on_worker(self.checkpoint, self.directory, trainer.strategy,
                                       trainer.step)
            return None
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.directory / "settings.json", trainer.run_settings())
        atomic_write_json(self.directory / "history.json", trainer.history)
        for callback in trainer.callbacks:
            callback.save_files(self.directory)
        return self.manager.save(checkpoint_number=trainer.step)

    # ---------------------------------------------------------------- resuming
    def restore(self) -> Restored | None:
        """Load the latest checkpoint, if any, and the callbacks' side files."""
        latest = self.manager.latest_checkpoint
        if latest is None:
            return None
        saved = self._checked_settings()
        in_file = {name.split("/")[0] for name, _ in tf.train.list_variables(latest)}
        parts = {k: v for k, v in self.parts.items()
                 if k in in_file or k not in OPTIONAL_PARTS}
        tf.train.Checkpoint(**parts).restore(latest).assert_existing_objects_matched()
        step = self.trainer.step
        history_file = self.directory / "history.json"
        history = (until_step(json.loads(history_file.read_text()), step,
                              keys=self.trainer.history.keys())
                   if history_file.exists() else self.trainer.history)
        for callback in self.trainer.callbacks:
            callback.after_restore(set(parts))
            callback.restore_files(self.directory, step)
        return Restored(latest, step, saved, history)

    def _checked_settings(self) -> dict:
        """The saved run's settings, or a ValueError naming what differs from this trainer's."""
        file = self.directory / "settings.json"
        saved = json.loads(file.read_text()) if file.exists() else {}
        now = self.trainer.run_settings()
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
        return saved
