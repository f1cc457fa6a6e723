"""Where do a generator's unclear digits come from? Between two classes, or from nowhere?

An unconditional generator maps one connected cloud of latent vectors (a Gaussian) to
digits of ten separate classes, so somewhere between a region that draws 3s and one that
draws 5s it must draw something in between (Khayatkhoei et al., "Disconnected Manifold
Learning for Generative Adversarial Networks", 2018). This script measures how much of the
unclear quarter of the shipped MNIST DCGAN's digits comes from there, with the course's
MNIST classifier:

- of the samples whose top-class probability is below 0.9, the share whose *two* most
  probable classes hold more than 0.9 between them (a digit between two classes, not
  noise);
- along great-circle paths (``latent.slerp``, which stays on the shell where Gaussian
  latent vectors live) between two clearly drawn digits, the share of the path that is
  unclear: for two digits of *different* classes, and, as the control, of the same class.

It prints one JSON object::

    python research/mnist_recipes/unclear_digits.py            # shipped
    python research/mnist_recipes/unclear_digits.py --generator notebooks/runs/05_dcgan_mnist
    python research/mnist_recipes/unclear_digits.py --generator /tmp/info10.keras
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from gan_utils import latent, metrics, pretrained

CLEAR = 0.9           # the model card's threshold: top-class probability above it is clear


def draw(generator, z: np.ndarray) -> np.ndarray:
    """G(z) in inference mode, float32, in batches."""
    return np.asarray(generator.predict(z.astype("float32"), batch_size=500, verbose=0),
                      dtype="float32")


def between_two_classes(probabilities: np.ndarray, clear: float = CLEAR) -> dict:
    """Of the unclear samples (top class below ``clear``): how many sit between two classes,
    i.e. whose two most probable classes hold more than ``clear`` between them."""
    ranked = np.sort(np.asarray(probabilities), axis=1)[:, ::-1]
    unclear = ranked[:, 0] < clear
    two = ranked[unclear, 0] + ranked[unclear, 1]
    return {"share_unclear": round(float(unclear.mean()), 4),
            "unclear_between_two_classes": round(float(np.mean(two > clear)), 4)
            if unclear.any() else None}


def path_pairs(classes: np.ndarray, clear_indices: np.ndarray, count: int, same_class: bool,
               rng: np.random.Generator) -> list[tuple[int, int]]:
    """``count`` pairs of clear samples, of the same class or of different classes.

    A ValueError, not an endless search, when there is no such pair (e.g. a collapsed
    generator whose clear digits are all one class)."""
    found = classes[clear_indices]
    counts = np.unique(found, return_counts=True)[1]
    possible = (counts >= 2).any() if same_class else len(counts) >= 2
    if not possible:
        raise ValueError(f"no two clear digits of {'one' if same_class else 'different'} "
                         f"class(es) among {len(clear_indices)} clear ones: nothing to pair")
    pairs: list[tuple[int, int]] = []
    while len(pairs) < count:
        a, b = rng.choice(clear_indices, 2, replace=False)
        if (classes[a] == classes[b]) == same_class:
            pairs.append((int(a), int(b)))
    return pairs


def unclear_along_paths(generator, z: np.ndarray, pairs: list[tuple[int, int]],
                        points: int = 21) -> np.ndarray:
    """For each pair, the share of ``points`` slerp points between its two latent vectors
    whose digit the classifier reads with top-class probability below CLEAR."""
    steps = np.linspace(0.0, 1.0, points)
    paths = np.stack([latent.slerp(z[a], z[b], t) for a, b in pairs for t in steps])
    top = metrics.classify(draw(generator, paths)).max(axis=1).reshape(len(pairs), points)
    return np.mean(top < CLEAR, axis=1)


def measure(generator, samples: int = 10_000, pairs: int = 300, seed: int = 1) -> dict:
    """The whole report for ``generator`` (latent vectors of the shipped DCGAN's size)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((samples, generator.input_shape[-1])).astype("float32")
    probabilities = metrics.classify(draw(generator, z))
    report = {"samples": samples, **between_two_classes(probabilities)}
    clear_indices = np.flatnonzero(probabilities.max(axis=1) >= CLEAR)
    classes = probabilities.argmax(axis=1)
    for same_class, name in ((False, "different"), (True, "same")):
        shares = unclear_along_paths(
            generator, z, path_pairs(classes, clear_indices, pairs, same_class, rng))
        report[f"paths_{name}_class"] = {
            "pairs": pairs, "mean_unclear_share": round(float(shares.mean()), 4),
            "paths_with_an_unclear_point": round(float(np.mean(shares > 0)), 4)}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generator", type=Path,
                        help="the folder notebook 05 saves its generator to (default: the "
                             "shipped infogan_mnist)")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=300, help="paths of each kind")
    args = parser.parse_args(argv)
    if args.samples < 2 or args.pairs < 1:
        parser.error("--samples needs at least 2 and --pairs at least 1")
    trial = args.generator is not None and args.generator.suffix == ".keras"
    if args.generator is not None and not (args.generator.is_dir() or trial
                                           and args.generator.is_file()):
        parser.error(f"--generator {args.generator}: no such folder (expected the one "
                     "notebook 05 saves generator.weights.npz to) or .keras file (a "
                     "try_mnist_recipes.py --save)")
    if args.generator is None:
        generator = pretrained.generator("infogan_mnist")
    elif trial:
        import keras
        import try_mnist_recipes  # noqa: F401  (registers the priors a trial's G may hold)

        generator = keras.models.load_model(args.generator)
    else:
        generator, _ = pretrained.load_generator(args.generator)   # clear errors for bad files
    print(json.dumps(measure(generator, args.samples, args.pairs), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
