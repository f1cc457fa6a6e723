"""Where the course runs and how it should use the hardware.

Every notebook calls these from its setup and parameters cells:

- :func:`environment` tells Colab, Kaggle and a local Jupyter apart;
- :func:`accelerator` names the TPU, GPU or CPU (and whether the CPU has bfloat16);
- :func:`quick_mode` / :func:`pick` shrink the sizes for CI (``GAN_UTILS_QUICK=1``);
- :func:`seed_everything` makes a run repeatable;
- :func:`distribution_strategy` and :func:`mixed_precision_policy` choose the GPU paths,
  which on a CPU degrade to the default strategy and (where it pays) bfloat16.

Nothing here runs at import time: importing gan_utils never changes global state.
"""

from __future__ import annotations

import os
import platform
import random
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import numpy as np

T = TypeVar("T")

QUICK_ENV = "GAN_UTILS_QUICK"
PRECISION_ENV = "GAN_UTILS_PRECISION"
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")

# GPU families by CUDA compute capability: tensor cores arrived with Volta (7.0),
# bfloat16 with Ampere (8.0).
_TENSOR_CORE_CC = (7, 0)
_BFLOAT16_CC = (8, 0)


def environment() -> str:
    """Return ``"colab"``, ``"kaggle"`` or ``"local"``: where this kernel is running."""
    if "google.colab" in sys.modules:
        return "colab"
    if "KAGGLE_KERNEL_RUN_TYPE" in os.environ or os.path.isdir("/kaggle/working"):
        return "kaggle"
    return "local"


def quick_mode() -> bool:
    """True when ``GAN_UTILS_QUICK=1``: notebooks then use CI-sized settings.

    Quick mode runs exactly the same code path with tiny sizes (a few steps, a few
    samples), so CI checks every cell in seconds.
    """
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{QUICK_ENV}={value!r}: expected 1 (quick, CI-sized) or 0 (full size)")


def pick(full: T, quick: T) -> T:
    """Return ``quick`` in quick mode and ``full`` otherwise (for parameters cells)."""
    return quick if quick_mode() else full


def seed_everything(seed: int) -> int:
    """Seed Python's ``random``, NumPy and TensorFlow (and Keras) with one number.

    Call it again before building each model so that its initial weights do not
    depend on which cells ran before. Returns the seed, for printing.
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r}: expected a non-negative integer")
    import keras
    import tensorflow as tf

    random.seed(int(seed))
    np.random.seed(int(seed))
    tf.random.set_seed(int(seed))
    keras.utils.set_random_seed(int(seed))
    return int(seed)


@dataclass(frozen=True)
class Accelerator:
    """What this machine computes with.

    ``kind`` is ``"tpu"``, ``"gpu"`` or ``"cpu"``; ``count`` the number of devices of
    that kind; ``name`` a human-readable model name; ``bfloat16`` whether the hardware
    has fast bfloat16 arithmetic; ``float16`` whether it has float16 tensor cores.
    """

    kind: str
    count: int
    name: str
    bfloat16: bool
    float16: bool = False

    def __str__(self) -> str:
        plural = f"{self.count} x " if self.count > 1 and self.kind != "cpu" else ""
        fast = [p for p, ok in (("bfloat16", self.bfloat16), ("float16", self.float16)) if ok]
        extra = f" (fast {', '.join(fast)})" if fast else " (float32 only)"
        return f"{self.kind.upper()}: {plural}{self.name}{extra}"


def cpu_flags() -> set[str]:
    """The CPU feature flags from /proc/cpuinfo (empty where that file does not exist)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_has_bfloat16(flags: set[str] | None = None) -> bool:
    """True when the CPU does bfloat16 in hardware: AVX512-BF16 or AMX-BF16."""
    flags = cpu_flags() if flags is None else flags
    return bool({"avx512_bf16", "amx_bf16"} & flags)


def _tpu_resolver():
    """A connected TPU cluster resolver, or None where no TPU is attached."""
    if not (os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME")
            or os.path.exists("/dev/accel0")):
        return None
    import tensorflow as tf

    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return resolver
    except (ValueError, RuntimeError, tf.errors.OpError):
        return None


@lru_cache(maxsize=1)
def accelerator() -> Accelerator:
    """Detect the accelerator once: TPU, then GPUs, then the CPU."""
    import tensorflow as tf

    if _tpu_resolver() is not None:
        cores = len(tf.config.list_logical_devices("TPU"))
        return Accelerator("tpu", cores, "TPU", bfloat16=True)
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        cc = tuple(details.get("compute_capability") or (0, 0))
        return Accelerator("gpu", len(gpus), details.get("device_name", "GPU"),
                           bfloat16=cc >= _BFLOAT16_CC, float16=cc >= _TENSOR_CORE_CC)
    name = platform.processor() or platform.machine() or "CPU"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            name = next((ln.split(":", 1)[1].strip() for ln in f
                         if ln.startswith("model name")), name)
    except OSError:
        pass
    return Accelerator("cpu", os.cpu_count() or 1, f"{name}, {os.cpu_count()} cores",
                       bfloat16=cpu_has_bfloat16())


def mixed_precision_policy(force: str | None = None, device: Accelerator | None = None) -> str:
    """Choose a Keras dtype policy name for this hardware.

    ``mixed_bfloat16`` where the hardware has bfloat16 (TPU, Ampere or newer GPUs,
    CPUs with AVX512-BF16 or AMX), ``mixed_float16`` on tensor-core GPUs without it
    (T4, V100), ``float32`` otherwise. ``force`` or ``GAN_UTILS_PRECISION`` overrides
    the choice; it also accepts the short names ``bfloat16`` and ``float16``.
    The policy is only returned; :func:`use_precision` applies it.
    """
    choice = force if force is not None else os.environ.get(PRECISION_ENV) or None
    if choice is not None:
        name = {"bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}.get(choice, choice)
        if name not in PRECISIONS:
            source = "force" if force is not None else PRECISION_ENV
            raise ValueError(f"{source}={choice!r}: expected one of {', '.join(PRECISIONS)}")
        return name
    device = device or accelerator()
    if device.bfloat16:
        return "mixed_bfloat16"
    if device.kind == "gpu" and device.float16:
        return "mixed_float16"
    return "float32"


def use_precision(policy: str) -> str:
    """Set Keras' global dtype policy (affects models built afterwards) and return it."""
    import keras

    if policy not in PRECISIONS:
        raise ValueError(f"policy={policy!r}: expected one of {', '.join(PRECISIONS)}")
    keras.mixed_precision.set_global_policy(policy)
    return policy


def distribution_strategy():
    """TPUStrategy on a TPU, MirroredStrategy on several GPUs, else the default strategy.

    Build models and optimizers inside ``strategy.scope()``; the training engine
    then runs its step on every replica.
    """
    import tensorflow as tf

    resolver = _tpu_resolver()
    if resolver is not None:
        return tf.distribute.TPUStrategy(resolver)
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def describe() -> str:
    """One line for the setup cell: environment, accelerator, library versions, mode."""
    import keras
    import tensorflow as tf

    mode = "quick (CI-sized)" if quick_mode() else "full"
    return (f"{environment()} | {accelerator()} | TensorFlow {tf.__version__}, "
            f"Keras {keras.__version__} | mode: {mode}")
