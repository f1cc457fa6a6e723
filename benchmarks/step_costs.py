"""FLOPs per training step of every notebook that trains a GAN, and a Colab T4 estimate
for each training profile: counted from the models (``gan_utils.cost``), never guessed.

The profiles' sizes are read from the notebooks' own ``PROFILES`` cells, so the estimate
follows the notebook. A T4 time here is an estimate (peak speed times an assumed share
of it), not a measurement; ``docs/measurements.md`` says so.

    python benchmarks/step_costs.py      # writes benchmarks/results/step_costs.json
"""

from __future__ import annotations

import ast
import json
import math
import platform
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from gan_utils import cost, models

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "step_costs.json"
CIFAR10_FROGS = 6_000   # Part A of notebook 08 trains on every frog when frog_images is None


def notebook_profiles(name: str) -> dict[str, dict]:
    """The ``PROFILES = {...}`` dictionary of a notebook, evaluated with ``dict`` only."""
    notebook = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and "PROFILES = {" in cell.source:
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == \
                        "PROFILES":
                    code = compile(ast.Expression(node.value), name, "eval")
                    return eval(code, {"__builtins__": {}, "dict": dict})  # noqa: S307
    raise ValueError(f"{name}: no PROFILES cell")


def runs(name: str) -> list[dict]:
    """One entry per (profile, part): the networks, the batch and the number of steps."""
    out = []
    for profile, s in notebook_profiles(name).items():
        if name in ("06_dcgan_mnist", "07_training_gans_that_last"):
            steps = math.ceil(s["train_images"] / s["batch_size"]) * s["epochs"]
            out.append(dict(profile=profile, part="DCGAN", batch=s["batch_size"], steps=steps,
                            networks=(models.dcgan_mnist_generator(100),
                                      models.dcgan_mnist_discriminator())))
        elif name == "08_dcgan_color":
            frogs = s["frog_images"] or CIFAR10_FROGS
            out.append(dict(profile=profile, part="A: frogs", batch=32,
                            steps=math.ceil(frogs / 32) * s["frog_epochs"],
                            networks=(models.frog_generator(32, s["frog_g_filters"]),
                                      models.frog_discriminator(s["frog_d_filters"]))))
            out.append(dict(profile=profile, part="B: 64x64", batch=s["dcgan_batch"],
                            steps=math.ceil(s["dcgan_images"] / s["dcgan_batch"])
                            * s["dcgan_epochs"],
                            networks=(models.dcgan64_generator(100, s["dcgan_filters"]),
                                      models.dcgan64_discriminator(s["dcgan_filters"]))))
        elif name == "10_conditional_gan":
            steps = math.ceil(s["train_images"] / s["batch_size"]) * s["epochs"]
            out.append(dict(profile=profile, part="cGAN", batch=s["batch_size"], steps=steps,
                            networks=(models.cgan_mnist_generator(100, 10),
                                      models.cgan_mnist_discriminator(10))))
    return out


def main() -> int:
    rows = []
    for name in ("06_dcgan_mnist", "07_training_gans_that_last", "08_dcgan_color",
                 "10_conditional_gan"):
        for run in runs(name):
            generator, discriminator = run.pop("networks")
            flops = cost.gan_step_flops(generator, discriminator, run["batch"])
            precision = "mixed_float16" if run["profile"] == "gpu" else "float32"
            rows.append(dict(notebook=name, **run, gflops_per_step=flops / 1e9,
                             t4_minutes_estimate=cost.minutes_estimate(
                                 flops, run["steps"], precision),
                             t4_precision=precision))
            print(f"{name:28} {run['profile']:3} {run['part']:9} batch {run['batch']:3} "
                  f"{flops / 1e9:8.1f} GFLOPs/step x {run['steps']:6} steps: "
                  f"~{rows[-1]['t4_minutes_estimate']:.1f} min on a T4 (estimate)")
    result = {"what": "FLOPs per training step counted from the notebooks' models, and a "
                      "Colab T4 estimate per profile (peak x assumed utilisation; estimates, "
                      "not measurements)",
              "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": {"accelerator": "none needed: counted, not timed",
                          "python": platform.python_version()},
              "t4_peak_tflops": cost.T4_PEAK_TFLOPS,
              "assumed_utilisation": cost.ASSUMED_UTILISATION, "runs": rows}
    RESULT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {RESULT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
