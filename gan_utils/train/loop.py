"""The training loop: a generator against a discriminator, step after step, with callbacks.

The step itself lives in :mod:`gan_utils.train.step`: the alternating step written out by
hand in notebook 05 (``update="alternating"``) or the TensorFlow DCGAN tutorial's one-pass
step (``update="simultaneous"``). The loop around it:

- compiles the step (``@tf.function``, optionally XLA, ``steps_per_execution`` steps per
  call), under any ``tf.distribute`` strategy and mixed precision (from the models' dtype
  policy);
- draws the noise of step ``s`` from ``(seed, s)`` (:meth:`GANTrainer.seed_for`), so a
  resumed run draws what it would have drawn without the interruption;
- records both losses and the mean D(x) and D(G(z)), and stops with the step's number when
  one becomes NaN or infinite (:class:`TrainingDiverged`);
- restores the latest checkpoint before its first step, and calls its callbacks
  (:mod:`gan_utils.train.callbacks`), each at its own cadence.

``fit`` trains *until* a total step count, so rerunning a notebook cell after a
disconnect resumes instead of starting again; ``fit_more`` trains n more steps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

import numpy as np
import tensorflow as tf

from gan_utils import losses
from gan_utils._validate import positive_int
from gan_utils.train import callbacks as cb
from gan_utils.train import distributed
from gan_utils.train import step as step_lib
from gan_utils.train.checkpoint import Checkpoint

HISTORY_KEYS = ("step", "d_loss", "g_loss", "d_real", "d_fake", "seconds")
#: What train_step returns: the step's numbers, by name (HISTORY_KEYS without step, seconds).
STEP_KEYS = HISTORY_KEYS[1:5]
#: The purposes a step draws randomness for, each its own stream (see GANTrainer.seed_for).
PURPOSES = {"d_noise": 1, "g_noise": 2, "label_noise": 3}
UPDATES = ("alternating", "simultaneous")


class TrainingDiverged(FloatingPointError):
    """A loss became NaN or infinite; the message names the step."""


class GANTrainer:
    """Train ``generator`` against ``discriminator`` with a custom ``tf.GradientTape`` loop.

    The generator maps a latent batch ``z`` (shape ``(batch,) + latent_shape``) to images;
    the discriminator maps images to one logit each (or a probability: see
    :class:`gan_utils.losses.GANLoss`). With ``num_classes``, both are conditional:
    ``generator([z, labels])``, ``discriminator([images, labels])``, and the dataset yields
    ``(images, labels)``.

    ``loss`` is a :class:`~gan_utils.losses.GANLoss` (default: non-saturating, on logits);
    ``g_optimizer`` and ``d_optimizer`` default to ``Adam(2e-4, beta_1=0.5)`` each;
    ``update`` and ``d_steps`` pick the step; ``extra_loss(z, d_outputs)`` is a term added
    to both losses (see :mod:`gan_utils.train.step`; InfoGAN's:
    :class:`gan_utils.train.infogan.InfoLoss`); ``callbacks`` are the trainer's own
    (:class:`~gan_utils.train.callbacks.SampleGrid`, ``WeightAverage``, ``Checkpoint``, ...),
    whose state a checkpoint keeps; ``fit(callbacks=...)`` adds others for one fit.
    """

    def __init__(self, generator, discriminator, *, latent_dim: int | tuple[int, ...],
                 loss: losses.GANLoss | None = None, g_optimizer=None, d_optimizer=None,
                 extra_loss: Callable | None = None,
                 update: str = "alternating", d_steps: int = 1,
                 num_classes: int | None = None, callbacks: Iterable = (),
                 seed: int = 0, jit_compile: bool = False, steps_per_execution: int = 1):
        self.generator, self.discriminator = generator, discriminator
        self.latent_shape = (int(latent_dim),) if np.isscalar(latent_dim) else tuple(latent_dim)
        self.loss = loss if loss is not None else losses.GANLoss()
        self.extra_loss = extra_loss
        self.update, self.d_steps = _checked_update(update, d_steps)
        if num_classes is not None and num_classes < 2:
            raise ValueError(f"num_classes={num_classes!r}: expected None or at least 2")
        self.num_classes, self.seed = num_classes, int(seed)
        self.jit_compile = jit_compile
        self.steps_per_execution = positive_int("steps_per_execution", steps_per_execution)
        self.strategy = tf.distribute.get_strategy()   # the one whose scope we are built in
        self._check_models_in_scope()
        self.history: dict[str, list] = {key: [] for key in HISTORY_KEYS}
        self._train_function = None
        self._restored = False          # fit restores the latest checkpoint once, first
        self._saved_settings: dict = {}  # the restored run's settings
        self._batch_size: int | None = None   # the dataset's, once fit has seen it
        self._stream: tuple | None = None     # (id of the dataset, its endless iterator)
        with self.strategy.scope():
            self.g_optimizer, self.d_optimizer = self._make_optimizers(g_optimizer,
                                                                       d_optimizer)
            self._step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
            # batches drawn from the current dataset's stream: a resume skips that many
            self._data_position = tf.Variable(0, dtype=tf.int64, trainable=False,
                                              name="data_position")
            self.callbacks = sorted(map(_as_callback, callbacks), key=lambda c: c.order)
            for callback in self.callbacks:   # the Checkpoint, last, collects all parts
                callback.set_trainer(self)

    # ------------------------------------------------------------------ set-up helpers
    def _check_models_in_scope(self) -> None:
        """Models must be built under the strategy that trains them, and the trainer too."""
        if self.strategy.num_replicas_in_sync == 1 and not tf.distribute.has_strategy():
            if any(isinstance(getattr(v, "value", v), tf.distribute.DistributedValues)
                   for model in (self.generator, self.discriminator) for v in model.variables):
                raise ValueError("the models were built under a distribution strategy: build "
                                 "the trainer inside the same `with strategy.scope():`")
            return
        for model in (self.generator, self.discriminator):
            for variable in model.variables:
                if not self.strategy.extended.variable_created_in_scope(
                        getattr(variable, "value", variable)):
                    raise ValueError(f"{model.name}: its variables were not created under the "
                                     "training strategy; build the models inside "
                                     "`with strategy.scope():`")

    def _make_optimizers(self, g_optimizer, d_optimizer) -> tuple:
        """G's and D's optimizers, wrapped for float16 loss scaling, their slots built now
        (so a checkpoint restores them at once)."""
        import keras

        g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        if any(getattr(m, "compute_dtype", "float32") == "float16"
               for m in (self.generator, self.discriminator)):
            g_optimizer, d_optimizer = map(_with_loss_scaling, (g_optimizer, d_optimizer))
        for optimizer, model in ((g_optimizer, self.generator),
                                 (d_optimizer, self.discriminator)):
            if not model.built or not model.trainable_variables:
                raise ValueError(f"{model.name}: the model has no weights yet; build it "
                                 "(for example with keras.Input) before training")
            if not optimizer.built:
                optimizer.build(model.trainable_variables)
        return g_optimizer, d_optimizer

    def checkpoint_parts(self) -> dict:
        """What a checkpoint holds of the trainer itself (callbacks add theirs).

        The optimizers are stored without their float16 loss-scale wrapper (which goes in
        ``*_loss_scale``), so a run saved under float16 resumes under bfloat16 or float32.
        """
        parts = dict(generator=self.generator, discriminator=self.discriminator,
                     g_optimizer=_inner(self.g_optimizer), d_optimizer=_inner(self.d_optimizer),
                     step=self._step, data_position=self._data_position)
        if _inner(self.g_optimizer) is not self.g_optimizer:
            parts.update(g_loss_scale=self.g_optimizer, d_loss_scale=self.d_optimizer)
        return parts

    def run_settings(self) -> dict:
        """What a resumed run must share with the saved one (a checkpoint records them)."""
        def signature(model):
            return [list(w.shape) for w in model.weights]

        return {"generator": signature(self.generator),
                "discriminator": signature(self.discriminator),
                "latent_shape": list(self.latent_shape), "num_classes": self.num_classes,
                "update": self.update, "d_steps": self.d_steps,
                "precision": str(getattr(self.generator, "compute_dtype", "float32")),
                "batch_size": self._batch_size}

    def find_callback(self, kind: type) -> cb.Callback | None:
        """The trainer's first callback of class ``kind`` (e.g. ``SampleGrid``), or None."""
        return next((c for c in self.callbacks if isinstance(c, kind)), None)

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
        """Whether this process writes the run's files (checkpoints, side files, logs): True
        on one machine; on several, the chief's alone (:mod:`gan_utils.train.distributed`)."""
        return distributed.is_chief(distributed.cluster(self.strategy))

    @property
    def step(self) -> int:
        """How many generator steps have been taken (restored from checkpoints)."""
        return int(self._step.numpy())

    def seed_for(self, step, purpose: str, offset=0) -> tf.Tensor:
        """The stateless seed of ``purpose`` (a key of :data:`PURPOSES`) at ``step`` on this
        replica; ``offset`` tells the ``d_steps`` D updates of one step apart.

        A pure function of the trainer's seed and the step, so a resumed run draws what
        the uninterrupted one would have. ``step`` is a tensor argument rather than the
        step variable: an int64 variable lives on the host, out of XLA's reach on a GPU.
        """
        if purpose not in PURPOSES:
            raise ValueError(f"purpose={purpose!r}: expected one of {', '.join(PURPOSES)}")
        salt = PURPOSES[purpose]
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
        return (self.latent_batch(batch_size, step, "d_noise", d_step),
                self.latent_batch(batch_size, step, "g_noise"))

    def latent_batch(self, batch, step, purpose: str, offset=0) -> tf.Tensor:
        """One standard-normal latent batch for this step and purpose (see :meth:`seed_for`)."""
        return tf.random.stateless_normal((batch,) + self.latent_shape,
                                          seed=self.seed_for(step, purpose, offset))

    def train_step(self, images, labels=None, step=0) -> dict:
        """One engine step on one replica's batch: :mod:`gan_utils.train.step`'s function.

        ``update="alternating"`` is :func:`~gan_utils.train.step.alternating_step`
        (``d_steps`` D updates, then G's on a fresh pass); ``"simultaneous"`` is
        :func:`~gan_utils.train.step.simultaneous_step`. This method only draws the
        step's noise and label-noise seeds from ``step`` (with the trainer's seed), so that
        they are the same after a resume. Returns the step's numbers by name
        (:data:`STEP_KEYS`: d_loss, g_loss, mean D(x), mean D(G(z))).
        """
        batch = tf.shape(images)[0]
        nets = (self.generator, self.discriminator, self.g_optimizer, self.d_optimizer,
                self.loss, images)
        if self.update == "simultaneous":
            result = step_lib.simultaneous_step(
                *nets, self.latent_batch(batch, step, "d_noise"), labels,
                self.seed_for(step, "label_noise"), extra_loss=self.extra_loss)
        else:
            d_updates = range(self.d_steps)
            result = step_lib.alternating_step(
                *nets, [self.latent_batch(batch, step, "d_noise", d) for d in d_updates],
                self.latent_batch(batch, step, "g_noise"), labels,
                [self.seed_for(step, "label_noise", d) for d in d_updates],
                extra_loss=self.extra_loss)
        return {key: tf.cast(result[key], tf.float32) for key in STEP_KEYS}

    def _replica_step(self, batch, step):
        if self.num_classes:
            images, labels = batch
        else:
            images, labels = (batch[0] if isinstance(batch, (tuple, list)) else batch), None
        numbers = self.train_step(images, labels, step)
        return tf.stack([numbers[key] for key in STEP_KEYS])

    def _make_train_function(self) -> Callable:
        """A tf.function running ``count`` steps; returns their mean metrics."""
        replica_step = self._replica_step
        if self.uses_xla:
            replica_step = tf.function(self._replica_step, jit_compile=True)
        in_graph = [c for c in self.callbacks if c.in_graph]   # the weight average

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
                for callback in in_graph:
                    callback.update_in_graph(self._step)
            return total / tf.cast(count, tf.float32)

        # Every trainer traces its own train_many once, and TensorFlow counts the traces of
        # all trainers together (they share this code): a notebook that builds several
        # trainers in a row would get a "retracing" warning that points at nothing wrong.
        train_many._omit_frequent_tracing_warning = True
        return train_many

    # ------------------------------------------------------------------ the loop
    def fit(self, dataset: tf.data.Dataset, *, epochs: int | None = None,
            steps: int | None = None, callbacks: Iterable = (),
            progress: bool = True) -> dict[str, list]:
        """Train until the total step count reaches ``steps`` (or ``epochs`` epochs).

        An epoch is one pass over ``dataset`` (a batched tf.data pipeline). When the
        trainer already stands at or past the target (restored from a checkpoint), it
        returns at once. ``callbacks`` join the trainer's for this fit: Callback objects,
        or plain functions ``f(trainer)``, called with each sample grid and at the end
        (see :class:`~gan_utils.train.callbacks.LambdaCallback`). Returns the history.
        """
        if (epochs is None) == (steps is None):
            raise ValueError("fit: give exactly one of epochs= or steps= (a total to reach)")
        if epochs is not None:
            if epochs < 0:
                raise ValueError(f"epochs={epochs}: expected a non-negative number")
            steps = math.ceil(epochs * self.steps_per_epoch(dataset))
        if steps < 0:
            raise ValueError(f"steps={steps}: expected a non-negative number")
        return self._train_until(dataset, int(steps), callbacks, progress)

    def fit_more(self, dataset: tf.data.Dataset, steps: int, *, callbacks: Iterable = (),
                 progress: bool = True) -> dict[str, list]:
        """Train ``steps`` more steps from wherever the trainer stands (after restoring the
        latest checkpoint, the first time)."""
        if steps < 0:
            raise ValueError(f"steps={steps}: expected a non-negative number")
        if not self._restored:
            self.restore()
        return self._train_until(dataset, self.step + int(steps), callbacks, progress)

    @staticmethod
    def steps_per_epoch(dataset: tf.data.Dataset) -> int:
        """Batches in one pass over a finite, batched dataset."""
        count = int(dataset.cardinality())
        if count <= 0:
            raise ValueError("dataset: its number of batches is unknown or infinite; "
                             "pass steps= instead of epochs=")
        return count

    def restore(self) -> bool:
        """Restore the latest checkpoint of the trainer's :class:`Checkpoint` (if any), and
        say so. ``fit`` calls it before its first step; True when a checkpoint was found."""
        self._restored = True
        checkpoint = self.find_callback(Checkpoint)
        if checkpoint is None:
            return False
        with self.strategy.scope():
            restored = checkpoint.restore()
        if restored is None:
            return False
        self.history, self._saved_settings = restored.history, restored.settings
        if checkpoint.verbose:
            print(f"Resumed from {restored.path} at step {restored.step}.")
        return True

    def _train_until(self, dataset, target: int, extra: Iterable, progress: bool):
        """The loop: compiled steps up to the next cadence, the history, the callbacks."""
        if not self._restored:
            self.restore()
        if self.step >= target:
            if progress:
                print(f"Already at step {self.step} (target {target}): nothing to train.")
            return self.history
        callbacks = self._callbacks_for_fit(extra, target, progress)
        if self._train_function is None:
            self._train_function = self._make_train_function()
        iterator = self._iterator(dataset)
        for callback in callbacks:
            callback.on_train_begin()
        seconds = self.history["seconds"][-1] if self.history["seconds"] else 0.0
        clock = time.perf_counter()
        try:
            while self.step < target:
                count = self._steps_to_next_stop(target, callbacks)
                metrics = self._train_function(iterator, tf.constant(count, tf.int64)).numpy()
                now = time.perf_counter()
                seconds, clock = seconds + now - clock, now
                logs = self._record(metrics, seconds)
                for callback in callbacks:
                    if callback.every is None or self.step % callback.every == 0:
                        callback.on_step_end(self.step, logs)
        except KeyboardInterrupt:
            for callback in callbacks:
                callback.on_interrupt()
            raise
        except TrainingDiverged:
            for callback in callbacks:
                callback.on_diverged()
            raise
        for callback in callbacks:
            callback.on_train_end()
        return self.history

    def _callbacks_for_fit(self, extra: Iterable, target: int, progress: bool) -> list:
        """The progress bar, the trainer's callbacks and this fit's, the checkpoint last."""
        added = [_as_callback(c) for c in extra]
        for callback in added:
            if callback.in_graph or isinstance(callback, (Checkpoint, cb.SampleGrid)):
                raise ValueError(f"{type(callback).__name__}: its state is checkpointed (or "
                                 "compiled into the step); give it to GANTrainer(callbacks=...)")
        if progress:
            added.append(cb.ProgressBar(target))
        for callback in added:
            callback.set_trainer(self)
        return sorted(self.callbacks + added, key=lambda c: c.order)

    def _steps_to_next_stop(self, target: int, callbacks: list) -> int:
        """Steps for one call of the compiled function: up to the next callback's multiple."""
        count = min(self.steps_per_execution, target - self.step)
        for callback in callbacks:
            if callback.every is not None:
                count = min(count, callback.every - self.step % callback.every)
        return count

    def _iterator(self, dataset: tf.data.Dataset):
        """One endless distributed iterator over ``dataset``, kept between fit calls.

        The first dataset after a resume continues where the saved run stopped: its stream
        skips the ``data_position`` batches already drawn. A rebuilt pipeline with the same
        seed yields the same batches in the same order, so the resumed run sees the batches
        the uninterrupted one would have seen (cheaper than saving the iterator, whose
        shuffle buffer a checkpoint would then hold).
        """
        if self._stream is not None and self._stream[0] == id(dataset):
            return self._stream[1]
        spec = dataset.element_spec
        shape = (spec[0] if isinstance(spec, tuple) else spec).shape
        batch = int(shape[0]) if shape.rank and shape[0] is not None else None
        position = 0
        if self._stream is None and self._saved_settings:   # the first dataset after a resume
            saved = self._saved_settings.get("batch_size")
            if saved is not None and batch != saved:
                checkpoint = self.find_callback(Checkpoint)
                raise ValueError(
                    f"{checkpoint.directory}: this run was saved with batch size {saved}, and "
                    f"the dataset now gives batches of {batch}; resume with the same batch "
                    "size, or train in a new checkpoint directory")
            position = int(self._data_position.numpy())
        self._data_position.assign(position)
        self._batch_size = batch
        stream = dataset.repeat()
        if position:
            stream = stream.skip(position)
        self._stream = (id(dataset),
                        iter(self.strategy.experimental_distribute_dataset(stream)))
        return self._stream[1]

    def _record(self, metrics: np.ndarray, seconds: float) -> dict:
        """Append one history entry and return it; stop with the step's number on NaN."""
        if not np.all(np.isfinite(metrics)):
            names = [n for n, v in zip(("discriminator loss", "generator loss", "D(x)",
                                        "D(G(z))"), metrics) if not np.isfinite(v)]
            raise TrainingDiverged(
                f"Training stopped at step {self.step}: the {' and the '.join(names)} became "
                f"{metrics[~np.isfinite(metrics)][0]}. Lower the learning rates or check the "
                "data scaling; the last checkpoint (if any) is from before this step.")
        logs = dict(zip(HISTORY_KEYS, (self.step, *map(float, metrics), seconds)))
        for key, value in logs.items():
            self.history[key].append(value)
        return logs

    # ------------------------------------------------------------------ using G
    @property
    def averaged_generator(self):
        """The weight average of G (a :class:`~gan_utils.train.callbacks.WeightAverage`
        callback's), or None without one."""
        average = self.find_callback(cb.WeightAverage)
        return average.generator if average is not None else None

    @property
    def sampling_generator(self):
        """The generator that samples and evaluations use: the averaged generator when the
        trainer keeps a weight average, otherwise the trained generator itself."""
        averaged = self.averaged_generator
        return averaged if averaged is not None else self.generator

    @property
    def samples(self) -> list[tuple[int, np.ndarray]]:
        """The :class:`~gan_utils.train.callbacks.SampleGrid`'s (step, images), or []."""
        grid = self.find_callback(cb.SampleGrid)
        return grid.samples if grid is not None else []

    def generate(self, n: int | None = None, noise=None, labels=None,
                 averaged: bool = True) -> np.ndarray:
        """Images from the generator in inference mode, as float32 in [-1, 1].

        Give ``noise`` (a latent batch), or ``n`` for that many fresh standard-normal
        latents. Conditional generators take ``labels`` (default: 0, 1, 2, ... cycling).
        With a weight average, it draws them unless ``averaged=False``.
        """
        if noise is None:
            if n is None or n < 1:
                raise ValueError("generate: give n (a positive count) or noise")
            noise = tf.random.normal((n,) + self.latent_shape)
        noise = tf.convert_to_tensor(noise)
        if self.num_classes:
            if labels is None:
                labels = np.arange(int(noise.shape[0])) % self.num_classes
            noise = [noise, tf.convert_to_tensor(labels)]
        generator = self.sampling_generator if averaged else self.generator
        return tf.cast(generator(noise, training=False), tf.float32).numpy()

    def save(self) -> str | None:
        """Save now through the trainer's :class:`~gan_utils.train.checkpoint.Checkpoint`
        (None without one)."""
        checkpoint = self.find_callback(Checkpoint)
        return checkpoint.save() if checkpoint is not None else None


def _as_callback(callback) -> cb.Callback:
    """A Callback as it is; a plain function ``f(trainer)`` wrapped as a LambdaCallback."""
    return callback if isinstance(callback, cb.Callback) else cb.LambdaCallback(callback)


def _checked_update(update: str, d_steps: int) -> tuple[str, int]:
    """The update rule and D's steps per G step, or a ValueError saying what is wrong."""
    d_steps = positive_int("d_steps", d_steps)
    if update not in UPDATES:
        raise ValueError(f"update={update!r}: expected one of {', '.join(UPDATES)}")
    if update == "simultaneous" and d_steps != 1:
        raise ValueError(f"d_steps={d_steps} with update='simultaneous': one forward pass "
                         "feeds one update of each network; use update='alternating' "
                         "for several discriminator steps")
    return update, d_steps


def _inner(optimizer):
    """The optimizer inside a float16 loss-scale wrapper, or the optimizer itself."""
    return getattr(optimizer, "inner_optimizer", optimizer)


def _with_loss_scaling(optimizer):
    """Wrap an optimizer for float16 training (dynamic loss scaling), once."""
    import keras

    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)
