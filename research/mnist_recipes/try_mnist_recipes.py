"""Try a change to the shipped MNIST generator's recipe for a few minutes (frozen).

Trains notebook 06's DCGAN with one variant and, every ``--judge-every`` steps, prints one
JSON line: the step, the training seconds, the course classifier's reading of the weight
average's digits on fixed latents (mean top-class probability, share above 0.9, rarest
and commonest digit) and D's mean outputs. From scratch (default), or continued from a
run's checkpoint (``--resume-from``, copied first). Variants: ``--d-filters``,
``--g-filters``, ``--g-lr``/``--d-lr``, ``--top-k`` (Sinha et al., 2020), ``--fresh-d-warmup``,
``--latent-mixture K SIGMA`` (DeLiGAN's mixture, means fixed), ``--info-code K LAMBDA``
(InfoGAN, ``gan_utils.train.infogan``); ``--save`` / ``--score`` keep and score a generator.
What the trials found: README.md beside this script. Example::

    python research/mnist_recipes/try_mnist_recipes.py --minutes 10 --info-code 10 1
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import keras
import numpy as np

from gan_utils import data, losses, models, runtime, train
from gan_utils import recipes as tp
from gan_utils.train import infogan


@keras.saving.register_keras_serializable(package="try_mnist_recipes")
class MixturePrior(keras.layers.Layer):
    """eps ~ N(0, I) -> mu_k + sigma * eps, k = floor(components * Phi(eps_0)): a mixture of
    ``components`` equally likely Gaussians with fixed means drawn from N(0, I) (``seed``)."""

    def __init__(self, components: int, sigma: float, dim: int, seed: int = 7, **kwargs):
        super().__init__(**kwargs)
        self.components, self.sigma, self.dim, self.seed = components, sigma, dim, seed
        self.means = np.random.default_rng(seed).standard_normal((components, dim)).astype(
            "float32")

    def component(self, eps):
        """Which mixture component each eps picks, from its first coordinate's quantile."""
        return models.first_quantile_choice(eps, self.components)

    def call(self, eps):
        import tensorflow as tf

        return tf.gather(tf.constant(self.means), self.component(eps)) + self.sigma * tf.cast(
            eps, "float32")

    def get_config(self) -> dict:
        return {**super().get_config(), "components": self.components, "sigma": self.sigma,
                "dim": self.dim, "seed": self.seed}


def generator_for(args):
    """Notebook 05's generator at ``--g-filters``, behind the mixture prior if one is asked."""
    core = models.dcgan_mnist_generator(tp.LATENT_DIM, filters=tuple(args.g_filters))
    if not args.latent_mixture:
        return core
    components, sigma = int(args.latent_mixture[0]), float(args.latent_mixture[1])
    eps = keras.Input((tp.LATENT_DIM,), name="eps")
    z = MixturePrior(components, sigma, tp.LATENT_DIM, dtype="float32", name="prior")(eps)
    return keras.Model(eps, core(z), name="mixture_prior_generator")


class TopKLoss(losses.GANLoss):
    """The non-saturating GAN loss, with G's part taken over the top ``fraction`` of fakes."""

    def __init__(self, fraction: float):
        super().__init__("non_saturating")
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"--top-k={fraction!r}: expected a fraction in (0, 1]")
        self.fraction = float(fraction)

    def generator(self, fake_outputs):
        import tensorflow as tf

        flat = tf.reshape(fake_outputs, [-1])
        count = tf.maximum(1, tf.cast(tf.cast(tf.size(flat), tf.float32) * self.fraction,
                                      tf.int32))
        return super().generator(tf.math.top_k(flat, count).values[:, None])


def constant_rate(rate: float):
    """A learning rate that never changes, as a schedule (so that the optimizers' saved state
    has the layout of a shipped run's checkpoint)."""
    import keras

    return keras.optimizers.schedules.PiecewiseConstantDecay([10**12], [rate, rate])


def adam_pair(args) -> dict:
    """G's and D's Adam (beta_1 0.5, DCGAN's), each at its constant rate, by name."""
    import keras

    return {name: keras.optimizers.Adam(constant_rate(rate), beta_1=0.5)
            for name, rate in (("g_optimizer", args.g_lr), ("d_optimizer", args.d_lr))}


def build_trainer(args, checkpoint_dir: Path | None) -> train.GANTrainer:
    """Notebook 05's DCGAN with the variant's discriminator, rates and loss."""
    runtime.use_precision(runtime.mixed_precision_policy())
    runtime.seed_everything(tp.SEED)
    callbacks: list[train.Callback] = [train.WeightAverage(args.ema_decay)]
    if args.info_code:
        codes, weight = int(args.info_code[0]), float(args.info_code[1])
        generator = models.info_dcgan_mnist_generator(tp.LATENT_DIM, codes,
                                                      tuple(args.g_filters))
        return train.GANTrainer(
            generator,
            models.info_dcgan_mnist_discriminator(codes, args.d_dropout, tuple(args.d_filters)),
            extra_loss=infogan.InfoLoss(generator, weight), latent_dim=tp.LATENT_DIM,
            **adam_pair(args), callbacks=callbacks, steps_per_execution=10, seed=tp.SEED)
    generator = generator_for(args)
    # a fresh discriminator comes after the restore, which needs the saved one's shapes
    filters = (64, 128) if args.fresh_d_warmup else tuple(args.d_filters)
    discriminator = models.dcgan_mnist_discriminator(args.d_dropout, filters)
    if checkpoint_dir is not None:
        callbacks.append(train.Checkpoint(checkpoint_dir, every_seconds=1e12))
    trainer = train.GANTrainer(
        generator, discriminator, latent_dim=tp.LATENT_DIM,
        loss=TopKLoss(args.top_k) if args.top_k < 1 else None,
        **adam_pair(args),
        callbacks=callbacks, steps_per_execution=10, seed=tp.SEED)
    trainer.restore()   # a continued trial starts from the checkpoint
    return trainer


def with_fresh_discriminator(trainer: train.GANTrainer, args, dataset) -> train.GANTrainer:
    """A trainer whose G starts from ``trainer``'s weight average and whose D is new,
    trained alone for ``args.fresh_d_warmup`` steps against that frozen G."""
    import keras
    import tensorflow as tf

    generator = trainer.generator
    generator.set_weights(trainer.sampling_generator.get_weights())
    discriminator = models.dcgan_mnist_discriminator(args.d_dropout, tuple(args.d_filters))
    optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)

    @tf.function
    def discriminator_step(real):
        z = tf.random.normal((tf.shape(real)[0], tp.LATENT_DIM))
        with tf.GradientTape() as tape:
            loss = losses.discriminator_loss(discriminator(real, training=True),
                                             discriminator(generator(z), training=True))
        variables = discriminator.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    batches = iter(dataset.repeat())
    for _ in range(args.fresh_d_warmup):
        loss = discriminator_step(next(batches))
    print(json.dumps({"fresh_d_warmup_steps": args.fresh_d_warmup,
                      "d_loss_after_warmup": round(float(loss), 4)}), flush=True)
    return train.GANTrainer(
        generator, discriminator, latent_dim=tp.LATENT_DIM,
        **adam_pair(args),
        callbacks=[train.WeightAverage(args.ema_decay)], steps_per_execution=10, seed=tp.SEED)


def reading(trainer: train.GANTrainer, samples: int, start_seconds: float) -> dict:
    """The step, the training seconds, the classifier's reading of the weight average's
    digits (judge_checkpoint's, the same latent vectors) and D's mean outputs."""
    history = trainer.history
    seconds = history["seconds"][-1] - start_seconds if history["seconds"] else 0.0
    d_outputs = {key: round(float(history[key][-1]), 2) if history[key] else None
                 for key in ("d_real", "d_fake")}
    z, probabilities = tp.judged_digits(trainer.sampling_generator, samples)
    result = {"step": trainer.step, "seconds": round(seconds),
              **tp.clarity_of(probabilities), **d_outputs}
    if isinstance(trainer.extra_loss, infogan.InfoLoss):
        prior = trainer.sampling_generator.get_layer("code_prior")
        purity = infogan.code_purity(np.asarray(prior.code(z)), probabilities.argmax(axis=1),
                                       prior.codes)
        result["code_purity"] = {"purity": round(purity["purity"], 3),
                                 "digit_of_code": purity["digit_of_code"]}
    return result


def trial(args, checkpoint_dir: Path | None) -> None:
    """Train for ``args.minutes`` of training time, printing a reading every so often."""
    images, _ = data.load_images("mnist", "train")
    dataset = data.as_dataset(images, args.batch_size, seed=tp.SEED)
    trainer = build_trainer(args, checkpoint_dir)
    if args.fresh_d_warmup:
        trainer = with_fresh_discriminator(trainer, args, dataset)
    start = trainer.history["seconds"][-1] if trainer.history["seconds"] else 0.0
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                if k != "resume_from"}
    print(json.dumps({"trial": settings, "resumed_at": trainer.step}), flush=True)
    if checkpoint_dir is not None:
        print(json.dumps(reading(trainer, args.samples, start)), flush=True)
    while True:
        trainer.fit_more(dataset, args.judge_every, progress=False)
        print(json.dumps(reading(trainer, args.samples, start)), flush=True)
        if trainer.history["seconds"][-1] - start >= 60 * args.minutes:
            break
    if args.final_samples:
        print(json.dumps({"final": reading(trainer, args.final_samples, start)}), flush=True)
    if args.save is not None:
        trainer.sampling_generator.save(args.save)
        print(json.dumps({"saved": str(args.save)}), flush=True)


def score_saved(path: Path) -> dict:
    """A generator a trial saved (``--save``), scored as a model card's: the latent vectors,
    training digits and classifier of ``train_pretrained.evaluate``, 10,000 digits."""
    generator = keras.models.load_model(path)   # info_code's layers are registered above
    fakes = np.asarray(generator.predict(tp.evaluation_latents(tp.EVAL_SAMPLES),
                                         batch_size=500, verbose=0))
    scores = tp.score_digits(fakes)
    return {key: [round(v, 4) for v in value] if isinstance(value, list)
            else round(value, 4) if isinstance(value, float) else value
            for key, value in scores.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="training minutes")
    parser.add_argument("--resume-from", type=Path,
                        help="a train_pretrained run's dcgan_mnist checkpoint folder")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--g-filters", type=int, nargs=3, default=[256, 128, 64],
                        help="G's widths (a capacity trial; from scratch only)")
    parser.add_argument("--d-filters", type=int, nargs=2, default=[64, 128])
    parser.add_argument("--d-dropout", type=float, default=0.1)
    parser.add_argument("--g-lr", type=float, default=2e-4)
    parser.add_argument("--d-lr", type=float, default=2e-4)
    parser.add_argument("--top-k", type=float, default=1.0,
                        help="fraction of fakes G learns from (1: all, the usual loss)")
    parser.add_argument("--ema-decay", type=float, default=0.999)
    parser.add_argument("--judge-every", type=int, default=500, help="steps between readings")
    parser.add_argument("--samples", type=int, default=2000, help="digits judged each time")
    parser.add_argument("--final-samples", type=int, default=0,
                        help="judge the last generator again on this many digits")
    parser.add_argument("--save", type=Path,
                        help="save the last weight-averaged generator to this .keras file")
    parser.add_argument("--latent-mixture", type=float, nargs=2, metavar=("K", "SIGMA"),
                        help="from scratch: G sees a mixture of K Gaussians of spread SIGMA")
    parser.add_argument("--info-code", type=float, nargs=2, metavar=("K", "LAMBDA"),
                        help="from scratch: InfoGAN's K-valued code, read back with weight "
                             "LAMBDA")
    parser.add_argument("--fresh-d-warmup", type=int, default=0,
                        help="with --resume-from: a new D, first trained alone this many steps")
    parser.add_argument("--score", type=Path, metavar="FILE.keras",
                        help="train nothing: score a generator a trial saved, as a model "
                             "card's (10,000 digits, FID and the classifier's reading)")
    args = parser.parse_args(argv)
    if args.score is not None:
        if args.score.suffix != ".keras" or not args.score.is_file():
            parser.error(f"--score {args.score}: expected a .keras file a trial saved "
                         "with --save")
        print(json.dumps({"scores": str(args.score), **score_saved(args.score)}), flush=True)
        return 0
    if args.save is not None and args.save.suffix != ".keras":
        parser.error(f"--save {args.save}: expected a file name ending in .keras")
    if args.fresh_d_warmup < 0:
        parser.error(f"--fresh-d-warmup {args.fresh_d_warmup}: expected a number of steps >= 0")
    if args.fresh_d_warmup and args.resume_from is None:
        parser.error("--fresh-d-warmup needs --resume-from (a trained G to face)")
    for option, pair, least, what in (("--latent-mixture", args.latent_mixture, 1, "components"),
                                      ("--info-code", args.info_code, 2, "code values")):
        if pair and (pair[0] < least or pair[0] != int(pair[0]) or pair[1] <= 0):
            parser.error(f"{option} {pair[0]:g} {pair[1]:g}: expected a whole number of "
                         f"{what} >= {least} and a number > 0")
    if args.latent_mixture and args.resume_from is not None:
        parser.error("--latent-mixture trains from scratch (a checkpoint's G has no prior)")
    if args.info_code and (args.resume_from is not None or args.latent_mixture
                           or args.top_k < 1):
        parser.error("--info-code trains from scratch, alone (no --resume-from, "
                     "--latent-mixture or --top-k)")
    if args.resume_from is None:
        trial(args, None)
        return 0
    if not (args.resume_from / "settings.json").is_file():
        parser.error(f"--resume-from {args.resume_from}: expected a checkpoint folder with "
                     "settings.json (a train_pretrained run's <work-dir>/infogan_mnist)")
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "infogan_mnist"
        shutil.copytree(args.resume_from, copy)
        trial(args, copy)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
