"""Small programs the engine tests run in subprocesses (a fresh TensorFlow each).

Run as ``python _engine_scripts.py <name> <args...>``; each prints one JSON line.
"""

import json
import signal
import sys

import numpy as np


def toy_models(keras, latent_dim=4):
    """A tiny generator and discriminator for 2-D points."""
    G = keras.Sequential([keras.Input((latent_dim,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(2, dtype="float32")], name="G")
    D = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(1, dtype="float32")], name="D")
    return G, D


def toy_dataset(tf, batch=32, n=256):
    points = np.random.default_rng(0).normal(2.0, 0.5, size=(n, 2)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(points).batch(batch, drop_remainder=True)


def training_state(trainer) -> dict:
    """Every variable a resume must restore, by name: both networks, the weight average and
    both optimizers (the loss-scale wrapper's step counter and scale, and Adam's slots)."""
    return {f"{name}/{i}/{v.path}": np.asarray(v) for name, variables in (
        ("G", trainer.generator.weights), ("D", trainer.discriminator.weights),
        ("ema", trainer.averaged_generator.weights),
        ("g_opt", trainer.g_optimizer.variables), ("d_opt", trainer.d_optimizer.variables))
        for i, v in enumerate(variables)}


def kill_at(wanted: str, checkpoint_dir: str) -> list:
    """Install a fault from the test's side: SIGKILL this process the n-th time it passes a
    point, ``wanted`` = "<point>:<n>" (empty: none). Returns callbacks for ``fit``.

    - "step": after a call of the compiled steps, before any callback saw it (a callback);
    - "side_file": a side file written to its temporary name, not yet renamed;
    - "checkpoint": the checkpoint's files written, the ``checkpoint`` file not yet naming
      it the latest (TensorFlow's write callback);
    - "checkpoint_data": inside TensorFlow's write, the data shard in ``ckpt-N_temp/``, its
      merge into ``ckpt-N.index`` / ``.data`` not run.
    """
    import os

    import tensorflow as tf

    from gan_utils import train

    if not wanted:
        return []
    point, count = wanted.split(":")
    calls = []

    def passed() -> None:
        calls.append(1)
        if len(calls) == int(count):
            os.kill(os.getpid(), signal.SIGKILL)

    if point == "step":
        class KillAfterSteps(train.Callback):
            order = -50   # before the other callbacks (the progress bar's -100 aside)

            def on_step_end(self, step, logs):
                passed()
        return [KillAfterSteps()]
    if point == "side_file":
        replace = os.replace

        def killing_replace(source, target, *args, **kwargs):
            if str(target).startswith(checkpoint_dir):
                passed()
            return replace(source, target, *args, **kwargs)
        os.replace = killing_replace
    elif point == "checkpoint":
        save = tf.train.CheckpointManager.save

        def killing_save(self, *args, **kwargs):
            kwargs["options"] = tf.train.CheckpointOptions(
                experimental_write_callbacks=[lambda _path: passed()])
            return save(self, *args, **kwargs)
        tf.train.CheckpointManager.save = killing_save
    elif point == "checkpoint_data":
        from tensorflow.python.checkpoint import functional_saver

        merge = functional_saver.gen_io_ops.merge_v2_checkpoints

        def killed_before_merge(*args, **kwargs):
            passed()
            return merge(*args, **kwargs)
        functional_saver.gen_io_ops.merge_v2_checkpoints = killed_before_merge
    else:
        raise ValueError(f"kill point {point!r}")
    return []


def train_forever(checkpoint_dir: str, seed: str) -> None:
    """Train with frequent checkpoints until killed; print each checkpointed step."""
    import keras
    import tensorflow as tf

    from gan_utils import train

    keras.utils.set_random_seed(0)
    G, D = toy_models(keras)
    grid = train.SampleGrid(every=10)
    trainer = train.GANTrainer(G, D, latent_dim=4, seed=int(seed), callbacks=[
        grid, train.Checkpoint(checkpoint_dir, every_seconds=0.05, verbose=False)])
    print(json.dumps({"fixed_noise": grid.noise.numpy().tolist()}), flush=True)
    trainer.fit(toy_dataset(tf), steps=10**9, progress=False)


def resumable_run(checkpoint_dir: str, total: str, policy: str = "mixed_float16") -> None:
    """Train a toy GAN to ``total`` steps in ``checkpoint_dir``, resuming whatever is there,
    checkpointing after every step; then write its whole state to final.npz / final.json.

    float16 with a loss scale that doubles every 2 finite steps (so it moves), a weight
    average, label noise and a shuffled dataset: every piece of state a resume must restore
    is in play. KILL_AT="<point>:<n>" SIGKILLs the process the n-th time it passes a point
    (:func:`kill_at`).
    """
    import os

    import keras
    import tensorflow as tf

    from gan_utils import losses, train

    faults = kill_at(os.environ.get("KILL_AT", ""), checkpoint_dir)

    tf.config.experimental.enable_op_determinism()
    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(0)
    G, D = toy_models(keras)
    optimizers = [keras.optimizers.Adam(2e-4, beta_1=0.5) for _ in range(2)]
    if policy == "mixed_float16":
        optimizers = [keras.optimizers.LossScaleOptimizer(o, dynamic_growth_steps=2)
                      for o in optimizers]
    trainer = train.GANTrainer(
        G, D, latent_dim=4, g_optimizer=optimizers[0], d_optimizer=optimizers[1],
        loss=losses.GANLoss(label_noise=0.05),
        callbacks=[train.SampleGrid(every=5, num_samples=6), train.WeightAverage(0.9),
                   train.Checkpoint(checkpoint_dir, every_seconds=1e-9, verbose=False)])
    dataset = toy_dataset(tf).unbatch().shuffle(256, seed=1).batch(32, drop_remainder=True)
    trainer.fit(dataset, steps=int(total), progress=False, callbacks=faults)
    state = training_state(trainer)
    np.savez(f"{checkpoint_dir}/final.npz", **state)
    history = {k: v for k, v in trainer.history.items() if k != "seconds"}
    with open(f"{checkpoint_dir}/final.json", "w") as file:
        json.dump({"step": trainer.step, "history": history}, file)


def mirrored(_unused: str = "") -> None:
    """Train under MirroredStrategy on two logical CPU devices."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras

    from gan_utils import train

    strategy = tf.distribute.MirroredStrategy(
        [d.name for d in tf.config.list_logical_devices("CPU")])
    outside_G, outside_D = toy_models(keras)
    try:
        with strategy.scope():   # the trainer, but not its models, built in the scope
            train.GANTrainer(outside_G, outside_D, latent_dim=4)
        refused = False
    except ValueError as error:
        refused = "strategy.scope()" in str(error)
    with strategy.scope():
        inside_G, inside_D = toy_models(keras)
    try:   # models built in the scope, the trainer outside it
        train.GANTrainer(inside_G, inside_D, latent_dim=4)
    except ValueError as error:
        refused = refused and "build the trainer inside the same" in str(error)
    else:
        refused = False
    with strategy.scope():
        keras.utils.set_random_seed(0)
        G, D = toy_models(keras)
        trainer = train.GANTrainer(G, D, latent_dim=4, jit_compile=True,
                                   callbacks=[train.WeightAverage(0.9)])
    before = [v.numpy().copy() for v in G.trainable_variables]
    trainer.fit(toy_dataset(tf), steps=30, progress=False)
    copies_equal = all(np.array_equal(v.value.values[0].numpy(), v.value.values[1].numpy())
                       for v in G.trainable_variables + D.trainable_variables)
    changed = any(not np.allclose(b, v.numpy()) for b, v in zip(before, G.trainable_variables))
    # the weight average: one value on both replicas, finite, apart from start and end
    average, now = trainer.averaged_generator.trainable_variables[0], G.trainable_variables[0]
    copies = [c.numpy() for c in average.value.values]
    average_ok = bool(np.array_equal(copies[0], copies[1]) and np.all(np.isfinite(copies[0]))
                   and not np.allclose(copies[0], now.numpy())
                   and not np.allclose(copies[0], before[0]))
    print(json.dumps({"replicas": strategy.num_replicas_in_sync, "step": trainer.step,
                      "copies_equal": copies_equal, "changed": changed, "refused": refused,
                      "finite": bool(np.all(np.isfinite(trainer.history["d_loss"]))),
                      "uses_xla": trainer.uses_xla, "average_ok": average_ok}))


def conv_models(keras, tf, armed):
    """A small convolutional generator and discriminator, both with batch norm, for 8x8 images.

    The discriminator holds a gradient bomb: the identity going forward, but when ``armed``
    (a variable) is true its gradient is infinite on replica 1 and only there, as when one
    GPU's float16 gradients overflow and the other's do not.
    """

    @tf.custom_gradient
    def bomb(x):
        def gradient(upstream):
            replica = tf.distribute.get_replica_context().replica_id_in_sync_group
            blow_up = tf.logical_and(armed, tf.equal(replica, 1))
            return tf.where(blow_up, tf.cast(float("inf"), upstream.dtype), upstream)
        return tf.identity(x), gradient

    class GradientBomb(keras.layers.Layer):
        def call(self, x):
            return bomb(x)

    layers = keras.layers
    G = keras.Sequential([
        keras.Input((8,)), layers.Dense(4 * 4 * 8, use_bias=False), layers.BatchNormalization(),
        layers.ReLU(), layers.Reshape((4, 4, 8)),
        layers.Conv2DTranspose(4, 3, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.ReLU(),
        layers.Conv2D(1, 3, padding="same"), layers.Activation("tanh", dtype="float32")],
        name="G")
    D = keras.Sequential([
        keras.Input((8, 8, 1)), layers.Conv2D(4, 3, strides=2, padding="same"),
        GradientBomb(), layers.BatchNormalization(), layers.LeakyReLU(0.2),
        layers.Flatten(), layers.Dense(1, dtype="float32")], name="D")
    return G, D


def mirrored_float16(update: str = "alternating") -> None:
    """float16 on two replicas: an infinite gradient on replica 1 alone skips the step on both."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras

    from gan_utils import train

    keras.mixed_precision.set_global_policy("mixed_float16")
    strategy = tf.distribute.MirroredStrategy(
        [d.name for d in tf.config.list_logical_devices("CPU")])
    images = np.random.default_rng(0).uniform(-1, 1, size=(64, 8, 8, 1)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(16, drop_remainder=True)
    with strategy.scope():
        keras.utils.set_random_seed(0)
        armed = tf.Variable(False, trainable=False)
        G, D = conv_models(keras, tf, armed)
        trainer = train.GANTrainer(G, D, latent_dim=8, update=update)
    optimizers = (trainer.g_optimizer, trainer.d_optimizer)

    def copies(variables):
        """Every replica's copy of every variable."""
        return [[c.numpy().copy() for c in getattr(v, "value", v).values] for v in variables]

    def state():
        weights = G.trainable_variables + D.trainable_variables
        slots = [v for o in optimizers for v in o.inner_optimizer.variables]
        return copies(weights), copies(slots), [float(o.dynamic_scale.numpy()) for o in optimizers]

    def same(a, b):
        return all(np.array_equal(x, y) for xs, ys in zip(a, b) for x, y in zip(xs, ys))

    def replicas_agree(values):
        return all(np.array_equal(c[0], c[1]) for c in values)

    trainer.fit(dataset, steps=2, progress=False)           # Adam's slots are no longer zero
    weights, slots, scales = state()
    armed.assign(True)
    trainer.fit(dataset, steps=3, progress=False)           # replica 1's gradient is infinite
    weights_after, slots_after, scales_after = state()
    armed.assign(False)
    trainer.fit(dataset, steps=4, progress=False)           # and a finite step trains again
    weights_next, _, scales_next = state()
    print(json.dumps({
        "replicas": strategy.num_replicas_in_sync, "step": trainer.step,
        "compute_dtype": G.compute_dtype,
        "skipped_weights": same(weights, weights_after),
        "skipped_slots": same(slots, slots_after),
        "scales": scales, "scales_after": scales_after, "scales_next": scales_next,
        "replicas_agree": replicas_agree(weights_after) and replicas_agree(slots_after)
        and replicas_agree(weights_next),
        "finite": bool(all(np.all(np.isfinite(c)) for cs in weights_after + weights_next
                           for c in cs)),
        "trained_again": not same(weights_after, weights_next)}))


def multi_worker_run(checkpoint_dir: str, total: str) -> None:
    """One worker of a two-worker MultiWorkerMirroredStrategy cluster (``TF_CONFIG`` in the
    environment): train a toy GAN to ``total`` steps in ``checkpoint_dir``, resuming what is
    there, checkpointing after every step; print the step it resumed at, how many side files
    it wrote, and where it left its final state (``final-<task>.npz``, which the test reads).

    A weight average and a shuffled dataset, as in ``resumable_run``; float32, with op
    determinism. KILL_AT="step:<n>" SIGKILLs this worker after its n-th step (:func:`kill_at`).
    """
    import os

    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG: first of all
    import keras

    from gan_utils import train

    side_files = []

    def counted(write):
        def counted_write(path, *args, **kwargs):
            side_files.append(str(path))
            return write(path, *args, **kwargs)
        return counted_write

    for module in (train.checkpoint, train.callbacks):
        for name in ("atomic_write_json", "atomic_save_images"):
            if hasattr(module, name):
                setattr(module, name, counted(getattr(module, name)))
    faults = kill_at(os.environ.get("KILL_AT", ""), checkpoint_dir)

    with strategy.scope():
        keras.utils.set_random_seed(0)
        G, D = toy_models(keras)
        trainer = train.GANTrainer(G, D, latent_dim=4, callbacks=[
            train.SampleGrid(every=5, num_samples=6), train.WeightAverage(0.9),
            train.Checkpoint(checkpoint_dir, every_seconds=1e-9, verbose=False)])
    trainer.restore()
    resumed_at = trainer.step
    dataset = toy_dataset(tf).unbatch().shuffle(256, seed=1).batch(32, drop_remainder=True)
    trainer.fit(dataset, steps=int(total), progress=False, callbacks=faults)
    state = training_state(trainer)
    task = strategy.cluster_resolver.task_id
    final = os.path.join(checkpoint_dir, f"final-{task}.npz")
    np.savez(final, **state)
    history = {k: v for k, v in trainer.history.items() if k != "seconds"}
    print(json.dumps({"task": task, "replicas": strategy.num_replicas_in_sync,
                      "resumed_at": resumed_at, "step": trainer.step, "history": history,
                      "side_files": len(side_files), "final": final}), flush=True)


if __name__ == "__main__":
    {"train_forever": train_forever, "mirrored": mirrored, "resumable_run": resumable_run,
     "mirrored_float16": mirrored_float16,
     "multi_worker_run": multi_worker_run}[sys.argv[1]](*sys.argv[2:])
