"""The training callbacks (gan_utils.train.callbacks): cadences, TensorBoard, GIF, FID, and
what the trainer's constructor takes."""

import inspect
import os
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from _engine_scripts import toy_dataset, toy_models  # noqa: E402

from gan_utils import metrics, train
from gan_utils.train import callbacks as cb

DATA_DIR = os.environ.get("GAN_UTILS_DATA", str(Path(__file__).resolve().parents[2]
                                                 / "shared" / "datasets"))
HAVE_MNIST = (Path(DATA_DIR) / "mnist" / "t10k-images-idx3-ubyte.gz").exists()


class Recorder(train.Callback):
    """Records at which steps each hook ran."""

    def __init__(self, every=None):
        super().__init__(every)
        self.calls = []

    def on_train_begin(self):
        self.calls.append(("begin", self.trainer.step))

    def on_step_end(self, step, logs):
        assert logs["step"] == step == self.trainer.step
        self.calls.append(("step", step))

    def on_train_end(self):
        self.calls.append(("end", self.trainer.step))


def toy_trainer(callbacks=(), **kwargs):
    keras.utils.set_random_seed(0)
    G, D = toy_models(keras)
    return train.GANTrainer(G, D, latent_dim=4, callbacks=callbacks, **kwargs)


def image_trainer(callbacks=()):
    """A tiny generator of 4x4 grey images and its discriminator."""
    keras.utils.set_random_seed(0)
    G = keras.Sequential([keras.Input((3,)), keras.layers.Dense(16, activation="tanh"),
                          keras.layers.Reshape((4, 4, 1))], name="G")
    D = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                          keras.layers.Dense(1)], name="D")
    images = np.random.default_rng(0).uniform(-1, 1, (64, 4, 4, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(images).batch(16, drop_remainder=True)
    return train.GANTrainer(G, D, latent_dim=3, callbacks=callbacks), data


def test_the_constructor_stays_small():
    """Two networks, their two optimizers and at most ten settings; the rest belongs to the
    loss and the callbacks."""
    parameters = inspect.signature(train.GANTrainer.__init__).parameters
    assert len(parameters) - 1 <= 14, list(parameters)   # without self
    assert {"checkpoint_dir", "sample_every", "ema_decay", "label_noise"}.isdisjoint(parameters)


def test_cadences_with_steps_per_execution():
    """on_step_end at multiples of `every` even when one call runs up to 4 steps; every=None
    after each call of the compiled function; begin and end once per fit."""
    every_3, every_none = Recorder(every=3), Recorder()
    trainer = toy_trainer([every_3], steps_per_execution=4)
    trainer.fit(toy_dataset(tf), steps=10, callbacks=[every_none], progress=False)
    assert every_3.calls == [("begin", 0), ("step", 3), ("step", 6), ("step", 9), ("end", 10)]
    # the compiled function stopped at 3, 6, 9 (every_3's multiples) and at the target
    assert every_none.calls == [("begin", 0), ("step", 3), ("step", 6), ("step", 9),
                                ("step", 10), ("end", 10)]
    assert trainer.history["step"] == [3, 6, 9, 10]
    trainer.fit_more(toy_dataset(tf), 2, progress=False)   # the trainer's own: every fit
    assert every_3.calls[-3:] == [("begin", 10), ("step", 12), ("end", 12)]


def test_sample_grid_and_plain_functions_share_its_cadence():
    grid = train.SampleGrid(every=4, num_samples=5)
    seen, kept = [], []
    trainer = toy_trainer([grid, lambda t: kept.append(t.step)])   # a function, every fit
    trainer.fit(toy_dataset(tf), steps=10, callbacks=[lambda t: seen.append(t.step)],
                progress=False)
    assert [s for s, _ in grid.samples] == [0, 4, 8, 10] and trainer.samples is grid.samples
    assert seen == kept == [4, 8, 10]                       # never twice at step 10
    np.testing.assert_array_equal(grid.samples[-1][1], trainer.generate(noise=grid.noise))
    assert grid.noise.shape == (5, 4)
    with pytest.raises(ValueError, match="give it to GANTrainer"):
        trainer.fit(toy_dataset(tf), steps=11, callbacks=[train.WeightAverage()],
                    progress=False)
    alone = toy_trainer()                                   # no grid: a function at the end
    alone.fit(toy_dataset(tf), steps=3, callbacks=[lambda t: seen.append(-t.step)],
              progress=False)
    assert seen[-1] == -3 and alone.samples == []


def test_weight_average_and_grid_survive_a_resume_through_the_checkpoint(tmp_path, capsys):
    def build(seed):
        return toy_trainer([train.SampleGrid(every=5), train.WeightAverage(0.9),
                            train.Checkpoint(tmp_path)], seed=seed)

    first = build(0)
    first.fit(toy_dataset(tf), steps=7, progress=False)
    capsys.readouterr()
    second = build(1)                     # another seed: the checkpoint decides
    assert second.step == 0 and capsys.readouterr().out == ""   # building reads nothing
    assert second.restore()
    assert f"Resumed from {tmp_path}/ckpt-7 at step 7." in capsys.readouterr().out
    assert second.step == 7 and [s for s, _ in second.samples] == [0, 5, 7]
    for a, b in zip(first.averaged_generator.get_weights(),
                    second.averaged_generator.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(second.find_callback(train.SampleGrid).noise.numpy(),
                                  first.find_callback(train.SampleGrid).noise.numpy())
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["history.json", "settings.json"]


def test_checkpoint_saves_on_its_clock_and_at_the_end(tmp_path, monkeypatch):
    saves = []
    checkpoint = train.Checkpoint(tmp_path, every_seconds=3600, verbose=False)
    monkeypatch.setattr(checkpoint, "save", lambda: saves.append(checkpoint.trainer.step))
    trainer = toy_trainer([checkpoint])
    trainer.fit(toy_dataset(tf), steps=6, progress=False)
    assert saves == [6]                                     # an hour never passed
    checkpoint.every_seconds = 1e-9
    trainer.fit(toy_dataset(tf), steps=9, progress=False)
    assert saves == [6, 7, 8, 9, 9]                         # after each step, and the end


def read_events(log_dir):
    """{tag: [(step, value)]} from the event files tf.summary wrote; an image summary's value
    is its list of PNG-encoded pictures."""
    found = {}
    for path in sorted(Path(log_dir).glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                tensor = tf.make_ndarray(value.tensor)
                item = float(tensor) if tensor.ndim == 0 else list(tensor[2:])  # w, h, PNGs
                found.setdefault(value.tag, []).append((event.step, item))
                plugin = value.metadata.plugin_data.plugin_name   # which chart shows it
                assert plugin == ("scalars" if tensor.ndim == 0 else "images")
    return found


def test_tensorboard_writes_scalars_and_images(tmp_path):
    board = train.TensorBoard(tmp_path / "logs", every=2, images=4)
    trainer, data = image_trainer([train.SampleGrid(every=2), board])
    trainer.fit(data, steps=5, progress=False)
    events = read_events(tmp_path / "logs")
    assert [step for step, _ in events["d_loss"]] == [1, 2, 3, 4, 5]
    assert [value for _, value in events["g_loss"]] == pytest.approx(trainer.history["g_loss"])
    assert [(step, len(pngs)) for step, pngs in events["samples"]] == [(2, 4), (4, 4), (5, 4)]
    picture = tf.io.decode_png(events["samples"][-1][1][0]).numpy()
    expected = (trainer.generate(noise=trainer.find_callback(train.SampleGrid).noise[:1])[0]
                + 1) / 2 * 255
    assert picture.shape == (4, 4, 1)
    np.testing.assert_allclose(picture, expected, atol=1.0)   # [-1, 1] shown as [0, 255]


def test_gif_frames_follow_their_own_cadence(tmp_path):
    gif = train.GifFrames(tmp_path / "training.gif", every=3, count=4)
    trainer, data = image_trainer([train.SampleGrid(every=2), gif])
    trainer.fit(data, steps=7, progress=False)
    assert [s for s, _ in gif.frames] == [0, 3, 6, 7]
    assert gif.frames[0][1].shape == (4, 4, 4, 1)
    from PIL import Image

    with Image.open(tmp_path / "training.gif") as picture:
        assert picture.n_frames == 4
    with pytest.raises(ValueError, match="SampleGrid"):
        image_trainer([train.GifFrames(tmp_path / "x.gif")])


def test_progress_bar_shows_the_losses(capsys):
    trainer = toy_trainer()
    trainer.fit(toy_dataset(tf), steps=3)
    err = capsys.readouterr().err
    assert "3/3" in err and "d_loss=" in err and "g_loss=" in err
    trainer.fit(toy_dataset(tf), steps=3)
    assert "Already at step 3" in capsys.readouterr().out


def test_a_callback_cuts_its_log_back_on_resume(tmp_path):
    log = cb._StepLog(every=1)
    log.log = {"step": [1, 2, 3, 4], "x": [10, 20, 30, 40]}
    log.save_files(tmp_path)
    log.restore_files(tmp_path, 2)
    assert log.log == {"step": [1, 2], "x": [10, 20]}


@pytest.mark.skipif(not HAVE_MNIST, reason="MNIST test files not found")
def test_fid_tracker_logs_saves_resumes_and_transforms(tmp_path):
    from gan_utils.data import load_images

    images = load_images("mnist", split="test", data_dir=DATA_DIR, verbose=False)[0]

    class StubTrainer:  # what the tracker uses of a GANTrainer: step and generate(noise=)
        step = 0

        def generate(self, noise):
            return images[1000:1000 + len(noise)]

    trainer, noise = StubTrainer(), np.zeros((300, 4), np.float32)
    tracker = train.FIDTracker(images[:600], noise, every=5)
    tracker.set_trainer(trainer)
    tracker.on_train_begin()
    tracker.on_train_end()                # the same step again: no second point
    trainer.step = 5
    tracker.on_step_end(5, {})
    assert tracker.log["step"] == [0, 5]
    assert tracker.log["fid"][0] == pytest.approx(metrics.fid_against(images[1000:1300],
                                                                      images[:600]))
    tracker.save_files(tmp_path)          # what a Checkpoint does before its checkpoint
    resumed = train.FIDTracker(images[:600], noise, every=5)
    resumed.restore_files(tmp_path, 3)    # a checkpoint from step 3: the log is cut back
    assert resumed.log["step"] == [0]

    inverted = train.FIDTracker(images[:600], noise, every=5, transform=lambda x: 255 - x)
    inverted.set_trainer(trainer)
    inverted.record()                    # white digits on black -> black on white
    assert inverted.log["fid"][0] > 10 * tracker.log["fid"][0]
    with pytest.raises(ValueError, match="features='cifar100'"):
        train.FIDTracker(images[:600], noise, every=5, features="cifar100")


@pytest.mark.parametrize(("build", "message"), [
    (lambda: train.SampleGrid(every=0), "every=0"),
    (lambda: train.SampleGrid(num_samples=True), "num_samples=True"),
    (lambda: train.Checkpoint("x", every_seconds=0), "every_seconds=0"),
    (lambda: train.WeightAverage(0.0), "decay=0.0"),
])
def test_bad_callback_settings_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()
