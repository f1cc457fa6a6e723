"""gan_utils.runtime: quick mode, seeding, precision choice, strategy, TPU detection, and
where runs live (with a simulated Colab runtime reset)."""

import os
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from _engine_scripts import toy_dataset, toy_models  # noqa: E402

from gan_utils import runtime, train
from gan_utils.runtime import Accelerator


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False),
                                                 ("", False), ("off", False)])
def test_quick_mode_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("GAN_UTILS_QUICK", value)
    assert runtime.quick_mode() is expected
    assert runtime.full_or_quick(full=100, quick=2) == (2 if expected else 100)


def test_quick_mode_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("GAN_UTILS_QUICK", "maybe")
    with pytest.raises(ValueError, match="GAN_UTILS_QUICK='maybe'"):
        runtime.quick_mode()


def test_seed_everything_repeats_numpy_and_tensorflow():
    runtime.seed_everything(7)
    first = (np.random.rand(3), tf.random.normal([3]).numpy())
    runtime.seed_everything(7)
    second = (np.random.rand(3), tf.random.normal([3]).numpy())
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    with pytest.raises(ValueError, match="seed"):
        runtime.seed_everything(-1)


CPU_BF16 = Accelerator("cpu", 2, "EPYC", bfloat16=True)
CPU_PLAIN = Accelerator("cpu", 2, "old", bfloat16=False)
T4 = Accelerator("gpu", 1, "Tesla T4", bfloat16=False, float16=True)
A100 = Accelerator("gpu", 1, "A100", bfloat16=True, float16=True)
TPU = Accelerator("tpu", 8, "TPU", bfloat16=True)


@pytest.mark.parametrize(("device", "policy"), [
    (CPU_BF16, "mixed_bfloat16"), (CPU_PLAIN, "float32"), (T4, "mixed_float16"),
    (A100, "mixed_bfloat16"), (TPU, "mixed_bfloat16")])
def test_precision_follows_the_hardware(monkeypatch, device, policy):
    monkeypatch.delenv("GAN_UTILS_PRECISION", raising=False)
    assert runtime.mixed_precision_policy(device=device) == policy


def test_precision_can_be_forced(monkeypatch):
    monkeypatch.setenv("GAN_UTILS_PRECISION", "float32")
    assert runtime.mixed_precision_policy(device=CPU_BF16) == "float32"
    assert runtime.mixed_precision_policy("float16", device=CPU_BF16) == "mixed_float16"
    monkeypatch.setenv("GAN_UTILS_PRECISION", "int8")
    with pytest.raises(ValueError, match="GAN_UTILS_PRECISION='int8'"):
        runtime.mixed_precision_policy(device=CPU_BF16)


def test_cpu_bfloat16_flags():
    assert runtime.cpu_has_bfloat16({"avx512f", "avx512_bf16"})
    assert runtime.cpu_has_bfloat16({"amx_bf16"})
    assert not runtime.cpu_has_bfloat16({"avx2", "avx512f"})


def test_this_machine_is_described():
    device = runtime.accelerator()
    assert device.kind in ("cpu", "gpu", "tpu") and device.count >= 1
    if device.kind == "cpu":
        assert device.bfloat16 == runtime.cpu_has_bfloat16()
    assert runtime.environment() == "local"
    line = runtime.describe()
    assert "TensorFlow" in line and "Keras 3" in line


def test_default_strategy_on_one_device():
    strategy = runtime.distribution_strategy()
    assert strategy.num_replicas_in_sync == 1


def test_use_precision_sets_and_validates():
    import keras

    try:
        assert runtime.use_precision("mixed_bfloat16") == "mixed_bfloat16"
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
        with pytest.raises(ValueError, match="policy='fp8'"):
            runtime.use_precision("fp8")
    finally:
        keras.mixed_precision.set_global_policy("float32")


# --------------------------------------------------------------------------- where runs live


@pytest.fixture
def fake_colab(monkeypatch, tmp_path):
    """A Colab kernel: google.colab imported, /content as a temporary folder, and a Drive
    whose files live outside /content (in the cloud) and appear when drive.mount links them."""
    content, cloud = tmp_path / "content", tmp_path / "cloud"
    content.mkdir()
    (cloud / "MyDrive").mkdir(parents=True)
    mounts = []

    def mount(mount_point, **_):
        mounts.append(mount_point)
        os.symlink(cloud, mount_point)

    drive = types.ModuleType("google.colab.drive")
    drive.mount = mount
    colab = types.ModuleType("google.colab")
    colab.drive = drive
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.drive", drive)
    monkeypatch.setattr(runtime, "COLAB_CONTENT", content)
    monkeypatch.setattr(runtime, "COLAB_DRIVE_MOUNT", content / "drive")
    monkeypatch.delenv("GAN_UTILS_RUNS", raising=False)
    monkeypatch.chdir(content)
    return types.SimpleNamespace(content=content, cloud=cloud, mounts=mounts)


def test_colab_keeps_runs_in_content_unless_the_learner_asks_for_drive(fake_colab, capsys):
    runs = runtime.runs_dir()
    assert runtime.environment() == "colab"
    assert runs == fake_colab.content / "runs" and runs.is_dir()
    assert fake_colab.mounts == []                       # nothing mounted without consent
    assert "deletes" in capsys.readouterr().out          # says what a reset deletes

    on_drive = runtime.runs_dir(use_drive=True)
    assert fake_colab.mounts == [str(fake_colab.content / "drive")]
    assert on_drive == fake_colab.content / "drive" / "MyDrive" / "gan_course" / "runs"
    assert (fake_colab.cloud / "MyDrive" / "gan_course" / "runs").is_dir()
    assert runtime.runs_dir(use_drive=True) == on_drive
    assert len(fake_colab.mounts) == 1                   # mounted once, not on every call
    assert "Google Drive" in capsys.readouterr().out


def test_kaggle_keeps_runs_in_kaggle_working(monkeypatch, tmp_path, capsys):
    working = tmp_path / "kaggle" / "working"
    working.mkdir(parents=True)
    monkeypatch.setattr(runtime, "KAGGLE_WORKING", working)
    monkeypatch.delenv("GAN_UTILS_RUNS", raising=False)
    assert runtime.environment() == "kaggle"             # /kaggle/working exists
    assert runtime.runs_dir(use_drive=True) == working / "runs"
    out = capsys.readouterr().out
    assert "only applies on Colab" in out and "saved version" in out


def test_local_runs_go_next_to_the_notebook_and_the_variable_overrides(monkeypatch, tmp_path,
                                                                       fake_colab):
    monkeypatch.delitem(sys.modules, "google.colab")
    monkeypatch.chdir(tmp_path)
    assert runtime.environment() == "local"
    assert runtime.runs_dir(verbose=False) == tmp_path / "runs"

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setenv("GAN_UTILS_RUNS", str(tmp_path / "elsewhere"))
    assert runtime.runs_dir(use_drive=True, verbose=False) == tmp_path / "elsewhere"
    assert fake_colab.mounts == []                       # the variable wins, even over Drive
    (tmp_path / "a_file").write_text("x")
    monkeypatch.setenv("GAN_UTILS_RUNS", str(tmp_path / "a_file"))
    with pytest.raises(ValueError, match="GAN_UTILS_RUNS=.*a_file is a file"):
        runtime.runs_dir()


def _toy_trainer(checkpoint_dir, seed):
    """A tiny GAN on 2-D points, checkpointing into ``checkpoint_dir`` (restored from it)."""
    import keras

    keras.utils.set_random_seed(seed)
    G, D = toy_models(keras)
    trainer = train.GANTrainer(G, D, latent_dim=4, seed=3, callbacks=[
        train.SampleGrid(every=5), train.Checkpoint(checkpoint_dir, verbose=False)])
    trainer.restore()
    return trainer


def _state(trainer):
    """Everything a resumed run must find again, as NumPy arrays by name."""
    state = {"step": np.array(trainer.step), "fixed_noise":
             trainer.find_callback(train.SampleGrid).noise.numpy()}
    for name, optimizer in (("g", trainer.g_optimizer), ("d", trainer.d_optimizer)):
        for index, variable in enumerate(optimizer.variables):
            kind = variable.name.rsplit("_", 1)[-1]   # iteration, rate, momentum, velocity
            state[f"{name}_opt/{index}/{kind}"] = variable.numpy().copy()
    for index, weight in enumerate(trainer.generator.weights):
        state[f"G/{index}"] = weight.numpy().copy()
    return state


def test_training_survives_a_colab_reset_on_drive(fake_colab):
    runs = runtime.runs_dir(use_drive=True, verbose=False)
    trainer = _toy_trainer(runs / "toy", seed=0)
    (fake_colab.content / "samples").mkdir()             # side files in the working folder
    (fake_colab.content / "samples" / "grid.npy").write_bytes(b"side file")
    trainer.fit(toy_dataset(tf), steps=7, progress=False)
    saved = _state(trainer)
    adam_slots = [key for key in saved if "_opt/" in key and ("momentum" in key
                                                             or "velocity" in key)]
    weights = [*trainer.generator.trainable_weights, *trainer.discriminator.trainable_weights]
    assert len(adam_slots) == 2 * len(weights)               # m and v for every weight
    assert all(np.any(saved[key] != 0) for key in adam_slots)

    # The reset: the kernel dies, /content and the Drive mount inside it are deleted.
    del trainer
    shutil.rmtree(fake_colab.content)
    fake_colab.content.mkdir()
    assert not (fake_colab.content / "drive").exists()

    runs_again = runtime.runs_dir(use_drive=True, verbose=False)   # mounts Drive again
    assert runs_again == runs and len(fake_colab.mounts) == 2
    resumed = _toy_trainer(runs_again / "toy", seed=1)              # other initial weights
    found = _state(resumed)
    assert found.keys() == saved.keys() and int(found["step"]) == 7
    for key, value in saved.items():
        np.testing.assert_array_equal(found[key], value, err_msg=key)
    assert [s for s, _ in resumed.samples] == [0, 5, 7]
    resumed.fit(toy_dataset(tf), steps=9, progress=False)            # and it trains on
    assert resumed.step == 9


def test_a_colab_reset_deletes_runs_kept_in_content(fake_colab):
    runs = runtime.runs_dir(verbose=False)
    trainer = _toy_trainer(runs / "toy", seed=0)
    trainer.fit(toy_dataset(tf), steps=3, progress=False)
    assert trainer.step == 3
    shutil.rmtree(fake_colab.content)
    fake_colab.content.mkdir()
    assert _toy_trainer(runtime.runs_dir(verbose=False) / "toy", seed=0).step == 0


# --------------------------------------------------------------------------- TPU detection


class _FakeResolver:
    """TPUClusterResolver as it behaves on a TPU VM: only tpu="local" resolves, unless
    ``TPU_NAME`` names the TPU (a Cloud TPU node)."""

    made: list = []

    def __init__(self, tpu=None):
        _FakeResolver.made.append(tpu)
        if tpu is None and not os.environ.get("TPU_NAME"):
            raise ValueError("Please provide a TPU Name to connect to.")
        self.tpu = tpu


@pytest.fixture
def fake_tpu(monkeypatch):
    """A fresh kernel (no TPU remembered) whose TensorFlow TPU calls are recorded."""
    calls = {"connect": 0, "initialize": 0, "strategy": 0}

    def count(name, result=None):
        def record(*_, **__):
            calls[name] += 1
            return result
        return record

    class FakeStrategy:
        def __init__(self, resolver):
            calls["strategy"] += 1
            self.resolver = resolver

    _FakeResolver.made = []
    monkeypatch.setattr(runtime, "_TPU", {})
    for name in runtime._TPU_ENV_HINTS + ("TPU_NAME",):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(runtime, "_TPU_DEVICE_GLOBS", ())
    monkeypatch.setattr(tf.distribute.cluster_resolver, "TPUClusterResolver", _FakeResolver)
    monkeypatch.setattr(tf.config, "experimental_connect_to_cluster", count("connect"))
    monkeypatch.setattr(tf.tpu.experimental, "initialize_tpu_system", count("initialize"))
    monkeypatch.setattr(tf.distribute, "TPUStrategy", FakeStrategy)
    monkeypatch.setattr(tf.config, "list_logical_devices",
                        lambda kind=None: [f"TPU:{i}" for i in range(8)] if kind == "TPU" else [])
    return calls


def test_a_kaggle_tpu_vm_resolves_as_local_and_initialises_once(fake_tpu, monkeypatch):
    monkeypatch.setenv("TPU_ACCELERATOR_TYPE", "v3-8")          # set on Kaggle's TPU VMs
    first = runtime._tpu_resolver()
    assert first is not None and first.tpu == "local"
    assert _FakeResolver.made == [None, "local"]                # the bare form first
    assert runtime._tpu_resolver() is first
    strategy = runtime.distribution_strategy()
    assert runtime.distribution_strategy() is strategy and strategy.resolver is first
    device = runtime.accelerator.__wrapped__()
    assert device.kind == "tpu" and device.count == 8 and device.bfloat16
    assert fake_tpu == {"connect": 1, "initialize": 1, "strategy": 1}   # once per kernel


def test_a_tpu_named_by_the_environment_resolves_without_local(fake_tpu, monkeypatch):
    monkeypatch.setenv("TPU_NAME", "grpc://10.0.0.2:8470")
    assert runtime._tpu_resolver().tpu is None
    assert _FakeResolver.made == [None]


def test_no_tpu_hint_means_no_tpu_and_no_resolver(fake_tpu, monkeypatch):
    assert runtime._tpu_resolver() is None
    assert runtime._tpu_resolver() is None
    assert _FakeResolver.made == [] and fake_tpu["initialize"] == 0
    monkeypatch.setattr(runtime, "_TPU_DEVICE_GLOBS", (str(Path(__file__)),))
    assert runtime._tpu_hint()                                  # a device file counts


def test_a_hint_without_a_tpu_gives_none(fake_tpu, monkeypatch):
    monkeypatch.setenv("COLAB_TPU_ADDR", "10.0.0.2:8470")

    def fail(*_, **__):
        raise tf.errors.NotFoundError(None, None, "no TPU devices found")

    monkeypatch.setattr(tf.tpu.experimental, "initialize_tpu_system", fail)
    assert runtime._tpu_resolver() is None
    assert _FakeResolver.made == [None, "local"]


PROFILES = {"cpu": {"epochs": 8}, "gpu": {"epochs": 30}}
CPU = Accelerator("cpu", 2, "a CPU", bfloat16=False)
GPU = Accelerator("gpu", 1, "a GPU", bfloat16=False, float16=True)


def test_profile_follows_the_hardware_unless_forced(monkeypatch):
    monkeypatch.delenv(runtime.PROFILE_ENV, raising=False)
    assert runtime.choose_profile(PROFILES, device=CPU) == "cpu"
    assert runtime.choose_profile(PROFILES, device=GPU) == "gpu"
    assert runtime.choose_profile(PROFILES, "gpu", device=CPU) == "gpu"
    monkeypatch.setenv(runtime.PROFILE_ENV, "gpu")
    assert runtime.choose_profile(PROFILES, device=CPU) == "gpu"
    assert runtime.choose_profile(PROFILES, "cpu", device=CPU) == "cpu"   # the cell wins


def test_profile_names_a_bad_choice_and_its_source(monkeypatch):
    monkeypatch.delenv(runtime.PROFILE_ENV, raising=False)
    with pytest.raises(ValueError, match=r"profile='tpu': expected None or one of 'cpu', 'gpu'"):
        runtime.choose_profile(PROFILES, "tpu", device=CPU)
    monkeypatch.setenv(runtime.PROFILE_ENV, "fast")
    with pytest.raises(ValueError, match=r"GAN_UTILS_PROFILE='fast'"):
        runtime.choose_profile(PROFILES, device=CPU)


def test_exact_float32_turns_tf32_off_and_restores_it():
    before = tf.config.experimental.tensor_float_32_execution_enabled()
    try:
        for setting in (True, False):
            tf.config.experimental.enable_tensor_float_32_execution(setting)
            with runtime.exact_float32():
                assert not tf.config.experimental.tensor_float_32_execution_enabled()
            assert tf.config.experimental.tensor_float_32_execution_enabled() == setting
        tf.config.experimental.enable_tensor_float_32_execution(True)
        with pytest.raises(KeyError), runtime.exact_float32():
            raise KeyError("an error inside the block")
        assert tf.config.experimental.tensor_float_32_execution_enabled()
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(before)
