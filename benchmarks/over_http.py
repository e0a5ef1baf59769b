"""ms per trial in-process vs over HTTP (serve-sim through each backend's own connector).

    python benchmarks/over_http.py [--backends plain,langgraph,crewai,autogen,maf] [--tickets N]

The same trials (profile ``perfect`` by default, so no stalled call or retry is timed) run in
this process against the simulator, then against ``serve-sim`` on localhost; times are the best
of ``--repeat`` runs, and the ratio is HTTP over in-process for the same backend.
"""

from __future__ import annotations

import argparse
import time

import coordlab
from coordlab.llm.server import SimServer


def best_ms(args, backend: str, llm=None) -> tuple[float, dict]:
    """Best ms per trial over ``--repeat`` runs, and the last summary."""
    best, summary = float("inf"), {}
    for _ in range(args.repeat):
        start = time.perf_counter()
        summary = coordlab.run(
            backend=backend, layers=args.layers, profile=args.profile, tickets=args.tickets, llm=llm
        )
        best = min(best, (time.perf_counter() - start) / summary["trials"] * 1000)
    return best, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="plain,langgraph,crewai,autogen,maf")
    parser.add_argument("--tickets", type=int, default=40)
    parser.add_argument("--layers", default="all")
    parser.add_argument("--profile", default="perfect")
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")
    args = parser.parse_args()
    with SimServer(args.profile) as server:
        config = coordlab.ModelConfig.parse(
            "openai:primary", base_url=server.url, fallback="openai:fallback"
        )
        print(f"layers {args.layers}, profile {args.profile}, {args.tickets} tickets")
        print(
            f"{'backend':<11}{'in-process':>11}{'HTTP':>9}{'x':>7}{'calls/trial':>13}{'agree':>7}"
        )
        for backend in args.backends.split(","):
            coordlab.run(backend=backend, layers="all", profile="perfect", tickets=2)  # warm up
            local, here = best_ms(args, backend)
            wire, there = best_ms(args, backend, config)
            calls = there["llm_calls"] / there["trials"]
            same = here["outcomes"] == there["outcomes"]
            print(f"{backend:<11}{local:>11.1f}{wire:>9.1f}{wire / local:>7.2f}{calls:>13.1f}"
                  f"{'yes' if same else 'NO':>7}")  # fmt: skip


if __name__ == "__main__":
    main()
