"""Clarity against variety: a shipped-style MNIST generator scored at several spreads.

The spread (``CodePrior``'s ``spread``, a lower-temperature prior) scales z_1.. before the
generator's layers: below 1 the digits come from nearer the middle of the Gaussian, clearer
and less varied. This scores one weights file at each spread given, on the model card's
10,000 latent vectors with the model card's scores (``train_pretrained.score_digits``:
the course classifier's clarity, the digits' shares, FID beside real vs real), and prints
one JSON line per spread. ``--equal-codes`` scores it with its code values equally likely,
as in training, instead of the probabilities set after training. The InfoGAN model
card's table of spreads came from::

    python research/mnist_recipes/score_spreads.py \
        gan_utils/assets/infogan_mnist_generator.weights.npz --spreads 1 0.9 0.85 0.8
    python research/mnist_recipes/score_spreads.py \
        gan_utils/assets/infogan_mnist_generator.weights.npz --spreads 1 0.85 --equal-codes
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from gan_utils import models, pretrained
from gan_utils import recipes as tp


def scores_at(generator, spread: float, samples: int) -> dict:
    """The card's scores of ``generator`` with its spread set to ``spread``."""
    generator.get_layer("code_prior").spread.assign(spread)
    probabilities = models.code_probabilities(generator)
    z = tp.evaluation_latents(samples)
    fakes = np.asarray(generator.predict(z, batch_size=500, verbose=0))
    scores = tp.score_digits(fakes)
    return {"spread": spread, "mean_top": round(scores["mean_top"], 4),
            "share_above": round(scores["share_above"], 4),
            "min_share": round(min(scores["class_shares"]), 4),
            "max_share": round(max(scores["class_shares"]), 4),
            "fid": round(scores["fid"], 3),
            "fid_real_vs_real": round(scores["fid_real_vs_real"], 3),
            "classifier_score": round(scores["classifier_score"], 3),
            "equal_codes": bool(np.allclose(probabilities, probabilities[0]))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", type=Path, help="an infogan_mnist weights file")
    parser.add_argument("--spreads", type=float, nargs="+", default=[1.0, 0.9, 0.85, 0.8])
    parser.add_argument("--samples", type=int, default=tp.EVAL_SAMPLES)
    parser.add_argument("--equal-codes", action="store_true",
                        help="score with every code value equally likely, as in training, "
                             "instead of the file's code probabilities")
    args = parser.parse_args(argv)
    if not all(0.0 < spread <= 1.0 for spread in args.spreads):
        parser.error(f"--spreads {args.spreads}: expected factors in (0, 1]")
    generator = pretrained.load("infogan_mnist", args.weights)
    if args.equal_codes:
        prior = generator.get_layer("code_prior")
        prior.probabilities.assign(np.full(prior.codes, 1 / prior.codes, "float32"))
    for spread in args.spreads:
        print(json.dumps(scores_at(generator, spread, args.samples)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
