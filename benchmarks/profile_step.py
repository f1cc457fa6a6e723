"""Where the time of one DCGAN step goes: TensorFlow's profiler, op type by op type.

``benchmarks/speed.py`` says how fast each step is; this script says why. It runs a few
steps of the TF tutorial's step (float32) and of the course engine (the runtime's
precision, both updates: the alternating default and the tutorial's one-pass
``simultaneous`` step) under ``tf.profiler``, and reports the milliseconds per step
spent in each kind of operation (summed over threads, so they add up to more than the
wall-clock time on a multi-core CPU) with the ratio to the baseline's time in the same
kind. On a bfloat16 CPU it shows how much of the hoped-for bfloat16 speed-up each
convolution kernel actually delivers.

Needs the profiler's converter, which the course itself does not::

    pip install tensorboard-plugin-profile
    python benchmarks/profile_step.py            # writes results/profile_step.json

Engines run one after the other (not alternating): compare the rows, not the totals
of a busy machine.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from speed import BATCH_SIZE, Baseline, Course, machine_info  # noqa: E402


def profile_engine(engine, steps: int, warmup: int, logdir: Path) -> dict[str, float]:
    """Milliseconds per step by op type for ``steps`` steps of ``engine``."""
    import tensorflow as tf
    from xprof.convert import raw_to_tool_data

    engine.run(warmup)
    tf.profiler.experimental.start(str(logdir))
    engine.run(steps)
    tf.profiler.experimental.stop()
    planes = [str(p) for p in logdir.rglob("*.xplane.pb")]
    if not planes:
        raise RuntimeError(f"the profiler wrote no trace under {logdir}")
    raw, _ = raw_to_tool_data.xspace_to_tool_data(planes, "framework_op_stats", {})
    table = json.loads(raw)[0]
    columns = [c["id"] for c in table["cols"]]
    kind, self_time = columns.index("type"), columns.index("total_self_time")
    per_type: dict[str, float] = collections.Counter()
    for row in table["rows"]:
        cells = [c["v"] if c else None for c in row["c"]]
        if cells[kind] != "IDLE":
            per_type[cells[kind]] += cells[self_time] / 1000 / steps  # microseconds -> ms
    return dict(per_type)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="profiled steps per engine")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (tracing)")
    parser.add_argument("--top", type=int, default=12, help="op types printed")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "profile_step.json")
    args = parser.parse_args()
    try:
        import xprof.convert.raw_to_tool_data  # noqa: F401
    except ImportError:
        parser.error("needs the profiler's converter: pip install tensorboard-plugin-profile")

    from gan_utils import data, runtime

    images, _ = data.load_images("mnist", split="train")
    policy = runtime.mixed_precision_policy()
    engines = [Baseline(images, BATCH_SIZE),
               Course(images, BATCH_SIZE, policy, False, 1, "alternating"),
               Course(images, BATCH_SIZE, policy, False, 1, "simultaneous")]
    profiles = {}
    workdir = Path(tempfile.mkdtemp(prefix="profile_step_"))
    try:
        for engine in engines:
            profiles[engine.name] = profile_engine(engine, args.steps, args.warmup,
                                                   workdir / engine.name)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    baseline = profiles[engines[0].name]
    kinds = sorted(baseline, key=baseline.get, reverse=True)[:args.top]
    header = f"{'op type (ms per step)':34s}" + "".join(f"{e.name[:30]:>32s}" for e in engines)
    print(header)
    for op in kinds + ["all op types"]:
        values = [sum(p.values()) if op == "all op types" else p.get(op, 0.0)
                  for p in profiles.values()]
        cells = "".join(f"{v:14.1f} ({v / values[0]:4.2f}x time)".rjust(32) for v in values)
        print(f"{op:34s}{cells}")
    report = {
        "what": "milliseconds per DCGAN step by TensorFlow op type (self time, summed over "
                "threads); ratios are time relative to the TF tutorial's float32 step",
        "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": info_with_policy(policy), "batch_size": BATCH_SIZE,
        "steps": args.steps, "profiles_ms_per_step": profiles,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


def info_with_policy(policy: str) -> dict:
    """``speed.machine_info`` plus the precision the course engines used."""
    return {**machine_info(), "course_policy": policy}


if __name__ == "__main__":
    raise SystemExit(main())
