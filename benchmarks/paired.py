"""How many trials it takes to detect the verification layer's effect: paired vs unpaired.

    python benchmarks/paired.py [--seeds 0-9] [--reps 300] [--metric success]

Runs verification off and on, the other layers held fixed, in three contexts (the other layers
all off, recovery on, all on; plain, ``uniform-97``) on the same trials. Then, for growing
sample sizes ``n``, it draws ``n`` trials per setting ``--reps`` times and counts how often each
test finds the difference at α = 0.05:

* paired: the same ``n`` (seed, ticket) trials under both settings (common random numbers:
  the same faults are injected), exact McNemar test on the discordant pairs;
* unpaired: ``n`` independent trials per setting (as two separate runs would give), Fisher's
  exact test (the z-test is also printed; it is anti-conservative with few failures).

It prints the power curves and the smallest ``n`` with 80% power, and their ratio (the goal:
the paired design needs at least 3× fewer trials).
"""

from __future__ import annotations

import argparse

import numpy as np

import coordlab
from coordlab.experiment.compare import paired_outcomes
from coordlab.experiment.stats import (
    fisher_exact_p,
    mcnemar_exact,
    two_proportion_p,
)

ALPHA, POWER = 0.05, 0.8
SIZES = [25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200]
CONTEXTS = [
    ("none", "verification"),
    ("recovery", "verification,recovery"),
    ("state,protocol,recovery", "all"),
]


def power(xa, xb, n: int, reps: int, rng) -> tuple[float, float, float]:
    """Share of samples of size ``n`` in which McNemar, Fisher and the z-test reject."""
    hits = np.zeros(3)
    for _ in range(reps):
        pick = rng.integers(0, xa.size, n)
        a, b = xa[pick], xb[pick]
        ia, ib = xa[rng.integers(0, xa.size, n)], xb[rng.integers(0, xb.size, n)]
        sa, sb = int(ia.sum()), int(ib.sum())
        hits += [
            mcnemar_exact(int((a > b).sum()), int((b > a).sum())) < ALPHA,
            fisher_exact_p(sa, n, sb, n) < ALPHA,
            two_proportion_p(sa, n, sb, n) < ALPHA,
        ]
    return tuple(hits / reps)


def first_powerful(curve: dict[int, float]) -> int | None:
    """The smallest n whose power reaches ``POWER``."""
    return next((n for n, value in curve.items() if value >= POWER), None)


def context_report(frame, off: str, on: str, metric: str, reps: int) -> None:
    xa, xb = paired_outcomes(frame, {"layers": off}, {"layers": on}, metric)
    print(
        f"\n{off} -> {on}: {metric} {xa.mean():.4f} -> {xb.mean():.4f} over {xa.size} pairs; "
        f"discordant {int((xa > xb).sum())} / {int((xb > xa).sum())}; "
        f"correlation {np.corrcoef(xa, xb)[0, 1]:.2f}"
    )
    rng = np.random.default_rng(0)
    curves: list[dict[int, float]] = [{}, {}, {}]
    print(f"{'n':>6}{'paired':>9}{'fisher':>9}{'z-test':>9}")
    for n in SIZES:
        for curve, value in zip(curves, power(xa, xb, n, reps, rng), strict=True):
            curve[n] = value
        print(f"{n:>6}{curves[0][n]:>9.3f}{curves[1][n]:>9.3f}{curves[2][n]:>9.3f}")
        if all(first_powerful(c) for c in curves):
            break
    paired, fisher, ztest = (first_powerful(c) for c in curves)
    show = lambda n: str(n) if n else f">{SIZES[-1]}"  # noqa: E731
    print(f"n for {POWER:.0%} power: paired {show(paired)}, unpaired Fisher {show(fisher)}, "
          f"z-test {show(ztest)}")  # fmt: skip
    if paired and fisher:
        print(f"unpaired (Fisher) / paired: {fisher / paired:.1f}x (goal >= 3x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--metric", default="success")
    args = parser.parse_args()
    settings = ";".join(dict.fromkeys(s for pair in CONTEXTS for s in pair))
    frame = coordlab.sweep("plain", settings, "uniform-97", seeds=args.seeds)
    for off, on in CONTEXTS:
        context_report(frame, off, on, args.metric, args.reps)


if __name__ == "__main__":
    main()
