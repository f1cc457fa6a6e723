"""gan_utils.runtime: quick mode, seeding, precision choice, strategy."""

import numpy as np
import pytest
import tensorflow as tf

from gan_utils import runtime
from gan_utils.runtime import Accelerator


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False),
                                                 ("", False), ("off", False)])
def test_quick_mode_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("GAN_UTILS_QUICK", value)
    assert runtime.quick_mode() is expected
    assert runtime.pick(full=100, quick=2) == (2 if expected else 100)


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
