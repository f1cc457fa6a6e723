"""Time to quality: minutes of CPU training until the samples reach a given MNIST FID.

Two trainings on MNIST, on this machine:

- *baseline*: ``benchmarks/baseline_tf_tutorial.py``, the TensorFlow DCGAN tutorial as
  published (float32, no XLA, Adam(1e-4), batch 256), for 3 epochs;
- *course*: notebook 05's CPU profile: ``gan_utils.models.dcgan_mnist_generator`` (ReLU,
  the DCGAN paper's choice) and ``dcgan_mnist_discriminator`` trained by
  ``gan_utils.train.GANTrainer`` (Adam(2e-4, beta_1=0.5)), batch 128, with the precision
  the runtime picks (bfloat16 on a CPU with AVX512-BF16), no XLA (``--course-xla on``
  to try it).

Both train on the full MNIST training set (notebook 05 uses a 24,000-image subset on a
CPU, which changes epochs, not steps or time per step).

Every ``--eval-every`` steps the clock stops, ``--n-fake`` images are generated from a
fixed noise batch and their FID is measured with the course's MNIST classifier features
(``gan_utils.metrics``) against half of the MNIST test set. The target is the FID the
baseline reaches after its 3 epochs; the result is the training minutes each run needs
to first reach it, and their ratio. The runs take turns, chunk by chunk, so that a busy
moment on a shared machine slows both; the course run is held back to at most half the
baseline's training time while the baseline runs, and continues alone afterwards until
it reaches the target (or the baseline's full time).

    nice -n 10 python benchmarks/time_to_quality.py            # the full run (~1 hour)
    python benchmarks/time_to_quality.py --quick               # a smoke run, a minute

Writes ``benchmarks/results/time_to_quality.json`` and ``.png`` (``--quick``:
``time_to_quality_quick.*``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

LATENT_DIM = 100
BASELINE_EPOCHS = 3


class BaselineRun:
    """The TF tutorial, trained through its own ``train_step`` and input pipeline."""

    name = "baseline (TF tutorial, float32)"
    key = "baseline"

    def __init__(self, images: np.ndarray, seed: int = 0):
        import baseline_tf_tutorial as tutorial
        import keras

        keras.mixed_precision.set_global_policy("float32")
        self.gan = tutorial.TutorialGAN(seed=seed)
        dataset = tutorial.make_dataset(images, tutorial.BATCH_SIZE, seed=seed)
        self.steps_per_epoch = int(dataset.cardinality())
        self.batch_size = tutorial.BATCH_SIZE
        self.batches = iter(dataset.repeat())
        self.step = 0
        self.seconds = 0.0

    def train(self, steps: int) -> None:
        """``steps`` more tutorial steps; the clock covers them (tracing included)."""
        start = time.perf_counter()
        for _ in range(steps):
            g_loss, _ = self.gan.train_step(next(self.batches))
        float(g_loss)  # wait for the last step
        self.seconds += time.perf_counter() - start
        self.step += steps

    def generate(self, noise: np.ndarray) -> np.ndarray:
        """Images in [-1, 1] for a fixed latent batch (inference mode)."""
        return np.concatenate([self.gan.generator(noise[i:i + 500], training=False).numpy()
                               for i in range(0, len(noise), 500)])


class CourseRun:
    """Notebook 05's CPU profile: course models, GANTrainer, runtime precision, optional XLA."""

    key = "course"

    def __init__(self, images: np.ndarray, batch_size: int, jit_compile: bool,
                 policy: str | None = None, seed: int = 0):
        import keras

        from gan_utils import data, models, runtime, train

        self.policy = policy or runtime.mixed_precision_policy()
        self.jit_compile = jit_compile
        self.batch_size = batch_size
        self.name = f"course ({self.policy}{', XLA' if jit_compile else ''}, batch {batch_size})"
        previous = keras.mixed_precision.global_policy()
        runtime.use_precision(self.policy)
        try:
            runtime.seed_everything(seed)
            generator = models.dcgan_mnist_generator(LATENT_DIM)
            discriminator = models.dcgan_mnist_discriminator()
        finally:
            keras.mixed_precision.set_global_policy(previous)
        self.trainer = train.GANTrainer(generator, discriminator, latent_dim=LATENT_DIM,
                                        jit_compile=jit_compile, sample_every=10**9,
                                        num_samples=16, seed=seed, verbose=False)
        self.dataset = data.as_dataset(images, batch_size, seed=seed)
        self.steps_per_epoch = int(self.dataset.cardinality())
        self.seconds = 0.0

    @property
    def step(self) -> int:
        return self.trainer.step

    def train(self, steps: int) -> None:
        """``steps`` more GANTrainer steps; the clock covers them (tracing/XLA included)."""
        start = time.perf_counter()
        self.trainer.fit_more(self.dataset, steps, progress=False)
        self.seconds += time.perf_counter() - start

    def generate(self, noise: np.ndarray) -> np.ndarray:
        return np.concatenate([self.trainer.generate(noise=noise[i:i + 500])
                               for i in range(0, len(noise), 500)])


def machine_info() -> dict:
    """What the numbers were measured on."""
    import keras
    import tensorflow as tf

    from gan_utils import runtime

    return {"accelerator": str(runtime.accelerator()), "cpu_count": os.cpu_count(),
            "platform": platform.platform(), "python": platform.python_version(),
            "tensorflow": tf.__version__, "keras": keras.__version__,
            "load_average_at_start": list(os.getloadavg())}


def first_reaching(curve: list[dict], target: float) -> dict | None:
    """The first evaluation of a run whose FID is at or below ``target`` (None if never)."""
    return next((point for point in curve if point["fid"] <= target), None)


def evaluate(run, noise: np.ndarray, real_images: np.ndarray, curve: list[dict]) -> float:
    """Stop the clock, measure the FID of ``run``'s samples, append to ``curve``."""
    from gan_utils import metrics

    fid = metrics.fid_against(run.generate(noise), real_images)
    curve.append({"step": run.step, "epoch": run.step / run.steps_per_epoch,
                  "minutes": run.seconds / 60, "fid": fid})
    print(f"{run.key:8s} step {run.step:5d}  {run.seconds / 60:6.2f} min  FID {fid:8.2f}",
          flush=True)
    return fid


def plot(report: dict, path: Path) -> None:
    """FID against training minutes for both runs, the target and where each reaches it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for key, color in (("baseline", "tab:gray"), ("course", "tab:blue")):
        run = report["runs"][key]
        minutes = [p["minutes"] for p in run["curve"]]
        ax.plot(minutes, [p["fid"] for p in run["curve"]], "o-", ms=3, color=color,
                label=run["name"])
        if run["minutes_to_target"] is not None:
            ax.axvline(run["minutes_to_target"], color=color, linestyle=":")
    ax.axhline(report["target_fid"], color="tab:red", linestyle="--",
               label=f"target: baseline after {BASELINE_EPOCHS} epochs "
                     f"(FID {report['target_fid']:.1f})")
    ax.set_yscale("log")
    ax.set_xlabel("training minutes (evaluation time excluded)")
    ax.set_ylabel("MNIST FID (course classifier features)")
    ratio = report["speedup"]
    verdict = ("" if not ratio else f": course {ratio:.1f}x sooner" if ratio >= 1
               else f": course {1 / ratio:.1f}x later")
    ax.set_title("Time to quality on MNIST" + verdict)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: a few steps, small FID samples, *_quick outputs")
    parser.add_argument("--course-batch-size", type=int, default=128)
    parser.add_argument("--course-xla", choices=("on", "off"), default="off")
    parser.add_argument("--eval-every", type=int, default=None,
                        help="baseline steps between evaluations (default: a fifth of an "
                             "epoch); the course is evaluated after as many images")
    parser.add_argument("--n-fake", type=int, default=2000, help="generated images per FID")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    from gan_utils import data, metrics, runtime

    train_images, _ = data.load_images("mnist", split="train")
    test_images, _ = data.load_images("mnist", split="test")
    n_fake, real = args.n_fake, test_images
    if args.quick:
        train_images, real, n_fake = train_images[:2048], test_images[:600], 256
    output = args.output or HERE / "results" / (
        "time_to_quality_quick.json" if args.quick else "time_to_quality.json")

    info = machine_info()
    baseline = BaselineRun(train_images)
    course = CourseRun(train_images, args.course_batch_size, args.course_xla == "on")
    baseline_target_steps = BASELINE_EPOCHS * baseline.steps_per_epoch
    eval_every = args.eval_every or (2 if args.quick else max(1, baseline.steps_per_epoch // 5))
    if args.quick:
        baseline_target_steps = 3 * eval_every
    # the course is evaluated after as many training images as the baseline
    course_every = max(1, round(eval_every * baseline.batch_size / course.batch_size))
    noise = np.random.default_rng(1234).standard_normal((n_fake, LATENT_DIM)).astype("float32")
    # reference: as many real *training* images as fakes (also caches the real features)
    real_vs_real = metrics.fid_against(train_images[-n_fake:], real)

    curves = {"baseline": [], "course": []}
    print(f"baseline: {baseline_target_steps} steps, evaluated every {eval_every}; "
          f"course: evaluated every {course_every} steps", flush=True)
    while baseline.step < baseline_target_steps:
        baseline.train(min(eval_every, baseline_target_steps - baseline.step))
        evaluate(baseline, noise, real, curves["baseline"])
        # the course takes its turn while it has trained for at most half the baseline time
        while course.seconds <= 0.5 * baseline.seconds:
            course.train(course_every)
            evaluate(course, noise, real, curves["course"])
    target = curves["baseline"][-1]["fid"]
    while first_reaching(curves["course"], target) is None and course.seconds < baseline.seconds:
        course.train(course_every)
        evaluate(course, noise, real, curves["course"])

    runs = {}
    for run in (baseline, course):
        reached = first_reaching(curves[run.key], target)
        runs[run.key] = {
            "name": run.name, "batch_size": run.batch_size, "steps": run.step,
            "training_minutes": run.seconds / 60, "curve": curves[run.key],
            "minutes_to_target": reached["minutes"] if reached else None,
            "steps_to_target": reached["step"] if reached else None}
    runs["course"].update(policy=course.policy, jit_compile=course.jit_compile)
    to_target = runs["baseline"]["minutes_to_target"], runs["course"]["minutes_to_target"]
    speedup = to_target[0] / to_target[1] if to_target[1] else None
    report = {
        "what": "training minutes until MNIST samples first reach the FID the TF DCGAN "
                f"tutorial has after {BASELINE_EPOCHS} epochs",
        "quick": args.quick,
        "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": info, "load_average_at_end": list(os.getloadavg()),
        "fid": {"features": f"gan_utils.metrics MNIST classifier ({metrics.MNIST_FEATURE_DIM}"
                            "-d penultimate layer)",
                "real": f"half of {len(real)} MNIST test images (metrics.fid_against)",
                "n_fake": n_fake},
        "fid_of_real_training_images": real_vs_real,
        "baseline_epochs": BASELINE_EPOCHS, "target_fid": target, "runs": runs,
        "speedup": speedup, "target_speedup": 4.0,
        "precision_policy_available": runtime.mixed_precision_policy()}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    plot(report, output.with_suffix(".png"))
    for key in ("baseline", "course"):
        run = runs[key]
        minutes = run["minutes_to_target"]
        print(f"{run['name']:45s} " + (f"{minutes:6.2f} min to FID {target:.1f}"
                                         if minutes is not None else "never reached the target"))
    print("speedup: " + (f"{speedup:.2f}x" if speedup else "n/a") + f"; wrote {output}")
    return 0 if math.isfinite(target) else 1


if __name__ == "__main__":
    raise SystemExit(main())
