"""One resumable GAN training engine for every notebook of the course.

The step itself lives in :mod:`gan_utils.step`, on one screen: the alternating step
notebook 04 writes out by hand (``update="alternating"``) or the TensorFlow DCGAN
tutorial's one-pass step (``update="simultaneous"``), which notebook 05 compares. Around
the step, the plumbing a learner should not have to write twice:

- ``@tf.function`` with optional XLA (``jit_compile=True``);
- mixed precision (bfloat16 or float16, with loss scaling under float16), taken from
  the models' dtype policy, so :func:`gan_utils.runtime.use_precision` is all it takes;
  under float16 a step whose gradients overflow on *any* replica is skipped on all of them;
- any ``tf.distribute`` strategy (build the models inside ``strategy.scope()``), on one
  machine or on several (``MultiWorkerMirroredStrategy``: the chief writes the files);
- a history of both losses and the mean D(x) and D(G(z));
- sample grids from one fixed noise batch every ``sample_every`` steps;
- a tqdm progress bar with live losses;
- checkpoints (``tf.train.CheckpointManager``) every few minutes and automatic resume:
  a run killed at any moment continues from its last checkpoint with the same step,
  optimizer state, loss scale, weight average, fixed noise, history, samples and data
  position (side files are written first, atomically; see :meth:`GANTrainer.save`), and
  refuses a resume with other settings (:meth:`GANTrainer.restore`);
- a clear stop, naming the step, when a loss becomes NaN or infinite;
- optionally (``ema_decay``), an exponential moving average of the generator's weights,
  which samples and evaluations then use: GAN weights oscillate from step to step, and
  their running average draws steadier, usually better images (Yazici et al., 2019;
  used by ProGAN, BigGAN and StyleGAN).

The noise of step ``s`` is drawn with stateless random ops seeded by ``(seed, s)``, so
a resumed run draws the same noise it would have drawn without the interruption.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import tensorflow as tf

from gan_utils import losses
from gan_utils import step as step_lib

HISTORY_KEYS = ("step", "d_loss", "g_loss", "d_real", "d_fake", "seconds")
_NOISE_SALT, _GEN_SALT, _LABEL_SALT, _FIXED_SALT = 1, 2, 3, 4
UPDATES = ("alternating", "simultaneous")


class TrainingDiverged(FloatingPointError):
    """A loss became NaN or infinite; the message names the step."""


class GANTrainer:
    """Train a generator against a discriminator with a custom ``tf.GradientTape`` loop.

    The generator maps a latent batch ``z`` (shape ``(batch,) + latent_shape``) to
    images; the discriminator maps images to one logit each (or to a probability with
    ``from_logits=False``). With ``num_classes``, both are conditional: the generator
    is called as ``generator([z, labels])``, the discriminator as
    ``discriminator([images, labels])``, and the dataset yields ``(images, labels)``.

    ``fit`` trains *until* a total step count, so rerunning a notebook cell after a
    disconnect resumes instead of starting again; ``fit_more`` trains n more steps.
    """

    def __init__(self, generator, discriminator, *, latent_dim: int | tuple[int, ...],
                 g_optimizer=None, d_optimizer=None,
                 generator_loss: str = "non_saturating", label_smoothing: float = 0.0,
                 label_noise: float = 0.0, d_steps: int = 1, update: str = "alternating",
                 from_logits: bool = True,
                 num_classes: int | None = None, num_samples: int = 64,
                 sample_every: int = 100, checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every_seconds: float = 300.0, max_to_keep: int = 2,
                 jit_compile: bool = False, steps_per_execution: int = 1,
                 strategy: tf.distribute.Strategy | None = None, seed: int = 0,
                 ema_decay: float | None = None, verbose: bool = True):
        import keras

        self.loss = losses.GANLoss(generator_loss, from_logits=from_logits,
                                   label_smoothing=label_smoothing, label_noise=label_noise)
        for name, value in (("d_steps", d_steps), ("num_samples", num_samples),
                            ("sample_every", sample_every),
                            ("steps_per_execution", steps_per_execution)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}={value!r}: expected a positive integer")
        if update not in UPDATES:
            raise ValueError(f"update={update!r}: expected one of {', '.join(UPDATES)}")
        if update == "simultaneous" and d_steps != 1:
            raise ValueError(f"d_steps={d_steps} with update='simultaneous': one forward pass "
                             "feeds one update of each network; use update='alternating' "
                             "for several discriminator steps")
        if num_classes is not None and num_classes < 2:
            raise ValueError(f"num_classes={num_classes!r}: expected None or at least 2")
        if checkpoint_every_seconds <= 0:
            raise ValueError(f"checkpoint_every_seconds={checkpoint_every_seconds}: "
                             "expected a positive number of seconds")
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay={ema_decay!r}: expected None or a number in (0, 1), "
                             "such as 0.999")

        self.generator, self.discriminator = generator, discriminator
        self.latent_shape = (int(latent_dim),) if np.isscalar(latent_dim) else tuple(latent_dim)
        self.generator_loss, self.from_logits = generator_loss, from_logits
        self.d_steps, self.num_classes, self.seed = int(d_steps), num_classes, int(seed)
        self.update = update
        self.sample_every = int(sample_every)
        self.steps_per_execution = int(steps_per_execution)
        self.checkpoint_every_seconds = float(checkpoint_every_seconds)
        self.jit_compile, self.verbose = jit_compile, verbose
        self.strategy = strategy or tf.distribute.get_strategy()
        self._check_models_in_scope()

        with self.strategy.scope():
            self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
            self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
            if self._uses_float16():
                self.g_optimizer = _with_loss_scaling(self.g_optimizer)
                self.d_optimizer = _with_loss_scaling(self.d_optimizer)
            self._step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
            # batches drawn from the current dataset's stream: a resume skips that many
            self._data_position = tf.Variable(0, dtype=tf.int64, trainable=False,
                                              name="data_position")
            self.fixed_noise = tf.Variable(
                tf.random.stateless_normal((num_samples,) + self.latent_shape,
                                           seed=[self.seed, _FIXED_SALT]),
                trainable=False, name="fixed_noise")
            labels = np.arange(num_samples) % (num_classes or 1)
            self.fixed_labels = tf.Variable(labels.astype(np.int32), trainable=False,
                                            name="fixed_labels")
            self.ema_decay = None if ema_decay is None else float(ema_decay)
            self.ema_generator = None
            if self.ema_decay is not None:
                self.ema_generator = keras.models.clone_model(generator)
                self.ema_generator.set_weights(generator.get_weights())
        self._build_optimizers()

        self.history: dict[str, list] = {key: [] for key in HISTORY_KEYS}
        self.samples: list[tuple[int, np.ndarray]] = []
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self._manager = None
        self.settings = self._run_settings()
        self._resumed_settings: dict | None = None
        self._train_function = None
        self._iterators: dict[int, Iterable] = {}
        if self.checkpoint_dir is not None:
            self._checkpoint_parts = self._parts()
            self.checkpoint = tf.train.Checkpoint(**self._checkpoint_parts)
            self._manager = tf.train.CheckpointManager(
                self.checkpoint, str(self.checkpoint_dir), max_to_keep=max_to_keep)
            self.restore()

    # ------------------------------------------------------------------ set-up helpers
    def _check_models_in_scope(self) -> None:
        """Models must be built under the strategy that trains them; say so clearly."""
        if self.strategy.num_replicas_in_sync == 1 and not tf.distribute.has_strategy():
            return
        for model in (self.generator, self.discriminator):
            for variable in model.variables:
                if not self.strategy.extended.variable_created_in_scope(
                        getattr(variable, "value", variable)):
                    raise ValueError(f"{model.name}: its variables were not created under the "
                                     "training strategy; build the models inside "
                                     "`with strategy.scope():`")

    def _parts(self) -> dict:
        """What a checkpoint holds. The optimizers are stored without their float16 loss-scale
        wrapper (which goes in ``*_loss_scale``), so a run saved under float16 resumes under
        bfloat16 or float32 and back."""
        parts = dict(generator=self.generator, discriminator=self.discriminator,
                     g_optimizer=_inner(self.g_optimizer), d_optimizer=_inner(self.d_optimizer),
                     step=self._step, fixed_noise=self.fixed_noise,
                     fixed_labels=self.fixed_labels, data_position=self._data_position)
        if _inner(self.g_optimizer) is not self.g_optimizer:
            parts.update(g_loss_scale=self.g_optimizer, d_loss_scale=self.d_optimizer)
        if self.ema_generator is not None:
            parts["ema_generator"] = self.ema_generator
        return parts

    def _run_settings(self) -> dict:
        """What a resumed run must share with the saved one (batch size: see ``_iterator``)."""
        def signature(model):
            return [list(w.shape) for w in model.weights]

        return {"generator": signature(self.generator),
                "discriminator": signature(self.discriminator),
                "latent_shape": list(self.latent_shape), "num_classes": self.num_classes,
                "update": self.update, "d_steps": self.d_steps,
                "precision": str(getattr(self.generator, "compute_dtype", "float32")),
                "batch_size": None}

    def _uses_float16(self) -> bool:
        return any(getattr(m, "compute_dtype", "float32") == "float16"
                   for m in (self.generator, self.discriminator))

    def _build_optimizers(self) -> None:
        """Create the optimizers' slots now, so a checkpoint restores them at once."""
        with self.strategy.scope():
            for optimizer, model in ((self.g_optimizer, self.generator),
                                     (self.d_optimizer, self.discriminator)):
                if not model.built or not model.trainable_variables:
                    raise ValueError(f"{model.name}: the model has no weights yet; build it "
                                     "(for example with keras.Input) before training")
                if not optimizer.built:
                    optimizer.build(model.trainable_variables)

    # ------------------------------------------------------------------ the step
    @property
    def uses_xla(self) -> bool:
        """Whether the step is compiled with XLA here.

        XLA compiles the step on one device. With several replicas it is left to the
        strategy: TPUStrategy compiles everything with XLA by itself, and MirroredStrategy
        cannot hand XLA variables that live on another device.
        """
        return bool(self.jit_compile) and self.strategy.num_replicas_in_sync == 1

    @property
    def is_chief(self) -> bool:
        """Whether this process writes the run's files (checkpoints, history, samples, and
        callbacks' logs): True on one machine; under MultiWorkerMirroredStrategy on several,
        the chief's alone (see :meth:`save`)."""
        return _is_chief(_cluster(self.strategy))

    @property
    def step(self) -> int:
        """How many generator steps have been taken (restored from checkpoints)."""
        return int(self._step.numpy())

    def _seed(self, step, salt: int, offset=0) -> tf.Tensor:
        """A stateless seed for this step, replica and purpose.

        ``step`` comes in as a tensor argument rather than being read from the step
        variable here: an int64 variable lives on the host, out of XLA's reach on a GPU.
        """
        context = tf.distribute.get_replica_context()
        replica = context.replica_id_in_sync_group if context is not None else 0
        counter = (tf.cast(step, tf.int64) * self.strategy.num_replicas_in_sync
                   + tf.cast(replica, tf.int64))
        return tf.stack([tf.constant(self.seed * 16 + salt, tf.int64) + offset * 1_000_003,
                         counter])

    def step_noise(self, step: int, batch_size: int,
                   d_step: int = 0) -> tuple[tf.Tensor, tf.Tensor]:
        """The latent batches the engine draws at ``step`` (one replica): (z for D, z for G).

        The noise is a pure function of the trainer's seed and the step number, so a
        resumed run sees exactly the noise it would have seen, and a notebook can replay
        one engine step by hand with the same inputs. ``d_step`` picks which of the
        ``d_steps`` discriminator updates the first batch belongs to. With
        ``update="simultaneous"`` the step uses the first batch for both networks.
        """
        return (self._latent(batch_size, step, _NOISE_SALT, d_step),
                self._latent(batch_size, step, _GEN_SALT))

    def _latent(self, batch, step, salt: int, offset=0) -> tf.Tensor:
        """One standard-normal latent batch for this step and purpose (see ``_seed``)."""
        return tf.random.stateless_normal((batch,) + self.latent_shape,
                                          seed=self._seed(step, salt, offset))

    def _generator_inputs(self, z, labels):
        return [z, labels] if self.num_classes else z

    def train_step(self, images, labels=None, step=0, seed_offset=0):
        """One engine step on one replica's batch: :mod:`gan_utils.step`'s function.

        ``update="alternating"`` (the default) is :func:`gan_utils.step.alternating_step`
        (``d_steps`` D updates, then G's on a fresh pass); ``"simultaneous"`` is
        :func:`gan_utils.step.simultaneous_step`. This method only draws the step's noise
        and label-noise seeds from ``step`` (with the trainer's seed), so that they are
        the same after a resume. Returns d_loss, g_loss, mean D(x) and mean D(G(z)) as
        one float32 tensor.
        """
        batch = tf.shape(images)[0]
        nets = (self.generator, self.discriminator, self.g_optimizer, self.d_optimizer,
                self.loss, images)
        if self.update == "simultaneous":
            result = step_lib.simultaneous_step(
                *nets, self._latent(batch, step, _NOISE_SALT, seed_offset), labels,
                self._seed(step, _LABEL_SALT, seed_offset))
        else:
            d_updates = [seed_offset + d for d in range(self.d_steps)]
            result = step_lib.alternating_step(
                *nets, [self._latent(batch, step, _NOISE_SALT, d) for d in d_updates],
                self._latent(batch, step, _GEN_SALT, seed_offset), labels,
                [self._seed(step, _LABEL_SALT, d) for d in d_updates])
        return tf.stack([result[key] for key in HISTORY_KEYS[1:5]])

    def _replica_step(self, batch, step):
        if self.num_classes:
            images, labels = batch
        else:
            images, labels = (batch[0] if isinstance(batch, (tuple, list)) else batch), None
        return self.train_step(images, labels, step)

    def _make_train_function(self) -> Callable:
        """A tf.function running ``steps_per_execution`` steps; returns their mean metrics."""
        replica_step = self._replica_step
        if self.uses_xla:
            replica_step = tf.function(self._replica_step, jit_compile=True)

        @tf.function
        def train_many(iterator, count):
            total = tf.zeros([4], tf.float32)
            for _ in tf.range(count):
                per_replica = self.strategy.run(
                    replica_step, args=(next(iterator), self._step.read_value()))
                total += self.strategy.reduce(tf.distribute.ReduceOp.MEAN, per_replica,
                                              axis=None)
                self._step.assign_add(1)
                self._data_position.assign_add(1)
                if self.ema_generator is not None:
                    self._update_ema()
            return total / tf.cast(count, tf.float32)

        # Every trainer traces its own train_many once, and TensorFlow counts the traces of
        # all trainers together (they share this code): a notebook that builds several
        # trainers in a row would get a "retracing" warning that points at nothing wrong.
        train_many._omit_frequent_tracing_warning = True
        return train_many

    def _update_ema(self) -> None:
        """average <- decay * average + (1 - decay) * weight, for every generator weight.

        The decay is ``min(ema_decay, (1 + step) / (10 + step))``, as in
        ``tf.train.ExponentialMovingAverage`` with ``num_updates``: the average follows the
        weights closely early on, when they change fast, and remembers ~step / 9 steps
        until that reaches ``1 / (1 - ema_decay)``. Batch-norm statistics are averaged
        too; integer state (random-seed counters) is copied.
        """
        step = tf.cast(self._step, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + step) / (10.0 + step))
        for average, weight in zip(self.ema_generator.weights, self.generator.weights,
                                   strict=True):
            value = tf.convert_to_tensor(weight)
            if value.dtype.is_floating:
                average.assign(decay * average + (1.0 - decay) * value)
            else:
                average.assign(value)

    # ------------------------------------------------------------------ training loop
    def fit(self, dataset: tf.data.Dataset, *, epochs: int | None = None,
            steps: int | None = None, callbacks: Iterable[Callable] = (),
            progress: bool = True) -> dict[str, list]:
        """Train until the total step count reaches ``steps`` (or ``epochs`` epochs).

        An epoch is one pass over ``dataset`` (a batched tf.data pipeline). When the
        trainer already stands at or past the target (restored from a checkpoint), it
        returns at once. ``callbacks`` are called as ``cb(trainer)`` after each sample
        grid and at the end. Returns the history.
        """
        if (epochs is None) == (steps is None):
            raise ValueError("fit: give exactly one of epochs= or steps= (a total to reach)")
        if epochs is not None:
            if epochs < 0:
                raise ValueError(f"epochs={epochs}: expected a non-negative number")
            steps = math.ceil(epochs * self.steps_per_epoch(dataset))
        if steps < 0:
            raise ValueError(f"steps={steps}: expected a non-negative number")
        return self._train_until(dataset, int(steps), list(callbacks), progress)

    def fit_more(self, dataset: tf.data.Dataset, steps: int, *,
                 callbacks: Iterable[Callable] = (), progress: bool = True) -> dict[str, list]:
        """Train ``steps`` more steps from wherever the trainer stands."""
        if steps < 0:
            raise ValueError(f"steps={steps}: expected a non-negative number")
        return self._train_until(dataset, self.step + int(steps), list(callbacks), progress)

    @staticmethod
    def steps_per_epoch(dataset: tf.data.Dataset) -> int:
        """Batches in one pass over a finite, batched dataset."""
        count = int(dataset.cardinality())
        if count <= 0:
            raise ValueError("dataset: its number of batches is unknown or infinite; "
                             "pass steps= instead of epochs=")
        return count

    def _iterator(self, dataset: tf.data.Dataset):
        """One endless distributed iterator per dataset, kept between fit calls.

        The first dataset after a resume continues where the saved run stopped: its stream
        skips the ``data_position`` batches already drawn. A rebuilt pipeline with the same
        seed yields the same batches in the same order, so the resumed run sees the batches
        the uninterrupted one would have seen. (Saving the tf.data iterator itself would
        store its shuffle buffer and cache in every checkpoint: 62 MB for MNIST.)
        """
        key = id(dataset)
        if key not in self._iterators:
            spec = dataset.element_spec
            shape = (spec[0] if isinstance(spec, tuple) else spec).shape
            batch = int(shape[0]) if shape.rank and shape[0] is not None else None
            position = 0
            if not self._iterators and self._resumed_settings is not None:
                saved = self._resumed_settings.get("batch_size")
                if saved is not None and batch != saved:
                    raise ValueError(
                        f"{self.checkpoint_dir}: this run was saved with batch size {saved}, "
                        f"and the dataset now gives batches of {batch}; resume with the same "
                        "batch size, or train in a new checkpoint_dir")
                position = int(self._data_position.numpy())
            self._data_position.assign(position)
            self.settings["batch_size"] = batch
            stream = dataset.repeat()
            if position:
                stream = stream.skip(position)
            self._iterators = {key: iter(self.strategy.experimental_distribute_dataset(stream))}
        return self._iterators[key]

    def _train_until(self, dataset, target: int, callbacks: list, progress: bool):
        from tqdm.auto import tqdm

        start = self.step
        if start >= target:
            if self.verbose:
                print(f"Already at step {start} (target {target}): nothing to train.")
            return self.history
        if self._train_function is None:
            self._train_function = self._make_train_function()
        iterator = self._iterator(dataset)
        if not self.samples:
            self._record_samples()
        bar = tqdm(total=target - start, desc="training", unit="step", disable=not progress,
                   dynamic_ncols=True)
        last_save = time.monotonic()
        seconds = self.history["seconds"][-1] if self.history["seconds"] else 0.0
        clock = time.perf_counter()
        try:
            while self.step < target:
                count = min(self.steps_per_execution, target - self.step,
                            self.sample_every - self.step % self.sample_every)
                metrics = self._train_function(iterator, tf.constant(count, tf.int64)).numpy()
                _test_hook("step")
                now = time.perf_counter()
                seconds, clock = seconds + now - clock, now
                self._record(metrics, seconds)
                bar.update(count)
                bar.set_postfix(d_loss=f"{metrics[0]:.3f}", g_loss=f"{metrics[1]:.3f}",
                                D_x=f"{metrics[2]:.2f}", D_G_z=f"{metrics[3]:.2f}")
                if self.step % self.sample_every == 0 or self.step >= target:
                    self._record_samples()
                    for callback in callbacks:
                        callback(self)
                if self._all_agree(time.monotonic() - last_save
                                   >= self.checkpoint_every_seconds):
                    self.save()
                    last_save = time.monotonic()
        except KeyboardInterrupt:
            bar.close()
            self.save()
            print(f"Interrupted at step {self.step}; saved. Run fit again to continue.")
            raise
        bar.close()
        self.save()
        return self.history

    def _all_agree(self, due: bool) -> bool:
        """Whether a checkpoint is due on any worker's clock (on one machine: ``due``).

        The workers of a multi-worker strategy save together (see :meth:`save`) but their
        clocks differ, so they pool their answers in one small all-reduce.
        """
        if _worker_count(_cluster(self.strategy)) == 1:
            return due
        votes = self.strategy.reduce(tf.distribute.ReduceOp.SUM,
                                     tf.constant(float(due)), axis=None)
        return float(votes) > 0

    def _record(self, metrics: np.ndarray, seconds: float) -> None:
        """Append one history entry; stop with the step's number on NaN or infinity."""
        if not np.all(np.isfinite(metrics)):
            names = [n for n, v in zip(("discriminator loss", "generator loss", "D(x)",
                                        "D(G(z))"), metrics) if not np.isfinite(v)]
            raise TrainingDiverged(
                f"Training stopped at step {self.step}: the {' and the '.join(names)} became "
                f"{metrics[~np.isfinite(metrics)][0]}. Lower the learning rates or check the "
                "data scaling; the last checkpoint (if any) is from before this step.")
        for key, value in zip(HISTORY_KEYS, (self.step, *map(float, metrics), seconds)):
            self.history[key].append(value)

    def _record_samples(self) -> None:
        if self.samples and self.samples[-1][0] == self.step:
            return
        self.samples.append((self.step, self.generate(noise=self.fixed_noise,
                                                      labels=self.fixed_labels)))

    # ------------------------------------------------------------------ using G
    @property
    def sampling_generator(self):
        """The generator that samples and evaluations use: the weight average when the
        trainer keeps one (``ema_decay``), otherwise the trained generator itself."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def generate(self, n: int | None = None, noise=None, labels=None,
                 averaged: bool = True) -> np.ndarray:
        """Images from the generator in inference mode, as float32 in [-1, 1].

        Give ``noise`` (a latent batch), or ``n`` for that many fresh standard-normal
        latents. Conditional generators take ``labels`` (default: 0, 1, 2, ... cycling).
        With ``ema_decay`` set, the weight average draws them unless ``averaged=False``.
        """
        if noise is None:
            if n is None or n < 1:
                raise ValueError("generate: give n (a positive count) or noise")
            noise = tf.random.normal((n,) + self.latent_shape)
        noise = tf.convert_to_tensor(noise)
        if self.num_classes:
            count = int(noise.shape[0])
            if labels is None:
                labels = np.arange(count) % self.num_classes
            labels = tf.convert_to_tensor(labels)
        generator = self.sampling_generator if averaged else self.generator
        images = generator(self._generator_inputs(noise, labels), training=False)
        return tf.cast(images, tf.float32).numpy()

    # ------------------------------------------------------------------ checkpoints
    def save(self) -> str | None:
        """Write the side files (settings, history, samples), then a checkpoint.

        Side files first, each replaced atomically (a temporary file, then a rename): a kill
        at any moment leaves whole files that reach at least the last checkpoint's step,
        and :meth:`restore` cuts them back to that step, so nothing is missing or doubled.

        On several machines every worker calls this (a checkpoint of distributed variables
        may need collective ops), but only the chief writes to ``checkpoint_dir``; the
        others write their checkpoint to a temporary folder and delete it (TensorFlow's
        multi-worker pattern), and write no side files. Every worker restores from the
        chief's folder, which they must all see (a shared file system). Returns the path
        written in ``checkpoint_dir``, None on the other workers.
        """
        if self._manager is None:
            return None
        if not self.is_chief:
            temporary = self.checkpoint_dir / f"workertemp_{_cluster(self.strategy).task_id}"
            manager = tf.train.CheckpointManager(self.checkpoint, str(temporary), max_to_keep=1)
            manager.save(checkpoint_number=self.step)
            shutil.rmtree(temporary, ignore_errors=True)
            return None
        self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        _atomic_write_json(self.checkpoint_dir / "settings.json", self.settings)
        _atomic_write_json(self.checkpoint_dir / "history.json", self.history)
        if self.samples:
            steps = np.array([s for s, _ in self.samples], dtype=np.int64)
            images = np.stack([im for _, im in self.samples]).astype(np.float16)
            _atomic_save_npz(self.checkpoint_dir / "samples.npz", steps=steps, images=images)
        options = None
        if os.environ.get(_TEST_HOOK_VARIABLE):  # tests: a kill after the checkpoint's files,
            # before the `checkpoint` file names it the latest
            options = tf.train.CheckpointOptions(
                experimental_write_callbacks=[lambda _path: _test_hook("checkpoint")])
        return self._manager.save(checkpoint_number=self.step, options=options)

    def restore(self) -> bool:
        """Load the latest checkpoint in ``checkpoint_dir``, if any; True when one was found.

        A run saved with other settings (architecture, update rule, d_steps, latent shape,
        classes) is refused with a message naming the difference; a change of precision
        (float16 on one GPU, bfloat16 or float32 elsewhere) resumes. Parts an older
        checkpoint lacks (the weight average, the loss scale, the data position) start
        fresh.
        """
        if self._manager is None or self._manager.latest_checkpoint is None:
            return False
        latest = self._manager.latest_checkpoint
        self._check_settings()
        saved = {name.split("/")[0] for name, _ in tf.train.list_variables(latest)}
        if any(name.startswith("g_optimizer/inner_optimizer/")
               for name, _ in tf.train.list_variables(latest)):
            parts = self._old_float16_parts(latest)
        else:
            parts = {k: v for k, v in self._checkpoint_parts.items()
                     if k in saved or k not in _OPTIONAL_PARTS}
        tf.train.Checkpoint(**parts).restore(latest).assert_existing_objects_matched()
        if self.ema_generator is not None and "ema_generator" not in parts:
            self.ema_generator.set_weights(self.generator.get_weights())  # start it here
        step = self.step
        history_file = self.checkpoint_dir / "history.json"
        if history_file.exists():
            saved_history = json.loads(history_file.read_text())
            keep = [i for i, s in enumerate(saved_history.get("step", [])) if s <= step]
            self.history = {key: [saved_history[key][i] for i in keep] for key in HISTORY_KEYS}
        samples_file = self.checkpoint_dir / "samples.npz"
        if samples_file.exists():
            with np.load(samples_file, allow_pickle=False) as saved_samples:
                self.samples = [(int(s), im.astype(np.float32)) for s, im in
                                zip(saved_samples["steps"], saved_samples["images"]) if s <= step]
        if self.verbose:
            print(f"Resumed from {latest} at step {step}.")
        return True

    def _check_settings(self) -> None:
        """Compare the saved run's settings with this trainer's; refuse a real difference."""
        file = self.checkpoint_dir / "settings.json"
        if not file.exists():  # saved before settings were recorded
            self._resumed_settings = {}
            return
        saved = json.loads(file.read_text())
        self._resumed_settings = saved
        names = {"generator": "the generator's weight shapes",
                 "discriminator": "the discriminator's weight shapes",
                 "latent_shape": "the latent shape", "num_classes": "num_classes",
                 "update": "update", "d_steps": "d_steps"}
        changed = [f"{label}: saved {saved[key]}, now {self.settings[key]}"
                   for key, label in names.items()
                   if key in saved and saved[key] != self.settings[key]]
        if changed:
            raise ValueError(f"{self.checkpoint_dir} holds a run with other settings ("
                             + "; ".join(changed) + "). Use the saved settings to resume it, "
                             "or another checkpoint_dir for a new run.")
        if self.verbose and saved.get("precision", self.settings["precision"]) != \
                self.settings["precision"]:
            print(f"Resuming a {saved['precision']} run in {self.settings['precision']}: "
                  "the weights and optimizer state carry over (float32 master weights).")

    def _old_float16_parts(self, latest: str) -> dict:
        """Checkpoints written before the optimizers were stored without their float16
        wrapper: they load into a float16 trainer only."""
        if _inner(self.g_optimizer) is self.g_optimizer:
            raise ValueError(f"{latest}: saved under float16 by an older gan_utils (its "
                             "optimizers inside their loss-scale wrapper); resume it under "
                             "float16 (runtime.use_precision('mixed_float16')) once, which "
                             "saves it in the new layout")
        parts = dict(self._checkpoint_parts, g_optimizer=self.g_optimizer,
                     d_optimizer=self.d_optimizer)
        for key in ("g_loss_scale", "d_loss_scale", "data_position", "ema_generator"):
            parts.pop(key, None)
        return parts


_OPTIONAL_PARTS = ("ema_generator", "g_loss_scale", "d_loss_scale", "data_position")
_TEST_HOOK_VARIABLE = "GAN_UTILS_TEST_KILL_AT"
_hook_counts: dict[str, int] = {}


def _test_hook(point: str) -> None:
    """Tests only: with GAN_UTILS_TEST_KILL_AT="<point>:<n>", SIGKILL this process the n-th
    time it passes ``point`` ("step", "side_file" or "checkpoint")."""
    wanted = os.environ.get(_TEST_HOOK_VARIABLE)
    if not wanted or not wanted.startswith(point + ":"):
        return
    _hook_counts[point] = _hook_counts.get(point, 0) + 1
    if _hook_counts[point] == int(wanted.split(":")[1]):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _cluster(strategy):
    """The cluster (``TF_CONFIG``) a MultiWorkerMirroredStrategy trains on, else None.

    Only that strategy runs one copy of the program per machine; the others (TPUStrategy
    included, which drives all its hosts from one program) run one process, its own chief.
    """
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        resolver = strategy.cluster_resolver
        if resolver is not None and resolver.task_type:
            return resolver
    return None


def _is_chief(cluster) -> bool:
    """Whether this process writes the run's files: always without a cluster; in one, the
    task "chief", or worker 0 when there is none (TensorFlow's rule)."""
    if cluster is None or cluster.task_type == "chief":
        return True
    return (cluster.task_type == "worker" and cluster.task_id == 0
            and "chief" not in cluster.cluster_spec().as_dict())


def _worker_count(cluster) -> int:
    """How many processes (chief and workers) train together: 1 without a cluster."""
    if cluster is None:
        return 1
    jobs = cluster.cluster_spec().as_dict()
    return max(1, sum(len(jobs.get(job, ())) for job in ("chief", "worker")))


def _inner(optimizer):
    """The optimizer inside a float16 loss-scale wrapper, or the optimizer itself."""
    return getattr(optimizer, "inner_optimizer", optimizer)


def _with_loss_scaling(optimizer):
    """Wrap an optimizer for float16 training (dynamic loss scaling), once."""
    import keras

    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


def _atomic_write_json(path: Path, data) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data))
    _test_hook("side_file")
    os.replace(tmp, path)


def _atomic_save_npz(path: Path, **arrays) -> None:
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    _test_hook("side_file")
    os.replace(tmp, path)
