"""Train the shipped frog generator (notebook 08's recipe) and write its model card.

The notebook follows Deep Learning with Python's GAN on CIFAR-10 frogs; on a CPU the
learner trains a slim copy for minutes. This script trains the same recipe for longer, so
that the notebook can show what it reaches:

- data: the 5,000 frogs of CIFAR-10's training split (the 1,000 test frogs are kept out,
  for the memorisation check), read by ``gan_utils.data.load_images``;
- networks: ``models.frog_generator`` (64 filters, as ``pretrained.GENERATORS`` lists it)
  and ``models.frog_discriminator`` at the book's width (``--d-filters``, default 128: a
  narrower D could not tell G's textures from frogs);
- training: ``gan_utils.train.GANTrainer``, non-saturating loss with the book's label
  noise, Adam(2e-4, beta_1=0.5), batch 32, z of size 32; a sample grid, the weight average
  (what ships) and checkpoints (``gan_utils.recipes.shipping_callbacks``).

The saved generator (float16 weights) is reloaded as users load it and scored with the
course's CIFAR-10 classifier: FID beside real-vs-real and the untrained generator, the
share of samples read as "frog", and a nearest-neighbour memorisation check. Run from the
repository root::

    python scripts/assets/train_frog_generator.py --max-minutes 60

Checkpoints go to ``--work-dir``/cifar10_frog, so a rerun resumes (``--skip-training``
only scores and rewrites the card). A smoke run::

    python scripts/assets/train_frog_generator.py --steps 20 \
        --eval-samples 200 --work-dir /tmp/frog_smoke --output-dir /tmp/frog_smoke/out
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
from pathlib import Path

import numpy as np

from gan_utils import data, losses, metrics, models, pretrained, runtime, train, viz
from gan_utils.recipes import shipping_callbacks, train_within_budget

NAME = "cifar10_frog"
SEED = 2026
LATENT_DIM = pretrained.GENERATORS[NAME][1]["latent_dim"]
G_FILTERS = pretrained.GENERATORS[NAME][1]["filters"]
FROG = data.class_names("cifar10").index("frog")
ASSETS_DIR = Path(models.__file__).resolve().parent / "assets"


def load_frogs() -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10's 5,000 training frogs and 1,000 test frogs, uint8 (N, 32, 32, 3)."""
    train_frogs, _ = data.load_images("cifar10", "train", classes="frog")
    test_frogs, _ = data.load_images("cifar10", "test", classes="frog")
    return train_frogs, test_frogs


def train_generator(args, train_frogs: np.ndarray) -> tuple[train.GANTrainer, dict]:
    """Train (or resume) until ``--steps`` or ``--max-minutes``; return the trainer and facts."""
    precision = runtime.use_precision(args.precision or runtime.mixed_precision_policy())
    runtime.seed_everything(SEED)
    generator = models.frog_generator(LATENT_DIM, G_FILTERS)
    discriminator = models.frog_discriminator(args.d_filters)
    dataset = data.as_dataset(train_frogs, args.batch_size, seed=SEED)
    callbacks = shipping_callbacks(Path(args.work_dir) / NAME, args.ema_decay,
                                   train.SampleGrid(every=500, num_samples=64))
    trainer = train.GANTrainer(
        generator, discriminator, latent_dim=LATENT_DIM,
        loss=losses.GANLoss(label_noise=0.05), callbacks=callbacks,
        steps_per_execution=10, seed=SEED)
    train_within_budget(trainer, dataset, args.steps, args.max_minutes, NAME)
    seconds = trainer.history["seconds"][-1] if trainer.history["seconds"] else 0
    info = {"steps": trainer.step, "batch_size": args.batch_size, "precision": precision,
            "d_filters": args.d_filters, "ema_decay": args.ema_decay or None,
            "epochs": round(trainer.step * args.batch_size / len(train_frogs), 1),
            "train_seconds": round(seconds), "cpu": str(runtime.accelerator()),
            "date": datetime.date.today().isoformat()}
    return trainer, info


def nearest_distances(queries: np.ndarray, references: np.ndarray) -> np.ndarray:
    """Euclidean distance from each query image to its nearest reference image (pixels in
    [-1, 1]), computed in chunks as sqrt(|q|^2 - 2 q.r + |r|^2)."""
    q = metrics.to_signed_images(queries).reshape(len(queries), -1).astype(np.float64)
    r = metrics.to_signed_images(references).reshape(len(references), -1).astype(np.float64)
    r_norms = (r ** 2).sum(axis=1)
    nearest = np.empty(len(q))
    for start in range(0, len(q), 500):
        chunk = q[start:start + 500]
        squared = (chunk ** 2).sum(axis=1)[:, None] - 2.0 * chunk @ r.T + r_norms[None, :]
        nearest[start:start + 500] = np.sqrt(np.maximum(squared.min(axis=1), 0.0))
    return nearest


def frog_reading(images: np.ndarray) -> dict:
    """How the course's CIFAR-10 classifier reads ``images`` as frogs: the share whose most
    probable class is "frog", the share with p(frog) > 0.5, and the mean p(frog).

    The first alone misleads: the classifier's most probable class for flat grey images
    (an untrained generator's) and for uniform noise is "frog", at p(frog) near 1/3 for
    grey. The share above 0.5 asks for a frog the classifier is sure of."""
    probabilities = metrics.classify(images, dataset="cifar10")
    p_frog = probabilities[:, FROG]
    return {"top": float(np.mean(probabilities.argmax(axis=1) == FROG)),
            "above_half": float(np.mean(p_frog > 0.5)),
            "mean": float(p_frog.mean())}


def evaluate(path: Path, train_frogs: np.ndarray, test_frogs: np.ndarray, samples: int,
             figure_dir: Path) -> dict:
    """Score the saved generator, loaded as users load it, against the untrained one."""
    shipped = pretrained.load(NAME, path)
    runtime.seed_everything(SEED)
    untrained = models.frog_generator(LATENT_DIM, G_FILTERS)
    z = np.random.default_rng(SEED).standard_normal((samples, LATENT_DIM)).astype(np.float32)
    fakes = np.asarray(shipped.predict(z, batch_size=250, verbose=0))
    blobs = np.asarray(untrained.predict(z, batch_size=250, verbose=0))
    real = np.random.default_rng(SEED).permutation(train_frogs)[:2 * samples]
    report = metrics.evaluate_generator(fakes, real, features="cifar10", kid_subsets=20)
    untrained_fid = metrics.fid_against(blobs, real, features="cifar10")
    # Memorisation: nearest training frog of each sample, beside the same for the test
    # frogs, which the generator never saw. And, since a blurry sample sits close to many
    # photos without copying any, the sample's nearest frog among 1,000 training frogs
    # beside its nearest among the 1,000 test frogs: a copying generator is much closer
    # to the first; one that learned frogs in general is as close to both.
    count = min(1000, samples, len(test_frogs))
    fake_nn = nearest_distances(fakes[:count], train_frogs)
    test_nn = nearest_distances(test_frogs[:count], train_frogs)
    some_train = np.random.default_rng(SEED + 1).permutation(train_frogs)[:len(test_frogs)]
    fake_to_train = nearest_distances(fakes[:count], some_train)
    fake_to_test = nearest_distances(fakes[:count], test_frogs)
    scores = {"fid": report.fid.value, "fid_real_vs_real": report.fid.real_vs_real,
              "fid_real_vs_noise": report.fid.real_vs_noise, "fid_untrained": untrained_fid,
              "samples": samples, "frog": frog_reading(fakes),
              "frog_test": frog_reading(test_frogs), "frog_untrained": frog_reading(blobs),
              "frog_noise": frog_reading(np.random.default_rng(SEED).uniform(
                  -1, 1, fakes.shape).astype(np.float32)),
              "nn_fake_median": float(np.median(fake_nn)),
              "nn_fake_p01": float(np.percentile(fake_nn, 1)),
              "nn_test_median": float(np.median(test_nn)),
              "nn_test_p01": float(np.percentile(test_nn, 1)),
              "nn_samples": int(count),
              "closer_to_train_share": float(np.mean(fake_to_train < fake_to_test)),
              "train_over_test_median": float(np.median(fake_to_train / fake_to_test))}
    # copying shows as most samples nearer a training frog than any test frog, by a margin
    scores["memorised"] = bool(scores["closer_to_train_share"] > 0.6
                               and scores["train_over_test_median"] < 0.9)
    print(report, json.dumps(scores, indent=1), sep="\n")
    figure_dir.mkdir(parents=True, exist_ok=True)
    fig = viz.show_images(fakes[:64], ncols=8, title="shipped frog generator")
    fig.savefig(figure_dir / f"{NAME}_samples.png", dpi=100)
    return scores


def model_card(info: dict, scores: dict, path: Path, command: str) -> str:
    """The Markdown model card: what, trained how, on what, how good, how to rebuild."""
    rows = "\n".join(
        f"| {label} | {scores[key]['top']:.1%} | {scores[key]['above_half']:.1%} | "
        f"{scores[key]['mean']:.3f} |"
        for label, key in (("samples of the shipped generator", "frog"),
                           ("real test frogs", "frog_test"),
                           ("untrained generator", "frog_untrained"),
                           ("uniform noise", "frog_noise")))
    median = ("the samples are **closer**" if scores["nn_fake_median"] < scores["nn_test_median"]
              else "no closer")
    p01 = ("the closest samples are **closer** than the closest test frogs"
           if scores["nn_fake_p01"] < scores["nn_test_p01"] else
           "the closest samples are no closer than the closest test frogs: no near-copies")
    verdict = ("**looks copied**: most samples are nearer a training frog than any test frog"
               if scores["memorised"] else
               "no copying shows; the samples are about as near the test frogs, which the "
               "generator never saw, as the training frogs")
    decay = info.get("ema_decay")
    weights = (f"the running average of the generator's weights (`ema_decay={decay}`)"
               if decay else "the generator's weights after the last step")
    seconds = info["train_seconds"]
    duration = f"{seconds / 60:.0f} minutes" if seconds >= 120 else f"{seconds} s"
    return f"""# Model card: `{NAME}` (shipped generator)

## What it is

A generator of 32x32 colour frogs, trained as a GAN on CIFAR-10's frogs with the recipe of
notebook 08, Part A (Deep Learning with Python, 1st edition, section 8.5).
`gan_utils.pretrained.generator("{NAME}")` loads it: z (N, {LATENT_DIM}) from N(0, I) ->
(N, 32, 32, 3) in [-1, 1], a float32 Keras model.

- **Architecture:** `gan_utils.models.frog_generator(latent_dim={LATENT_DIM},
  filters={G_FILTERS})`, the book's generator at a quarter of its width ({G_FILTERS} filters;
  the book uses 256).
- **File:** `gan_utils/assets/{path.name}`, float16 weights ({path.stat().st_size / 1e6:.2f} MB).
- **Weights:** {weights}.

## Intended use

Teaching: notebook 08 compares a learner's short run with it, and it shows what the
recipe draws with more training. It is not a research baseline.

## Data

The 5,000 frogs of CIFAR-10's training split, scaled to [-1, 1]. The 1,000 test frogs are
held out (they serve the memorisation check below).

## Training

Notebook 08's recipe: `gan_utils.train.GANTrainer`, non-saturating loss with the book's
label noise (`losses.GANLoss(label_noise=0.05)`), Adam(2e-4, beta_1=0.5) for both
networks, discriminator `models.frog_discriminator(filters={info['d_filters']})` (the book's
width) with dropout 0.4, batch {info['batch_size']}, **{info['steps']} steps**
({info['epochs']} epochs), precision {info['precision']}, seed {SEED}; **{duration}** of
training on a 2-core CPU.

## Evaluation

Scores from `gan_utils.metrics` with the course's CIFAR-10 classifier.
{scores['samples']:,} samples; FID against {scores['samples']:,} training frogs (half of
{2 * scores['samples']:,} drawn at random; the other half gives real vs real at the same
size); the same noise through the untrained generator gives its FID.
These are CIFAR-10-classifier FIDs (see `CIFAR10_CLASSIFIER.md`), comparable within the
course only.

| score | value |
|---|---|
| FID, shipped generator (lower is better) | {scores['fid']:.2f} |
| FID, untrained generator | {scores['fid_untrained']:.2f} |
| FID, real vs real | {scores['fid_real_vs_real']:.2f} |
| FID, real vs uniform noise | {scores['fid_real_vs_noise']:.2f} |

How the classifier reads them as frogs: the share whose most probable class is "frog", the
share it is sure of (p(frog) > 0.5) and the mean p(frog). The top class alone misleads:
for the untrained generator's flat grey images it is "frog", at p(frog) near 1/3, which
the middle column sets apart. But uniform noise reads as a sure frog too (the classifier
was only ever shown photos), so no column here tells frog-coloured texture from frogs:
the FID above and the sample grid are the better judges.

| images | calls "frog" (top class) | p(frog) > 0.5 | mean p(frog) |
|---|---|---|---|
{rows}

**Memorisation check.** The pixel distance (images in [-1, 1]) from each of
{scores['nn_samples']:,} samples to its nearest of the 5,000 training frogs, beside the same for
{scores['nn_samples']:,} real test frogs, which the generator never saw: median
{scores['nn_fake_median']:.1f} vs {scores['nn_test_median']:.1f} ({median}), 1st percentile
{scores['nn_fake_p01']:.1f} vs {scores['nn_test_p01']:.1f} ({p01}). A smooth, blurry sample
sits near many photos without copying any, so a second test asks where each sample's
nearest frog is: among 1,000 training frogs or among the 1,000 test frogs.
{scores['closer_to_train_share']:.0%} of the samples are nearer a
training frog (50% is what a generator that never saw the training frogs would give), and
the median ratio of the two distances is {scores['train_over_test_median']:.2f}. Verdict: {verdict}.

## Limitations

A slim copy of the book's network, trained for {duration} on a 2-core CPU: frogs as
blurred as CIFAR-10's 32x32 photos, on grass, stone and pale backgrounds, many with
malformed bodies. The classifier-based scores above share the classifier's blind spots.

## How to rebuild / measured

    {command}

Trained on {platform.machine()} CPU ({info['cpu']}), {info['date']}.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--max-minutes", type=float, default=0,
                        help="stop training early after this many minutes")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--d-filters", type=int, default=128)
    parser.add_argument("--ema-decay", type=float, default=0.999,
                        help="ship the running average of G's weights with this decay "
                             "(0: the last step's weights)")
    parser.add_argument("--precision", default=None,
                        help="float32 / mixed_bfloat16 / mixed_float16 (default: from hardware)")
    parser.add_argument("--work-dir", default="/tmp/gan_course_frogs",
                        help="checkpoints, so that a rerun resumes")
    parser.add_argument("--output-dir", type=Path, default=ASSETS_DIR)
    parser.add_argument("--eval-samples", type=int, default=2_500)
    parser.add_argument("--skip-training", action="store_true",
                        help="only score the saved generator and rewrite the model card")
    args = parser.parse_args()
    train_frogs, test_frogs = load_frogs()
    path = Path(args.output_dir) / pretrained.file_path(NAME).name
    info_file = Path(args.work_dir) / f"{NAME}_info.json"
    if not args.skip_training:
        trainer, info = train_generator(args, train_frogs)
        path.parent.mkdir(parents=True, exist_ok=True)
        pretrained.save(trainer.sampling_generator, NAME, path)
        info["command"] = ("python scripts/assets/train_frog_generator.py "
                           + " ".join(sys.argv[1:]))
        info_file.write_text(json.dumps(info))
    info = json.loads(info_file.read_text())
    scores = evaluate(path, train_frogs, test_frogs, args.eval_samples,
                      Path(args.work_dir) / "figures")
    (Path(args.work_dir) / f"{NAME}_scores.json").write_text(json.dumps(scores, indent=1))
    card = model_card(info, scores, path, info["command"])
    (path.parent / f"{NAME.upper()}_MODEL_CARD.md").write_text(card)
    print(card)
    return 0


if __name__ == "__main__":
    sys.exit(main())
