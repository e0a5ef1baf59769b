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
from collections.abc import Iterable, Mapping


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def pass_hat_k(rows: Iterable[Mapping], k: int) -> float:
    """τ-bench's pass^k: per ticket C(c, k) / C(n, k) over its n trials (c successes), averaged.

    Tickets with fewer than ``k`` trials are left out.
    """
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        tally = counts[row["ticket_id"]]
        tally[0] += 1
        tally[1] += row["outcome"] == "success"
    ratios = [math.comb(c, k) / math.comb(n, k) for n, c in counts.values() if n >= k]
    if not ratios:
        raise ValueError(f"no ticket has {k} or more trials")
    return sum(ratios) / len(ratios)
