"""Exact one-sided tail probabilities and the Benjamini–Hochberg procedure, with ``math`` only.

Why exact tails and not a z-test: a SKU sees a handful of refunds a week, and at such counts the
normal approximation of a two-proportion z-test is far off in the tail (it fires on noise). Both
tests below condition on the total and are exact at any count:

* rate spike (refunds per order, or per day): two Poisson rates compared by conditioning on the
  total, so the recent count is Binomial(total, recent exposure share) under "no change";
* share spike (quality refunds among refunds): Fisher's exact test, a hypergeometric tail.

Tails are summed in log space from the observed value outward and stop once terms no longer move the
sum, so they cost a few dozen steps even for large totals. scipy is not needed.
"""

from __future__ import annotations

from collections.abc import Callable
from math import exp, lgamma, log


def _lchoose(n: int, k: int) -> float:
    return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)


def _tail(first: int, last: int, log_first: float, ratio: Callable[[int], float], step: int) -> float:
    """Sum pmf from ``first`` towards ``last`` (step ±1): log pmf at ``first``, pmf(x+step)/pmf(x)."""
    term = exp(log_first)
    total = term
    x = first
    while x != last:
        term *= ratio(x)
        x += step
        total += term
        if term <= total * 1e-17:
            break
    return min(1.0, total)


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    lp, lq = log(p), log(1.0 - p)
    odds = p / (1.0 - p)
    if k > n * p:  # above the mean: terms fall from k upward
        return _tail(k, n, _lchoose(n, k) + k * lp + (n - k) * lq, lambda x: (n - x) / (x + 1) * odds, 1)
    j = k - 1  # below the mean: 1 − P(X ≤ k − 1), terms fall from k − 1 downward
    cdf = _tail(j, 0, _lchoose(n, j) + j * lp + (n - j) * lq, lambda x: x / ((n - x + 1) * odds), -1)
    return max(0.0, 1.0 - cdf)


def hypergeom_sf(k: int, population: int, successes: int, draws: int) -> float:
    """P(X ≥ k) for X ~ Hypergeometric(population, successes, draws)."""
    lo, hi = max(0, draws - (population - successes)), min(successes, draws)
    if k <= lo:
        return 1.0
    if k > hi:
        return 0.0
    big_k, big_n, big_m = successes, draws, population

    def lpmf(x: int) -> float:
        return _lchoose(big_k, x) + _lchoose(big_m - big_k, big_n - x) - _lchoose(big_m, big_n)

    def up(x: int) -> float:
        return (big_k - x) * (big_n - x) / ((x + 1) * (big_m - big_k - big_n + x + 1))

    mean = big_n * big_k / big_m
    if k > mean:
        return _tail(k, hi, lpmf(k), up, 1)
    j = k - 1
    return max(0.0, 1.0 - _tail(j, lo, lpmf(j), lambda x: 1.0 / up(x - 1), -1))


def benjamini_hochberg(pvalues: list[float], q: float = 0.05) -> tuple[list[bool], list[float]]:
    """Which hypotheses to reject at false-discovery rate ``q``, and the BH-adjusted p-values."""
    m = len(pvalues)
    if m == 0:
        return [], []
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, pvalues[i] * m / rank)
        adjusted[i] = running
    return [a <= q for a in adjusted], adjusted
