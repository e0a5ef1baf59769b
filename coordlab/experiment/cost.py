"""What reliability costs: dollars per trial, per successful task, per point and per "nine".

Prices come from an editable table per model tier (:data:`coordlab.llm.pricing.TIERS` by
default); :func:`reprice` recomputes a sweep's dollars under another table from the token
counts, so a price change needs no re-run. *Nines* of reliability are ``-log10(1 - success)``
(0.9 → 1 nine, 0.99 → 2); with no failure observed, the failure rate is taken as ``0.5 / n``
rather than 0, so the figure stays finite and says how far the sample can see.

Example:
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"layers": ["none"] * 10 + ["all"] * 10,
    ...                      "outcome": ["success"] * 9 + ["crashed"] + ["success"] * 10,
    ...                      "cost_usd": [0.01] * 10 + [0.03] * 10})
    >>> table = cost_table(rows, by=["layers"])
    >>> table.loc["none", ["success_rate", "usd_per_trial", "usd_per_success", "nines"]].tolist()
    [0.9, 0.01, 0.0111, 1.0]
    >>> marginal = marginal_cost(table, "none", "all")
    >>> marginal["usd_per_point"], marginal["usd_per_nine"]
    (0.002, 0.066445)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from coordlab.experiment.grid import KEY
from coordlab.llm.pricing import TIERS, ModelTier

CONFIG = list(KEY[:3])


def reprice(
    frame: pd.DataFrame, tiers: Mapping[str, ModelTier] | None = None, primary: str = "primary"
) -> pd.DataFrame:
    """``frame`` with ``cost_usd`` recomputed from its tokens under ``tiers`` (a copy).

    Args:
        frame: trial rows (a sweep's DataFrame, or ``pd.DataFrame(rows)``).
        tiers: the price table (default :data:`coordlab.llm.pricing.TIERS`).
        primary: the tier that answered as the primary model, e.g. ``"frontier"`` to price a
            run as if a bigger model had answered the same prompts.
    """
    tiers = tiers or TIERS
    primary, fallback = tiers[primary], tiers["fallback"]
    fin, fout = frame["tokens_in_fallback"], frame["tokens_out_fallback"]
    out = frame.copy()
    out["cost_usd"] = (
        (frame["tokens_in"] - fin) * primary.usd_in_per_m
        + (frame["tokens_out"] - fout) * primary.usd_out_per_m
        + fin * fallback.usd_in_per_m
        + fout * fallback.usd_out_per_m
    ) / 1e6
    return out


def nines(success_rate: float, n: int) -> float:
    """``-log10`` of the failure rate (at least ``0.5 / n``)."""
    return -math.log10(max(1.0 - success_rate, 0.5 / max(n, 1)))


def cost_table(frame: pd.DataFrame, by: Sequence[str] = CONFIG) -> pd.DataFrame:
    """Per configuration: trials, success rate, nines, $ per trial and $ per successful task."""
    grouped = frame.groupby(list(by), sort=True)
    table = pd.DataFrame(
        {
            "trials": grouped.size(),
            "success_rate": grouped["outcome"].apply(lambda s: float((s == "success").mean())),
            "usd_per_trial": grouped["cost_usd"].mean(),
        }
    )
    successes = table["success_rate"] * table["trials"]
    table["usd_per_success"] = grouped["cost_usd"].sum() / successes.where(successes > 0)
    rates = zip(table["success_rate"], table["trials"], strict=True)
    table["nines"] = [nines(p, n) for p, n in rates]
    return table.round({"usd_per_trial": 6, "usd_per_success": 4, "nines": 3})


def marginal_cost(table: pd.DataFrame, base, upgraded) -> dict:
    """What moving from configuration ``base`` to ``upgraded`` buys, and at what price.

    ``base`` and ``upgraded`` are index labels of a :func:`cost_table`. Returns the extra $ per
    trial, the gain in percentage points and in nines, and $ per point and per nine (``None``
    when there is no gain).
    """
    a, b = table.loc[base], table.loc[upgraded]
    extra = float(b["usd_per_trial"] - a["usd_per_trial"])
    points = float(b["success_rate"] - a["success_rate"]) * 100
    gained = float(b["nines"] - a["nines"])
    return {
        "usd_per_trial": round(extra, 6),
        "points": round(points, 3),
        "nines": round(gained, 3),
        "usd_per_point": round(extra / points, 6) if points > 0 else None,
        "usd_per_nine": round(extra / gained, 6) if gained > 0 else None,
    }


def frontier(table: pd.DataFrame) -> pd.DataFrame:
    """The configurations no other beats on both cost and success (cheapest first)."""
    ordered = table.sort_values(["usd_per_trial", "success_rate"], ascending=[True, False])
    best, keep = -1.0, []
    for label, row in ordered.iterrows():
        if row["success_rate"] > best:
            keep.append(label)
            best = row["success_rate"]
    return ordered.loc[keep]
