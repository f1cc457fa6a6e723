"""Expected answers to notebook 09's exercises (latent space), computed, never typed in.

Each function works from NumPy, ``gan_utils.latent`` or the lesson's own generator, so an
answer cannot drift from what the notebook shows.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from gan_utils import latent, models


def shell_fraction(latent_dim: int, samples: int = 20_000, seed: int = 0) -> float:
    """The share of z ~ N(0, I_d) with | |z| - sqrt(d) | < 1, estimated from ``samples``
    draws (standard error below 0.003)."""
    z = np.random.default_rng(seed).standard_normal((samples, latent_dim))
    return float(np.mean(np.abs(np.linalg.norm(z, axis=1) - np.sqrt(latent_dim)) < 1))


def angle(u, v) -> float:
    """The angle between two vectors, in radians."""
    u, v = np.asarray(u, np.float64), np.asarray(v, np.float64)
    cos = u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.arccos(np.clip(cos, -1.0, 1.0)))


def slerp_midpoint_length(z) -> float:
    """The length of ``latent.slerp(z, -z, 0.5)``: what the course's slerp does with
    opposite vectors."""
    z = np.asarray(z, np.float32)
    return float(np.linalg.norm(latent.slerp(z, -z, 0.5)))


def code_start(generator, code: int) -> float:
    """The smallest z_0 that ``generator``'s code prior maps to ``code``: Phi^-1 of the
    code probabilities summed below it (the lower edge of its interval)."""
    probabilities = models.code_probabilities(generator)
    if not 0 < code < len(probabilities):
        raise ValueError(f"code={code!r}: expected 1 ... {len(probabilities) - 1} (code 0 "
                         "starts at minus infinity)")
    return NormalDist().inv_cdf(float(np.sum(probabilities[:code])))
