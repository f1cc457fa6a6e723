"""Where the course runs and how it should use the hardware.

Every notebook calls these from its setup and parameters cells:

- :func:`environment` tells Colab, Kaggle and a local Jupyter apart;
- :func:`accelerator` names the TPU, GPU or CPU (and whether the CPU has bfloat16);
- :func:`quick_mode` / :func:`full_or_quick` shrink the sizes for CI (``GAN_UTILS_QUICK=1``);
- :func:`seed_everything` makes a run repeatable;
- :func:`distribution_strategy` and :func:`mixed_precision_policy` choose the GPU paths,
  which on a CPU degrade to the default strategy and (where it pays) bfloat16;
- :func:`runs_dir` decides where checkpoints and other run files live, so that training
  survives what the platform deletes (a Colab runtime reset deletes ``/content``).

Nothing here runs at import time: importing gan_utils never changes global state.
"""

from __future__ import annotations

import contextlib
import glob
import os
import platform
import random
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

QUICK_ENV = "GAN_UTILS_QUICK"
PRECISION_ENV = "GAN_UTILS_PRECISION"
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
RUNS_ENV = "GAN_UTILS_RUNS"
PROFILE_ENV = "GAN_UTILS_PROFILE"

# Where each platform keeps files. Module constants, so that tests can point them at
# temporary folders. On Colab, /content is the working folder (deleted by a runtime reset)
# and Google Drive is mounted inside it; on Kaggle, /kaggle/working is the working folder.
COLAB_CONTENT = Path("/content")
COLAB_DRIVE_MOUNT = COLAB_CONTENT / "drive"
DRIVE_RUNS = Path("MyDrive") / "gan_course" / "runs"   # below the Drive mount point
KAGGLE_WORKING = Path("/kaggle/working")
RUNS_FOLDER = "runs"                                   # below the working folder

# GPU families by CUDA compute capability: tensor cores arrived with Volta (7.0),
# bfloat16 with Ampere (8.0).
_TENSOR_CORE_CC = (7, 0)
_BFLOAT16_CC = (8, 0)


def environment() -> str:
    """Return ``"colab"``, ``"kaggle"`` or ``"local"``: where this kernel is running."""
    if "google.colab" in sys.modules:
        return "colab"
    if "KAGGLE_KERNEL_RUN_TYPE" in os.environ or KAGGLE_WORKING.is_dir():
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


def full_or_quick(full: T, quick: T) -> T:
    """Return ``full`` at full size and ``quick`` in quick mode (for parameters cells)."""
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


# Environment variables or device files that say a TPU may be attached: Colab's old TPU
# nodes (COLAB_TPU_ADDR), Cloud TPU nodes (TPU_NAME), TPU VMs such as Kaggle's
# (TPU_ACCELERATOR_TYPE, /dev/accel* on v2-v4, /dev/vfio/<n> on v5e and later).
_TPU_ENV_HINTS = ("COLAB_TPU_ADDR", "TPU_NAME", "TPU_ACCELERATOR_TYPE")
_TPU_DEVICE_GLOBS = ("/dev/accel[0-9]*", "/dev/vfio/[0-9]*")
# The TPU, once found and initialised: initialising a TPU system again wipes every variable
# on it, so this kernel does it at most once, whichever cell asks (see _tpu_resolver).
_TPU: dict[str, Any] = {}


def _tpu_hint() -> bool:
    """True when an environment variable or a device file says a TPU may be attached."""
    if any(os.environ.get(name) for name in _TPU_ENV_HINTS):
        return True
    return any(glob.glob(pattern) for pattern in _TPU_DEVICE_GLOBS)


def _connect_tpu():
    """Resolve, connect and initialise the TPU; return the resolver, or None.

    ``TPUClusterResolver()`` without an argument finds a TPU only through environment
    variables (``TPU_NAME``, Colab's ``COLAB_TPU_ADDR``); on a TPU VM, where the chips are
    attached to this very machine (Kaggle's TPUs), only ``tpu="local"`` resolves. So try
    both, in that order. Connecting to a local resolver does nothing, which is right.
    """
    import tensorflow as tf

    for kwargs in ({}, {"tpu": "local"}):
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(**kwargs)
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
            return resolver
        except (ValueError, RuntimeError, tf.errors.OpError):
            continue
    return None


def _tpu_resolver():
    """The kernel's TPU cluster resolver, or None where no TPU is attached.

    Looked for once per kernel (Python process) and remembered, found or not: re-running a
    cell that asks for the accelerator or the strategy never initialises the TPU again
    (which would wipe the variables already on it).
    """
    if "resolver" not in _TPU:
        _TPU["resolver"] = _connect_tpu() if _tpu_hint() else None
    return _TPU["resolver"]


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
    then runs its step on every replica. On a TPU every call returns the same strategy,
    so re-running the cell that asks for it keeps the models already built under it.
    """
    import tensorflow as tf

    resolver = _tpu_resolver()
    if resolver is not None:
        if "strategy" not in _TPU:  # one TPUStrategy per kernel, like the TPU system
            _TPU["strategy"] = tf.distribute.TPUStrategy(resolver)
        return _TPU["strategy"]
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def choose_profile(profiles: Mapping[str, Any], profile: str | None = None,
                   device: Accelerator | None = None) -> str:
    """The name of the settings profile a notebook trains with: one key of ``profiles``.

    ``profile`` when given, else ``GAN_UTILS_PROFILE``, else ``"cpu"`` on a CPU and
    ``"gpu"`` on an accelerator. Forcing ``"gpu"`` on a CPU runs the GPU settings there
    (precision policy, XLA, ``steps_per_execution``), slowly but on the same code path.
    """
    source = "profile"
    if profile is None and os.environ.get(PROFILE_ENV, "").strip():
        profile, source = os.environ[PROFILE_ENV].strip(), PROFILE_ENV
    if profile is None:
        profile = "cpu" if (device or accelerator()).kind == "cpu" else "gpu"
    if profile not in profiles:
        raise ValueError(f"{source}={profile!r}: expected None or one of "
                         f"{', '.join(map(repr, profiles))}")
    return profile


@contextlib.contextmanager
def exact_float32() -> Iterator[None]:
    """Inside the block, float32 matrix products and convolutions run in full float32.

    Ampere and newer GPUs run them in TF32 by default (10 mantissa bits instead of 23),
    so two graphs of the same float32 arithmetic can differ in the third decimal; a check
    that they agree to 1e-5 needs TF32 off. The previous setting is restored on exit.
    On CPUs and older GPUs, which have no TF32, it changes nothing.
    """
    import tensorflow as tf

    before = tf.config.experimental.tensor_float_32_execution_enabled()
    tf.config.experimental.enable_tensor_float_32_execution(False)
    try:
        yield
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(before)


def describe() -> str:
    """One line for the setup cell: environment, accelerator, library versions, mode."""
    import keras
    import tensorflow as tf

    mode = "quick (CI-sized)" if quick_mode() else "full"
    return (f"{environment()} | {accelerator()} | TensorFlow {tf.__version__}, "
            f"Keras {keras.__version__} | mode: {mode}")


# --------------------------------------------------------------------------- where runs live


def _drive_is_mounted(mount_point: Path) -> bool:
    """True when Google Drive is mounted at ``mount_point`` (its MyDrive folder is there)."""
    return (mount_point / "MyDrive").is_dir()


def _mount_drive(mount_point: Path) -> None:
    """Mount Google Drive at ``mount_point`` (Colab asks the learner to allow it), once."""
    if _drive_is_mounted(mount_point):
        return
    from google.colab import drive  # only ever imported on Colab

    drive.mount(str(mount_point))
    if not _drive_is_mounted(mount_point):
        raise RuntimeError(f"Google Drive did not mount at {mount_point} (no "
                           f"{mount_point / 'MyDrive'} after drive.mount); run the cell again "
                           "and allow access, or use runs_dir() to keep runs in /content")


def storage_note(where: str, path: Path) -> str:
    """What a runtime reset or the end of a session deletes, and what keeps ``path``.

    ``where`` is ``"colab"``, ``"drive"`` (Colab with Google Drive), ``"kaggle"``,
    ``"local"`` or ``"env"`` (set by ``GAN_UTILS_RUNS``).
    """
    notes = {
        "colab": (f"Runs are saved in {path}. A kernel restart keeps them, but a Colab "
                  f"runtime reset (after a disconnect, an idle timeout, or Runtime > "
                  f"Disconnect and delete runtime) deletes {COLAB_CONTENT} and everything in "
                  "it: checkpoints, GIFs, downloaded data. To keep runs through a reset, use "
                  "runtime.runs_dir(use_drive=True): they then go to your Google Drive."),
        "drive": (f"Runs are saved on your Google Drive, in {path}. A Colab runtime reset "
                  f"deletes {COLAB_CONTENT} (downloaded data, anything saved outside Drive) "
                  "but not Drive: after a reset, mount Drive again (rerun this cell) and "
                  "training resumes from the last checkpoint."),
        "kaggle": (f"Runs are saved in {path}. When the Kaggle session ends, "
                   f"{KAGGLE_WORKING} is deleted; only a saved version (Save Version) keeps "
                   "its files, as that version's output. A kernel restart keeps them."),
        "local": (f"Runs are saved in {path}, next to the notebook; they stay until you "
                  "delete them."),
        "env": f"Runs are saved in {path} ({RUNS_ENV} is set).",
    }
    if where not in notes:
        raise ValueError(f"where={where!r}: expected one of {', '.join(notes)}")
    return notes[where]


def runs_dir(use_drive: bool = False, verbose: bool = True) -> Path:
    """The folder where notebooks keep checkpoints and other run files; created if needed.

    The one place the course decides it:

    - ``GAN_UTILS_RUNS`` set: that folder, wherever the kernel runs;
    - Colab: with ``use_drive=True``, ``MyDrive/gan_course/runs`` on the learner's Google
      Drive, which survives a runtime reset (Drive is mounted here, after Colab asks the
      learner to allow it; nothing is mounted without ``use_drive=True``); otherwise
      ``/content/runs``, which a reset deletes;
    - Kaggle: ``/kaggle/working/runs`` (kept with a saved version of the notebook);
    - elsewhere: ``runs/`` in the current folder (a notebook's own folder in Jupyter).

    ``use_drive`` only matters on Colab. With ``verbose`` it prints what a reset deletes
    and what it keeps (:func:`storage_note`).
    """
    where = environment()
    override = os.environ.get(RUNS_ENV, "").strip()
    if override:
        path, where = Path(override).expanduser(), "env"
    elif where == "colab" and use_drive:
        _mount_drive(COLAB_DRIVE_MOUNT)
        path, where = COLAB_DRIVE_MOUNT / DRIVE_RUNS, "drive"
    elif where == "colab":
        path = COLAB_CONTENT / RUNS_FOLDER
    elif where == "kaggle":
        path = KAGGLE_WORKING / RUNS_FOLDER
    else:
        path = Path.cwd() / RUNS_FOLDER
    if path.exists() and not path.is_dir():
        source = f"{RUNS_ENV}={override}" if where == "env" else "runs_dir"
        raise ValueError(f"{source}: {path} is a file; expected a folder for the runs")
    path.mkdir(parents=True, exist_ok=True)
    if verbose:
        if use_drive and where in ("kaggle", "local"):
            print("use_drive=True only applies on Colab; here runs stay on this machine.")
        print(storage_note(where, path))
    return path
