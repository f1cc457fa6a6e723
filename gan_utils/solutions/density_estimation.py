"""Expected answers of notebook 01's exercises (density estimation), computed, not typed in."""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats


def even_face_probability(faces: np.ndarray, pmf: np.ndarray) -> float:
    """P(X is even) for a die with these faces and probabilities: the PMF summed over even faces."""
    faces, pmf = np.asarray(faces), np.asarray(pmf, dtype=np.float64)
    if faces.shape != pmf.shape:
        raise ValueError(f"faces {faces.shape} and pmf {pmf.shape}: expected the same shape")
    return float(pmf[faces % 2 == 0].sum())


def mixture_variance(target, num_points: int = 200_001) -> float:
    """Var(X) of a 1-D mixture by numerical integration of its density (not the formula the
    exercise asks for, so the two check each other)."""
    low, high = target.bounds(n_sigma=12.0)
    x = np.linspace(low[0], high[0], num_points)
    p = target.pdf(x)
    mean = np.trapezoid(x * p, x)
    return float(np.trapezoid((x - mean) ** 2 * p, x))


def gaussian_kl(mean_shift: float, std: float = 1.0) -> float:
    """KL(N(0, std^2) || N(mean_shift, std^2)), integrated numerically."""
    p, q = stats.norm(0.0, std), stats.norm(mean_shift, std)
    value, _ = integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)),
                              -12 * std, 12 * std + abs(mean_shift))
    return float(value)
