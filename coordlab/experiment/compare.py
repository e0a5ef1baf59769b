"""Comparisons over a results frame: paired differences, ratios of means, layer effects.

Trials are paired on ``(seed, ticket_id)``: under common random numbers two configurations
saw the same injected faults on the same trial, so a paired test needs far fewer trials.

Example:
    >>> import coordlab
    >>> frame = coordlab.sweep("plain", "none;recovery", "uniform-97", tickets=20,
    ...                        executor="serial")
    >>> result = compare(frame, {"layers": "none"}, {"layers": "recovery"})
    >>> result["pairs"], result["b_rate"] >= result["a_rate"]
    (20, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from coordlab.config import LAYER_NAMES, Layers, label_order
from coordlab.experiment.stats import has_outcome, mcnemar_exact, paired_bootstrap, ticket_bootstrap


def selected(frame: pd.DataFrame, config: Mapping) -> pd.DataFrame:
    """The rows of ``frame`` holding the column values of ``config`` (``{"layers": "none"}``)."""
    for column, value in config.items():
        frame = frame[frame[column] == value]
    return frame


def paired_outcomes(frame, a: Mapping, b: Mapping, metric: str = "success"):
    """The two configurations' trials matched on ``(seed, ticket_id)``: two 0/1 arrays.

    ``a`` and ``b`` select rows by column values (``{"layers": "none"}``); ``metric`` is an
    outcome (``success``, ``silent_failure``, ...).
    """
    keys = ["seed", "ticket_id"]
    sides = [has_outcome(selected(frame, c).set_index(keys)["outcome"], metric).astype(int)
             for c in (a, b)]  # fmt: skip
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


def mean_ratio(
    frame: pd.DataFrame,
    a: Mapping,
    b: Mapping,
    metric: str = "tokens",
    n_boot: int = 2000,
    seed: int = 0,
) -> dict:
    """Mean of ``metric`` under configuration ``b`` divided by its mean under ``a``.

    Trials are paired on ``(seed, ticket_id)``; the 95% interval is a :func:`ticket_bootstrap`.

    Args:
        frame: a results frame.
        a: the reference configuration, as column values (``{"layers": "state,protocol"}``).
        b: the configuration to compare.
        metric: ``tokens`` (in + out), a numeric column, or an outcome (``escalated``: 0/1
            per trial, so the ratio is a ratio of rates).
        n_boot: bootstrap resamples.
        seed: the bootstrap's seed.

    Returns:
        ``{"metric", "pairs", "tickets", "a_mean", "b_mean", "ratio", "ci95"}``; a ratio over
        a zero mean is ``inf`` (``nan`` when both are zero).

    Example:
        >>> rows = [{"layers": x, "seed": 0, "ticket_id": f"T{i}", "tokens_in": t,
        ...          "tokens_out": 0} for i in range(4) for x, t in (("a", 10), ("b", 15))]
        >>> r = mean_ratio(pd.DataFrame(rows), {"layers": "a"}, {"layers": "b"})
        >>> r["ratio"], r["ci95"]
        (1.5, [1.5, 1.5])
    """
    pairs = pd.concat([_values(frame, a, metric), _values(frame, b, metric)], axis=1).dropna()
    if pairs.empty:
        raise ValueError(f"no paired trials between {dict(a)} and {dict(b)}")
    values = pairs.to_numpy()
    tickets = pairs.index.get_level_values("ticket_id")

    def ratio(weights):
        with np.errstate(divide="ignore", invalid="ignore"):
            totals = weights @ values
            return totals[..., 1] / totals[..., 0]

    lo, hi = ticket_bootstrap(tickets, ratio, n_boot, seed, method="inverted_cdf")
    a_mean, b_mean = values.mean(axis=0)
    return {
        "metric": metric,
        "pairs": len(values),
        "tickets": len(set(tickets)),
        "a_mean": float(a_mean),
        "b_mean": float(b_mean),
        "ratio": float(ratio(np.ones(len(values)))),
        "ci95": [lo, hi],
    }


def _values(frame: pd.DataFrame, config: Mapping, metric: str) -> pd.Series:
    rows = selected(frame, config)
    if metric == "tokens":
        values = rows["tokens_in"] + rows["tokens_out"]
    elif metric in rows.columns:
        values = rows[metric]
    else:
        values = has_outcome(rows["outcome"], metric)
    return values.astype(float).set_axis(pd.MultiIndex.from_frame(rows[["seed", "ticket_id"]]))


def layer_pairs(labels) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(layer, on-mode) -> the (off, on) label pairs among ``labels`` that differ only there.

    Each pair is a *context* of that layer's effect (``S+P`` vs ``S+P+R`` is recovery's effect
    with state and protocol on); layers in their order, pairs from fewest layers on.

    Example:
        >>> layer_pairs(["none", "state", "recovery", "state,recovery"])[("state", "typed")]
        [('none', 'state'), ('recovery', 'state,recovery')]
    """
    parsed = {label: Layers.parse(label) for label in sorted(set(labels), key=label_order)}
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for on_label, on in parsed.items():
        for layer in (name for name in LAYER_NAMES if on.on(name)):
            off = replace(on, **{layer: "off"})
            off_label = next((label for label, p in parsed.items() if p == off), None)
            if off_label is not None:
                found.setdefault((layer, getattr(on, layer)), []).append((off_label, on_label))
    return dict(sorted(found.items(), key=lambda item: LAYER_NAMES.index(item[0][0])))


def layer_effects(frame, metric: str = "success") -> pd.DataFrame:
    """Each layer's effect with the others held fixed, from a grid of layer settings.

    For every pair of settings that differ only in one layer (:func:`layer_pairs`), within the
    same backend and profile, the paired difference ``on - off``; one row per pair (``mode`` is
    the layer's on-mode), with the McNemar p-value. Average a layer's rows for its mean effect
    across contexts.
    """
    rows = []
    for (backend, profile), group in frame.groupby(["backend", "profile"]):
        for (layer, mode), pairs in layer_pairs(group["layers"].unique()).items():
            for off_label, on_label in pairs:
                result = compare(group, {"layers": off_label}, {"layers": on_label}, metric)
                others = [n for n in LAYER_NAMES if n != layer and Layers.parse(off_label).on(n)]
                rows.append({
                    "backend": backend, "profile": profile, "layer": layer, "mode": mode,
                    "others": ",".join(others) or "none", "off": result["a_rate"],
                    "on": result["b_rate"], "effect": result["diff"],
                    "mcnemar_p": result["mcnemar_p"], "pairs": result["pairs"],
                })  # fmt: skip
    return pd.DataFrame(rows)
