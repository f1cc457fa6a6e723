"""The shipped MNIST generators' recipe: how they are built, trained and scored.

``scripts/assets/train_mnist_generators.py`` (the shipped files and their model cards) and
the research trials (``research/mnist_recipes``) share these pieces: the (G, D) pair of a
registered generator, the engine with InfoGAN's term where the generator has a code, the
callbacks a shipped run keeps (sample grid, weight average, checkpoints), a loop on a time
budget, and the model card's scores on fixed latents.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from gan_utils import data, metrics, models, pretrained, train
from gan_utils.train import infogan

LATENT_DIM = 100
SEED = 2026                # the scores' latents and the default training seed
EVAL_SAMPLES = 10_000      # generated digits a model card scores


def build_pair(name: str, d_dropout: float = 0.3):
    """A fresh (generator, discriminator) pair for ``name``, under the global policy: the
    generator is the shipped one's builder (``pretrained.GENERATORS``); an InfoGAN
    generator gets the discriminator with Q's head."""
    builder_name, builder_args = pretrained.GENERATORS[name]
    generator = getattr(models, builder_name)(**builder_args)
    if name == "cgan_mnist":
        return generator, models.cgan_mnist_discriminator(num_classes=10, dropout=d_dropout)
    if "codes" in builder_args:
        return generator, models.info_dcgan_mnist_discriminator(builder_args["codes"],
                                                                dropout=d_dropout)
    return generator, models.dcgan_mnist_discriminator(dropout=d_dropout)


def make_trainer(generator, discriminator, info_weight: float = 1.0, *, lr: float = 2e-4,
                 **engine_args) -> train.GANTrainer:
    """The engine with DCGAN's Adam(lr, beta_1=0.5) for both networks; for a discriminator
    with Q's head (two outputs), InfoGAN's term with weight ``info_weight``."""
    import keras

    extra = (infogan.InfoLoss(generator, info_weight)
             if isinstance(discriminator.output, list) else None)
    return train.GANTrainer(generator, discriminator,
                            g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
                            d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
                            extra_loss=extra, **engine_args)


def run_callbacks(args, checkpoint_dir: Path) -> list[train.Callback]:
    """An MNIST run's callbacks: the rate's schedule and the shipped run's (a 100-sample
    grid every 100 steps, the weight average, checkpoints)."""
    return [train.LinearDecay(args.lr, args.steps, args.lr_decay_start),
            *shipping_callbacks(checkpoint_dir, args.ema_decay,
                                train.SampleGrid(every=100, num_samples=100))]


def shipping_callbacks(checkpoint_dir: Path, ema_decay: float, grid: train.SampleGrid
                       ) -> list[train.Callback]:
    """The sample grid, the weight average of G that is shipped (none if ``ema_decay`` is
    0) and a checkpoint every 2 minutes, so that a killed run resumes."""
    averaging = [train.WeightAverage(ema_decay)] if ema_decay else []
    return [grid, *averaging, train.Checkpoint(checkpoint_dir, every_seconds=120)]


def train_within_budget(trainer: train.GANTrainer, dataset, steps: int, max_minutes: float,
                        name: str) -> None:
    """Train to ``steps`` in chunks of 100, printing the losses after each, stopping early
    after ``max_minutes`` (0: no limit); then save, so that the same command resumes. A run
    restored from its checkpoint counts its steps so far."""
    trainer.restore()
    start = time.monotonic()
    while trainer.step < steps:
        if max_minutes and time.monotonic() - start > 60 * max_minutes:
            print(f"{name}: time budget reached at step {trainer.step}", flush=True)
            break
        trainer.fit_more(dataset, min(100, steps - trainer.step), progress=False)
        h = trainer.history
        print(f"{name} step {trainer.step}: d_loss {h['d_loss'][-1]:.3f} g_loss "
              f"{h['g_loss'][-1]:.3f} D(x) {h['d_real'][-1]:.2f} D(G(z)) {h['d_fake'][-1]:.2f} "
              f"[{h['seconds'][-1]:.0f} s]", flush=True)
    trainer.save()


def code_reading(z: np.ndarray, classes: np.ndarray, generator) -> dict:
    """For a generator with InfoGAN's code: which digit each code value mostly draws
    (``classes``, the course classifier's reading of the digits ``generator`` drew from
    ``z``) and the share of digits that are their code's digit. The code values are the
    generator's own (``models.latent_code(z, generator)``: its code probabilities)."""
    codes = generator.get_layer("code_prior").codes
    reading = infogan.code_purity(models.latent_code(z, generator), classes, codes)
    return {"code_purity": reading["purity"], "digit_of_code": reading["digit_of_code"]}


def judged_digits(generator, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The judge's latent vectors (``samples`` of seed 1) and the course classifier's
    class probabilities for the digits the generator draws from them."""
    z = np.random.default_rng(1).standard_normal((samples, LATENT_DIM)).astype("float32")
    fakes = np.asarray(generator.predict(z, batch_size=500, verbose=0), dtype="float32")
    return z, metrics.classify(fakes)


def clarity_of(probabilities: np.ndarray) -> dict:
    """Mean top-class probability, share above 0.9, rarest and commonest class, rounded."""
    reading = metrics.classifier_confidence(probabilities)
    return {"mean_top": round(float(reading.mean_top), 4),
            "share_above": round(float(reading.share_above), 4),
            "min_share": round(float(min(reading.class_shares)), 4),
            "max_share": round(float(max(reading.class_shares)), 4)}


def evaluation_latents(samples: int) -> np.ndarray:
    """The latent vectors every model card's scores are measured on (seed SEED)."""
    return np.random.default_rng(SEED).standard_normal((samples, LATENT_DIM)).astype(np.float32)


def score_digits(fakes: np.ndarray) -> dict:
    """A model card's scores of generated digits: FID against twice as many training
    digits (half for real-vs-real), the classifier score, and how clear the course's MNIST
    classifier finds them beside the 10,000 real test digits."""
    samples = len(fakes)
    train_images, _ = data.load_images("mnist", "train")
    test_images, _ = data.load_images("mnist", "test")
    real = np.random.default_rng(SEED).permutation(train_images)[:2 * samples]
    report = metrics.evaluate_generator(fakes, real, kid_subsets=20)
    fake_confidence = metrics.classifier_confidence(metrics.classify(fakes))
    real_confidence = metrics.classifier_confidence(metrics.classify(test_images))
    print(report, f"samples: {fake_confidence}", f"real test digits: {real_confidence}",
          sep="\n")
    scores = {"fid": report.fid.value, "fid_real_vs_real": report.fid.real_vs_real,
              "fid_real_vs_noise": report.fid.real_vs_noise,
              "classifier_score": report.classifier_score.value,
              "classifier_score_real": report.classifier_score.real_vs_real,
              "fake_samples": samples, "real_samples": int(real.shape[0]),
              "mean_top": fake_confidence.mean_top, "share_above": fake_confidence.share_above,
              "class_shares": fake_confidence.class_shares.tolist(),
              "real_mean_top": real_confidence.mean_top,
              "real_share_above": real_confidence.share_above,
              "threshold": fake_confidence.threshold}
    return scores


