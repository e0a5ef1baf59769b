"""Wall-clock and token cost of each layer on the plain backend, as ratios to layers off.

    python benchmarks/layers.py [--tickets N] [--profile NAME]

Times are the best of ``--repeat`` wall-clock runs, per trial, in this process (the virtual
latency is reported by ``coordlab run``); ratios compare settings measured in the same run.
"""

from __future__ import annotations

import argparse
import time

import coordlab

SETTINGS = [
    "none",
    "state",
    "protocol",
    "verification:gate",
    "verification:critic-strict",
    "verification",
    "recovery",
    "all",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=320)
    parser.add_argument("--profile", default="uniform-97")
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")
    args = parser.parse_args()
    coordlab.run(layers="all", profile="perfect", tickets=5)  # warm imports and the index
    base = None
    print(
        f"{'layers':<28}{'ms/trial':>9}{'x none':>8}{'tokens/trial':>14}{'$/trial':>10}"
        f"{'success':>9}{'silent':>8}"
    )
    for spec in SETTINGS:
        timings = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            s = coordlab.run(layers=spec, profile=args.profile, tickets=args.tickets)
            timings.append((time.perf_counter() - start) / s["trials"] * 1000)
        ms = min(timings)
        base = base or ms
        tokens = (s["tokens_in"] + s["tokens_out"]) / s["trials"]
        print(
            f"{spec:<28}{ms:>9.2f}{ms / base:>8.2f}{tokens:>14.0f}"
            f"{s['cost_usd'] / s['trials']:>10.5f}{s['success_rate']:>9.3f}"
            f"{s['silent_failure_rate']:>8.3f}"
        )


if __name__ == "__main__":
    main()
