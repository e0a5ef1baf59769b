"""The report's parts that are not plots: the command line, the layer effects, the glossary.

**The command.** A sweep's store holds a manifest (``_sweep.json``; ``sweep.json`` before it
was renamed) with its configurations, seeds and ticket ids, not the command line; so
:func:`sweep_command` writes an equivalent ``coordlab sweep`` from it (the executor and worker
count are not recorded: they do not change the results). Without a manifest (a CSV or Parquet
file), the command is rebuilt from the trials themselves.

**Layer effects.** For each layer (and each of its modes in the grid), every pair of settings
that differ only in that layer is a *context* (:func:`coordlab.experiment.compare.layer_pairs`:
``S+P`` vs ``S+P+R`` is recovery's effect with state and protocol on). For each paired trial
(seed, ticket) the on − off differences are averaged over the contexts, then a paired bootstrap
(:func:`coordlab.experiment.stats.paired_bootstrap`, resampling trials so that a ticket's
contexts stay together) gives the mean effect and its 95% interval: on success, silent failure,
escalation and crash. The mean equals the average of
:func:`coordlab.experiment.compare.layer_effects` over the contexts.

**When not to conclude.** An effect whose interval contains 0 is shown in grey ("can't tell");
with fewer than :data:`MIN_PAIRS` paired trials per comparison the section opens with a
warning, since a zero-event interval ([0.000, 0.000]) then says nothing about rare failures.

Example:
    >>> seeds_spec([0, 1, 2, 5])
    '0-2,5'
    >>> grid_spec(["none", "state,recovery"])
    "'none;state,recovery'"
"""

from __future__ import annotations

import html
import json
import shlex
from pathlib import Path

import numpy as np
import pandas as pd

from coordlab.config import layer_grid
from coordlab.experiment.compare import layer_pairs
from coordlab.experiment.stats import has_outcome, paired_bootstrap

MANIFESTS = ("_sweep.json", "sweep.json")
"""Manifest names, newest first (read whichever exists)."""

MIN_PAIRS = 100
"""Fewer paired trials per comparison than this and the effects carry a warning."""

METRICS = (
    ("success", "success", +1),
    ("silent_failure", "silent failure", -1),
    ("escalated", "escalated", 0),
    ("crashed", "crashed", -1),
)
"""(outcome, heading, which sign is good: +1 up, −1 down, 0 neither)."""

EFFECTS_NOTE = (
    "Each layer's effect is on − off between settings that differ only in that layer, averaged "
    "over every such pair in the grid (contexts) and over paired trials (same seed, same "
    "ticket, so the same injected faults); the interval is a 95% paired bootstrap. Green: an "
    "improvement the interval supports; red: a worsening it supports; grey: the interval "
    "contains 0, so this sample cannot tell the sign; black: a change the interval supports in "
    "escalations, which is neither good nor bad by itself (fewer can mean repaired, or let "
    "through)."
)

GLOSSARY = {
    "success": "the delivered action, order and amount match the ground truth, the reply cites "
    "only what the context supports, no side effect happened twice (an expected escalation "
    "that escalates counts)",
    "silent failure": "a wrong action, amount or claim reached the customer: the worst outcome",
    "escalated": "handed to a human when it could have been automated: safe, but it costs",
    "crashed": "an unhandled error stopped the run (no recovery layer to catch it)",
    "95% interval": "Wilson score interval of a rate; for effects, a paired bootstrap interval",
    "predicted": "the product of the measured per-step accuracies (Π step accuracy): what "
    "end-to-end success would be if step errors were independent and never caught",
    "coordination gap": "best single-step accuracy − measured end-to-end success",
    "nines": "−log10(failure rate): 0.9 → 1 nine, 0.99 → 2 (no failure seen: 0.5/n is used)",
    "$/trial, $/success": "dollars per trial, and total dollars ÷ successful trials",
    "effect": "on − off for one layer, the other layers held fixed, averaged over contexts "
    "(the pairs of settings in the grid that differ only in that layer) and paired trials",
}


def read_manifest(results: str | Path) -> dict | None:
    """The sweep manifest next to the results (``_sweep.json`` or ``sweep.json``), if any."""
    folder = Path(results)
    for name in MANIFESTS:
        if (folder / name).is_file():
            return json.loads((folder / name).read_text(encoding="utf-8"))
    return None


def seeds_spec(seeds) -> str:
    """Seeds as the CLI writes them: runs become ``A-B``, joined by commas."""
    seeds, runs = sorted(set(int(s) for s in seeds)), []
    for seed in seeds:
        if runs and seed == runs[-1][1] + 1:
            runs[-1][1] = seed
        else:
            runs.append([seed, seed])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def grid_spec(labels) -> str:
    """``all`` for the 16 on/off settings, else the labels in order joined by ``;`` (quoted)."""
    labels = list(dict.fromkeys(labels))
    if set(labels) == {layers.label for layers in layer_grid()}:
        return "all"
    return shlex.quote(";".join(labels))


def sweep_command(manifest: dict | None, frame: pd.DataFrame, results: str) -> tuple[str, str]:
    """An equivalent ``coordlab sweep`` command and a note on where it came from."""
    from coordlab.datasets import load_tickets

    if manifest:
        configs, seeds, tickets = manifest["configs"], manifest["seeds"], manifest["tickets"]
        source = "rebuilt from the sweep's manifest; executor and workers are not recorded"
    else:
        configs = frame[["backend", "layers", "profile"]].drop_duplicates().to_numpy().tolist()
        seeds, tickets = frame["seed"].unique(), list(dict.fromkeys(frame["ticket_id"]))
        source = "rebuilt from the trials (no manifest found next to them)"
    bundled = [t.id for t in load_tickets(limit=len(tickets))]
    out = shlex.quote(results) if Path(results).is_dir() else "DIR"
    parts = [
        "coordlab sweep --backends " + ",".join(dict.fromkeys(c[0] for c in configs)),
        "--layers-grid " + grid_spec(c[1] for c in configs),
        "--profiles " + ",".join(dict.fromkeys(c[2] for c in configs)),
        f"--tickets {len(tickets)}" if list(tickets) == bundled else "--tickets-file TICKETS",
        f"--seeds {seeds_spec(seeds)} --out {out}",
    ]
    if out == "DIR":
        source += f"; DIR is the results directory that {results} was exported from"
    if list(tickets) != bundled:
        source += f"; TICKETS is a file holding the {len(tickets)} tickets of the sweep"
    return " ".join(parts), source


def _pooled(wide: pd.DataFrame, contexts) -> tuple[float, float, float, int]:
    """Mean on − off over contexts per paired trial, bootstrapped: (diff, lo, hi, pairs)."""
    offs = wide[[off for off, _ in contexts]].to_numpy(dtype=float)
    ons = wide[[on for _, on in contexts]].to_numpy(dtype=float)
    keep = ~(np.isnan(offs).any(axis=1) | np.isnan(ons).any(axis=1))
    diff, lo, hi = paired_bootstrap(offs[keep].mean(axis=1), ons[keep].mean(axis=1))
    return diff, lo, hi, int(keep.sum())


def _hits(group: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per trial (rows) and layer setting (columns): 1.0 if it had the outcome ``metric``."""
    hit = group.assign(hit=has_outcome(group["outcome"], metric).astype(float))
    return hit.pivot_table(index=["seed", "ticket_id"], columns="layers", values="hit")


def effect_rows(frame: pd.DataFrame) -> list[dict]:
    """One row per (backend, profile, layer, mode): each metric's (diff, lo, hi, pairs)."""
    rows = []
    for (backend, profile), group in frame.groupby(["backend", "profile"], sort=True):
        found = layer_pairs(group["layers"].unique())
        wide = {metric: _hits(group, metric) for metric, _, _ in METRICS}
        for (layer, mode), contexts in found.items():
            row = {"backend": backend, "profile": profile, "layer": layer, "mode": mode}
            row["contexts"] = len(contexts)
            for metric, _, _ in METRICS:
                row[metric] = _pooled(wide[metric], contexts)
            row["pairs"] = row["success"][3]
            rows.append(row)
    return rows


def verdict(row: dict) -> str:
    """What the intervals of one effect row let one say, in words."""
    words = {
        "success": ("raises success", "lowers success"),
        "silent_failure": ("adds silent failures", "cuts silent failures"),
        "escalated": ("more escalations", "fewer escalations"),
        "crashed": ("adds crashes", "cuts crashes"),
    }
    said = []
    for metric, _, _ in METRICS:
        _, lo, hi, _ = row[metric]
        if lo > 0 or hi < 0:
            said.append(words[metric][0 if lo > 0 else 1])
    return "; ".join(said) or "can't tell: every interval contains 0"


def table(header, rows, classes=None) -> str:
    """An HTML table: ``header`` is text, ``rows`` hold HTML cells, ``classes`` one per column."""
    classes = classes or [""] * len(header)
    head = "".join(
        f"<th class='{c}'>{html.escape(h)}</th>" for h, c in zip(header, classes, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td class='{c}'>{cell}</td>" for cell, c in zip(row, classes, strict=True))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
