"""Train the MNIST generators shipped with the course and write their model cards.

Three generators, all on the full MNIST training set (60,000 digits, read through
``gan_utils.data.load_images``):

- ``dcgan_mnist``: the DCGAN notebook's plain generator (``models.dcgan_mnist_generator``),
  trained with the course's plain step;
- ``infogan_mnist``: the same generator behind InfoGAN's code (20 values)
  (``models.info_dcgan_mnist_generator``), trained with InfoGAN's term
  (``gan_utils.train.infogan``; ``--info-weight`` is its lambda);
- ``cgan_mnist``: notebook 10's conditional generator (``models.cgan_mnist_generator``).

The architectures are ``pretrained.GENERATORS``'s. Each is trained with the course's
engine (``gan_utils.train.GANTrainer``, Adam 2e-4 / beta_1 0.5, bfloat16 mixed precision
where the CPU has it), then its weights alone are
saved in float16 (half the bytes) to ``gan_utils/assets/<name>_generator.weights.npz``
(``gan_utils.weights``: the architecture is rebuilt from code, so any Keras 3 loads it),
reloaded as users load it and scored with
``gan_utils.metrics`` (FID and classifier score against the 10,000 test digits; for the
conditional one also how often the classifier reads the digit that was asked for), and
described in ``gan_utils/assets/<NAME>_MODEL_CARD.md``. Run from the repository root::

    nice -n 10 python scripts/assets/train_mnist_generators.py

Training is resumable: checkpoints go to ``--work-dir``, so a rerun continues. With
``--max-minutes`` a run stops early on a time budget; the card records the steps taken.
``--output-dir`` writes the files elsewhere than the shipped assets, for example in a
smoke run::

    python scripts/assets/train_mnist_generators.py --steps 20 \
        --batch-size 16 --eval-samples 500 --work-dir /tmp/smoke --output-dir /tmp/smoke/out
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from gan_utils import data, metrics, models, pretrained, runtime, train, viz
from gan_utils.recipes import (
    EVAL_SAMPLES,
    LATENT_DIM,
    SEED,
    build_pair,
    code_reading,
    evaluation_latents,
    make_trainer,
    run_callbacks,
    score_digits,
    train_within_budget,
)
from gan_utils.train import infogan

#: The MNIST generators; the frogs: train_frog_generator.py.
NAMES = ("dcgan_mnist", "infogan_mnist", "cgan_mnist")
ASSETS_DIR = Path(models.__file__).resolve().parent / "assets"
ACCURACY_SAMPLES = 1_000   # conditional generator: digits asked for and read back


def train_one(name: str, args) -> tuple[train.GANTrainer, dict]:
    """Train (or resume) ``name`` until ``args.steps`` or ``args.max_minutes``."""
    images, labels = data.load_images("mnist", "train")
    conditional = name == "cgan_mnist"
    seed = getattr(args, "seed", SEED)   # training only: the scores' latents keep SEED
    dataset = data.as_dataset(images, args.batch_size, labels=labels if conditional else None,
                              seed=seed)
    precision = runtime.use_precision(args.precision or runtime.mixed_precision_policy())
    runtime.seed_everything(seed)
    generator, discriminator = build_pair(name, args.d_dropout)
    callbacks = run_callbacks(args, Path(args.work_dir) / name)
    trainer = make_trainer(
        generator, discriminator, args.info_weight, lr=args.lr, latent_dim=LATENT_DIM,
        num_classes=10 if conditional else None, callbacks=callbacks,
        jit_compile=args.jit_compile, steps_per_execution=10, seed=seed)
    train_within_budget(trainer, dataset, args.steps, args.max_minutes, name)
    info = {"steps": trainer.step, "batch_size": args.batch_size, "precision": precision,
            "lr": args.lr, "lr_decay_start": args.lr_decay_start, "d_dropout": args.d_dropout,
            "info_weight": getattr(trainer.extra_loss, "weight", None),   # InfoGAN's only
            "seed": seed,
            "cpu": str(runtime.accelerator()),
            "ema_decay": args.ema_decay or None,
            "epochs": round(trainer.step / trainer.steps_per_epoch(dataset), 2),
            "train_seconds": round(trainer.history["seconds"][-1]) if trainer.history["seconds"]
            else 0}
    return trainer, info


def finish_code_prior(trainer: train.GANTrainer, args) -> dict:
    """After training, for a generator with InfoGAN's code: set the shipped generator's
    spread (``--spread``: z_1.. scaled by it, a lower-temperature prior) and then let the
    discriminator set the code values' probabilities (``--code-weight-rounds``,
    ``gan_utils.train.infogan.fit_code_probabilities``). Returns what the model card reports
    (nothing without a
    code)."""
    generator = trainer.sampling_generator
    if not any(layer.name == "code_prior" for layer in generator.layers):
        return {}
    generator.get_layer("code_prior").spread.assign(args.spread)
    history, start = [], time.monotonic()
    if args.code_weight_rounds:
        images, _ = data.load_images("mnist", "train")
        real = iter(data.as_dataset(images, args.batch_size, seed=args.seed).repeat())
        history = infogan.fit_code_probabilities(
            generator, trainer.discriminator, real, args.code_weight_rounds,
            steps=args.code_weight_steps, seed=args.seed)
    return {"spread": args.spread, "code_weight_rounds": args.code_weight_rounds,
            "code_weight_steps": args.code_weight_steps, "code_weights": history,
            "code_weight_seconds": round(time.monotonic() - start),
            "code_probabilities": models.code_probabilities(generator).round(6).tolist()}


def output_path(name: str, output_dir: Path) -> Path:
    """Where ``name``'s weights go: ``output_dir`` / <name>_generator.weights.npz."""
    return Path(output_dir) / pretrained.file_path(name).name


def export(name: str, trainer: train.GANTrainer, output_dir: Path) -> Path:
    """Save the generator's weights in float16 to <output_dir>/<name>_generator.weights.npz.

    With a weight average (``--ema-decay``) the average is saved: it is what the
    trainer's samples came from, and it draws steadier digits than the last step's weights.
    """
    return pretrained.save(trainer.sampling_generator, name,
                                            output_path(name, output_dir))


def evaluate(name: str, path: Path, figure_dir: Path, samples: int = EVAL_SAMPLES) -> dict:
    """Score the *saved* generator, loaded as users load it, with gan_utils.metrics.

    The course's MNIST classifier judges how clear the digits are (its confidence on
    the samples beside its confidence on the 10,000 real test digits) and which digits
    they are; FID compares the samples with as many training digits, beside real-vs-real.
    """
    generator = pretrained.load(name, path)
    z = evaluation_latents(samples)
    asked = np.arange(samples) % 10
    inputs = [z, asked.astype(np.int32)] if name == "cgan_mnist" else z
    fakes = np.asarray(generator.predict(inputs, batch_size=500, verbose=0))
    scores = score_digits(fakes)
    if pretrained.GENERATORS[name][1].get("codes"):
        scores.update(code_reading(z, metrics.classify(fakes).argmax(axis=1), generator))
    if name == "cgan_mnist":
        count = min(ACCURACY_SAMPLES, samples)
        read = metrics.classify(fakes[:count], labels=True)
        scores["accuracy_as_asked"] = float(np.mean(read == asked[:count]))
        scores["accuracy_samples"] = count
    grid = fakes[:100][np.argsort(asked[:100], kind="stable")] if name == "cgan_mnist" \
        else fakes[:100]
    fig = viz.show_images(grid, ncols=10, title=f"{name}: shipped generator")
    figure_dir.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure_dir / f"{name}_samples.png", dpi=100)
    return scores


def model_card(name: str, info: dict, scores: dict, path: Path, command: str) -> str:
    """The Markdown model card: what, trained how, on what, how good, how to rebuild."""
    builder_name, builder_args = pretrained.GENERATORS[name]
    args = ", ".join(f"{k}={v}" for k, v in builder_args.items())
    inputs = " (conditional: inputs [z, label])" if name == "cgan_mnist" else ""
    megabytes = path.stat().st_size / 1e6
    decay = info.get("ema_decay")
    weights = (f"the running average of the generator's weights (`ema_decay={decay}`, as in "
               "notebook 06), which draws steadier digits than the last step's weights"
               if decay else "the generator's weights after the last step")
    decay_start = info.get("lr_decay_start", 1.0)
    schedule = (f" (constant for the first {decay_start:.0%} of the steps, then falling "
                "linearly to 0)" if decay_start < 1.0 else "")
    shares = ", ".join(f"{share:.1%}" for share in scores["class_shares"])
    info_weight = info.get("info_weight")
    engine = ("`gan_utils.train.GANTrainer` with `extra_loss=gan_utils.train.infogan.InfoLoss` "
              "(the engine's alternating step with "
              f"InfoGAN's term: both losses gain {info_weight:g} x the cross-entropy of Q's "
              "guess at the code, Q a small head on D's body)" if info_weight
              else "`gan_utils.train.GANTrainer`")
    code = code_section(builder_args, scores, info)
    accuracy = ""
    if "accuracy_as_asked" in scores:
        accuracy = (f"| digit read as asked (course classifier, "
                    f"{scores['accuracy_samples']} samples, labels 0-9 cycling) | "
                    f"{scores['accuracy_as_asked']:.3f} |\n")
    return f"""# Model card: `{name}` (shipped generator)

Load it with `gan_utils.pretrained.generator("{name}")` (a float32 Keras model).

- **Architecture:** `gan_utils.models.{builder_name}({args})`{inputs}.
- **File:** `gan_utils/assets/{path.name}`, float16 weights ({megabytes:.2f} MB); the
  architecture is rebuilt by the builder above, so every Keras 3 loads it.
- **Data:** MNIST training set, all 60,000 digits, scaled to [-1, 1].
- **Training:** {engine}, non-saturating loss, Adam({info.get('lr', 2e-4)},
  beta_1=0.5) for both networks{schedule}, discriminator dropout {info.get('d_dropout', 0.3)},
  batch {info['batch_size']}, **{info['steps']} steps** ({info['epochs']} epochs),
  precision {info['precision']}, seed {info.get('seed', SEED)};
  {info['train_seconds']} s of training on
  {platform.machine()} CPU ({info.get('cpu') or runtime.accelerator()}).
- **Weights:** {weights}.
- **Built:** {datetime.date.today().isoformat()} with
  `{command}`

## Scores (gan_utils.metrics, the course's MNIST classifier)

{scores['fake_samples']:,} generated digits. **How clear:** the classifier's top-class
probability, on the samples and on the 10,000 real test digits. **FID:** against
{scores['fake_samples']:,} training digits (half of {scores['real_samples']:,} drawn at random;
the other half gives real vs real at the same sample size). These are MNIST-classifier
FIDs: comparable within the course, not with published InceptionV3 FIDs.

| score | generated | real digits |
|---|---|---|
| mean top-class probability | {scores['mean_top']:.4f} | {scores['real_mean_top']:.4f} |
| share above {scores['threshold']} | {scores['share_above']:.1%} | \
{scores['real_share_above']:.1%} |

Digits drawn (the classifier's reading, 0 to 9): {shares}.

| score | value |
|---|---|
| FID (lower is better) | {scores['fid']:.2f} |
| FID real vs real (best reachable at this size) | {scores['fid_real_vs_real']:.2f} |
| FID real vs noise | {scores['fid_real_vs_noise']:.2f} |
| classifier score (1 to 10, higher is better) | {scores['classifier_score']:.2f} |
| classifier score of real digits | {scores['classifier_score_real']:.2f} |
{accuracy}{code}
## Limits

Trained for minutes on a 2-core CPU, for teaching (latent-space walks, conditional
generation), not for research. The classifier score beside real digits' says how far the
samples are from real ones: the unconditional generator draws many malformed or ambiguous
digits; told which digit to draw, the conditional one rarely does.
"""


def code_section(builder_args: dict, scores: dict, info: dict | None = None) -> str:
    """The card's section on InfoGAN's code (empty for a generator without one), with what
    was set after training (``finish_code_prior``)."""
    codes = builder_args.get("codes")
    if not codes or "code_purity" not in scores:
        return ""
    info = info or {}
    digits = ", ".join(f"{value}: {digit}" for value, digit in
                       enumerate(scores["digit_of_code"]))
    return f"""
## The code in z

z's first number is not a coordinate like the others: it picks one of {codes} code values,
c = floor({codes} * Phi(z_0)) in training (Phi the standard normal CDF, so each value is
equally likely; `gan_utils.models.latent_code(z, generator)`), and the generator's layers see
the other {builder_args["latent_dim"] - 1} numbers and one_hot(c) (InfoGAN, Chen et al. 2016).
No label was used in training: Q, a head on the discriminator, learned to read c back from
the image, and G to draw images from which it can. Each code value's commonest digit
(classifier's reading, code: digit): {digits}. Share of digits that are their code's
commonest (purity): {scores["code_purity"]:.2f}. Notebook 09 shows it.
{after_training_section(codes, info)}"""


def after_training_section(codes: int, info: dict) -> str:
    """What ``finish_code_prior`` set: the spread and the code values' probabilities."""
    spread, rounds = info.get("spread", 1.0), info.get("code_weight_rounds", 0)
    if spread == 1.0 and not rounds:
        return ""
    lines = ["", "**Set after training** (the layer `code_prior` holds both; they travel in "
             "the weights file):", ""]
    if spread != 1.0:
        lines.append(f"- **spread {spread:g}**: the layers see {spread:g} x z_1.. (a "
                     "lower-temperature prior: a little variety traded for clearer digits).")
    if rounds:
        scaled = ", ".join(f"{p * codes:.2f}" for p in info["code_probabilities"])
        lines.append(
            f"- **code probabilities** (x {codes}; 1 is training's): {scaled}. Set by "
            f"`gan_utils/train/infogan.py`, {rounds} rounds of {info['code_weight_steps']} steps: "
            "the GAN's discriminator, trained on against the finished generator, weighs each "
            "code value's images by exp(logit) = D / (1 - D), an estimate of p_data / p_G, and "
            "round r multiplies each value's probability by its mean weight to the power 1/r. "
            "c is then the interval Phi(z_0) falls in when [0, 1] is cut in these "
            f"probabilities. No label is used. {info.get('code_weight_seconds', 0)} s on the "
            "machine above.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=NAMES, action="append",
                        help="train only this generator (repeatable); default: all")
    parser.add_argument("--steps", type=int, default=2500, help="total steps per generator")
    parser.add_argument("--max-minutes", type=float, default=0,
                        help="stop a generator's training early after this many minutes")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-4, help="Adam's learning rate (both)")
    parser.add_argument("--lr-decay-start", type=float, default=1.0,
                        help="fraction of --steps after which the rate falls linearly to 0 "
                             "(1: constant)")
    parser.add_argument("--d-dropout", type=float, default=0.3,
                        help="the discriminator's dropout rate")
    parser.add_argument("--info-weight", type=float, default=1.0,
                        help="InfoGAN's lambda, the weight of the code's cross-entropy in both "
                             "losses (generators with a code: infogan_mnist)")
    parser.add_argument("--precision", default=None,
                        help="float32 / mixed_bfloat16 / mixed_float16 (default: from hardware)")
    parser.add_argument("--ema-decay", type=float, default=0.999,
                        help="ship the running average of G's weights with this decay "
                             "(0: the last step's weights)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help="the training's seed (weights, noise, data order); scores keep "
                             f"{SEED}")
    parser.add_argument("--spread", type=float, default=1.0,
                        help="after training, scale z_1.. of a generator with a code by this "
                             "(a lower-temperature prior; 1: none)")
    parser.add_argument("--code-weight-rounds", type=int, default=0,
                        help="after training, rounds of infogan.fit_code_probabilities: the "
                             "discriminator sets how likely each code value is (0: equal)")
    parser.add_argument("--code-weight-steps", type=int, default=2000,
                        help="discriminator steps per round of --code-weight-rounds")
    parser.add_argument("--jit-compile", action="store_true", help="compile the step with XLA")
    parser.add_argument("--work-dir", default="/tmp/gan_course_pretrained",
                        help="checkpoints, so that a rerun resumes")
    parser.add_argument("--skip-training", action="store_true",
                        help="only score the saved generators and rewrite the model cards")
    parser.add_argument("--output-dir", type=Path, default=ASSETS_DIR,
                        help="where the weights files and model cards go (default: "
                             f"{ASSETS_DIR.relative_to(ASSETS_DIR.parents[1])}, the shipped "
                             "assets)")
    parser.add_argument("--eval-samples", type=int, default=EVAL_SAMPLES,
                        help="generated digits scored for the model card")
    args = parser.parse_args(argv)
    if not 0.0 < args.spread <= 1.0:
        parser.error(f"--spread={args.spread}: expected a factor in (0, 1]")
    command = "python scripts/assets/train_mnist_generators.py " + \
        " ".join(sys.argv[1:] if argv is None else argv)
    figure_dir = Path(args.work_dir) / "figures"
    for name in args.only or NAMES:
        info_file = Path(args.work_dir) / f"{name}_info.json"
        if not args.skip_training:
            trainer, info = train_one(name, args)
            info.update(finish_code_prior(trainer, args))
            export(name, trainer, args.output_dir)
            info["command"] = command
            info_file.write_text(json.dumps(info))
        info = json.loads(info_file.read_text())
        path = output_path(name, args.output_dir)
        scores = evaluate(name, path, figure_dir, args.eval_samples)
        card = model_card(name, info, scores, path, info["command"])
        (path.parent / f"{name.upper()}_MODEL_CARD.md").write_text(card)
        print(card)
    total = sum(output_path(n, args.output_dir).stat().st_size for n in NAMES
                if output_path(n, args.output_dir).exists())
    print(f"shipped generators: {total / 1e6:.2f} MB together")
    return 0


if __name__ == "__main__":
    sys.exit(main())
