"""What tracing costs: ms per trial with tracing off, to memory and to a JSON-lines file.

    python benchmarks/tracing.py [--backend plain] [--tickets N] [--repeat R]

Times are the best of ``--repeat`` runs of the same trials in this process; ratios compare
settings measured in the same run. Spans per trial are counted from the memory exporter.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import coordlab
from coordlab.tracing import enabled


def timed(args, where) -> tuple[float, int]:
    """Best ms per trial and the spans the last run made."""
    best, spans = float("inf"), 0
    for _ in range(args.repeat):
        with where() as tracing:
            start = time.perf_counter()
            summary = coordlab.run(
                backend=args.backend, layers="all", profile=args.profile, tickets=args.tickets
            )
            best = min(best, (time.perf_counter() - start) / summary["trials"] * 1000)
            spans = len(tracing.spans) if tracing else 0
    return best, spans


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="plain")
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--profile", default="uniform-97")
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")
    args = parser.parse_args()
    coordlab.run(backend=args.backend, layers="all", profile="perfect", tickets=3)  # warm up
    with tempfile.TemporaryDirectory() as scratch:
        trace = Path(scratch) / "trace.jsonl"
        settings = {
            "off": nullcontext,
            "memory": lambda: enabled("memory"),
            "JSON lines": lambda: enabled(trace),
        }
        base = None
        print(f"{args.backend}, layers all, {args.profile}, {args.tickets} tickets")
        print(f"{'tracing':<12}{'ms/trial':>10}{'x off':>8}{'spans/trial':>13}")
        for name, where in settings.items():
            ms, spans = timed(args, where)
            base = base or ms
            per_trial = f"{spans / args.tickets:.1f}" if spans else "-"
            print(f"{name:<12}{ms:>10.2f}{ms / base:>8.2f}{per_trial:>13}")
        print(f"trace file: {trace.stat().st_size / 1e6:.1f} MB for {args.repeat} runs")


if __name__ == "__main__":
    main()
