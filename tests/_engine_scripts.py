"""Small programs the engine tests run in subprocesses (a fresh TensorFlow each).

Run as ``python _engine_scripts.py <name> <args...>``; each prints one JSON line.
"""

import json
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


def train_forever(checkpoint_dir: str, seed: str) -> None:
    """Train with frequent checkpoints until killed; print each checkpointed step."""
    import keras
    import tensorflow as tf

    from gan_utils import train

    keras.utils.set_random_seed(0)
    G, D = toy_models(keras)
    trainer = train.GANTrainer(G, D, latent_dim=4, checkpoint_dir=checkpoint_dir,
                               checkpoint_every_seconds=0.05, sample_every=10,
                               seed=int(seed), verbose=False)
    print(json.dumps({"fixed_noise": trainer.fixed_noise.numpy().tolist()}), flush=True)
    trainer.fit(toy_dataset(tf), steps=10**9, progress=False)


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
        train.GANTrainer(outside_G, outside_D, latent_dim=4, strategy=strategy)
        refused = False
    except ValueError as error:
        refused = "strategy.scope()" in str(error)
    with strategy.scope():
        keras.utils.set_random_seed(0)
        G, D = toy_models(keras)
        trainer = train.GANTrainer(G, D, latent_dim=4, strategy=strategy, sample_every=10,
                                   verbose=False, jit_compile=True, ema_decay=0.9)
    before = [v.numpy().copy() for v in G.trainable_variables]
    trainer.fit(toy_dataset(tf), steps=30, progress=False)
    copies_equal = all(np.array_equal(v.value.values[0].numpy(), v.value.values[1].numpy())
                       for v in G.trainable_variables + D.trainable_variables)
    changed = any(not np.allclose(b, v.numpy()) for b, v in zip(before, G.trainable_variables))
    # the weight average: one value on both replicas, finite, apart from start and end
    average, now = trainer.ema_generator.trainable_variables[0], G.trainable_variables[0]
    copies = [c.numpy() for c in average.value.values]
    average_ok = bool(np.array_equal(copies[0], copies[1]) and np.all(np.isfinite(copies[0]))
                   and not np.allclose(copies[0], now.numpy())
                   and not np.allclose(copies[0], before[0]))
    print(json.dumps({"replicas": strategy.num_replicas_in_sync, "step": trainer.step,
                      "copies_equal": copies_equal, "changed": changed, "refused": refused,
                      "finite": bool(np.all(np.isfinite(trainer.history["d_loss"]))),
                      "uses_xla": trainer.uses_xla, "average_ok": average_ok}))


if __name__ == "__main__":
    {"train_forever": train_forever, "mirrored": mirrored}[sys.argv[1]](*sys.argv[2:])
