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
        tally[1] += row["outcome"] == "success"
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


def paired_outcomes(frame, a: Mapping, b: Mapping, metric: str = "success"):
    """The two configurations' trials matched on ``(seed, ticket_id)``: two 0/1 arrays.

    ``a`` and ``b`` select rows by column values (``{"layers": "none"}``); ``metric`` is an
    outcome (``success``, ``silent_failure``, ...).
    """
    keys = ["seed", "ticket_id"]
    sides = []
    for config in (a, b):
        rows = frame
        for column, value in config.items():
            rows = rows[rows[column] == value]
        sides.append(rows.set_index(keys)["outcome"].eq(metric).astype(int))
    joined = sides[0].to_frame("a").join(sides[1].to_frame("b"), how="inner")
    if joined.empty:
        raise ValueError(f"no paired trials between {dict(a)} and {dict(b)}")
    return joined["a"].to_numpy(), joined["b"].to_numpy()


def compare(frame, a: Mapping, b: Mapping, metric: str = "success", seed: int = 0) -> dict:
    """Paired comparison of configuration ``b`` against ``a`` on the same trials.

    Returns the number of pairs, both rates, the difference ``b - a`` with a paired bootstrap
    95% interval, the discordant counts and the exact McNemar p-value.

    Example:
        >>> import pandas as pd
        >>> rows = [{"layers": layers, "seed": 0, "ticket_id": f"T{i}", "outcome": outcome}
        ...         for i in range(8) for layers, outcome in
        ...         (("none", "success" if i < 5 else "crashed"), ("all", "success"))]
        >>> result = compare(pd.DataFrame(rows), {"layers": "none"}, {"layers": "all"})
        >>> result["pairs"], result["diff"], result["b_only"], round(result["mcnemar_p"], 3)
        (8, 0.375, 3, 0.25)
    """
    xa, xb = paired_outcomes(frame, a, b, metric)
    diff, lo, hi = paired_bootstrap(xa, xb, seed=seed)
    a_only, b_only = int(((xa == 1) & (xb == 0)).sum()), int(((xa == 0) & (xb == 1)).sum())
    return {
        "metric": metric,
        "pairs": int(xa.size),
        "a_rate": float(xa.mean()),
        "b_rate": float(xb.mean()),
        "diff": diff,
        "ci95": [lo, hi],
        "a_only": a_only,
        "b_only": b_only,
        "mcnemar_p": mcnemar_exact(a_only, b_only),
    }


def layer_effects(frame, metric: str = "success"):
    """Each layer's effect with the others held fixed, from an on/off grid of layer settings.

    For every pair of settings that differ only in one layer (off vs on), within the same
    backend and profile, the paired difference ``on - off``; one row per pair, with the
    McNemar p-value. Average a layer's rows for its mean effect across contexts.
    """
    import pandas as pd

    from coordlab.config import LAYER_NAMES, Layers

    settings = {label: Layers.parse(label) for label in frame["layers"].unique()}
    rows = []
    for (backend, profile), group in frame.groupby(["backend", "profile"]):
        present = {label: settings[label] for label in group["layers"].unique()}
        for off_label, off in present.items():
            for layer in LAYER_NAMES:
                if getattr(off, layer) != "off":
                    continue
                on_label = _with_layer_on(off, layer, present)
                if on_label is None:
                    continue
                result = compare(group, {"layers": off_label}, {"layers": on_label}, metric)
                rows.append(
                    {
                        "backend": backend,
                        "profile": profile,
                        "layer": layer,
                        "others": _others(off, layer),
                        "off": result["a_rate"],
                        "on": result["b_rate"],
                        "effect": result["diff"],
                        "mcnemar_p": result["mcnemar_p"],
                        "pairs": result["pairs"],
                    }
                )
    return pd.DataFrame(rows)


def _with_layer_on(off, layer: str, present: Mapping) -> str | None:
    from coordlab.config import LAYER_NAMES

    for label, setting in present.items():
        others_equal = all(
            getattr(setting, name) == getattr(off, name) for name in LAYER_NAMES if name != layer
        )
        if others_equal and getattr(setting, layer) != "off":
            return label
    return None


def _others(setting, layer: str) -> str:
    from coordlab.config import LAYER_NAMES

    on = [name for name in LAYER_NAMES if name != layer and getattr(setting, name) != "off"]
    return ",".join(on) or "none"
