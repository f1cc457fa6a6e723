"""The training loop (gan_utils.train.loop): its step, resume after a kill, strategies,
precision, NaN stops. The callbacks alone: test_callbacks.py."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from _engine_scripts import toy_dataset, toy_models  # noqa: E402

from gan_utils import losses, train
from gan_utils.train import distributed

SCRIPTS = Path(__file__).parent / "_engine_scripts.py"


def make_trainer(checkpoint_dir=None, *, ema_decay=None, sample_every=10, num_samples=64,
                 **kwargs):
    """A toy trainer with a sample grid, and a weight average if asked; with a checkpoint
    directory, checkpoints, restored at once (as ``fit`` would before its first step)."""
    keras.utils.set_random_seed(0)
    G, D = toy_models(keras)
    callbacks = [train.SampleGrid(every=sample_every, num_samples=num_samples)]
    if ema_decay is not None:
        callbacks.append(train.WeightAverage(ema_decay))
    if checkpoint_dir is not None:
        callbacks.append(train.Checkpoint(checkpoint_dir, verbose=False))
    trainer = train.GANTrainer(G, D, latent_dim=4, callbacks=callbacks, **kwargs)
    if checkpoint_dir is not None:
        trainer.restore()
    return trainer


def fixed_noise(trainer):
    return trainer.find_callback(train.SampleGrid).noise.numpy()


def hand_written_copy(trainer):
    """Copies of the trainer's networks, fresh Adam(2e-4, 0.5) optimizers and one toy batch,
    for writing the engine's step out by hand."""
    G, D = toy_models(keras)
    G.set_weights(trainer.generator.get_weights())
    D.set_weights(trainer.discriminator.get_weights())
    g_opt, d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
    return G, D, g_opt, d_opt, next(iter(toy_dataset(tf)))


def test_engine_step_is_the_hand_written_step():
    """One engine step equals two GradientTape steps written out with the same noise."""
    trainer = make_trainer()
    G, D, g_opt, d_opt, images = hand_written_copy(trainer)

    z_d, z_g = trainer.step_noise(0, 32)
    with tf.GradientTape() as tape:
        d_loss = losses.discriminator_loss(D(images, training=True), D(G(z_d), training=True))
    d_opt.apply_gradients(zip(tape.gradient(d_loss, D.trainable_variables),
                              D.trainable_variables))
    with tf.GradientTape() as tape:
        g_loss = losses.generator_loss(D(G(z_g, training=True), training=True))
    g_opt.apply_gradients(zip(tape.gradient(g_loss, G.trainable_variables),
                              G.trainable_variables))

    trainer.fit(tf.data.Dataset.from_tensors(images), steps=1, progress=False)
    for mine, engine in zip(G.get_weights() + D.get_weights(),
                            trainer.generator.get_weights() + trainer.discriminator.get_weights()):
        np.testing.assert_allclose(mine, engine, rtol=1e-5, atol=1e-6)
    assert trainer.history["d_loss"][0] == pytest.approx(float(d_loss), rel=1e-5)
    assert trainer.history["g_loss"][0] == pytest.approx(float(g_loss), rel=1e-5)


def test_simultaneous_step_is_the_tf_tutorial_step():
    """update="simultaneous" equals the tutorial's step: one pass, two tapes, two updates.

    Its G update must differ from the alternating engine's, which sees the updated D.
    """
    trainer = make_trainer(update="simultaneous")
    alternating = make_trainer()
    G, D, g_opt, d_opt, images = hand_written_copy(trainer)

    z, _ = trainer.step_noise(0, 32)
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake_out = D(G(z, training=True), training=True)
        d_loss = losses.discriminator_loss(D(images, training=True), fake_out)
        g_loss = losses.generator_loss(fake_out)
    g_grads = g_tape.gradient(g_loss, G.trainable_variables)
    d_grads = d_tape.gradient(d_loss, D.trainable_variables)
    d_opt.apply_gradients(zip(d_grads, D.trainable_variables))
    g_opt.apply_gradients(zip(g_grads, G.trainable_variables))

    one_batch = tf.data.Dataset.from_tensors(images)
    trainer.fit(one_batch, steps=1, progress=False)
    alternating.fit(one_batch, steps=1, progress=False)
    for mine, engine in zip(G.get_weights() + D.get_weights(),
                            trainer.generator.get_weights() + trainer.discriminator.get_weights()):
        np.testing.assert_allclose(mine, engine, rtol=1e-5, atol=1e-6)
    assert trainer.history["d_loss"][0] == pytest.approx(float(d_loss), rel=1e-5)
    assert trainer.history["g_loss"][0] == pytest.approx(float(g_loss), rel=1e-5)
    # same start, same D update; G's differs because the alternating step re-reads D
    np.testing.assert_allclose(alternating.discriminator.get_weights()[0],
                               trainer.discriminator.get_weights()[0], rtol=1e-5, atol=1e-6)
    assert not np.allclose(alternating.generator.get_weights()[0],
                           trainer.generator.get_weights()[0], rtol=1e-6, atol=1e-8)


def test_step_noise_is_a_function_of_seed_and_step():
    """Same seed and step, same noise; another step or seed, other noise; D's and G's differ."""
    a, b = make_trainer(), make_trainer()
    z_d, z_g = a.step_noise(3, 8)
    assert z_d.shape == z_g.shape == (8, 4)
    np.testing.assert_array_equal(z_d, b.step_noise(3, 8)[0])
    assert not np.allclose(z_d, z_g)
    assert not np.allclose(z_d, a.step_noise(4, 8)[0])
    assert not np.allclose(z_d, make_trainer(seed=1).step_noise(3, 8)[0])


@pytest.mark.slow
def test_building_many_trainers_gives_no_retracing_warning(caplog):
    """Each trainer traces once; TensorFlow must not blame that on the learner's code."""
    dataset = toy_dataset(tf)
    with caplog.at_level("WARNING", logger="tensorflow"):
        for _ in range(6):
            make_trainer().fit_more(dataset, 1, progress=False)
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]


def test_weight_average_follows_its_formula():
    """ema_decay: after each step, average = d * average + (1 - d) * weights, where
    d = min(ema_decay, (1 + step) / (10 + step)); samples come from the average."""
    trainer = make_trainer(ema_decay=0.2)
    dataset = toy_dataset(tf)
    expected = trainer.generator.get_weights()
    np.testing.assert_array_equal(trainer.averaged_generator.get_weights()[0], expected[0])
    for step in (1, 2, 3):
        trainer.fit_more(dataset, 1, progress=False)
        decay = min(0.2, (1 + step) / (10 + step))  # 0.18, 0.2, 0.2
        expected = [decay * a + (1 - decay) * w
                    for a, w in zip(expected, trainer.generator.get_weights())]
        for got, want in zip(trainer.averaged_generator.get_weights(), expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    z = fixed_noise(trainer)[:5]
    np.testing.assert_allclose(trainer.generate(noise=z),
                               trainer.averaged_generator(z, training=False), atol=1e-6)
    np.testing.assert_allclose(trainer.generate(noise=z, averaged=False),
                               trainer.generator(z, training=False), atol=1e-6)
    assert not np.allclose(trainer.generate(noise=z), trainer.generate(noise=z, averaged=False))
    assert trainer.sampling_generator is trainer.averaged_generator
    plain = make_trainer()
    assert plain.averaged_generator is None and plain.sampling_generator is plain.generator


def test_weight_average_is_checkpointed(tmp_path):
    first = make_trainer(checkpoint_dir=tmp_path, ema_decay=0.9)
    first.fit(toy_dataset(tf), steps=12, progress=False)
    second = make_trainer(checkpoint_dir=tmp_path, ema_decay=0.9, seed=5)
    for a, b in zip(first.averaged_generator.get_weights(),
                    second.averaged_generator.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # a run saved without the average starts one from its restored generator
    plain = tmp_path / "plain"
    make_trainer(checkpoint_dir=plain).fit(toy_dataset(tf), steps=5, progress=False)
    upgraded = make_trainer(checkpoint_dir=plain, ema_decay=0.9)
    for a, b in zip(upgraded.averaged_generator.get_weights(), upgraded.generator.get_weights(),
                    strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_toy_gan_moves_towards_the_data():
    """A regression check of the whole loop: G's points move onto N((2, 2), 0.5^2)."""
    trainer = make_trainer(g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
                           d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
                           steps_per_execution=50, sample_every=100)
    start = np.linalg.norm(trainer.generate(1000).mean(0) - 2.0)
    trainer.fit(toy_dataset(tf), steps=600, progress=False)
    points = trainer.generate(1000)
    assert trainer.step == 600 and np.linalg.norm(points.mean(0) - 2.0) < 0.5 < start
    assert 0.1 < points.std(0).mean() < 1.5
    assert trainer.history["step"][-1] == 600 and len(trainer.history["step"]) == 12
    assert [s for s, _ in trainer.samples] == list(range(0, 601, 100))


def test_history_samples_and_epochs():
    trainer = make_trainer(num_samples=9)
    dataset = toy_dataset(tf)  # 8 batches per epoch
    trainer.fit(dataset, epochs=2, progress=False)
    assert trainer.step == 16
    assert trainer.history["step"] == list(range(1, 17))
    assert [s for s, _ in trainer.samples] == [0, 10, 16]
    assert trainer.samples[-1][1].shape == (9, 2)
    calls = []
    trainer.fit_more(dataset, 4, callbacks=[lambda t: calls.append(t.step)], progress=False)
    assert trainer.step == 20 and calls == [20]
    trainer.fit(dataset, steps=20, progress=False)  # already there: nothing happens
    assert trainer.step == 20


def test_checkpoint_restores_everything(tmp_path):
    first = make_trainer(checkpoint_dir=tmp_path, seed=3)
    first.fit(toy_dataset(tf), steps=25, progress=False)
    second = make_trainer(checkpoint_dir=tmp_path, seed=99)  # fresh weights, other seed
    assert second.step == 25
    np.testing.assert_array_equal(fixed_noise(second), fixed_noise(first))
    for a, b in zip(first.generator.get_weights() + first.discriminator.get_weights(),
                    second.generator.get_weights() + second.discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(second.d_optimizer.iterations) == int(first.d_optimizer.iterations) == 25
    assert second.history == first.history
    assert [s for s, _ in second.samples] == [s for s, _ in first.samples]


@pytest.mark.slow
def test_a_killed_run_resumes_from_its_last_checkpoint(tmp_path):
    """kill -9 in the middle of training; a new trainer continues from the checkpoint."""
    process = subprocess.Popen([sys.executable, str(SCRIPTS), "train_forever", str(tmp_path), "5"],
                               stdout=subprocess.PIPE, text=True)
    try:
        saved_noise = np.array(json.loads(process.stdout.readline())["fixed_noise"])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = tf.train.get_checkpoint_state(str(tmp_path))
            if state and int(state.model_checkpoint_path.rsplit("-", 1)[1]) >= 40:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the training subprocess wrote no checkpoint at step >= 40 in 120 s")
        process.send_signal(signal.SIGKILL)  # no chance to save anything more
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL

    resumed = make_trainer(checkpoint_dir=tmp_path, seed=0)
    saved_step = resumed.step
    assert saved_step >= 40
    np.testing.assert_array_equal(fixed_noise(resumed), saved_noise)
    assert int(resumed.d_optimizer.iterations) == saved_step
    assert resumed.history["step"] == list(range(1, saved_step + 1))[-len(resumed.history["step"]):]
    resumed.fit(toy_dataset(tf), steps=saved_step + 15, progress=False)
    assert resumed.step == saved_step + 15
    assert resumed.history["step"][-1] == saved_step + 15


def test_nan_stops_training_and_names_the_step(tmp_path):
    keras.utils.set_random_seed(0)
    G, _ = toy_models(keras)
    D = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])  # NaN in, NaN out
    trainer = train.GANTrainer(G, D, latent_dim=4,
                               callbacks=[train.Checkpoint(tmp_path, verbose=False)])
    good, bad = toy_dataset(tf), toy_dataset(tf).map(lambda x: x * np.nan)
    trainer.fit(good, steps=3, progress=False)
    bar = train.ProgressBar(total_steps=6)
    with pytest.raises(train.TrainingDiverged, match="step 4: the discriminator loss"):
        trainer.fit(bad, steps=6, progress=False, callbacks=[bar])
    assert bar.bar.total == 3 and bar.bar.n == 0  # opened at step 3, no step done, ...
    assert bar.bar.disable  # ... and closed on the NaN (tqdm's close() sets disable)
    assert trainer.history["step"] == [1, 2, 3]  # the bad step is not recorded
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("-3")  # nor saved


@pytest.mark.slow
def test_mirrored_strategy_on_two_cpu_devices():
    result = subprocess.run([sys.executable, str(SCRIPTS), "mirrored"], capture_output=True,
                            text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"replicas": 2, "step": 30, "copies_equal": True, "changed": True,
                      "refused": True, "finite": True, "uses_xla": False,
                      "average_ok": True}


@pytest.mark.slow
@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_float16_overflow_on_one_replica_skips_the_step_on_both(update):
    """Kaggle's 2 x T4 case: mixed_float16 under MirroredStrategy (two CPU devices here), a
    conv net with batch norm, and an infinite gradient on replica 1 only (see conv_models)."""
    result = subprocess.run([sys.executable, str(SCRIPTS), "mirrored_float16", update],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2 and report["compute_dtype"] == "float16"
    assert report["step"] == 4
    assert report["skipped_weights"] and report["skipped_slots"]   # nothing moved, anywhere
    assert report["scales_after"] == [s / 2 for s in report["scales"]]   # scale lowered
    assert report["replicas_agree"] and report["finite"]
    assert report["trained_again"] and report["scales_next"] == report["scales_after"]


@pytest.mark.slow
@pytest.mark.parametrize(("policy", "update"), [("mixed_bfloat16", "alternating"),
                                                ("mixed_float16", "alternating"),
                                                ("mixed_float16", "simultaneous")])
def test_mixed_precision_on_cpu(policy, update):
    """Both precisions (float16 with loss scaling on both optimizers), both steps, with XLA."""
    keras.mixed_precision.set_global_policy(policy)
    try:
        trainer = make_trainer(jit_compile=True, update=update)
        assert trainer.generator.layers[0].compute_dtype == policy.split("_")[1]
        assert trainer.generator.layers[0].kernel.dtype == "float32"  # master weights
        is_scaled = isinstance(trainer.g_optimizer, keras.optimizers.LossScaleOptimizer)
        assert is_scaled == (policy == "mixed_float16")
        trainer.fit(toy_dataset(tf), steps=20, progress=False)
        assert np.all(np.isfinite(trainer.history["g_loss"]))
        assert trainer.generate(3).dtype == np.float32
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_conditional_models_get_labels():
    keras.utils.set_random_seed(0)
    z, y = keras.Input((4,)), keras.Input((), dtype="int32")
    h = keras.layers.Concatenate()([z, keras.layers.Embedding(3, 2)(y)])
    G = keras.Model([z, y], keras.layers.Dense(2)(h))
    x, y2 = keras.Input((2,)), keras.Input((), dtype="int32")
    h = keras.layers.Concatenate()([x, keras.layers.Embedding(3, 2)(y2)])
    D = keras.Model([x, y2], keras.layers.Dense(1)(h))
    grid = train.SampleGrid(num_samples=6)
    trainer = train.GANTrainer(G, D, latent_dim=4, num_classes=3, callbacks=[grid])
    points = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    labels = np.arange(64) % 3
    data = tf.data.Dataset.from_tensor_slices((points, labels)).batch(16, drop_remainder=True)
    trainer.fit(data, steps=4, progress=False)
    assert trainer.step == 4
    np.testing.assert_array_equal(grid.labels.numpy(), [0, 1, 2, 0, 1, 2])
    assert trainer.generate(noise=np.zeros((2, 4), "float32"), labels=[0, 2]).shape == (2, 2)


@pytest.mark.parametrize(("build", "message"), [
    (lambda: losses.GANLoss("hinge"), "generator_loss='hinge'"),
    (lambda: make_trainer(d_steps=0), "d_steps=0"),
    (lambda: losses.GANLoss(label_smoothing=0.7), "label_smoothing=0.7"),
    (lambda: train.WeightAverage(1.0), "decay=1.0"),
    (lambda: make_trainer(update="both"), "update='both'"),
    (lambda: make_trainer(update="simultaneous", d_steps=2),
     "d_steps=2 with update='simultaneous'"),
    (lambda: make_trainer(steps_per_execution=0), "steps_per_execution=0"),
])
def test_bad_settings_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_fit_needs_exactly_one_target():
    trainer = make_trainer()
    with pytest.raises(ValueError, match="exactly one of epochs= or steps="):
        trainer.fit(toy_dataset(tf), epochs=1, steps=3)
    with pytest.raises(ValueError, match="unknown or infinite"):
        trainer.fit(toy_dataset(tf).repeat(), epochs=1)


def run_resumable(directory, total, kill_at=None, policy="mixed_float16"):
    """Run _engine_scripts.resumable_run; with kill_at, expect it to die by SIGKILL there."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("KILL_AT", None)
    if kill_at:
        env["KILL_AT"] = kill_at
    result = subprocess.run([sys.executable, str(SCRIPTS), "resumable_run", str(directory),
                             str(total), policy], capture_output=True, text=True, timeout=900,
                            env=env)
    expected = -signal.SIGKILL if kill_at else 0
    assert result.returncode == expected, f"{kill_at}: {result.stderr[-3000:]}"


def final_state(directory):
    with np.load(directory / "final.npz") as arrays:
        state = {key: arrays[key] for key in arrays.files}
    with np.load(directory / "samples.npz") as samples:
        state.update(sample_steps=samples["steps"], sample_images=samples["images"])
    return state, json.loads((directory / "final.json").read_text())


def latest_step(directory):
    return int(tf.train.latest_checkpoint(str(directory)).rsplit("-", 1)[1])


def saved_steps(directory, name):
    """The steps a side file (history.json or samples.npz) holds now."""
    if name == "history.json":
        return json.loads((directory / name).read_text())["step"]
    with np.load(directory / name) as samples:
        return samples["steps"].tolist()


@pytest.mark.slow
def test_a_run_killed_at_any_moment_resumes_exactly(tmp_path):
    """SIGKILL a float16 training run four times, at four kinds of moment, resuming after
    each; it ends bitwise equal to an uninterrupted run of the same 12 steps: weights, Adam
    moments and iterations, the loss scale and its step counter (which doubles the scale every
    2 steps here, so it moves), the weight average, history (without wall-clock seconds),
    sample grids, and the batches seen (a shuffled dataset over 1.5 epochs: equal weights
    need equal batches).

    Each save writes settings.json, history.json and samples.npz (each to a temporary file,
    then a rename), then the checkpoint. The kills, in one folder, one after another:

    1. ``step:3``: the 3rd step has changed the weights in memory, nothing recorded it (a
       kill inside the step leaves the same files: the step writes none);
    2. ``side_file:5``: during the save of step 4, history.json's new version is written to
       its temporary file, not yet renamed;
    3. ``checkpoint_data:2``: during the checkpoint write of step 5: its data shard is in
       ``ckpt-5_temp/``, not yet merged into ``ckpt-5.index``;
    4. ``checkpoint:3``: the checkpoint of step 7 is complete on disk but the ``checkpoint``
       file still names step 6, while history.json and samples.npz already reach step 7.

    Six short subprocesses (a fresh TensorFlow each, with op determinism): the only way to
    test a kill -9 is to kill a process.
    """
    total, directory = 12, tmp_path / "killed"
    run_resumable(tmp_path / "whole", total)
    expected, expected_log = final_state(tmp_path / "whole")
    assert expected_log["step"] == total and len(expected_log["history"]["step"]) == total
    scales = [v for k, v in expected.items() if k.endswith("dynamic_scale")]
    assert len(scales) == 2 and all(s != 2.0 ** 15 for s in scales)  # the scale moved

    run_resumable(directory, total, "step:3")
    assert latest_step(directory) == 2 and saved_steps(directory, "history.json") == [1, 2]
    run_resumable(directory, total, "side_file:5")
    assert latest_step(directory) == 3
    assert saved_steps(directory, "history.json") == [1, 2, 3]
    assert json.loads((directory / "history.json.tmp").read_text())["step"] == [1, 2, 3, 4]
    run_resumable(directory, total, "checkpoint_data:2")
    assert latest_step(directory) == 4 and (directory / "ckpt-5_temp").is_dir()
    assert not (directory / "ckpt-5.index").exists()
    assert saved_steps(directory, "samples.npz") == [0, 5]
    run_resumable(directory, total, "checkpoint:3")
    assert latest_step(directory) == 6 and (directory / "ckpt-7.index").exists()
    assert saved_steps(directory, "history.json")[-1] == 7
    assert not (directory / "final.npz").exists()

    run_resumable(directory, total)
    state, log = final_state(directory)
    assert log == expected_log
    assert state.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_array_equal(state[key], value, err_msg=key)


@pytest.mark.slow
def test_precision_changes_resume_and_other_changes_are_refused(tmp_path):
    """A float16 run (optimizers in a loss-scale wrapper) resumes under bfloat16 with its
    weights and Adam state, and back under float16, where the loss scale starts again at
    2^15 (a bfloat16 leg keeps none); another architecture, update rule or batch size is
    refused with a message naming the difference."""
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        scaled = [keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(2e-4, beta_1=0.5),
                                                      dynamic_growth_steps=2)
                  for _ in range(2)]
        first = make_trainer(checkpoint_dir=tmp_path, g_optimizer=scaled[0],
                             d_optimizer=scaled[1])
        first.fit(toy_dataset(tf), steps=6, progress=False)
        assert float(first.g_optimizer.dynamic_scale.numpy()) != 2.0 ** 15  # it moved
        moments = [v.numpy() for v in first.g_optimizer.inner_optimizer.variables]
        weights = first.generator.get_weights()
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
        second = make_trainer(checkpoint_dir=tmp_path)
        assert second.step == 6 and second.generator.compute_dtype == "bfloat16"
        assert not isinstance(second.g_optimizer, keras.optimizers.LossScaleOptimizer)
        for a, b in zip(moments, second.g_optimizer.variables, strict=True):
            np.testing.assert_array_equal(a, b.numpy())
        for a, b in zip(weights, second.generator.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
        second.fit(toy_dataset(tf), steps=8, progress=False)
        keras.mixed_precision.set_global_policy("mixed_float16")
        third = make_trainer(checkpoint_dir=tmp_path)
        assert third.step == 8 and float(third.g_optimizer.dynamic_scale.numpy()) == 2.0 ** 15
        for a, b in zip(second.g_optimizer.variables, third.g_optimizer.inner_optimizer.variables,
                        strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    finally:
        keras.mixed_precision.set_global_policy("float32")
    with pytest.raises(ValueError, match="update: saved alternating, now simultaneous"):
        make_trainer(checkpoint_dir=tmp_path, update="simultaneous")
    _, D = toy_models(keras)
    wider = keras.Sequential([keras.Input((4,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(2)], name="G")
    with pytest.raises(ValueError, match=r"generator's weight shapes: saved \[\[4, 16\], \[16\]"
                                         r", \[16, 2\], \[2\]\], now \[\[4, 32\]"):
        train.GANTrainer(wider, D, latent_dim=4,
                         callbacks=[train.Checkpoint(tmp_path, verbose=False)]).restore()
    with pytest.raises(ValueError, match="saved with batch size 32.*batches of 16"):
        make_trainer(checkpoint_dir=tmp_path).fit(toy_dataset(tf, batch=16), steps=9,
                                                  progress=False)


@pytest.mark.parametrize("cluster, task, chief, workers", [
    ({"worker": ["a:1", "b:1"]}, ("worker", 0), True, 2),
    ({"worker": ["a:1", "b:1"]}, ("worker", 1), False, 2),
    ({"chief": ["c:1"], "worker": ["a:1", "b:1"]}, ("worker", 0), False, 3),
    ({"chief": ["c:1"], "worker": ["a:1", "b:1"]}, ("chief", 0), True, 3),
    ({"chief": ["c:1"], "worker": ["a:1"], "evaluator": ["e:1"]}, ("evaluator", 0), False, 2),
])
def test_the_chief_is_the_task_chief_or_else_worker_0(cluster, task, chief, workers):
    """TensorFlow's rule for who writes a cluster's files; one machine is its own chief."""
    resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
        tf.train.ClusterSpec(cluster), task_type=task[0], task_id=task[1])
    assert distributed.is_chief(resolver) is chief
    assert distributed.worker_count(resolver) == workers
    assert distributed.cluster(tf.distribute.get_strategy()) is None
    assert distributed.is_chief(None) and distributed.worker_count(None) == 1
    assert distributed.worker_id(None) == 0 and make_trainer().is_chief


def start_workers(directory, total, kill_at=None):
    """Start _engine_scripts.multi_worker_run as a two-worker cluster on 127.0.0.1 (free
    ports, one ``TF_CONFIG`` each); worker 1 with KILL_AT=kill_at."""
    sockets = [socket.socket() for _ in range(2)]
    for s in sockets:  # both bound at once, so the two ports differ
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    processes = []
    for index in range(2):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_CONFIG": json.dumps(
            {"cluster": cluster, "task": {"type": "worker", "index": index}})}
        env.pop("KILL_AT", None)
        if kill_at and index == 1:
            env["KILL_AT"] = kill_at
        processes.append(subprocess.Popen(
            [sys.executable, str(SCRIPTS), "multi_worker_run", str(directory), str(total)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    return processes


def run_workers(directory, total):
    """Run a two-worker cluster to ``total`` steps; each worker's report and final state."""
    processes = start_workers(directory, total)
    try:
        outputs = [p.communicate(timeout=300) for p in processes]
    finally:
        for p in processes:
            p.kill()
            p.wait()
    reports = []
    for p, (out, err) in zip(processes, outputs):
        assert p.returncode == 0, err[-3000:]
        report = json.loads(out.strip().splitlines()[-1])
        with np.load(report.pop("final")) as arrays:
            report["state"] = {key: arrays[key] for key in arrays.files}
        reports.append(report)
    return reports


@pytest.mark.slow
def test_two_workers_save_on_the_chief_and_resume_after_a_worker_is_killed(tmp_path):
    """MultiWorkerMirroredStrategy with two worker processes on 127.0.0.1, as on two machines
    (each its own TF_CONFIG, the same script, one checkpoint_dir they both see).

    An uninterrupted run of 8 steps (a checkpoint after each): both workers end with the
    same weights, the chief (worker 0) wrote the side files and worker 1 none, and worker 1's
    temporary checkpoint folder is gone. Then the same run in another folder, where worker 1
    SIGKILLs itself after its 4th step, and the chief, stuck waiting for it in a collective
    op, is killed too; the chief's last checkpoint is step 3 (step 4's collectives ran after
    that save). Restarted, both workers resume at step 3 and end bitwise equal to the
    uninterrupted run: weights, Adam state, weight average, history and sample grids.
    """
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", 0))
        except OSError as error:
            pytest.skip(f"no loopback network for the workers' collective ops: {error}")
    total = 8
    whole = run_workers(tmp_path / "whole", total)
    assert [(r["task"], r["replicas"], r["resumed_at"], r["step"]) for r in whole] == [
        (0, 2, 0, total), (1, 2, 0, total)]
    assert whole[0]["history"] == whole[1]["history"]
    assert whole[0]["history"]["step"] == list(range(1, total + 1))
    assert whole[0]["side_files"] == 3 * (total + 1) and whole[1]["side_files"] == 0
    assert whole[0]["state"].keys() == whole[1]["state"].keys()
    for key, value in whole[0]["state"].items():
        np.testing.assert_array_equal(whole[1]["state"][key], value, err_msg=key)
    assert latest_step(tmp_path / "whole") == total
    assert not list((tmp_path / "whole").glob("workertemp*"))

    directory = tmp_path / "killed"
    chief, worker = start_workers(directory, total, kill_at="step:4")
    try:
        worker.wait(timeout=300)
    finally:
        for p in (worker, chief):
            p.send_signal(signal.SIGKILL)
            p.communicate()
    assert worker.returncode == -signal.SIGKILL, worker.stderr
    assert latest_step(directory) == 3 and saved_steps(directory, "history.json") == [1, 2, 3]
    assert not list(directory.glob("workertemp*"))

    resumed = run_workers(directory, total)
    assert [(r["resumed_at"], r["step"], r["side_files"] > 0) for r in resumed] == [
        (3, total, True), (3, total, False)]
    for report in resumed:
        assert report["history"] == whole[0]["history"]
        assert report["state"].keys() == whole[0]["state"].keys()
        for key, value in whole[0]["state"].items():
            np.testing.assert_array_equal(report["state"][key], value, err_msg=key)
    for name in ("steps", "images"):
        with np.load(tmp_path / "whole" / "samples.npz") as a, \
                np.load(directory / "samples.npz") as b:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
