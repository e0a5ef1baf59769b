"""Statistics for reliability experiments.

Example:
    >>> lo, hi = wilson(83, 100)
    >>> round(lo, 3), round(hi, 3)
    (0.745, 0.891)
    >>> pass_hat_k([{"ticket_id": "a", "outcome": "success"}] * 3, k=2)
    1.0

"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_rate(hits: int, n: int) -> tuple[float, float, float]:
    """A rate from its counts with its Wilson 95% interval: ``(hits / n, lo, hi)``.

    The interval comes from the counts, never from a rounded rate; with ``n == 0`` the rate is
    NaN and the interval ``(0, 1)``.

    Example:
        >>> rate, lo, hi = wilson_rate(83, 100)
        >>> rate, round(lo, 3), round(hi, 3)
        (0.83, 0.745, 0.891)
    """
    return (hits / n if n else math.nan, *wilson(hits, n))


SUCCESSES = ("success", "success_after_approval")
"""Outcomes that count as a success: the ticket was handled right end to end.

``success_after_approval`` is an over-threshold refund a human approved before it was
delivered: right, but it cost a human's time (see :mod:`coordlab.experiment.prices`)."""


def is_success(outcomes: pd.Series) -> pd.Series:
    """Whether each outcome counts as a success (one of :data:`SUCCESSES`).

    Example:
        >>> is_success(pd.Series(["success", "success_after_approval", "escalated"])).tolist()
        [True, True, False]
    """
    return outcomes.isin(SUCCESSES)


def has_outcome(outcomes: pd.Series, metric: str) -> pd.Series:
    """Whether each outcome is ``metric`` (``success``: any of :data:`SUCCESSES`).

    Example:
        >>> has_outcome(pd.Series(["success_after_approval", "crashed"]), "success").tolist()
        [True, False]
    """
    return is_success(outcomes) if metric == "success" else outcomes.eq(metric)


def pass_hat_k(rows: Iterable[Mapping] | pd.DataFrame, k: int) -> float:
    """τ-bench's pass^k: per ticket C(c, k) / C(n, k) over its n trials (c successes), averaged.

    Args:
        rows: trial rows (dicts with ``ticket_id`` and ``outcome``), or the DataFrame that
            :func:`coordlab.sweep` returns. Pass one configuration's trials: the rows of
            several configurations would be pooled per ticket.
        k: how many trials of the same ticket must all succeed.

    Tickets with fewer than ``k`` trials are left out.
    """
    if isinstance(rows, pd.DataFrame):
        rows = rows[["ticket_id", "outcome"]].to_dict("records")
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        tally = counts[row["ticket_id"]]
        tally[0] += 1
        tally[1] += row["outcome"] in SUCCESSES
    ratios = [math.comb(c, k) / math.comb(n, k) for n, c in counts.values() if n >= k]
    if not ratios:
        raise ValueError(f"no ticket has {k} or more trials")
    return sum(ratios) / len(ratios)


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts.

    Under "no difference" each discordant pair is a fair coin, so the p-value is the two-sided
    binomial tail of ``min(a_only, b_only)`` in ``a_only + b_only`` tosses.

    Example:
        >>> round(mcnemar_exact(0, 6), 4)
        0.0312
        >>> mcnemar_exact(3, 3)
        1.0
    """
    n = a_only + b_only
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(a_only, b_only) + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], n_boot: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """Mean of ``b - a`` over paired trials, with a percentile bootstrap interval.

    Pairs are resampled together, so what the two share (the ticket, the injected faults)
    cancels out of the difference.

    Example:
        >>> paired_bootstrap([0, 0, 1, 1], [1, 1, 1, 1])
        (0.5, 0.0, 1.0)
    """
    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    if diff.size == 0:
        raise ValueError("no pairs to compare")
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, size=(n_boot, diff.size))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(diff.mean()), float(lo), float(hi)


def ticket_bootstrap(
    tickets: Sequence,
    statistic,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
    method: str = "linear",
) -> tuple[float, float]:
    """A percentile bootstrap interval of ``statistic`` that resamples *tickets*.

    A resample draws as many tickets as there are, with replacement, each with all its trials:
    one ticket's trials are alike (a hard ticket stays hard across seeds and settings), so
    resampling trials one by one would make the interval too narrow.

    Args:
        tickets: the ticket of each trial.
        statistic: maps the resamples, given as weights of shape ``(n_boot, trials)`` (how many
            times each trial is in each resample; ``weights @ values`` are its totals), to one
            value per resample. Resamples whose value is NaN (a 0 / 0) are left out.
        n_boot: resamples.
        seed: the resamples' seed (the same tickets give the same resamples).
        level: the interval's coverage.
        method: :func:`numpy.quantile`'s method.

    Returns:
        ``(lo, hi)``; NaN when every resample is.

    Example:
        >>> values = np.array([1.0, 3.0, 5.0, 7.0])
        >>> ticket_bootstrap(["a", "a", "b", "b"], lambda w: w @ values / w.sum(axis=1))
        (2.0, 6.0)
    """
    labels, index = np.unique(np.asarray(tickets), return_inverse=True)
    count = len(labels)
    picks = np.random.default_rng(seed).integers(0, count, (n_boot, count))
    drawn = np.bincount((picks + count * np.arange(n_boot)[:, None]).ravel(),
                        minlength=n_boot * count).reshape(n_boot, count)  # fmt: skip
    boot = np.asarray(statistic(drawn[:, index].astype(float)), dtype=float)
    boot = boot[~np.isnan(boot)]
    if not boot.size:
        return math.nan, math.nan
    tail = round((1 - level) / 2, 12)  # 0.025, not 0.025000000000000022
    lo, hi = np.quantile(boot, [tail, 1 - tail], method=method)
    return float(lo), float(hi)


def two_proportion_p(s1: int, n1: int, s2: int, n2: int) -> float:
    """Two-sided p-value of the pooled z-test for two independent proportions (unpaired).

    Example:
        >>> round(two_proportion_p(80, 100, 95, 100), 4)
        0.0013
    """
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = abs(s1 / n1 - s2 / n2) / se
    return math.erfc(z / math.sqrt(2))


def fisher_exact_p(s1: int, n1: int, s2: int, n2: int) -> float:
    """Two-sided Fisher exact p-value for two independent proportions (unpaired, exact).

    Sums the hypergeometric probabilities of every table with the same margins that is no more
    likely than the observed one.

    Example:
        >>> round(fisher_exact_p(80, 100, 95, 100), 4)
        0.0022
    """
    total, successes = n1 + n2, s1 + s2
    xs = np.arange(max(0, successes - n2), min(n1, successes) + 1)
    lgamma = np.vectorize(math.lgamma)
    log_pmf = (
        lgamma(successes + 1) - lgamma(xs + 1) - lgamma(successes - xs + 1)
        + lgamma(total - successes + 1) - lgamma(n1 - xs + 1)
        - lgamma(total - successes - n1 + xs + 1)
        - (lgamma(total + 1) - lgamma(n1 + 1) - lgamma(n2 + 1))
    )  # fmt: skip
    pmf = np.exp(log_pmf)
    observed = pmf[s1 - xs[0]]
    return float(min(1.0, pmf[pmf <= observed * (1 + 1e-7)].sum()))
