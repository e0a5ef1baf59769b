"""Make the results files the notebooks read: ``python notebooks/make_results.py [NAME ...]``.

Each entry of :data:`RESULTS` is one results directory under ``notebooks/results/`` (a
coordlab results store: Parquet parts plus ``_sweep.json``), filled by one or more sweeps. The
notebooks read these instead of running thousands of trials in a cell, so each runs in seconds;
``tests/test_notebook_results.py`` re-runs a sample of every file and checks it is equal.
Re-running this script rebuilds the named entries (all of them by default) from scratch.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import coordlab
from coordlab.experiment.store import ResultStore

HERE = Path(__file__).parent / "results"
FRAMEWORKS = "plain,langgraph,crewai,autogen,maf"
ALL = coordlab.Layers()  # every layer on (the string "all" in a grid means the 16 settings)
VERIFY_MODES = ("off", "gate", "critic-vague", "critic-strict", "full")

RESULTS: dict[str, list[dict]] = {
    # 01 compounding: layers off across per-step reliabilities, a correlated profile, and
    # "a bigger model or coordination?" (layers off at 99% per step vs all layers at 97%)
    "compounding": [
        {"layers_grid": "none", "seeds": "0-4",
         "profiles": "uniform-90,uniform-93,uniform-95,uniform-97,uniform-98,uniform-99,"
                     "correlated-97"},
        {"layers_grid": [ALL], "profiles": "uniform-97", "seeds": "0-4"},
    ],
    # 03 frameworks side by side: every backend, layers off and on, one seed
    "frameworks": [{"backends": FRAMEWORKS, "layers_grid": ["none", ALL], "profiles": "uniform-97"}],
    # 04 verification: each verification mode, with and without recovery
    "verification": [
        {"layers_grid": ";".join(f"state,protocol,verification:{m}{extra}"
                                 for m in VERIFY_MODES for extra in ("", ",recovery")),
         "profiles": "uniform-97", "seeds": "0-4"},
    ],
    # 05 recovery: an outage, and a profile where about a third of trials fail without it
    "recovery": [
        {"layers_grid": ["none", "recovery:retry", "recovery", "all,-recovery", "all,recovery:retry", ALL],
         "profiles": "outage,uniform-93", "seeds": "0-4"},
    ],
    # 06 cost vs reliability: the 16 on/off layer settings
    "cost": [{"layers_grid": "all", "profiles": "uniform-97", "seeds": "0-2"}],  # the 16
    # 10 routing: every ticket on the primary, routed by rules, routed by the small model;
    # with every other layer off and with all four on
    "routing": [
        {"layers_grid": "none;routing:rules;routing:llm;all;all,routing:rules;all,routing:llm",
         "profiles": "uniform-97", "seeds": "0-4"},
    ],
    # 10 a critic on every hand-off: no critic, one critic, one per hand-off; alone and with
    # the other three layers
    "critic": [
        {"layers_grid": ";".join(f"{rest}verification:{m}" for rest in ("", "state,protocol,recovery,")
                                 for m in ("off", "critic-strict", "per-step")),
         "profiles": "uniform-97", "seeds": "0-4"},
    ],
    # 10 a person's approval: refunds above the threshold escalated, or approved and paid; with
    # every other layer off and with all four on
    "approval": [
        {"layers_grid": "none;approval;all;all,approval", "profiles": "uniform-97", "seeds": "0-4"},
    ],
}  # fmt: skip
"""Results name -> the sweeps that fill it (arguments of :func:`coordlab.sweep`)."""


def make(name: str) -> None:
    """Rebuild ``notebooks/results/<name>`` from its sweeps."""
    out = HERE / name
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    for spec in RESULTS[name]:
        coordlab.sweep(**{"backends": "plain", "seeds": "0", **spec}, out=out, resume=True,
                       executor="process", chunk=80, progress=True)  # fmt: skip
    ResultStore(out).compact()  # one file per entry: smaller, and read at once
    frame = coordlab.read_results(out)
    print(f"{name}: {len(frame):,} trials in {time.perf_counter() - start:.0f} s -> {out}")


if __name__ == "__main__":
    for name in sys.argv[1:] or RESULTS:
        make(name)
