"""How clear the digits of a train_pretrained run are *now*: judge its latest checkpoint.

Builds the trainer as ``scripts/assets/train_mnist_generators.py`` does (same settings: give
the same
``--steps``, ``--d-dropout``, ``--lr``, ``--lr-decay-start`` and ``--info-weight``),
restores the latest checkpoint from a *copy* of the run's folder (the running training keeps
writing its own), draws samples from the weight average and from G itself with a fixed seed,
and prints one JSON line: the step, the training seconds so far, and for each generator the
course classifier's mean top-class probability, the share above 0.9, the rarest and
commonest digit's share and the code's purity. The DCGAN model card's "On the way" table
came from running it during training::

    python research/mnist_recipes/judge_checkpoint.py /tmp/pretrained_24k \
        --steps 24000 --d-dropout 0.1 --lr-decay-start 0.5
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from gan_utils import pretrained, runtime, train
from gan_utils import recipes as tp

NAME = "infogan_mnist"


def restored_trainer(work_dir: Path, args) -> train.GANTrainer:
    """A trainer built as train_pretrained builds it, restored from ``work_dir``'s copy."""
    runtime.use_precision(runtime.mixed_precision_policy())
    generator, discriminator = tp.build_pair(NAME, args.d_dropout)
    callbacks = tp.run_callbacks(args, work_dir)
    trainer = tp.make_trainer(
        generator, discriminator, args.info_weight, lr=args.lr, latent_dim=tp.LATENT_DIM,
        callbacks=callbacks, steps_per_execution=10, seed=args.seed)
    trainer.restore()
    return trainer


def clarity(generator, samples: int) -> dict:
    """The course classifier's reading of ``samples`` digits drawn with seed 1, and how
    purely the generator's InfoGAN code picks a digit (the model card's "purity"), which
    went with clearer digits in the runs of the DCGAN model card."""
    z, probabilities = tp.judged_digits(generator, samples)
    reading = tp.clarity_of(probabilities)
    if pretrained.GENERATORS[NAME][1].get("codes"):
        purity = tp.code_reading(z, probabilities.argmax(axis=1), generator)["code_purity"]
        reading["code_purity"] = round(float(purity), 4)
    return reading


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work_dir", type=Path, help="train_pretrained's --work-dir")
    parser.add_argument("--steps", type=int, required=True, help="the run's total --steps")
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--lr-decay-start", type=float, default=1.0)
    parser.add_argument("--d-dropout", type=float, default=0.3)
    parser.add_argument("--ema-decay", type=float, default=0.999)
    parser.add_argument("--info-weight", type=float, default=1.0,
                        help="the run's --info-weight (a generator with InfoGAN's code)")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=tp.SEED, help="the run's --seed")
    args = parser.parse_args(argv)
    source = args.work_dir / NAME
    if not source.is_dir():
        parser.error(f"{source}: no {NAME} run there (expected train_pretrained's --work-dir)")
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / NAME
        shutil.copytree(source, copy)
        trainer = restored_trainer(copy, args)
        result = {"step": trainer.step,
                  "seconds": round(trainer.history["seconds"][-1]) if trainer.history["seconds"]
                  else 0,
                  "ema": clarity(trainer.sampling_generator, args.samples),
                  "raw": clarity(trainer.generator, args.samples)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
