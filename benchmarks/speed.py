"""Images per second of one DCGAN training step: the course engine against the TF tutorial.

*Ours* is :class:`gan_utils.train.GANTrainer` training notebook 06's architecture
(``gan_utils.models.dcgan_mnist_generator`` with LeakyReLU, as in the tutorial, and
``dcgan_mnist_discriminator``) with the precision the runtime picks for this machine
(``runtime.mixed_precision_policy()``: bfloat16 on a CPU with AVX512-BF16/AMX, on
Ampere GPUs and TPUs) and XLA where it is asked for. The *baseline* is
``benchmarks/baseline_tf_tutorial.py``: the TensorFlow DCGAN tutorial's step, float32,
no XLA. Both use batch size 256 and MNIST, each with its own input pipeline.

The engines are timed in alternation (warm-up first, then A B A B ...) so that a
slower or busier moment hits both; the report is the median of the per-round ratios.
The course engine's default step does more work than the tutorial's: it updates D
first and then G on a fresh forward pass (the notebook-05 step, ``update="alternating"``),
where the tutorial computes both gradients from one forward pass. The ``simultaneous``
variant runs the engine with the tutorial's step (``update="simultaneous"``), so that it
and the baseline do the same arithmetic and differ only in precision and plumbing.

    python benchmarks/speed.py                      # all variants, writes results/speed.json
    python benchmarks/speed.py --rounds 3 --steps 5 # a quick look

It runs unchanged on a GPU (the runtime then picks float16 or bfloat16).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

BATCH_SIZE = 256
LATENT_DIM = 100


def machine_info() -> dict:
    """What the numbers were measured on: CPU/GPU, cores, library versions."""
    import keras
    import tensorflow as tf

    from gan_utils import runtime

    device = runtime.accelerator()
    return {
        "accelerator": str(device), "kind": device.kind, "count": device.count,
        "cpu_bfloat16": runtime.cpu_has_bfloat16(), "cpu_count": os.cpu_count(),
        "platform": platform.platform(), "python": platform.python_version(),
        "tensorflow": tf.__version__, "keras": keras.__version__,
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"),
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


class Baseline:
    """The TF tutorial's step on the tutorial's own input pipeline."""

    name = "tf_tutorial_float32"

    def __init__(self, images, batch_size: int):
        self.batch_size = batch_size
        import baseline_tf_tutorial as tutorial
        import keras

        keras.mixed_precision.set_global_policy("float32")
        self.gan = tutorial.TutorialGAN(seed=0)
        self.batches = iter(tutorial.make_dataset(images, batch_size).repeat())

    def run(self, steps: int) -> None:
        for _ in range(steps):
            g_loss, _ = self.gan.train_step(next(self.batches))
        float(g_loss)  # wait for the last step to finish


class Course:
    """The course engine (GANTrainer) with notebook 06's models, one precision, XLA or not."""

    def __init__(self, images, batch_size: int, policy: str, jit_compile: bool,
                 steps_per_execution: int, update: str = "alternating"):
        import keras

        from gan_utils import data, models, runtime, train

        self.batch_size = batch_size
        self.name = (f"course_{policy}" + ("_xla" if jit_compile else "")
                     + (f"_spe{steps_per_execution}" if steps_per_execution > 1 else "")
                     + ("_simultaneous" if update == "simultaneous" else "")
                     + f"_batch{batch_size}")
        strategy = runtime.distribution_strategy()
        previous = keras.mixed_precision.global_policy()
        runtime.use_precision(policy)
        try:
            runtime.seed_everything(0)
            with strategy.scope():
                G = models.dcgan_mnist_generator(LATENT_DIM, activation="leaky_relu")
                D = models.dcgan_mnist_discriminator()
        finally:
            keras.mixed_precision.set_global_policy(previous)
        with strategy.scope():
            self.trainer = train.GANTrainer(
                G, D, latent_dim=LATENT_DIM, jit_compile=jit_compile,
                steps_per_execution=steps_per_execution, update=update)
        self.dataset = data.as_dataset(images, batch_size)

    def run(self, steps: int) -> None:
        self.trainer.fit_more(self.dataset, steps, progress=False)


def measure(engines: list, rounds: int, steps: int, warmup: int) -> dict:
    """Warm every engine up, then time ``steps`` steps of each, in turn, ``rounds`` times.

    Returns images per second, per engine and round.
    """
    for engine in engines:
        engine.run(warmup)
    speeds = {engine.name: [] for engine in engines}
    for r in range(rounds):
        for engine in engines:
            start = time.perf_counter()
            engine.run(steps)
            speeds[engine.name].append(engine.batch_size * steps / (time.perf_counter() - start))
        line = ", ".join(f"{name} {s[-1]:.0f}" for name, s in speeds.items())
        print(f"round {r + 1}/{rounds}: images/s {line}", flush=True)
    return speeds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per engine")
    parser.add_argument("--steps", type=int, default=10, help="training steps per round")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (tracing)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--course-batch-size", type=int, default=None,
                        help="batch size of the course variants (default: --batch-size); "
                             "images/s stay comparable, the step is just bigger")
    parser.add_argument("--variants", default="profile,simultaneous,xla,float32",
                        help="course variants besides the baseline: profile (the runtime's "
                             "precision, no XLA), simultaneous (the same with the tutorial's "
                             "one-pass step), xla (the runtime's precision with XLA), float32")
    parser.add_argument("--threads", type=int, default=None,
                        help="TensorFlow intra-op threads for every engine (default: TF's "
                             "choice, one per core); 1 gives steadier ratios on a busy machine")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "speed.json")
    args = parser.parse_args()
    args.course_batch_size = args.course_batch_size or args.batch_size
    for name in ("rounds", "steps", "batch_size", "course_batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer")

    if args.threads is not None:
        if args.threads < 1:
            parser.error("--threads must be a positive integer")
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    from gan_utils import data, runtime

    info = machine_info()
    info["intra_op_threads"] = args.threads or "default"
    print(f"machine: {info['accelerator']} | TF {info['tensorflow']} | Keras {info['keras']}")
    images, _ = data.load_images("mnist", split="train")
    policy = runtime.mixed_precision_policy()
    on_gpu = runtime.accelerator().kind != "cpu"
    variants = {
        # (policy, XLA, steps per execution, update); on a GPU XLA is the profile's default
        "profile": (policy, on_gpu, 1, "alternating"),
        "simultaneous": (policy, on_gpu, 1, "simultaneous"),
        "xla": (policy, True, 1, "alternating"),
        "float32": ("float32", False, 1, "alternating"),
    }
    wanted = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = sorted(set(wanted) - set(variants))
    if unknown:
        parser.error(f"--variants: unknown {unknown}; expected some of {sorted(variants)}")
    engines = [Baseline(images, args.batch_size)]
    seen = set()
    for variant in wanted:
        if variants[variant] not in seen:
            seen.add(variants[variant])
            engines.append(Course(images, args.course_batch_size, *variants[variant]))
    speeds = measure(engines, args.rounds, args.steps, args.warmup)

    baseline = speeds[engines[0].name]
    results = {}
    for engine in engines:
        rates = speeds[engine.name]
        ratios = [r / b for r, b in zip(rates, baseline, strict=True)]
        results[engine.name] = {
            "batch_size": engine.batch_size,
            "images_per_second_median": statistics.median(rates),
            "images_per_second_rounds": rates,
            "speedup_vs_baseline_median": statistics.median(ratios),
            "speedup_vs_baseline_rounds": ratios,
        }
    ours = engines[1].name if len(engines) > 1 else engines[0].name
    report = {
        "what": "images per second of one DCGAN training step (notebook 06 architecture, MNIST)",
        "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": info, "baseline_batch_size": args.batch_size, "rounds": args.rounds,
        "steps_per_round": args.steps, "warmup_steps": args.warmup,
        "baseline": engines[0].name, "ours": ours,
        "speedup_ours_vs_baseline_median": results[ours]["speedup_vs_baseline_median"],
        "target_speedup": 2.5, "engines": results,
        "load_average_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    for name, result in results.items():
        print(f"{name:32s} {result['images_per_second_median']:8.0f} images/s  "
              f"x{result['speedup_vs_baseline_median']:.2f} vs baseline (median)")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
