"""Time to quality: minutes of CPU training until the samples reach a given MNIST FID.

Two trainings on MNIST, on this machine:

- *baseline*: ``benchmarks/baseline_tf_tutorial.py``, the TensorFlow DCGAN tutorial as
  published (float32, no XLA, Adam(1e-4), batch 256), for 3 epochs;
- *course*: notebook 06's CPU profile: ``gan_utils.models.dcgan_mnist_generator`` (ReLU,
  the DCGAN paper's choice) and ``dcgan_mnist_discriminator`` trained by
  ``gan_utils.train.GANTrainer`` (Adam(2e-4, beta_1=0.5)), batch 128, with the precision
  the runtime picks (bfloat16 on a CPU with AVX512-BF16), no XLA (``--course-xla on``
  to try it), with notebook 06's weight average of the generator (``--course-ema``) and
  notebook 06's update (``--course-update``: ``alternating``, the notebook-05 step, or
  ``simultaneous``, the tutorial's one-pass step).

Both train on the full MNIST training set (notebook 06 uses a 24,000-image subset on a
CPU, which changes epochs, not steps or time per step).

Every ``--eval-every`` steps the clock stops, ``--n-fake`` images are generated from a
fixed noise batch and their FID is measured with the course's MNIST classifier features
(``gan_utils.metrics``) against half of the MNIST test set. The target is the FID the
baseline reaches after its 3 epochs (``--baseline-epochs``; the report also gives the
targets of the earlier epochs); the result is the training minutes each run needs to
first reach it (interpolated between evaluations) and their ratio. The report is rewritten
after every evaluation, so an interrupted run leaves its curves and finished targets.
The runs take turns, chunk by chunk, so that a busy moment on a shared machine slows
both; the course run is held back to at most half (``--course-share``) the baseline's
training time while the baseline runs, and continues alone afterwards until it reaches
the target (or the baseline's full time).

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
    """Notebook 06's CPU profile: course models, GANTrainer, runtime precision, optional XLA."""

    key = "course"

    def __init__(self, images: np.ndarray, batch_size: int, jit_compile: bool,
                 ema_decay: float | None = None, policy: str | None = None, seed: int = 0,
                 update: str = "alternating"):
        import keras

        from gan_utils import data, models, runtime, train

        self.policy = policy or runtime.mixed_precision_policy()
        self.jit_compile = jit_compile
        self.batch_size = batch_size
        self.ema_decay = ema_decay
        self.update = update
        self.name = (f"course ({self.policy}{', XLA' if jit_compile else ''}, batch {batch_size}"
                     f", {update} updates"
                     f"{f', weight average {ema_decay}' if ema_decay else ''})")
        previous = keras.mixed_precision.global_policy()
        runtime.use_precision(self.policy)
        try:
            runtime.seed_everything(seed)
            generator = models.dcgan_mnist_generator(LATENT_DIM)
            discriminator = models.dcgan_mnist_discriminator()
        finally:
            keras.mixed_precision.set_global_policy(previous)
        self.trainer = train.GANTrainer(
            generator, discriminator, latent_dim=LATENT_DIM, jit_compile=jit_compile,
            seed=seed, update=update,
            callbacks=[train.WeightAverage(ema_decay)] if ema_decay else [])
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


def minutes_to_reach(curve: list[dict], target: float) -> dict | None:
    """When a run first gets to FID <= ``target``: at which evaluation, and interpolated.

    ``evaluation`` is the first evaluation at or below the target (an upper bound, as
    fine as the evaluation grid); ``interpolated`` puts the crossing on the straight line
    in (minutes, log FID) between that evaluation and the one before it, so that runs
    evaluated on different grids are compared fairly.
    """
    for index, point in enumerate(curve):
        if point["fid"] <= target:
            minutes = point["minutes"]
            if index > 0:
                before = curve[index - 1]
                drop = math.log(before["fid"]) - math.log(point["fid"])
                part = (math.log(before["fid"]) - math.log(target)) / drop if drop > 0 else 1.0
                minutes = before["minutes"] + part * (point["minutes"] - before["minutes"])
            return {"evaluation_minutes": point["minutes"], "evaluation_step": point["step"],
                    "interpolated_minutes": minutes}
    return None


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
        minutes_to_target = report["minutes_to_target"][key]
        if minutes_to_target is not None:
            ax.axvline(minutes_to_target, color=color, linestyle=":")
    ax.axhline(report["target_fid"], color="tab:red", linestyle="--",
               label=f"target: baseline after {report['headline_epochs']} epoch(s) "
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
    parser.add_argument("--course-ema", type=float, default=0.999,
                        help="the course generator's weight average (notebook 06 uses 0.999; "
                             "samples come from the average); 0 turns it off")
    parser.add_argument("--course-update", choices=("alternating", "simultaneous"),
                        default="alternating",
                        help="the course step: D then G on a fresh pass (notebook 05), or "
                             "both from one pass (the tutorial's step)")
    parser.add_argument("--baseline-epochs", type=int, default=BASELINE_EPOCHS,
                        help="the target is the baseline's FID after this many epochs")
    parser.add_argument("--eval-every", type=int, default=None,
                        help="baseline steps between evaluations (default: a fifth of an "
                             "epoch)")
    parser.add_argument("--course-eval-every", type=int, default=None,
                        help="course steps between evaluations (default: --eval-every)")
    parser.add_argument("--course-share", type=float, default=0.5,
                        help="while the baseline trains, the course trains up to this "
                             "fraction of the baseline's training time")
    parser.add_argument("--n-fake", type=int, default=2000, help="generated images per FID")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    from gan_utils import classifiers, data, metrics, runtime

    train_images, _ = data.load_images("mnist", split="train")
    test_images, _ = data.load_images("mnist", split="test")
    n_fake, real = args.n_fake, test_images
    if args.quick:
        train_images, real, n_fake = train_images[:512], test_images[:600], 256
    output = args.output or HERE / "results" / (
        "time_to_quality_quick.json" if args.quick else "time_to_quality.json")

    info = machine_info()
    baseline = BaselineRun(train_images)
    course = CourseRun(train_images, args.course_batch_size, args.course_xla == "on",
                       ema_decay=args.course_ema or None, update=args.course_update)
    baseline_target_steps = args.baseline_epochs * baseline.steps_per_epoch
    eval_every = args.eval_every or max(1, baseline.steps_per_epoch // 5)
    course_every = args.course_eval_every or eval_every
    noise = np.random.default_rng(1234).standard_normal((n_fake, LATENT_DIM)).astype("float32")
    # reference: as many real *training* images as fakes (also caches the real features)
    real_vs_real = metrics.fid_against(train_images[-n_fake:], real)

    curves = {"baseline": [], "course": []}
    static = {"quick": args.quick, "machine": info, "baseline_epochs": args.baseline_epochs,
              "fid": {"features": f"gan_utils.metrics MNIST classifier "
                                  f"({classifiers.MNIST_FEATURE_DIM}-d penultimate layer)",
                      "real": f"half A of {len(real)} MNIST test images (metrics.fid_against)",
                      "n_fake": n_fake, "fid_of_real_training_images": real_vs_real},
              "target_speedup": 4.0, "precision_policy_available": runtime.mixed_precision_policy()}

    def save(complete: bool) -> dict:
        report = build_report(static, baseline, course, curves, complete)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n")
        if report["target_fid"] is not None:
            plot(report, output.with_suffix(".png"))
        return report

    print(f"baseline: {baseline_target_steps} steps, evaluated every {eval_every}; "
          f"course: evaluated every {course_every} steps", flush=True)
    while baseline.step < baseline_target_steps:
        baseline.train(min(eval_every, baseline_target_steps - baseline.step))
        evaluate(baseline, noise, real, curves["baseline"])
        # the course takes its turn while it has trained for at most half the baseline time
        while course.seconds <= args.course_share * baseline.seconds:
            course.train(course_every)
            evaluate(course, noise, real, curves["course"])
        save(complete=False)
    target = curves["baseline"][-1]["fid"]
    while minutes_to_reach(curves["course"], target) is None and course.seconds < baseline.seconds:
        course.train(course_every)
        evaluate(course, noise, real, curves["course"])
        save(complete=False)
    report = save(complete=True)
    for target_info in report["targets"]:
        print(f"target FID {target_info['fid']:.1f} (baseline after {target_info['epochs']} "
              f"epoch(s)): baseline {target_info['baseline_minutes']}, course "
              f"{target_info['course_minutes']} min -> speedup {target_info['speedup']}")
    print(f"wrote {output} and {output.with_suffix('.png')}")
    return 0


def build_report(static: dict, baseline, course, curves: dict, complete: bool) -> dict:
    """The JSON report: curves, and for each finished baseline epoch its FID as a target
    with the minutes each run needs to reach it (interpolated) and their ratio."""
    targets = []
    epochs_done = baseline.step // baseline.steps_per_epoch
    for epoch in range(1, epochs_done + 1):
        at_epoch = [p for p in curves["baseline"] if p["step"] == epoch * baseline.steps_per_epoch]
        if not at_epoch:
            continue
        fid = at_epoch[0]["fid"]
        reach = {key: minutes_to_reach(curves[key], fid) for key in curves}
        minutes = {key: (None if r is None else round(r["interpolated_minutes"], 3))
                   for key, r in reach.items()}
        targets.append({
            "epochs": epoch, "fid": fid, "baseline_minutes": minutes["baseline"],
            "course_minutes": minutes["course"],
            "speedup": (None if not (minutes["baseline"] and minutes["course"])
                        else round(minutes["baseline"] / minutes["course"], 2)),
            "at_evaluation": reach})
    headline = next((t for t in targets if t["epochs"] == static["baseline_epochs"]),
                    targets[-1] if targets else None)
    runs = {}
    for run in (baseline, course):
        runs[run.key] = {"name": run.name, "batch_size": run.batch_size, "steps": run.step,
                         "training_minutes": run.seconds / 60, "curve": curves[run.key]}
    runs["course"].update(policy=course.policy, jit_compile=course.jit_compile,
                          ema_decay=course.ema_decay, update=course.update)
    return {
        "what": "training minutes until MNIST samples first reach the FID the TF DCGAN "
                "tutorial has after N epochs (N = headline_epochs)",
        "complete": complete,
        "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "load_average_now": list(os.getloadavg()), **static,
        "headline_epochs": headline["epochs"] if headline else None,
        "target_fid": headline["fid"] if headline else None,
        "speedup": headline["speedup"] if headline else None,
        "minutes_to_target": ({"baseline": headline["baseline_minutes"],
                               "course": headline["course_minutes"]} if headline else None),
        "targets": targets, "runs": runs}


if __name__ == "__main__":
    raise SystemExit(main())
