"""The product rule against measured runs, and "a bigger model or coordination?".

A pipeline of ``n`` independent steps, each right with probability ``p``, is right end to end
with probability ``p ** n``. :func:`product_rule` holds every configuration of a sweep against
two versions of that rule: the *nominal* one (the profile's per-step reliability to the power of
the number of work steps) and the *measured* one (the product of the steps' measured
accuracies, ``predicted_e2e`` in a summary). The gap ``measured − Π step accuracies`` gets a
95% interval from a bootstrap over tickets (a ticket's trials are resampled together, since a
hard ticket stays hard across seeds). :func:`price_options` prices configurations side by side,
each under a chosen model tier, with Wilson intervals.

Example:
    >>> import coordlab
    >>> frame = coordlab.sweep("plain", "none", "uniform-90", tickets=20, executor="serial")
    >>> row = product_rule(frame, n_boot=200).iloc[0]
    >>> float(row["per_step"]), int(row["steps"]), round(float(row["nominal"]), 4)
    (0.9, 6, 0.5314)
    >>> bool(row["gap_lo"] <= row["gap"] <= row["gap_hi"])
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from coordlab.domain.steps import WORK_STEPS
from coordlab.errors import ConfigError
from coordlab.experiment.cost import reprice
from coordlab.experiment.stats import is_success, ticket_bootstrap, wilson_rate
from coordlab.llm.pricing import TIERS, ModelTier
from coordlab.llm.profiles import get_profile

CONFIG = ["backend", "layers", "profile"]


def per_step_reliability(profile: str) -> float:
    """The geometric mean of a profile's work-step reliabilities (``P / 100`` for uniform-P).

    Example:
        >>> per_step_reliability("uniform-95"), round(per_step_reliability("seed-002"), 4)
        (0.95, 0.9683)
    """
    values = [get_profile(profile).reliability.get(step, 1.0) for step in WORK_STEPS]
    return round(math.prod(values) ** (1 / len(values)), 6)


def _counts(rows: pd.DataFrame, steps: Sequence[str]) -> np.ndarray:
    """Per trial: 1, success, then (right, executions) of every step, as columns."""
    data = pd.DataFrame({"trials": 1, "success": is_success(rows["outcome"]).astype(int)})
    for step in steps:
        data[f"ok_{step}"], data[f"n_{step}"] = rows[f"ok_{step}"], rows[f"n_{step}"]
    return data.to_numpy(dtype=float)


def _predicted(totals: np.ndarray) -> np.ndarray:
    """Π step accuracy from column totals (last axis laid out as in :func:`_counts`)."""
    right, runs = totals[..., 2::2], totals[..., 3::2]
    return np.prod(right / np.maximum(runs, 1), axis=-1)


def _gap(totals: np.ndarray) -> np.ndarray:
    """Success rate − Π step accuracy, from column totals."""
    return totals[..., 1] / totals[..., 0] - _predicted(totals)


def _one(rows: pd.DataFrame, n_boot: int, seed: int) -> dict:
    steps = [s for s in WORK_STEPS if rows[f"n_{s}"].sum() > 0]
    counts = _counts(rows, steps)
    gap_lo, gap_hi = ticket_bootstrap(rows["ticket_id"], lambda w: _gap(w @ counts), n_boot, seed)
    total = counts.sum(axis=0)
    success, lo, hi = wilson_rate(int(total[1]), int(total[0]))
    p = per_step_reliability(rows["profile"].iloc[0])
    return {"trials": int(total[0]), "per_step": p, "steps": len(steps),
            "nominal": p ** len(steps), "predicted": float(_predicted(total)),
            "success": success, "ci_lo": lo, "ci_hi": hi, "gap": float(_gap(total)),
            "gap_lo": gap_lo, "gap_hi": gap_hi}  # fmt: skip


def product_rule(frame: pd.DataFrame, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Measured end to end against ``p ** n`` and Π step accuracies, per configuration.

    Columns: backend, layers, profile, trials, ``per_step`` (the profile's p), ``steps`` (n,
    the work steps that ran), ``nominal`` (p ** n), ``predicted`` (Π measured step accuracies),
    ``success`` with its Wilson interval ``ci_lo``/``ci_hi``, and ``gap`` = success −
    predicted with a ticket-bootstrap 95% interval ``gap_lo``/``gap_hi``.
    """
    rows = [
        {**dict(zip(CONFIG, key, strict=True)), **_one(group, n_boot, seed)}
        for key, group in frame.groupby(CONFIG, sort=True)
    ]
    return pd.DataFrame(rows)


def price_options(
    frame: pd.DataFrame,
    options: Sequence[tuple[str, str, str]],
    tiers: dict[str, ModelTier] | None = None,
) -> pd.DataFrame:
    """Configurations side by side, each priced as if the named tier were its primary model.

    Args:
        frame: trial rows holding every configuration named in ``options``.
        options: ``(layers, profile, tier)`` triples, e.g. ``("none", "uniform-99",
            "frontier")`` for "a 99%-per-step model, no layers, at frontier prices".
        tiers: the price table (default :data:`coordlab.TIERS`).

    Returns:
        One row per option: layers, profile, tier, per_step, trials, success, ci_lo, ci_hi,
        usd_per_trial, usd_per_success and ``cost_x`` (cost per trial relative to the first).

    Raises:
        ConfigError: an option names a layer setting, profile or tier that ``frame`` or the
            price table does not hold (the message lists what is there).

    Example:
        >>> import coordlab
        >>> frame = coordlab.sweep("plain", "none", "perfect", tickets=3, executor="serial")
        >>> options = price_options(frame, [("none", "perfect", "primary"),
        ...                                 ("none", "perfect", "frontier")])
        >>> list(options["success"]), round(float(options["cost_x"].iloc[1]), 1)
        ([1.0, 1.0], 5.0)
    """
    rows = []
    for layers, profile, tier in options:
        mine = frame[(frame["layers"] == layers) & (frame["profile"] == profile)]
        if mine.empty:
            held = sorted(set(zip(frame["layers"], frame["profile"], strict=True)))
            raise ConfigError(f"no trials of layers {layers!r} × profile {profile!r} here; "
                              f"the results hold: {', '.join(map(str, held))}")  # fmt: skip
        if tier not in (tiers or TIERS):
            known = ", ".join(tiers or TIERS)
            raise ConfigError(f"unknown tier {tier!r}; the price table has {known}")
        priced = reprice(mine, tiers, primary=tier)
        wins, spent = int(is_success(priced["outcome"]).sum()), priced["cost_usd"].sum()
        success, lo, hi = wilson_rate(wins, len(priced))
        rows.append({"layers": layers, "profile": profile, "tier": tier,
                     "per_step": per_step_reliability(profile), "trials": len(priced),
                     "success": success, "ci_lo": lo, "ci_hi": hi,
                     "usd_per_trial": spent / len(priced),
                     "usd_per_success": spent / wins if wins else math.nan})  # fmt: skip
    table = pd.DataFrame(rows)
    table["cost_x"] = table["usd_per_trial"] / table["usd_per_trial"].iloc[0]
    return table


def fault_spread(frame: pd.DataFrame) -> pd.DataFrame:
    """How the injected faults spread over trials, per configuration.

    The same number of faults can hit many trials once each or a few trials several times:
    the second is what correlated faults do, and why fewer trials fail than ``p ** n`` says.

    Returns:
        One row per configuration: trials, faults per trial, the share of trials with a fault,
        faults per trial that had one, and the success rate on ``hard`` and on other tickets.

    Example:
        >>> rows = pd.DataFrame({"backend": "plain", "layers": "none", "profile": "x",
        ...     "faults": ["", "intake:wrong_intent;decide:wrong_amount", "compose:x"],
        ...     "tags": ["hard", "hard", ""], "outcome": ["success", "crashed", "success"]})
        >>> row = fault_spread(rows).iloc[0]
        >>> float(row["faults_per_trial"]), float(row["faults_per_faulty_trial"])
        (1.0, 1.5)
        >>> float(row["success_hard"]), float(row["success_other"])
        (0.5, 1.0)
    """
    rows = []
    for key, group in frame.groupby(CONFIG, sort=True):
        faults = group["faults"].fillna("").map(lambda text: len([f for f in text.split(";") if f]))
        hard = group["tags"].fillna("").str.split(",").map(lambda tags: "hard" in tags)
        wins = is_success(group["outcome"])
        rows.append({**dict(zip(CONFIG, key, strict=True)), "trials": len(group),
                     "faults_per_trial": faults.mean(), "with_a_fault": (faults > 0).mean(),
                     "faults_per_faulty_trial": faults[faults > 0].mean(),
                     "success_hard": wins[hard].mean(),
                     "success_other": wins[~hard].mean()})  # fmt: skip
    return pd.DataFrame(rows)
