"""Calibration of the reader's scores and the measures its figures are reported with.

Why fitted on held-out folds: a linear model's raw scores on its own training texts are over-sure. The
family logit is mapped through Platt scaling (a, b of a one-feature logistic fit) and the category
logits are divided by one temperature, both fitted on out-of-fold scores. The not-sure band is chosen
on those same out-of-fold probabilities: the widest coverage at which the cases outside the band reach
the family accuracy asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from math import sqrt

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def sigmoid(z: Array) -> Array:
    out: Array = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
    return out


def fit_platt(z: Array, y: npt.NDArray[np.bool_], *, iterations: int = 100) -> tuple[float, float]:
    """(a, b) so that sigmoid(a z + b) fits ``y``; Newton's method with Platt's smoothed targets."""
    if len(z) == 0 or y.all() or (~y).all():
        return 1.0, 0.0
    pos, neg = float(y.sum()), float((~y).sum())
    t = np.where(y, (pos + 1) / (pos + 2), 1 / (neg + 2))
    a, b = 1.0, 0.0
    for _ in range(iterations):
        p = sigmoid(a * z + b)
        g = np.array([np.sum((p - t) * z), np.sum(p - t)])
        w = p * (1 - p) + 1e-12
        h = np.array([[np.sum(w * z * z), np.sum(w * z)], [np.sum(w * z), np.sum(w)]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(h, g)
        a, b = a - float(step[0]), b - float(step[1])
        if float(np.abs(step).max()) < 1e-9:
            break
    return a, b


def softmax(z: Array) -> Array:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    out: Array = e / e.sum(axis=1, keepdims=True)
    return out


def fit_temperature(logits: Array, y: npt.NDArray[np.int64]) -> float:
    """The temperature minimising the negative log-likelihood of ``y`` (a grid, then a finer grid)."""
    if len(y) == 0:
        return 1.0

    def nll(t: float) -> float:
        p = softmax(logits / t)
        return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())

    grid = np.exp(np.linspace(np.log(0.05), np.log(20), 60))
    best = min(grid, key=nll)
    fine = np.linspace(best * 0.85, best * 1.15, 31)
    return float(min(fine, key=nll))


def ece(p: Array, y: npt.NDArray[np.bool_], bins: int = 10) -> float:
    """Expected calibration error of the family probability (confidence of the predicted side)."""
    if len(p) == 0:
        return float("nan")
    conf = np.where(p >= 0.5, p, 1 - p)
    correct = (p >= 0.5) == y
    edges = np.linspace(0.5, 1.0, bins + 1)
    total = 0.0
    for lo, hi in pairwise(edges):
        mask = (conf >= lo) & ((conf < hi) if hi < 1.0 else (conf <= hi))
        if mask.any():
            total += mask.mean() * abs(float(correct[mask].mean()) - float(conf[mask].mean()))
    return total


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of k successes in n."""
    if n == 0:
        return float("nan"), float("nan")
    phat = k / n
    denom = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Band:
    lo: float
    hi: float
    coverage: float
    """Share of cases outside the band (decided by the reader alone)."""
    accuracy: float
    """Family accuracy on those cases."""
    met: bool


def choose_band(p: Array, y: npt.NDArray[np.bool_], *, target: float = 0.97, widest: float = 0.3,
                narrowest: float = 0.1) -> Band:
    """The not-sure band [lo, hi] around 0.5 with the highest coverage whose decided cases reach
    ``target`` accuracy; ``narrowest`` and ``widest`` bound the half-widths tried (so the band is never
    empty and never swallows everything). When no band reaches the target, the widest one is taken and
    ``met`` is False: the figure is reported, not bent."""
    steps = np.round(np.arange(0.05, 0.5, 0.025), 3)
    best: Band | None = None
    fallback: Band | None = None
    for lo in steps:
        for hi in steps[::-1]:
            lo_v, hi_v = float(lo), float(1 - hi)
            if not (narrowest <= 0.5 - lo_v <= widest and narrowest <= hi_v - 0.5 <= widest):
                continue
            decided = (p < lo_v) | (p > hi_v)
            cov = float(decided.mean()) if len(p) else 0.0
            acc = float(((p[decided] >= 0.5) == y[decided]).mean()) if decided.any() else 0.0
            band = Band(lo_v, hi_v, cov, acc, acc >= target)
            if band.met and (best is None or (cov, -(hi_v - lo_v)) > (best.coverage, -(best.hi - best.lo))):
                best = band
            if fallback is None or (acc, cov) > (fallback.accuracy, fallback.coverage):
                fallback = band
    if best is not None:
        return best
    assert fallback is not None
    return fallback
