"""The default sweep timed on each executor, printed as ratios; peak memory as the sweep grows.

    python benchmarks/sweep.py [--tickets 300] [--backends plain,langgraph,crewai,autogen,maf]
                               [--executors serial,process,ray] [--workers 2]

The default sweep is every available backend × the 16 on/off layer settings × 300 tickets
(``uniform-97``, seed 0): 19,200 trials with all four backends. Each executor runs it in a fresh
subprocess writing to its own results directory; we print wall seconds, trials/s, the speed-up
over ``serial``, ``ray`` against ``process``, and the peak resident memory of the sweep process
and of its worker processes. Then the memory check: the same sweep (plain) with 1 and with 4
seeds, to show the parent's peak does not grow with the number of trials.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

from coordlab.backends import available

SCRIPT = """
import json, resource, sys, time
import coordlab
args = json.loads(sys.argv[1])
start = time.perf_counter()
frame = coordlab.sweep(**args)
wall = time.perf_counter() - start
print(json.dumps({"wall_s": wall, "rows": len(frame),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "workers_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def timed_sweep(**kwargs) -> dict:
    """Run ``coordlab.sweep(**kwargs)`` in a fresh interpreter; its wall time and peak memory."""
    with tempfile.TemporaryDirectory() as scratch:
        kwargs = {"out": f"{scratch}/sweep", **kwargs}
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, json.dumps(kwargs)],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--backends", default=",".join(available()))
    parser.add_argument("--executors", default="serial,process,ray")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    grid = dict(backends=args.backends, layers_grid="all", profiles="uniform-97",
                tickets=args.tickets, workers=args.workers)  # fmt: skip
    print(f"default sweep: {args.backends} x 16 layer settings x {args.tickets} tickets")
    print(f"{'executor':<9}{'trials':>8}{'wall s':>9}{'trials/s':>10}{'vs serial':>11}"
          f"{'rss MB':>8}{'workers MB':>12}")  # fmt: skip
    results = {}
    for executor in args.executors.split(","):
        start = time.perf_counter()
        result = timed_sweep(**grid, executor=executor)
        result["total_s"] = time.perf_counter() - start
        results[executor] = result
        base = results.get("serial", result)["wall_s"]
        print(
            f"{executor:<9}{result['rows']:>8}{result['wall_s']:>9.1f}"
            f"{result['rows'] / result['wall_s']:>10.1f}{base / result['wall_s']:>11.2f}"
            f"{result['rss_mb']:>8.0f}{result['workers_rss_mb']:>12.0f}"
        )
    if "ray" in results and "process" in results:
        print(f"ray / process wall: {results['ray']['wall_s'] / results['process']['wall_s']:.2f}")
    print("\nmemory as the sweep grows (plain, process executor):")
    for seeds in ("0", "0-3"):
        result = timed_sweep(backends="plain", layers_grid="all", tickets=args.tickets,
                             seeds=seeds, workers=args.workers)  # fmt: skip
        print(
            f"  seeds {seeds:<4} {result['rows']:>6} trials  parent peak "
            f"{result['rss_mb']:.0f} MB  worker peak {result['workers_rss_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
