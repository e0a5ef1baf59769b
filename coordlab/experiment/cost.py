"""What reliability costs: dollars per trial, per successful task, per point and per "nine".

Prices come from an editable table per model tier (:data:`coordlab.llm.pricing.TIERS` by
default); :func:`reprice` recomputes a sweep's dollars under another table from the token
counts, so a price change needs no re-run. *Nines* of reliability are ``-log10(1 - success)``
(0.9 → 1 nine, 0.99 → 2); with no failure observed, the failure rate is taken as ``0.5 / n``
rather than 0, so the figure stays finite and says how far the sample can see.

**Total cost.** Beside the model's dollars (``usd_per_trial``, the default axis everywhere),
:func:`cost_table` prices the humans and failures of each trial
(:func:`coordlab.experiment.prices.trial_costs`) at editable :class:`~coordlab.Prices`: human,
failure and total dollars per trial. :func:`frontier` and :func:`marginal_cost` take ``cost=``
``"model"`` (default), ``"human"``, ``"failure"`` or ``"total"``; :func:`break_even_failure_cost`
solves for the goodwill price at which an upgrade pays for itself. Success counts
``success_after_approval`` too (:func:`coordlab.experiment.stats.is_success`).

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
    >>> float(table.loc["none", "total_usd_per_trial"])  # a human takes the crashed ticket: $7/10
    0.71
    >>> marginal_cost(table, "none", "all", cost="total")["usd_per_trial"]  # all saves $0.68
    -0.68
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from coordlab.experiment.grid import KEY
from coordlab.experiment.prices import PRICES, Prices, trial_costs
from coordlab.experiment.stats import is_success
from coordlab.llm.pricing import TIERS, ModelTier

CONFIG = list(KEY[:3])

COSTS = {
    "model": "usd_per_trial",
    "human": "human_usd_per_trial",
    "failure": "failure_usd_per_trial",
    "total": "total_usd_per_trial",
}
"""A cost axis -> the :func:`cost_table` column of its mean $ per trial."""


def cost_column(cost: str) -> str:
    """The :func:`cost_table` column of a cost axis (a key of :data:`COSTS`)."""
    if cost not in COSTS:
        raise ValueError(f"unknown cost {cost!r}; known: {', '.join(COSTS)}")
    return COSTS[cost]


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


def cost_table(
    frame: pd.DataFrame, by: Sequence[str] = CONFIG, prices: Prices | None = None
) -> pd.DataFrame:
    """Per configuration: trials, success rate, nines, and dollars per trial and per success.

    Columns: ``trials``, ``success_rate``, ``usd_per_trial`` (the model's dollars),
    ``usd_per_success``, ``nines``; then, at ``prices`` (default
    :data:`coordlab.experiment.prices.PRICES`), ``silent_failure_rate``,
    ``human_usd_per_trial``, ``refund_usd_per_trial`` (money refunded wrongly),
    ``failure_usd_per_trial`` (that money plus goodwill), ``total_usd_per_trial`` and
    ``total_usd_per_success``. The prices are kept in ``table.attrs["prices"]``.
    """
    priced = trial_costs(frame, prices)
    priced["won"], priced["silent"] = (
        is_success(frame["outcome"]),
        frame["outcome"].eq("silent_failure"),
    )
    grouped = priced.groupby(list(by), sort=True)
    table = pd.DataFrame(
        {
            "trials": grouped.size(),
            "success_rate": grouped["won"].mean().astype(float),
            "usd_per_trial": grouped["cost_usd"].mean(),
        }
    )
    successes = (table["success_rate"] * table["trials"]).where(lambda n: n > 0)
    table["usd_per_success"] = grouped["cost_usd"].sum() / successes
    rates = zip(table["success_rate"], table["trials"], strict=True)
    table["nines"] = [nines(p, n) for p, n in rates]
    table["silent_failure_rate"] = grouped["silent"].mean().astype(float)
    for kind in ("human", "refund", "failure", "total"):
        table[f"{kind}_usd_per_trial"] = grouped[f"{kind}_usd"].mean()
    table["total_usd_per_success"] = grouped["total_usd"].sum() / successes
    per_trial = {column: 6 for column in table if column.endswith("usd_per_trial")}
    table = table.round({**per_trial, "usd_per_success": 4, "total_usd_per_success": 4, "nines": 3})
    table.attrs["prices"] = prices or PRICES  # what plots and captions name
    return table


def marginal_cost(table: pd.DataFrame, base, upgraded, cost: str = "model") -> dict:
    """What moving from configuration ``base`` to ``upgraded`` buys, and at what price.

    ``base`` and ``upgraded`` are index labels of a :func:`cost_table`; ``cost`` is the axis
    the price is read on (``model`` by default, or ``human``, ``failure``, ``total``). Returns
    the extra $ per trial (negative when the upgrade saves), the gain in percentage points and
    in nines, $ per point and per nine (``None`` when there is no gain), and ``cost``.
    """
    a, b = table.loc[base], table.loc[upgraded]
    column = cost_column(cost)
    extra = float(b[column] - a[column])
    points = float(b["success_rate"] - a["success_rate"]) * 100
    gained = float(b["nines"] - a["nines"])
    return {
        "usd_per_trial": round(extra, 6),
        "points": round(points, 3),
        "nines": round(gained, 3),
        "usd_per_point": round(extra / points, 6) if points > 0 else None,
        "usd_per_nine": round(extra / gained, 6) if gained > 0 else None,
        "cost": cost,
    }


def frontier(table: pd.DataFrame, cost: str = "model") -> pd.DataFrame:
    """The configurations no other beats on both cost and success (cheapest first).

    ``cost`` is the axis: ``model`` (default: ``usd_per_trial``), ``human``, ``failure`` or
    ``total`` (see :data:`COSTS`).
    """
    column = cost_column(cost)
    ordered = table.sort_values([column, "success_rate"], ascending=[True, False])
    best, keep = -1.0, []
    for label, row in ordered.iterrows():
        if row["success_rate"] > best:
            keep.append(label)
            best = row["success_rate"]
    return ordered.loc[keep]


def break_even_failure_cost(table: pd.DataFrame, base, upgraded) -> float | None:
    """The goodwill price per silent failure at which upgrading pays for itself, in dollars.

    Per trial, a configuration's total is ``other + goodwill × silent_failure_rate``, where
    ``other`` is its model, human and wrongly refunded dollars. Upgrading from ``base`` to
    ``upgraded`` pays for itself once the goodwill saved covers the extra ``other``:
    ``goodwill = Δ other / (silent failures prevented per trial)``. ``0.0`` when the upgrade
    is no dearer and prevents as many; ``None`` when it is dearer and prevents no silent
    failure, or lets more through (see :func:`coordlab.experiment.break_even.break_even`,
    which also gives the ceiling price of a cheaper upgrade that lets more through).

    Example:
        >>> import pandas as pd
        >>> rows = pd.DataFrame({"layers": ["none"] * 10 + ["all"] * 10,
        ...     "outcome": ["silent_failure"] * 2 + ["success"] * 18,
        ...     "cost_usd": [0.01] * 10 + [0.05] * 10})
        >>> table = cost_table(rows, by=["layers"])
        >>> break_even_failure_cost(table, "none", "all")  # $0.04 more to prevent 0.2 a trial
        0.2
        >>> break_even_failure_cost(table, "all", "none") is None
        True
    """
    a, b = table.loc[base], table.loc[upgraded]
    prevented = float(a["silent_failure_rate"] - b["silent_failure_rate"])
    other = [float(r["total_usd_per_trial"] - r["failure_usd_per_trial"]
                   + r["refund_usd_per_trial"]) for r in (a, b)]  # fmt: skip
    extra = other[1] - other[0]
    if prevented == 0:  # no failure price changes the comparison
        return 0.0 if extra <= 0 else None
    if prevented < 0:  # it adds silent failures: it pays, if at all, only *below* a price
        return None
    return round(max(0.0, extra / prevented), 6)
